"""The stored yearly values the dashboards read: refreshed from the live computations, read by SQL sums.

Values imported from the department's reports of years before the system (origin "imported") are kept
by a refresh unless it is forced: the system cannot recompute what it did not record.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, ExpressionWrapper, F, IntegerField, Max, Sum
from django.utils import timezone

from thuvien.network.models import Library
from thuvien.reports.indicators import aggregate, measure, scope_libraries
from thuvien.reports.models import Aggregation, Indicator, IndicatorValue, ValueOrigin
from thuvien.reports.periods import Period


def refresh(
    year: int,
    scope: Library | None = None,
    indicators: Iterable[Indicator] | None = None,
    *,
    force: bool = False,
) -> int:
    """Recompute and store YEAR's value of each active indicator for every library of SCOPE; return rows written."""
    indicators = list(Indicator.objects.filter(active=True) if indicators is None else indicators)
    period = Period(year)
    now = timezone.now()
    written = 0
    for library in scope_libraries(scope):
        with transaction.atomic():
            existing = {
                v.indicator_id: v
                for v in IndicatorValue.objects.select_for_update().filter(library=library, year=year)
            }
            for indicator in indicators:
                old = existing.get(indicator.pk)
                if old is not None and old.origin == ValueOrigin.IMPORTED and not force:
                    continue
                result = measure(indicator, library, period)
                if result is None:
                    if old is not None:
                        old.delete()
                    continue
                origin = (
                    ValueOrigin.REPORT if indicator.source.startswith("report:") else ValueOrigin.COMPUTED
                )
                IndicatorValue.objects.update_or_create(
                    indicator=indicator,
                    library=library,
                    year=year,
                    defaults=dict(
                        library_path=library.path, library_kind=library.kind, numerator=result.numerator,
                        denominator=result.denominator, breakdown=result.breakdown, origin=origin, note="",
                        computed_at=now,
                    ),
                )  # fmt: skip
                written += 1
    return written


def store_imported(indicator: Indicator, library: Library, year: int, numerator: float,
                   denominator: float | None = None, note: str = "") -> IndicatorValue:  # fmt: skip
    """Store a value of a year before the system, from the department's past reports."""
    value, _ = IndicatorValue.objects.update_or_create(
        indicator=indicator, library=library, year=year,
        defaults=dict(library_path=library.path, library_kind=library.kind, numerator=numerator,
                      denominator=denominator, breakdown={}, origin=ValueOrigin.IMPORTED, note=note,
                      computed_at=timezone.now()),
    )  # fmt: skip
    return value


@dataclass(frozen=True)
class Stored:
    """A stored aggregate: numerator and denominator summed (or the maximum) over a subtree."""

    numerator: float
    denominator: float | None
    libraries: int
    aggregation: str

    @property
    def value(self) -> float | None:
        if self.aggregation == Aggregation.RATIO:
            return self.numerator / self.denominator if self.denominator else None
        return self.numerator

    @classmethod
    def from_sums(cls, indicator: Indicator, total, denominators, top, count: int) -> Stored:
        """Build INDICATOR's aggregate from SQL sums: the total, or the maximum, and the denominators' sum."""
        maximum = indicator.aggregation == Aggregation.MAX
        ratio = indicator.aggregation == Aggregation.RATIO
        return cls(top if maximum else total, denominators if ratio else None, count, indicator.aggregation)


def combine(indicator: Indicator, values) -> Stored:
    """Aggregate libraries' own VALUES (anything with numerator and denominator) as INDICATOR does."""
    numerator, denominator, count = aggregate(indicator, values)
    return Stored(numerator, denominator, count, indicator.aggregation)


def _scoped(scope: Library | None):
    values = IndicatorValue.objects.all()
    return values if scope is None else values.filter(library_path__startswith=scope.path)


def series(
    scope: Library | None, indicators: Iterable[Indicator], years: Iterable[int] | None = None, *,
    whole_table: bool = False,
) -> dict:  # fmt: skip
    """Return {(indicator_id, year): Stored} over SCOPE's subtree for YEARS (every year when None): one query.

    WHOLE_TABLE: most of the table is wanted (every indicator of a province), so read it in one pass.
    """
    by_id = {i.pk: i for i in indicators}
    values = _scoped(scope)
    if whole_table:
        # The indexes on (indicator, year, path) and (year, path) do not hold the figures: walking one for
        # every row of a province costs a table look-up per row, 2–3 times a plain scan on SQLite, whose
        # planner picks them for the GROUP BY order. "+ 0" keeps it off them (a documented SQLite idiom;
        # PostgreSQL scans such a share of the table anyway).
        values = values.annotate(
            ind=ExpressionWrapper(F("indicator_id") + 0, output_field=IntegerField()),
            yr=ExpressionWrapper(F("year") + 0, output_field=IntegerField()),
        )
        key, year = "ind", "yr"
    else:
        key, year = "indicator_id", "year"
    values = values.filter(**{f"{key}__in": list(by_id)})
    if years is not None:
        values = values.filter(**{f"{year}__in": list(years)})
    rows = (
        values.values_list(key, year)
        .annotate(Sum("numerator"), Sum("denominator"), Max("numerator"), Count("id"))
        .order_by()
    )
    return {
        (ind, yr): Stored.from_sums(by_id[ind], total, den, top, n) for ind, yr, total, den, top, n in rows
    }


def by_library(scope: Library | None, indicator: Indicator, year: int) -> list[IndicatorValue]:
    """Return each library's own stored value of INDICATOR in YEAR over SCOPE's subtree, with the library."""
    return list(_scoped(scope).filter(indicator=indicator, year=year).select_related("library"))


def by_child(scope: Library, indicator: Indicator, year: int) -> list[tuple[Library, Stored]]:
    """Return, for SCOPE itself and each child of SCOPE, its subtree's aggregate (drill-down one level)."""
    children = list(Library.objects.filter(parent=scope, active=True).order_by("name"))
    buckets: dict[int | None, list[IndicatorValue]] = defaultdict(list)
    for value in (
        _scoped(scope)
        .filter(indicator=indicator, year=year)
        .only("numerator", "denominator", "library_path", "library_id")
    ):
        if value.library_id == scope.pk:
            buckets[None].append(value)
            continue
        for child in children:
            if value.library_path.startswith(child.path):
                buckets[child.pk].append(value)
                break
    return [
        (library, combine(indicator, buckets[key]))
        for library, key in [(scope, None)] + [(c, c.pk) for c in children]
        if buckets.get(key)
    ]


def years_stored(scope: Library | None = None) -> list[int]:
    return sorted(set(_scoped(scope).values_list("year", flat=True).distinct()))
