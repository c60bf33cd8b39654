"""The field-by-field MARC editor's text form, and validation of tags, indicators and subfields."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import pymarc
from django.utils.translation import gettext as _

DOLLAR_ESCAPE = "{dollar}"
TAG_RE = re.compile(r"^[0-9A-Za-z]{3}$")
INDICATOR_RE = re.compile(r"^[0-9a-z ]$")
SUBFIELD_CODE_RE = re.compile(r"^[0-9a-z]$")

# Indicator values MARC 21 allows for the fields catalogers touch most (None: any valid character).
INDICATORS: dict[str, tuple[str | None, str | None]] = {
    "020": (" ", " "), "022": (" 01", " "), "041": (" 01", " 7"), "082": (" 01", " 04"),
    "100": ("013", " "), "110": ("012", " "), "111": ("012", " "), "130": ("0123456789", " "),
    "240": ("01", "0123456789"), "245": ("01", "0123456789"), "246": ("0123", " 012345678"),
    "250": (" ", " "), "260": (" 23", " "), "264": (" 23", "01234"), "300": (" ", " "),
    "490": ("01", " "), "500": (" ", " "), "504": (" ", " "), "505": ("0128", " 0"), "520": (" 012348", " "),
    "600": ("013", "01234567"), "610": ("012", "01234567"), "650": (" 012", "01234567"),
    "651": (" ", "01234567"), "700": ("013", " 2"), "710": ("012", " 2"), "856": (" 0123478", " 012348"),
}  # fmt: skip
NON_REPEATABLE = {"001", "003", "005", "008", "100", "110", "111", "130", "240", "245", "250"}
REQUIRED = {"245"}


@dataclass
class Row:
    tag: str
    ind1: str = " "
    ind2: str = " "
    value: str = ""


def field_to_row(field: pymarc.Field) -> Row:
    if field.is_control_field():
        return Row(field.tag, "", "", field.data or "")
    text = "".join(f"${s.code}{s.value.replace('$', DOLLAR_ESCAPE)}" for s in field.subfields)
    return Row(field.tag, field.indicator1 or " ", field.indicator2 or " ", text)


def record_to_rows(record: pymarc.Record) -> list[Row]:
    return [field_to_row(f) for f in record.fields]


def _is_control(tag: str) -> bool:
    return tag.isdigit() and tag < "010"


def parse_subfields(text: str) -> list[tuple[str, str]] | None:
    """Split "$aTitle /$cAuthor" into [(code, value)], or None if it does not start with a subfield."""
    text = text.strip()
    if not text.startswith("$"):
        return None
    parts = text.split("$")[1:]
    out = []
    for part in parts:
        if not part:
            return None
        out.append((part[0], part[1:].replace(DOLLAR_ESCAPE, "$")))
    return out


def rows_to_record(leader: str, rows: list[Row]) -> tuple[pymarc.Record, list[str]]:
    """Build a record from editor rows; return it with the list of problems (empty when valid)."""
    errors: list[str] = []
    leader = unicodedata.normalize("NFC", leader or "")
    if len(leader) != 24:
        errors.append(_("Đầu biểu (leader) phải dài đúng 24 ký tự (hiện có %(n)d).") % {"n": len(leader)})
        leader = (leader + " " * 24)[:24]
    record = pymarc.Record(leader=leader[:9] + "a" + leader[10:], force_utf8=True)
    seen: dict[str, int] = {}
    for n, row in enumerate(rows, start=1):
        tag = (row.tag or "").strip()
        value = unicodedata.normalize("NFC", row.value or "").strip()
        if not tag and not value:
            continue
        where = _("dòng %(n)d (%(tag)s)") % {"n": n, "tag": tag or "?"}
        if not TAG_RE.match(tag):
            errors.append(_("%(where)s: nhãn trường phải gồm 3 chữ số hoặc chữ cái.") % {"where": where})
            continue
        seen[tag] = seen.get(tag, 0) + 1
        if tag in NON_REPEATABLE and seen[tag] == 2:
            errors.append(_("%(where)s: trường %(tag)s không được lặp.") % {"where": where, "tag": tag})
        if _is_control(tag):
            if not value:
                errors.append(_("%(where)s: trường kiểm soát trống.") % {"where": where})
            if "$" in value and tag != "008":
                errors.append(_("%(where)s: trường kiểm soát không có trường con.") % {"where": where})
            if tag == "008" and len(value) != 40:
                errors.append(
                    _("%(where)s: trường 008 phải dài 40 ký tự (hiện có %(n)d).")
                    % {"where": where, "n": len(value)}
                )
            record.add_field(pymarc.Field(tag=tag, data=value))
            continue
        ind1 = (row.ind1 or " ")[:1] if row.ind1 not in ("", "_", "#") else " "
        ind2 = (row.ind2 or " ")[:1] if row.ind2 not in ("", "_", "#") else " "
        ind1, ind2 = ind1.replace("_", " ").replace("#", " "), ind2.replace("_", " ").replace("#", " ")
        for position, ind in ((1, ind1), (2, ind2)):
            allowed = INDICATORS.get(tag, (None, None))[position - 1]
            if not INDICATOR_RE.match(ind):
                errors.append(
                    _("%(where)s: chỉ thị %(p)d «%(v)s» không hợp lệ.")
                    % {"where": where, "p": position, "v": ind}
                )
            elif allowed is not None and ind not in allowed:
                shown = ", ".join("#" if c == " " else c for c in allowed)
                errors.append(
                    _("%(where)s: chỉ thị %(p)d của trường %(tag)s phải là một trong: %(allowed)s.")
                    % {"where": where, "p": position, "tag": tag, "allowed": shown}
                )
        subfields = parse_subfields(value)
        if not subfields:
            errors.append(
                _("%(where)s: nội dung phải bắt đầu bằng mã trường con, ví dụ $a.") % {"where": where}
            )
            continue
        bad = [code for code, _v in subfields if not SUBFIELD_CODE_RE.match(code)]
        if bad:
            errors.append(
                _("%(where)s: mã trường con không hợp lệ: %(codes)s.")
                % {"where": where, "codes": ", ".join(bad)}
            )
        if any(not v.strip() for _c, v in subfields):
            errors.append(_("%(where)s: có trường con trống.") % {"where": where})
        record.add_field(
            pymarc.Field(
                tag=tag, indicators=[ind1, ind2], subfields=[pymarc.Subfield(c, v) for c, v in subfields]
            )
        )
    for tag in REQUIRED - set(seen):
        errors.append(_("Thiếu trường bắt buộc %(tag)s (nhan đề).") % {"tag": tag})
    if "245" in seen and not any(sf.code == "a" for f in record.get_fields("245") for sf in f.subfields):
        errors.append(_("Trường 245 phải có trường con $a (nhan đề chính)."))
    record.fields.sort(key=lambda f: (not f.tag.isdigit(), f.tag))
    return record, errors
