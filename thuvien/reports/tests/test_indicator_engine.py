"""The engine: aggregation, targets, live figures and stored values agree."""

import pytest

from thuvien.reports import snapshots
from thuvien.reports.indicators import Measure, aggregate, target_status
from thuvien.reports.models import Indicator, IndicatorTarget
from thuvien.reports.periods import Period


def test_period_bounds():
    assert Period(2025).start.isoformat() == "2025-01-01"
    assert Period(2025).end.isoformat() == "2025-12-31"
    assert Period(2025, 2).start.isoformat() == "2025-04-01"
    assert Period(2025, 2).end.isoformat() == "2025-06-30"
    assert Period(2025, 4).end_exclusive_date.isoformat() == "2026-01-01"
    with pytest.raises(ValueError):
        Period(2025, 5)


def test_ratio_aggregates_numerators_and_denominators_not_shares():
    share = Indicator(code="x", aggregation="ratio")
    num, den, n = aggregate(share, [Measure(7, 10), Measure(1, 90)])
    assert (num, den, n) == (8, 100, 2)  # 8 %, not the mean of 70 % and 1 %


def test_max_and_sum():
    assert aggregate(Indicator(code="f", aggregation="max"), [Measure(3), Measure(40)])[0] == 40
    assert aggregate(Indicator(code="s", aggregation="sum"), [Measure(3), Measure(40)])[0] == 43


def test_target_status_respects_direction():
    assert target_status(Indicator(higher_is_better=True), 0.7, 0.6) == "above"
    assert target_status(Indicator(higher_is_better=True), 0.5, 0.6) == "below"
    assert target_status(Indicator(higher_is_better=False), 10, 7) == "below"
    assert target_status(Indicator(higher_is_better=True), None, 0.6) is None


@pytest.mark.django_db
def test_seeded_indicators_exist():
    codes = set(Indicator.objects.values_list("code", flat=True))
    assert {"prog-digitised-rare", "prog-staff-trained", "loans", "harvest-freshness"} <= codes


@pytest.mark.django_db
def test_stored_imported_values_sum_over_the_subtree_and_meet_targets(network):
    indicator = Indicator.objects.get(code="prog-union-catalogue")
    snapshots.store_imported(indicator, network["commune"], 2023, 1, 1)
    snapshots.store_imported(indicator, network["school"], 2023, 0, 1)
    snapshots.store_imported(indicator, network["other_prov"], 2023, 1, 1)
    IndicatorTarget.objects.create(indicator=indicator, province=network["prov"], year=2023, value=0.4)
    stored = snapshots.series(network["prov"], [indicator], [2023])[(indicator.pk, 2023)]
    assert (stored.numerator, stored.denominator, stored.libraries) == (1, 2, 2)
    assert stored.value == 0.5
    children = dict((lib.code, s.value) for lib, s in snapshots.by_child(network["prov"], indicator, 2023))
    assert children == {"VN-TST-XA": 1.0, "VN-TST-THPT": 0.0}
