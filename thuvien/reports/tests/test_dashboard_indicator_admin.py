"""Editing the indicators: who may, what is checked, the audit trail; asking for a refresh."""

from __future__ import annotations

import pytest

from thuvien.accounts.models import User
from thuvien.audit.models import AuditEntry
from thuvien.reports import indicator_admin
from thuvien.reports.indicator_admin import IndicatorError, create_indicator, update_indicator
from thuvien.reports.models import Indicator

pytestmark = pytest.mark.django_db


def test_who_may_edit_and_refresh(network, manager, inspector, commune_librarian, provincial_librarian):
    root = User.objects.create_superuser("quantri", password="mat-khau-thu-nghiem-1")  # noqa: S106
    assert indicator_admin.can_edit_indicators(manager) and indicator_admin.can_edit_indicators(root)
    for user in (inspector, commune_librarian, provincial_librarian):
        assert not indicator_admin.can_edit_indicators(user)
        assert not indicator_admin.can_refresh(user, network["prov"])
    assert indicator_admin.can_edit_sources(root) and not indicator_admin.can_edit_sources(manager)
    assert indicator_admin.can_refresh(manager, network["commune"])
    assert not indicator_admin.can_refresh(manager, network["other_prov"])


def test_update_records_only_what_changed(network, manager):
    loans = Indicator.objects.get(code="loans")
    assert update_indicator(loans, manager, name="Lượt mượn", position=loans.position) == {}
    changes = update_indicator(loans, manager, library_kinds=["school", "commune", "bogus"], active=False)
    assert changes == {"library_kinds": [[], ["commune", "school"]], "active": [True, False]}
    assert Indicator.objects.get(code="loans").library_kinds == ["commune", "school"]
    assert AuditEntry.objects.filter(type="reports.indicator.updated").count() == 1
    with pytest.raises(IndicatorError):
        update_indicator(loans, manager, unit="percent")  # a count cannot be a percentage
    with pytest.raises(IndicatorError):
        update_indicator(loans, manager, code="other")


def test_create_checks_the_source(network):
    with pytest.raises(IndicatorError):
        create_indicator(None, code="x", name="X", source="no_such_computation", unit="count")
    with pytest.raises(IndicatorError):
        create_indicator(None, code="x", name="X", source="report:Bad Field", unit="count")
    made = create_indicator(None, code="x", name="X", source="report:events", unit="count", aggregation="sum")
    assert made.pk and AuditEntry.objects.filter(type="reports.indicator.created").count() == 1


def test_request_refresh_enqueues_after_commit(
    network, manager, monkeypatch, django_capture_on_commit_callbacks
):
    from thuvien.reports import tasks

    calls = []
    monkeypatch.setattr(
        tasks, "refresh_indicators", type("T", (), {"enqueue": lambda self, **kw: calls.append(kw)})()
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        indicator_admin.request_refresh(network["prov"], 2024, actor=manager)
    assert calls == [] and len(callbacks) == 1  # nothing queued before the commit
    callbacks[0]()
    assert calls == [{"year": 2024, "scope_id": network["prov"].pk}]
