"""Staff pages of the union catalogue: the review queue of likely duplicates, merging and unmerging."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from thuvien.accounts.policies import CAN_CATALOGUE
from thuvien.accounts.queries import libraries_for
from thuvien.catalog import actions
from thuvien.catalog.exceptions import CatalogError
from thuvien.catalog.models import DuplicateCandidate, Item, Record, RecordMerge
from thuvien.catalog.queries import can_edit_record, records_for_staff
from thuvien.staff.views import staff_required

PER_PAGE = 25


class MergeForm(forms.Form):
    merged = forms.IntegerField(label=gettext_lazy("Gộp biểu ghi số"), min_value=1)
    survivor = forms.IntegerField(label=gettext_lazy("vào biểu ghi số"), min_value=1)


def _cataloguer(request) -> None:
    if not libraries_for(request.user, CAN_CATALOGUE).exists():
        raise PermissionDenied


def _pair_for(request, pair_id: int) -> DuplicateCandidate:
    _cataloguer(request)
    pair = get_object_or_404(DuplicateCandidate.objects.select_related("record", "other"), pk=pair_id)
    if not (can_edit_record(request.user, pair.record) and can_edit_record(request.user, pair.other)):
        raise PermissionDenied
    return pair


def _side(record: Record) -> dict:
    """What a cataloger compares: the record's main fields, where it came from, and its copies by library."""
    copies = (
        Item.objects.filter(record=record)
        .values("library__code", "library__name")
        .annotate(n=Count("id"))
        .order_by("library__code")
    )
    return {
        "record": record,
        "isbns": ", ".join((record.search_data or {}).get("isbns", [])),
        "copies": list(copies),
        "contributors": sorted(
            {r.source_library.name for r in [record, *record.merged_records.all()] if r.source_library_id}
        ),
    }


@staff_required
@require_GET
def queue(request):
    _cataloguer(request)
    mine = records_for_staff(request.user)
    status = request.GET.get("status", "pending")
    if status not in DuplicateCandidate.Status.values:
        status = "pending"
    pairs = (
        DuplicateCandidate.objects.filter(status=status, record__in=mine, other__in=mine)
        .select_related("record", "other", "record__source_library", "other__source_library")
        .order_by("-score", "pk")
    )
    page = Paginator(pairs, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "staff/dedup/queue.html",
        {"page": page, "status": status, "statuses": DuplicateCandidate.Status.choices, "form": MergeForm()},
    )


@staff_required
@require_GET
def pair_view(request, pair_id: int):
    pair = _pair_for(request, pair_id)
    records = Record.objects.select_related("source_library").prefetch_related(
        Prefetch("merged_records", queryset=Record.objects.select_related("source_library"))
    )
    left = records.get(pk=pair.record_id)
    right = records.get(pk=pair.other_id)
    return render(
        request, "staff/dedup/pair.html", {"pair": pair, "left": _side(left), "right": _side(right)}
    )


@staff_required
@require_POST
def pair_merge(request, pair_id: int):
    pair = _pair_for(request, pair_id)
    keep = request.POST.get("keep")
    if keep not in ("record", "other"):
        messages.error(request, _("Hãy chọn biểu ghi được giữ lại."))
        return redirect("staff_dedup:pair", pair_id=pair.pk)
    survivor, merged = (pair.record, pair.other) if keep == "record" else (pair.other, pair.record)
    try:
        actions.merge_records(
            survivor, merged, actor=request.user, score=pair.score, reasons=list(pair.reasons or [])
        )
    except CatalogError as exc:
        messages.error(request, str(exc))
        return redirect("staff_dedup:pair", pair_id=pair.pk)
    messages.success(
        request,
        _("Đã gộp biểu ghi #%(merged)s vào #%(survivor)s.") % {"merged": merged.pk, "survivor": survivor.pk},
    )
    return redirect("staff_dedup:queue")


@staff_required
@require_POST
def pair_distinct(request, pair_id: int):
    pair = _pair_for(request, pair_id)
    try:
        actions.mark_distinct(pair, actor=request.user)
    except CatalogError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Đã ghi nhận: hai biểu ghi không trùng."))
    return redirect("staff_dedup:queue")


@staff_required
@require_POST
def merge_by_number(request):
    _cataloguer(request)
    form = MergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Hãy nhập hai số biểu ghi."))
        return redirect("staff_dedup:queue")
    mine = records_for_staff(request.user)
    merged = mine.filter(pk=form.cleaned_data["merged"]).first()
    survivor = mine.filter(pk=form.cleaned_data["survivor"]).first()
    if merged is None or survivor is None:
        messages.error(request, _("Không tìm thấy biểu ghi trong phạm vi biên mục của bạn."))
        return redirect("staff_dedup:queue")
    try:
        actions.merge_records(survivor, merged, actor=request.user)
    except CatalogError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Đã gộp biểu ghi #%(merged)s vào #%(survivor)s.")
            % {"merged": merged.pk, "survivor": survivor.pk},
        )
    return redirect("staff_dedup:merges")


def _merges_for(user):
    mine = records_for_staff(user)
    return RecordMerge.objects.filter(survivor__in=mine)


@staff_required
@require_GET
def merges(request):
    _cataloguer(request)
    rows = (
        _merges_for(request.user)
        .select_related("survivor", "merged", "merged__source_library", "actor", "undone_by")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "staff/dedup/merges.html", {"page": page})


@staff_required
@require_POST
def merge_undo(request, merge_id: int):
    _cataloguer(request)
    merge = get_object_or_404(_merges_for(request.user), pk=merge_id)
    try:
        restored = actions.unmerge(merge, actor=request.user)
    except CatalogError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Đã tách biểu ghi #%(id)s ra lại.") % {"id": restored.pk})
    return redirect("staff_dedup:merges")
