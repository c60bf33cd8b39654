"""The demo's management information: the department's accounts, library profiles, staff and training,
statistics reports, inspection rounds, targets to 2030 and five years of history before the system.

Figures of the current year are computed from the demo's own data (catalogue, circulation, digital
library, reports). Years before it are history "imported from the department's past reports": derived
from this year's figures by a plausible trend (fewer items, fewer readers, later adoption of online
services), marked as imported, never recomputed. Targets follow the programme (Quyết định 206/QĐ-TTg):
rising every year to 2030, so some libraries are above them and others below.
"""

from __future__ import annotations

import hashlib

from django.db import transaction
from django.utils import timezone

from thuvien.accounts.models import StaffRole, User
from thuvien.catalog.models import Collection, Record
from thuvien.demo.generator import DEMO_PASSWORD, _split_name
from thuvien.network.models import Library
from thuvien.reports import snapshots
from thuvien.reports.models import Aggregation, Indicator, IndicatorTarget, IndicatorValue

HISTORY_YEARS = 5
FIRST_TARGET_YEAR, LAST_TARGET_YEAR = 2021, 2030
HISTORY_NOTE = "Số liệu trước khi dùng hệ thống, nhập từ báo cáo năm của Sở Văn hóa (dữ liệu minh họa)"

# The programme's share targets: 2021 and 2030, with a straight line between (province-wide, per library).
SHARE_TARGETS = {
    "prog-digitised-rare": (0.05, 1.0),
    "prog-digitised-endogenous": (0.05, 0.5),
    "prog-online-services": (0.3, 1.0),
    "prog-union-catalogue": (0.4, 1.0),
    "prog-staff-trained": (0.2, 1.0),
    "prog-managed-in-system": (0.2, 1.0),
}
# Operational targets: this year's province figure times a yearly growth from 2021 (counts).
COUNT_TARGETS = {"loans": 0.06, "readers-registered": 0.05, "acquisitions": 0.04, "visits": 0.05}

MANAGERS = [
    # username, full name, role: the Department of Culture's people, on the provincial library's subtree.
    ("so.vanhoa", "Trần Quốc Hưng", "manager"),
    ("so.kiemtra", "Vũ Thị Minh Nguyệt", "inspector"),
]


def _unit(*parts) -> float:
    """A stable pseudo-random number in [0, 1) from PARTS (the demo is the same on every machine)."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:6], "big") / 2**48


@transaction.atomic
def create_managers(people: dict, root: Library) -> list[User]:
    users = []
    for username, full_name, role in MANAGERS:
        first_name, last_name = _split_name(full_name)
        user = User.objects.filter(username=username).first() or User.objects.create_user(
            username, password=DEMO_PASSWORD, first_name=first_name, last_name=last_name,
            email=f"{username}@thuvien.example",
        )  # fmt: skip
        StaffRole.objects.get_or_create(user=user, library=root, role=role)
        users.append(user)
        if not any(p["username"] == username for p in people.get("staff", [])):
            people.setdefault("staff", []).append({
                "username": username, "password": DEMO_PASSWORD, "full_name": full_name, "first_name": first_name,
                "last_name": last_name, "email": f"{username}@thuvien.example", "library": root.code,
                "roles": [role], "scope": "subtree",
            })  # fmt: skip
    return users


@transaction.atomic
def create_endogenous_collection(root: Library) -> Collection | None:
    """Name the university library's theses and research reports as its endogenous (nội sinh) collection."""
    university = (
        Library.objects.filter(path__startswith=root.path, kind="university").order_by("path").first()
    )
    if university is None or Collection.objects.filter(code="noi-sinh").exists():
        return None
    collection = Collection.objects.create(
        code="noi-sinh", name="Tài liệu nội sinh Trường Đại học Hoa Lư", kind="endogenous", library=university
    )
    own = Record.objects.filter(deleted_at__isnull=True, items__library=university).distinct()
    collection.records.add(*own.order_by("pk").values_list("pk", flat=True)[:120])
    return collection


def _history_value(indicator: Indicator, current: IndicatorValue, year: int, this_year: int):
    """Derive YEAR's (numerator, denominator) from this year's stored value: the trend before the system."""
    back = this_year - year
    jitter = 0.92 + 0.16 * _unit(indicator.code, current.library_id, year)
    if indicator.aggregation == Aggregation.MAX:
        return float(round(2 + 40 * _unit("fresh", current.library_id, year))), None
    if current.denominator is None:
        return float(max(0, round(current.numerator * (1 - 0.08 * back) * jitter))), None
    if current.denominator <= 1:
        # A library's yes/no: it adopted the practice in some year, and stays adopted.
        if not current.numerator:
            return 0.0, 1.0
        adopted = this_year - int(6 * _unit("adopt", indicator.code, current.library_id))
        return (1.0 if year >= adopted else 0.0), 1.0
    denominator = max(1, round(current.denominator * (1 - 0.04 * back)))
    share = current.numerator / current.denominator if current.denominator else 0
    share = max(0.0, min(1.0, share * (1 - 0.17 * back) * jitter))
    return float(round(denominator * share)), float(denominator)


@transaction.atomic
def import_history(root: Library, this_year: int, years: int = HISTORY_YEARS) -> int:
    """Store YEARS of history before THIS_YEAR for every library with a value this year; return rows."""
    indicators = {i.pk: i for i in Indicator.objects.all()}
    current = IndicatorValue.objects.filter(
        library_path__startswith=root.path, year=this_year
    ).select_related("library")
    rows = 0
    for value in current:
        indicator = indicators[value.indicator_id]
        if indicator.source.startswith("report:") and value.denominator is None and not value.numerator:
            continue
        for year in range(this_year - years, this_year):
            numerator, denominator = _history_value(indicator, value, year, this_year)
            snapshots.store_imported(
                indicator, value.library, year, numerator, denominator, note=HISTORY_NOTE
            )
            rows += 1
    return rows


@transaction.atomic
def set_targets(root: Library, this_year: int) -> int:
    """Set the province's targets 2021–2030: the programme's shares, and growth targets for the counts."""
    count = 0
    for indicator in Indicator.objects.filter(code__in=list(SHARE_TARGETS) + list(COUNT_TARGETS)):
        for year in range(FIRST_TARGET_YEAR, LAST_TARGET_YEAR + 1):
            if indicator.code in SHARE_TARGETS:
                first, last = SHARE_TARGETS[indicator.code]
                value = round(
                    first
                    + (last - first) * (year - FIRST_TARGET_YEAR) / (LAST_TARGET_YEAR - FIRST_TARGET_YEAR),
                    2,
                )
            else:
                base = snapshots.series(root, [indicator], [this_year]).get((indicator.pk, this_year))
                if base is None or not base.numerator:
                    continue
                # This year's target a little above what was reached; earlier years on the growth line.
                value = round(
                    base.numerator * 1.04 * (1 - COUNT_TARGETS[indicator.code] * (this_year - year))
                )
            IndicatorTarget.objects.update_or_create(
                indicator=indicator, province=root, year=year,
                defaults={"value": value, "note": "Kế hoạch chuyển đổi số ngành thư viện của tỉnh (minh họa)"},
            )  # fmt: skip
            count += 1
    return count


def build_reports(people: dict, *, now=None, log=print) -> dict:
    """Create (once) the demo's management information; return what the demo command shows."""
    now = now or timezone.now()
    this_year = timezone.localtime(now).year
    root = Library.objects.get(code=people["reader"]["library"])
    if IndicatorValue.objects.filter(library=root).exists():
        return {}
    managers = create_managers(people, root)
    create_endogenous_collection(root)
    written = snapshots.refresh(this_year, root)
    history = import_history(root, this_year)
    targets = set_targets(root, this_year)
    log(f"thuvien demo: indicators {written} values for {this_year}, {history} of history, {targets} targets")
    return {
        "managers": [u.username for u in managers],
        "year": this_year,
        "values": written,
        "history": history,
    }


def summary_lines(info: dict, base_url: str) -> list[str]:
    if not info:
        return []
    return [
        f"Chỉ tiêu và thống kê (MIS) — {base_url}/staff/reports/  "
        f"(Sở Văn hóa: so.vanhoa / {DEMO_PASSWORD}; kiểm tra: so.kiemtra / {DEMO_PASSWORD})",
        f"Bản đồ và danh bạ thư viện — {base_url}/libraries/",
    ]
