"""The stored yearly values the dashboards read: refreshed from the live computations, read by SQL sums.

Values imported from the department's reports of years before the system (origin "imported") are kept
by a refresh unless it is forced: the system cannot recompute what it did not record.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Max, Sum
from django.utils import timezone

from thuvien.network.models import Library
from thuvien.reports.indicators import measure, scope_libraries
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


def _scoped(scope: Library | None):
    values = IndicatorValue.objects.all()
    return values if scope is None else values.filter(library_path__startswith=scope.path)


def series(scope: Library | None, indicators: Iterable[Indicator], years: Iterable[int]) -> dict:
    """Return {(indicator_id, year): Stored} over SCOPE's subtree, in one grouped query."""
    by_id = {i.pk: i for i in indicators}
    rows = (
        _scoped(scope)
        .filter(indicator_id__in=list(by_id), year__in=list(years))
        .values("indicator_id", "year")
        .annotate(num=Sum("numerator"), den=Sum("denominator"), top=Max("numerator"), n=Count("id"))
        .order_by()
    )
    result = {}
    for row in rows:
        indicator = by_id[row["indicator_id"]]
        maximum = indicator.aggregation == Aggregation.MAX
        result[(row["indicator_id"], row["year"])] = Stored(
            row["top"] if maximum else row["num"],
            row["den"] if indicator.aggregation == Aggregation.RATIO else None,
            row["n"],
            indicator.aggregation,
        )
    return result


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
    result = []
    for library, key in [(scope, None)] + [(c, c.pk) for c in children]:
        values = buckets.get(key, [])
        if not values:
            continue
        if indicator.aggregation == Aggregation.MAX:
            stored = Stored(max(v.numerator for v in values), None, len(values), indicator.aggregation)
        else:
            den = (
                sum(v.denominator or 0 for v in values)
                if indicator.aggregation == Aggregation.RATIO
                else None
            )
            stored = Stored(sum(v.numerator for v in values), den, len(values), indicator.aggregation)
        result.append((library, stored))
    return result


def years_stored(scope: Library | None = None) -> list[int]:
    return sorted(set(_scoped(scope).values_list("year", flat=True).distinct()))
