"""The server-drawn trend charts: bars scaled to the axis, one target mark per year with a target."""

from __future__ import annotations

from thuvien.reports.dashboard import Point
from thuvien.reports.models import Indicator
from thuvien.reports.snapshots import Stored
from thuvien.staff.reports_charts import BOTTOM, HEIGHT, TOP, nice_ceiling, trend_chart

SHARE = Indicator(code="s", name="Tỷ lệ", aggregation="ratio", unit="percent")
COUNT = Indicator(code="c", name="Lượt", aggregation="sum", unit="count")


def share(num, den):
    return Stored(num, den, 1, "ratio")


def test_nice_ceiling():
    assert [nice_ceiling(v) for v in (0, 0.7, 1, 3, 1234, 2600, 9000)] == [1, 1, 1, 5, 2000, 5000, 10000]


def test_a_share_is_drawn_on_a_0_to_100_axis_with_its_targets():
    series = [Point(2023, share(0, 2), 0.2), Point(2024, share(1, 2), 0.4), Point(2025, None, 0.6)]
    chart = trend_chart(SHARE, series, "chart-s")
    baseline, plot = HEIGHT - BOTTOM, HEIGHT - BOTTOM - TOP
    assert [t.label for t in chart.ticks] == ["0 %", "50 %", "100 %"]
    assert [b.height for b in chart.bars] == [0, round(plot * 0.5, 1)]
    assert [b.status for b in chart.bars] == ["below", "above"]
    assert [m.y for m in chart.marks] == [round(baseline - plot * t, 1) for t in (0.2, 0.4, 0.6)]
    assert chart.bars[1].label == "Năm 2024: 50 %" and chart.marks[2].label == "Mục tiêu năm 2025: 60 %"
    assert [y.label for y in chart.years] == ["2023", "2024", "2025"]


def test_a_count_gets_a_round_axis_and_ten_years_label_every_other_year():
    series = [Point(2015 + n, Stored(100 * n, None, 1, "sum"), None) for n in range(10)]
    chart = trend_chart(COUNT, series, "chart-c")
    assert [t.label for t in chart.ticks] == ["0", "500", "1.000"]
    assert [y.label for y in chart.years] == ["2016", "2018", "2020", "2022", "2024"]
    assert all(b.status == "none" for b in chart.bars) and not chart.marks
    assert all(chart.left <= b.x and b.x + b.width <= chart.right for b in chart.bars)


def test_no_series_no_chart():
    assert trend_chart(SHARE, [], "chart-s").empty
