"""The review queue of likely duplicates and the merge history: catalogers of the network only."""

from __future__ import annotations

import pytest

from thuvien.audit.models import AuditEntry
from thuvien.catalog.actions import merge_records, save_item, save_record
from thuvien.catalog.models import DuplicateCandidate, Item, Record, RecordMerge
from thuvien.catalog.tests.factories import marc_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(network):
    a = save_record(None, marc_record("Số đỏ", "Vũ Trọng Phụng", year=2016), library=network["prov"])
    b = save_record(None, marc_record("So do", "Vu Trong Phung", year=2016), library=network["commune"])
    save_item(Item(record=b, library=network["commune"], current_library=network["commune"], barcode="XA-9"))
    return DuplicateCandidate.objects.create(record=a, other=b, score=0.7, reasons=["title", "author"])


def test_the_queue_lists_pending_pairs_side_by_side(client, provincial_librarian, pair):
    client.force_login(provincial_librarian)
    page = client.get("/staff/duplicates/").content.decode()
    assert "Số đỏ" in page and "So do" in page and "0.70" in page.replace(",", ".")
    detail = client.get(f"/staff/duplicates/{pair.pk}/").content.decode()
    assert "Thư viện xã Hòa Bình: 1" in detail


def test_merging_from_the_pair_page_keeps_the_chosen_record(client, provincial_librarian, pair):
    client.force_login(provincial_librarian)
    response = client.post(f"/staff/duplicates/{pair.pk}/merge/", {"keep": "record"})
    assert response.status_code == 302
    assert Item.objects.get(barcode="XA-9").record_id == pair.record_id
    assert Record.objects.get(pk=pair.other_id).merged_into_id == pair.record_id
    assert DuplicateCandidate.objects.get(pk=pair.pk).status == "merged"
    assert AuditEntry.objects.filter(type="catalog.record.merged").exists()


def test_a_pair_marked_distinct_leaves_the_queue(client, provincial_librarian, pair):
    client.force_login(provincial_librarian)
    client.post(f"/staff/duplicates/{pair.pk}/distinct/")
    assert DuplicateCandidate.objects.get(pk=pair.pk).status == "distinct"
    assert "Số đỏ" not in client.get("/staff/duplicates/").content.decode()


def test_merge_by_number_and_undo_from_the_history(client, provincial_librarian, pair):
    client.force_login(provincial_librarian)
    client.post("/staff/duplicates/merge/", {"merged": pair.other_id, "survivor": pair.record_id})
    merge = RecordMerge.objects.get()
    history = client.get("/staff/duplicates/merges/").content.decode()
    assert f"#{pair.other_id}" in history
    client.post(f"/staff/duplicates/merges/{merge.pk}/undo/")
    assert Record.objects.get(pk=pair.other_id).merged_into_id is None
    assert Item.objects.get(barcode="XA-9").record_id == pair.other_id


def test_a_commune_cataloguer_cannot_merge_a_record_outside_his_library(
    client, commune_librarian, network, pair
):
    other = save_record(None, marc_record("Chí Phèo", "Nam Cao"), library=network["school"])
    client.force_login(commune_librarian)
    client.post("/staff/duplicates/merge/", {"merged": other.pk, "survivor": pair.other_id})
    assert Record.objects.get(pk=other.pk).merged_into_id is None
    # Nor see or decide a pair that involves the province's own record.
    assert client.get(f"/staff/duplicates/{pair.pk}/").status_code == 403
    assert client.post(f"/staff/duplicates/{pair.pk}/merge/", {"keep": "other"}).status_code == 403


@pytest.mark.parametrize(
    "method, url",
    [
        ("get", "/staff/duplicates/"),
        ("get", "/staff/duplicates/{pair}/"),
        ("post", "/staff/duplicates/{pair}/merge/"),
        ("post", "/staff/duplicates/{pair}/distinct/"),
        ("post", "/staff/duplicates/merge/"),
        ("get", "/staff/duplicates/merges/"),
        ("post", "/staff/duplicates/merges/{merge}/undo/"),
    ],
)
def test_staff_of_another_library_is_refused(client, other_library_staff, network, pair, method, url):
    c = save_record(None, marc_record("Vợ nhặt", "Kim Lân"), library=network["prov"])
    d = save_record(None, marc_record("Vo nhat", "Kim Lan"), library=network["commune"])
    merge = merge_records(c, d)
    client.force_login(other_library_staff)
    response = getattr(client, method)(
        url.format(pair=pair.pk, merge=merge.pk),
        {"keep": "record", "merged": pair.other_id, "survivor": pair.record_id},
    )
    if response.status_code == 200:
        # The queue and history pages open, but show nothing of this network.
        text = response.content.decode()
        assert "Số đỏ" not in text and "Vợ nhặt" not in text
    else:
        assert response.status_code in (302, 403, 404)
    assert DuplicateCandidate.objects.get(pk=pair.pk).status == "pending"
    assert RecordMerge.objects.get(pk=merge.pk).undone_at is None
    assert Record.objects.get(pk=pair.other_id).merged_into_id is None


def test_anonymous_visitors_are_sent_to_sign_in(client, pair):
    assert client.get("/staff/duplicates/").status_code == 302
