"""The public catalogue (OPAC): parse the request, call a query, render. No writes."""

from __future__ import annotations

import functools
import json
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from thuvien.catalog.queries import contributors, merged_survivor, new_acquisitions, public_record
from thuvien.digital.queries import viewer_for
from thuvien.interop.marc import extract, record_from_json
from thuvien.network.queries import library_by_code, public_libraries
from thuvien.opac import citations
from thuvien.opac.digital import record_digital
from thuvien.opac.jsonld import record_jsonld
from thuvien.search import suggest
from thuvien.search.fulltext import attach_snippets
from thuvien.search.indexer import lag
from thuvien.search.service import (
    LANGUAGE_NAMES,
    SORT_LABELS,
    FacetValue,
    SearchRequest,
    search,
    similar_records,
)

FILTER_PARAMS = ("type", "lang", "subject", "author")


def _int(value, default=None, low=None, high=None):
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return default
    if low is not None and number < low:
        return low
    if high is not None and number > high:
        return high
    return number


def search_request(params) -> SearchRequest:
    """Build a search request from query parameters, ignoring anything malformed."""
    filters = {
        key: [v[:300] for v in params.getlist(key)[:5] if v] for key in FILTER_PARAMS if params.getlist(key)
    }
    year_from = year_to = None
    year = (params.get("year") or "").strip()
    if year:
        low, _sep, high = year.partition("-")
        year_from = _int(low, None, -9999, 9999)
        year_to = _int(high, None, -9999, 9999)
    return SearchRequest(
        q=(params.get("q") or "")[:1000],
        library=(params.get("library") or "")[:40],
        page=_int(params.get("page"), 1, 1, 10**6),
        per_page=_int(params.get("per_page"), 20, 1, 100),
        sort=params.get("sort") or "relevance",
        filters=filters,
        available=params.get("available") == "1",
        year_from=year_from,
        year_to=year_to,
    )


def _url_with(params, **changes) -> str:
    """Return the search URL with CHANGES applied to PARAMS (None removes a key; a list sets a multi-value)."""
    items = []
    keys = set(params.keys()) | set(changes)
    for key in sorted(keys):
        if key in changes:
            value = changes[key]
            if value is None:
                continue
            values = value if isinstance(value, list) else [value]
        else:
            values = params.getlist(key)
        items.extend((key, v) for v in values if v not in ("", None))
    return reverse("opac:search") + ("?" + urlencode(items) if items else "")


def _facet_links(params, result) -> dict[str, list[tuple[FacetValue, str]]]:
    links: dict[str, list[tuple[FacetValue, str]]] = {}
    for name, values in result.facets.items():
        rows = []
        for value in values:
            if name == "library":
                url = _url_with(params, library=None if value.selected else value.value, page=None)
            elif name == "available":
                url = _url_with(params, available=None if value.selected else "1", page=None)
            elif name == "year":
                url = _url_with(params, year=None if value.selected else value.value, page=None)
            else:
                current = params.getlist(name)
                new = [v for v in current if v != value.value] if value.selected else [*current, value.value]
                url = _url_with(params, **{name: new, "page": None})
            rows.append((value, url))
        links[name] = rows
    return links


@require_GET
def home(request):
    return render(
        request,
        "opac/home.html",
        {"new_records": new_acquisitions(8), "libraries": public_libraries()},
    )


@require_GET
def search_view(request):
    params = request.GET
    req = search_request(params)
    if not req.q.strip() and not (
        req.library or req.filters or req.available or req.year_from or req.year_to
    ):
        return render(request, "opac/search_empty.html", {"libraries": public_libraries()})
    # Full text is searched at the tier this visitor may read, and snippets come only from pages he may see.
    viewer = viewer_for(request)
    req.fulltext = "restricted" if viewer.may_read_restricted else "open"
    result = search(req)
    attach_snippets(result.hits, viewer, req.q)
    pages = []
    if result.pages > 1:
        current = result.request.page
        window = sorted({1, result.pages, *range(max(1, current - 2), min(result.pages, current + 2) + 1)})
        pages = [(n, _url_with(params, page=str(n))) for n in window]
    context = {
        "result": result,
        "q": req.q,
        "facet_links": _facet_links(params, result),
        "pages": pages,
        "prev_url": _url_with(params, page=str(result.request.page - 1)) if result.request.page > 1 else "",
        "next_url": (
            _url_with(params, page=str(result.request.page + 1)) if result.request.page < result.pages else ""
        ),
        "sorts": [(key, label, _url_with(params, sort=key, page=None)) for key, label in SORT_LABELS.items()],
        "first_number": (result.request.page - 1) * result.request.per_page + 1,
        "libraries": public_libraries(),
    }
    response = render(request, "opac/results.html", context)
    if req.fulltext == "restricted":
        # Hits and snippets of restricted text: no shared cache may hand them to another visitor.
        patch_cache_control(response, private=True)
    return response


@require_GET
@cache_control(max_age=30)
def suggest_view(request):
    """Return up to eight title suggestions for what has been typed (HTML options, or JSON)."""
    q = (request.GET.get("q") or "")[:200]
    titles = suggest.titles(q)
    if request.GET.get("format") == "json":
        return JsonResponse({"q": q, "suggestions": titles})
    return render(request, "opac/_suggestions.html", {"titles": titles})


class _Merged(Exception):
    def __init__(self, survivor_id: int) -> None:
        self.survivor_id = survivor_id


def _record_or_404(record_id: int):
    record = public_record(record_id)
    if record is None:
        # A record merged into another lives on as that one: old links and bookmarks follow it.
        survivor = merged_survivor(record_id)
        if survivor is not None:
            raise _Merged(survivor)
        raise Http404
    return record


def _follows_merges(view):
    @functools.wraps(view)
    def wrapper(request, record_id: int, *args, **kwargs):
        try:
            return view(request, record_id, *args, **kwargs)
        except _Merged as merged:
            target = {**request.resolver_match.kwargs, "record_id": merged.survivor_id}
            return redirect(request.resolver_match.view_name, permanent=True, **target)

    return wrapper


def _holdings_by_library(items) -> list[dict]:
    groups: dict[int, dict] = {}
    for item in items:
        group = groups.setdefault(item.library_id, {"library": item.library, "items": [], "available": 0})
        group["items"].append(item)
        if item.on_shelf:
            group["available"] += 1
    return list(groups.values())


@require_GET
@_follows_merges
def record_view(request, record_id: int):
    record = _record_or_404(record_id)
    marc = record_from_json(record.marc)
    details = extract(marc)
    canonical = f"{settings.SITE_URL}{reverse('opac:record', args=[record.pk])}"
    context = {
        "record": record,
        "details": details,
        "holdings": _holdings_by_library(record.public_items),
        "contributors": contributors(record),
        "available_total": sum(1 for i in record.public_items if i.on_shelf),
        "language_name": LANGUAGE_NAMES.get(record.language, record.language),
        "similar": similar_records(record, limit=6),
        "digital": record_digital(request, record),
        "canonical": canonical,
        "jsonld": json.dumps(record_jsonld(record, details, canonical), ensure_ascii=False).replace(
            "</", "<\\/"
        ),
    }
    return render(request, "opac/record.html", context)


@require_GET
@_follows_merges
def record_marc_view(request, record_id: int):
    record = _record_or_404(record_id)
    marc = record_from_json(record.marc)
    return render(request, "opac/record_marc.html", {"record": record, "marc": marc})


@require_GET
@_follows_merges
def citation_view(request, record_id: int, fmt: str):
    record = _record_or_404(record_id)
    details = extract(record_from_json(record.marc))
    if fmt == "ris":
        body, content_type = citations.ris(record, details), "application/x-research-info-systems"
    elif fmt == "bib":
        body, content_type = citations.bibtex(record, details), "application/x-bibtex"
    else:
        raise Http404
    response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="thuvien-{record.pk}.{fmt}"'
    return response


@require_GET
def new_view(request):
    library = library_by_code(request.GET.get("library") or "")
    records = new_acquisitions(40, library.path if library else None)
    return render(
        request, "opac/new.html", {"records": records, "library": library, "libraries": public_libraries()}
    )


@require_GET
def health_view(request):
    """Report that the site answers and how far the search index lags behind the database."""
    info = lag()
    status = 200 if info["lag_seconds"] < 60 else 503
    return JsonResponse({"status": "ok" if status == 200 else "lagging", "search": info}, status=status)
