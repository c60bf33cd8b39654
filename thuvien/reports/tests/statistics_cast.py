"""What the statistics report tests share: the figures a librarian types, a report filled in, one approved."""

from __future__ import annotations

from thuvien.reports.models import ReportStatus, StatisticsReport
from thuvien.reports.periods import Period
from thuvien.reports.statistics_actions import create_report, save_figures, transition

# The manual part of the form as a librarian types it (Vietnamese grouping, a decimal comma).
TYPED = {
    "visits": "1.200",
    "events": "4",
    "events_detail": "Ngày hội đọc sách; Câu lạc bộ đọc sách thiếu nhi",
    "opening_hours_week": "40,5",
    "floor_area_m2": "120",
    "seats": "30",
    "computers": "5",
    "budget_vnd": "150.000.000",
    "acquisition_budget_vnd": "50.000.000",
}
STORED = {
    "visits": 1200,
    "events": 4,
    "opening_hours_week": 40.5,
    "floor_area_m2": 120,
    "seats": 30,
    "computers": 5,
    "budget_vnd": 150_000_000,
    "acquisition_budget_vnd": 50_000_000,
}

Q2 = Period(2025, 2)
Y2025 = Period(2025)


def filled(library, preparer, period=Q2, **overrides) -> StatisticsReport:
    """A draft of LIBRARY for PERIOD with the manual part typed in (OVERRIDES as typed strings)."""
    report = create_report(library, period, preparer)
    return save_figures(report, {**TYPED, **overrides}, "Số liệu lượt đến theo sổ ra vào.", preparer)


def submitted(library, preparer, period=Q2, **overrides) -> StatisticsReport:
    return transition(filled(library, preparer, period, **overrides), "submit", preparer)


def approved(library, preparer, reviewer, period=Q2, **overrides) -> StatisticsReport:
    report = transition(submitted(library, preparer, period, **overrides), "approve", reviewer)
    assert report.status == ReportStatus.APPROVED
    return report
