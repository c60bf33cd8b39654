"""The reader's account in the OPAC (/ban-doc/): loans and renewals, holds, fines, postal delivery, PIN.

Every object is loaded through the signed-in reader (a loan, hold or delivery of someone else is a 404),
then handed to the circulation or patrons action that changes it. Self-registration is in
account_register.py, privacy (history, consents, data download, erasure) in account_privacy.py.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from thuvien.catalog.queries import public_record
from thuvien.circulation import actions, queries
from thuvien.circulation.exceptions import CirculationError
from thuvien.circulation.models import Delivery, Hold, Loan
from thuvien.circulation.policies import money
from thuvien.network.models import Library
from thuvien.opac.forms_account import ChangePinForm, DeliveryForm, HoldForm, SignInForm, SuspendForm
from thuvien.opac.reader_auth import (
    current_reader,
    reader_required,
    refresh,
    safe_next,
    sign_in,
    sign_out,
)
from thuvien.patrons.actions import authenticate_reader, change_pin
from thuvien.patrons.exceptions import PatronError, PinLocked
from thuvien.patrons.models import ReaderStatus

CHANNEL = "opac"


def _home():
    return reverse("opac:account")


# --- signing in and out ---------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in_view(request):
    default = _home()
    if current_reader(request) is not None and request.method == "GET":
        return redirect(safe_next(request, default))
    form = SignInForm(request.POST or None)
    error = ""
    status = 200
    if request.method == "POST" and form.is_valid():
        card, pin = form.cleaned_data["card"], form.cleaned_data["pin"]
        try:
            reader = authenticate_reader(card, pin, channel=CHANNEL)
        except PinLocked as exc:
            reader, error = None, exc.message
        else:
            if reader is None:
                error = _("Số thẻ hoặc mã PIN không đúng.")
            elif reader.status not in (ReaderStatus.ACTIVE, ReaderStatus.PENDING):
                # Said only once the PIN is right, so it tells a stranger nothing.
                reader, error = None, _("Thẻ đang bị khóa. Vui lòng liên hệ thủ thư.")
        if reader is not None:
            sign_in(request, reader)
            return redirect(safe_next(request, default))
        status = 400
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "opac/account/sign_in.html",
        {"form": form, "error": error, "next": safe_next(request, "")},
        status=status,
    )


@require_POST
def sign_out_view(request):
    sign_out(request)
    messages.success(request, _("Bạn đã đăng xuất."))
    return redirect("opac:account_login")


# --- the account ----------------------------------------------------------------------------------


def _decorate(account) -> None:
    """Add the display strings templates need (money in đồng, 30.000 đ)."""
    for fee in account.fees:
        fee.outstanding_text = money(fee.outstanding)
    for delivery in account.deliveries:
        delivery.fee_text = money(delivery.fee)
    account.owed_text = money(account.owed)


@reader_required
@require_http_methods(["GET"])
def home(request, reader):
    account = queries.reader_account(reader)
    _decorate(account)
    today = timezone.localdate()
    for hold in account.holds:
        hold.paused = bool(hold.suspended_until and hold.suspended_until >= today)
    return render(
        request,
        "opac/account/home.html",
        {
            "section": "home",
            "reader": reader,
            "account": account,
            "pending": reader.status == ReaderStatus.PENDING,
            "suspend_form": SuspendForm(),
            "today": today,
        },
    )


def _refused(request, error: CirculationError) -> None:
    messages.error(request, error.message)


@reader_required
@require_POST
def renew_view(request, reader, loan_id: int):
    loan = get_object_or_404(Loan, pk=loan_id, reader=reader, returned_at__isnull=True)
    try:
        loan = actions.renew(loan=loan.pk, reader=reader, channel=CHANNEL)
    except CirculationError as error:
        _refused(request, error)
    else:
        messages.success(
            request,
            _("Đã gia hạn «%(title)s» đến %(date)s.")
            % {"title": loan.item.record.title, "date": f"{timezone.localtime(loan.due_at):%d/%m/%Y}"},
        )
    return redirect(_home() + "#loans")


@reader_required
@require_POST
def renew_all_view(request, reader):
    renewed, refused = actions.renew_all(reader=reader, channel=CHANNEL)
    if renewed:
        messages.success(request, _("Đã gia hạn %(count)d tài liệu.") % {"count": len(renewed)})
    for loan, error in refused:
        messages.error(request, f"«{loan.item.record.title}»: {error.message}")
    if not renewed and not refused:
        messages.info(request, _("Bạn không có tài liệu nào đang mượn."))
    return redirect(_home() + "#loans")


# --- holds ----------------------------------------------------------------------------------------


def _network_libraries(reader):
    root = queries.network_root(reader.home_library)
    return Library.objects.filter(active=True, path__startswith=f"/{root}/").order_by("path")


def _public_record_or_404(record_id: int):
    record = public_record(record_id)
    if record is None:
        raise Http404
    return record


@reader_required
@require_http_methods(["GET", "POST"])
def place_hold_view(request, reader, record_id: int):
    record = _public_record_or_404(record_id)
    libraries = _network_libraries(reader)
    initial = {"pickup_library": reader.home_library_id} if reader.home_library.active else {}
    form = HoldForm(request.POST or None, libraries=libraries, initial=initial)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            hold = actions.place_hold(
                reader=reader,
                record=record.pk,
                pickup_library=form.cleaned_data["pickup_library"],
                channel=CHANNEL,
            )
        except CirculationError as exc:
            error = exc.message
        else:
            messages.success(
                request,
                _("Đã đặt giữ «%(title)s», nhận tại %(library)s. Bạn đứng thứ %(position)d trong hàng chờ.")
                % {
                    "title": record.title,
                    "library": hold.pickup_library.name,
                    "position": queries.hold_position(hold),
                },
            )
            return redirect(_home() + "#holds")
    copies = [
        i
        for i in record.public_items
        if queries.network_root(i.library) == queries.network_root(reader.home_library)
    ]
    return render(
        request,
        "opac/account/place_hold.html",
        {
            "reader": reader,
            "record": record,
            "form": form,
            "error": error,
            "copies": len(copies),
            "pending": reader.status == ReaderStatus.PENDING,
        },
        status=400 if request.method == "POST" else 200,
    )


def _my_hold(reader, hold_id: int) -> Hold:
    return get_object_or_404(Hold, pk=hold_id, reader=reader)


@reader_required
@require_POST
def cancel_hold_view(request, reader, hold_id: int):
    hold = _my_hold(reader, hold_id)
    try:
        actions.cancel_hold(hold=hold.pk, reader=reader)
    except CirculationError as error:
        _refused(request, error)
    else:
        messages.success(request, _("Đã hủy yêu cầu giữ «%(title)s».") % {"title": hold.record.title})
    return redirect(_home() + "#holds")


@reader_required
@require_POST
def suspend_hold_view(request, reader, hold_id: int):
    hold = _my_hold(reader, hold_id)
    form = SuspendForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(_home() + "#holds")
    until = form.cleaned_data["until"]
    try:
        actions.suspend_hold(hold=hold.pk, until=until, reader=reader)
    except CirculationError as error:
        _refused(request, error)
    else:
        messages.success(
            request,
            _("Đã tạm dừng yêu cầu giữ «%(title)s» đến %(date)s; bạn vẫn giữ chỗ trong hàng chờ.")
            % {"title": hold.record.title, "date": f"{until:%d/%m/%Y}"},
        )
    return redirect(_home() + "#holds")


@reader_required
@require_POST
def resume_hold_view(request, reader, hold_id: int):
    hold = _my_hold(reader, hold_id)
    try:
        actions.suspend_hold(hold=hold.pk, until=None, reader=reader)
    except CirculationError as error:
        _refused(request, error)
    else:
        messages.success(
            request, _("Yêu cầu giữ «%(title)s» hoạt động trở lại.") % {"title": hold.record.title}
        )
    return redirect(_home() + "#holds")


# --- postal delivery ------------------------------------------------------------------------------


@reader_required
@require_http_methods(["GET", "POST"])
def request_delivery_view(request, reader, record_id: int):
    record = _public_record_or_404(record_id)
    rule = queries.rule_for(reader.home_library, reader.category_id, None)
    form = DeliveryForm(request.POST or None, initial={"address": reader.address, "phone": reader.phone})
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            delivery = actions.request_delivery(
                reader=reader,
                record=record.pk,
                address=form.cleaned_data["address"],
                phone=form.cleaned_data["phone"],
                channel=CHANNEL,
            )
        except CirculationError as exc:
            error = exc.message
        else:
            messages.success(
                request,
                _("Đã gửi yêu cầu gửi «%(title)s» qua bưu điện. Phí %(fee)s đ đã được ghi vào tài khoản.")
                % {"title": record.title, "fee": money(delivery.fee)},
            )
            return redirect("opac:account_delivery", delivery_id=delivery.pk)
    return render(
        request,
        "opac/account/delivery_request.html",
        {
            "reader": reader,
            "record": record,
            "form": form,
            "error": error,
            "fee_text": money(rule.delivery_fee),
            "pending": reader.status == ReaderStatus.PENDING,
        },
        status=400 if request.method == "POST" else 200,
    )


@reader_required
@require_http_methods(["GET"])
def delivery_view(request, reader, delivery_id: int):
    delivery = get_object_or_404(
        Delivery.objects.select_related("record", "library"), pk=delivery_id, reader=reader
    )
    return render(
        request,
        "opac/account/delivery.html",
        {
            "reader": reader,
            "delivery": delivery,
            "fee_text": money(delivery.fee),
            # Steps and when; the staff member's name and notes stay inside the library.
            "steps": [(e.get_status_display(), e.at) for e in delivery.events.all()],
        },
    )


# --- PIN ------------------------------------------------------------------------------------------


@reader_required
@require_http_methods(["GET", "POST"])
def change_pin_view(request, reader):
    form = ChangePinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        old, new = form.cleaned_data["old_pin"], form.cleaned_data["new_pin"]
        # The current PIN is checked the way sign-in checks it, so a borrowed session cannot guess it.
        try:
            checked = authenticate_reader(reader.card, old, channel=CHANNEL)
        except PinLocked as exc:
            form.add_error("old_pin", exc.message)
        else:
            if checked is None or checked.pk != reader.pk:
                form.add_error("old_pin", _("Mã PIN hiện tại không đúng."))
            else:
                try:
                    change_pin(reader=reader, old_pin=old, new_pin=new, channel=CHANNEL)
                except PatronError as exc:
                    form.add_error("old_pin" if exc.code == "pin_wrong" else "new_pin", exc.message)
                else:
                    refresh(request, reader)
                    messages.success(request, _("Đã đổi mã PIN. Hãy dùng mã mới từ lần đăng nhập sau."))
                    return redirect("opac:account")
    return render(
        request,
        "opac/account/change_pin.html",
        {"section": "pin", "reader": reader, "form": form},
        status=400 if request.method == "POST" else 200,
    )


# --- history --------------------------------------------------------------------------------------


@reader_required
@require_http_methods(["GET"])
def history_view(request, reader):
    loans = list(queries.loan_history(reader)) if reader.keep_history else []
    return render(
        request, "opac/account/history.html", {"section": "history", "reader": reader, "loans": loans}
    )
