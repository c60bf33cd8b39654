"""The circulation desk: the library the librarian works at, reader lookup, the reader page, checkout,
renewals, losses and holds placed for a reader.

Who may do what (docs/decisions/0003-circulation.md): staff act only at a library of
``circulation_libraries(user)`` — the one chosen for the session; they serve (lend, renew, hold) any
reader whose card belongs to the same network (``can_serve_reader``) and manage a reader (personal data,
edits, money) only when his home library is in their subtree (``can_manage_reader``). A reader who cannot
be served is a 404; one who can be served but not managed is a 403 on the managing pages.
"""

from __future__ import annotations

import functools
from html import escape as html_escape

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from thuvien.accounts.models import Role
from thuvien.accounts.queries import libraries_for
from thuvien.catalog.models import Item, Record
from thuvien.circulation import actions
from thuvien.circulation.exceptions import CirculationError
from thuvien.circulation.models import Hold, Loan
from thuvien.circulation.policies import money
from thuvien.circulation.queries import (
    can_manage_reader,
    can_serve_reader,
    circulation_libraries,
    network_root,
    reader_account,
)
from thuvien.network.models import Library
from thuvien.patrons.models import Reader, ReaderStatus
from thuvien.patrons.queries import find_readers

SESSION_LIBRARY = "desk_library"
SESSION_CHECKOUTS = "desk_checkouts"
MAX_SCANS = 50


# --- the desk, its library ----------------------------------------------------------------------


def desk_required(view):
    """Signed-in staff with a circulation role; sets request.desk_library (the library they are at)."""

    @functools.wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        request.desk_library = current_library(request)
        return view(request, *args, **kwargs)

    return wrapper


def current_library(request) -> Library:
    """The library chosen for this session among the user's circulation libraries (the first by default)."""
    libraries = circulation_libraries(request.user)
    chosen = request.session.get(SESSION_LIBRARY)
    library = libraries.filter(pk=chosen).first() if isinstance(chosen, int) else None
    if library is None:
        library = libraries.order_by("path").first()
        if library is None:
            raise PermissionDenied
        request.session[SESSION_LIBRARY] = library.pk
    return library


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def render_desk(request, template: str, context: dict | None = None, status: int = 200):
    context = dict(context or {})
    context.setdefault("desk_library", request.desk_library)
    # Evaluated only by the page templates (the library selector), never by htmx partials.
    context.setdefault("desk_libraries", circulation_libraries(request.user).order_by("path")[:300])
    return render(request, template, context, status=status)


def same_network(a: Library, b: Library) -> bool:
    return network_root(a) == network_root(b)


def is_admin_at(user, library: Library) -> bool:
    """Only a library administrator may override the rules at checkout (the action audits it)."""
    return libraries_for(user, {Role.ADMIN}).filter(pk=library.pk).exists()


def servable_reader(request, reader_id: int) -> Reader:
    """The reader with READER_ID if the user may serve him at the desk library; 404 otherwise."""
    reader = (
        Reader.objects.select_related("category", "home_library")
        .exclude(status=ReaderStatus.ERASED)
        .filter(pk=reader_id)
        .first()
    )
    if reader is None or not can_serve_reader(request.user, reader, request.desk_library):
        raise Http404
    return reader


def managed_reader(request, reader_id: int) -> Reader:
    """The reader with READER_ID if the user manages him (his home library is in their subtree)."""
    reader = (
        Reader.objects.select_related("category", "home_library")
        .exclude(status=ReaderStatus.ERASED)
        .filter(pk=reader_id)
        .first()
    )
    if reader is None or not same_network(reader.home_library, request.desk_library):
        raise Http404
    if not can_manage_reader(request.user, reader):
        raise PermissionDenied
    return reader


def reader_url(reader: Reader) -> str:
    return reverse("staff:desk_reader", args=[reader.pk])


def safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


@desk_required
@require_POST
def choose_library(request):
    library = circulation_libraries(request.user).filter(pk=int_or_none(request.POST.get("library"))).first()
    if library is None:
        raise PermissionDenied
    request.session[SESSION_LIBRARY] = library.pk
    messages.success(request, _("Bạn đang làm việc tại %(library)s.") % {"library": library.name})
    return redirect(safe_next(request, reverse("staff:desk")))


def int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- reader lookup ------------------------------------------------------------------------------


@desk_required
@require_GET
def desk_home(request):
    """One scan box: a card number opens the reader; a name (with or without diacritics) lists readers."""
    q = (request.GET.get("q") or "").strip()[:200]
    results = None
    if q:
        card = Reader.objects.select_related("home_library").filter(card=q.upper()).first()
        if (
            card is not None
            and card.status != ReaderStatus.ERASED
            and can_serve_reader(request.user, card, request.desk_library)
        ):
            return redirect(reader_url(card))
        results = [r for r in find_readers(request.user, q) if r.status != ReaderStatus.ERASED]
    # Nothing found answers 404: a card of another network is no reader here.
    return render_desk(request, "staff/desk/home.html", {"q": q, "results": results, "nav": "lookup"},
                       status=404 if results == [] else 200)  # fmt: skip


# --- the reader page ----------------------------------------------------------------------------


def _reader_context(request, reader: Reader) -> dict:
    account = reader_account(reader)
    manage = can_manage_reader(request.user, reader)
    today = timezone.localdate()
    return {
        "reader": reader,
        "account": account,
        "loan_rows": loan_rows(account.loans, reader_url(reader)),
        "fee_rows": fee_rows(account.fees, reader_url(reader), manage),
        "owed_text": money(account.owed),
        "manage": manage,
        "expired": reader.expires_on is not None and reader.expires_on < today,
        "reader_url": reader_url(reader),
        "can_override": is_admin_at(request.user, request.desk_library),
        "scans": request.session.get(SESSION_CHECKOUTS, {}).get(str(reader.pk), []),
        "nav": "lookup",
    }


def due_text(due, tz=None) -> str:
    """A due date as the desk shows it: day loans fall due at the end of a day, hourly loans at a time."""
    due = due.astimezone(tz or timezone.get_current_timezone())
    return f"{due:%d/%m/%Y}" if (due.hour, due.minute) == (23, 59) else f"{due:%d/%m/%Y %H:%M}"


def _short(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


# The loans and fees tables are built in Python rather than in template loops: a reader with hundreds
# of loans renders in a few milliseconds instead of tens (each template variable costs microseconds).
# Every value is escaped with html.escape before it goes in.
LOAN_ROW = (
    '<tr{overdue_class}><td>{title} <small>{library}</small></td><td class="mono">{barcode}</td>'
    "<td>{due}{overdue_flag}{renewals}</td>"
    '<td class="row-actions"><button type="submit" name="loan" value="{pk}">{renew}'
    '<span class="visually-hidden"> {barcode}</span></button> '
    '<a href="{base}loans/{pk}/">{more}<span class="visually-hidden"> {barcode}</span></a></td></tr>\n'
)
FEE_ROW = '<tr><td>{kind}</td><td>{about}{note}</td><td class="num">{amount}</td><td class="num">{outstanding}</td>{waive}</tr>\n'
FEE_ABOUT = '{title} <span class="mono">{barcode}</span> '
FEE_WAIVE = '<td><a href="{base}fees/{pk}/waive/">{label}<span class="visually-hidden"> {kind} {outstanding} đ</span></a></td>'


def loan_rows(loans, base: str) -> str:
    """The rows of the loans table for LOANS (from reader_account), links under the reader page BASE."""
    tz = timezone.get_current_timezone()
    renew, more, base = html_escape(_("Gia hạn")), html_escape(_("Mất, đã trả…")), html_escape(base)
    flag = f' <strong class="flag">{html_escape(_("Quá hạn"))}</strong>'
    rows = [
        LOAN_ROW.format(
            overdue_class=' class="overdue"' if loan.overdue else "",
            title=html_escape(_short(loan.item.record.title, 120)), library=html_escape(loan.library.code),
            barcode=html_escape(loan.item.barcode), due=due_text(loan.due_at, tz),
            overdue_flag=flag if loan.overdue else "",
            renewals=f" <small>(+{loan.renewals})</small>" if loan.renewals else "",
            pk=loan.pk, base=base, renew=renew, more=more,
        )
        for loan in loans
    ]  # fmt: skip
    return mark_safe("".join(rows))  # noqa: S308 - every value is escaped


def fee_note(fee) -> str:
    """The fee's note for people: the core writes "delivery:<id>" on postal fees."""
    if fee.note.startswith("delivery:"):
        return _("Yêu cầu gửi bưu điện số %(id)s") % {"id": fee.note.split(":", 1)[1]}
    return fee.note_display


def fee_rows(fees, base: str, manage: bool) -> str:
    """The rows of the fees table (a waive link per fee for staff who manage the reader)."""
    label, base = html_escape(_("Miễn")), html_escape(base)
    rows = []
    for fee in fees:
        about = ""
        if fee.loan_id and fee.loan.item_id:
            item = fee.loan.item
            about = FEE_ABOUT.format(
                title=html_escape(_short(item.record.title, 80)), barcode=html_escape(item.barcode)
            )
        kind, outstanding = html_escape(str(fee.get_kind_display())), money(fee.outstanding)
        waive = (
            FEE_WAIVE.format(base=base, pk=fee.pk, label=label, kind=kind, outstanding=outstanding)
            if manage
            else ""
        )
        rows.append(FEE_ROW.format(kind=kind, about=about, note=html_escape(fee_note(fee)), amount=money(fee.amount),
                                   outstanding=outstanding, waive=waive))  # fmt: skip
    return mark_safe("".join(rows))  # noqa: S308 - every value is escaped


@desk_required
@require_GET
def reader_page(request, reader_id: int):
    reader = servable_reader(request, reader_id)
    return render_desk(request, "staff/desk/reader.html", _reader_context(request, reader))


def remember(request, key: str, entry: dict, reader_id: int | None = None) -> None:
    """Keep ENTRY at the top of this session's list of scans (per reader for checkouts)."""
    store = request.session.get(key, {} if reader_id is not None else [])
    if reader_id is not None:
        previous = store.pop(str(reader_id), [])
        store[str(reader_id)] = [entry, *previous][:MAX_SCANS]
        # Forget the readers served longest ago so the session stays small.
        if len(store) > 20:
            store = dict(list(store.items())[-20:])
    else:
        store = [entry, *store][:MAX_SCANS]
    request.session[key] = store


def find_item(barcode: str, library: Library) -> Item | None:
    """The copy with BARCODE if it belongs to LIBRARY's network: a copy of another network is unknown here."""
    item = Item.objects.select_related("library", "record").filter(barcode=barcode).first()
    if item is None or not same_network(item.library, library):
        return None
    return item


@desk_required
@require_POST
def checkout_scan(request, reader_id: int):
    """Lend one scanned copy; with htmx answer the result line (and the refreshed loans), else redirect."""
    reader = servable_reader(request, reader_id)
    library = request.desk_library
    override = request.POST.get("override") == "1"
    if override and not is_admin_at(request.user, library):
        raise PermissionDenied
    barcode = (request.POST.get("barcode") or "").strip()[:64]
    status = 200
    entry = {"barcode": barcode, "ok": False, "at": f"{timezone.localtime():%H:%M}", "override": override}
    item = find_item(barcode, library) if barcode else None
    if not barcode:
        entry["message"] = _("Hãy quét mã vạch bản sách.")
    elif item is None:
        entry["message"] = _("Không có bản sách mang mã vạch này.")
        status = 404
    else:
        entry["title"] = item.record.title[:200]
        try:
            loan = actions.checkout(item=item, reader=reader, library=library, actor=request.user,
                                    override=override)  # fmt: skip
        except CirculationError as error:
            entry["message"] = error.message
        else:
            entry["ok"] = True
            entry["due"] = due_text(loan.due_at)
    remember(request, SESSION_CHECKOUTS, entry, reader.pk)
    if is_htmx(request):
        context = _reader_context(request, reader)
        context["entry"] = entry
        return render(request, "staff/desk/_checkout_result.html", context, status=status)
    if status != 200:
        return render_desk(request, "staff/desk/reader.html", _reader_context(request, reader), status=status)
    return redirect(reader_url(reader))


# --- renewals and losses ------------------------------------------------------------------------


@desk_required
@require_POST
def renew_loans(request, reader_id: int):
    reader = servable_reader(request, reader_id)
    if request.POST.get("all"):
        renewed, refused = actions.renew_all(reader=reader, actor=request.user)
        if renewed:
            messages.success(request, _("Đã gia hạn %(count)d bản.") % {"count": len(renewed)})
        for loan, error in refused:
            messages.error(request, f"{loan.item.barcode}: {error.message}")
        if not renewed and not refused:
            messages.info(request, _("Bạn đọc không có bản nào đang mượn."))
    else:
        loan_id = int_or_none(request.POST.get("loan"))
        if loan_id is None:
            raise Http404
        try:
            loan = actions.renew(loan=loan_id, actor=request.user, reader=reader)
        except CirculationError as error:
            if error.code in ("loan_unknown", "not_yours"):
                raise Http404 from None
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Đã gia hạn %(barcode)s đến %(date)s.")
                % {"barcode": loan.item.barcode, "date": due_text(loan.due_at)},
            )
    return redirect(reader_url(reader) + "#loans")


def _open_loan(reader: Reader, loan_id: int) -> Loan:
    loan = (
        Loan.objects.select_related("item__record", "library")
        .filter(pk=loan_id, reader=reader, returned_at__isnull=True)
        .first()
    )
    if loan is None:
        raise Http404
    return loan


@desk_required
@require_GET
def loan_page(request, reader_id: int, loan_id: int):
    """One loan, with what else can be done about it: lost, or the reader says he returned it."""
    reader = servable_reader(request, reader_id)
    loan = _open_loan(reader, loan_id)
    price = loan.item.price
    return render_desk(request, "staff/desk/loan.html", {
        "reader": reader, "loan": loan, "reader_url": reader_url(reader), "nav": "lookup",
        "overdue": loan.due_at < timezone.now(), "price_text": money(price) if price is not None else None,
    })  # fmt: skip


@desk_required
@require_POST
def loan_lost(request, reader_id: int, loan_id: int):
    """Record the copy as lost: the loan ends and the reader is charged its price."""
    reader = servable_reader(request, reader_id)
    loan = _open_loan(reader, loan_id)
    try:
        fee = actions.mark_lost(loan=loan, actor=request.user, library=request.desk_library)
    except CirculationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Đã ghi mất %(barcode)s; bạn đọc phải bồi thường %(amount)s đ.")
            % {"barcode": loan.item.barcode, "amount": money(fee.amount)},
        )
    return redirect(reader_url(reader) + "#loans")


@desk_required
@require_POST
def loan_claims_returned(request, reader_id: int, loan_id: int):
    """Close the loan the reader says he returned, without a further fine; the copy is searched for."""
    reader = servable_reader(request, reader_id)
    loan = _open_loan(reader, loan_id)
    try:
        actions.claims_returned(loan=loan, actor=request.user, library=request.desk_library)
    except CirculationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Đã ghi nhận bạn đọc báo đã trả %(barcode)s; bản sách được ghi là không tìm thấy.")
            % {"barcode": loan.item.barcode},
        )
    return redirect(reader_url(reader) + "#loans")


# --- holds placed for a reader ------------------------------------------------------------------


def network_libraries(library: Library):
    """Active libraries of LIBRARY's network: where a reader may pick up a hold."""
    return Library.objects.filter(path__startswith=f"/{network_root(library)}/", active=True).order_by("path")


@desk_required
@require_http_methods(["GET", "POST"])
def hold_new(request, reader_id: int):
    """Place a hold for the reader: by record number, or a title found with the catalogue's search."""
    reader = servable_reader(request, reader_id)
    library = request.desk_library
    pickups = network_libraries(library)
    if request.method == "POST":
        record_id = int_or_none(request.POST.get("record"))
        pickup = pickups.filter(pk=int_or_none(request.POST.get("pickup"))).first()
        if record_id is None or pickup is None:
            messages.error(request, _("Hãy chọn tài liệu và thư viện nhận."))
        else:
            try:
                hold = actions.place_hold(reader=reader, record=record_id, pickup_library=pickup,
                                          actor=request.user, channel="desk")  # fmt: skip
            except CirculationError as error:
                messages.error(request, error.message)
            else:
                messages.success(
                    request,
                    _("Đã đặt giữ «%(title)s», nhận tại %(library)s.")
                    % {"title": hold.record.title, "library": pickup.name},
                )
                return redirect(reader_url(reader) + "#holds")
    q = (request.GET.get("q") or request.POST.get("q") or "").strip()[:200]
    hits = []
    if q:
        hits = _find_titles(q, library)
    return render_desk(request, "staff/desk/hold_new.html", {
        "reader": reader, "q": q, "hits": hits, "pickups": pickups, "reader_url": reader_url(reader),
        "nav": "lookup",
    })  # fmt: skip


def _find_titles(q: str, library: Library) -> list:
    """Records for Q: a record number, else the OPAC's search (folded Vietnamese) within the network."""
    from thuvien.search.service import SearchRequest, search

    hits = []
    if q.isdigit():
        record = Record.objects.filter(pk=int(q), deleted_at__isnull=True).first()
        if record is not None:
            hits.append({"record": record, "copies": _network_copies(record, library)})
    if not hits:
        result = search(SearchRequest(q=q, library=network_root(library), per_page=20, facets=False))
        for hit in result.hits:
            copies = [i for i in hit.items if same_network(i.library, library)]
            hits.append({"record": hit.record, "copies": copies})
    for hit in hits:
        copies = hit["copies"]
        hit["count"] = len(copies)
        hit["available"] = sum(1 for i in copies if i.status == "available")
    return hits


def _network_copies(record: Record, library: Library) -> list[Item]:
    items = Item.objects.filter(record=record).select_related("library")
    return [i for i in items if same_network(i.library, library)]


@desk_required
@require_POST
def hold_cancel(request, reader_id: int, hold_id: int):
    reader = servable_reader(request, reader_id)
    if not Hold.objects.filter(pk=hold_id, reader=reader).exists():
        raise Http404
    try:
        actions.cancel_hold(hold=hold_id, actor=request.user, reader=reader)
    except CirculationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Đã hủy yêu cầu giữ."))
    return redirect(reader_url(reader) + "#holds")
