"""Setting and clearing a province's targets: validated, audited per change, typed as a manager types them."""

from __future__ import annotations

import pytest

from thuvien.audit.models import AuditEntry
from thuvien.reports.models import Indicator, IndicatorTarget
from thuvien.reports.targets import TargetError, clear_target, parse_typed, set_target

pytestmark = pytest.mark.django_db


@pytest.fixture
def union(network):
    return Indicator.objects.get(code="prog-union-catalogue")


def test_set_change_and_clear_a_target_with_one_audit_entry_per_change(network, union, manager):
    prov = network["prov"]
    target = set_target(union, prov, 2025, 0.7, actor=manager, note="KH 12")
    assert (target.value, target.note) == (0.7, "KH 12")
    set_target(union, prov, 2025, 0.7, actor=manager)  # no change: no entry
    set_target(union, prov, 2025, 0.75, actor=manager)
    assert IndicatorTarget.objects.get(indicator=union, province=prov, year=2025).note == "KH 12"
    assert clear_target(union, prov, 2025, actor=manager) is True
    assert clear_target(union, prov, 2025, actor=manager) is False
    entries = AuditEntry.objects.filter(type__startswith="reports.target.").order_by("id")
    assert [(e.type, e.data["old"], e.data.get("new")) for e in entries] == [
        ("reports.target.set", None, 0.7),
        ("reports.target.set", 0.7, 0.75),
        ("reports.target.cleared", 0.75, None),
    ]
    assert all(e.library == prov and e.actor == manager for e in entries)


def test_targets_are_refused_outside_their_range(network, union, manager):
    loans = Indicator.objects.get(code="loans")
    for indicator, library, year, value in (
        (union, network["prov"], 2025, 1.2),  # a share above 100 %
        (union, network["prov"], 2025, -0.1),
        (loans, network["prov"], 2025, -5),
        (loans, network["prov"], 2025, float("nan")),
        (loans, network["prov"], 1999, 5),
        (loans, network["commune"], 2025, 5),  # targets are a province's
    ):
        with pytest.raises(TargetError):
            set_target(indicator, library, year, value, actor=manager)
    assert not IndicatorTarget.objects.exists()


def test_parse_typed_reads_percent_and_vietnamese_numbers(union):
    loans = Indicator.objects.get(code="loans")
    assert parse_typed(union, "70") == pytest.approx(0.7)
    assert parse_typed(union, "72,5 %") == pytest.approx(0.725)
    assert parse_typed(union, "72.5") == pytest.approx(0.725)
    assert parse_typed(union, "  ") is None
    assert parse_typed(loans, "1.500") == 1500
    assert parse_typed(loans, "1.234.567,5") == 1234567.5
    assert parse_typed(loans, "2.5") == 2.5
    for bad in ("abc", "1e999", "--1"):
        with pytest.raises(TargetError):
            parse_typed(loans, bad)
    with pytest.raises(TargetError):
        parse_typed(union, "101")
