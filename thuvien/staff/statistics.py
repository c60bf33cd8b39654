"""The periodic statistics reports (/staff/statistics/): list, create, fill in, submit, decide, export, summary."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from thuvien.reports import exports, statistics
from thuvien.reports.models import PeriodKind, ReportStatus, StatisticsReport
from thuvien.reports.periods import Period
from thuvien.reports.queries import preparable_libraries, readable_libraries
from thuvien.reports.statistics_actions import (
    TRANSITIONS,
    InvalidFigures,
    NotAllowed,
    StatisticsError,
    allowed_actions,
    create_report,
    refresh_system_figures,
    save_figures,
    transition,
)
from thuvien.reports.statistics_queries import is_reviewer, report_for, reports_for, summary_reports
from thuvien.staff.views import reports_required

QUARTERS = [(1, "I"), (2, "II"), (3, "III"), (4, "IV")]
EVENT_LABELS = {
    "create": gettext_lazy("Lập báo cáo"),
    "save": gettext_lazy("Lưu số liệu"),
    "refresh": gettext_lazy("Cập nhật số liệu hệ thống"),
    "submit": gettext_lazy("Gửi duyệt"),
    "return": gettext_lazy("Trả lại"),
    "approve": gettext_lazy("Duyệt"),
}


def _int(value, low: int, high: int) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if low <= number <= high else None


def _years() -> list[int]:
    this = timezone.localdate().year
    return list(range(this, this - 11, -1))


def _period_from(params) -> tuple[str, int | None, int | None]:
    """Read a period (kind, year, quarter) from query or form parameters; None where missing or invalid."""
    kind = params.get("kind") if params.get("kind") in PeriodKind.values else ""
    year = _int(params.get("year"), 2000, 2100)
    quarter = _int(params.get("quarter"), 1, 4) if kind == PeriodKind.QUARTER else None
    return kind, year, quarter


@reports_required
@require_GET
def report_list(request):
    reports = reports_for(request.user).select_related("library", "submitted_by")
    kind, year, quarter = _period_from(request.GET)
    if kind:
        reports = reports.filter(period_kind=kind)
    if year:
        reports = reports.filter(year=year)
    if quarter:
        reports = reports.filter(quarter=quarter)
    status = request.GET.get("status") if request.GET.get("status") in ReportStatus.values else ""
    if status:
        reports = reports.filter(status=status)
    library_code = (request.GET.get("library") or "").strip()[:40]
    if library_code:
        reports = reports.filter(library__code=library_code)
    page = Paginator(reports.order_by("-year", "-quarter", "library__path"), 50).get_page(
        request.GET.get("page")
    )
    for report in page:
        report.period_text = statistics.report_period_label(report)
    libraries = readable_libraries(request.user).order_by("path")
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "staff/statistics/list.html",
        {
            "page": page,
            "libraries": libraries[:500],
            "statuses": ReportStatus.choices,
            "kinds": PeriodKind.choices,
            "quarters": QUARTERS,
            "years": _years(),
            "filters": {
                "kind": kind,
                "year": year,
                "quarter": quarter,
                "status": status,
                "library": library_code,
            },
            "query": query.urlencode(),
            "can_create": preparable_libraries(request.user).exists(),
            "is_reviewer": is_reviewer(request.user),
        },
    )


@reports_required
@require_http_methods(["GET", "POST"])
def report_create(request):
    libraries = list(preparable_libraries(request.user).order_by("path")[:500])
    if not libraries:
        raise PermissionDenied
    today = timezone.localdate()
    errors: list[str] = []
    values = {"library": libraries[0].code, "kind": PeriodKind.QUARTER, "year": today.year,
              "quarter": (today.month - 1) // 3 + 1}  # fmt: skip
    if request.method == "POST":
        kind, year, quarter = _period_from(request.POST)
        code = (request.POST.get("library") or "").strip()
        values = {"library": code, "kind": kind, "year": year, "quarter": quarter}
        library = preparable_libraries(request.user).filter(code=code).first()
        if library is None:
            errors.append(_("Chọn một thư viện bạn được lập báo cáo."))
        if not kind or not year or (kind == PeriodKind.QUARTER and not quarter):
            errors.append(_("Chọn kỳ báo cáo: năm, hoặc quý và năm."))
        if not errors:
            try:
                report = create_report(library, Period(year, quarter), request.user)
            except StatisticsError as exc:
                errors.append(str(exc))
                existing = StatisticsReport.objects.filter(
                    library=library, period_kind=kind, year=year, quarter=quarter
                ).first()
                if existing is not None:
                    messages.info(request, str(exc))
                    return redirect("staff_statistics:report", existing.pk)
            else:
                messages.success(request, _("Đã lập báo cáo, số liệu hệ thống đã được điền sẵn."))
                return redirect("staff_statistics:report", report.pk)
    return render(
        request,
        "staff/statistics/create.html",
        {"libraries": libraries, "kinds": PeriodKind.choices, "quarters": QUARTERS, "years": _years(),
         "values": values, "errors": errors},
        status=400 if errors else 200,
    )  # fmt: skip


def _form_rows(report: StatisticsReport, raw: dict | None = None, errors: dict | None = None) -> list:
    """The form's lines with what to show in each input: the stored value, or what was typed and refused."""
    result = []
    for line in statistics.rows(report):
        if line.field is not None:
            code = line.field.code
            if raw is not None and code in raw:
                line.shown = raw[code]
            else:
                line.shown = statistics.display_value(line.field, line.value)
            line.system_shown = (
                statistics.display_value(line.field, line.system) if line.field.is_system else ""
            )
            line.error = (errors or {}).get(code, "")
        result.append(line)
    return result


def _render_report(request, report, *, raw=None, errors=None, note=None, status=200):
    actions = allowed_actions(request.user, report)
    events = list(report.events.select_related("actor"))
    statuses = dict(ReportStatus.choices)
    for event in events:
        event.label = EVENT_LABELS.get(event.action, event.action)
        event.status_label = statuses.get(event.status_to, event.status_to)
    changed = statistics.changed_codes(report)
    return render(
        request,
        "staff/statistics/report.html",
        {
            "report": report,
            "period_text": statistics.report_period_label(report),
            "rows": _form_rows(report, raw, errors),
            "editable": "save" in actions,
            "actions": actions,
            "transitions": {a: TRANSITIONS[a] for a in actions if a in TRANSITIONS},
            "events": events,
            "note": report.note if note is None else note,
            "changed_count": len(changed),
            "errors": errors or {},
        },
        status=status,
    )


@reports_required
@require_GET
def report_detail(request, pk: int):
    return _render_report(request, report_for(request.user, pk))


@reports_required
@require_POST
def report_save(request, pk: int):
    report = report_for(request.user, pk)
    raw = {f.code: request.POST.get(f.code, "") for f in statistics.FIELDS if f.code in request.POST}
    note = request.POST.get("note", "")
    try:
        report = save_figures(report, raw, note, request.user)
    except NotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc
    except InvalidFigures as exc:
        messages.error(request, str(exc))
        return _render_report(request, report, raw=raw, errors=exc.errors, note=note, status=400)
    except StatisticsError as exc:
        messages.error(request, str(exc))
        return redirect("staff_statistics:report", report.pk)
    if request.POST.get("then") == "submit":
        try:
            transition(report, "submit", request.user)
        except NotAllowed as exc:
            raise PermissionDenied(str(exc)) from exc
        except InvalidFigures as exc:
            messages.error(request, _("Đã lưu số liệu.") + " " + str(exc))
            report.refresh_from_db()
            return _render_report(request, report, errors=exc.errors, status=400)
        except StatisticsError as exc:
            messages.error(request, str(exc))
            return redirect("staff_statistics:report", report.pk)
        messages.success(request, _("Đã lưu và gửi báo cáo để cấp trên duyệt."))
    else:
        messages.success(request, _("Đã lưu số liệu."))
    return redirect("staff_statistics:report", report.pk)


@reports_required
@require_POST
def report_refresh(request, pk: int):
    report = report_for(request.user, pk)
    try:
        kept = refresh_system_figures(report, request.user)
    except NotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc
    except StatisticsError as exc:
        messages.error(request, str(exc))
        return redirect("staff_statistics:report", report.pk)
    if kept:
        labels = ", ".join(statistics.FIELD_BY_CODE[c].row for c in kept)
        messages.success(
            request,
            _("Đã cập nhật số liệu hệ thống; giữ nguyên các số đã sửa tay (mã số %(rows)s).")
            % {"rows": labels},
        )
    else:
        messages.success(request, _("Đã cập nhật số liệu hệ thống."))
    return redirect("staff_statistics:report", report.pk)


@reports_required
@require_POST
def report_transition(request, pk: int, action: str):
    report = report_for(request.user, pk)
    if action not in TRANSITIONS:
        raise Http404
    try:
        transition(report, action, request.user, request.POST.get("comment", ""))
    except NotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc
    except InvalidFigures as exc:
        messages.error(request, str(exc))
        return _render_report(request, report, errors=exc.errors, status=400)
    except StatisticsError as exc:
        messages.error(request, str(exc))
        return redirect("staff_statistics:report", report.pk)
    done = {
        "submit": _("Đã gửi báo cáo để cấp trên duyệt."),
        "return": _("Đã trả lại báo cáo cho thư viện."),
        "approve": _("Đã duyệt báo cáo."),
    }
    messages.success(request, done[action])
    return redirect("staff_statistics:report", report.pk)


def _download(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@reports_required
@require_GET
def report_export(request, pk: int, fmt: str):
    report = report_for(request.user, pk)
    if fmt == "xlsx":
        return _download(exports.report_xlsx(report), exports.XLSX_TYPE, exports.filename(report, "xlsx"))
    if fmt == "csv":
        return _download(exports.report_csv(report), exports.CSV_TYPE, exports.filename(report, "csv"))
    if fmt == "pdf":
        try:
            content = exports.report_pdf(report)
        except exports.ExportError as exc:
            messages.error(request, str(exc))
            return redirect("staff_statistics:report", report.pk)
        return _download(content, exports.PDF_TYPE, exports.filename(report, "pdf"))
    raise Http404


def _summary_period(request) -> tuple[str, int, int | None]:
    kind, year, quarter = _period_from(request.GET)
    today = timezone.localdate()
    if not kind:
        kind = PeriodKind.YEAR
    if not year:
        year = today.year - 1 if kind == PeriodKind.YEAR else today.year
    if kind == PeriodKind.QUARTER and not quarter:
        quarter = (today.month - 1) // 3 + 1
    return kind, year, quarter


def _scope_text(request) -> str:
    top = readable_libraries(request.user).order_by("path").first()
    return f"{top.name} ({top.code})" if top else ""


@reports_required
@require_GET
def summary(request):
    if not is_reviewer(request.user):
        raise PermissionDenied
    kind, year, quarter = _summary_period(request)
    include_submitted = request.GET.get("submitted") == "1"
    table = exports.summarise(
        summary_reports(request.user, kind, year, quarter, include_submitted=include_submitted)
    )
    rows = [
        (
            report,
            [statistics.display_value(f, v) for f, v in zip(table.fields, table.cells(report), strict=True)],
        )
        for report in table.reports
    ]
    totals = [statistics.display_value(f, v) for f, v in zip(table.fields, table.total_cells(), strict=True)]
    # The libraries the summary still lacks, so the department knows whom to chase.
    reported = {r.library_id for r in table.reports}
    missing = [lib for lib in readable_libraries(request.user).filter(active=True).order_by("path")[:1000]
               if lib.pk not in reported]  # fmt: skip
    return render(
        request,
        "staff/statistics/summary.html",
        {
            "table": table,
            "rows": rows,
            "totals": totals,
            "missing": missing,
            "kind": kind,
            "year": year,
            "quarter": quarter,
            "include_submitted": include_submitted,
            "period_text": statistics.period_label(kind, year, quarter),
            "kinds": PeriodKind.choices,
            "quarters": QUARTERS,
            "years": _years(),
            "query": request.GET.urlencode(),
        },
    )


@reports_required
@require_GET
def summary_export(request, fmt: str):
    if not is_reviewer(request.user):
        raise PermissionDenied
    if fmt not in ("xlsx", "csv"):
        raise Http404
    kind, year, quarter = _summary_period(request)
    include_submitted = request.GET.get("submitted") == "1"
    table = exports.summarise(
        summary_reports(request.user, kind, year, quarter, include_submitted=include_submitted)
    )
    period = f"{year}-Q{quarter}" if quarter else str(year)
    name = f"tong-hop-bao-cao-thong-ke-{period}-{timezone.localdate():%Y%m%d}.{fmt}"
    if fmt == "xlsx":
        content = exports.summary_xlsx(
            table, period=statistics.period_label(kind, year, quarter), scope=_scope_text(request)
        )
        return _download(content, exports.XLSX_TYPE, name)
    return _download(exports.summary_csv(table), exports.CSV_TYPE, name)
