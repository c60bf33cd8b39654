"""Digitisation counts from hand-made data: the workflow board and the indicator's numerators and denominators."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from thuvien.catalog.actions import save_item, save_record
from thuvien.catalog.models import Collection, Item, Record
from thuvien.catalog.tests.factories import marc_record
from thuvien.digital import actions
from thuvien.digital.models import AccessLevel, DigitalObject, Page, Stage
from thuvien.digital.stats import digitisation_counts

pytestmark = pytest.mark.django_db


def _records(network, n, library="prov", prefix="Sách cổ"):
    return [save_record(None, marc_record(f"{prefix} {i}"), library=network[library]) for i in range(n)]


def _digitise(library, record, *, stage=Stage.PUBLISHED, access=AccessLevel.OPEN, pages=2, published_at=None):
    obj = actions.create_object(library=library, actor=None, record=record, access=access, stage=stage)
    Page.objects.bulk_create([Page(object=obj, seq=s, width=10, height=10) for s in range(1, pages + 1)])
    published_at = published_at or (timezone.now() if stage == Stage.PUBLISHED else None)
    DigitalObject.objects.filter(pk=obj.pk).update(page_count=pages, published_at=published_at)
    return obj


def test_seven_of_ten_rare_records_digitised_is_seventy_percent(network):
    rare = Collection.objects.create(
        code="han-nom", name="Sách Hán Nôm", kind="rare", library=network["prov"]
    )
    records = _records(network, 10)
    rare.records.add(*records)
    for record in records[:6]:
        _digitise(network["prov"], record)
    _digitise(network["prov"], records[6], access=AccessLevel.SECRET)  # digitised, only not shown
    _digitise(network["prov"], records[7], stage=Stage.REVIEWED)  # not yet
    _digitise(network["prov"], records[0])  # a second object of the same record counts once

    counts = digitisation_counts()
    assert (counts.kinds["rare"].records, counts.kinds["rare"].digitised) == (10, 7)
    assert counts.kinds["rare"].share == pytest.approx(0.7)
    assert counts.programme.share == pytest.approx(0.7)
    assert counts.kinds["local_history"].records == 0 and counts.kinds["local_history"].share is None
    assert counts.stages == {"selected": 0, "scanned": 0, "ocr": 0, "reviewed": 1, "published": 8}
    assert counts.objects == 9 and counts.published_objects == 8 and counts.published_pages == 16
    assert counts.published_by_access == {"open": 7, "restricted": 0, "secret": 1}
    assert counts.as_dict()["kinds"]["rare"] == {"records": 10, "digitised": 7, "share": 0.7}


def test_deleted_records_do_not_count_and_programme_counts_each_document_once(network):
    rare = Collection.objects.create(code="co", name="Tài liệu cổ", kind="rare")
    local = Collection.objects.create(code="dia-chi", name="Địa chí", kind="local_history")
    both, rare_only, local_only, gone = _records(network, 4)
    rare.records.add(both, rare_only, gone)
    local.records.add(both, local_only)
    Record.objects.filter(pk=gone.pk).update(deleted_at=timezone.now())
    _digitise(network["prov"], both)
    counts = digitisation_counts()
    assert (counts.kinds["rare"].records, counts.kinds["rare"].digitised) == (2, 1)
    assert (counts.kinds["local_history"].records, counts.kinds["local_history"].digitised) == (2, 1)
    assert (counts.programme.records, counts.programme.digitised) == (3, 1)


def test_a_standalone_document_in_a_collection_counts(network):
    local = Collection.objects.create(code="dia-chi", name="Địa chí", kind="local_history")
    published = actions.create_object(library=network["commune"], actor=None, dc={"title": "Hương ước làng"},
                                      stage=Stage.PUBLISHED, collections=[local])  # fmt: skip
    actions.create_object(library=network["commune"], actor=None, dc={"title": "Gia phả họ Đinh"},
                          collections=[local])  # fmt: skip
    assert published.owns_record
    share = digitisation_counts().kinds["local_history"]
    assert (share.records, share.digitised) == (2, 1)


def test_counts_are_scoped_to_the_librarys_subtree(network):
    local = Collection.objects.create(code="dia-chi", name="Địa chí", kind="local_history")
    commune_books = _records(network, 3, library="commune", prefix="Địa chí xã")
    prov_books = _records(network, 2, library="prov", prefix="Địa chí tỉnh")
    other_books = _records(network, 4, library="other_prov", prefix="Địa chí khác")
    local.records.add(*commune_books, *prov_books, *other_books)
    # A record catalogued by the province and held by the commune is the commune's document too.
    save_item(Item(record=prov_books[0], library=network["commune"], current_library=network["commune"],
                   barcode="X-1"))  # fmt: skip
    _digitise(network["commune"], commune_books[0])
    _digitise(network["prov"], prov_books[0])  # digitised by the province: the commune's copy is readable too
    _digitise(network["other_prov"], other_books[0], stage=Stage.SCANNED)

    commune = digitisation_counts(network["commune"])
    assert (commune.kinds["local_history"].records, commune.kinds["local_history"].digitised) == (4, 2)
    assert commune.stages["published"] == 1 and commune.objects == 1
    province = digitisation_counts(network["prov"])
    assert (province.kinds["local_history"].records, province.kinds["local_history"].digitised) == (5, 2)
    assert province.objects == 2
    everyone = digitisation_counts()
    assert (everyone.kinds["local_history"].records, everyone.kinds["local_history"].digitised) == (9, 2)
    assert everyone.stages["scanned"] == 1


def test_a_year_counts_what_was_published_by_its_end(network):
    special = Collection.objects.create(code="dac-biet", name="Đặc biệt", kind="special")
    records = _records(network, 4)
    special.records.add(*records)
    at = lambda y: timezone.make_aware(dt.datetime(y, 6, 1))  # noqa: E731
    _digitise(network["prov"], records[0], published_at=at(2024), pages=3)
    _digitise(network["prov"], records[1], published_at=at(2025), pages=5)
    _digitise(network["prov"], records[2], published_at=at(2026), pages=7)

    c2025 = digitisation_counts(year=2025)
    assert (c2025.kinds["special"].records, c2025.kinds["special"].digitised) == (4, 2)
    assert c2025.published_in_year == 1 and c2025.pages_published_in_year == 5
    c2024 = digitisation_counts(year=2024)
    assert c2024.kinds["special"].digitised == 1 and c2024.pages_published_in_year == 3
    assert digitisation_counts().kinds["special"].digitised == 3
