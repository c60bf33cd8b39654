"""Pre-fill: a new report carries the system's figures for its period; refresh re-reads them, keeping edits."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from thuvien.catalog.actions import save_item, save_record
from thuvien.catalog.models import Item, ItemStatus
from thuvien.catalog.tests.factories import marc_record
from thuvien.digital.models import DigitalObject, Stage, UsageDay
from thuvien.patrons.models import Reader
from thuvien.reports import statistics
from thuvien.reports.indicators import get_computation
from thuvien.reports.models import ReportEvent, StaffMember
from thuvien.reports.periods import Period
from thuvien.reports.statistics_actions import create_report, refresh_system_figures, save_figures
from thuvien.reports.tests.statistics_cast import TYPED

pytestmark = pytest.mark.django_db

D = dt.date


def at(year, month, day, hour=9):
    return timezone.make_aware(dt.datetime(year, month, day, hour, 0))


def item(library, barcode, acquired_on, **fields):
    record = save_record(None, marc_record(f"Sách {barcode}"), library=library)
    return save_item(Item(record=record, library=library, current_library=library, barcode=barcode,
                          acquired_on=acquired_on, **fields))  # fmt: skip


def reader(library, card, registered):
    from thuvien.patrons.actions import register_reader

    made = register_reader(card=card, full_name=f"Bạn đọc {card}", home_library=library, category="adult",
                           pin="1234")  # fmt: skip
    Reader.objects.filter(pk=made.pk).update(created_at=registered)
    return Reader.objects.get(pk=made.pk)


@pytest.fixture
def commune_activity(network):
    """The commune library's 2025, by hand: what each figure must be is written beside it."""
    from thuvien.circulation.actions import checkin, checkout

    commune = network["commune"]
    old = [item(commune, f"XA{n}", D(2024, 5, 1)) for n in range(3)]  # held since 2024
    new = [item(commune, f"XA-Q2-{n}", D(2025, 5, 10)) for n in range(2)]  # acquired in Q2
    item(commune, "XA-GONE", D(2025, 2, 1), status=ItemStatus.WITHDRAWN)  # acquired in Q1, withdrawn
    item(network["school"], "TH1", D(2025, 5, 1))  # another library's: never counted
    an, binh = reader(commune, "XA0001", at(2025, 1, 10)), reader(commune, "XA0002", at(2025, 1, 12))
    reader(commune, "XA0003", at(2025, 8, 1))  # registered after Q2
    for copy, who, when in ((old[0], an, at(2025, 4, 2)), (old[1], an, at(2025, 5, 20)), (new[0], binh, at(2025, 6, 3)),
                            (old[2], an, at(2025, 2, 1))):  # fmt: skip
        checkout(item=copy, reader=who, library=commune, now=when)
        checkin(item=copy, library=commune, now=when + dt.timedelta(days=3))
    published = DigitalObject.objects.create(library=commune, title="Địa chí xã Hòa Bình", stage=Stage.PUBLISHED,
                                             published_at=at(2025, 3, 1), access="open")  # fmt: skip
    DigitalObject.objects.create(
        library=commune, title="Gia phả họ Nguyễn", stage=Stage.SCANNED, access="secret"
    )
    UsageDay.objects.create(object=published, library=commune, day=D(2025, 4, 10), views=7, downloads=2)
    UsageDay.objects.create(
        object=published, library=commune, day=D(2025, 7, 1), views=100, downloads=50
    )  # Q3
    StaffMember.objects.create(library=commune, full_name="Lê Thị Thu", library_trained=True)
    StaffMember.objects.create(library=commune, full_name="Phạm Văn Nam")
    StaffMember.objects.create(library=commune, full_name="Đỗ Minh Châu", library_trained=True,
                               employed_to=D(2025, 9, 1))  # fmt: skip
    StaffMember.objects.create(library=network["school"], full_name="Vũ Hoa", library_trained=True)
    return commune


# What the commune's second quarter of 2025 is, counted by hand from the fixture above.
Q2_BY_HAND = {
    "collection_items": 5,  # 3 old + 2 new; the withdrawn copy is out
    "acquisitions": 2,
    "digital_documents": 1,
    "readers_registered": 2,
    "readers_active": 2,  # An (2 loans in Q2) and Bình
    "loans": 3,  # the February loan is Q1's
    "digital_views": 7,
    "digital_downloads": 2,
    "staff_total": 3,  # Châu leaves in September
    "staff_library_trained": 2,
}


def test_prefill_equals_the_computations_and_the_hand_count(commune_activity, commune_librarian):
    period = Period(2025, 2)
    report = create_report(commune_activity, period, commune_librarian)
    system = {f.code for f in statistics.FIELDS if f.is_system}
    assert set(report.prefilled) == system
    assert {code: report.figures[code] for code in system} == Q2_BY_HAND
    assert report.prefilled == Q2_BY_HAND
    for f in statistics.FIELDS:
        if f.is_system and not f.computation.startswith("local:"):
            assert (
                report.prefilled[f.code]
                == get_computation(f.computation).measure(commune_activity, period).numerator
            )
        elif not f.is_system:
            assert report.figures[f.code] is None  # the librarian types it; nothing is carried over
    assert statistics.changed_codes(report) == set()


def test_the_year_counts_the_whole_year(commune_activity, commune_librarian):
    report = create_report(commune_activity, Period(2025), commune_librarian)
    assert report.figures["acquisitions"] == 3  # the withdrawn copy was acquired in 2025
    assert report.figures["loans"] == 4
    assert report.figures["digital_views"] == 107
    assert report.figures["staff_total"] == 2 and report.figures["staff_library_trained"] == 1


def test_a_library_without_digital_documents_reports_zero_use(network, commune_librarian):
    report = create_report(network["commune"], Period(2025, 2), commune_librarian)
    assert report.figures["digital_views"] == 0 and report.figures["collection_items"] == 0


def test_refresh_follows_the_system_and_keeps_what_the_librarian_changed(commune_activity, commune_librarian):
    report = create_report(commune_activity, Period(2025, 2), commune_librarian)
    # A stock count found one more copy than the catalogue holds.
    report = save_figures(
        report, {**TYPED, "collection_items": "6"}, "Kiểm kê kho tháng 6.", commune_librarian
    )
    assert statistics.changed_codes(report) == {"collection_items"}
    item(commune_activity, "XA-LATE", D(2025, 6, 20))  # catalogued after the report was opened
    kept = refresh_system_figures(report, commune_librarian)
    report.refresh_from_db()
    assert kept == ["collection_items"]
    assert report.figures["collection_items"] == 6  # the librarian's figure
    assert report.prefilled["collection_items"] == 6  # the system now counts 6 as well …
    assert report.figures["acquisitions"] == 3 and report.prefilled["acquisitions"] == 3  # … and 3 acquired
    assert report.figures["visits"] == 1200  # manual figures untouched
    assert ReportEvent.objects.filter(report=report, action="refresh").count() == 1


def test_rows_number_the_figures_and_mark_changes(commune_activity, commune_librarian):
    report = create_report(commune_activity, Period(2025, 2), commune_librarian)
    report = save_figures(report, {"loans": "4"}, "", commune_librarian)
    lines = statistics.rows(report)
    headings = [line.section.number for line in lines if line.field is None]
    assert headings == ["I", "II", "III", "IV", "V"]
    figures = [line for line in lines if line.field is not None]
    assert [line.number for line in figures] == list(range(1, len(statistics.FIELDS) + 1))
    loans = next(line for line in figures if line.field.code == "loans")
    assert (loans.value, loans.system, loans.changed) == (4, 3, True)
