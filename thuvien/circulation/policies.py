"""Pure circulation rules: which rule applies, due dates over a calendar, fines, blocks. No database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

DELIVERY_TRANSITIONS = {
    "requested": ("packed", "cancelled"),
    "packed": ("shipped", "cancelled"),
    "shipped": ("delivered",),
    "delivered": ("returned",),
    "returned": (),
    "cancelled": (),
}


@dataclass(frozen=True)
class Rule:
    loan_days: int = 14
    loan_hours: int = 0
    renewals: int = 2
    renewal_days: int = 14
    max_loans_type: int | None = None
    max_loans_total: int = 10
    max_holds: int = 5
    pickup_days: int = 7
    fine_per_day: Decimal = Decimal(2000)
    fine_cap: Decimal = Decimal(50000)
    grace_days: int = 0
    delivery_fee: Decimal = Decimal(30000)
    source: str = ""  # which cell it came from, shown to librarians: "VN-NB / adult / *"

    FIELDS = (
        "loan_days loan_hours renewals renewal_days max_loans_type max_loans_total max_holds pickup_days "
        "fine_per_day fine_cap grace_days delivery_fee"
    ).split()


DEFAULT_RULE = Rule(source="default")


def choose_rule(
    cells: Iterable, library_codes: Sequence[str], category_id: int | None, item_type: str | None
) -> Rule:
    """Pick the rule for a checkout at the last library of LIBRARY_CODES (the path from the root).

    The nearest library that has a matching cell wins (a commune overrides its province); inside one
    library the most specific cell wins: category and type, then category, then type, then neither.
    CELLS are rows with library_code, category_id, item_type and the Rule fields.
    """
    depth = {code: i for i, code in enumerate(library_codes)}
    best, best_key = None, None
    for cell in cells:
        if cell.library_code not in depth:
            continue
        if cell.category_id is not None and cell.category_id != category_id:
            continue
        if cell.item_type and cell.item_type != (item_type or ""):
            continue
        key = (depth[cell.library_code], cell.category_id is not None, bool(cell.item_type))
        if best_key is None or key > best_key:
            best, best_key = cell, key
    if best is None:
        return DEFAULT_RULE
    source = f"{best.library_code} / {getattr(best, 'category_code', None) or '*'} / {best.item_type or '*'}"
    return Rule(**{name: getattr(best, name) for name in Rule.FIELDS}, source=source)


def next_open_day(day: dt.date, is_closed: Callable[[dt.date], bool]) -> dt.date:
    """Return DAY, or the first day after it the library is open (at most a year on)."""
    for _step in range(366):
        if not is_closed(day):
            return day
        day += dt.timedelta(days=1)
    return day  # a library closed all year: keep the date rather than loop


def due_at(
    start: dt.datetime, rule: Rule, is_closed: Callable[[dt.date], bool], days: int | None = None
) -> dt.datetime:
    """Return when a loan started at START (aware, local time) falls due: end of an open day, or hours on.

    An hourly loan that would fall due on a closed day falls due at the same hour on the next open day.
    """
    start = timezone.localtime(start)  # the library's day, whatever zone START was given in
    if rule.loan_hours and days is None:
        due = timezone.localtime(start + dt.timedelta(hours=rule.loan_hours))
        day = next_open_day(due.date(), is_closed)
        return due if day == due.date() else due.replace(year=day.year, month=day.month, day=day.day)
    day = next_open_day(start.date() + dt.timedelta(days=rule.loan_days if days is None else days), is_closed)
    return start.replace(
        year=day.year, month=day.month, day=day.day, hour=23, minute=59, second=59, microsecond=0
    )


def overdue_days(due: dt.datetime, now: dt.datetime) -> int:
    """Whole days late: calendar days for day loans (due at 23:59:59), started days for hourly loans."""
    if now <= due:
        return 0
    due_local, now_local = timezone.localtime(due), timezone.localtime(now)
    if (due_local.hour, due_local.minute) == (23, 59):
        return (now_local.date() - due_local.date()).days
    late = now - due
    return late.days + (1 if late.seconds or late.microseconds else 0)


def overdue_fine(due: dt.datetime, now: dt.datetime, rule: Rule) -> Decimal:
    """The fine for a loan due at DUE, at NOW: nothing within the grace days, then per day up to the cap."""
    days = overdue_days(due, now)
    if days <= rule.grace_days:
        return Decimal(0)
    return min(rule.fine_per_day * days, rule.fine_cap).quantize(Decimal(1))


@dataclass(frozen=True)
class Block:
    code: str  # stable, for machines (SIP2 flags, API): expired, status, fines, overdue
    message: str


def blocks(
    *,
    status: str,
    expires_on: dt.date | None,
    today: dt.date,
    owed: Decimal,
    threshold: Decimal,
    overdue: int,
) -> list[Block]:
    """Return what stops a reader from borrowing, each with the message the desk and the kiosk show."""
    found = []
    if status == "pending":
        found.append(Block("status", _("Thẻ đang chờ thư viện duyệt.")))
    elif status != "active":
        found.append(Block("status", _("Thẻ đang bị khóa. Vui lòng liên hệ thủ thư.")))
    if expires_on is not None and expires_on < today:
        found.append(
            Block(
                "expired",
                _("Thẻ đã hết hạn ngày %(date)s. Vui lòng gia hạn thẻ.") % {"date": f"{expires_on:%d/%m/%Y}"},
            )
        )
    if owed > threshold:
        found.append(
            Block(
                "fines",
                _("Bạn đọc còn nợ %(owed)s đ, vượt mức %(limit)s đ. Vui lòng thanh toán trước khi mượn.")
                % {"owed": money(owed), "limit": money(threshold)},
            )
        )
    if overdue:
        found.append(
            Block("overdue", _("Bạn đọc có %(count)d tài liệu quá hạn chưa trả.") % {"count": overdue})
        )
    return found


def money(amount: Decimal | int) -> str:
    """Format đồng the Vietnamese way: 50.000."""
    return f"{int(amount):,}".replace(",", ".")


def can_advance_delivery(current: str, target: str) -> bool:
    return target in DELIVERY_TRANSITIONS.get(current, ())
