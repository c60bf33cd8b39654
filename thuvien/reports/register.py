"""The register's profile of each library (thẻ nhận diện thư viện): services, premises, contact, place.

The profile's own fields live on ``reports.LibraryProfile``; the contact fields, the opening hours and
the coordinates are the network's (``network.Library``) and are changed here too, with their own audit
entry (``network.library.updated``; the network app has no update action). Who keeps a library's staff
records keeps its profile (``training.can_keep_records``): its staff, the libraries above it, the
department's managers. An ``actor`` of None is the system (demo builder, commands).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from thuvien.audit.actions import record as audit
from thuvien.lib.vn_text import nfc
from thuvien.network.models import Library
from thuvien.reports.models import ONLINE_SERVICES, LibraryProfile, Service
from thuvien.reports.queries import readable_libraries
from thuvien.reports.training import can_keep_records

PROFILE_FIELDS = ("services", "description", "founded_year", "floor_area_m2", "seats", "governing_body")
CONTACT_FIELDS = ("address", "phone", "email", "website", "opening_hours", "latitude", "longitude")
TEXT_LIMITS = {
    "description": 5000,
    "governing_body": 300,
    "address": 400,
    "phone": 60,
    "email": 254,
    "website": 200,
    "opening_hours": 2000,
}
INT_LIMITS = {"founded_year": (1800, None), "floor_area_m2": (0, 1_000_000), "seats": (0, 100_000)}

# Vietnam, roughly, to catch swapped or mistyped coordinates: the mainland spans about 8.4–23.4 N and
# 102.1–109.5 E; the box reaches 7 N and 117.5 E so the libraries of the Trường Sa and Hoàng Sa islands
# (special zone of Khánh Hòa, Đà Nẵng) are accepted too.
LAT_RANGE = (7.0, 24.0)
LON_RANGE = (102.0, 117.5)

# What a complete profile has: (key, label). The website is not required: many commune libraries have
# none, and whether they do is what the programme's indicator measures (shown in its own column).
COMPLETENESS = (
    ("address", gettext_lazy("địa chỉ")),
    ("phone", gettext_lazy("điện thoại")),
    ("email", gettext_lazy("thư điện tử")),
    ("opening_hours", gettext_lazy("giờ mở cửa")),
    ("coordinates", gettext_lazy("tọa độ")),
    ("services", gettext_lazy("dịch vụ")),
    ("description", gettext_lazy("giới thiệu")),
    ("founded_year", gettext_lazy("năm thành lập")),
    ("floor_area_m2", gettext_lazy("diện tích")),
    ("seats", gettext_lazy("chỗ ngồi")),
    ("governing_body", gettext_lazy("cơ quan chủ quản")),
)


class RegisterError(Exception):
    """A refused profile change; ERRORS maps each bad field to a message for the librarian."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


# ---------------------------------------------------------------------------------------------------
# Queries


def profile_of(library: Library) -> LibraryProfile:
    """Return LIBRARY's profile, unsaved and empty when it has none yet."""
    try:
        return library.profile
    except LibraryProfile.DoesNotExist:
        return LibraryProfile(library=library)


def missing_fields(library: Library, profile: LibraryProfile) -> list[str]:
    """Return the keys of COMPLETENESS that LIBRARY's profile lacks."""
    missing = []
    for key, _label in COMPLETENESS:
        if key == "coordinates":
            filled = library.latitude is not None and library.longitude is not None
        elif key in PROFILE_FIELDS:
            filled = getattr(profile, key) not in (None, "", [])
        else:
            filled = bool(getattr(library, key))
        if not filled:
            missing.append(key)
    return missing


@dataclass(frozen=True)
class RegisterRow:
    library: Library
    profile: LibraryProfile
    missing: list[str] = field(default_factory=list)

    @property
    def filled(self) -> int:
        return len(COMPLETENESS) - len(self.missing)

    @property
    def total(self) -> int:
        return len(COMPLETENESS)

    @property
    def percent(self) -> int:
        return round(100 * self.filled / self.total)

    @property
    def missing_labels(self) -> list[str]:
        labels = dict(COMPLETENESS)
        return [str(labels[key]) for key in self.missing]

    @property
    def online(self) -> bool:
        """Counted by the programme's indicator: a website offering at least one online service."""
        return bool(self.library.website) and self.profile.offers_online_services


def register_rows(
    user, *, library: Library | None = None, kind: str = "", incomplete: bool = False
) -> list[RegisterRow]:
    """Return the libraries USER reads (LIBRARY's subtree, of KIND) with their profile's completeness."""
    libraries = readable_libraries(user).filter(active=True).select_related("profile").order_by("path")
    if library is not None:
        libraries = libraries.filter(path__startswith=library.path)
    if kind:
        libraries = libraries.filter(kind=kind)
    rows = []
    for lib in libraries:
        profile = profile_of(lib)
        row = RegisterRow(lib, profile, missing_fields(lib, profile))
        if not incomplete or row.missing:
            rows.append(row)
    return rows


def register_library_for(user, code: str) -> Library | None:
    """Return library CODE when USER reads it, else None."""
    return readable_libraries(user).filter(code=code).select_related("profile").first()


# ---------------------------------------------------------------------------------------------------
# Validation


_NUMBER = re.compile(r"^[+-]?\d{1,3}(?:[.,]\d+)?$")


def parse_coordinate(value) -> float | None:
    """Read a coordinate typed with a decimal point or comma ("21,0285"); None when empty."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().replace("\u2212", "-")
    if not text:
        return None
    if not _NUMBER.match(text):
        raise ValueError(text)
    return float(text.replace(",", "."))


def _clean(values: dict) -> tuple[dict, dict[str, str]]:
    clean: dict = {}
    errors: dict[str, str] = {}
    for key, limit in TEXT_LIMITS.items():
        if key not in values:
            continue
        text = nfc(str(values[key] or "").strip())
        if len(text) > limit:
            errors[key] = _("Tối đa %(limit)d ký tự (đang có %(count)d).") % {
                "limit": limit,
                "count": len(text),
            }
        clean[key] = text
    if clean.get("email"):
        try:
            EmailValidator()(clean["email"])
        except ValidationError:
            errors["email"] = _("Địa chỉ thư điện tử không hợp lệ.")
    if clean.get("website"):
        try:
            URLValidator(schemes=["http", "https"])(clean["website"])
        except ValidationError:
            errors["website"] = _(
                "Địa chỉ trang web phải bắt đầu bằng http:// hoặc https://, ví dụ: https://thuvien.example.vn."
            )
    if "services" in values:
        chosen = set(values["services"] or [])
        unknown = chosen - set(Service.values)
        if unknown:
            errors["services"] = _("Dịch vụ không hợp lệ: %(names)s.") % {
                "names": ", ".join(sorted(map(str, unknown)))
            }
        # Kept in the order of the list of services, so an unchanged choice compares equal.
        clean["services"] = [s for s in Service.values if s in chosen]
    this_year = timezone.localdate().year
    for key, (low, high) in INT_LIMITS.items():
        if key not in values:
            continue
        raw = values[key]
        if raw in (None, ""):
            clean[key] = None
            continue
        try:
            number = int(raw)
        except (TypeError, ValueError):
            errors[key] = _("Hãy ghi một số nguyên.")
            continue
        high = this_year if key == "founded_year" else high
        if number < low or number > high:
            errors[key] = _("Phải từ %(low)d đến %(high)d.") % {"low": low, "high": high}
        clean[key] = number
    if "latitude" in values or "longitude" in values:
        clean.update(_clean_coordinates(values.get("latitude"), values.get("longitude"), errors))
    return clean, errors


def _clean_coordinates(lat_value, lon_value, errors: dict[str, str]) -> dict:
    try:
        lat = parse_coordinate(lat_value)
    except ValueError:
        errors["latitude"] = _("Vĩ độ phải là một số, ví dụ: 21.0285.")
        return {}
    try:
        lon = parse_coordinate(lon_value)
    except ValueError:
        errors["longitude"] = _("Kinh độ phải là một số, ví dụ: 105.8542.")
        return {}
    if (lat is None) != (lon is None):
        errors["latitude" if lat is None else "longitude"] = _(
            "Hãy ghi cả vĩ độ và kinh độ, hoặc để trống cả hai."
        )
        return {}
    if lat is None:
        return {"latitude": None, "longitude": None}
    lat_ok = LAT_RANGE[0] <= lat <= LAT_RANGE[1]
    lon_ok = LON_RANGE[0] <= lon <= LON_RANGE[1]
    if not (lat_ok and lon_ok):
        swapped = LAT_RANGE[0] <= lon <= LAT_RANGE[1] and LON_RANGE[0] <= lat <= LON_RANGE[1]
        if swapped:
            errors["latitude"] = _(
                "Vĩ độ và kinh độ có vẻ bị đảo: ở Việt Nam vĩ độ khoảng 8–24, kinh độ khoảng 102–110."
            )
        else:
            if not lat_ok:
                errors["latitude"] = _("Vĩ độ nằm ngoài Việt Nam (khoảng 8 đến 24).")
            if not lon_ok:
                errors["longitude"] = _(
                    "Kinh độ nằm ngoài Việt Nam (khoảng 102 đến 110, đến 117 với các đảo)."
                )
        return {}
    return {"latitude": lat, "longitude": lon}


# ---------------------------------------------------------------------------------------------------
# Action


@transaction.atomic
def update_profile(library: Library, actor, **fields) -> LibraryProfile:
    """Change LIBRARY's register profile and contact fields (PROFILE_FIELDS, CONTACT_FIELDS), all or none."""
    unknown = set(fields) - set(PROFILE_FIELDS) - set(CONTACT_FIELDS)
    if unknown:
        raise TypeError(f"unknown profile fields: {', '.join(sorted(unknown))}")
    if not can_keep_records(actor, library):
        raise RegisterError(
            {"__all__": _("Bạn không có quyền sửa hồ sơ của %(library)s.") % {"library": library.name}}
        )
    clean, errors = _clean(fields)
    if errors:
        raise RegisterError(errors)
    library = Library.objects.select_for_update().get(pk=library.pk)
    profile, created = LibraryProfile.objects.select_for_update().get_or_create(library=library)

    contact = {k: v for k, v in clean.items() if k in CONTACT_FIELDS and getattr(library, k) != v}
    if contact:
        for key, value in contact.items():
            setattr(library, key, value)
        library.save(update_fields=list(contact))
        audit(
            "network.library.updated",
            actor=actor,
            library=library,
            obj=library,
            changes={k: (None if v is None else str(v)) for k, v in contact.items()},
        )

    own = {k: v for k, v in clean.items() if k in PROFILE_FIELDS and getattr(profile, k) != v}
    if own or created:
        for key, value in own.items():
            setattr(profile, key, value)
        profile.save()
        audit(
            "reports.profile.updated",
            actor=actor,
            library=library,
            obj=profile,
            fields=sorted(own),
            created=created,
            online_services=sorted(ONLINE_SERVICES.intersection(profile.services or [])),
        )
    profile.library = library
    return profile
