"""Every seeded indicator through the engine on one hand-built province, and its figures summed over the tree."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from thuvien.catalog.actions import save_item, save_record
from thuvien.catalog.models import Collection, Item, Record
from thuvien.catalog.tests.factories import marc_record
from thuvien.circulation.models import Loan
from thuvien.digital import actions
from thuvien.digital.models import DigitalObject, Stage, UsageDay
from thuvien.interop.oaipmh.models import HarvestRun, HarvestSource
from thuvien.network.models import Library
from thuvien.patrons.models import Reader, ReaderCategory
from thuvien.reports import computations, indicators
from thuvien.reports.indicators import COMPUTATIONS, get_computation
from thuvien.reports.models import (
    Indicator,
    LibraryProfile,
    StaffMember,
    StatisticsReport,
    TrainingAttendance,
    TrainingCourse,
)
from thuvien.reports.periods import Period
from thuvien.reports.seed import seeded

Y = 2025
D = dt.date


def at(year, month=6, day=1, hour=9):
    return timezone.make_aware(dt.datetime(year, month, day, hour, 0))


def publish(library, record, when=None):
    obj = actions.create_object(library=library, actor=None, record=record, stage=Stage.PUBLISHED)
    DigitalObject.objects.filter(pk=obj.pk).update(published_at=when or at(Y, 4, 1))


def test_every_seeded_computation_is_registered_with_a_trace():
    get_computation("loans")  # imports the computations
    sources = {spec["source"] for spec in seeded() if not spec["source"].startswith("report:")}
    assert sources <= set(COMPUTATIONS)
    assert all(COMPUTATIONS[key].trace is not None for key in sources)


@pytest.fixture
def province(network):
    """The province and its commune in 2025, with each figure's data (the school has none of it)."""
    prov, commune = network["prov"], network["commune"]
    Library.objects.filter(pk=prov.pk).update(website="https://thuvien.tst.example.vn")
    prov.refresh_from_db()
    LibraryProfile.objects.create(library=prov, services=["online_catalogue", "reading_room"])

    # Rare: the province has 10, 7 digitised; the commune 2, none. Endogenous: the commune 4, 1 digitised.
    rare = Collection.objects.create(code="co", name="Tài liệu cổ", kind="rare", library=prov)
    endogenous = Collection.objects.create(code="ns", name="Nội sinh", kind="endogenous", library=commune)
    prov_rare = [save_record(None, marc_record(f"Sắc phong {i}"), library=prov) for i in range(10)]
    commune_rare = [save_record(None, marc_record(f"Thần tích {i}"), library=commune) for i in range(2)]
    own = [save_record(None, marc_record(f"Khóa luận {i}"), library=commune) for i in range(4)]
    rare.records.add(*prov_rare)
    Collection.objects.create(code="co-xa", name="Thần tích", kind="special", library=commune).records.add(
        *commune_rare
    )
    endogenous.records.add(*own)
    for record in prov_rare[:7] + own[:1]:
        publish(record.source_library, record)
    Record.objects.update(created_at=at(Y - 1))  # catalogued the year before

    # Copies: the province 3 (2 acquired in the year), the commune 1 (before the year).
    for library, barcode, acquired in [(prov, "T-1", D(Y, 2, 1)), (prov, "T-2", D(Y, 8, 1)),
                                       (prov, "T-3", D(Y - 1, 1, 1)), (commune, "X-1", D(Y - 1, 5, 5))]:  # fmt: skip
        record = save_record(None, marc_record(f"Sách {barcode}"), library=library)
        made = save_item(Item(record=record, library=library, current_library=library, barcode=barcode,
                               acquired_on=acquired))  # fmt: skip
        Item.objects.filter(pk=made.pk).update(created_at=at(acquired.year, acquired.month, acquired.day))

    # Readers and loans: the province 2 card holders, one borrowing twice; the commune 1, borrowing once.
    adult = ReaderCategory.objects.get(code="adult")
    cards = {}
    for library, card in [(prov, "TINH0001"), (prov, "TINH0002"), (commune, "XA000001")]:
        cards[card] = Reader.objects.create(card=card, full_name=f"Bạn đọc {card}", home_library=library,
                                            category=adult, expires_on=D(Y + 1, 6, 1))  # fmt: skip
    Reader.objects.update(created_at=at(Y - 1))
    items = {i.barcode: i for i in Item.objects.all()}
    for barcode, card, library, when in [("T-1", "TINH0001", prov, at(Y, 3, 1)), ("T-2", "TINH0001", prov,
                                         at(Y, 9, 1)), ("X-1", "XA000001", commune, at(Y, 4, 4))]:  # fmt: skip
        Loan.objects.create(item=items[barcode], reader=cards[card], reader_category="adult", library=library,
                            checked_out_at=when, due_at=when + dt.timedelta(days=14),
                            returned_at=when + dt.timedelta(days=10))  # fmt: skip

    # Digital use: the province's objects 30 views, 6 downloads.
    first = prov.digital_objects.order_by("pk").first()
    UsageDay.objects.create(object=first, library=prov, day=D(Y, 5, 5), views=30, downloads=6)

    # Staff: the province 2, one trained; the commune 1, trained.
    course = TrainingCourse.objects.create(organiser=prov, title="Chuyển đổi số", starts_on=D(Y, 3, 1),
                                           ends_on=D(Y, 3, 3))  # fmt: skip
    for library, name, trained in [(prov, "An", True), (prov, "Bình", False), (commune, "Chí", True)]:
        member = StaffMember.objects.create(library=library, full_name=name)
        if trained:
            TrainingAttendance.objects.create(course=course, staff_member=member, completed=True)

    # Managed: the commune's yearly report approved, with its door count; the province none.
    StatisticsReport.objects.create(library=commune, period_kind="year", year=Y, status="approved",
                                    figures={"visits": 1200})  # fmt: skip

    # Harvesting: the commune's node, last harvested on 11 December.
    node = HarvestSource.objects.create(code="xa-node", name="Máy chủ xã", base_url="https://xa.example.vn/oai",
                                        library=commune)  # fmt: skip
    HarvestSource.objects.filter(pk=node.pk).update(created_at=at(Y - 1))
    HarvestRun.objects.create(source=node, status="succeeded", finished_at=at(Y, 12, 11))
    return network


EXPECTED = {
    # code: (province's own, commune's own, over the province's subtree) as (numerator, denominator)
    "prog-digitised-rare": ((7, 10), (0, 2), (7, 12)),
    "prog-digitised-endogenous": (None, (1, 4), (1, 4)),
    "prog-online-services": ((1, 1), (0, 1), (1, 3)),
    "prog-union-catalogue": ((1, 1), (1, 1), (2, 3)),
    "prog-staff-trained": ((1, 2), (1, 1), (2, 3)),
    "prog-managed-in-system": ((0, 1), (1, 1), (1, 3)),
    "collection-items": ((3, None), (1, None), (4, None)),
    "acquisitions": ((2, None), (0, None), (2, None)),
    "readers-registered": ((2, None), (1, None), (3, None)),
    "readers-active": ((1, None), (1, None), (2, None)),
    "loans": ((2, None), (1, None), (3, None)),
    "visits": (None, (1200, None), (1200, None)),
    "digital-views": ((30, None), (0, None), (30, None)),
    "digital-downloads": ((6, None), (0, None), (6, None)),
    "harvest-freshness": (None, (20, None), (20, None)),
}


def as_pair(measure):
    return None if measure is None else (measure.numerator, measure.denominator)


@pytest.mark.django_db
def test_every_seeded_indicator_is_computed_from_the_data(province):
    assert set(EXPECTED) == {spec["code"] for spec in seeded()}
    for code, (prov_own, commune_own, _subtree) in EXPECTED.items():
        indicator = Indicator.objects.get(code=code)
        assert as_pair(indicators.measure(indicator, province["prov"], Period(Y))) == prov_own, code
        assert as_pair(indicators.measure(indicator, province["commune"], Period(Y))) == commune_own, code


@pytest.mark.django_db
def test_the_provinces_figures_sum_its_libraries(province):
    figures = {f.indicator.code: f for f in indicators.live_figures(province["prov"], Period(Y))}
    for code, (_prov, _commune, subtree) in EXPECTED.items():
        assert (figures[code].numerator, figures[code].denominator) == subtree, code
    assert figures["prog-digitised-rare"].value == pytest.approx(7 / 12)
    assert figures["prog-union-catalogue"].libraries == 3  # the school counts, as not connected
    assert figures["prog-digitised-endogenous"].libraries == 1  # only the commune has such documents
    # The unrelated province sees none of it.
    other = {f.indicator.code: f for f in indicators.live_figures(province["other_prov"], Period(Y))}
    assert other["loans"].value == 0 and other["prog-digitised-rare"].value is None


@pytest.mark.django_db
def test_every_trace_lists_rows_without_a_readers_name(province):
    for code in EXPECTED:
        indicator = Indicator.objects.get(code=code)
        for library in (province["prov"], province["commune"]):
            trace = indicators.trace(indicator, library, Period(Y))
            assert trace.columns, code
            assert all(len(row) == len(trace.columns) for row in trace.rows), code
            text = " ".join(str(cell) for row in trace.rows for cell in row)
            assert "Bạn đọc" not in text and "TINH0001" not in text and "XA000001" not in text, code


@pytest.mark.django_db
def test_changing_the_data_changes_the_figures(province):
    prov = province["prov"]
    loans = Indicator.objects.get(code="loans")
    rare = Indicator.objects.get(code="prog-digitised-rare")
    assert computations.loans(prov, Period(Y)).value == 2
    Loan.objects.filter(library=prov).first().delete()
    assert indicators.measure(loans, prov, Period(Y)).value == 1
    record = Collection.objects.get(code="co").records.filter(
        digital_objects__isnull=True, source_library=prov
    )[0]
    publish(prov, record, at(Y + 1, 1, 1))  # published the year after: not in the year's figure
    assert as_pair(indicators.measure(rare, prov, Period(Y))) == (7, 10)
    DigitalObject.objects.filter(record=record).update(published_at=at(Y, 12, 31, 23))
    assert as_pair(indicators.measure(rare, prov, Period(Y))) == (8, 10)
