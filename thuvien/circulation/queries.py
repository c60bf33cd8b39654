"""Circulation reads: the rule for a checkout, calendars, a reader's account, queues, pull lists."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import Q, Sum
from django.utils import timezone

from thuvien.accounts.models import Role
from thuvien.accounts.queries import libraries_for
from thuvien.circulation import policies
from thuvien.circulation.models import (
    ACTIVE_HOLD_STATUSES,
    CirculationRule,
    Closure,
    Delivery,
    Fee,
    Hold,
    HoldStatus,
    Loan,
)
from thuvien.network.models import Library

CAN_CIRCULATE = {Role.ADMIN, Role.CIRCULATION}


def path_codes(library: Library) -> list[str]:
    return [code for code in library.path.strip("/").split("/") if code]


def network_root(library: Library) -> str:
    """The code of the root of LIBRARY's tree: one reader card is good everywhere below it."""
    return path_codes(library)[0]


def rule_for(library: Library, category_id: int | None, item_type: str | None) -> policies.Rule:
    """Return the circulation rule for a loan at LIBRARY to a reader of CATEGORY_ID of an ITEM_TYPE copy."""
    codes = path_codes(library)
    cells = CirculationRule.objects.filter(library__code__in=codes).select_related("library", "category")
    rows = []
    for cell in cells:
        cell.library_code = cell.library.code
        cell.category_code = cell.category.code if cell.category_id else None
        rows.append(cell)
    return policies.choose_rule(rows, codes, category_id, item_type)


def closed_checker(library: Library):
    """Return is_closed(date) for LIBRARY: its closures and those of every library above it."""
    closures = list(
        Closure.objects.filter(library__code__in=path_codes(library)).values_list("date", "weekday")
    )
    dates = {d for d, _w in closures if d is not None}
    weekdays = {w for _d, w in closures if w is not None}
    return lambda day: day in dates or day.weekday() in weekdays


def owed(reader) -> Decimal:
    total = Fee.objects.filter(reader=reader).aggregate(
        amount=Sum("amount"), paid=Sum("paid"), waived=Sum("waived")
    )
    return (total["amount"] or 0) - (total["paid"] or 0) - (total["waived"] or 0)


@dataclass
class Standing:
    """A reader's numbers the desk decides on: open loans, overdue ones, those of one copy type, debt."""

    loans: int
    overdue: int
    same_type: int
    owed: Decimal


def standing(reader, now: dt.datetime, item_type: str | None = None) -> Standing:
    """READER's open loans (all, overdue at NOW, of ITEM_TYPE) and what he owes, in one query.

    Plain SQL: checkout runs it on every loan, and the ORM took longer to build the four subqueries
    than the database to answer them (measured with bench/checkouts_http.py).
    """
    from thuvien.catalog.models import Item

    loans, items, fees = Loan._meta.db_table, Item._meta.db_table, Fee._meta.db_table
    sql = (
        f"SELECT (SELECT COUNT(*) FROM {loans} WHERE reader_id = %s AND returned_at IS NULL),"  # noqa: S608
        f" (SELECT COUNT(*) FROM {loans} WHERE reader_id = %s AND returned_at IS NULL AND due_at < %s),"
        f" (SELECT COUNT(*) FROM {loans} l JOIN {items} i ON i.id = l.item_id"
        f" WHERE l.reader_id = %s AND l.returned_at IS NULL AND i.item_type = %s),"
        f" (SELECT COALESCE(SUM(amount - paid - waived), 0) FROM {fees} WHERE reader_id = %s)"
    )
    params = [reader.pk, reader.pk, connection.ops.adapt_datetimefield_value(now), reader.pk, item_type or "",
              reader.pk]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        total, overdue, same_type, debt = cursor.fetchone()
    return Standing(loans=total, overdue=overdue, same_type=same_type, owed=Decimal(str(debt)))


def reader_blocks(
    reader, now: dt.datetime | None = None, numbers: Standing | None = None
) -> list[policies.Block]:
    """What stops READER from borrowing at NOW; NUMBERS, when the caller has them, saves the query."""
    now = now or timezone.now()
    numbers = numbers or standing(reader, now)
    return policies.blocks(
        status=reader.status,
        expires_on=reader.expires_on,
        today=timezone.localdate(now),
        owed=numbers.owed,
        threshold=Decimal(settings.FINE_BLOCK_THRESHOLD),
        overdue=numbers.overdue,
    )


def hold_position(hold: Hold) -> int:
    """1 for the first in the queue of its title; 0 once a copy is trapped for it."""
    if hold.status != HoldStatus.WAITING:
        return 0
    return (
        Hold.objects.filter(record_id=hold.record_id, status=HoldStatus.WAITING)
        .filter(Q(placed_at__lt=hold.placed_at) | Q(placed_at=hold.placed_at, pk__lt=hold.pk))
        .count()
        + 1
    )


@dataclass
class ReaderAccount:
    reader: object
    loans: list = field(default_factory=list)
    holds: list = field(default_factory=list)
    fees: list = field(default_factory=list)
    deliveries: list = field(default_factory=list)
    owed: Decimal = Decimal(0)
    blocks: list = field(default_factory=list)
    overdue: int = 0


def reader_account(reader, now: dt.datetime | None = None) -> ReaderAccount:
    """Everything the desk and the reader see about an account, in a fixed number of queries."""
    now = now or timezone.now()
    loans = list(
        Loan.objects.filter(reader=reader, returned_at__isnull=True)
        .select_related("item", "item__record", "library")
        .order_by("due_at", "pk")
    )
    for loan in loans:
        loan.overdue = loan.due_at < now
    holds = list(
        Hold.objects.filter(reader=reader, status__in=ACTIVE_HOLD_STATUSES)
        .select_related("record", "pickup_library", "item")
        .order_by("placed_at", "pk")
    )
    waiting = [h for h in holds if h.status == HoldStatus.WAITING]
    if waiting:
        # One query for every queue position instead of one per hold.
        ahead = {}
        queue = (
            Hold.objects.filter(record_id__in={h.record_id for h in waiting}, status=HoldStatus.WAITING)
            .order_by("placed_at", "pk")
            .values_list("pk", "record_id")
        )
        counters: dict[int, int] = {}
        for pk, record_id in queue:
            counters[record_id] = counters.get(record_id, 0) + 1
            ahead[pk] = counters[record_id]
        for hold in waiting:
            hold.position = ahead.get(hold.pk, 0)
    fees = [
        f
        for f in Fee.objects.filter(reader=reader).select_related("loan__item__record").order_by("created_at")
        if f.outstanding > 0
    ]
    total = sum((f.outstanding for f in fees), Decimal(0))
    overdue = sum(1 for loan in loans if loan.overdue)
    account = ReaderAccount(
        reader=reader,
        loans=loans,
        holds=holds,
        fees=fees,
        deliveries=list(
            Delivery.objects.filter(reader=reader)
            .select_related("record", "library")
            .order_by("-requested_at")[:50]
        ),
        owed=total,
        overdue=overdue,
    )
    account.blocks = policies.blocks(
        status=reader.status,
        expires_on=reader.expires_on,
        today=timezone.localdate(now),
        owed=total,
        threshold=Decimal(settings.FINE_BLOCK_THRESHOLD),
        overdue=overdue,
    )
    return account


def loan_history(reader, limit: int = 200):
    """Returned loans the reader chose to keep (history is only kept with consent)."""
    return (
        Loan.objects.filter(reader=reader, returned_at__isnull=False)
        .select_related("item__record", "library")
        .order_by("-returned_at")[:limit]
    )


def holds_to_pull(library: Library):
    """Waiting holds that a copy on the shelf at LIBRARY could fill: the morning pull list."""
    from thuvien.catalog.models import Item, ItemStatus

    records = Item.objects.filter(library=library, status=ItemStatus.AVAILABLE).values("record_id")
    today = timezone.localdate()
    return (
        Hold.objects.filter(status=HoldStatus.WAITING, record_id__in=records)
        .filter(Q(suspended_until__isnull=True) | Q(suspended_until__lt=today))
        .select_related("record", "pickup_library", "reader")
        .order_by("placed_at", "pk")
    )


def circulation_libraries(user):
    """The libraries where USER may run the circulation desk."""
    return libraries_for(user, CAN_CIRCULATE)


def can_circulate_at(user, library: Library) -> bool:
    return circulation_libraries(user).filter(pk=library.pk).exists()


def can_serve_reader(user, reader, library: Library) -> bool:
    """Staff at LIBRARY may lend to READER when the library is theirs and the card belongs to its network."""
    return can_circulate_at(user, library) and network_root(reader.home_library) == network_root(library)


def can_manage_reader(user, reader) -> bool:
    """Edit a reader, see his personal data, waive his fines: staff of his home library's subtree."""
    return circulation_libraries(user).filter(pk=reader.home_library_id).exists()
