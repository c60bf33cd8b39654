"""Writes to the indicators themselves: create and edit them, ask for their stored values to be refreshed.

Who may: managers (of any province) and superusers edit what an indicator is called and covers; only
superusers change how it is computed (source, parameters, aggregation, programme flag), since a wrong
source silently changes every province's figures.
"""

from __future__ import annotations

import re

from django.db import transaction
from django.utils.translation import gettext as _

from thuvien.accounts.policies import CAN_SET_TARGETS
from thuvien.accounts.queries import libraries_for
from thuvien.audit import actions as audit
from thuvien.network.models import Library, LibraryKind
from thuvien.reports.indicators import COMPUTATIONS, REPORT_PREFIX
from thuvien.reports.models import Aggregation, Indicator, Unit

# What a manager may change; a superuser may change these and SOURCE_FIELDS.
DESCRIPTIVE_FIELDS = (
    "name",
    "description",
    "unit",
    "library_kinds",
    "active",
    "position",
    "higher_is_better",
)
SOURCE_FIELDS = ("source", "params", "aggregation", "programme")
REPORT_SOURCE = re.compile(rf"{re.escape(REPORT_PREFIX)}[a-z0-9_]{{1,60}}")


class IndicatorError(ValueError):
    """An indicator change refused; the message is for the person editing (translated)."""


def can_edit_indicators(user) -> bool:
    """May USER edit the indicators' names, units, coverage and order (managers and superusers)?"""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or libraries_for(user, CAN_SET_TARGETS).exists()


def can_edit_sources(user) -> bool:
    """May USER change how indicators are computed, and create new ones (superusers only)?"""
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_superuser)


def can_refresh(user, scope: Library) -> bool:
    """May USER ask for SCOPE's stored values to be recomputed (a manager over it, or a superuser)?"""
    return libraries_for(user, CAN_SET_TARGETS).filter(pk=scope.pk).exists()


def known_sources() -> list[str]:
    """Return the registered computations' keys (importing them registers them)."""
    try:
        import thuvien.reports.computations  # noqa: F401
    except ImportError:  # an installation without computations still edits report-based indicators
        pass
    return sorted(COMPUTATIONS)


def check_source(source: str) -> str:
    """Return SOURCE if it names a registered computation or a statistics report field, else raise."""
    source = (source or "").strip()
    if REPORT_SOURCE.fullmatch(source) or source in known_sources():
        return source
    raise IndicatorError(
        _("Nguồn “%(source)s” không phải là một phép tính đã đăng ký hoặc report:<mã trường>.")
        % {"source": source}
    )


def _clean(fields: dict) -> dict:
    cleaned = dict(fields)
    if "library_kinds" in cleaned:
        kinds = [k for k in cleaned["library_kinds"] or [] if k in LibraryKind.values]
        cleaned["library_kinds"] = sorted(set(kinds))
    if "source" in cleaned:
        cleaned["source"] = check_source(cleaned["source"])
    if "params" in cleaned and not isinstance(cleaned["params"] or {}, dict):
        raise IndicatorError(_('Tham số phải là một đối tượng JSON, ví dụ {"kinds": ["rare"]}.'))
    return cleaned


def _check_shape(indicator: Indicator) -> None:
    # A share is a percentage and a percentage is a share: the pages format one by the other.
    if (indicator.aggregation == Aggregation.RATIO) != (indicator.unit == Unit.PERCENT):
        raise IndicatorError(_("Chỉ tiêu tỷ lệ có đơn vị %, và chỉ chỉ tiêu tỷ lệ có đơn vị %."))


def create_indicator(actor, **fields) -> Indicator:
    """Create an indicator from FIELDS (code, name, source, unit, ...); audit it."""
    fields = _clean(fields)
    code = (fields.get("code") or "").strip()
    if not code:
        raise IndicatorError(_("Cần mã chỉ tiêu."))
    with transaction.atomic():
        if Indicator.objects.filter(code=code).exists():
            raise IndicatorError(_("Đã có chỉ tiêu mã %(code)s.") % {"code": code})
        indicator = Indicator(**fields)
        _check_shape(indicator)
        indicator.full_clean()
        indicator.save()
        audit.record("reports.indicator.created", actor=actor, obj=indicator, code=indicator.code,
                     fields={k: _jsonable(getattr(indicator, k)) for k in DESCRIPTIVE_FIELDS + SOURCE_FIELDS})  # fmt: skip
    return indicator


def update_indicator(indicator: Indicator, actor, **fields) -> dict:
    """Change INDICATOR's FIELDS; return {field: [old, new]} of what changed (audited), empty for nothing."""
    unknown = set(fields) - set(DESCRIPTIVE_FIELDS) - set(SOURCE_FIELDS)
    if unknown:
        raise IndicatorError(f"unknown indicator fields: {sorted(unknown)}")
    fields = _clean(fields)
    with transaction.atomic():
        current = Indicator.objects.select_for_update().get(pk=indicator.pk)
        changes = {}
        for name, value in fields.items():
            old = getattr(current, name)
            if old != value:
                changes[name] = [_jsonable(old), _jsonable(value)]
                setattr(current, name, value)
        if not changes:
            return {}
        _check_shape(current)
        current.full_clean()
        current.save(update_fields=list(changes))
        audit.record(
            "reports.indicator.updated", actor=actor, obj=current, code=current.code, changes=changes
        )
    for name in changes:
        setattr(indicator, name, getattr(current, name))
    return changes


def _jsonable(value):
    return value if isinstance(value, str | int | float | bool | list | dict | type(None)) else str(value)


def request_refresh(scope: Library, year: int, actor) -> None:
    """Queue the recomputation of SCOPE's stored values of YEAR once this transaction commits; audit it."""
    from thuvien.reports import tasks

    with transaction.atomic():
        audit.record(
            "reports.indicators.refresh_requested", actor=actor, library=scope, obj=scope, year=int(year)
        )
        scope_id = scope.pk
        transaction.on_commit(lambda: tasks.refresh_indicators.enqueue(year=int(year), scope_id=scope_id))
