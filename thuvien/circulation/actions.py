"""Every circulation write: checkout, checkin, renew, holds, transits, fees, payments, deliveries.

Each action runs in one transaction, locks the rows it decides on (DESIGN.md §4.3), writes an audit
entry and queues the record for reindexing (availability is a facet). Refusals raise CirculationError
with a message in Vietnamese for the desk, the kiosk and the reader.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from thuvien.audit.actions import record as audit
from thuvien.catalog.models import Item, ItemStatus, Record
from thuvien.circulation import notices, policies
from thuvien.circulation.exceptions import CirculationError
from thuvien.circulation.models import (
    ACTIVE_HOLD_STATUSES,
    Delivery,
    DeliveryEvent,
    DeliveryStatus,
    Fee,
    FeeKind,
    Hold,
    HoldStatus,
    Loan,
    Payment,
    PaymentLine,
    Transit,
)
from thuvien.circulation.queries import closed_checker, network_root, rule_for, standing
from thuvien.network.models import Library
from thuvien.patrons.models import Reader
from thuvien.search.indexer import enqueue

UNLENDABLE = {
    ItemStatus.READING_ROOM: ("reading_room", gettext_lazy("Tài liệu chỉ đọc tại chỗ, không cho mượn về.")),
    ItemStatus.IN_PROCESSING: ("processing", gettext_lazy("Tài liệu đang được xử lý, chưa cho mượn.")),
    ItemStatus.LOST: (
        "lost",
        gettext_lazy(
            "Bản này đang ghi là mất. Hãy trả (checkin) để ghi nhận đã tìm thấy trước khi cho mượn."
        ),
    ),
    ItemStatus.MISSING: (
        "missing",
        gettext_lazy("Bản này đang ghi là không tìm thấy. Hãy trả (checkin) trước khi cho mượn."),
    ),
    ItemStatus.DAMAGED: ("damaged", gettext_lazy("Bản này đang ghi là hư hỏng, không cho mượn.")),
    ItemStatus.WITHDRAWN: ("withdrawn", gettext_lazy("Bản này đã thanh lý.")),
}


def _now(now: dt.datetime | None) -> dt.datetime:
    return timezone.localtime(now or timezone.now())


def _lock_item(item: Item | int | str) -> Item:
    """Lock the copy's row for the rest of the transaction (by object, id or barcode)."""
    query = Item.objects.select_for_update().select_related("record", "library")
    try:
        if isinstance(item, Item):
            return query.get(pk=item.pk)
        if isinstance(item, int):
            return query.get(pk=item)
        return query.get(barcode=str(item).strip())
    except Item.DoesNotExist:
        raise CirculationError("item_unknown", _("Không có bản sách mang mã vạch này.")) from None


def _lock_reader(reader: Reader | int | str) -> Reader:
    query = Reader.objects.select_for_update().select_related("category", "home_library")
    try:
        if isinstance(reader, Reader):
            return query.get(pk=reader.pk)
        if isinstance(reader, int):
            return query.get(pk=reader)
        return query.get(card=str(reader).strip())
    except Reader.DoesNotExist:
        raise CirculationError("reader_unknown", _("Không có bạn đọc mang số thẻ này.")) from None


def _set_status(item: Item, status: str, library: Library | None = None) -> None:
    item.status = status
    fields = ["status", "updated_at"]
    if library is not None:
        item.current_library = library
        fields.append("current_library")
    item.save(update_fields=fields)
    enqueue([item.record_id])


def _check_blocks(reader: Reader, now: dt.datetime, *, renewing: bool = False, numbers=None) -> None:
    from thuvien.circulation.queries import reader_blocks

    for block in reader_blocks(reader, now, numbers):
        if renewing and block.code == "overdue":
            continue  # renewing is how an overdue loan gets back in order
        raise CirculationError(f"blocked_{block.code}", block.message)


def _check_network(reader: Reader, library: Library) -> None:
    if network_root(reader.home_library) != network_root(library):
        raise CirculationError(
            "other_network", _("Thẻ này thuộc mạng lưới thư viện khác, không dùng được tại thư viện này.")
        )


# --- loans --------------------------------------------------------------------------------------


def checkout(
    *,
    item,
    reader,
    library: Library,
    actor=None,
    channel: str = Loan.Channel.DESK,
    now: dt.datetime | None = None,
    override: bool = False,
) -> Loan:
    """Lend copy ITEM to READER at LIBRARY; refuse with CirculationError if any rule says no."""
    now = _now(now)
    with transaction.atomic():
        item = _lock_item(item)
        reader = _lock_reader(reader)
        _check_network(reader, library)
        if network_root(item.library) != network_root(library):
            raise CirculationError(
                "item_other_network", _("Bản này thuộc thư viện của mạng lưới khác, không cho mượn tại đây.")
            )
        if item.status == ItemStatus.CHECKED_OUT:
            mine = Loan.objects.filter(item=item, reader=reader, returned_at__isnull=True).exists()
            if mine:
                raise CirculationError(
                    "already_yours", _("Bạn đọc đang mượn chính bản này; hãy gia hạn nếu cần.")
                )
            raise CirculationError("on_loan", _("Bản này đang được bạn đọc khác mượn."))
        if item.status in UNLENDABLE and not override:
            code, message = UNLENDABLE[item.status]
            raise CirculationError(code, str(message))
        hold = None
        if item.status == ItemStatus.ON_HOLD_SHELF:
            hold = Hold.objects.filter(item=item, status=HoldStatus.READY).first()
            if hold is not None and hold.reader_id != reader.pk and not override:
                raise CirculationError("held_for_other", _("Bản này đang được giữ cho bạn đọc khác."))
        elif item.status == ItemStatus.IN_TRANSIT and not override:
            raise CirculationError(
                "in_transit", _("Bản này đang luân chuyển; hãy nhận (checkin) trước khi cho mượn.")
            )
        if not override:
            # One query for the blocks and both loan limits (the copy and the reader are locked).
            numbers = standing(reader, now, item.item_type)
            _check_blocks(reader, now, numbers=numbers)
        rule = rule_for(library, reader.category_id, item.item_type)
        if not override:
            if numbers.loans >= rule.max_loans_total:
                raise CirculationError(
                    "limit_total",
                    _("Bạn đọc đã mượn %(count)d bản, tối đa được %(limit)d bản.")
                    % {"count": numbers.loans, "limit": rule.max_loans_total},
                )
            if rule.max_loans_type is not None and numbers.same_type >= rule.max_loans_type:
                raise CirculationError(
                    "limit_type",
                    _("Bạn đọc đã mượn %(count)d bản loại «%(type)s», tối đa %(limit)d bản.")
                    % {"count": numbers.same_type, "type": item.item_type, "limit": rule.max_loans_type},
                )
        due = policies.due_at(now, rule, closed_checker(library))
        try:
            # No savepoint of its own: a refusal leaves this transaction (or the caller's savepoint,
            # which transaction.atomic above is when nested) by the exception, rolled back whole.
            loan = Loan.objects.create(
                item=item,
                reader=reader,
                reader_category=reader.category.code,
                library=library,
                channel=channel,
                checked_out_at=now,
                due_at=due,
            )
        except IntegrityError:
            raise CirculationError("on_loan", _("Bản này vừa được cho mượn ở nơi khác.")) from None
        if hold is not None and hold.reader_id != reader.pk:
            # Lent over another reader's hold (override): his request goes back to its place in the queue.
            _requeue(hold, actor, library)
            hold = None
        if item.status == ItemStatus.IN_TRANSIT:
            # Lent from the transit cart (override): the journey ends here.
            transit = Transit.objects.select_for_update().filter(item=item, received_at__isnull=True).first()
            if transit is not None:
                transit.received_at = now
                transit.save(update_fields=["received_at"])
                travelling = transit.hold
                if travelling is not None and travelling.status == HoldStatus.IN_TRANSIT:
                    if travelling.reader_id != reader.pk:
                        _requeue(travelling, actor, library)
        if hold is None:
            # A reader borrowing a title he asked for fills his request with whichever copy he took.
            mine = (
                Hold.objects.filter(reader=reader, record_id=item.record_id, status__in=ACTIVE_HOLD_STATUSES)
                .values_list("pk", "item_id")
                .first()
            )
            if mine is not None:
                if mine[1] and mine[1] != item.pk:
                    _lock_item(mine[1])  # copies before holds, as checkin and cancel_hold lock them
                hold = (
                    Hold.objects.select_for_update()
                    .filter(pk=mine[0], status__in=ACTIVE_HOLD_STATUSES)
                    .first()
                )
        if hold is not None:
            set_aside = hold.item_id if hold.item_id != item.pk else None
            Hold.objects.filter(pk=hold.pk).update(status=HoldStatus.FILLED, closed_at=now, item=item)
            audit("circulation.hold.filled", actor=actor, library=library, obj=hold, loan=loan.pk)
            if set_aside is not None:
                _free_set_aside(set_aside, now, actor)
        _set_status(item, ItemStatus.CHECKED_OUT, library)
        audit(
            "circulation.loan.created",
            actor=actor,
            library=library,
            obj=loan,
            item=item.barcode,
            reader=reader.card,
            channel=channel,
            due=due.isoformat(),
            rule=rule.source,
            override=override,
        )
    return loan


@dataclass
class CheckinResult:
    """What the librarian does with the copy in hand: shelve it, put it on the hold shelf, or send it."""

    item: Item
    action: str  # "shelve", "hold_shelf", "transit"
    loan: Loan | None = None
    hold: Hold | None = None
    destination: Library | None = None
    fee: Fee | None = None
    message: str = ""


def checkin(
    *, item, library: Library, actor=None, channel: str = Loan.Channel.DESK, now: dt.datetime | None = None
) -> CheckinResult:
    """Take copy ITEM back at LIBRARY (any library of the network) and route it."""
    now = _now(now)
    with transaction.atomic():
        item = _lock_item(item)
        if network_root(item.library) != network_root(library):
            raise CirculationError(
                "other_network", _("Bản này thuộc thư viện của mạng lưới khác; hãy gửi trả thư viện sở hữu.")
            )
        loan = Loan.objects.select_for_update().filter(item=item, returned_at__isnull=True).first()
        fee = None
        if loan is not None:
            fee = _settle_overdue(loan, now, final=True)
            loan.returned_at = now
            loan.return_library = library
            loan.save(update_fields=["returned_at", "return_library"])
            audit(
                "circulation.loan.returned",
                actor=actor,
                library=library,
                obj=loan,
                item=item.barcode,
                channel=channel,
                fine=str(fee.amount) if fee else "0",
            )
        transit = Transit.objects.select_for_update().filter(item=item, received_at__isnull=True).first()
        if transit is not None:
            if transit.to_library_id != library.pk:
                # Scanned on the way: it keeps going where it was sent.
                _set_status(item, ItemStatus.IN_TRANSIT, library)
                return CheckinResult(
                    item, "transit", loan=loan, hold=transit.hold, destination=transit.to_library, fee=fee,
                    message=_("Tiếp tục chuyển đến %(library)s.") % {"library": transit.to_library.name},
                )  # fmt: skip
            transit.received_at = now
            transit.save(update_fields=["received_at"])
            audit(
                "circulation.transit.received", actor=actor, library=library, obj=transit, item=item.barcode
            )
            hold = transit.hold
            if hold is not None:
                hold.refresh_from_db()
                if hold.status == HoldStatus.IN_TRANSIT and hold.pickup_library_id == library.pk:
                    return _put_on_hold_shelf(item, hold, library, now, actor, loan=loan, fee=fee)
            # A transfer a librarian decided (send_transit) ends here: the copy is not sent straight back.
            stay = transit.reason == Transit.Reason.HOME and transit.to_library_id != item.library_id
            if transit.arrival_status:
                item.status = transit.arrival_status  # arrives as it left: damaged or withdrawn
            result = _route(item, library, now, actor, stay=stay)
            result.loan, result.fee = loan, fee
            return result
        if item.status == ItemStatus.ON_HOLD_SHELF:
            held = Hold.objects.select_for_update().filter(item=item, status=HoldStatus.READY).first()
            if held is not None:
                # Scanned again while set aside for a reader: it stays his (or goes on to his library).
                return _to_pickup(item, held, library, now, actor)
        result = _route(item, library, now, actor)
        result.loan, result.fee = loan, fee
        return result


def _hold_shelf_message(hold: Hold) -> str:
    return _("Giữ cho %(reader)s (thẻ %(card)s) trên kệ chờ nhận đến %(date)s.") % {
        "reader": hold.reader.full_name,
        "card": hold.reader.card,
        "date": f"{timezone.localtime(hold.expires_at):%d/%m/%Y}",
    }


def _to_pickup(item: Item, hold: Hold, library: Library, now, actor) -> CheckinResult:
    """A copy already set aside for HOLD, found at LIBRARY: keep it on the shelf there, or send it on."""
    hold = Hold.objects.select_related("reader", "pickup_library").get(pk=hold.pk)
    if hold.pickup_library_id == library.pk:
        return CheckinResult(
            item, "hold_shelf", hold=hold, destination=library, message=_hold_shelf_message(hold)
        )
    Hold.objects.filter(pk=hold.pk).update(status=HoldStatus.IN_TRANSIT, expires_at=None)
    transit = Transit.objects.create(item=item, from_library=library, to_library=hold.pickup_library,
                                     reason=Transit.Reason.HOLD, hold=hold, sent_at=now)  # fmt: skip
    _set_status(item, ItemStatus.IN_TRANSIT, library)
    audit(
        "circulation.transit.sent", actor=actor, library=library, obj=transit, item=item.barcode, hold=hold.pk
    )
    return CheckinResult(
        item, "transit", hold=hold, destination=hold.pickup_library,
        message=_("Giữ cho %(reader)s: chuyển đến %(library)s.")
        % {"reader": hold.reader.full_name, "library": hold.pickup_library.name},
    )  # fmt: skip


def _route(item: Item, library: Library, now: dt.datetime, actor, *, stay: bool = False) -> CheckinResult:
    """Send a copy that is free at LIBRARY where it is needed: a waiting hold, else home, else the shelf.

    STAY shelves it at LIBRARY instead of sending it home (the end of a transfer).
    """
    if item.status in (ItemStatus.LOST, ItemStatus.MISSING):
        audit("circulation.item.found", actor=actor, library=library, obj=item, previous=item.status)
    today = now.date()
    queue = (
        Hold.objects.select_for_update()
        .filter(record_id=item.record_id, status=HoldStatus.WAITING)
        .filter(Q(suspended_until__isnull=True) | Q(suspended_until__lt=today))
        .select_related("pickup_library", "reader")
        .order_by("placed_at", "pk")
    )
    waiting = [h for h in queue if network_root(h.pickup_library) == network_root(library)]
    if waiting and item.status not in (ItemStatus.DAMAGED, ItemStatus.WITHDRAWN, ItemStatus.READING_ROOM):
        # First come, first served; but a copy already at a pickup library serves the first hold there.
        here = [h for h in waiting if h.pickup_library_id == library.pk]
        hold = here[0] if here else waiting[0]
        if hold.pickup_library_id == library.pk:
            return _put_on_hold_shelf(item, hold, library, now, actor)
        updated = Hold.objects.filter(pk=hold.pk, status=HoldStatus.WAITING).update(
            status=HoldStatus.IN_TRANSIT, item=item, trapped_at=now
        )
        if updated:
            transit = Transit.objects.create(
                item=item, from_library=library, to_library=hold.pickup_library, reason=Transit.Reason.HOLD,
                hold=hold, sent_at=now,
            )  # fmt: skip
            _set_status(item, ItemStatus.IN_TRANSIT, library)
            audit(
                "circulation.hold.trapped",
                actor=actor,
                library=library,
                obj=hold,
                item=item.barcode,
                transit=transit.pk,
            )
            return CheckinResult(
                item, "transit", hold=hold, destination=hold.pickup_library,
                message=_("Giữ cho %(reader)s: chuyển đến %(library)s.")
                % {"reader": hold.reader.full_name, "library": hold.pickup_library.name},
            )  # fmt: skip
    kept = item.status if item.status in (ItemStatus.DAMAGED, ItemStatus.WITHDRAWN) else ""
    if item.library_id != library.pk and not stay:
        transit = Transit.objects.create(
            item=item, from_library=library, to_library=item.library, reason=Transit.Reason.HOME, sent_at=now,
            arrival_status=kept,
        )  # fmt: skip
        _set_status(item, ItemStatus.IN_TRANSIT, library)
        audit("circulation.transit.sent", actor=actor, library=library, obj=transit, item=item.barcode)
        return CheckinResult(
            item, "transit", destination=item.library,
            message=_("Chuyển trả về %(library)s.") % {"library": item.library.name},
        )  # fmt: skip
    keep = (
        item.status
        if item.status in (ItemStatus.DAMAGED, ItemStatus.WITHDRAWN, ItemStatus.READING_ROOM)
        else None
    )
    _set_status(item, keep or ItemStatus.AVAILABLE, library)
    return CheckinResult(item, "shelve", message=_("Xếp lên giá."))


def _put_on_hold_shelf(item, hold, library, now, actor, *, loan=None, fee=None) -> CheckinResult:
    rule = rule_for(library, hold.reader.category_id, item.item_type)
    expires = policies.due_at(now, rule, closed_checker(library), days=rule.pickup_days)
    Hold.objects.filter(pk=hold.pk).update(
        status=HoldStatus.READY, item=item, trapped_at=now, expires_at=expires
    )
    hold.refresh_from_db()
    _set_status(item, ItemStatus.ON_HOLD_SHELF, library)
    audit("circulation.hold.ready", actor=actor, library=library, obj=hold, item=item.barcode)
    # Keyed by the moment it was set aside: a hold put back in the queue and trapped again is told again.
    notices.on_commit_send(
        notices.HOLD_READY, hold.reader_id, f"hold:{hold.pk}:{now:%Y%m%d%H%M%S}", hold_id=hold.pk
    )
    return CheckinResult(
        item,
        "hold_shelf",
        loan=loan,
        hold=hold,
        destination=library,
        fee=fee,
        message=_hold_shelf_message(hold),
    )


def renew(*, loan: Loan | int, actor=None, channel: str = Loan.Channel.DESK, reader: Reader | None = None,
          now: dt.datetime | None = None) -> Loan:  # fmt: skip
    """Extend LOAN once more; READER, when given, must be its borrower (a reader renewing his own)."""
    now = _now(now)
    with transaction.atomic():
        loan_id = loan.pk if isinstance(loan, Loan) else loan
        current = Loan.objects.filter(pk=loan_id).values_list("item_id", flat=True).first()
        if current is None:
            raise CirculationError("loan_unknown", _("Không tìm thấy lượt mượn."))
        _lock_item(current)
        # of=self: the reader is a nullable (outer) join, which PostgreSQL refuses to lock.
        loan = (
            Loan.objects.select_for_update(of=("self",))
            .select_related("item", "library", "reader__category")
            .get(pk=loan_id)
        )
        if reader is not None and loan.reader_id != reader.pk:
            raise CirculationError("not_yours", _("Lượt mượn này không phải của bạn."))
        if loan.returned_at is not None:
            raise CirculationError("returned", _("Bản này đã được trả."))
        reader = _lock_reader(loan.reader_id)
        _check_blocks(reader, now, renewing=True)
        rule = rule_for(loan.library, reader.category_id, loan.item.item_type)
        if loan.renewals >= rule.renewals:
            raise CirculationError(
                "renewal_limit",
                _("Đã gia hạn %(count)d lần, tối đa %(limit)d lần.")
                % {"count": loan.renewals, "limit": rule.renewals},
            )
        others = Hold.objects.filter(record_id=loan.item.record_id, status=HoldStatus.WAITING).exclude(
            reader=reader
        )
        others = others.filter(Q(suspended_until__isnull=True) | Q(suspended_until__lt=now.date()))
        if others.exists():
            raise CirculationError("on_hold", _("Có bạn đọc khác đang chờ tài liệu này, không gia hạn được."))
        _settle_overdue(loan, now, final=True)
        days = None if rule.loan_hours else rule.renewal_days  # an hourly loan renews for its hours
        due = policies.due_at(now, rule, closed_checker(loan.library), days=days)
        loan.due_at = max(due, loan.due_at)
        loan.renewals += 1
        loan.save(update_fields=["due_at", "renewals"])
        audit("circulation.loan.renewed", actor=actor, library=loan.library, obj=loan, channel=channel,
              due=loan.due_at.isoformat(), renewals=loan.renewals)  # fmt: skip
    return loan


def renew_all(*, reader: Reader, actor=None, channel: str = Loan.Channel.DESK, now=None):
    """Renew every open loan of READER that can be; return (renewed loans, [(loan, error)])."""
    renewed, refused = [], []
    for loan in Loan.objects.filter(reader=reader, returned_at__isnull=True).order_by("due_at"):
        try:
            renewed.append(renew(loan=loan, actor=actor, channel=channel, reader=reader, now=now))
        except CirculationError as error:
            refused.append((loan, error))
    return renewed, refused


def _settle_overdue(loan: Loan, now: dt.datetime, *, final: bool) -> Fee | None:
    """Bring LOAN's running overdue fine up to NOW; FINAL stops it growing (checkin, renewal, loss)."""
    rule = rule_for(loan.library, loan.reader.category_id if loan.reader_id else None, loan.item.item_type)
    amount = policies.overdue_fine(loan.due_at, now, rule)
    fee = Fee.objects.select_for_update().filter(loan=loan, accruing=True).first()
    if fee is None and amount <= 0:
        return None
    if fee is None:
        fee = Fee(
            reader_id=loan.reader_id, library=loan.library, loan=loan, kind=FeeKind.OVERDUE, amount=amount
        )
    # A fine never shrinks below what was already paid or waived.
    fee.amount = max(amount, fee.paid + fee.waived, fee.amount if fee.pk else Decimal(0))
    fee.accruing = not final
    fee.note = str(policies.overdue_days(loan.due_at, now))  # days late; Fee.note_display words it
    fee.save()
    return fee


def assess_overdue_fines(now: dt.datetime | None = None) -> int:
    """Daily: bring every open overdue loan's fine up to date. Idempotent; returns loans touched."""
    now = _now(now)
    count = 0
    for loan_id in Loan.objects.filter(returned_at__isnull=True, due_at__lt=now).values_list("pk", flat=True):
        with transaction.atomic():
            loan = (
                Loan.objects.select_for_update(of=("self",))
                .select_related("item", "library", "reader")
                .get(pk=loan_id)
            )
            if loan.returned_at is None and _settle_overdue(loan, now, final=False) is not None:
                count += 1
    return count


# --- holds --------------------------------------------------------------------------------------


def place_hold(*, reader, record: Record | int, pickup_library: Library, actor=None, channel: str = "desk",
               now: dt.datetime | None = None) -> Hold:  # fmt: skip
    """Ask for any copy of RECORD in the network, to be picked up at PICKUP_LIBRARY."""
    now = _now(now)
    with transaction.atomic():
        reader = _lock_reader(reader)
        _check_network(reader, pickup_library)
        record = record if isinstance(record, Record) else Record.objects.filter(pk=record).first()
        if record is None or record.deleted_at is not None:
            raise CirculationError("record_unknown", _("Không tìm thấy tài liệu."))
        _check_blocks(reader, now)
        holdable = Item.objects.filter(record=record).exclude(
            status__in=[ItemStatus.WITHDRAWN, ItemStatus.LOST, ItemStatus.MISSING, ItemStatus.READING_ROOM]
        )
        root = network_root(pickup_library)
        if not any(network_root(i.library) == root for i in holdable.select_related("library")[:200]):
            raise CirculationError(
                "not_holdable", _("Mạng lưới không có bản nào của tài liệu này cho mượn được.")
            )
        if Loan.objects.filter(reader=reader, item__record=record, returned_at__isnull=True).exists():
            raise CirculationError("already_borrowed", _("Bạn đọc đang mượn tài liệu này."))
        rule = rule_for(pickup_library, reader.category_id, None)
        active = Hold.objects.filter(reader=reader, status__in=ACTIVE_HOLD_STATUSES).count()
        if active >= rule.max_holds:
            raise CirculationError(
                "hold_limit",
                _("Bạn đọc đã có %(count)d yêu cầu giữ, tối đa %(limit)d.")
                % {"count": active, "limit": rule.max_holds},
            )
        try:
            with transaction.atomic():
                hold = Hold.objects.create(
                    reader=reader,
                    record=record,
                    pickup_library=pickup_library,
                    placed_at=now,
                    channel=channel,
                )
        except IntegrityError:
            raise CirculationError("hold_exists", _("Bạn đọc đã yêu cầu giữ tài liệu này rồi.")) from None
        audit("circulation.hold.placed", actor=actor, library=pickup_library, obj=hold, reader=reader.card,
              record=record.pk, channel=channel)  # fmt: skip
    return hold


def cancel_hold(*, hold: Hold | int, actor=None, reader: Reader | None = None, now=None,
                status: str = HoldStatus.CANCELLED) -> Hold:  # fmt: skip
    """Cancel HOLD (READER, when given, must own it); a copy already set aside goes on to the next."""
    now = _now(now)
    with transaction.atomic():
        hold_id = hold.pk if isinstance(hold, Hold) else hold
        item_id = Hold.objects.filter(pk=hold_id).values_list("item_id", flat=True).first()
        if item_id:
            _lock_item(item_id)
        hold = Hold.objects.select_for_update().select_related("pickup_library").filter(pk=hold_id).first()
        if hold is None or (reader is not None and hold.reader_id != reader.pk):
            raise CirculationError("hold_unknown", _("Không tìm thấy yêu cầu giữ."))
        if hold.status not in ACTIVE_HOLD_STATUSES:
            raise CirculationError("hold_closed", _("Yêu cầu này đã kết thúc."))
        previous = hold.status
        hold.status, hold.closed_at = status, now
        hold.save(update_fields=["status", "closed_at"])
        if previous == HoldStatus.READY and hold.item_id:
            # The copy on the hold shelf is free again: the next reader, or home.
            item = Item.objects.select_related("library").get(pk=hold.item_id)
            _route(item, hold.pickup_library, now, actor)
        audit(
            f"circulation.hold.{status}",
            actor=actor,
            library=hold.pickup_library,
            obj=hold,
            previous=previous,
        )
    return hold


def _requeue(hold: Hold, actor, library: Library) -> None:
    """Put a hold whose copy went elsewhere back in the queue, in its original place (placed_at kept)."""
    Hold.objects.filter(pk=hold.pk).update(
        status=HoldStatus.WAITING, item=None, trapped_at=None, expires_at=None
    )
    audit("circulation.hold.requeued", actor=actor, library=library, obj=hold, previous=hold.status)


def _free_set_aside(item_id: int, now, actor) -> None:
    """A copy set aside for a hold that another copy filled: off the hold shelf to where it is needed.

    A copy still travelling keeps going; it is routed when it arrives (its hold is no longer in transit).
    """
    item = _lock_item(item_id)
    if (
        item.status == ItemStatus.ON_HOLD_SHELF
        and not Hold.objects.filter(item=item, status=HoldStatus.READY).exists()
    ):
        _route(item, item.current_library or item.library, now, actor)


def suspend_hold(
    *, hold: Hold | int, until: dt.date | None, actor=None, reader: Reader | None = None
) -> Hold:
    """Pause a waiting HOLD until UNTIL (None resumes it); it keeps its place in the queue."""
    with transaction.atomic():
        hold = Hold.objects.select_for_update().filter(pk=hold.pk if isinstance(hold, Hold) else hold).first()
        if hold is None or (reader is not None and hold.reader_id != reader.pk):
            raise CirculationError("hold_unknown", _("Không tìm thấy yêu cầu giữ."))
        if hold.status != HoldStatus.WAITING:
            raise CirculationError("hold_not_waiting", _("Chỉ tạm dừng được yêu cầu đang chờ."))
        hold.suspended_until = until
        hold.save(update_fields=["suspended_until"])
        audit("circulation.hold.suspended" if until else "circulation.hold.resumed", actor=actor,
              library=hold.pickup_library, obj=hold, until=until.isoformat() if until else None)  # fmt: skip
    return hold


def expire_holds(now: dt.datetime | None = None) -> int:
    """Daily: holds left on the shelf past their pickup window expire; the copy moves on."""
    now = _now(now)
    ids = list(Hold.objects.filter(status=HoldStatus.READY, expires_at__lt=now).values_list("pk", flat=True))
    for hold_id in ids:
        try:
            cancel_hold(hold=hold_id, now=now, status=HoldStatus.EXPIRED)
        except CirculationError:
            continue
    return len(ids)


# --- transits, losses -------------------------------------------------------------------------


def send_transit(*, item, to_library: Library, from_library: Library, actor=None, now=None) -> Transit:
    """Send a copy on the shelf at FROM_LIBRARY to TO_LIBRARY (a transfer a librarian decides)."""
    now = _now(now)
    with transaction.atomic():
        item = _lock_item(item)
        if item.status != ItemStatus.AVAILABLE:
            raise CirculationError("not_on_shelf", _("Chỉ chuyển được bản đang có trên giá."))
        if (item.current_library_id or item.library_id) != from_library.pk:
            raise CirculationError("not_here", _("Bản này không nằm ở thư viện gửi đi."))
        if to_library.pk == from_library.pk:
            raise CirculationError("same_library", _("Thư viện nhận trùng với thư viện gửi."))
        if {network_root(to_library), network_root(item.library)} != {network_root(from_library)}:
            raise CirculationError("other_network", _("Chỉ luân chuyển được trong cùng mạng lưới."))
        transit = Transit.objects.create(
            item=item,
            from_library=from_library,
            to_library=to_library,
            reason=Transit.Reason.HOME,
            sent_at=now,
        )
        _set_status(item, ItemStatus.IN_TRANSIT, from_library)
        audit("circulation.transit.sent", actor=actor, library=from_library, obj=transit, item=item.barcode)
    return transit


def _lock_open_loan(loan: Loan | int) -> tuple[Item, Loan]:
    """Lock a loan's copy, then the loan (the order every action keeps); refuse if it is already closed."""
    loan_id = loan.pk if isinstance(loan, Loan) else loan
    item_id = Loan.objects.filter(pk=loan_id).values_list("item_id", flat=True).first()
    if item_id is None:
        raise CirculationError("loan_unknown", _("Không tìm thấy lượt mượn."))
    item = _lock_item(item_id)
    loan = (
        Loan.objects.select_for_update(of=("self",))
        .select_related("library", "reader", "item")
        .get(pk=loan_id)
    )
    if loan.returned_at is not None:
        raise CirculationError("returned", _("Bản này đã được trả."))
    return item, loan


def mark_lost(*, loan: Loan | int, actor=None, library: Library | None = None, now=None) -> Fee:
    """The reader lost the copy: the loan ends, the copy is lost, he owes its price."""
    now = _now(now)
    with transaction.atomic():
        item, loan = _lock_open_loan(loan)
        _settle_overdue(loan, now, final=True)
        loan.returned_at, loan.lost = now, True
        loan.save(update_fields=["returned_at", "lost"])
        price = item.price if item.price is not None else Decimal(settings.LOST_ITEM_DEFAULT_FEE)
        price = price.quantize(Decimal(1), rounding=ROUND_HALF_UP)  # fees are whole đồng
        fee = Fee.objects.create(reader=loan.reader, library=library or loan.library, loan=loan, kind=FeeKind.LOST,
                                 amount=price, note=item.barcode)  # fmt: skip
        _set_status(item, ItemStatus.LOST)
        audit("circulation.loan.lost", actor=actor, library=library or loan.library, obj=loan, fee=str(price))
    return fee


def claims_returned(*, loan: Loan | int, actor=None, library: Library | None = None, now=None) -> Loan:
    """The reader says he returned it: the loan closes without a further fine, the copy is searched for."""
    now = _now(now)
    with transaction.atomic():
        item, loan = _lock_open_loan(loan)
        _settle_overdue(loan, now, final=True)
        loan.returned_at, loan.claims_returned = now, True
        loan.save(update_fields=["returned_at", "claims_returned"])
        _set_status(item, ItemStatus.MISSING)
        audit("circulation.loan.claims_returned", actor=actor, library=library or loan.library, obj=loan)
    return loan


def mark_damaged(
    *, item, library: Library, actor=None, amount: Decimal | None = None, reader=None, note: str = ""
):
    """Record a damaged copy (already returned), with a charge to READER when AMOUNT is given."""
    if amount is not None:
        amount = _whole_dong(amount)
        if amount < 0:
            raise CirculationError("amount", _("Số tiền bồi thường không hợp lệ."))
    with transaction.atomic():
        item = _lock_item(item)
        if item.status == ItemStatus.CHECKED_OUT:
            raise CirculationError("on_loan", _("Hãy nhận trả bản này trước khi ghi hư hỏng."))
        if item.status == ItemStatus.IN_TRANSIT:
            raise CirculationError("in_transit", _("Bản này đang luân chuyển; hãy nhận (checkin) trước."))
        held = Hold.objects.select_for_update().filter(item=item, status=HoldStatus.READY).first()
        if held is not None:
            # Found damaged on the hold shelf: the reader waits for another copy, keeping his place.
            _requeue(held, actor, library)
        fee = None
        if amount and reader is not None:
            fee = Fee.objects.create(reader=reader, library=library, kind=FeeKind.DAMAGED, amount=amount,
                                     note=note or item.barcode)  # fmt: skip
        _set_status(item, ItemStatus.DAMAGED)
        audit(
            "circulation.item.damaged",
            actor=actor,
            library=library,
            obj=item,
            fee=str(amount or 0),
            note=note,
        )
    return fee


# --- money --------------------------------------------------------------------------------------


def _whole_dong(amount) -> Decimal:
    try:
        return Decimal(amount).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    except (InvalidOperation, TypeError, ValueError):
        raise CirculationError("amount", _("Số tiền không hợp lệ.")) from None


def _receipt_number(library: Library, now: dt.datetime) -> str:
    return f"{library.code}-{now:%Y%m%d}-{uuid.uuid4().hex[:8].upper()}"


def pay_fees(*, reader, amount: Decimal | int, library: Library, actor=None, method: str = Payment.Method.CASH,
             channel: str = "desk", fees=None, now=None) -> Payment:  # fmt: skip
    """Take AMOUNT from READER at LIBRARY against his fees (oldest first, or FEES); return the receipt."""
    now = _now(now)
    amount = _whole_dong(amount)
    if amount <= 0:
        raise CirculationError("amount", _("Số tiền phải lớn hơn 0."))
    with transaction.atomic():
        reader = _lock_reader(reader)
        open_fees = Fee.objects.select_for_update().filter(reader=reader).order_by("created_at", "pk")
        if fees is not None:
            open_fees = open_fees.filter(pk__in=[f.pk if isinstance(f, Fee) else f for f in fees])
        open_fees = [f for f in open_fees if f.outstanding > 0]
        total = sum((f.outstanding for f in open_fees), Decimal(0))
        if amount > total:
            raise CirculationError(
                "overpaid",
                _("Số tiền %(amount)s đ lớn hơn số nợ %(total)s đ.")
                % {"amount": policies.money(amount), "total": policies.money(total)},
            )
        payment = Payment.objects.create(reader=reader, library=library, amount=amount, method=method,
                                         receipt=_receipt_number(library, now), actor=actor if getattr(actor, "is_authenticated", False) else None,
                                         channel=channel)  # fmt: skip
        left = amount
        for fee in open_fees:
            if left <= 0:
                break
            part = min(left, fee.outstanding)
            fee.paid += part
            fee.save(update_fields=["paid", "updated_at"])
            PaymentLine.objects.create(payment=payment, fee=fee, amount=part)
            left -= part
        audit("circulation.payment.created", actor=actor, library=library, obj=payment, reader=reader.card,
              amount=str(amount), receipt=payment.receipt, method=method, channel=channel)  # fmt: skip
    return payment


def waive_fee(*, fee: Fee | int, actor, library: Library, reason: str, amount: Decimal | None = None) -> Fee:
    """Forgive all (or AMOUNT) of what is left of FEE, with the reason on the audit trail."""
    if not (reason or "").strip():
        raise CirculationError("reason", _("Hãy ghi lý do miễn."))
    with transaction.atomic():
        fee = Fee.objects.select_for_update().filter(pk=fee.pk if isinstance(fee, Fee) else fee).first()
        if fee is None:
            raise CirculationError("fee_unknown", _("Không tìm thấy khoản phí."))
        part = fee.outstanding if amount is None else _whole_dong(amount)
        if part <= 0 or part > fee.outstanding:
            raise CirculationError("amount", _("Số tiền miễn không hợp lệ."))
        fee.waived += part
        fee.save(update_fields=["waived", "updated_at"])
        audit(
            "circulation.fee.waived", actor=actor, library=library, obj=fee, amount=str(part), reason=reason
        )
    return fee


# --- postal delivery ----------------------------------------------------------------------------


def request_delivery(*, reader, record: Record | int, address: str, phone: str, actor=None, channel="opac",
                     now=None) -> Delivery:  # fmt: skip
    """The reader asks for RECORD by post; the fee by rule is charged at once (refunded if cancelled)."""
    now = _now(now)
    if not address.strip() or not phone.strip():
        raise CirculationError("address", _("Hãy ghi đủ địa chỉ nhận và số điện thoại."))
    with transaction.atomic():
        reader = _lock_reader(reader)
        _check_blocks(reader, now)
        record = record if isinstance(record, Record) else Record.objects.filter(pk=record).first()
        if record is None or record.deleted_at is not None:
            raise CirculationError("record_unknown", _("Không tìm thấy tài liệu."))
        root = network_root(reader.home_library)
        copies = [i for i in Item.objects.filter(record=record, status=ItemStatus.AVAILABLE).select_related("library")
                  if network_root(i.library) == root]  # fmt: skip
        if not copies:
            raise CirculationError(
                "no_copy", _("Hiện không có bản nào trên giá để gửi; hãy đặt giữ tài liệu.")
            )
        library = next(
            (i.library for i in copies if i.library_id == reader.home_library_id), copies[0].library
        )
        rule = rule_for(reader.home_library, reader.category_id, None)
        delivery = Delivery.objects.create(reader=reader, record=record, library=library, address=address.strip(),
                                           phone=phone.strip(), fee=rule.delivery_fee, requested_at=now)  # fmt: skip
        if rule.delivery_fee > 0:
            Fee.objects.create(reader=reader, library=library, kind=FeeKind.DELIVERY, amount=rule.delivery_fee,
                               note=f"delivery:{delivery.pk}")  # fmt: skip
        DeliveryEvent.objects.create(delivery=delivery, status=DeliveryStatus.REQUESTED, actor=_staff(actor))
        audit("circulation.delivery.requested", actor=actor, library=library, obj=delivery, reader=reader.card,
              channel=channel)  # fmt: skip
    return delivery


def _staff(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def advance_delivery(*, delivery: Delivery | int, status: str, actor, item_barcode: str = "",
                     tracking_number: str = "", note: str = "", now=None) -> Delivery:  # fmt: skip
    """Move DELIVERY to STATUS along requested → packed → shipped → delivered → returned (or cancelled)."""
    now = _now(now)
    if status not in DeliveryStatus.values:
        raise CirculationError("delivery_step", _("Trạng thái không hợp lệ."))
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update()
            .select_related("library", "reader")
            .get(pk=delivery.pk if isinstance(delivery, Delivery) else delivery)
        )
        if not policies.can_advance_delivery(delivery.status, status):
            raise CirculationError(
                "delivery_step", _("Không chuyển được từ «%(a)s» sang «%(b)s».")
                % {"a": DeliveryStatus(delivery.status).label, "b": DeliveryStatus(status).label},
            )  # fmt: skip
        if status == DeliveryStatus.PACKED:
            if not item_barcode:
                raise CirculationError("item_required", _("Hãy quét mã vạch bản sách được gửi."))
            item = Item.objects.filter(barcode=item_barcode.strip()).first()
            if item is None or item.record_id != delivery.record_id:
                raise CirculationError("wrong_item", _("Bản này không phải của tài liệu được yêu cầu."))
            loan = checkout(item=item, reader=delivery.reader, library=delivery.library, actor=actor,
                            channel=Loan.Channel.POST, now=now)  # fmt: skip
            delivery.item, delivery.loan = item, loan
        elif status == DeliveryStatus.SHIPPED:
            if not tracking_number.strip():
                raise CirculationError("tracking_required", _("Hãy ghi mã vận đơn."))
            delivery.tracking_number = tracking_number.strip()
            notices.on_commit_send(notices.DELIVERY_SHIPPED, delivery.reader_id, f"delivery:{delivery.pk}",
                                   delivery_id=delivery.pk)  # fmt: skip
        elif status == DeliveryStatus.RETURNED and delivery.item_id:
            if Loan.objects.filter(item_id=delivery.item_id, returned_at__isnull=True).exists():
                checkin(item=delivery.item_id, library=delivery.library, actor=actor, now=now)
        elif status == DeliveryStatus.CANCELLED:
            if (
                delivery.item_id
                and Loan.objects.filter(item_id=delivery.item_id, returned_at__isnull=True).exists()
            ):
                checkin(item=delivery.item_id, library=delivery.library, actor=actor, now=now)
            for fee in Fee.objects.select_for_update().filter(reader=delivery.reader, kind=FeeKind.DELIVERY,
                                                              note=f"delivery:{delivery.pk}"):  # fmt: skip
                if fee.outstanding > 0:
                    fee.waived += fee.outstanding
                    fee.save(update_fields=["waived", "updated_at"])
        delivery.status = status
        delivery.save()
        DeliveryEvent.objects.create(delivery=delivery, status=status, actor=_staff(actor), note=note)
        audit(f"circulation.delivery.{status}", actor=actor, library=delivery.library, obj=delivery,
              tracking=delivery.tracking_number)  # fmt: skip
    return delivery


# --- daily --------------------------------------------------------------------------------------


def anonymise_loans(now=None) -> int:
    """Returned loans older than LOAN_ANONYMISE_DAYS lose their reader, unless he keeps his history."""
    now = _now(now)
    cutoff = now - dt.timedelta(days=settings.LOAN_ANONYMISE_DAYS)
    with transaction.atomic():
        return Loan.objects.filter(
            returned_at__lt=cutoff, reader__isnull=False, reader__keep_history=False
        ).update(reader=None, anonymised=True)
