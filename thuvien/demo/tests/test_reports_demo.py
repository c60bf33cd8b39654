"""The demo's management information: profiles, staff and training, statistics reports in every state,
inspection rounds, several years of indicator values and targets, with libraries above and below them.

The whole demo is built once for the module (a small catalogue, OCR queued) inside a transaction rolled
back at the end, and every test reads it.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from thuvien.accounts.models import StaffRole, User
from thuvien.network.models import Library
from thuvien.reports import snapshots
from thuvien.reports.indicators import target_status, targets
from thuvien.reports.models import (
    Evidence,
    FollowUpAction,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    InspectionRound,
    InspectionStatus,
    LibraryProfile,
    PeriodKind,
    ReportEvent,
    ReportStatus,
    StaffMember,
    StatisticsReport,
    TrainingAttendance,
    ValueOrigin,
)

pytestmark = pytest.mark.django_db
RECORDS = 200  # as small as the other demo tests build it
ROOT = "VN-NB"


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    from django.conf import settings

    from thuvien.demo.loader import build_demo
    from thuvien.demo.reports import build_reports

    files = tmp_path_factory.mktemp("demo-reports")
    saved = settings.DIGITAL_ROOT, settings.DIGITAL_CACHE_DIR, settings.MEDIA_ROOT, settings.SEARCH_INDEX_DIR
    settings.DIGITAL_ROOT, settings.DIGITAL_CACHE_DIR = files / "digital", files / "cache"
    settings.MEDIA_ROOT, settings.SEARCH_INDEX_DIR = files / "media", files / "index"
    try:
        with django_db_blocker.unblock(), transaction.atomic():
            people = build_demo(RECORDS, log=lambda message: None, ocr=False)
            again = build_reports(people, log=lambda message: None)
            yield {"people": people, "info": people["reports"], "again": again, "files": files}
            transaction.set_rollback(True)
    finally:
        settings.DIGITAL_ROOT, settings.DIGITAL_CACHE_DIR, settings.MEDIA_ROOT, settings.SEARCH_INDEX_DIR = (
            saved
        )


@pytest.fixture(autouse=True)
def demo_files(demo, settings):
    settings.MEDIA_ROOT = demo["files"] / "media"
    settings.DIGITAL_ROOT = demo["files"] / "digital"
    settings.DIGITAL_CACHE_DIR = demo["files"] / "cache"


def this_year() -> int:
    return timezone.localdate().year


def root() -> Library:
    return Library.objects.get(code=ROOT)


def test_built_once_the_second_call_does_nothing(demo):
    assert demo["info"]["year"] == this_year()
    assert demo["again"] == {}
    assert InspectionRound.objects.count() == 2


def test_the_department_manager_and_inspector(demo):
    manager = User.objects.get(username="so.vanhoa")
    assert StaffRole.objects.filter(user=manager, library__code=ROOT, role="manager").exists()
    inspector = User.objects.get(username="so.kiemtra")
    assert StaffRole.objects.filter(user=inspector, library__code=ROOT, role="inspector").exists()
    assert manager.check_password(demo["people"]["password"])


def test_each_member_library_has_a_librarian_account(demo):
    for library in Library.objects.filter(path__startswith=root().path).exclude(code=ROOT):
        roles = StaffRole.objects.filter(library=library, role__in=["circulation", "cataloguer"])
        assert roles.exists(), library.code
    assert demo["info"]["librarians"] == len(demo["people"]["librarians"]) == 11
    assert User.objects.get(username="xa.namdinh").check_password(demo["people"]["password"])


def test_profiles_with_services_and_online_services_share_between_0_and_1(demo):
    libraries = Library.objects.filter(path__startswith=root().path)
    profiles = LibraryProfile.objects.filter(library__in=libraries).select_related("library")
    assert profiles.count() == libraries.count() == 13
    for profile in profiles:
        assert profile.services and profile.founded_year and profile.floor_area_m2 and profile.seats
        assert profile.governing_body
    assert "digital_reading" in profiles.get(library__code=ROOT).services
    online = [p for p in profiles if p.library.website and p.offers_online_services]
    assert 2 <= len(online) < len(profiles)


def test_staff_trained_share_strictly_between_0_and_1_with_libraries_at_both_ends(demo):
    indicator = Indicator.objects.get(code="prog-staff-trained")
    stored = snapshots.series(root(), [indicator], [this_year()])[(indicator.pk, this_year())]
    assert 0.6 <= stored.value <= 0.75
    shares = {v.library.code: v.value for v in snapshots.by_library(root(), indicator, this_year())}
    assert 1.0 in shares.values() and min(shares.values()) <= 0.3
    assert StaffMember.objects.exclude(employed_to=None).count() == 1
    assert TrainingAttendance.objects.filter(completed=True).exclude(certificate_number="").exists()
    assert TrainingAttendance.objects.filter(completed=False).exists()  # enrolled, not completed
    assert all(2 <= n <= 10 for n in _staff_per_library().values())


def _staff_per_library() -> dict:
    counts: dict = {}
    for member in StaffMember.objects.select_related("library"):
        counts[member.library.code] = counts.get(member.library.code, 0) + 1
    return counts


def test_statistics_reports_in_every_state(demo):
    reports = StatisticsReport.objects.filter(year=this_year(), period_kind=PeriodKind.QUARTER)
    assert set(reports.values_list("status", flat=True)) == set(ReportStatus.values)
    latest = max(reports.values_list("quarter", flat=True))
    for status in (ReportStatus.DRAFT, ReportStatus.SUBMITTED, ReportStatus.RETURNED):
        assert reports.filter(quarter=latest, status=status).count() == 1
    returned = reports.get(status=ReportStatus.RETURNED)
    assert returned.events.filter(action="return").exclude(comment="").exists()
    approved = reports.filter(status=ReportStatus.APPROVED)
    assert approved.count() >= 7
    for report in approved:
        assert report.submitted_by is not None and report.decided_by not in (None, report.submitted_by)
        assert report.figures["visits"] > 0 and report.prefilled  # typed by hand, pre-filled by the system
    annual = StatisticsReport.objects.filter(year=this_year() - 1, period_kind=PeriodKind.YEAR)
    assert annual.filter(status=ReportStatus.APPROVED).count() == annual.count() == 5
    if latest > 1:
        # A report returned once then approved: its history has both (built in the first quarter, there is
        # no earlier quarter to have been through it).
        events = ReportEvent.objects.filter(
            report__library__code="VN-NB-NAMDINH", report__quarter=1, report__year=this_year()
        )
        actions = [e.action for e in events]
        assert actions.count("submit") == 2 and "return" in actions and actions[-1] == "approve"


def test_report_timestamps_follow_the_workflow_in_the_past(demo):
    now = timezone.now()
    for report in StatisticsReport.objects.filter(status=ReportStatus.APPROVED):
        assert report.created_at <= report.submitted_at <= report.decided_at <= now
        assert report.decided_at.year >= report.year


def test_a_closed_round_with_scores_and_an_open_one(demo):
    closed = InspectionRound.objects.get(status=InspectionRound.Status.CLOSED, year=this_year() - 1)
    scores = [i.score for i in closed.inspections.all()]
    assert scores and all(s is not None for s in scores)
    assert min(scores) < 65 and max(scores) > 85
    assert all(i.scored_at.year == this_year() - 1 for i in closed.inspections.all())
    actions = FollowUpAction.objects.filter(inspection__round=closed)
    assert actions.filter(status=FollowUpAction.Status.CLOSED).exists()
    overdue = actions.filter(status=FollowUpAction.Status.OPEN, due_on__lt=timezone.localdate())
    assert overdue.count() == 1

    current = InspectionRound.objects.get(status=InspectionRound.Status.OPEN, year=this_year())
    assert 6 <= current.items.count() <= 8
    statuses = set(current.inspections.values_list("status", flat=True))
    assert statuses == set(InspectionStatus.values)
    evidence = Evidence.objects.filter(answer__inspection__round=current)
    assert evidence.exists()
    with evidence.first().file.open("rb") as fh:
        assert fh.read(5) == b"%PDF-"
    assert all(i.scored_at.year == this_year() for i in current.inspections.filter(status="scored"))


def test_stored_values_for_six_years_and_targets_to_2030(demo):
    years = snapshots.years_stored(root())
    assert len(years) >= 6 and years[-1] == this_year()
    assert IndicatorValue.objects.filter(year=this_year() - 1, origin=ValueOrigin.IMPORTED).exists()
    programme = list(Indicator.objects.filter(programme=True))
    assert len(programme) == 6
    for indicator in programme:
        years = set(
            IndicatorTarget.objects.filter(indicator=indicator, province=root()).values_list(
                "year", flat=True
            )
        )
        assert years == set(range(2021, 2031)), indicator.code


def test_libraries_above_and_below_target_for_programme_indicators(demo):
    year = this_year()
    programme = list(Indicator.objects.filter(programme=True))
    goals = targets(root(), programme, [year])
    mixed = []
    for indicator in programme:
        statuses = {
            target_status(indicator, value.value, goals.get((indicator.pk, year)))
            for value in snapshots.by_library(root(), indicator, year)
        }
        if {"above", "below"} <= statuses:
            mixed.append(indicator.code)
    assert len(mixed) >= 2, mixed
    assert {"prog-staff-trained", "prog-managed-in-system"} <= set(mixed)


def test_the_dashboard_opens_for_the_department_manager(demo, client):
    try:
        url = reverse("staff_reports:dashboard")
    except NoReverseMatch:
        pytest.skip("the dashboard is not there yet")
    client.force_login(User.objects.get(username="so.vanhoa"))
    response = client.get(url)
    assert response.status_code == 200
    assert "Tỷ lệ người làm công tác thư viện" in response.content.decode()


def test_summary_lines_name_the_accounts_and_pages(demo):
    from thuvien.demo.reports import summary_lines

    lines = summary_lines(demo["info"], "http://127.0.0.1:8000")
    text = "\n".join(lines)
    assert "so.vanhoa" in text and "/staff/statistics/" in text and "/staff/inspections/" in text
    assert "11 tài khoản" in text
    assert summary_lines({}, "http://x") == []


def test_last_year_known_to_the_system_is_computed_the_years_before_imported(demo):
    managed = Indicator.objects.get(code="prog-managed-in-system")
    last = IndicatorValue.objects.filter(indicator=managed, year=this_year() - 1)
    assert last.count() == 13 and set(last.values_list("origin", flat=True)) == {ValueOrigin.COMPUTED}
    # Inspected or with an approved report last year: 9 of the 13 libraries.
    assert sum(v.numerator for v in last) == 9
    visits = Indicator.objects.get(code="visits")
    annual = IndicatorValue.objects.get(indicator=visits, year=this_year() - 1, library__code=ROOT)
    report = StatisticsReport.objects.get(
        library__code=ROOT, year=this_year() - 1, period_kind=PeriodKind.YEAR
    )
    assert annual.origin == ValueOrigin.REPORT and annual.numerator == report.figures["visits"]
    before = IndicatorValue.objects.filter(indicator=managed, year=this_year() - 2)
    assert set(before.values_list("origin", flat=True)) == {ValueOrigin.IMPORTED}


def test_the_university_theses_are_its_endogenous_collection_some_digitised(demo):
    from thuvien.catalog.models import Collection
    from thuvien.digital.models import DigitalObject, Stage

    collection = Collection.objects.get(code="noi-sinh")
    assert collection.library.code == "VN-NB-DHHL" and collection.records.count() == 10
    digitised = DigitalObject.objects.filter(record__in=collection.records.all(), stage=Stage.PUBLISHED)
    assert digitised.count() == 4
    indicator = Indicator.objects.get(code="prog-digitised-endogenous")
    values = snapshots.by_library(root(), indicator, this_year())
    assert [(v.library.code, v.numerator, v.denominator) for v in values] == [("VN-NB-DHHL", 4, 10)]
