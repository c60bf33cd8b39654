"""The indicator engine: computations registry, one library's measure, a subtree's figure, targets.

A computation measures ONE library's own figure for a period (its subtree is the sum of its libraries'
own figures): ``numerator`` and, for a share, ``denominator``. The dashboards read the yearly values
stored by ``refresh`` (see ``thuvien.reports.snapshots``); ``thuvien indicators`` computes live.
Sources: a registered computation's key, or ``report:<field>``, the approved statistics reports' field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from thuvien.network.models import Library
from thuvien.reports.models import Aggregation, Indicator, PeriodKind, ReportStatus, StatisticsReport
from thuvien.reports.periods import Period

REPORT_PREFIX = "report:"


@dataclass(frozen=True)
class Measure:
    """One library's figure: a count (denominator None) or a share numerator/denominator."""

    numerator: float
    denominator: float | None = None
    breakdown: dict[str, float] = field(default_factory=dict)

    @property
    def value(self) -> float | None:
        if self.denominator is None:
            return self.numerator
        return self.numerator / self.denominator if self.denominator else None


@dataclass(frozen=True)
class Trace:
    """The rows behind a figure, for a person to check it: a header and rows of cells.

    ``counted`` says, row by row, whether the row is in the numerator (None for a plain count, where
    every row is counted).
    """

    columns: list[str]
    rows: list[list]
    counted: list[bool] | None = None
    note: str = ""


@dataclass(frozen=True)
class Computation:
    key: str
    measure: Callable[..., Measure | None]  # (library, period, **params) -> Measure | None (not applicable)
    trace: Callable[..., Trace] | None  # (library, period, **params) -> Trace


COMPUTATIONS: dict[str, Computation] = {}


def computation(key: str, *, trace: Callable[..., Trace] | None = None):
    """Register the decorated function as the computation KEY (with TRACE listing the rows it counts)."""

    def register(func):
        COMPUTATIONS[key] = Computation(key, func, trace)
        return func

    return register


def get_computation(key: str) -> Computation:
    import thuvien.reports.computations  # noqa: F401  (registers the computations)

    try:
        return COMPUTATIONS[key]
    except KeyError:
        raise KeyError(f"unknown indicator computation: {key}") from None


def covers(indicator: Indicator, library: Library) -> bool:
    return not indicator.library_kinds or library.kind in indicator.library_kinds


def report_measure(field_code: str, library: Library, period: Period) -> Measure | None:
    """Sum FIELD_CODE over LIBRARY's approved reports of PERIOD: the yearly report, else its quarters."""
    approved = StatisticsReport.objects.filter(
        library=library, year=period.year, status=ReportStatus.APPROVED
    )
    if period.quarter is not None:
        reports = list(approved.filter(period_kind=PeriodKind.QUARTER, quarter=period.quarter))
    else:
        reports = list(approved.filter(period_kind=PeriodKind.YEAR)) or list(
            approved.filter(period_kind=PeriodKind.QUARTER)
        )
    values = [r.figures.get(field_code) for r in reports]
    values = [float(v) for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    if not values:
        return None
    breakdown = {r.period_label: float(r.figures[field_code]) for r in reports if field_code in r.figures}
    return Measure(sum(values), None, breakdown if len(reports) > 1 else {})


def measure(indicator: Indicator, library: Library, period: Period) -> Measure | None:
    """Measure INDICATOR for LIBRARY's own holdings and activity in PERIOD; None when it does not apply."""
    if not covers(indicator, library):
        return None
    if indicator.source.startswith(REPORT_PREFIX):
        return report_measure(indicator.source[len(REPORT_PREFIX) :], library, period)
    return get_computation(indicator.source).measure(library, period, **(indicator.params or {}))


def trace(indicator: Indicator, library: Library, period: Period) -> Trace:
    """List the rows INDICATOR counts for LIBRARY in PERIOD."""
    if indicator.source.startswith(REPORT_PREFIX):
        field_code = indicator.source[len(REPORT_PREFIX) :]
        reports = StatisticsReport.objects.filter(
            library=library, year=period.year, status=ReportStatus.APPROVED
        ).order_by("period_kind", "quarter")
        rows = [[r.period_label, r.get_status_display(), r.figures.get(field_code, "")] for r in reports]
        return Trace(["Kỳ báo cáo", "Trạng thái", field_code], rows)
    comp = get_computation(indicator.source)
    if comp.trace is None:
        return Trace([], [], note="no trace")
    return comp.trace(library, period, **(indicator.params or {}))


@dataclass
class Figure:
    """An indicator's figure over a scope: the aggregate of its libraries' own measures."""

    indicator: Indicator
    numerator: float | None
    denominator: float | None
    libraries: int  # how many libraries contribute
    target: float | None = None
    per_library: list[tuple[Library, Measure]] = field(default_factory=list)

    @property
    def value(self) -> float | None:
        if self.numerator is None:
            return None
        if self.indicator.aggregation == Aggregation.RATIO:
            return self.numerator / self.denominator if self.denominator else None
        return self.numerator

    @property
    def status(self) -> str | None:
        """'above' when the figure meets its target, 'below' when not, None without a target or value."""
        return target_status(self.indicator, self.value, self.target)


def target_status(indicator: Indicator, value: float | None, target: float | None) -> str | None:
    if value is None or target is None:
        return None
    met = value >= target - 1e-9 if indicator.higher_is_better else value <= target + 1e-9
    return "above" if met else "below"


def aggregate(indicator: Indicator, measures: Iterable[Measure]) -> tuple[float | None, float | None, int]:
    """Combine libraries' measures as INDICATOR aggregates: (numerator, denominator, count)."""
    measures = list(measures)
    if not measures:
        return None, None, 0
    if indicator.aggregation == Aggregation.MAX:
        return max(m.numerator for m in measures), None, len(measures)
    numerator = sum(m.numerator for m in measures)
    if indicator.aggregation == Aggregation.RATIO:
        return numerator, sum(m.denominator or 0 for m in measures), len(measures)
    return numerator, None, len(measures)


def province_of(library: Library) -> Library:
    """Return the root of LIBRARY's network: the province whose targets apply to it."""
    root_code = library.path.strip("/").split("/")[0]
    return library if library.code == root_code else Library.objects.get(code=root_code)


def targets(province: Library | None, indicators: Iterable[Indicator], years: Iterable[int]) -> dict:
    """Return {(indicator_id, year): target} of PROVINCE (empty without one)."""
    from thuvien.reports.models import IndicatorTarget

    if province is None:
        return {}
    rows = IndicatorTarget.objects.filter(
        province=province, indicator__in=list(indicators), year__in=list(years)
    ).values_list("indicator_id", "year", "value")
    return {(ind, year): value for ind, year, value in rows}


def scope_libraries(scope: Library | None):
    libraries = Library.objects.filter(active=True)
    if scope is not None:
        libraries = libraries.filter(path__startswith=scope.path)
    return libraries.order_by("path")


def live_figures(
    scope: Library | None, period: Period, indicators: Iterable[Indicator] | None = None
) -> list[Figure]:
    """Compute every active indicator (or INDICATORS) over SCOPE's subtree (the whole network when None)."""
    indicators = list(Indicator.objects.filter(active=True) if indicators is None else indicators)
    libraries = list(scope_libraries(scope))
    province = province_of(scope) if scope is not None else None
    goal = targets(province, indicators, [period.year])
    figures = []
    for indicator in indicators:
        per_library = []
        for library in libraries:
            result = measure(indicator, library, period)
            if result is not None:
                per_library.append((library, result))
        numerator, denominator, count = aggregate(indicator, [m for _, m in per_library])
        figures.append(
            Figure(
                indicator, numerator, denominator, count, goal.get((indicator.pk, period.year)), per_library
            )
        )
    return figures
