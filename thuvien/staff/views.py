"""Staff pages: parse input, check who is asking, call an action, render."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from thuvien.accounts.policies import CAN_CATALOGUE
from thuvien.accounts.queries import is_staff_member, libraries_for
from thuvien.catalog import actions
from thuvien.catalog.marc_edit import Row, record_to_rows, rows_to_record
from thuvien.catalog.models import Item, Record
from thuvien.catalog.queries import can_edit_record, records_for_staff
from thuvien.interop.marc import record_from_json
from thuvien.staff.forms import ImportForm, ItemForm

MAX_UPLOAD = 50 * 1024 * 1024
NEW_RECORD_LEADER = "00000nam a2200000 i 4500"


def staff_required(view):
    @functools.wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not is_staff_member(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def reports_required(view):
    """Let in whoever reads some library's figures: library staff, the department's managers, inspectors."""

    @functools.wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        from thuvien.reports.queries import is_reports_user

        if not is_reports_user(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@login_required
def home(request):
    if not is_staff_member(request.user):
        from thuvien.reports.queries import is_reports_user

        # The department's managers and inspectors work in the management pages only.
        if is_reports_user(request.user):
            return redirect("staff_reports:dashboard")
        raise PermissionDenied
    libraries = libraries_for(request.user)
    return render(
        request,
        "staff/home.html",
        {
            "libraries": libraries[:50],
            "library_count": libraries.count(),
            "can_catalogue": libraries_for(request.user, CAN_CATALOGUE).exists(),
        },
    )


@staff_required
def record_list(request):
    q = (request.GET.get("q") or "").strip()[:200]
    records = records_for_staff(request.user).order_by("-updated_at")
    if q:
        if q.isdigit():
            records = records.filter(pk=int(q)) | records.filter(control_number=q)
        else:
            records = records.filter(Q(title__icontains=q) | Q(author__icontains=q))
    page = Paginator(records.only("id", "title", "author", "year", "updated_at", "suppressed"), 25).get_page(
        request.GET.get("page")
    )
    return render(request, "staff/records.html", {"page": page, "q": q})


def _rows_from_post(post) -> list[Row]:
    tags, ind1s, ind2s, values = (post.getlist(k) for k in ("tag", "ind1", "ind2", "value"))
    rows = []
    for n in range(min(len(tags), 2000)):
        rows.append(
            Row(
                tags[n],
                ind1s[n] if n < len(ind1s) else " ",
                ind2s[n] if n < len(ind2s) else " ",
                values[n] if n < len(values) else "",
            )
        )
    return rows


@staff_required
@require_http_methods(["GET", "POST"])
def record_edit(request, record_id: int | None = None):
    record = None
    if record_id is not None:
        record = get_object_or_404(Record, pk=record_id, deleted_at__isnull=True)
        if not can_edit_record(request.user, record):
            raise PermissionDenied
    elif not libraries_for(request.user, CAN_CATALOGUE).exists():
        raise PermissionDenied
    errors: list[str] = []
    if request.method == "POST":
        leader = request.POST.get("leader", "")
        rows = _rows_from_post(request.POST)
        marc, errors = rows_to_record(leader, rows)
        if not errors:
            library = libraries_for(request.user, CAN_CATALOGUE).order_by("path").first()
            record = actions.save_record(record, marc, actor=request.user, library=library)
            if "suppressed" in request.POST and not record.suppressed:
                actions.set_suppressed(record, True, actor=request.user)
            elif "suppressed" not in request.POST and record.suppressed:
                actions.set_suppressed(record, False, actor=request.user)
            messages.success(request, _("Đã lưu biểu ghi."))
            return redirect("staff:record_edit", record.pk)
    else:
        if record is not None:
            marc = record_from_json(record.marc)
            leader, rows = str(marc.leader), record_to_rows(marc)
        else:
            leader = NEW_RECORD_LEADER
            rows = [
                Row("008", "", "", " " * 40),
                Row("020"),
                Row("041", "0", " ", "$avie"),
                Row("082", "0", "4"),
                Row("100", "0"),
                Row("245", "1", "0"),
                Row("264", " ", "1"),
                Row("300"),
                Row("650", " ", "7"),
            ]
    rows = rows + [Row("", " ", " ", "") for _ in range(5)]
    items = []
    if record is not None:
        items = record.items.select_related("library").order_by("library__path", "barcode")
    editable_libraries = set(libraries_for(request.user, CAN_CATALOGUE).values_list("id", flat=True))
    return render(request, "staff/record_edit.html", {
        "record": record, "leader": leader, "rows": rows, "errors": errors, "items": items,
        "editable_libraries": editable_libraries,
    })  # fmt: skip


@staff_required
@require_http_methods(["GET", "POST"])
def item_edit(request, item_id: int | None = None, record_id: int | None = None):
    libraries = libraries_for(request.user, CAN_CATALOGUE)
    if item_id is not None:
        item = get_object_or_404(Item.objects.select_related("record"), pk=item_id)
        if not libraries.filter(pk=item.library_id).exists():
            raise PermissionDenied
        record = item.record
    else:
        record = get_object_or_404(Record, pk=record_id, deleted_at__isnull=True)
        if not libraries.exists():
            raise PermissionDenied
        item = Item(record=record)
    form = ItemForm(request.POST or None, instance=item, libraries=libraries)
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_item(form.save(commit=False), actor=request.user)
        except IntegrityError:
            form.add_error("barcode", _("Mã vạch này đã có trong mạng lưới."))
        else:
            messages.success(request, _("Đã lưu bản sách."))
            return redirect("staff:record_edit", record.pk)
    return render(request, "staff/item_edit.html", {"form": form, "item": item, "record": record})


@staff_required
@require_http_methods(["GET", "POST"])
def import_view(request):
    libraries = libraries_for(request.user, CAN_CATALOGUE)
    if not libraries.exists():
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None, libraries=libraries)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            form.add_error("file", _("Tệp quá lớn (tối đa 50 MB); hãy dùng lệnh thuvien import-marc."))
        else:
            report = actions.import_marc(
                upload.read(), library=form.cleaned_data["library"], encoding=form.cleaned_data["encoding"],
                actor=request.user, filename=upload.name,
            )  # fmt: skip
    return render(request, "staff/import.html", {"form": form, "report": report})
