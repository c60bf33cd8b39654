"""A reader's own account over the API: sign in with card and PIN, loans, renewals, holds, fees.

A reader only ever sees his own: an id belonging to another reader answers 404, exactly as an id that
does not exist.
"""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from thuvien.api.auth import DetailOut, ErrorOut, Refused, answers, errors, reader_auth, reader_token
from thuvien.api.circulation import BlockOut, FeeOut, HoldOut, LoanOut, fee_json, hold_json, loan_json
from thuvien.catalog.queries import public_records
from thuvien.circulation import actions
from thuvien.circulation.models import Hold, Loan
from thuvien.circulation.queries import hold_position, reader_account
from thuvien.network.models import Library
from thuvien.patrons.actions import authenticate_reader
from thuvien.patrons.exceptions import PinLocked

router = Router(auth=reader_auth, tags=["Bạn đọc"])


class TokenIn(Schema):
    card: str
    pin: str


class TokenOut(Schema):
    token: str  # send it as «Authorization: Bearer <token>»
    expires_at: dt.datetime
    card: str


@router.post(
    "/token",
    auth=None,
    response={200: TokenOut, 401: ErrorOut, 422: DetailOut, 429: ErrorOut},
    summary="Đăng nhập bằng số thẻ và mã PIN",
    description="Trả về mã dùng trong 12 giờ. Nhập sai mã PIN nhiều lần thì thẻ bị tạm khóa đăng nhập (429).",
)
@answers()
def token_view(request, payload: TokenIn):
    try:
        reader = authenticate_reader(payload.card, payload.pin, channel="api")
    except PinLocked as locked:
        raise Refused(429, locked.code, str(locked.message)) from None
    if reader is None:
        raise Refused(401, "pin_wrong", _("Số thẻ hoặc mã PIN không đúng."))
    token, expires_at = reader_token(reader)
    return {"token": token, "expires_at": expires_at, "card": reader.card}


class MeOut(Schema):
    card: str
    full_name: str
    email: str
    phone: str
    status: str
    category: str
    home_library: str
    expires_on: dt.date | None
    loans: int
    overdue: int
    holds: int
    fees_total: int  # outstanding, đồng
    blocks: list[BlockOut]


@router.get("/me", response={200: MeOut, **errors(401)}, summary="Tài khoản của tôi")
def me_view(request):
    reader = request.auth
    account = reader_account(reader)
    return {
        "card": reader.card, "full_name": reader.full_name, "email": reader.email, "phone": reader.phone,
        "status": reader.status, "category": reader.category.code, "home_library": reader.home_library.code,
        "expires_on": reader.expires_on, "loans": len(account.loans), "overdue": account.overdue,
        "holds": len(account.holds), "fees_total": int(account.owed),
        "blocks": [{"code": b.code, "message": str(b.message)} for b in account.blocks],
    }  # fmt: skip


def _my_loans(reader):
    return (
        Loan.objects.filter(reader=reader, returned_at__isnull=True)
        .select_related("item__record", "library")
        .order_by("due_at", "pk")
    )


@router.get("/loans", response={200: list[LoanOut], **errors(401)}, summary="Tài liệu tôi đang mượn")
def loans_view(request):
    reader = request.auth
    now = timezone.now()
    loans = list(_my_loans(reader))
    for loan in loans:
        loan.reader = reader
    return [loan_json(loan, now) for loan in loans]


@router.post(
    "/loans/{loan_id}/renew",
    response={200: LoanOut, **errors(401, 404, 409)},
    summary="Gia hạn một tài liệu tôi đang mượn",
)
@answers()
def renew_view(request, loan_id: int):
    reader = request.auth
    if not Loan.objects.filter(pk=loan_id, reader=reader).exists():
        raise Refused(404, "loan_unknown", _("Không tìm thấy lượt mượn."))
    loan = actions.renew(loan=loan_id, reader=reader, actor=None, channel=Loan.Channel.API)
    loan = _my_loans(reader).filter(pk=loan.pk).first() or loan
    loan.reader = reader
    return loan_json(loan)


@router.get("/holds", response={200: list[HoldOut], **errors(401)}, summary="Yêu cầu giữ của tôi")
def holds_view(request):
    reader = request.auth
    return [hold_json(hold, reader.card) for hold in reader_account(reader).holds]


class ReaderHoldIn(Schema):
    record_id: int
    pickup_library: str  # the code of the library where I will pick it up


@router.post(
    "/holds",
    response={201: HoldOut, **errors(401, 409, 422)},
    summary="Đặt giữ một tài liệu, nhận tại thư viện tôi chọn",
)
@answers()
def place_hold_view(request, payload: ReaderHoldIn):
    reader = request.auth
    code = payload.pickup_library.strip().upper()
    pickup = Library.objects.filter(code=code).first()
    if pickup is None:
        raise Refused(422, "library_unknown", _("Không có thư viện mang mã %(code)s.") % {"code": code})
    # Readers reach only what the public catalogue shows (no suppressed or deleted records).
    record = public_records().filter(pk=payload.record_id).first()
    if record is None:
        raise Refused(422, "record_unknown", _("Không tìm thấy tài liệu."))
    hold = actions.place_hold(reader=reader, record=record, pickup_library=pickup, channel=Loan.Channel.API)
    hold = Hold.objects.select_related("record", "pickup_library", "item").get(pk=hold.pk)
    hold.position = hold_position(hold)
    return Status(201, hold_json(hold, reader.card))


@router.delete(
    "/holds/{hold_id}", response={200: HoldOut, **errors(401, 404, 409)}, summary="Hủy yêu cầu giữ của tôi"
)
@answers()
def cancel_hold_view(request, hold_id: int):
    reader = request.auth
    if not Hold.objects.filter(pk=hold_id, reader=reader).exists():
        raise Refused(404, "hold_unknown", _("Không tìm thấy yêu cầu giữ."))
    actions.cancel_hold(hold=hold_id, reader=reader)
    hold = Hold.objects.select_related("record", "pickup_library", "item").get(pk=hold_id)
    return hold_json(hold, reader.card)


class FeesOut(Schema):
    fees_total: int  # outstanding, đồng
    fees: list[FeeOut]


@router.get("/fees", response={200: FeesOut, **errors(401)}, summary="Các khoản phí tôi còn nợ")
def fees_view(request):
    account = reader_account(request.auth)
    return {"fees_total": int(account.owed), "fees": [fee_json(fee) for fee in account.fees]}
