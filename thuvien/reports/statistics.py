"""The periodic statistics report's form: its sections and fields, how values are typed and read, the pre-fill.

The layout follows the library statistics forms the departments collect (sections I–V, a stable row code
"Mã số" per figure). A field's ``source`` is ``system`` (the system computes it: a computation of
``thuvien.reports.computations``, or one of this module's own counts) or ``manual`` (what the system cannot
know: door counts, events, hours, premises, budget). Values are stored in ``StatisticsReport.figures`` as
JSON numbers (int or float) or strings, keyed by the field's ``code``; the indicator "visits" reads the
approved reports' ``visits``.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from thuvien.network.models import Library
from thuvien.reports.models import PeriodKind, StaffMember, StatisticsReport
from thuvien.reports.periods import Period

log = logging.getLogger(__name__)

INT = "int"
DECIMAL = "decimal"
TEXT = "text"
SYSTEM = "system"
MANUAL = "manual"

MAX_INT = 10**15  # a province's yearly budget in đồng fits with room to spare
MAX_DECIMAL = 10**12
MAX_TEXT = 2000


@dataclass(frozen=True)
class Field:
    """One figure of the form: its code in ``figures``, its row code (Mã số), label, unit, kind and source."""

    code: str
    row: str
    label: str | Promise
    unit: str | Promise
    kind: str = INT
    source: str = MANUAL
    computation: str = ""  # a key of thuvien.reports.computations, or "local:<name>" (this module's counts)
    required: bool = True
    summable: bool = True  # whether a total over libraries means something (hours a week do not add up)
    help: str | Promise = ""

    @property
    def is_system(self) -> bool:
        return self.source == SYSTEM

    @property
    def is_number(self) -> bool:
        return self.kind in (INT, DECIMAL)


@dataclass(frozen=True)
class Section:
    number: str  # the Roman numeral of the official forms
    title: str | Promise
    fields: tuple[Field, ...]


_UNIT_COPIES = gettext_lazy("bản")
_UNIT_DOCUMENTS = gettext_lazy("tài liệu")
_UNIT_READERS = gettext_lazy("người")
_UNIT_VISITS = gettext_lazy("lượt")
_UNIT_EVENTS = gettext_lazy("cuộc")
_UNIT_HOURS = gettext_lazy("giờ")
_UNIT_M2 = gettext_lazy("m²")
_UNIT_SEATS = gettext_lazy("chỗ")
_UNIT_MACHINES = gettext_lazy("máy")
_UNIT_VND = gettext_lazy("đồng")

SECTIONS: tuple[Section, ...] = (
    Section("I", gettext_lazy("Vốn tài liệu"), (
        Field("collection_items", "01", gettext_lazy("Tổng số bản tài liệu (cuối kỳ)"), _UNIT_COPIES,
              source=SYSTEM, computation="collection_items",
              help=gettext_lazy("Số bản thư viện sở hữu cuối kỳ, trừ bản đã thanh lý.")),
        Field("acquisitions", "02", gettext_lazy("Số bản tài liệu bổ sung trong kỳ"), _UNIT_COPIES,
              source=SYSTEM, computation="acquisitions"),
        Field("digital_documents", "03", gettext_lazy("Tài liệu số đã công bố (cuối kỳ)"), _UNIT_DOCUMENTS,
              source=SYSTEM, computation="local:digital_documents",
              help=gettext_lazy("Tài liệu số của thư viện đã công bố trên hệ thống tính đến cuối kỳ.")),
    )),
    Section("II", gettext_lazy("Bạn đọc"), (
        Field("readers_registered", "04", gettext_lazy("Số bạn đọc có thẻ (cuối kỳ)"), _UNIT_READERS,
              source=SYSTEM, computation="readers_registered"),
        Field("readers_active", "05", gettext_lazy("Số bạn đọc hoạt động trong kỳ"), _UNIT_READERS,
              source=SYSTEM, computation="readers_active",
              help=gettext_lazy("Bạn đọc có ít nhất một lượt mượn trong kỳ.")),
        Field("visits", "06", gettext_lazy("Lượt bạn đọc đến thư viện"), _UNIT_VISITS,
              help=gettext_lazy("Theo sổ hoặc máy đếm lượt ra vào.")),
    )),
    Section("III", gettext_lazy("Hoạt động phục vụ"), (
        Field("loans", "07", gettext_lazy("Lượt mượn tài liệu"), _UNIT_VISITS, source=SYSTEM, computation="loans"),
        Field("digital_views", "08", gettext_lazy("Lượt đọc tài liệu số"), _UNIT_VISITS,
              source=SYSTEM, computation="digital_views"),
        Field("digital_downloads", "09", gettext_lazy("Lượt tải tài liệu số"), _UNIT_VISITS,
              source=SYSTEM, computation="digital_downloads"),
        Field("events", "10", gettext_lazy("Số sự kiện, hoạt động (trưng bày, giới thiệu sách, câu lạc bộ đọc…)"),
              _UNIT_EVENTS),
        Field("events_detail", "11", gettext_lazy("Trong đó: các sự kiện, hoạt động tiêu biểu"), "", kind=TEXT,
              required=False, summable=False),
        Field("opening_hours_week", "12", gettext_lazy("Số giờ mở cửa phục vụ một tuần"), _UNIT_HOURS,
              kind=DECIMAL, summable=False),
    )),
    Section("IV", gettext_lazy("Cơ sở vật chất và kinh phí"), (
        Field("floor_area_m2", "13", gettext_lazy("Diện tích thư viện"), _UNIT_M2, kind=DECIMAL),
        Field("seats", "14", gettext_lazy("Số chỗ ngồi cho bạn đọc"), _UNIT_SEATS),
        Field("computers", "15", gettext_lazy("Số máy tính phục vụ bạn đọc"), _UNIT_MACHINES),
        Field("budget_vnd", "16", gettext_lazy("Kinh phí được cấp trong kỳ"), _UNIT_VND),
        Field("acquisition_budget_vnd", "17", gettext_lazy("Trong đó: kinh phí bổ sung tài liệu"), _UNIT_VND),
    )),
    Section("V", gettext_lazy("Nhân lực"), (
        Field("staff_total", "18", gettext_lazy("Tổng số người làm công tác thư viện (cuối kỳ)"), _UNIT_READERS,
              source=SYSTEM, computation="local:staff_total",
              help=gettext_lazy("Theo danh sách nhân sự của thư viện trên hệ thống.")),
        Field("staff_library_trained", "19", gettext_lazy("Trong đó: có chuyên môn thư viện"), _UNIT_READERS,
              source=SYSTEM, computation="local:staff_library_trained"),
    )),
)  # fmt: skip

FIELDS: tuple[Field, ...] = tuple(f for section in SECTIONS for f in section.fields)
FIELD_BY_CODE: dict[str, Field] = {f.code: f for f in FIELDS}
NUMBER_FIELDS: tuple[Field, ...] = tuple(f for f in FIELDS if f.is_number)


# ---------------------------------------------------------------------------------------------------
# Periods


def period_of(report: StatisticsReport) -> Period:
    return Period(report.year, report.quarter if report.period_kind == PeriodKind.QUARTER else None)


def period_label(period_kind: str, year: int, quarter: int | None) -> str:
    """Name a period as the forms do: "Quý II năm 2025", "Năm 2025"."""
    if period_kind == PeriodKind.QUARTER and quarter:
        roman = {1: "I", 2: "II", 3: "III", 4: "IV"}[quarter]
        return _("Quý %(q)s năm %(y)s") % {"q": roman, "y": year}
    return _("Năm %(y)s") % {"y": year}


def report_period_label(report: StatisticsReport) -> str:
    return period_label(report.period_kind, report.year, report.quarter)


# ---------------------------------------------------------------------------------------------------
# Pre-fill


def _digital_documents(library: Library, period: Period) -> int:
    from thuvien.digital.models import DigitalObject, Stage

    return DigitalObject.objects.filter(
        library=library, stage=Stage.PUBLISHED, published_at__lt=period.end_at
    ).count()


def _staff_at_end(library: Library, period: Period):
    from django.db.models import Q

    end = period.end
    return StaffMember.objects.filter(library=library).filter(
        Q(employed_from__isnull=True) | Q(employed_from__lte=end),
        Q(employed_to__isnull=True) | Q(employed_to__gt=end),
    )


def _staff_total(library: Library, period: Period) -> int:
    return _staff_at_end(library, period).count()


def _staff_library_trained(library: Library, period: Period) -> int:
    return _staff_at_end(library, period).filter(library_trained=True).count()


LOCAL: dict[str, Callable[[Library, Period], int]] = {
    "digital_documents": _digital_documents,
    "staff_total": _staff_total,
    "staff_library_trained": _staff_library_trained,
}


def _as_number(value, kind: str):
    if value is None:
        return None
    value = float(value)
    if not math.isfinite(value):
        return None
    if kind == INT:
        return int(round(value))
    return round(value, 2)


def system_value(field: Field, library: Library, period: Period):
    """Compute FIELD's value for LIBRARY's own activity in PERIOD; None when the system has no figure."""
    if not field.is_system:
        return None
    if field.computation.startswith("local:"):
        return _as_number(LOCAL[field.computation[len("local:") :]](library, period), field.kind)
    from thuvien.reports.indicators import get_computation

    try:
        computation = get_computation(field.computation)
    except KeyError:
        # A computation not (yet) registered leaves the figure for the librarian to type.
        log.warning("statistics form: computation %s is not registered", field.computation)
        return None
    result = computation.measure(library, period)
    # "Not applicable" (digital views of a library without digital documents) is none of it on the form.
    return _as_number(0 if result is None else result.numerator, field.kind)


def system_values(library: Library, period: Period) -> dict:
    """Return {field code: value or None} of every system field for LIBRARY in PERIOD."""
    return {f.code: system_value(f, library, period) for f in FIELDS if f.is_system}


def same(a, b) -> bool:
    """Tell whether two stored values are the same figure (1 and 1.0 are)."""
    if isinstance(a, int | float) and isinstance(b, int | float):
        return abs(float(a) - float(b)) < 1e-9
    return a == b


def changed_codes(report: StatisticsReport) -> set[str]:
    """Return the system fields whose figure differs from what the system computed."""
    return {
        f.code
        for f in FIELDS
        if f.is_system
        and f.code in report.prefilled
        and not same(report.figures.get(f.code), report.prefilled[f.code])
    }


# ---------------------------------------------------------------------------------------------------
# Reading typed values


class FigureError(ValueError):
    pass


_GROUPED_DOT = re.compile(r"^\d{1,3}(\.\d{3})+$")
_GROUPED_COMMA = re.compile(r"^\d{1,3}(,\d{3})+$")
_PLAIN = re.compile(r"^\d+(\.\d+)?$")


def parse_number(raw: str, kind: str):
    """Read a number typed the Vietnamese way ("1.234.567", "37,5") or plainly ("1234567", "37.5").

    Spaces group thousands. With a comma, the comma is the decimal mark and dots group thousands. Without
    one, dots in groups of three ("1.500") group thousands, and a single other dot is the decimal mark.
    """
    text = unicodedata.normalize("NFKC", raw).strip().replace(" ", "").replace("\u202f", "")
    if not text:
        return None
    if text.startswith("-"):
        raise FigureError(_("Số liệu không được âm."))
    if "," in text:
        if kind == INT and _GROUPED_COMMA.match(text):
            text = text.replace(",", "")
        else:
            if text.count(",") > 1:
                raise FigureError(_("Không đọc được số “%(raw)s”.") % {"raw": raw.strip()[:40]})
            whole, _sep, fraction = text.partition(",")
            if whole and not _GROUPED_DOT.match(whole) and not whole.isdigit():
                raise FigureError(_("Không đọc được số “%(raw)s”.") % {"raw": raw.strip()[:40]})
            text = whole.replace(".", "") + "." + fraction
    elif _GROUPED_DOT.match(text):
        text = text.replace(".", "")
    if not _PLAIN.match(text):
        raise FigureError(_("Không đọc được số “%(raw)s”.") % {"raw": raw.strip()[:40]})
    value = float(text)
    if kind == INT:
        if value != int(value):
            raise FigureError(_("Chỉ tiêu này là số nguyên."))
        if value >= MAX_INT:
            raise FigureError(_("Số quá lớn."))
        return int(value)
    if value >= MAX_DECIMAL:
        raise FigureError(_("Số quá lớn."))
    return round(value, 2)


def parse_value(field: Field, raw: str | None):
    """Read FIELD's typed value: a number, a text, or None when left empty; FigureError when unreadable."""
    raw = raw or ""
    if field.kind == TEXT:
        text = unicodedata.normalize("NFC", raw).strip()
        if len(text) > MAX_TEXT:
            raise FigureError(_("Tối đa %(n)s ký tự.") % {"n": MAX_TEXT})
        return text or None
    return parse_number(raw, field.kind)


def read_figures(data: Mapping[str, str]) -> tuple[dict, dict[str, str]]:
    """Read every field from DATA (a form's POST, keyed by field code): (figures, {code: error})."""
    figures: dict = {}
    errors: dict[str, str] = {}
    for f in FIELDS:
        try:
            value = parse_value(f, data.get(f.code))
        except FigureError as exc:
            errors[f.code] = str(exc)
            continue
        figures[f.code] = value
    return figures, errors


def missing_required(figures: Mapping) -> list[Field]:
    """Return the required fields without a value in FIGURES, in the form's order."""
    return [f for f in FIELDS if f.required and figures.get(f.code) in (None, "")]


# ---------------------------------------------------------------------------------------------------
# Showing values


def format_number(value, kind: str = INT) -> str:
    """Write a number the Vietnamese way: dots group thousands, a comma marks decimals."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value
    if kind == INT or float(value) == int(value):
        return f"{int(round(float(value))):,}".replace(",", ".")
    whole, fraction = f"{float(value):,.2f}".split(".")
    fraction = fraction.rstrip("0")
    whole = whole.replace(",", ".")
    return f"{whole},{fraction}" if fraction else whole


def display_value(field: Field, value) -> str:
    if field.kind == TEXT:
        return value or ""
    return format_number(value, field.kind)


@dataclass
class Row:
    """A line of the form as shown and exported: a section heading (``field`` None) or a figure."""

    section: Section
    field: Field | None = None
    number: int = 0  # STT within the form
    value: object = None
    system: object = None
    changed: bool = False


def rows(report: StatisticsReport) -> list[Row]:
    """Lay REPORT out as the form's lines, section headings first, figures numbered 1, 2, …."""
    changed = changed_codes(report)
    result: list[Row] = []
    number = 0
    for section in SECTIONS:
        result.append(Row(section))
        for f in section.fields:
            number += 1
            result.append(
                Row(
                    section,
                    f,
                    number,
                    report.figures.get(f.code),
                    report.prefilled.get(f.code),
                    f.code in changed,
                )
            )
    return result
