"""The public register of libraries: the filtered list with its map, the GeoJSON and CSV of the same
selection, and each library's profile page. Reads only; everything shown is open data."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from thuvien.catalog.models import Item, ItemStatus
from thuvien.catalog.queries import new_acquisitions
from thuvien.interop.opendata.dcat import license_name, license_url
from thuvien.network.models import Library, LibraryKind
from thuvien.network.queries import library_by_code
from thuvien.network.register import (
    CURRENT,
    KIND_COLOURS,
    PREVIOUS,
    csv_text,
    geojson,
    has_position,
    library_url,
    parse_filter,
    profile_of,
    register_libraries,
    unit_choices,
)
from thuvien.reports.models import Service
from thuvien.search.service import SearchRequest, search

# Open data: any site may fetch it from a browser, and a few minutes' staleness harms no one.
OPEN_DATA_MAX_AGE = 300


def _with_query(url_name: str, flt) -> str:
    items = flt.query_items()
    return reverse(url_name) + ("?" + urlencode(items) if items else "")


def _map_attrs(geojson_url: str, kinds: list[str]) -> dict:
    """Return what map.js reads from the map element's data- attributes (no inline script)."""
    return {
        "geojson": geojson_url,
        "tiles": settings.MAP_TILE_URL,
        "attribution": settings.MAP_TILE_ATTRIBUTION,
        "colours": json.dumps({k: KIND_COLOURS.get(k, "#555555") for k in kinds}),
        "labels": json.dumps(
            {
                "phone": _("Điện thoại"),
                "hours": _("Giờ mở cửa"),
                "profile": _("Xem trang thư viện"),
                "tiles_failed": _("Không tải được nền bản đồ; vị trí các thư viện vẫn hiện đúng."),
                "data_failed": _("Không tải được vị trí các thư viện. Danh sách bên dưới vẫn đầy đủ."),
                "empty": _("Không thư viện nào trong danh sách có toạ độ."),
            },
            ensure_ascii=False,
        ),
    }


def _legend(kinds) -> list[dict]:
    return [
        {"kind": k, "label": LibraryKind(k).label, "colour": KIND_COLOURS.get(k, "#555555")}
        for k in LibraryKind.values
        if k in kinds
    ]


@require_GET
def libraries_view(request):
    flt = parse_filter(request.GET)
    libraries = register_libraries(flt)
    if flt.sort == "tree" and libraries:
        # Indent by depth below the shallowest shown, so a filtered selection starts at the margin.
        top = min(lib.depth for lib in libraries)
        for lib in libraries:
            lib.indent = min(lib.depth - top, 3)
    mapped = [lib for lib in libraries if has_position(lib)]
    kinds = sorted({lib.kind for lib in mapped})
    context = {
        "libraries": libraries,
        "filter": flt,
        "kinds": LibraryKind.choices,
        "units": unit_choices(CURRENT),
        "old_units": unit_choices(PREVIOUS),
        "mapped_count": len(mapped),
        "legend": _legend(kinds),
        "map": _map_attrs(_with_query("opac:libraries_geojson", flt), list(LibraryKind.values)),
        "geojson_url": _with_query("opac:libraries_geojson", flt),
        "csv_url": _with_query("opac:libraries_csv", flt),
        "license_url": license_url(),
        "license_name": license_name(),
    }
    return render(request, "opac/libraries.html", context)


def _refused(errors: list[str]) -> JsonResponse:
    return JsonResponse({"errors": errors}, status=400, json_dumps_params={"ensure_ascii": False})


def _open(response):
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
@cache_control(public=True, max_age=OPEN_DATA_MAX_AGE)
def libraries_geojson_view(request):
    """Return the selected libraries that have a position as GeoJSON (same filters as the list)."""
    flt = parse_filter(request.GET)
    if flt.errors:
        return _refused(flt.errors)
    return _open(
        JsonResponse(
            geojson(register_libraries(flt)),
            content_type="application/geo+json",
            json_dumps_params={"ensure_ascii": False},
        )
    )


@require_GET
@cache_control(public=True, max_age=OPEN_DATA_MAX_AGE)
def libraries_csv_view(request):
    """Return the selected libraries as CSV (UTF-8 with a BOM; same filters as the list)."""
    flt = parse_filter(request.GET)
    if flt.errors:
        return _refused(flt.errors)
    response = HttpResponse(csv_text(register_libraries(flt)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="thu-vien.csv"'
    return _open(response)


def collection_size(library: Library) -> int:
    """Return how many copies LIBRARY owns (withdrawn copies and copies of deleted records left out)."""
    return (
        Item.objects.filter(library=library, record__deleted_at__isnull=True)
        .exclude(status=ItemStatus.WITHDRAWN)
        .count()
    )


def service_labels(values) -> list[str]:
    """Return the labels of the known services among VALUES, in the register's order."""
    chosen = set(values or [])
    return [label for value, label in Service.choices if value in chosen]


def library_jsonld(library: Library, parent: Library | None) -> dict:
    """Return LIBRARY as a schema.org ``Library`` (only what the profile page shows)."""
    data: dict = {"@context": "https://schema.org", "@type": "Library", "@id": library_url(library)}
    data.update({"url": library_url(library), "name": library.name, "identifier": library.code})
    if library.address:
        data["address"] = {"@type": "PostalAddress", "streetAddress": library.address, "addressCountry": "VN"}
    if library.phone:
        data["telephone"] = library.phone
    if library.email:
        data["email"] = library.email
    if library.website:
        data["sameAs"] = library.website
    if has_position(library):
        data["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": library.latitude,
            "longitude": library.longitude,
        }
    if parent is not None:
        data["parentOrganization"] = {"@type": "Library", "name": parent.name, "url": library_url(parent)}
    return data


@require_GET
def library_view(request, code: str):
    library = library_by_code(code)
    if library is None:
        raise Http404
    library = Library.objects.select_related("admin_unit", "admin_unit_previous", "parent").get(pk=library.pk)
    parent = library.parent if library.parent_id and library.parent.active else None
    children = Library.objects.filter(parent=library, active=True).order_by("name")
    profile = profile_of(library)
    result = search(SearchRequest(library=library.code, per_page=1, facets=False))
    geojson_url = reverse("opac:libraries_geojson") + "?" + urlencode({"code": library.code})
    context = {
        "library": library,
        "parent": parent,
        "children": children,
        "ancestors": [a for a in library.ancestors()[:-1] if a.active],
        "profile": profile,
        "services": service_labels(profile.services if profile else []),
        "item_count": collection_size(library),
        "title_count": result.total,
        "new_records": new_acquisitions(8, library.path),
        "map": _map_attrs(geojson_url, [library.kind]) if has_position(library) else None,
        "jsonld": json.dumps(library_jsonld(library, parent), ensure_ascii=False).replace("</", "<\\/"),
    }
    return render(request, "opac/library.html", context)
