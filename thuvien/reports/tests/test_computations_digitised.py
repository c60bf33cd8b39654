"""digitised_share: a library's own documents of some collection kinds, and how many are digitised (hand-counted)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from thuvien.catalog.actions import save_item, save_record
from thuvien.catalog.models import Collection, Item, ItemStatus, Record
from thuvien.catalog.tests.factories import marc_record
from thuvien.digital import actions
from thuvien.digital.models import AccessLevel, DigitalObject, Page, Stage
from thuvien.digital.testing import make_object
from thuvien.reports import computations, indicators
from thuvien.reports.models import Indicator
from thuvien.reports.periods import Period

pytestmark = pytest.mark.django_db

RARE = ["rare", "special"]
THIS_YEAR = Period(timezone.localdate().year)


def at(year, month=6, day=1):
    return timezone.make_aware(dt.datetime(year, month, day, 9, 0))


def records(library, n, prefix="Sách Hán Nôm"):
    return [save_record(None, marc_record(f"{prefix} {i}"), library=library) for i in range(n)]


def digitise(library, record, *, stage=Stage.PUBLISHED, access=AccessLevel.OPEN, published_at=None):
    """A digital object of RECORD at STAGE, with one page (published now unless PUBLISHED_AT says when)."""
    obj = actions.create_object(library=library, actor=None, record=record, access=access, stage=stage)
    Page.objects.create(object=obj, seq=1, width=10, height=10)
    if stage == Stage.PUBLISHED:
        DigitalObject.objects.filter(pk=obj.pk).update(
            page_count=1, published_at=published_at or timezone.now()
        )
    return obj


@pytest.fixture
def rare_collection(network):
    return Collection.objects.create(
        code="han-nom", name="Sách Hán Nôm", kind="rare", library=network["prov"]
    )


def test_seven_of_ten_rare_records_digitised_is_seventy_percent(network, rare_collection):
    prov = network["prov"]
    books = records(prov, 10)
    rare_collection.records.add(*books)
    for book in books[:6]:
        digitise(prov, book)
    digitise(prov, books[6], access=AccessLevel.SECRET)  # digitised, only not shown
    digitise(prov, books[7], stage=Stage.REVIEWED)  # not yet published
    digitise(prov, books[0])  # a second object of the same record counts once

    measure = computations.digitised_share(prov, THIS_YEAR, kinds=RARE)
    assert (measure.numerator, measure.denominator) == (7, 10)
    assert measure.value == pytest.approx(0.7)

    # Publishing the reviewed one: 8 of 10.
    reviewed = DigitalObject.objects.get(record=books[7])
    actions.move_stage(reviewed, Stage.PUBLISHED)
    assert computations.digitised_share(prov, THIS_YEAR, kinds=RARE).value == pytest.approx(0.8)

    # A deleted record leaves both sides; a merged one too.
    Record.objects.filter(pk=books[9].pk).update(deleted_at=timezone.now())
    Record.objects.filter(pk=books[8].pk).update(deleted_at=timezone.now(), merged_into=books[1])
    measure = computations.digitised_share(prov, THIS_YEAR, kinds=RARE)
    assert (measure.numerator, measure.denominator) == (8, 8)


def test_only_the_librarys_own_documents_count(network, rare_collection):
    prov, commune = network["prov"], network["commune"]
    # A network-wide special collection (no managing library): who catalogued or holds a record owns it.
    special = Collection.objects.create(code="dac-biet", name="Bộ sưu tập đặc biệt", kind="special")
    general = Collection.objects.create(
        code="chung-xa", name="Sách chung của xã", kind="general", library=commune
    )
    prov_books = records(prov, 3, "Sắc phong")
    commune_books = records(commune, 2, "Hương ước")
    rare_collection.records.add(*prov_books)  # the province manages this collection
    special.records.add(*commune_books)
    # A rare record of the province also in the commune's GENERAL collection is not the commune's document.
    general.records.add(prov_books[2])
    # ... but a copy of it held by the commune makes it one.
    save_item(Item(record=prov_books[0], library=commune, current_library=commune, barcode="XA-1"))
    digitise(prov, prov_books[0])
    digitise(commune, commune_books[0])

    mine = computations.digitised_share(commune, THIS_YEAR, kinds=RARE)
    assert (mine.numerator, mine.denominator) == (2, 3)  # its two records + the held copy's record
    theirs = computations.digitised_share(prov, THIS_YEAR, kinds=RARE)
    assert (theirs.numerator, theirs.denominator) == (1, 3)
    assert (
        computations.digitised_share(network["school"], THIS_YEAR, kinds=RARE) is None
    )  # nothing to digitise
    assert computations.digitised_share(commune, THIS_YEAR, kinds=["endogenous"]) is None

    # Withdrawing the commune's copy takes the province's record out of the commune's documents.
    Item.objects.filter(barcode="XA-1").update(status=ItemStatus.WITHDRAWN)
    mine = computations.digitised_share(commune, THIS_YEAR, kinds=RARE)
    assert (mine.numerator, mine.denominator) == (1, 2)


def test_a_standalone_object_in_an_endogenous_collection_is_a_document(network):
    university = network["school"]
    theses = Collection.objects.create(code="noi-sinh", name="Tài liệu nội sinh", kind="endogenous")
    make_object(university, title="Khóa luận: lịch sử Hoa Lư", texts=["Hoa Lư"], dpi=36, collections=[theses])
    make_object(university, title="Khóa luận chưa công bố", texts=["Trang 1"], dpi=36, collections=[theses],
                stage=Stage.SCANNED)  # fmt: skip
    measure = computations.digitised_share(university, THIS_YEAR, kinds=["endogenous"])
    assert (measure.numerator, measure.denominator) == (1, 2)


def test_a_past_year_counts_what_was_catalogued_and_published_by_its_end(network, rare_collection):
    prov = network["prov"]
    books = records(prov, 4)
    rare_collection.records.add(*books)
    Record.objects.filter(pk__in=[b.pk for b in books[:3]]).update(created_at=at(2022))
    Record.objects.filter(pk=books[3].pk).update(created_at=at(2024))  # catalogued in 2024
    digitise(prov, books[0], published_at=at(2022, 12, 31))
    digitise(prov, books[1], published_at=at(2023, 1, 1))  # one day late for 2022
    digitise(prov, books[3], published_at=at(2024))

    def share(year):
        m = computations.digitised_share(prov, Period(year), kinds=RARE)
        return m.numerator, m.denominator

    assert share(2022) == (1, 3)
    assert share(2023) == (2, 3)
    assert share(2024) == (3, 4)
    assert computations.digitised_share(prov, Period(2021), kinds=RARE) is None
    assert computations.digitised_share(prov, Period(2023, 1), kinds=RARE).numerator == 2


def test_an_object_published_without_a_date_counts_from_its_creation(network, rare_collection):
    prov = network["prov"]
    (book,) = records(prov, 1)
    rare_collection.records.add(book)
    obj = actions.create_object(library=prov, actor=None, record=book, stage=Stage.PUBLISHED)
    assert obj.published_at is None
    assert computations.digitised_share(prov, THIS_YEAR, kinds=RARE).numerator == 1
    Record.objects.filter(pk=book.pk).update(created_at=at(2020))
    assert computations.digitised_share(prov, Period(2020), kinds=RARE).numerator == 0


def test_the_trace_lists_each_document_with_whether_it_is_digitised(network, rare_collection):
    prov = network["prov"]
    books = records(prov, 3, "Thần tích")
    rare_collection.records.add(*books)
    digitise(prov, books[1], published_at=at(2025, 3, 4))
    trace = computations.trace_digitised_share(prov, THIS_YEAR, kinds=RARE)
    assert len(trace.columns) == 5
    assert [row[0] for row in trace.rows] == [b.pk for b in books]
    assert trace.counted == [False, True, False]
    assert trace.rows[1][1] == "Thần tích 1"
    assert trace.rows[1][2] == "Tài liệu cổ, quý hiếm"
    assert trace.rows[1][4] == "2025-03-04"
    assert sum(trace.counted) == computations.digitised_share(prov, THIS_YEAR, kinds=RARE).numerator


def test_the_trace_stops_at_its_limit_and_says_so(network, rare_collection, monkeypatch):
    monkeypatch.setattr(computations, "TRACE_LIMIT", 2)
    books = records(network["prov"], 3)
    rare_collection.records.add(*books)
    trace = computations.trace_digitised_share(network["prov"], THIS_YEAR, kinds=RARE)
    assert len(trace.rows) == 2 and "3" in trace.note


def test_bad_kinds_are_a_clear_error(network):
    with pytest.raises(ValueError, match="kinds"):
        computations.digitised_share(network["prov"], THIS_YEAR)
    with pytest.raises(ValueError, match="kinds"):
        computations.digitised_share(network["prov"], THIS_YEAR, kinds="rare")
    with pytest.raises(ValueError, match="quy-hiem"):
        computations.digitised_share(network["prov"], THIS_YEAR, kinds=["rare", "quy-hiem"])
    with pytest.raises(ValueError, match="quy-hiem"):
        computations.check_params("digitised_share", {"kinds": ["quy-hiem"]})
    computations.check_params("digitised_share", {"kinds": ["rare", "local_history"]})
    computations.check_params("loans", {})


def test_the_seeded_indicators_measure_through_the_engine(network, rare_collection):
    prov = network["prov"]
    endogenous = Collection.objects.create(code="ns", name="Nội sinh", kind="endogenous", library=prov)
    rare_books, own_books = records(prov, 4, "Cổ"), records(prov, 5, "Nội sinh")
    rare_collection.records.add(*rare_books)
    endogenous.records.add(*own_books)
    digitise(prov, rare_books[0])
    for book in own_books[:2]:
        digitise(prov, book)
    rare = indicators.measure(Indicator.objects.get(code="prog-digitised-rare"), prov, THIS_YEAR)
    assert (rare.numerator, rare.denominator) == (1, 4)
    own = indicators.measure(Indicator.objects.get(code="prog-digitised-endogenous"), prov, THIS_YEAR)
    assert (own.numerator, own.denominator) == (2, 5)
    trace = indicators.trace(Indicator.objects.get(code="prog-digitised-endogenous"), prov, THIS_YEAR)
    assert sum(trace.counted) == 2 and len(trace.rows) == 5
