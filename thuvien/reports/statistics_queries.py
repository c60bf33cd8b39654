"""Permission-checked reads of the statistics reports: a user's list, one report, a period's summary."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from thuvien.reports.models import PeriodKind, ReportStatus, StatisticsReport
from thuvien.reports.queries import readable_libraries, reviewable_libraries


def reports_for(user) -> QuerySet[StatisticsReport]:
    """Return the reports of the libraries USER reads (his library's for a librarian, the province's for a manager)."""
    return StatisticsReport.objects.filter(library__in=readable_libraries(user)).select_related("library")


def report_for(user, pk: int) -> StatisticsReport:
    """Return report PK when USER reads its library; Http404 otherwise, so its existence is not revealed."""
    report = (
        reports_for(user)
        .select_related("library__parent", "submitted_by", "decided_by")
        .filter(pk=pk)
        .first()
    )
    if report is None:
        raise Http404
    return report


def is_reviewer(user) -> bool:
    return reviewable_libraries(user).exists()


def summary_reports(
    user, period_kind: str, year: int, quarter: int | None, *, include_submitted: bool = False
) -> list[StatisticsReport]:
    """Return the approved (and, when asked, submitted) reports of one period over USER's scope, by library path."""
    statuses = [ReportStatus.APPROVED] + ([ReportStatus.SUBMITTED] if include_submitted else [])
    reports = reports_for(user).filter(period_kind=period_kind, year=year, status__in=statuses)
    reports = reports.filter(quarter=quarter if period_kind == PeriodKind.QUARTER else None)
    return list(reports.order_by("library__path"))
