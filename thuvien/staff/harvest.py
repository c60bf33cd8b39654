"""Staff pages for OAI-PMH harvesting: the sources, their settings, "harvest now", and each run's report."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from thuvien.accounts.policies import CAN_CATALOGUE
from thuvien.accounts.queries import libraries_for
from thuvien.interop.oaipmh import harvester
from thuvien.interop.oaipmh.models import HarvestRun, HarvestSource
from thuvien.staff.views import staff_required

# What each kind of problem in a run's report is called on the page.
PROBLEM_LABELS = {
    "rejected": gettext_lazy("Từ chối"),
    "retry": gettext_lazy("Thử lại"),
    "kept": gettext_lazy("Giữ lại"),
    "withdrawn": gettext_lazy("Thanh lý"),
    "imported": gettext_lazy("Mới, có ghi chú"),
    "updated": gettext_lazy("Cập nhật, có ghi chú"),
    "attached": gettext_lazy("Gộp, có ghi chú"),
    "shared": gettext_lazy("Trùng khoá"),
}


class SourceForm(forms.ModelForm):
    class Meta:
        model = HarvestSource
        fields = [
            "code", "name", "base_url", "metadata_prefix", "set_spec", "library", "interval_hours", "active",
            "allow_private", "max_response_bytes", "timeout_seconds",
        ]  # fmt: skip
        widgets = {"base_url": forms.URLInput(attrs={"placeholder": "https://thuvien.example.vn/oai"})}
        help_texts = {
            "code": gettext_lazy("Chữ thường, số và gạch ngang, ví dụ: thuvien-xa-hoa-binh."),
            "set_spec": gettext_lazy("Để trống để thu thập toàn bộ kho."),
            "library": gettext_lazy(
                "Thư viện cung cấp biểu ghi; bản sách không ghi thư viện nào thuộc về thư viện này."
            ),
            "allow_private": gettext_lazy(
                "Chỉ bật cho máy chủ trong mạng nội bộ của hệ thống thư viện; mặc định các địa chỉ nội bộ bị từ chối."
            ),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["library"].queryset = libraries_for(user, CAN_CATALOGUE).order_by("path")
        if not user.is_superuser:
            # Reaching the network's own machines is the system administrator's decision (SSRF).
            del self.fields["allow_private"]


def _catalogue_libraries(request):
    libraries = libraries_for(request.user, CAN_CATALOGUE)
    if not libraries.exists():
        raise PermissionDenied
    return libraries


def _source(request, code: str) -> HarvestSource:
    source = get_object_or_404(HarvestSource.objects.select_related("library"), code=code)
    if not libraries_for(request.user, CAN_CATALOGUE).filter(pk=source.library_id).exists():
        raise PermissionDenied
    return source


def _freshness(source: HarvestSource, last_success) -> str:
    """ "fresh", "stale" (no success within two intervals) or "never"."""
    if last_success is None:
        return "never"
    if source.interval_hours and timezone.now() - last_success > timedelta(hours=2 * source.interval_hours):
        return "stale"
    return "fresh"


@staff_required
def sources(request):
    libraries = _catalogue_libraries(request)
    runs = HarvestRun.objects.filter(source=OuterRef("pk")).order_by("-started_at", "-id")
    rows = list(
        HarvestSource.objects.filter(library__in=libraries)
        .select_related("library")
        .annotate(
            last_run_id=Subquery(runs.values("id")[:1]),
            last_success=Subquery(runs.filter(status=HarvestRun.Status.SUCCEEDED).values("finished_at")[:1]),
        )
        .order_by("code")
    )
    last_runs = HarvestRun.objects.in_bulk([s.last_run_id for s in rows if s.last_run_id])
    for source in rows:
        source.last_run = last_runs.get(source.last_run_id)
        source.freshness = _freshness(source, source.last_success)
    return render(request, "staff/harvest/sources.html", {"sources": rows})


@staff_required
@require_http_methods(["GET", "POST"])
def source_new(request):
    _catalogue_libraries(request)
    form = SourceForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        source = harvester.save_source(form.save(commit=False), actor=request.user)
        messages.success(request, _("Đã thêm nguồn thu thập «%(code)s».") % {"code": source.code})
        return redirect("staff_harvest:source", code=source.code)
    return render(request, "staff/harvest/source_form.html", {"form": form, "source": None})


@staff_required
@require_http_methods(["GET", "POST"])
def source_edit(request, code: str):
    source = _source(request, code)
    form = SourceForm(request.POST or None, instance=source, user=request.user)
    if request.method == "POST" and form.is_valid():
        source = harvester.save_source(form.save(commit=False), actor=request.user)
        messages.success(request, _("Đã lưu nguồn thu thập."))
        return redirect("staff_harvest:source", code=source.code)
    return render(request, "staff/harvest/source_form.html", {"form": form, "source": source})


@staff_required
def source_detail(request, code: str):
    source = _source(request, code)
    page = Paginator(source.runs.order_by("-started_at", "-id"), 25).get_page(request.GET.get("page"))
    last_success = (
        source.runs.filter(status=HarvestRun.Status.SUCCEEDED).order_by("-finished_at").values_list(
            "finished_at", flat=True
        ).first()
    )  # fmt: skip
    return render(
        request,
        "staff/harvest/source.html",
        {
            "source": source,
            "page": page,
            "last_success": last_success,
            "freshness": _freshness(source, last_success),
            "harvested": source.harvested.filter(deleted=False).count(),
            "busy": source.runs.filter(status__in=HarvestRun.ACTIVE).exists(),
        },
    )


@staff_required
@require_POST
def source_run(request, code: str):
    source = _source(request, code)
    try:
        run = harvester.start_run(source, full=request.POST.get("full") == "1", actor=request.user)
    except harvester.HarvestBusy as exc:
        messages.error(request, exc.message)
        return redirect("staff_harvest:source", code=source.code)
    # The worker carries it out (at once where tasks run immediately); the report page follows it.
    harvester.harvest_task.enqueue(run.pk)
    messages.success(request, _("Đã bắt đầu thu thập; trang này cho biết kết quả."))
    return redirect("staff_harvest:run", run_id=run.pk)


@staff_required
def run_detail(request, run_id: int):
    run = get_object_or_404(
        HarvestRun.objects.select_related("source", "source__library", "actor"), pk=run_id
    )
    if not libraries_for(request.user, CAN_CATALOGUE).filter(pk=run.source.library_id).exists():
        raise PermissionDenied
    return render(
        request,
        "staff/harvest/run.html",
        {
            "run": run,
            "source": run.source,
            "problems": [
                {**p, "label": PROBLEM_LABELS.get(p.get("status"), p.get("status", ""))}
                for p in run.problems or []
            ],
        },
    )
