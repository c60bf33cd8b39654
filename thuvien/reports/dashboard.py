"""The dashboards' figures, assembled from the stored yearly values (``snapshots``) in a few grouped queries.

Nothing here computes an indicator from the catalogue: the pages read what ``snapshots.refresh`` stored,
so a province of a thousand libraries and ten years renders in a handful of queries whatever the size
of its collections. Every function takes a scope the caller has already checked the user may read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Exists, Max, OuterRef
from django.utils.formats import get_format
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from thuvien.network.models import Library, LibraryKind
from thuvien.reports import indicators as engine
from thuvien.reports import snapshots
from thuvien.reports.models import Aggregation, Indicator, IndicatorValue, Unit
from thuvien.reports.snapshots import Stored

# A library within 10 % of its target is drawn amber on the map, not red: close is worth telling apart.
NEAR = 0.9

# What a share's denominator counts, by computation (a share of what?): "7/10 tài liệu".
DENOMINATOR_UNITS = {
    "digitised_share": gettext_lazy("tài liệu"),
    "website_online_services": gettext_lazy("thư viện"),
    "union_catalogue_connected": gettext_lazy("thư viện"),
    "managed_in_system": gettext_lazy("thư viện"),
    "staff_trained": gettext_lazy("người"),
}

# Map colours: the target status when a library's own value can be held against the target, else a
# sequential scale of the value relative to the scope's largest (counts have a province-wide target only).
BAND_COLOURS = {
    "above": "#1d6b2f",
    "near": "#b26a00",
    "below": "#b3261e",
    "none": "#6b7580",
    "q1": "#c6dbef",
    "q2": "#6baed6",
    "q3": "#2171b5",
    "q4": "#08306b",
}


# ---------------------------------------------------------------------------------------------------
# Numbers as a Vietnamese reader writes them: 1.234 and 70,5 %


def format_number(value: float | None, decimals: int = 0) -> str:
    """Format VALUE with the active language's separators, thousands grouped ("1.234,5" in Vietnamese)."""
    if value is None:
        return "—"
    # Python groups with "," and "." whatever the language; swap them for the language's (a page formats
    # hundreds of numbers, and django.utils.numberformat costs several times as much).
    text = f"{value:,.{decimals}f}"
    if decimals:
        text = text.replace(".", "\0").replace(",", get_format("THOUSAND_SEPARATOR"))
        return text.replace("\0", get_format("DECIMAL_SEPARATOR"))
    return text.replace(",", get_format("THOUSAND_SEPARATOR"))


def _plain(value: float) -> str:
    """A number without a pointless ",0": 50 but 66,7."""
    rounded = round(value, 1)
    return format_number(rounded, 0 if float(rounded).is_integer() else 1)


def format_value(indicator: Indicator, value: float | None, unit: bool = True) -> str:
    """Format an indicator's value: a share as a percentage, a count grouped, with its unit when UNIT."""
    if value is None:
        return "—"
    if indicator.is_share:
        return f"{_plain(value * 100)} %"
    text = _plain(value)
    return f"{text} {unit_label(indicator)}" if unit else text


_unit_labels: dict[tuple[str, str], str] = {}


def unit_label(indicator: Indicator) -> str:
    """Return the unit's name in the active language (remembered: a dashboard writes hundreds of figures)."""
    key = (get_language(), indicator.unit)
    if key not in _unit_labels:
        _unit_labels[key] = (
            str(Unit(indicator.unit).label) if indicator.unit in Unit.values else indicator.unit
        )
    return _unit_labels[key]


def counts_label(indicator: Indicator, numerator: float | None, denominator: float | None) -> str:
    """Return what a share is made of, "7/10 tài liệu"; empty for a count."""
    if not indicator.is_share or numerator is None:
        return ""
    unit = DENOMINATOR_UNITS.get(indicator.source, "")
    return f"{_plain(numerator)}/{_plain(denominator or 0)} {unit}".strip()


def library_status(indicator: Indicator, value: float | None, target: float | None) -> str | None:
    """Hold one library's own value against the province's target where that means something.

    A share or a maximum is comparable library by library; a count's target is the province's total.
    """
    if indicator.aggregation == Aggregation.SUM:
        return None
    return engine.target_status(indicator, value, target)


def band(indicator: Indicator, value: float | None, target: float | None, scale_max: float | None) -> str:
    """Return the map colour band of one library's own VALUE (see BAND_COLOURS)."""
    if value is None:
        return "none"
    if target is not None and indicator.aggregation != Aggregation.SUM:
        if engine.target_status(indicator, value, target) == "above":
            return "above"
        near = value >= target * NEAR if indicator.higher_is_better else value * NEAR <= target
        return "near" if near else "below"
    if not scale_max or scale_max <= 0:
        return "q1"
    return f"q{max(1, min(4, 1 + int(4 * value / scale_max)))}"


# ---------------------------------------------------------------------------------------------------
# Figures


@dataclass(frozen=True)
class Point:
    """An indicator's figure over the scope in one year, against the province's target."""

    year: int
    stored: Stored | None
    target: float | None

    @property
    def value(self) -> float | None:
        return self.stored.value if self.stored is not None else None

    @property
    def numerator(self) -> float | None:
        return self.stored.numerator if self.stored is not None else None

    @property
    def denominator(self) -> float | None:
        return self.stored.denominator if self.stored is not None else None

    @property
    def libraries(self) -> int:
        return self.stored.libraries if self.stored is not None else 0


def point_status(indicator: Indicator, point: Point) -> str | None:
    return engine.target_status(indicator, point.value, point.target)


@dataclass
class Row:
    """One indicator on the dashboard: the selected year's point and its series by year."""

    indicator: Indicator
    point: Point
    series: list[Point]

    @property
    def status(self) -> str | None:
        return point_status(self.indicator, self.point)


@dataclass
class Overview:
    scope: Library
    years: list[int]
    year: int | None
    rows: list[Row]
    computed_at: object = None  # the newest computed_at of the year's values, a datetime or None

    @property
    def programme(self) -> list[Row]:
        return [r for r in self.rows if r.indicator.programme]

    @property
    def operational(self) -> list[Row]:
        return [r for r in self.rows if not r.indicator.programme]


def computed_at(scope: Library, year: int):
    """Return when SCOPE's newest value of YEAR was computed (one year: a small indexed range)."""
    values = IndicatorValue.objects.filter(year=year, library_path__startswith=scope.path)
    return values.aggregate(newest=Max("computed_at"))["newest"]


def dashboard_indicators() -> list[Indicator]:
    """Return the active indicators in dashboard order: the programme's first, then the operational ones."""
    return list(Indicator.objects.filter(active=True).order_by("-programme", "position", "code"))


def overview(scope: Library, year: int | None = None) -> Overview:
    """Assemble SCOPE's dashboard for YEAR (the latest year with stored values when None or not stored)."""
    indicators = dashboard_indicators()
    stored = snapshots.series(scope, indicators, whole_table=True)
    years = sorted({y for _, y in stored})
    if year not in years:
        year = years[-1] if years else None
    goals = engine.targets(engine.province_of(scope), indicators, years) if years else {}
    rows = []
    for indicator in indicators:
        series = [Point(y, stored.get((indicator.pk, y)), goals.get((indicator.pk, y))) for y in years]
        current = next((p for p in series if p.year == year), Point(year or 0, None, None))
        rows.append(Row(indicator, current, series))
    return Overview(scope, years, year, rows, computed_at(scope, year) if year else None)


# ---------------------------------------------------------------------------------------------------
# One indicator: trend, drill-down, ranking, map


@dataclass(frozen=True)
class LibraryValue:
    """One library's own stored value of the year, with what the ranking and the map show of the library."""

    library_id: int
    code: str
    name: str
    kind: str
    path: str
    numerator: float
    denominator: float | None
    origin: str
    latitude: float | None
    longitude: float | None
    aggregation: str

    @property
    def value(self) -> float | None:
        if self.aggregation != Aggregation.RATIO:
            return self.numerator
        return self.numerator / self.denominator if self.denominator else None

    @property
    def kind_label(self) -> str:
        return str(LibraryKind(self.kind).label) if self.kind in LibraryKind.values else self.kind


@dataclass(frozen=True)
class Ranked:
    rank: int | None  # None: no value to rank (a share over nothing)
    entry: LibraryValue
    status: str | None


@dataclass(frozen=True)
class Child:
    """A line of the drill-down: SCOPE's own figure (own=True) or one child's subtree."""

    library: Library
    stored: Stored
    own: bool
    has_children: bool
    status: str | None


@dataclass
class Detail:
    scope: Library
    indicator: Indicator
    years: list[int]
    year: int | None
    trend: list[Point]
    target: float | None
    values: list[LibraryValue] = field(default_factory=list)

    @property
    def point(self) -> Point:
        return next((p for p in self.trend if p.year == self.year), Point(self.year or 0, None, self.target))


def year_values(scope: Library, indicator: Indicator, year: int) -> list[LibraryValue]:
    """Return each library's own stored value of INDICATOR in YEAR over SCOPE's subtree: one query."""
    rows = (
        IndicatorValue.objects.filter(indicator=indicator, year=year, library_path__startswith=scope.path)
        .values_list(
            "library_id", "library__code", "library__name", "library_kind", "library_path", "numerator",
            "denominator", "origin", "library__latitude", "library__longitude",
        )
        .order_by()
    )  # fmt: skip
    return [LibraryValue(*row, aggregation=indicator.aggregation) for row in rows]


def detail(scope: Library, indicator: Indicator, year: int | None = None) -> Detail:
    """Assemble INDICATOR's page over SCOPE: the trend by year and the year's libraries."""
    stored = snapshots.series(scope, [indicator])
    years = sorted(y for _, y in stored)
    if year not in years:
        year = years[-1] if years else None
    goals = engine.targets(engine.province_of(scope), [indicator], years) if years else {}
    trend = [Point(y, stored[(indicator.pk, y)], goals.get((indicator.pk, y))) for y in years]
    result = Detail(scope, indicator, years, year, trend, goals.get((indicator.pk, year)))
    if year is not None:
        result.values = year_values(scope, indicator, year)
    return result


def drill_down(page: Detail) -> list[Child]:
    """Split the year's values into SCOPE's own figure and each active child's subtree (as ``by_child``)."""
    scope, indicator = page.scope, page.indicator
    children = list(
        Library.objects.filter(parent=scope, active=True)
        .annotate(has_children=Exists(Library.objects.filter(parent=OuterRef("pk"))))
        .order_by("name")
    )
    by_code = {c.code: c for c in children}
    own: list[LibraryValue] = []
    buckets: dict[int, list[LibraryValue]] = {}
    depth = len(scope.path)
    for value in page.values:
        if value.library_id == scope.pk:
            own.append(value)
            continue
        # The path below the scope starts with the child's code: a dictionary look-up, not a scan.
        child = by_code.get(value.path[depth:].split("/", 1)[0])
        if child is not None:
            buckets.setdefault(child.pk, []).append(value)
    result = []
    if own:
        stored = snapshots.combine(indicator, own)
        result.append(Child(scope, stored, True, False, library_status(indicator, stored.value, page.target)))
    for child in children:
        values = buckets.get(child.pk)
        if values:
            stored = snapshots.combine(indicator, values)
            # A commune's loans against the province's total say nothing: counts get no status here.
            status = library_status(indicator, stored.value, page.target)
            result.append(Child(child, stored, False, child.has_children, status))
    return result


def ranking(page: Detail) -> list[Ranked]:
    """Rank the year's libraries by their own value, best first (ties share a rank; no value comes last)."""
    indicator = page.indicator
    sign = -1 if indicator.higher_is_better else 1
    with_value = sorted(
        (v for v in page.values if v.value is not None), key=lambda v: (sign * v.value, v.name, v.code)
    )
    result, previous, rank = [], None, 0
    for position, entry in enumerate(with_value, start=1):
        if previous is None or abs(entry.value - previous) > 1e-12:
            rank = position
        previous = entry.value
        result.append(Ranked(rank, entry, library_status(indicator, entry.value, page.target)))
    for entry in sorted((v for v in page.values if v.value is None), key=lambda v: (v.name, v.code)):
        result.append(Ranked(None, entry, None))
    return result


def status_counts(ranked: list[Ranked]) -> dict[str, int]:
    """Count the ranked libraries at or above their target and below it."""
    counts = {"above": 0, "below": 0}
    for line in ranked:
        if line.status in counts:
            counts[line.status] += 1
    return counts


def map_features(page: Detail) -> list[dict]:
    """Return a GeoJSON feature per library with coordinates and a value, coloured by band."""
    indicator = page.indicator
    located = [v for v in page.values if v.latitude is not None and v.longitude is not None]
    scale_max = max((v.value for v in page.values if v.value is not None), default=None)
    features = []
    for entry in sorted(located, key=lambda v: v.path):
        value = entry.value
        colour_band = band(indicator, value, page.target, scale_max)
        status = library_status(indicator, value, page.target)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [entry.longitude, entry.latitude]},
                "properties": {
                    "code": entry.code,
                    "name": entry.name,
                    "kind": entry.kind_label,
                    "value": value,
                    "display": format_value(indicator, value),
                    "counts": counts_label(indicator, entry.numerator, entry.denominator),
                    "numerator": entry.numerator,
                    "denominator": entry.denominator,
                    "status": status,
                    "status_label": status_label(status),
                    "band": colour_band,
                    "color": BAND_COLOURS[colour_band],
                },
            }
        )
    return features


def legend(indicator: Indicator, target: float | None) -> list[tuple[str, str, str]]:
    """Return the map legend as (band, colour, label) for INDICATOR with TARGET."""
    if target is not None and indicator.aggregation != Aggregation.SUM:
        lines = [
            ("above", _("Đạt mục tiêu (%(goal)s)") % {"goal": format_value(indicator, target)}),
            ("near", _("Gần đạt (chênh mục tiêu không quá một phần mười)")),
            ("below", _("Chưa đạt")),
        ]
    else:
        lines = [
            ("q1", _("Thấp (dưới 1/4 giá trị cao nhất)")),
            ("q2", _("Dưới trung bình")),
            ("q3", _("Trên trung bình")),
            ("q4", _("Cao (từ 3/4 giá trị cao nhất)")),
        ]
    lines.append(("none", _("Không có số liệu")))
    return [(key, BAND_COLOURS[key], label) for key, label in lines]


def status_label(status: str | None) -> str:
    if status == "above":
        return _("Đạt")
    if status == "below":
        return _("Chưa đạt")
    return ""
