"""The dashboards' data assembly: numbers as Vietnamese write them, the same figures as the engine, few queries."""

from __future__ import annotations

import pytest
from django.utils import translation

from thuvien.network.actions import add_library
from thuvien.reports import dashboard, snapshots
from thuvien.reports.models import Indicator, IndicatorTarget
from thuvien.reports.tests.dashboard_cast import figures  # noqa: F401 (a fixture)


def test_numbers_are_grouped_the_vietnamese_way():
    share = Indicator(code="s", aggregation="ratio", unit="percent")
    count = Indicator(code="c", aggregation="sum", unit="items")
    assert dashboard.format_number(1234567) == "1.234.567"
    assert dashboard.format_value(count, 1234.0) == "1.234 bản"
    assert dashboard.format_value(count, 1234.0, unit=False) == "1.234"
    assert dashboard.format_value(count, 2.75, unit=False) == "2,8"
    assert dashboard.format_value(share, 0.5) == "50 %"
    assert dashboard.format_value(share, 1 / 3) == "33,3 %"
    assert dashboard.format_value(share, None) == "—"
    with translation.override("en"):
        assert dashboard.format_value(share, 0.725) == "72.5 %"
        assert dashboard.format_number(1234567) == "1,234,567"


def test_counts_label_names_what_the_share_counts():
    rare = Indicator(code="r", aggregation="ratio", unit="percent", source="digitised_share")
    assert dashboard.counts_label(rare, 7, 10) == "7/10 tài liệu"
    assert dashboard.counts_label(Indicator(code="c", aggregation="sum", unit="items"), 7, None) == ""


def test_bands_hold_a_library_against_the_target_or_the_scale():
    share = Indicator(code="s", aggregation="ratio", unit="percent")
    assert dashboard.band(share, 0.7, 0.7, 1) == "above"
    assert dashboard.band(share, 0.65, 0.7, 1) == "near"  # within a tenth of the target
    assert dashboard.band(share, 0.5, 0.7, 1) == "below"
    assert dashboard.band(share, None, 0.7, 1) == "none"
    days = Indicator(code="d", aggregation="max", unit="days", higher_is_better=False)
    assert dashboard.band(days, 7, 7, 40) == "above" and dashboard.band(days, 7.5, 7, 40) == "near"
    assert dashboard.band(days, 40, 7, 40) == "below"
    count = Indicator(code="c", aggregation="sum", unit="count")
    assert dashboard.band(count, 100, 50, 100) == "q4"  # a count's target is the province's: no status
    assert [dashboard.band(count, v, None, 100) for v in (0, 30, 60, 80)] == ["q1", "q2", "q3", "q4"]


@pytest.mark.django_db
def test_overview_agrees_with_the_engine_s_series(figures, network):  # noqa: F811
    overview = dashboard.overview(network["prov"])
    assert overview.years == [2023, 2024] and overview.year == 2024
    rows = {row.indicator.code: row for row in overview.rows}
    indicators = [row.indicator for row in overview.rows]
    expected = snapshots.series(network["prov"], indicators, [2023, 2024])
    for row in overview.rows:
        for point in row.series:
            assert point.stored == expected.get((row.indicator.pk, point.year)), (
                row.indicator.code,
                point.year,
            )
    union = rows["prog-union-catalogue"]
    assert union.point.value == 0.5 and union.point.target == 0.4 and union.status == "above"
    assert rows["prog-staff-trained"].status == "below"
    assert rows["loans"].point.value == 2000 and rows["loans"].status is None
    assert [r.indicator.programme for r in overview.rows] == sorted(
        (r.indicator.programme for r in overview.rows), reverse=True
    )
    assert overview.computed_at is not None
    assert dashboard.overview(network["prov"], 2023).rows[0].point.year == 2023


@pytest.mark.django_db
def test_drill_down_agrees_with_the_engine_on_a_deeper_tree(network):
    union = Indicator.objects.get(code="prog-union-catalogue")
    prov, commune = network["prov"], network["commune"]
    hamlet = add_library("VN-TST-XA-THON", "Tủ sách thôn", "community", "VN-TST-XA")
    gone = add_library("VN-TST-CU", "Thư viện đã giải thể", "commune", "VN-TST")
    gone.active = False
    gone.save()
    for library, num in ((prov, 1), (commune, 1), (hamlet, 0), (network["school"], 1), (gone, 1)):
        snapshots.store_imported(union, library, 2024, num, 1)
    page = dashboard.detail(prov, union, 2024)
    ours = {(c.library.code, c.own): (c.stored.numerator, c.stored.denominator, c.stored.libraries)
            for c in dashboard.drill_down(page)}  # fmt: skip
    engine = {(lib.code, lib.pk == prov.pk): (s.numerator, s.denominator, s.libraries)
              for lib, s in snapshots.by_child(prov, union, 2024)}  # fmt: skip
    assert ours == engine
    assert ours[("VN-TST-XA", False)] == (1, 2, 2)
    children = {c.library.code: c for c in dashboard.drill_down(page)}
    assert children["VN-TST-XA"].has_children and not children["VN-TST-THPT"].has_children


@pytest.mark.django_db
def test_ranking_shares_ranks_on_ties_and_puts_empty_shares_last(network):
    union = Indicator.objects.get(code="prog-union-catalogue")
    values = {"VN-TST": (1, 2), "VN-TST-XA": (1, 1), "VN-TST-THPT": (2, 4)}
    for code, (num, den) in values.items():
        snapshots.store_imported(
            union, next(lib for lib in network.values() if lib.code == code), 2024, num, den
        )
    empty = add_library("VN-TST-MOI", "Thư viện mới", "school", "VN-TST")
    snapshots.store_imported(union, empty, 2024, 0, 0)
    IndicatorTarget.objects.create(indicator=union, province=network["prov"], year=2024, value=0.6)
    ranked = dashboard.ranking(dashboard.detail(network["prov"], union, 2024))
    assert [(r.rank, r.entry.code, r.status) for r in ranked] == [
        (1, "VN-TST-XA", "above"),
        (2, "VN-TST-THPT", "below"),  # 50 %, tied with the province's own library: same rank, by name
        (2, "VN-TST", "below"),
        (None, "VN-TST-MOI", None),
    ]
    assert dashboard.status_counts(ranked) == {"above": 1, "below": 2}


@pytest.mark.django_db
def test_the_pages_take_a_bounded_number_of_queries(network, django_assert_max_num_queries):
    """Ten years of every indicator for many libraries: the query count does not grow with them."""
    indicators = list(Indicator.objects.all())
    libraries = [add_library(f"VN-TST-B{n:02d}", f"Trường {n:02d}", "school", "VN-TST") for n in range(12)]
    for library in libraries:
        for indicator in indicators:
            for year in range(2015, 2025):
                snapshots.store_imported(indicator, library, year, 1, 2 if indicator.is_share else None)
    union = Indicator.objects.get(code="prog-union-catalogue")
    with django_assert_max_num_queries(4):  # indicators, the grouped values, the targets, when computed
        overview = dashboard.overview(network["prov"])
    assert len(overview.years) == 10 and overview.rows[0].point.libraries == 12
    with django_assert_max_num_queries(5):  # values by year, targets, the year's libraries, the children
        page = dashboard.detail(network["prov"], union)
        dashboard.drill_down(page)
        dashboard.ranking(page)
        dashboard.map_features(page)
