"""The public register of the network's libraries: filters, administrative-unit choices, GeoJSON and CSV.

Everything here is open data (the "library identity" register): only what a library publishes about
itself — never staff, readers or internal notes. Filters come from a query string so the list page, the
map's GeoJSON and the CSV export answer the same question for the same URL.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.urls import reverse
from django.utils.translation import gettext as _

from thuvien.lib.vn_text import fold, sort_key
from thuvien.network.models import AdminUnit, Library, LibraryKind

CURRENT, PREVIOUS = "2025", "pre2025"
SORTS = ("name", "tree")
MAX_QUERY = 200

# One colour per kind for the map's markers and legend: distinct on a light background and for the
# common colour-vision deficiencies (Okabe–Ito palette plus two neutrals).
KIND_COLOURS = {
    LibraryKind.PROVINCIAL: "#d55e00",
    LibraryKind.COMMUNE: "#0072b2",
    LibraryKind.SCHOOL: "#009e73",
    LibraryKind.UNIVERSITY: "#cc79a7",
    LibraryKind.SPECIALISED: "#e69f00",
    LibraryKind.ARMED_FORCES: "#5a6b2f",
    LibraryKind.COMMUNITY: "#56b4e9",
    LibraryKind.PRIVATE: "#6b4c9a",
}

CSV_COLUMNS = [
    "code",
    "name",
    "kind",
    "parent",
    "unit_code",
    "unit_name",
    "pre2025_unit_code",
    "pre2025_unit_name",
    "address",
    "phone",
    "email",
    "website",
    "latitude",
    "longitude",
    "opening_hours",
    "services",
]


@dataclass
class RegisterFilter:
    """What the visitor asked for: a kind, a unit in either scheme, words of the name, an order."""

    kind: str = ""
    unit: AdminUnit | None = None
    old_unit: AdminUnit | None = None
    q: str = ""
    code: str = ""
    sort: str = "name"
    errors: list[str] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return bool(self.kind or self.unit or self.old_unit or self.q or self.code)

    def query_items(self) -> list[tuple[str, str]]:
        """Return the filter as query-string pairs (the GeoJSON and CSV links of the same selection, in order)."""
        items = [
            ("kind", self.kind),
            ("unit", self.unit.code if self.unit else ""),
            ("old_unit", self.old_unit.code if self.old_unit else ""),
            ("q", self.q),
            ("code", self.code),
            ("sort", self.sort if self.sort != "name" else ""),
        ]
        return [(key, value) for key, value in items if value]


def _unit(scheme: str, code: str, errors: list[str]) -> AdminUnit | None:
    if not code:
        return None
    unit = AdminUnit.objects.filter(scheme=scheme, code=code).first()
    if unit is None:
        if scheme == CURRENT:
            errors.append(_("Không có đơn vị hành chính hiện hành mã %(code)s.") % {"code": code})
        else:
            errors.append(_("Không có đơn vị hành chính trước 1/7/2025 mã %(code)s.") % {"code": code})
    return unit


def parse_filter(params) -> RegisterFilter:
    """Read a register filter from query PARAMS; a value it cannot use is dropped with a message in ``errors``."""
    errors: list[str] = []
    kind = (params.get("kind") or "").strip()
    if kind and kind not in LibraryKind.values:
        errors.append(_("Không có loại thư viện “%(kind)s”.") % {"kind": kind[:40]})
        kind = ""
    sort = params.get("sort") or "name"
    if sort not in SORTS:
        sort = "name"
    return RegisterFilter(
        kind=kind,
        unit=_unit(CURRENT, (params.get("unit") or "").strip()[:20], errors),
        old_unit=_unit(PREVIOUS, (params.get("old_unit") or "").strip()[:20], errors),
        q=" ".join((params.get("q") or "").split())[:MAX_QUERY],
        code=(params.get("code") or "").strip().upper()[:40],
        sort=sort,
        errors=errors,
    )


def unit_and_below(unit: AdminUnit) -> set[int]:
    """Return the ids of UNIT and of every unit under it (its ``parent`` chain), within its scheme."""
    ids = {unit.pk}
    frontier = {unit.pk}
    # One query per level: the tree is shallow (province, district, commune) and cycles stop at seen ids.
    while frontier:
        children = set(
            AdminUnit.objects.filter(scheme=unit.scheme, parent_id__in=frontier).values_list("pk", flat=True)
        )
        frontier = children - ids
        ids |= frontier
    return ids


def register_libraries(flt: RegisterFilter) -> list[Library]:
    """Return the active libraries matching FLT, in Vietnamese name order or tree order."""
    libraries = Library.objects.filter(active=True).select_related(
        "parent", "admin_unit", "admin_unit_previous", "profile"
    )
    if flt.kind:
        libraries = libraries.filter(kind=flt.kind)
    if flt.unit:
        libraries = libraries.filter(admin_unit_id__in=unit_and_below(flt.unit))
    if flt.old_unit:
        libraries = libraries.filter(admin_unit_previous_id__in=unit_and_below(flt.old_unit))
    if flt.code:
        libraries = libraries.filter(code=flt.code)
    rows = list(libraries)
    if flt.q:
        # Library names carry no stored folded key; a network's register is small enough to fold here.
        words = fold(flt.q).split()
        rows = [lib for lib in rows if all(w in fold(f"{lib.name} {lib.code} {lib.address}") for w in words)]
    if flt.sort == "tree":
        rows.sort(key=lambda lib: lib.path)
    else:
        rows.sort(key=lambda lib: (sort_key(lib.name), lib.code))
    return rows


@dataclass
class UnitChoice:
    code: str
    name: str
    level: str
    depth: int

    @property
    def label(self) -> str:
        """Return the name indented by its depth (a select's options cannot be styled on every browser)."""
        return "— " * self.depth + self.name


def unit_choices(scheme: str) -> list[UnitChoice]:
    """Return the units of SCHEME that hold an active library or have one below them, as an indented tree."""
    column = "admin_unit_id" if scheme == CURRENT else "admin_unit_previous_id"
    used = set(
        Library.objects.filter(active=True, **{f"{column}__isnull": False}).values_list(column, flat=True)
    )
    units: dict[int, AdminUnit] = {}
    wanted = used
    # Walk up to the ancestors so a province or an old district can be chosen to see everything in it.
    while wanted:
        found = list(AdminUnit.objects.filter(pk__in=wanted, scheme=scheme))
        units.update({u.pk: u for u in found})
        wanted = {u.parent_id for u in found if u.parent_id and u.parent_id not in units}
    children: dict[int | None, list[AdminUnit]] = {}
    for unit in units.values():
        parent = unit.parent_id if unit.parent_id in units else None
        children.setdefault(parent, []).append(unit)
    out: list[UnitChoice] = []

    def walk(parent: int | None, depth: int) -> None:
        for unit in sorted(children.get(parent, []), key=lambda u: (sort_key(u.name), u.code)):
            out.append(UnitChoice(unit.code, unit.name, unit.level, depth))
            if depth < 10:
                walk(unit.pk, depth + 1)

    walk(None, 0)
    return out


def library_url(library: Library) -> str:
    return f"{settings.SITE_URL}{reverse('opac:library', args=[library.code])}"


def profile_of(library: Library):
    """Return LIBRARY's register profile (``reports.LibraryProfile``) or None when it has none."""
    try:
        return library.profile
    except ObjectDoesNotExist:
        return None


def services_of(library: Library) -> list[str]:
    profile = profile_of(library)
    return list(profile.services or []) if profile is not None else []


def has_position(library: Library) -> bool:
    return library.latitude is not None and library.longitude is not None


def geojson(libraries: list[Library]) -> dict:
    """Return LIBRARIES that have a position as a GeoJSON FeatureCollection of points ([lon, lat], RFC 7946)."""
    features = []
    for lib in libraries:
        if not has_position(lib):
            continue
        features.append(
            {
                "type": "Feature",
                "id": lib.code,
                "geometry": {"type": "Point", "coordinates": [lib.longitude, lib.latitude]},
                "properties": {
                    "code": lib.code,
                    "name": lib.name,
                    "kind": lib.kind,
                    "kind_label": str(lib.get_kind_display()),
                    "address": lib.address,
                    "phone": lib.phone,
                    "opening_hours": lib.opening_hours,
                    "url": library_url(lib),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


_NUMBERS_ONLY = re.compile(r"^[+-]?[\d\s().,/-]*$")


def _cell(value) -> str:
    text = "" if value is None else str(value)
    # A cell starting like a formula runs as one when the file is opened in a spreadsheet: quote it. A
    # phone number (+84 …) is digits and punctuation only, calls nothing, and is kept as written.
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _NUMBERS_ONLY.match(text):
        text = "'" + text
    return text


def csv_text(libraries: list[Library]) -> str:
    """Return LIBRARIES as CSV text (one row each, ``CSV_COLUMNS``), with a BOM so spreadsheets read UTF-8.

    The first columns (code, name, kind, parent) are those ``thuvien libraries import`` reads.
    """
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for lib in libraries:
        unit, old = lib.admin_unit, lib.admin_unit_previous
        texts = [
            lib.code,
            lib.name,
            lib.kind,
            lib.parent.code if lib.parent_id else "",
            unit.code if unit else "",
            unit.name if unit else "",
            old.code if old else "",
            old.name if old else "",
            lib.address,
            lib.phone,
            lib.email,
            lib.website,
        ]
        # Positions are numbers, written as Python reads them back (repr round-trips a float exactly).
        position = ["" if v is None else repr(v) for v in (lib.latitude, lib.longitude)]
        tail = [lib.opening_hours, ";".join(services_of(lib))]
        writer.writerow([*map(_cell, texts), *position, *map(_cell, tail)])
    return out.getvalue()
