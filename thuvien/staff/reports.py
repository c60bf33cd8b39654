"""The management dashboards (/staff/reports/): indicators against targets, ranking, map, drill-down, traces.

A page reads one scope, a library the user may read (``reports.queries.readable_libraries``) given by its
code in ``?scope=`` (the highest one he reads by default); any other code is a 404, whether the library
exists or not.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from thuvien.network.models import Library
from thuvien.reports import dashboard as data
from thuvien.reports import indicators as engine
from thuvien.reports import snapshots
from thuvien.reports.indicator_admin import can_edit_indicators, can_refresh, request_refresh
from thuvien.reports.models import Aggregation, Indicator, IndicatorValue, ValueOrigin
from thuvien.reports.periods import Period
from thuvien.reports.queries import default_scope, readable_libraries
from thuvien.staff.reports_charts import trend_chart
from thuvien.staff.views import reports_required

RANKING_PAGE = 100
TRACE_PAGE = 100


def scope_of(request, code: str | None = None) -> Library:
    """Return the library named by CODE (or ?scope=) if the user reads it, else his default; 404 otherwise."""
    code = (code if code is not None else request.GET.get("scope") or "").strip().upper()[:40]
    if code:
        scope = readable_libraries(request.user).filter(code=code).first()
    else:
        scope = default_scope(request.user)
    if scope is None:
        raise Http404
    return scope


def year_of(value) -> int | None:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return None
    return year if 2000 <= year <= 2100 else None


def query(scope: Library, year: int | None = None, **extra) -> str:
    """Return the query string that keeps SCOPE and YEAR across the dashboard's links."""
    params = {"scope": scope.code}
    if year:
        params["year"] = year
    params.update({k: v for k, v in extra.items() if v not in (None, "")})
    return "?" + urlencode(params)


def crumbs(user, scope: Library) -> list[Library]:
    """Return SCOPE's ancestors the user reads, from the top (a commune librarian sees no province)."""
    codes = [c for c in scope.path.strip("/").split("/")[:-1] if c]
    if not codes:
        return []
    readable = {lib.code: lib for lib in readable_libraries(user).filter(code__in=codes)}
    return [readable[c] for c in codes if c in readable]


def _point_view(indicator: Indicator, point: data.Point) -> dict:
    status = data.point_status(indicator, point)
    return {
        "year": point.year,
        "value": data.format_value(indicator, point.value),
        "target": data.format_value(indicator, point.target) if point.target is not None else "",
        "status": status,
        "status_label": data.status_label(status),
        "counts": data.counts_label(indicator, point.numerator, point.denominator),
        "numerator": data.format_number(point.numerator) if point.numerator is not None else "—",
        "denominator": data.format_number(point.denominator) if point.denominator is not None else "",
        "libraries": point.libraries,
    }


@reports_required
def dashboard(request):
    scope = scope_of(request)
    overview = data.overview(scope, year_of(request.GET.get("year")))
    year = overview.year
    cards = []
    for row in overview.rows:
        cards.append(
            {
                "indicator": row.indicator,
                "name": _(row.indicator.name),
                "programme": row.indicator.programme,
                "url": reverse("staff_reports:indicator", args=[row.indicator.code]) + query(scope, year),
                "now": _point_view(row.indicator, row.point),
                "series": [_point_view(row.indicator, p) for p in row.series],
                "chart": trend_chart(row.indicator, row.series, f"chart-{row.indicator.code}"),
            }
        )
    children = list(
        Library.objects.filter(parent=scope, active=True).order_by("name").only("code", "name")[:500]
    )
    this_year = timezone.localdate().year
    refresh_years = sorted(set(overview.years) | {this_year}, reverse=True)
    return render(
        request,
        "staff/reports/dashboard.html",
        {
            "scope": scope,
            "crumbs": crumbs(request.user, scope),
            "overview": overview,
            "year": year,
            "programme": [c for c in cards if c["programme"]],
            "operational": [c for c in cards if not c["programme"]],
            "children": children,
            "can_refresh": can_refresh(request.user, scope),
            "refresh_years": [y for y in refresh_years if y <= this_year],
            "can_edit": can_edit_indicators(request.user),
        },
    )


@reports_required
@require_POST
def refresh(request):
    scope = scope_of(request, request.POST.get("scope") or "")
    if not can_refresh(request.user, scope):
        raise PermissionDenied
    year = year_of(request.POST.get("year"))
    if year is None or year > timezone.localdate().year:
        messages.error(request, _("Chọn một năm đã qua hoặc năm nay để cập nhật số liệu."))
        return redirect(reverse("staff_reports:dashboard") + query(scope))
    request_refresh(scope, year, actor=request.user)
    messages.success(
        request,
        _(
            "Đã yêu cầu cập nhật số liệu năm %(year)d cho %(scope)s. Số liệu mới hiện ra khi tác vụ chạy xong "
            "(xem thời điểm tính ở đầu trang)."
        )
        % {"year": year, "scope": scope.name},
    )
    return redirect(reverse("staff_reports:dashboard") + query(scope, year))


def _ranked_view(indicator: Indicator, line: data.Ranked, year: int) -> dict:
    entry = line.entry
    return {
        "rank": line.rank,
        "code": entry.code,
        "name": entry.name,
        "kind": entry.kind_label,
        "value": data.format_value(indicator, entry.value),
        "counts": data.counts_label(indicator, entry.numerator, entry.denominator),
        "status": line.status,
        "status_label": data.status_label(line.status),
        "trace": reverse("staff_reports:trace", args=[indicator.code, entry.code, year]),
    }


def _child_view(page: data.Detail, child: data.Child) -> dict:
    indicator = page.indicator
    stored = child.stored
    return {
        "library": child.library,
        "own": child.own,
        "value": data.format_value(indicator, stored.value),
        "counts": data.counts_label(indicator, stored.numerator, stored.denominator),
        "libraries": stored.libraries,
        "status": child.status,
        "status_label": data.status_label(child.status),
        "drill": (
            reverse("staff_reports:indicator", args=[indicator.code]) + query(child.library, page.year)
            if not child.own and child.has_children
            else ""
        ),
        "trace": reverse("staff_reports:trace", args=[indicator.code, child.library.code, page.year]),
    }


@reports_required
def indicator(request, code: str):
    indicator = get_object_or_404(Indicator, code=code)
    scope = scope_of(request)
    page = data.detail(scope, indicator, year_of(request.GET.get("year")))
    ranked = data.ranking(page) if page.year else []
    ranking_page = Paginator(ranked, RANKING_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "staff/reports/indicator.html",
        {
            "scope": scope,
            "crumbs": crumbs(request.user, scope),
            "indicator": indicator,
            "name": _(indicator.name),
            "description": _(indicator.description) if indicator.description else "",
            "page": page,
            "year": page.year,
            "now": _point_view(indicator, page.point),
            "trend": [_point_view(indicator, p) for p in page.trend],
            "chart": trend_chart(indicator, page.trend, f"chart-{indicator.code}"),
            "children": [_child_view(page, c) for c in data.drill_down(page)] if page.year else [],
            "ranking": [_ranked_view(indicator, line, page.year) for line in ranking_page.object_list],
            "ranking_page": ranking_page,
            "ranking_count": len(ranked),
            "status_counts": data.status_counts(ranked),
            "per_library_status": indicator.aggregation != Aggregation.SUM and page.target is not None,
            "legend": data.legend(indicator, page.target),
            "map_url": reverse("staff_reports:indicator_map", args=[indicator.code])
            + query(scope, page.year),
            "map_tiles": settings.MAP_TILE_URL,
            "map_attribution": settings.MAP_TILE_ATTRIBUTION,
            "query": query(scope, page.year),
            "dashboard_url": reverse("staff_reports:dashboard") + query(scope, page.year),
            "can_edit": can_edit_indicators(request.user),
        },
    )


@reports_required
def indicator_map(request, code: str):
    indicator = get_object_or_404(Indicator, code=code)
    scope = scope_of(request)
    page = data.detail(scope, indicator, year_of(request.GET.get("year")))
    features = data.map_features(page) if page.year else []
    for feature in features:
        feature["properties"]["url"] = reverse(
            "staff_reports:trace", args=[indicator.code, feature["properties"]["code"], page.year]
        )
    response = JsonResponse(
        {
            "type": "FeatureCollection",
            "features": features,
            "indicator": indicator.code,
            "scope": scope.code,
            "year": page.year,
            "target": page.target,
        },
        content_type="application/geo+json",
        json_dumps_params={"ensure_ascii": False},
    )
    response["Cache-Control"] = "private, no-store"
    return response


@reports_required
def trace(request, code: str, library_code: str, year: int):
    indicator = get_object_or_404(Indicator, code=code)
    library = scope_of(request, library_code)
    if year_of(year) is None:
        raise Http404
    stored = IndicatorValue.objects.filter(indicator=indicator, library=library, year=year).first()
    found, failure = None, ""
    try:
        found = engine.trace(indicator, library, Period(year))
    except (KeyError, ImportError, TypeError) as error:  # a computation unknown to this installation
        failure = str(error)
    rows = []
    if found is not None:
        counted = found.counted or []
        rows = [(row, counted[n] if n < len(counted) else None) for n, row in enumerate(found.rows)]
    rows_page = Paginator(rows, TRACE_PAGE).get_page(request.GET.get("page"))
    live = drift = None
    recompute = request.GET.get("recompute") == "1"
    if recompute:
        try:
            live = engine.measure(indicator, library, Period(year))
        except (KeyError, ImportError, TypeError) as error:
            failure = failure or str(error)
        if live is not None and stored is not None:
            drift = abs((live.numerator or 0) - stored.numerator) > 1e-9 or (
                (live.denominator or 0) != (stored.denominator or 0)
            )
    subtree = []
    subtree_total = None
    if Library.objects.filter(parent=library).exists():
        subtree_total = snapshots.series(library, [indicator], [year]).get((indicator.pk, year))
        for child, child_stored in snapshots.by_child(library, indicator, year):
            subtree.append(
                {
                    "library": child,
                    "own": child.pk == library.pk,
                    "value": data.format_value(indicator, child_stored.value),
                    "counts": data.counts_label(indicator, child_stored.numerator, child_stored.denominator),
                    "libraries": child_stored.libraries,
                    "trace": reverse("staff_reports:trace", args=[indicator.code, child.code, year]),
                }
            )
    return render(
        request,
        "staff/reports/trace.html",
        {
            "indicator": indicator,
            "name": _(indicator.name),
            "library": library,
            "crumbs": crumbs(request.user, library),
            "year": year,
            "stored": stored,
            "stored_value": data.format_value(indicator, stored.value) if stored else "",
            "stored_counts": data.counts_label(indicator, stored.numerator, stored.denominator)
            if stored
            else "",
            "is_computed": stored is not None and stored.origin == ValueOrigin.COMPUTED,
            "trace": found,
            "failure": failure,
            "rows_page": rows_page,
            "row_count": len(rows),
            "has_counted": found is not None and found.counted is not None,
            "recompute": recompute,
            "live": live,
            "live_value": data.format_value(indicator, live.value) if live is not None else "",
            "live_counts": data.counts_label(indicator, live.numerator, live.denominator) if live else "",
            "drift": drift,
            "subtree": subtree,
            "subtree_value": data.format_value(indicator, subtree_total.value) if subtree_total else "",
            "subtree_libraries": subtree_total.libraries if subtree_total else 0,
            "indicator_url": reverse("staff_reports:indicator", args=[indicator.code]) + query(library, year),
        },
    )
