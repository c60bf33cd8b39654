"""The programme's per-library shares and harvest freshness: website, union catalogue, training, managed, freshness."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from thuvien.catalog.actions import save_item, save_record
from thuvien.catalog.models import Item, ItemStatus, Record
from thuvien.catalog.tests.factories import marc_record
from thuvien.interop.oaipmh.models import HarvestRun, HarvestSource
from thuvien.network.models import Library
from thuvien.reports import computations, indicators
from thuvien.reports.models import (
    Indicator,
    Inspection,
    InspectionRound,
    LibraryProfile,
    StaffMember,
    StatisticsReport,
    TrainingAttendance,
    TrainingCourse,
)
from thuvien.reports.periods import Period

pytestmark = pytest.mark.django_db

Y = 2025  # a closed year
D = dt.date


def at(year, month=6, day=1, hour=9):
    return timezone.make_aware(dt.datetime(year, month, day, hour, 0))


def share(measure):
    return (measure.numerator, measure.denominator)


# --- website with online services ----------------------------------------------------------------------


def test_website_with_an_online_service_counts(network):
    commune = network["commune"]
    compute = computations.website_online_services
    assert share(compute(commune, Period(Y))) == (0, 1)  # no website, no profile
    Library.objects.filter(pk=commune.pk).update(website="https://thuvien-hoabinh.example.vn")
    commune.refresh_from_db()
    assert share(compute(commune, Period(Y))) == (0, 1)  # a website, no profile yet
    profile = LibraryProfile.objects.create(library=commune, services=["reading_room", "lending"])
    assert share(compute(commune, Period(Y))) == (0, 1)  # services, none online
    profile.services = ["reading_room", "online_catalogue"]
    profile.save()
    assert share(compute(commune, Period(Y))) == (1, 1)
    trace = computations.trace_website_online_services(commune, Period(Y))
    assert trace.rows == [[commune.code, commune.name, commune.website, "Tra cứu mục lục trực tuyến"]]
    assert trace.counted == [True]
    Library.objects.filter(pk=commune.pk).update(website="")
    commune.refresh_from_db()
    assert share(compute(commune, Period(Y))) == (0, 1)  # services without a website


# --- union catalogue ----------------------------------------------------------------------------------


def item(library, barcode, *, created=None, **fields):
    record = save_record(None, marc_record(f"Sách {barcode}"), library=library)
    made = save_item(Item(record=record, library=library, current_library=library, barcode=barcode, **fields))
    if created is not None:
        Item.objects.filter(pk=made.pk).update(created_at=created)
    return made


def source(library, code, *, created=None, active=True):
    made = HarvestSource.objects.create(code=code, name=f"Nguồn {code}", base_url="https://opac.example.vn/oai",
                                        library=library, active=active)  # fmt: skip
    if created is not None:
        HarvestSource.objects.filter(pk=made.pk).update(created_at=created)
        made.refresh_from_db()
    return made


def run(src, finished, status=HarvestRun.Status.SUCCEEDED):
    return HarvestRun.objects.create(source=src, status=status, finished_at=finished)


def test_a_library_with_copies_by_the_periods_end_is_connected(network):
    school = network["school"]
    compute = computations.union_catalogue_connected
    assert share(compute(school, Period(Y))) == (0, 1)
    copy = item(school, "THPT-1", created=at(Y + 1, 2))  # catalogued the year after
    assert share(compute(school, Period(Y))) == (0, 1)
    assert share(compute(school, Period(Y + 1))) == (1, 1)
    Item.objects.filter(pk=copy.pk).update(created_at=at(Y, 12, 31))
    assert share(compute(school, Period(Y))) == (1, 1)
    assert share(compute(school, Period(Y, 3))) == (0, 1)  # not yet at the end of Q3
    trace = computations.trace_union_catalogue_connected(school, Period(Y))
    assert [row[1] for row in trace.rows] == ["THPT-1"] and trace.counted == [True]
    Item.objects.filter(pk=copy.pk).update(status=ItemStatus.WITHDRAWN)
    assert share(compute(school, Period(Y))) == (0, 1)
    Item.objects.filter(pk=copy.pk).update(status=ItemStatus.AVAILABLE)
    Record.objects.filter(pk=copy.record_id).update(deleted_at=timezone.now())
    assert share(compute(school, Period(Y))) == (0, 1)


def test_a_successful_harvest_in_the_year_connects_a_library(network):
    commune = network["commune"]
    compute = computations.union_catalogue_connected
    src = source(commune, "xa-hoa-binh", created=at(Y - 2))
    run(src, at(Y - 1, 12, 30))  # last year's success does not connect this year
    run(src, at(Y, 3, 1), HarvestRun.Status.FAILED)
    run(src, at(Y, 5, 1), HarvestRun.Status.PARTIAL)
    assert share(compute(commune, Period(Y))) == (0, 1)
    assert share(compute(commune, Period(Y - 1))) == (1, 1)
    run(src, at(Y, 8, 1))
    assert share(compute(commune, Period(Y))) == (1, 1)
    assert share(compute(commune, Period(Y, 2))) == (0, 1)  # the success came in Q3
    trace = computations.trace_union_catalogue_connected(commune, Period(Y))
    assert trace.rows == [["Nguồn thu thập OAI-PMH", "xa-hoa-binh", f"{Y}-08-01", "Nguồn xa-hoa-binh"]]
    assert trace.counted == [True]
    HarvestSource.objects.filter(pk=src.pk).update(active=False)
    assert share(compute(commune, Period(Y))) == (0, 1)


# --- staff trained -----------------------------------------------------------------------------------


def staff(library, name, employed_from=None, employed_to=None):
    return StaffMember.objects.create(library=library, full_name=name, position="Thủ thư",
                                      employed_from=employed_from, employed_to=employed_to)  # fmt: skip


def course(title, starts, ends, organiser):
    return TrainingCourse.objects.create(organiser=organiser, title=title, starts_on=starts, ends_on=ends)


def test_staff_trained_since_the_programme_among_those_employed_at_the_end(network):
    prov, commune = network["prov"], network["commune"]
    compute = computations.staff_trained
    assert compute(commune, Period(Y)) is None  # no staff recorded: not applicable
    an, binh, chi, dung, em = (
        staff(commune, "Nguyễn Văn An", D(2015, 1, 1)),
        staff(commune, "Lê Thị Bình", D(2020, 3, 1)),
        staff(commune, "Trần Văn Chí"),  # no dates: employed throughout
        staff(commune, "Phạm Dũng", D(2010, 1, 1), employed_to=D(Y, 12, 31)),  # left on the last day
        staff(commune, "Hoàng Em", D(Y + 1, 1, 1)),  # starts next year
    )
    staff(prov, "Cán bộ tỉnh")  # another library's staff
    digital = course("Bồi dưỡng chuyển đổi số thư viện", D(Y, 4, 1), D(Y, 4, 5), prov)
    old = course("Nghiệp vụ thư viện cơ bản", D(2019, 5, 1), D(2019, 6, 1), prov)  # before the programme
    late = course("Tập huấn biên mục MARC 21", D(Y, 12, 20), D(Y + 1, 1, 10), prov)  # ends next year
    TrainingAttendance.objects.create(
        course=digital, staff_member=an, completed=True, certificate_number="CC-1"
    )
    TrainingAttendance.objects.create(course=digital, staff_member=binh, completed=False)  # did not finish
    TrainingAttendance.objects.create(course=old, staff_member=chi, completed=True)
    TrainingAttendance.objects.create(course=late, staff_member=chi, completed=True)
    TrainingAttendance.objects.create(course=digital, staff_member=dung, completed=True)  # left: not counted
    TrainingAttendance.objects.create(course=digital, staff_member=em, completed=True)  # not yet employed

    assert share(compute(commune, Period(Y))) == (1, 3)  # An of An, Bình, Chí
    assert share(compute(commune, Period(Y + 1))) == (3, 4)  # An, Chí (late course), Em of An, Bình, Chí, Em
    assert share(compute(commune, Period(Y, 1))) == (0, 4)  # Q1: the course was in April; Dũng still there
    trace = computations.trace_staff_trained(commune, Period(Y))
    assert [row[0] for row in trace.rows] == ["Lê Thị Bình", "Nguyễn Văn An", "Trần Văn Chí"]
    assert trace.counted == [False, True, False]
    assert trace.rows[1][3] == f"Bồi dưỡng chuyển đổi số thư viện ({Y}-04-05)"

    TrainingAttendance.objects.filter(course=digital, staff_member=binh).update(completed=True)
    assert share(compute(commune, Period(Y))) == (2, 3)
    StaffMember.objects.filter(pk=an.pk).update(employed_to=D(Y, 9, 1))
    assert share(compute(commune, Period(Y))) == (1, 2)


# --- managed through the system ------------------------------------------------------------------------


def test_an_approved_report_or_a_scored_inspection_counts(network, manager):
    school, prov = network["school"], network["prov"]
    compute = computations.managed_in_system
    assert share(compute(school, Period(Y))) == (0, 1)
    StatisticsReport.objects.create(library=school, period_kind="year", year=Y, status="submitted")
    StatisticsReport.objects.create(library=school, period_kind="year", year=Y - 1, status="approved")
    assert share(compute(school, Period(Y))) == (0, 1)  # submitted, not approved; last year's is last year's
    assert share(compute(school, Period(Y - 1))) == (1, 1)
    StatisticsReport.objects.filter(library=school, year=Y).update(
        status="approved", decided_at=at(Y + 1, 1, 20)
    )
    assert share(compute(school, Period(Y))) == (1, 1)  # approved after the year: it is the year's report
    trace = computations.trace_managed_in_system(school, Period(Y))
    assert trace.rows == [["Báo cáo thống kê", str(Y), "Đã duyệt", f"{Y + 1}-01-20"]] and trace.counted == [
        True
    ]

    commune = network["commune"]
    round_ = InspectionRound.objects.create(authority=prov, title="Kiểm tra chuyển đổi số 2025", year=Y,
                                            opens_on=D(Y, 3, 1), due_on=D(Y, 4, 1), created_by=manager)  # fmt: skip
    inspection = Inspection.objects.create(round=round_, library=commune, status="answered")
    assert share(compute(commune, Period(Y))) == (0, 1)  # answered, not scored
    Inspection.objects.filter(pk=inspection.pk).update(status="scored", score=82, scored_at=at(Y, 5, 10))
    assert share(compute(commune, Period(Y))) == (1, 1)
    assert share(compute(commune, Period(Y, 2))) == (1, 1)
    assert share(compute(commune, Period(Y, 3))) == (0, 1)  # scored in Q2, no report approved
    trace = computations.trace_managed_in_system(commune, Period(Y))
    assert trace.rows == [["Kiểm tra", round_.title, "Đã kết luận", f"{Y}-05-10"]] and trace.counted == [True]


# --- harvest freshness --------------------------------------------------------------------------------


def test_freshness_is_the_stalest_sources_days_since_its_last_success(network):
    commune = network["commune"]
    compute = computations.harvest_freshness
    assert compute(commune, Period(Y)) is None
    daily = source(commune, "xa-opac", created=at(Y - 1))
    stale = source(commune, "xa-so", created=at(Y - 1))
    run(daily, at(Y, 12, 30))
    run(daily, at(Y, 12, 31), HarvestRun.Status.FAILED)
    run(stale, at(Y, 11, 1))
    run(stale, at(Y + 1, 1, 5))  # after the period: not seen from it
    measure = compute(commune, Period(Y))
    assert measure.breakdown == {"xa-opac": 1, "xa-so": 60}  # 30 Dec → 31 Dec; 1 Nov → 31 Dec
    assert measure.value == 60

    never = source(commune, "xa-moi", created=at(Y, 12, 1))  # never harvested: since its creation
    assert compute(commune, Period(Y)).breakdown["xa-moi"] == 30
    trace = computations.trace_harvest_freshness(commune, Period(Y))
    assert [row[0] for row in trace.rows] == ["xa-moi", "xa-opac", "xa-so"]
    assert trace.rows[0][2:] == ["chưa lần nào", 30] and trace.rows[2][2:] == [f"{Y}-11-01", 60]
    HarvestSource.objects.filter(pk=never.pk).update(active=False)
    HarvestSource.objects.filter(pk=stale.pk).update(active=False)
    assert compute(commune, Period(Y)).value == 1


def test_freshness_of_the_running_period_counts_to_today(network):
    commune = network["commune"]
    today = timezone.localdate()
    src = source(commune, "xa-opac", created=timezone.now() - dt.timedelta(days=30))
    run(src, timezone.now() - dt.timedelta(days=3))
    assert computations.harvest_freshness(commune, Period(today.year)).value in (
        3,
        4,
    )  # 3 days (4 across midnight)
    # A source created after a period's end is not that period's.
    assert computations.harvest_freshness(commune, Period(today.year - 2)) is None


# --- through the engine -------------------------------------------------------------------------------


def test_the_seeded_network_indicators_measure_through_the_engine(network):
    commune = network["commune"]
    Library.objects.filter(pk=commune.pk).update(website="https://thuvien-hoabinh.example.vn")
    commune.refresh_from_db()
    LibraryProfile.objects.create(library=commune, services=["digital_reading"])
    item(commune, "XA-1", created=at(Y))
    member = staff(commune, "Nguyễn Văn An")
    staff(commune, "Lê Thị Bình")
    TrainingAttendance.objects.create(course=course("Bồi dưỡng", D(Y, 4, 1), D(Y, 4, 2), network["prov"]),
                                      staff_member=member, completed=True)  # fmt: skip
    StatisticsReport.objects.create(
        library=commune, period_kind="quarter", year=Y, quarter=2, status="approved"
    )
    run(source(commune, "xa", created=at(Y)), at(Y, 12, 21))

    def measured(code):
        return indicators.measure(Indicator.objects.get(code=code), commune, Period(Y))

    assert share(measured("prog-online-services")) == (1, 1)
    assert share(measured("prog-union-catalogue")) == (1, 1)
    assert share(measured("prog-staff-trained")) == (1, 2)
    assert share(measured("prog-managed-in-system")) == (1, 1)
    assert measured("harvest-freshness").value == 10
    assert indicators.trace(Indicator.objects.get(code="prog-staff-trained"), commune, Period(Y)).counted == [
        False,
        True,
    ]
