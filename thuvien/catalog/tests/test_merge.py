"""Merging and unmerging records by hand: copies, holds and collections move, and come back."""

from __future__ import annotations

import pytest
from django.utils import timezone

from thuvien.catalog.actions import merge_records, save_item, save_record, unmerge
from thuvien.catalog.exceptions import CatalogError
from thuvien.catalog.models import Collection, Item, Record, RecordMerge
from thuvien.catalog.queries import merged_survivor, public_records
from thuvien.catalog.tests.factories import marc_record
from thuvien.circulation.models import Hold

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(network):
    a = save_record(None, marc_record("Tắt đèn", "Ngô Tất Tố"), library=network["prov"])
    b = save_record(None, marc_record("Tat den", "Ngo Tat To"), library=network["commune"])
    for record, library, barcode in ((a, "prov", "A-1"), (b, "commune", "B-1")):
        save_item(
            Item(record=record, library=network[library], current_library=network[library], barcode=barcode)
        )
    return a, b


def _reader(network, card):
    from thuvien.patrons.actions import register_reader

    return register_reader(
        card=card, full_name="Trần Văn Bình", home_library=network["prov"], category="adult", pin="1234"
    )


def _hold(reader, record, network):
    return Hold.objects.create(
        reader=reader, record=record, pickup_library=network["prov"], placed_at=timezone.now()
    )


def test_merge_moves_copies_holds_and_collections_and_hides_the_merged_record(
    network, two, provincial_librarian
):
    a, b = two
    local = Collection.objects.create(code="dia-chi", name="Địa chí", kind="local_history")
    local.records.add(b)
    waiting = _hold(_reader(network, "TST-R001"), b, network)
    merge = merge_records(a, b, actor=provincial_librarian)

    assert set(Item.objects.filter(record=a).values_list("barcode", flat=True)) == {"A-1", "B-1"}
    assert Hold.objects.get(pk=waiting.pk).record_id == a.pk
    assert list(a.collections.all()) == [local]
    b.refresh_from_db()
    assert b.merged_into_id == a.pk and b.deleted_at is not None
    assert list(public_records()) == [a]
    assert merged_survivor(b.pk) == a.pk
    assert merge.moved["items"] == [Item.objects.get(barcode="B-1").pk]


def test_a_reader_waiting_for_both_keeps_one_hold_and_gets_the_other_back_on_unmerge(network, two):
    a, b = two
    reader = _reader(network, "TST-R002")
    on_a, on_b = _hold(reader, a, network), _hold(reader, b, network)
    merge = merge_records(a, b)
    assert Hold.objects.get(pk=on_b.pk).status == "cancelled"
    assert Hold.objects.get(pk=on_a.pk).status == "waiting"
    unmerge(merge)
    assert Hold.objects.get(pk=on_b.pk).status == "waiting"
    assert Hold.objects.get(pk=on_b.pk).record_id == b.pk


def test_unmerge_gives_back_exactly_what_the_merge_moved(network, two):
    a, b = two
    merge = merge_records(a, b)
    # A copy added to the union record after the merge stays with it.
    save_item(Item(record=a, library=network["commune"], current_library=network["commune"], barcode="B-2"))
    restored = unmerge(merge)
    assert restored.deleted_at is None and restored.merged_into_id is None
    assert set(Item.objects.filter(record=b).values_list("barcode", flat=True)) == {"B-1"}
    assert set(Item.objects.filter(record=a).values_list("barcode", flat=True)) == {"A-1", "B-2"}
    assert public_records().count() == 2
    with pytest.raises(CatalogError):
        unmerge(RecordMerge.objects.get(pk=merge.pk))


def test_records_merged_earlier_follow_the_one_they_were_merged_into(network, two):
    a, b = two
    c = save_record(None, marc_record("Tắt đèn", "Ngô Tất Tố"), library=network["school"])
    merge_records(b, c)
    merge_records(a, b)
    assert Record.objects.get(pk=c.pk).merged_into_id == a.pk
    assert merged_survivor(c.pk) == a.pk


def test_a_record_cannot_be_merged_into_itself_or_into_a_merged_one(network, two):
    a, b = two
    with pytest.raises(CatalogError):
        merge_records(a, a)
    merge_records(a, b)
    with pytest.raises(CatalogError):
        merge_records(b, a)


def test_the_opac_sends_a_merged_record_link_to_the_union_record(client, network, two):
    a, b = two
    merge_records(a, b)
    response = client.get(f"/record/{b.pk}/")
    assert response.status_code == 301 and response["Location"].endswith(f"/record/{a.pk}/")
    page = client.get(f"/record/{a.pk}/").content.decode()
    assert "Thư viện xã Hòa Bình" in page and "B-1" in page


def test_deleting_a_record_gives_it_a_new_datestamp_for_harvesters(network):
    from thuvien.catalog.actions import delete_record

    record = save_record(None, marc_record("Bỉ vỏ", "Nguyên Hồng"), library=network["prov"])
    before = Record.objects.get(pk=record.pk).updated_at
    delete_record(record)
    after = Record.objects.get(pk=record.pk)
    assert after.deleted_at is not None and after.updated_at > before
