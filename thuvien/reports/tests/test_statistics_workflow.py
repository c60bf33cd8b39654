"""The statistics report's workflow: who prepares, who decides, what each step records, what is refused."""

from __future__ import annotations

import pytest

from thuvien.audit.models import AuditEntry
from thuvien.reports.models import IndicatorValue, ReportEvent, StatisticsReport
from thuvien.reports.periods import Period
from thuvien.reports.statistics_actions import (
    Conflict,
    InvalidFigures,
    NotAllowed,
    StatisticsError,
    allowed_actions,
    can,
    create_report,
    refresh_system_figures,
    save_figures,
    transition,
)
from thuvien.reports.tests.statistics_cast import Q2, STORED, TYPED, approved, filled, submitted

pytestmark = pytest.mark.django_db


def events(report) -> list[tuple[str, str, str]]:
    return list(ReportEvent.objects.filter(report=report).values_list("action", "status_from", "status_to"))


def status_of(report) -> str:
    return StatisticsReport.objects.get(pk=report.pk).status


# --- creating -------------------------------------------------------------------------------------


def test_librarian_creates_his_library_report_once(network, commune_librarian):
    report = create_report(network["commune"], Q2, commune_librarian)
    assert (report.status, report.period_kind, report.year, report.quarter) == ("draft", "quarter", 2025, 2)
    assert report.created_by == commune_librarian
    assert events(report) == [("create", "", "draft")]
    assert AuditEntry.objects.filter(type="reports.statistics.created", object_id=str(report.pk)).exists()
    with pytest.raises(StatisticsError, match="đã có báo cáo"):
        create_report(network["commune"], Q2, commune_librarian)
    assert StatisticsReport.objects.count() == 1
    # The yearly report of the same year is another period.
    assert create_report(network["commune"], Period(2025), commune_librarian).period_kind == "year"


def test_nobody_creates_a_report_for_a_library_he_does_not_prepare(network, commune_librarian, other_library_staff,
                                                                   manager):  # fmt: skip
    with pytest.raises(NotAllowed):
        create_report(network["school"], Q2, commune_librarian)  # a sibling library
    with pytest.raises(NotAllowed):
        create_report(network["prov"], Q2, commune_librarian)  # the level above
    with pytest.raises(NotAllowed):
        create_report(network["commune"], Q2, other_library_staff)
    with pytest.raises(NotAllowed):
        create_report(network["commune"], Q2, manager)  # the department reviews, it does not fill in
    assert not StatisticsReport.objects.exists()


def test_a_period_not_begun_is_refused(network, commune_librarian):
    with pytest.raises(StatisticsError):
        create_report(network["commune"], Period(2099, 1), commune_librarian)


# --- saving ---------------------------------------------------------------------------------------


def test_saving_reads_typed_figures_and_records_the_step(network, commune_librarian):
    report = filled(network["commune"], commune_librarian)
    for code, value in STORED.items():
        assert report.figures[code] == value
    assert report.figures["events_detail"].startswith("Ngày hội đọc sách")
    assert report.note == "Số liệu lượt đến theo sổ ra vào."
    assert events(report)[-1] == ("save", "draft", "draft")
    entry = AuditEntry.objects.get(type="reports.statistics.saved", object_id=str(report.pk))
    assert "visits" in entry.data["changed"]


def test_unreadable_figures_store_nothing(network, commune_librarian):
    report = filled(network["commune"], commune_librarian)
    with pytest.raises(InvalidFigures) as exc:
        save_figures(report, {**TYPED, "visits": "2.000", "seats": "ba mươi"}, "khác", commune_librarian)
    assert set(exc.value.errors) == {"seats"}
    report.refresh_from_db()
    assert report.figures["visits"] == 1200 and report.figures["seats"] == 30 and report.note != "khác"


def test_fields_not_sent_are_left_as_they_were(network, commune_librarian):
    report = filled(network["commune"], commune_librarian)
    report = save_figures(report, {"visits": "1.300"}, report.note, commune_librarian)
    assert report.figures["visits"] == 1300 and report.figures["seats"] == 30


# --- submitting and deciding ----------------------------------------------------------------------


def test_submitting_needs_every_required_figure(network, commune_librarian):
    report = create_report(network["commune"], Q2, commune_librarian)
    save_figures(report, {"visits": "10"}, "", commune_librarian)
    with pytest.raises(InvalidFigures) as exc:
        transition(report, "submit", commune_librarian)
    message = str(exc.value)
    assert "10. Số sự kiện" in message and "16. Kinh phí được cấp" in message
    assert "visits" not in exc.value.errors and "events" in exc.value.errors
    assert "events_detail" not in exc.value.errors  # optional
    assert status_of(report) == "draft"


def test_commune_librarian_never_approves_his_own_report(network, commune_librarian):
    report = submitted(network["commune"], commune_librarian)
    assert report.submitted_by == commune_librarian and report.submitted_at is not None
    for action in ("approve", "return"):
        assert not can(commune_librarian, report, action)
        with pytest.raises(NotAllowed):
            transition(report, action, commune_librarian, comment="tự duyệt")
    assert status_of(report) == "submitted"
    assert not AuditEntry.objects.filter(type="reports.statistics.approved").exists()


def test_provincial_library_approves_a_commune_report_with_two_step_history(network, commune_librarian,
                                                                            provincial_librarian):  # fmt: skip
    report = submitted(network["commune"], commune_librarian)
    assert allowed_actions(provincial_librarian, report) == ["return", "approve"]
    report = transition(report, "approve", provincial_librarian, comment="Số liệu khớp.")
    assert report.status == "approved"
    assert (report.decided_by, report.submitted_by) == (provincial_librarian, commune_librarian)
    assert events(report) == [
        ("create", "", "draft"), ("save", "draft", "draft"), ("submit", "draft", "submitted"),
        ("approve", "submitted", "approved"),
    ]  # fmt: skip
    approval = ReportEvent.objects.get(report=report, action="approve")
    assert approval.actor == provincial_librarian and approval.comment == "Số liệu khớp."
    audit = AuditEntry.objects.get(type="reports.statistics.approved")
    assert audit.actor == provincial_librarian and audit.library == network["commune"]
    assert audit.data["status_from"] == "submitted"


def test_manager_approves_a_commune_report(network, commune_librarian, manager):
    report = submitted(network["commune"], commune_librarian)
    assert transition(report, "approve", manager).status == "approved"


def test_inspector_reads_but_does_not_decide(network, commune_librarian, inspector):
    report = submitted(network["commune"], commune_librarian)
    assert allowed_actions(inspector, report) == []
    with pytest.raises(NotAllowed):
        transition(report, "approve", inspector)


def test_a_reviewer_cannot_decide_what_he_submitted(network, provincial_librarian, manager):
    # The provincial library's admin may prepare the commune's report too; if he submits it, someone else decides.
    report = submitted(network["commune"], provincial_librarian)
    assert not can(provincial_librarian, report, "approve")
    with pytest.raises(NotAllowed, match="không tự duyệt"):
        transition(report, "approve", provincial_librarian)
    assert status_of(report) == "submitted"
    assert transition(report, "approve", manager).status == "approved"


def test_the_provincial_library_report_goes_to_the_department(network, provincial_librarian, manager):
    report = submitted(network["prov"], provincial_librarian)
    with pytest.raises(NotAllowed):
        transition(report, "approve", provincial_librarian)  # no library above it in the tree
    assert transition(report, "approve", manager).status == "approved"


def test_returning_needs_a_comment_then_the_library_resubmits(network, commune_librarian, manager):
    report = submitted(network["commune"], commune_librarian)
    with pytest.raises(StatisticsError, match="lý do"):
        transition(report, "return", manager, comment="   ")
    assert status_of(report) == "submitted"
    report = transition(report, "return", manager, comment="Lượt đến quý II thấp bất thường, kiểm tra lại.")
    assert report.status == "returned" and report.decided_by == manager
    assert can(commune_librarian, report, "save")
    report = save_figures(
        report, {**TYPED, "visits": "2.400"}, "Đã cộng sổ phòng thiếu nhi.", commune_librarian
    )
    report = transition(report, "submit", commune_librarian)
    assert report.status == "submitted" and report.decided_by is None
    report = transition(report, "approve", manager)
    assert [a for a, _f, _t in events(report)] == [
        "create",
        "save",
        "submit",
        "return",
        "save",
        "submit",
        "approve",
    ]
    returned = ReportEvent.objects.get(report=report, action="return")
    assert returned.comment.startswith("Lượt đến quý II") and returned.actor == manager
    assert report.figures["visits"] == 2400


def test_an_approved_report_is_read_only(network, commune_librarian, manager):
    report = approved(network["commune"], commune_librarian, manager)
    assert allowed_actions(commune_librarian, report) == []
    assert allowed_actions(manager, report) == []
    with pytest.raises(Conflict):
        save_figures(report, {"visits": "1"}, "", commune_librarian)
    with pytest.raises(Conflict):
        refresh_system_figures(report, commune_librarian)
    for action, actor in (("submit", commune_librarian), ("return", manager), ("approve", manager)):
        with pytest.raises(Conflict):
            transition(report, action, actor, comment="lại")
    report.refresh_from_db()
    assert report.status == "approved" and report.figures["visits"] == 1200


def test_a_submitted_report_cannot_be_edited(network, commune_librarian):
    report = submitted(network["commune"], commune_librarian)
    assert not can(commune_librarian, report, "save")
    with pytest.raises(Conflict):
        save_figures(report, {"visits": "1"}, "", commune_librarian)


def test_two_reviewers_cannot_both_decide(network, commune_librarian, provincial_librarian, manager):
    report = submitted(network["commune"], commune_librarian)
    stale = StatisticsReport.objects.get(pk=report.pk)
    transition(report, "approve", manager)
    with pytest.raises(Conflict):
        transition(stale, "return", provincial_librarian, comment="trả lại")
    assert status_of(report) == "approved"
    assert ReportEvent.objects.filter(report=report, action__in=["approve", "return"]).count() == 1


def test_staff_of_another_province_is_refused_every_step(network, commune_librarian, other_library_staff):
    report = filled(network["commune"], commune_librarian)
    assert allowed_actions(other_library_staff, report) == []
    with pytest.raises(NotAllowed):
        save_figures(report, {"visits": "1"}, "", other_library_staff)
    with pytest.raises(NotAllowed):
        refresh_system_figures(report, other_library_staff)
    with pytest.raises(NotAllowed):
        transition(report, "submit", other_library_staff)
    transition(report, "submit", commune_librarian)
    with pytest.raises(NotAllowed):
        transition(report, "approve", other_library_staff)
    assert status_of(report) == "submitted"


def test_unknown_action_is_refused(network, commune_librarian):
    report = filled(network["commune"], commune_librarian)
    with pytest.raises(StatisticsError):
        transition(report, "delete", commune_librarian)


def test_approval_refreshes_the_visits_indicator_after_commit(network, commune_librarian, manager,
                                                              django_capture_on_commit_callbacks):  # fmt: skip
    report = submitted(network["commune"], commune_librarian, period=Period(2025))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        transition(report, "approve", manager)
    assert len(callbacks) == 1
    stored = IndicatorValue.objects.get(indicator__code="visits", library=network["commune"], year=2025)
    assert stored.numerator == 1200 and stored.origin == "report"
