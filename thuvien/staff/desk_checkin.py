"""The desk's library-side pages: checkin with what to do with each copy, slips, the morning pull list,
the hold shelf, copies in transit, and postal deliveries."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from thuvien.catalog.models import Item, ItemStatus
from thuvien.circulation import actions
from thuvien.circulation.exceptions import CirculationError
from thuvien.circulation.models import Delivery, DeliveryStatus, Hold, HoldStatus, Transit
from thuvien.circulation.policies import DELIVERY_TRANSITIONS, money
from thuvien.circulation.queries import circulation_libraries, holds_to_pull
from thuvien.staff.desk import (
    MAX_SCANS,
    desk_required,
    find_item,
    is_htmx,
    remember,
    render_desk,
    safe_next,
    same_network,
)

SESSION_CHECKINS = "desk_checkins"


# --- checkin --------------------------------------------------------------------------------------


def _day(value) -> str:
    return f"{timezone.localtime(value):%d/%m/%Y}" if value else ""


def checkin_entry(result: actions.CheckinResult) -> dict:
    """The line the checkin page shows for one copy: one big instruction, then the details."""
    item = result.item
    entry = {
        "ok": True,
        "barcode": item.barcode,
        "title": item.record.title[:200],
        "action": result.action,
        "item_id": item.pk,
        "at": f"{timezone.localtime():%H:%M}",
        "slip": result.action in ("transit", "hold_shelf"),
    }
    hold = result.hold
    if result.action == "hold_shelf" and hold is not None:
        entry["instruction"] = _("Đặt lên kệ giữ cho %(reader)s (thẻ %(card)s) đến %(date)s") % {
            "reader": hold.reader.full_name, "card": hold.reader.card, "date": _day(hold.expires_at),
        }  # fmt: skip
    elif result.action == "transit":
        entry["instruction"] = _("Chuyển đến %(library)s") % {"library": result.destination.name}
        if hold is not None:
            entry["detail"] = _("Giữ cho %(reader)s (thẻ %(card)s), nhận tại %(library)s.") % {
                "reader": hold.reader.full_name, "card": hold.reader.card, "library": hold.pickup_library.name,
            }  # fmt: skip
        else:
            entry["detail"] = _("Trả về thư viện sở hữu.")
    else:
        entry["instruction"] = _("Xếp lên giá")
    if result.loan is not None and result.loan.reader_id:
        reader = result.loan.reader
        entry["returned_by"] = f"{reader.full_name} ({reader.card})"
        entry["reader_id"] = reader.pk
        if result.loan.due_at < result.loan.returned_at:
            entry["late"] = True
    if result.fee is not None and result.fee.amount > 0:
        entry["fee"] = _("Phạt quá hạn %(amount)s đ (%(note)s).") % {
            "amount": money(result.fee.amount), "note": result.fee.note_display,
        }  # fmt: skip
    return entry


@desk_required
@require_http_methods(["GET", "POST"])
def checkin_page(request):
    """Scan copies back in; each gets a clear instruction, and the session keeps the running list."""
    library = request.desk_library
    if request.method == "POST":
        if request.POST.get("clear"):
            request.session[SESSION_CHECKINS] = []
            return redirect("staff:desk_checkin")
        barcode = (request.POST.get("barcode") or "").strip()[:64]
        status = 200
        item = find_item(barcode, library) if barcode else None
        if not barcode:
            entry = {"ok": False, "barcode": "", "message": _("Hãy quét mã vạch bản sách.")}
        elif item is None:
            entry = {"ok": False, "barcode": barcode, "message": _("Không có bản sách mang mã vạch này.")}
            status = 404
        else:
            try:
                result = actions.checkin(item=item, library=library, actor=request.user)
            except CirculationError as error:
                entry = {
                    "ok": False,
                    "barcode": barcode,
                    "title": item.record.title[:200],
                    "message": error.message,
                }
            else:
                entry = checkin_entry(result)
        entry.setdefault("at", f"{timezone.localtime():%H:%M}")
        remember(request, SESSION_CHECKINS, entry)
        if is_htmx(request):
            return render(request, "staff/desk/_checkin_result.html", {"entry": entry}, status=status)
        if status != 200:
            return render_desk(request, "staff/desk/checkin.html", {
                "scans": request.session.get(SESSION_CHECKINS, []), "max_scans": MAX_SCANS, "nav": "checkin",
            }, status=status)  # fmt: skip
        return redirect("staff:desk_checkin")
    scans = request.session.get(SESSION_CHECKINS, [])
    return render_desk(request, "staff/desk/checkin.html", {"scans": scans, "max_scans": MAX_SCANS,
                                                            "nav": "checkin"})  # fmt: skip


@desk_required
@require_GET
def slip(request, item_id: int):
    """A printable slip for a copy leaving (transit) or waiting on the hold shelf of the user's libraries."""
    mine = circulation_libraries(request.user)
    item = Item.objects.select_related("record", "library", "current_library").filter(pk=item_id).first()
    if item is None or not same_network(item.library, request.desk_library):
        raise Http404
    transit = (
        Transit.objects.select_related("from_library", "to_library", "hold__reader", "hold__pickup_library")
        .filter(item=item, received_at__isnull=True)
        .filter(Q(from_library__in=mine) | Q(to_library__in=mine) | Q(item__current_library__in=mine))
        .first()
    )
    hold = None
    if transit is None:
        hold = (
            Hold.objects.select_related("reader", "pickup_library")
            .filter(item=item, status=HoldStatus.READY, pickup_library__in=mine)
            .first()
        )
        if hold is None:
            raise Http404
    return render_desk(request, "staff/desk/slip.html", {
        "item": item, "transit": transit, "hold": hold or (transit.hold if transit else None),
        "printed_at": timezone.localtime(), "nav": "checkin",
    })  # fmt: skip


# --- holds and transits -----------------------------------------------------------------------------


@desk_required
@require_GET
def holds_overview(request):
    """At the desk library: the pull list, the hold shelf (with expiry) and the copies on their way here."""
    library = request.desk_library
    now = timezone.now()
    pull = list(holds_to_pull(library)[:200])
    copies: dict[int, list[Item]] = {}
    available = Item.objects.filter(
        library=library, status=ItemStatus.AVAILABLE, record_id__in={h.record_id for h in pull}
    ).order_by("call_number", "barcode")
    for item in available:
        copies.setdefault(item.record_id, []).append(item)
    for hold in pull:
        hold.copies = copies.get(hold.record_id, [])[:5]
    shelf = list(
        Hold.objects.filter(status=HoldStatus.READY, pickup_library=library)
        .select_related("reader", "record", "item")
        .order_by("expires_at", "pk")[:500]
    )
    for hold in shelf:
        hold.expired = hold.expires_at is not None and hold.expires_at < now
    incoming = list(
        Transit.objects.filter(to_library=library, received_at__isnull=True)
        .select_related("item__record", "from_library", "hold__reader")
        .order_by("sent_at", "pk")[:500]
    )
    return render_desk(request, "staff/desk/holds.html", {
        "pull": pull, "shelf": shelf, "incoming": incoming, "nav": "holds",
    })  # fmt: skip


# --- postal deliveries ------------------------------------------------------------------------------


@desk_required
@require_GET
def deliveries(request):
    """Delivery requests of the user's libraries, one status at a time, each with its next steps."""
    status = request.GET.get("status") or DeliveryStatus.REQUESTED
    if status not in DeliveryStatus.values:
        status = DeliveryStatus.REQUESTED
    mine = Delivery.objects.filter(library__in=circulation_libraries(request.user))
    counts = dict(mine.order_by().values_list("status").annotate(n=Count("pk")))
    rows = list(
        mine.filter(status=status)
        .select_related("reader", "record", "library", "item")
        .order_by("requested_at", "pk")[:200]
    )
    for row in rows:
        row.fee_text = money(row.fee)
        row.next_steps = DELIVERY_TRANSITIONS.get(row.status, ())
    tabs = [(value, label, counts.get(value, 0)) for value, label in DeliveryStatus.choices]
    return render_desk(request, "staff/desk/deliveries.html", {
        "rows": rows, "status": status, "status_label": DeliveryStatus(status).label, "tabs": tabs,
        "nav": "deliveries",
    })  # fmt: skip


@desk_required
@require_POST
def delivery_advance(request, delivery_id: int):
    delivery = (
        Delivery.objects.select_related("library")
        .filter(pk=delivery_id, library__in=circulation_libraries(request.user))
        .first()
    )
    if delivery is None:
        raise Http404
    back = safe_next(request, reverse("staff:desk_deliveries") + f"?status={delivery.status}")
    status = request.POST.get("status") or ""
    if status not in DeliveryStatus.values:
        messages.error(request, _("Bước xử lý không hợp lệ."))
        return redirect(back)
    barcode = (request.POST.get("item_barcode") or "").strip()[:64]
    if status == DeliveryStatus.PACKED and barcode and find_item(barcode, delivery.library) is None:
        messages.error(request, _("Không có bản sách mang mã vạch này."))
        return redirect(back)
    try:
        actions.advance_delivery(
            delivery=delivery, status=status, actor=request.user, item_barcode=barcode,
            tracking_number=(request.POST.get("tracking_number") or "")[:60],
            note=(request.POST.get("note") or "")[:300],
        )  # fmt: skip
    except CirculationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Yêu cầu số %(id)s: %(status)s.") % {"id": delivery.pk, "status": DeliveryStatus(status).label},
        )
    return redirect(back)
