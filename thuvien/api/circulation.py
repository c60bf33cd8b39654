"""Staff circulation over the API: the desk's checkout, checkin, renew, reader summary and holds.

Permissions are the desk's (circulation/queries.py): staff act only at a library of
circulation_libraries(user); they serve any reader whose card belongs to the same network
(can_serve_reader); a reader's personal data is shown only to staff of his home library's subtree
(can_manage_reader). Staff of another network are refused everything (403).
"""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from thuvien.api.auth import Refused, answers, errors, staff_auth
from thuvien.circulation import actions
from thuvien.circulation.models import Hold, HoldStatus, Loan
from thuvien.circulation.queries import (
    can_manage_reader,
    circulation_libraries,
    hold_position,
    loan_history,
    network_root,
    reader_account,
)
from thuvien.network.models import Library
from thuvien.patrons.models import Reader

router = Router(auth=staff_auth, tags=["Lưu thông"])


# --- schemas (shared with the reader routes) ----------------------------------------------------


class LoanOut(Schema):
    id: int
    item: str  # the copy's barcode
    title: str
    record_id: int
    card: str | None  # the reader's card number
    library: str  # where it was lent
    checked_out_at: dt.datetime
    due_at: dt.datetime
    renewals: int
    overdue: bool


class HoldOut(Schema):
    id: int
    record_id: int
    title: str
    card: str
    pickup_library: str
    status: str
    status_label: str
    position: int | None  # place in the queue while waiting; None once a copy is set aside
    placed_at: dt.datetime
    suspended_until: dt.date | None
    item: str | None  # the copy set aside for it (in transit or on the hold shelf)
    expires_at: dt.datetime | None  # the end of the pickup window on the hold shelf


class FeeOut(Schema):
    id: int
    kind: str
    kind_label: str
    amount: int  # đồng
    outstanding: int
    note: str
    created_at: dt.datetime


class BlockOut(Schema):
    code: str
    message: str


def loan_json(loan: Loan, now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    return {
        "id": loan.pk, "item": loan.item.barcode, "title": loan.item.record.title, "record_id": loan.item.record_id,
        "card": loan.reader.card if loan.reader_id else None, "library": loan.library.code,
        "checked_out_at": loan.checked_out_at, "due_at": loan.due_at, "renewals": loan.renewals,
        "overdue": loan.returned_at is None and loan.due_at < now,
    }  # fmt: skip


def hold_json(hold: Hold, card: str) -> dict:
    return {
        "id": hold.pk, "record_id": hold.record_id, "title": hold.record.title, "card": card,
        "pickup_library": hold.pickup_library.code, "status": hold.status,
        "status_label": str(HoldStatus(hold.status).label),
        "position": getattr(hold, "position", None) if hold.status == HoldStatus.WAITING else None,
        "placed_at": hold.placed_at, "suspended_until": hold.suspended_until,
        "item": hold.item.barcode if hold.item_id else None, "expires_at": hold.expires_at,
    }  # fmt: skip


def fee_json(fee) -> dict:
    return {
        "id": fee.pk, "kind": fee.kind, "kind_label": str(fee.get_kind_display()), "amount": int(fee.amount),
        "outstanding": int(fee.outstanding), "note": fee.note_display, "created_at": fee.created_at,
    }  # fmt: skip


# --- permissions --------------------------------------------------------------------------------


def staff_library(user, code: str) -> Library:
    """The library CODE where USER runs the desk; 422 if there is none, 403 if it is not his."""
    code = (code or "").strip().upper()
    library = circulation_libraries(user).filter(code=code).first()
    if library is not None:
        return library
    if not Library.objects.filter(code=code).exists():
        raise Refused(422, "library_unknown", _("Không có thư viện mang mã %(code)s.") % {"code": code})
    raise Refused(
        403, "not_your_library", _("Bạn không có quyền lưu thông tại thư viện %(code)s.") % {"code": code}
    )


def serving_library(user, reader: Reader, code: str | None = None) -> Library:
    """Where USER serves READER: library CODE if given, else one of his desks in the reader's network.

    The same test as can_serve_reader: a library of circulation_libraries(user) in the tree of the
    reader's card.
    """
    root = network_root(reader.home_library)
    if code:
        library = staff_library(user, code)
        if network_root(library) != root:
            raise Refused(403, "other_network", _("Thẻ này thuộc mạng lưới thư viện khác."))
        return library
    mine = list(circulation_libraries(user).filter(path__startswith=f"/{root}/").order_by("path")[:1])
    if not mine:
        raise Refused(403, "other_network", _("Bạn không có quyền lưu thông cho bạn đọc này."))
    return mine[0]


def find_reader(card: str) -> Reader:
    reader = (
        Reader.objects.select_related("home_library", "category").filter(card=card.strip().upper()).first()
    )
    if reader is None:
        raise Refused(404, "reader_unknown", _("Không có bạn đọc mang số thẻ này."))
    return reader


# --- routes -------------------------------------------------------------------------------------


class CheckoutIn(Schema):
    item_barcode: str
    card: str
    library: str  # the code of the library where the desk is


@router.post(
    "/checkout",
    response={200: LoanOut, **errors(401, 403, 409, 422)},
    summary="Cho mượn một bản sách",
    description="Cho bạn đọc mang thẻ CARD mượn bản ITEM_BARCODE tại thư viện LIBRARY (mã thư viện). "
    "Từ chối với 409 (tình trạng không cho phép) hoặc 422 (không có bản sách, bạn đọc hoặc thư viện này).",
)
@answers({"other_network": 403})
def checkout_view(request, payload: CheckoutIn):
    library = staff_library(request.auth, payload.library)
    # The action checks under lock that the card belongs to the library's network (can_serve_reader).
    loan = actions.checkout(
        item=payload.item_barcode, reader=payload.card.strip().upper(), library=library, actor=request.auth,
        channel=Loan.Channel.API,
    )  # fmt: skip
    return loan_json(loan)


class CheckinIn(Schema):
    item_barcode: str
    library: str


class LibraryRef(Schema):
    code: str
    name: str


class CheckinHoldOut(Schema):
    id: int
    card: str
    reader_name: str
    pickup_library: str


class CheckinOut(Schema):
    action: str  # shelve, hold_shelf, transit
    destination: LibraryRef | None
    hold: CheckinHoldOut | None
    fine: int | None  # the overdue fine of the loan just closed, đồng
    loan_id: int | None
    message: str


@router.post(
    "/checkin",
    response={200: CheckinOut, **errors(401, 403, 409, 422)},
    summary="Nhận trả một bản sách",
    description="Nhận bản ITEM_BARCODE tại LIBRARY và cho biết phải làm gì với nó: xếp lên giá (shelve), "
    "đặt lên kệ chờ nhận (hold_shelf) hay chuyển đi (transit) đến DESTINATION.",
)
@answers()
def checkin_view(request, payload: CheckinIn):
    library = staff_library(request.auth, payload.library)
    result = actions.checkin(
        item=payload.item_barcode, library=library, actor=request.auth, channel=Loan.Channel.API
    )
    hold = result.hold
    if hold is not None:
        hold = Hold.objects.select_related("reader", "pickup_library").get(pk=hold.pk)
    return {
        "action": result.action,
        "destination": {"code": result.destination.code, "name": result.destination.name}
        if result.destination else None,
        "hold": {"id": hold.pk, "card": hold.reader.card, "reader_name": hold.reader.full_name,
                 "pickup_library": hold.pickup_library.code} if hold else None,
        "fine": int(result.fee.amount) if result.fee else None,
        "loan_id": result.loan.pk if result.loan else None,
        "message": result.message,
    }  # fmt: skip


class RenewIn(Schema):
    library: str | None = None  # the desk's library; by default one of the caller's in the reader's network


@router.post(
    "/loans/{loan_id}/renew",
    response={200: LoanOut, **errors(401, 403, 404, 409)},
    summary="Gia hạn một lượt mượn",
)
@answers()
def renew_view(request, loan_id: int, payload: RenewIn | None = None):
    loan = Loan.objects.select_related("reader__home_library").filter(pk=loan_id).first()
    if loan is None or loan.reader_id is None:
        raise Refused(404, "loan_unknown", _("Không tìm thấy lượt mượn."))
    serving_library(request.auth, loan.reader, payload.library if payload else None)
    loan = actions.renew(loan=loan.pk, actor=request.auth, channel=Loan.Channel.API)
    return loan_json(Loan.objects.select_related("item__record", "reader", "library").get(pk=loan.pk))


class PersonalOut(Schema):
    birth_date: dt.date | None
    email: str
    phone: str
    address: str
    citizen_id: str  # masked: only the last four digits
    note: str
    keep_history: bool
    history: list[LoanOut]


class ReaderSummaryOut(Schema):
    card: str
    full_name: str
    status: str
    category: str
    home_library: str
    expires_on: dt.date | None
    loans: list[LoanOut]
    holds: list[HoldOut]
    fees: list[FeeOut]
    fees_total: int  # outstanding, đồng
    blocks: list[BlockOut]
    personal: PersonalOut | None  # only for staff of the reader's home library (or above it)


@router.get(
    "/readers/{card}",
    response={200: ReaderSummaryOut, **errors(401, 403, 404)},
    summary="Tài khoản bạn đọc: đang mượn, yêu cầu giữ, phí, các chặn",
    description="Thông tin cá nhân (PERSONAL) chỉ có khi thẻ thuộc thư viện trong phạm vi của bạn.",
)
@answers()
def reader_view(request, card: str):
    reader = find_reader(card)
    serving_library(request.auth, reader)
    now = timezone.now()
    account = reader_account(reader, now)
    personal = None
    if can_manage_reader(request.auth, reader):
        personal = {
            "birth_date": reader.birth_date, "email": reader.email, "phone": reader.phone,
            "address": reader.address, "citizen_id": reader.cccd_masked, "note": reader.note,
            "keep_history": reader.keep_history,
            "history": [loan_json(loan, now) for loan in loan_history(reader, limit=50)],
        }  # fmt: skip
    for loan in account.loans:
        loan.reader = reader
    return {
        "card": reader.card, "full_name": reader.full_name, "status": reader.status,
        "category": reader.category.code, "home_library": reader.home_library.code,
        "expires_on": reader.expires_on,
        "loans": [loan_json(loan, now) for loan in account.loans],
        "holds": [hold_json(hold, reader.card) for hold in account.holds],
        "fees": [fee_json(fee) for fee in account.fees],
        "fees_total": int(account.owed),
        "blocks": [{"code": b.code, "message": str(b.message)} for b in account.blocks],
        "personal": personal,
    }  # fmt: skip


class HoldIn(Schema):
    card: str
    record_id: int
    pickup_library: str  # any library of the reader's network
    library: str | None = None  # the desk's library; by default one of the caller's in the reader's network


def _pickup(code: str) -> Library:
    library = Library.objects.filter(code=(code or "").strip().upper()).first()
    if library is None:
        raise Refused(422, "library_unknown", _("Không có thư viện mang mã %(code)s.") % {"code": code})
    return library


@router.post(
    "/holds",
    response={201: HoldOut, **errors(401, 403, 404, 409, 422)},
    summary="Đặt giữ tài liệu cho bạn đọc",
)
@answers()
def place_hold_view(request, payload: HoldIn):
    reader = find_reader(payload.card)
    serving_library(request.auth, reader, payload.library)
    hold = actions.place_hold(
        reader=reader, record=payload.record_id, pickup_library=_pickup(payload.pickup_library),
        actor=request.auth, channel=Loan.Channel.API,
    )  # fmt: skip
    hold = Hold.objects.select_related("record", "pickup_library", "item").get(pk=hold.pk)
    hold.position = hold_position(hold)
    return Status(201, hold_json(hold, reader.card))


@router.delete(
    "/holds/{hold_id}",
    response={200: HoldOut, **errors(401, 403, 404, 409)},
    summary="Hủy một yêu cầu giữ",
)
@answers()
def cancel_hold_view(request, hold_id: int):
    hold = Hold.objects.select_related("reader__home_library").filter(pk=hold_id).first()
    if hold is None:
        raise Refused(404, "hold_unknown", _("Không tìm thấy yêu cầu giữ."))
    serving_library(request.auth, hold.reader)
    actions.cancel_hold(hold=hold.pk, actor=request.auth)
    cancelled = Hold.objects.select_related("record", "pickup_library", "item").get(pk=hold.pk)
    return hold_json(cancelled, hold.reader.card)
