"""Writes of the statistics reports: create with the system's figures, save, refresh, and the workflow.

The workflow is the table ``TRANSITIONS`` with one entry point, ``transition``. A report is prepared by the
library's own staff (``can_prepare``) and decided by the level above (``can_review``), never by the person
who submitted it. Each step writes a ``ReportEvent`` and an audit entry in the same transaction; the status
changes by a conditional UPDATE on the status read, so two reviewers deciding at once cannot both win.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from thuvien.audit.actions import record
from thuvien.network.models import Library
from thuvien.reports import statistics
from thuvien.reports.models import PeriodKind, ReportEvent, ReportStatus, StatisticsReport
from thuvien.reports.periods import Period
from thuvien.reports.queries import can_prepare, can_review

EDITABLE = (ReportStatus.DRAFT, ReportStatus.RETURNED)


class StatisticsError(Exception):
    """A step refused for a reason the user can fix or must be told; the message is for people."""


class NotAllowed(StatisticsError):
    """The user may not take this step on this report."""


class Conflict(StatisticsError):
    """The report changed under the user (someone else decided it first)."""


class InvalidFigures(StatisticsError):
    """Figures that cannot be read, or required ones missing at submission: ``errors`` maps codes to messages."""

    def __init__(self, message: str, errors: Mapping[str, str]):
        super().__init__(message)
        self.errors = dict(errors)


def _is_submitter(user, report: StatisticsReport) -> bool:
    return report.submitted_by_id is not None and report.submitted_by_id == user.pk


def _may_prepare(user, report: StatisticsReport) -> bool:
    return can_prepare(user, report.library)


def _may_decide(user, report: StatisticsReport) -> bool:
    return can_review(user, report.library) and not _is_submitter(user, report)


@dataclass(frozen=True)
class Transition:
    sources: tuple[str, ...]
    target: str
    allowed: Callable[..., bool]  # (user, report) -> bool
    audit: str
    label: str | Promise
    comment_required: bool = False


TRANSITIONS: dict[str, Transition] = {
    "submit": Transition(
        (ReportStatus.DRAFT, ReportStatus.RETURNED), ReportStatus.SUBMITTED, _may_prepare,
        "reports.statistics.submitted", gettext_lazy("Gửi duyệt"),
    ),
    "return": Transition(
        (ReportStatus.SUBMITTED,), ReportStatus.RETURNED, _may_decide, "reports.statistics.returned",
        gettext_lazy("Trả lại để sửa"), comment_required=True,
    ),
    "approve": Transition(
        (ReportStatus.SUBMITTED,), ReportStatus.APPROVED, _may_decide, "reports.statistics.approved",
        gettext_lazy("Duyệt"),
    ),
}  # fmt: skip


def can(user, report: StatisticsReport, action: str) -> bool:
    """Tell whether USER may take ACTION ("save", "refresh" or a transition) on REPORT in its present status."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if action in ("save", "refresh"):
        return report.status in EDITABLE and _may_prepare(user, report)
    step = TRANSITIONS.get(action)
    return step is not None and report.status in step.sources and step.allowed(user, report)


def allowed_actions(user, report: StatisticsReport) -> list[str]:
    return [a for a in ("save", "refresh", *TRANSITIONS) if can(user, report, a)]


def _event(report, action, status_from, status_to, actor, comment="") -> ReportEvent:
    return ReportEvent.objects.create(
        report=report,
        action=action,
        status_from=status_from,
        status_to=status_to,
        actor=actor,
        comment=comment,
    )


def create_report(library: Library, period: Period, actor) -> StatisticsReport:
    """Open LIBRARY's report for PERIOD, pre-filled with the system's figures; refuse a second one."""
    if not can_prepare(actor, library):
        raise NotAllowed(_("Bạn không có quyền lập báo cáo của thư viện này."))
    today = timezone.localdate()
    if period.start > today:
        raise StatisticsError(_("Kỳ báo cáo chưa bắt đầu."))
    kind = PeriodKind.QUARTER if period.quarter else PeriodKind.YEAR
    existing = StatisticsReport.objects.filter(
        library=library, period_kind=kind, year=period.year, quarter=period.quarter
    )
    if existing.exists():
        raise StatisticsError(_("Thư viện đã có báo cáo của kỳ này."))
    system = statistics.system_values(library, period)
    figures = {f.code: system.get(f.code) if f.is_system else None for f in statistics.FIELDS}
    try:
        with transaction.atomic():
            report = StatisticsReport.objects.create(
                library=library, period_kind=kind, year=period.year, quarter=period.quarter,
                figures=figures, prefilled=system, created_by=actor,
            )  # fmt: skip
            _event(report, "create", "", report.status, actor)
            record(
                "reports.statistics.created", actor=actor, library=library, obj=report, period=period.label
            )
    except IntegrityError:
        # Two people opening the same period at once: the constraint lets one through.
        raise StatisticsError(_("Thư viện đã có báo cáo của kỳ này.")) from None
    return report


def _locked_editable(report: StatisticsReport, actor) -> StatisticsReport:
    locked = StatisticsReport.objects.select_for_update().select_related("library").get(pk=report.pk)
    if not can_prepare(actor, locked.library):
        raise NotAllowed(_("Bạn không có quyền sửa báo cáo của thư viện này."))
    if locked.status not in EDITABLE:
        raise Conflict(_("Báo cáo đã gửi hoặc đã duyệt thì không sửa được."))
    return locked


def save_figures(report: StatisticsReport, data: Mapping[str, str], note: str, actor) -> StatisticsReport:
    """Store the figures typed in DATA (keyed by field code) and NOTE on a draft or returned report.

    Raise InvalidFigures, storing nothing, when a value cannot be read.
    """
    figures, errors = statistics.read_figures(data)
    # Only the fields DATA carries: a caller sending part of the form leaves the rest as it was.
    figures = {code: value for code, value in figures.items() if code in data}
    errors = {code: message for code, message in errors.items() if code in data}
    if errors:
        raise InvalidFigures(_("Có số liệu không đọc được, chưa lưu: xem các ô được đánh dấu."), errors)
    note = (note or "").strip()[:5000]
    with transaction.atomic():
        locked = _locked_editable(report, actor)
        changed = sorted(c for c, v in figures.items() if not statistics.same(locked.figures.get(c), v))
        locked.figures = {**locked.figures, **figures}
        locked.note = note
        locked.save(update_fields=["figures", "note", "updated_at"])
        _event(locked, "save", locked.status, locked.status, actor)
        record("reports.statistics.saved", actor=actor, library=locked.library, obj=locked, changed=changed)
    return locked


def refresh_system_figures(report: StatisticsReport, actor) -> list[str]:
    """Re-read the system's figures of a draft or returned report; return the codes kept as the librarian set them.

    A figure the librarian had not changed follows the new system value; one he changed is kept.
    """
    with transaction.atomic():
        locked = _locked_editable(report, actor)
        system = statistics.system_values(locked.library, statistics.period_of(locked))
        figures = dict(locked.figures)
        kept = []
        for code, value in system.items():
            old_system = locked.prefilled.get(code)
            if code not in locked.prefilled or statistics.same(figures.get(code), old_system):
                figures[code] = value
            else:
                kept.append(code)
        locked.figures = figures
        locked.prefilled = system
        locked.save(update_fields=["figures", "prefilled", "updated_at"])
        _event(locked, "refresh", locked.status, locked.status, actor)
        record("reports.statistics.refreshed", actor=actor, library=locked.library, obj=locked, kept=kept)
    return kept


def transition(report: StatisticsReport, action: str, actor, comment: str = "") -> StatisticsReport:
    """Take workflow step ACTION ("submit", "return", "approve") on REPORT as ACTOR; return the report after it."""
    step = TRANSITIONS.get(action)
    if step is None:
        raise StatisticsError(_("Thao tác không hợp lệ."))
    comment = (comment or "").strip()[:5000]
    if step.comment_required and not comment:
        raise StatisticsError(_("Cần ghi lý do trả lại để thư viện biết cần sửa gì."))
    with transaction.atomic():
        locked = StatisticsReport.objects.select_for_update().select_related("library").get(pk=report.pk)
        if not step.allowed(actor, locked):
            if action in ("return", "approve") and _is_submitter(actor, locked):
                raise NotAllowed(_("Người gửi báo cáo không tự duyệt hay trả lại báo cáo của mình."))
            raise NotAllowed(_("Bạn không có quyền thực hiện thao tác này với báo cáo."))
        if locked.status not in step.sources:
            raise Conflict(
                _("Báo cáo đang ở trạng thái “%(status)s”, không thực hiện được thao tác này.")
                % {"status": locked.get_status_display()}
            )
        if action == "submit":
            missing = statistics.missing_required(locked.figures)
            if missing:
                names = "; ".join(f"{f.row}. {f.label}" for f in missing)
                raise InvalidFigures(
                    _("Chưa gửi được: còn thiếu số liệu bắt buộc: %(fields)s.") % {"fields": names},
                    {f.code: _("Bắt buộc khi gửi báo cáo.") for f in missing},
                )
        now = timezone.now()
        changes: dict = {"status": step.target, "updated_at": now}
        if action == "submit":
            changes.update(submitted_by=actor, submitted_at=now, decided_by=None, decided_at=None)
        else:
            changes.update(decided_by=actor, decided_at=now)
        # The lock is a no-op on SQLite; the status in the WHERE clause is what keeps a second decision out.
        updated = StatisticsReport.objects.filter(pk=locked.pk, status=locked.status).update(**changes)
        if updated != 1:
            raise Conflict(_("Báo cáo vừa được người khác xử lý; hãy tải lại trang."))
        status_from = locked.status
        locked.refresh_from_db()
        _event(locked, action, status_from, step.target, actor, comment)
        record(
            step.audit, actor=actor, library=locked.library, obj=locked, status_from=status_from,
            status_to=step.target, comment=comment,
        )  # fmt: skip
    if step.target == ReportStatus.APPROVED:
        _refresh_indicators_on_commit(locked)
    return locked


def _refresh_indicators_on_commit(report: StatisticsReport) -> None:
    """Bring the stored yearly values that read approved reports (visits) up to date, after the commit."""

    def enqueue():
        from thuvien.reports.tasks import refresh_indicators

        refresh_indicators.enqueue(year=report.year, scope_id=report.library_id)

    transaction.on_commit(enqueue)
