"""Writes to a province's targets: set or clear one indicator's target for one year, audited."""

from __future__ import annotations

import math
import re

from django.db import transaction
from django.utils.translation import gettext as _

from thuvien.audit import actions as audit
from thuvien.network.models import Library
from thuvien.reports.models import Indicator, IndicatorTarget

FIRST_YEAR, LAST_YEAR = 2000, 2100


class TargetError(ValueError):
    """A target refused; the message is for the manager (translated)."""


def check_value(indicator: Indicator, value: float) -> float:
    """Return VALUE as a float if it can be INDICATOR's target (a share 0..1, a count ≥ 0), else raise."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise TargetError(_("Mục tiêu phải là một số.")) from None
    if not math.isfinite(value):
        raise TargetError(_("Mục tiêu phải là một số."))
    if indicator.is_share and not 0 <= value <= 1:
        raise TargetError(_("Tỷ lệ mục tiêu phải từ 0 đến 100 %."))
    if value < 0:
        raise TargetError(_("Mục tiêu không được âm."))
    return value


def _check(province: Library, year: int) -> None:
    if province.parent_id is not None:
        raise TargetError(_("Mục tiêu đặt cho cấp tỉnh (thư viện gốc của mạng lưới)."))
    if not FIRST_YEAR <= int(year) <= LAST_YEAR:
        raise TargetError(_("Năm phải từ %(first)d đến %(last)d.") % {"first": FIRST_YEAR, "last": LAST_YEAR})


def set_target(indicator: Indicator, province: Library, year: int, value: float, actor, note: str = "") -> IndicatorTarget:  # fmt: skip
    """Set PROVINCE's target of INDICATOR for YEAR (a share as 0..1); audit it when it changes."""
    _check(province, year)
    value = check_value(indicator, value)
    note = (note or "").strip()[:300]
    with transaction.atomic():
        target = (
            IndicatorTarget.objects.select_for_update()
            .filter(indicator=indicator, province=province, year=year)
            .first()
        )
        old = None if target is None else target.value
        if target is None:
            target = IndicatorTarget.objects.create(
                indicator=indicator, province=province, year=year, value=value, note=note
            )
        elif target.value == value and (not note or target.note == note):
            return target
        else:
            target.value = value
            if note:
                target.note = note
            target.save(update_fields=["value", "note"])
        audit.record("reports.target.set", actor=actor, library=province, obj=target,
                     indicator=indicator.code, year=int(year), old=old, new=value, note=note)  # fmt: skip
    return target


def clear_target(indicator: Indicator, province: Library, year: int, actor, note: str = "") -> bool:
    """Remove PROVINCE's target of INDICATOR for YEAR; return whether there was one."""
    _check(province, year)
    with transaction.atomic():
        target = (
            IndicatorTarget.objects.select_for_update()
            .filter(indicator=indicator, province=province, year=year)
            .first()
        )
        if target is None:
            return False
        audit.record("reports.target.cleared", actor=actor, library=province, obj=target,
                     indicator=indicator.code, year=int(year), old=target.value,
                     note=(note or "").strip()[:300])  # fmt: skip
        target.delete()
    return True


_GROUPED = re.compile(r"\d{1,3}(\.\d{3})+")


def parse_typed(indicator: Indicator, text: str) -> float | None:
    """Read a target as a manager types it: "70" or "70,5" (%) for a share, "1.234" for a count; None if empty.

    A share is typed in percent and returned as 0..1. Raise TargetError on anything that is not a number.
    """
    text = (text or "").strip().replace("\u00a0", "").replace(" ", "").removesuffix("%")
    if not text:
        return None
    if "," in text:
        text = text.replace(".", "").replace(",", ".")  # 1.234,5: dots group thousands, the comma is decimal
    elif not indicator.is_share and _GROUPED.fullmatch(text):
        text = text.replace(".", "")  # 1.234 is a thousand and more in Vietnamese, not one and a bit
    try:
        value = float(text)
    except ValueError:
        raise TargetError(_("“%(text)s” không phải là một số.") % {"text": text[:40]}) from None
    if not math.isfinite(value):
        raise TargetError(_("Mục tiêu phải là một số."))
    return check_value(indicator, value / 100 if indicator.is_share else value)
