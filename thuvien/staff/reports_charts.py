"""Trend charts drawn on the server as inline SVG: bars for the value by year, a dashed step for each target.

The geometry is computed here and the template only writes it out, so the charts need no JavaScript and
print as they show. Screen readers get the numbers from a table next to each chart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from thuvien.reports.dashboard import Point, format_value, point_status
from thuvien.reports.models import Indicator

WIDTH, HEIGHT = 320, 150
LEFT, RIGHT, TOP, BOTTOM = 56, 8, 10, 22


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    status: str  # above, below or none: the bar's colour (the table and the label say it in words)
    label: str


@dataclass(frozen=True)
class Mark:
    x1: float
    x2: float
    cx: float
    y: float
    label: str


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class YearLabel:
    x: float
    label: str


@dataclass
class Chart:
    id: str
    title: str
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    baseline: float = HEIGHT - BOTTOM
    label_x: int = LEFT - 4  # the y-axis labels end here
    year_y: float = HEIGHT - BOTTOM + 14  # the years' baseline under the axis
    bars: list[Bar] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    years: list[YearLabel] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.bars and not self.marks

    @property
    def key(self) -> set[str]:
        """What the chart draws, for its key: bar statuses and "target"."""
        return {bar.status for bar in self.bars} | ({"target"} if self.marks else set())


def nice_ceiling(value: float) -> float:
    """Return the smallest of 1, 2, 2.5, 5 × 10^k at least VALUE (a round top for the axis)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value - 1e-12:
            return step * power
    return 10 * power


def trend_chart(indicator: Indicator, series: list[Point], chart_id: str) -> Chart:
    """Lay out INDICATOR's SERIES (one Point per year) as bars against its targets."""
    chart = Chart(chart_id, _("%(name)s: giá trị theo năm so với mục tiêu") % {"name": _(indicator.name)})
    if not series:
        return chart
    values = [p.value for p in series if p.value is not None] + [
        p.target for p in series if p.target is not None
    ]
    top = 1.0 if indicator.is_share else nice_ceiling(max(values, default=1.0))
    plot_height = chart.baseline - TOP
    slot = (chart.right - chart.left) / len(series)
    width = min(slot * 0.6, 36)

    def y_of(value: float) -> float:
        return round(chart.baseline - plot_height * max(0.0, min(value, top)) / top, 1)

    for fraction in (0, 0.5, 1):
        chart.ticks.append(Tick(y_of(top * fraction), format_value(indicator, top * fraction, unit=False)))
    # Ten years of four-digit labels do not fit a phone-wide chart: every other year then, ending on the last.
    step = 1 if len(series) <= 7 else 2
    for n, point in enumerate(series):
        centre = chart.left + slot * (n + 0.5)
        if (len(series) - 1 - n) % step == 0:
            chart.years.append(YearLabel(round(centre, 1), str(point.year)))
        if point.value is not None:
            y = y_of(point.value)
            label = _("Năm %(year)s: %(value)s") % {
                "year": point.year,
                "value": format_value(indicator, point.value),
            }
            status = point_status(indicator, point) or "none"
            chart.bars.append(
                Bar(
                    round(centre - width / 2, 1),
                    y,
                    round(width, 1),
                    round(chart.baseline - y, 1),
                    status,
                    label,
                )
            )
        if point.target is not None:
            y = y_of(point.target)
            label = _("Mục tiêu năm %(year)s: %(value)s") % {
                "year": point.year,
                "value": format_value(indicator, point.target),
            }
            chart.marks.append(
                Mark(
                    round(centre - slot * 0.45, 1), round(centre + slot * 0.45, 1), round(centre, 1), y, label
                )
            )
    return chart
