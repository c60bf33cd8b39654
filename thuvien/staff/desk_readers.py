"""Managing readers at the desk: the list of one's subtree, registration, edits, card renewal, status,
PIN reset, erasure on request, payments with receipts and waivers. Every page here needs
``can_manage_reader`` (the reader's home library in the user's subtree)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from thuvien.circulation import actions
from thuvien.circulation.exceptions import CirculationError
from thuvien.circulation.models import Fee, Loan, Payment
from thuvien.circulation.policies import money
from thuvien.circulation.queries import can_manage_reader, circulation_libraries, reader_account
from thuvien.lib.vn_text import fold
from thuvien.patrons import actions as patron_actions
from thuvien.patrons.exceptions import PatronError
from thuvien.patrons.models import Consent, Reader, ReaderCategory, ReaderStatus
from thuvien.patrons.queries import readers_for_staff
from thuvien.staff.desk import (
    desk_required,
    fee_note,
    int_or_none,
    managed_reader,
    reader_url,
    render_desk,
    safe_next,
    same_network,
)
from thuvien.staff.forms_desk import PayForm, PinForm, ReaderCreateForm, ReaderEditForm, WaiveForm

# Status changes the desk offers: approve a self-registration, suspend, reactivate.
STATUS_CHANGES = {
    (ReaderStatus.PENDING, ReaderStatus.ACTIVE),
    (ReaderStatus.ACTIVE, ReaderStatus.SUSPENDED),
    (ReaderStatus.SUSPENDED, ReaderStatus.ACTIVE),
}
EDIT_FIELDS = ("full_name", "birth_date", "category", "home_library", "expires_on", "email", "phone", "address",
               "note")  # fmt: skip
TABS = ("all", "pending", "erasure")


# --- the list -------------------------------------------------------------------------------------


@desk_required
@require_GET
def reader_list(request):
    """Readers of the user's subtree: all (searchable), pending approval, or asking for erasure."""
    q = (request.GET.get("q") or "").strip()[:200]
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else "all"
    base = readers_for_staff(request.user).exclude(status=ReaderStatus.ERASED)
    readers = base
    if tab == "pending":
        readers = readers.filter(status=ReaderStatus.PENDING).order_by("created_at", "pk")
    elif tab == "erasure":
        readers = readers.filter(erasure_requested_at__isnull=False).order_by("erasure_requested_at", "pk")
    else:
        readers = readers.order_by("name_key", "pk")
    if q:
        readers = readers.filter(Q(card__iexact=q) | Q(name_key__contains=fold(q)))
    page = Paginator(readers, 50).get_page(request.GET.get("page"))
    return render_desk(request, "staff/desk/readers.html", {
        "page": page, "q": q, "tab": tab, "nav": "readers",
        "pending_count": base.filter(status=ReaderStatus.PENDING).count(),
        "erasure_count": base.filter(erasure_requested_at__isnull=False).count(),
    })  # fmt: skip


# --- registration and edits -----------------------------------------------------------------------


def _refuse_foreign_library(request, libraries) -> None:
    """The form offers only the user's libraries: any other home library is a forged request."""
    chosen = request.POST.get("home_library")
    if request.method == "POST" and chosen and not libraries.filter(pk=int_or_none(chosen)).exists():
        raise PermissionDenied


@desk_required
@require_http_methods(["GET", "POST"])
def reader_new(request):
    libraries = circulation_libraries(request.user).filter(active=True).order_by("path")
    _refuse_foreign_library(request, libraries)
    initial = {
        "home_library": request.desk_library,
        "category": ReaderCategory.objects.filter(code="adult").first(),
    }
    form = ReaderCreateForm(request.POST or None, libraries=libraries, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            reader = patron_actions.register_reader(
                card=data["card"], full_name=data["full_name"], home_library=data["home_library"],
                category=data["category"], pin=data["pin"], actor=request.user, channel="desk",
                cccd=data["cccd"], keep_history=data["keep_history"], terms=data["terms"],
                birth_date=data["birth_date"], email=data["email"], phone=data["phone"], address=data["address"],
                note=data["note"],
            )  # fmt: skip
        except PatronError as error:
            form.add_patron_error(error)
        else:
            if data["email_notices"]:
                patron_actions.set_consent(reader=reader, kind=Consent.Kind.EMAIL_NOTICES, given=True,
                                           channel="desk", actor=request.user)  # fmt: skip
            messages.success(request, _("Đã cấp thẻ %(card)s cho %(name)s.") % {
                "card": reader.card, "name": reader.full_name})  # fmt: skip
            return redirect(reader_url(reader))
    return render_desk(
        request, "staff/desk/reader_form.html", {"form": form, "reader": None, "nav": "readers"}
    )


def _email_notices(reader: Reader) -> bool:
    last = reader.consents.filter(kind=Consent.Kind.EMAIL_NOTICES).order_by("-at", "-pk").first()
    return bool(last and last.given)


@desk_required
@require_http_methods(["GET", "POST"])
def reader_edit(request, reader_id: int):
    reader = managed_reader(request, reader_id)
    libraries = circulation_libraries(request.user).order_by("path")
    _refuse_foreign_library(request, libraries)
    email_notices = _email_notices(reader)
    initial = {name: getattr(reader, name) for name in EDIT_FIELDS}
    initial.update(keep_history=reader.keep_history, email_notices=email_notices)
    form = ReaderEditForm(request.POST or None, libraries=libraries, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changes = {name: data[name] for name in EDIT_FIELDS if data[name] != initial[name]}
        cccd = "" if data["clear_cccd"] else (data["cccd"] or None)
        try:
            if changes or cccd is not None:
                patron_actions.update_reader(reader=reader, actor=request.user, cccd=cccd, **changes)
        except PatronError as error:
            form.add_patron_error(error)
        else:
            for kind, given, before in (
                (Consent.Kind.LOAN_HISTORY, data["keep_history"], reader.keep_history),
                (Consent.Kind.EMAIL_NOTICES, data["email_notices"], email_notices),
            ):
                if given != before:
                    patron_actions.set_consent(reader=reader, kind=kind, given=given, channel="desk",
                                               actor=request.user)  # fmt: skip
            messages.success(request, _("Đã lưu thông tin bạn đọc."))
            return redirect(reader_url(reader))
    return render_desk(request, "staff/desk/reader_form.html", {
        "form": form, "reader": reader, "reader_url": reader_url(reader), "nav": "readers",
    })  # fmt: skip


@desk_required
@require_POST
def reader_status(request, reader_id: int):
    """Approve a pending registration, suspend or reactivate a card."""
    reader = managed_reader(request, reader_id)
    target = request.POST.get("status") or ""
    if (reader.status, target) not in STATUS_CHANGES:
        messages.error(request, _("Không đổi được trạng thái thẻ như vậy."))
    else:
        reader = patron_actions.set_status(reader=reader, status=target, actor=request.user)
        messages.success(request, _("Thẻ %(card)s: %(status)s.") % {
            "card": reader.card, "status": ReaderStatus(target).label})  # fmt: skip
    return redirect(safe_next(request, reader_url(reader)))


@desk_required
@require_POST
def reader_renew_card(request, reader_id: int):
    reader = managed_reader(request, reader_id)
    reader = patron_actions.renew_card(reader=reader, actor=request.user)
    messages.success(request, _("Đã gia hạn thẻ đến %(date)s.") % {"date": f"{reader.expires_on:%d/%m/%Y}"})
    return redirect(reader_url(reader))


@desk_required
@require_http_methods(["GET", "POST"])
def reader_pin(request, reader_id: int):
    """Set a new PIN for a reader who forgot his (staff need not know the old one)."""
    reader = managed_reader(request, reader_id)
    form = PinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            patron_actions.change_pin(reader=reader, old_pin=None, new_pin=form.cleaned_data["new_pin"],
                                      actor=request.user, channel="desk")  # fmt: skip
        except PatronError as error:
            form.add_error("new_pin", error.message)
        else:
            messages.success(request, _("Đã đặt mã PIN mới cho thẻ %(card)s.") % {"card": reader.card})
            return redirect(reader_url(reader))
    return render_desk(request, "staff/desk/reader_pin.html", {
        "form": form, "reader": reader, "reader_url": reader_url(reader), "nav": "readers",
    })  # fmt: skip


@desk_required
@require_http_methods(["GET", "POST"])
def reader_erase(request, reader_id: int):
    """Confirm, then erase the reader's personal data (refused while loans or fees remain)."""
    reader = managed_reader(request, reader_id)
    if request.method == "POST":
        try:
            patron_actions.erase_reader(reader=reader, actor=request.user)
        except PatronError as error:
            messages.error(request, error.message)
            return redirect("staff:desk_reader_erase", reader.pk)
        messages.success(request, _("Đã xóa dữ liệu cá nhân của bạn đọc."))
        return redirect(reverse("staff:desk_readers") + "?tab=erasure")
    open_loans = Loan.objects.filter(reader=reader, returned_at__isnull=True).count()
    account_owed = reader_account(reader).owed
    return render_desk(request, "staff/desk/reader_erase.html", {
        "reader": reader, "reader_url": reader_url(reader), "open_loans": open_loans,
        "owed": account_owed, "owed_text": money(account_owed), "nav": "readers",
    })  # fmt: skip


# --- money ------------------------------------------------------------------------------------------


@desk_required
@require_http_methods(["GET", "POST"])
def pay(request, reader_id: int):
    """Take a payment against the reader's fees (oldest first) and show the receipt."""
    reader = managed_reader(request, reader_id)
    account = reader_account(reader)
    for fee in account.fees:
        fee.outstanding_text = money(fee.outstanding)
    form = PayForm(request.POST or None, initial={"amount": int(account.owed)})
    if request.method == "POST" and form.is_valid():
        try:
            payment = actions.pay_fees(
                reader=reader, amount=form.cleaned_data["amount"], library=request.desk_library,
                actor=request.user, method=form.cleaned_data["method"], channel="desk",
            )  # fmt: skip
        except CirculationError as error:
            form.add_error("amount", error.message)
        else:
            messages.success(request, _("Đã thu %(amount)s đ, biên lai %(receipt)s.") % {
                "amount": money(payment.amount), "receipt": payment.receipt})  # fmt: skip
            return redirect("staff:desk_receipt", payment.pk)
    return render_desk(request, "staff/desk/pay.html", {
        "form": form, "reader": reader, "account": account, "owed_text": money(account.owed),
        "reader_url": reader_url(reader), "nav": "lookup",
    })  # fmt: skip


@desk_required
@require_GET
def receipt(request, payment_id: int):
    payment = (
        Payment.objects.select_related("reader__home_library", "reader__category", "library", "actor")
        .filter(pk=payment_id)
        .first()
    )
    if payment is None or not same_network(payment.reader.home_library, request.desk_library):
        raise Http404
    if not can_manage_reader(request.user, payment.reader):
        raise PermissionDenied
    lines = list(payment.lines.select_related("fee__loan__item__record").order_by("pk"))
    for line in lines:
        line.amount_text = money(line.amount)
        line.note_text = fee_note(line.fee)
    return render_desk(request, "staff/desk/receipt.html", {
        "payment": payment, "lines": lines, "amount_text": money(payment.amount), "nav": "lookup",
        "reader_url": reader_url(payment.reader) if payment.reader.status != ReaderStatus.ERASED else "",
        "at": timezone.localtime(payment.at),
    })  # fmt: skip


@desk_required
@require_http_methods(["GET", "POST"])
def waive(request, reader_id: int, fee_id: int):
    """Forgive a fee, all or part, with the reason written to the audit trail."""
    reader = managed_reader(request, reader_id)
    fee = Fee.objects.select_related("loan__item__record").filter(pk=fee_id, reader=reader).first()
    if fee is None:
        raise Http404
    form = WaiveForm(request.POST or None)
    if fee.outstanding <= 0:
        messages.info(request, _("Khoản phí này không còn nợ."))
        return redirect(reader_url(reader) + "#fees")
    if request.method == "POST" and form.is_valid():
        try:
            actions.waive_fee(fee=fee, actor=request.user, library=request.desk_library,
                              reason=form.cleaned_data["reason"], amount=form.cleaned_data["amount"])  # fmt: skip
        except CirculationError as error:
            form.add_error("amount" if error.code == "amount" else "reason", error.message)
        else:
            messages.success(request, _("Đã miễn phí; lý do đã được ghi lại."))
            return redirect(reader_url(reader) + "#fees")
    return render_desk(request, "staff/desk/waive.html", {
        "form": form, "reader": reader, "fee": fee, "outstanding_text": money(fee.outstanding),
        "amount_text": money(fee.amount), "reader_url": reader_url(reader), "nav": "lookup",
    })  # fmt: skip
