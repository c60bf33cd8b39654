"""Bulk import of readers from CSV (schools enrol whole classes): bad rows reported, good rows kept.

The file is UTF-8 (with or without BOM) or, when it is not valid UTF-8, a legacy Vietnamese encoding
(TCVN3, VNI, VISCII, cp1258) recognised by ``thuvien.lib.vn_legacy`` and converted with a report, as
the MARC importer does; UTF-8 that was decoded twice (mojibake) is repaired the same way. Plain ASCII
is never "converted" from VIQR: a class list typed without diacritics stays as typed.

Every row goes through ``patrons.actions.register_reader`` (channel "import") in its own savepoint;
a row whose card already exists updates that reader through ``update_reader`` instead. A cell left
blank on an existing reader keeps what is stored, and his PIN is never reset by a re-import (he may
have changed it).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from thuvien.lib import vn_legacy
from thuvien.lib.vn_text import fold, nfc
from thuvien.network.models import Library
from thuvien.patrons import identity
from thuvien.patrons.actions import register_reader, set_consent, update_reader
from thuvien.patrons.exceptions import PatronError
from thuvien.patrons.models import Consent, Reader, ReaderCategory

CHANNEL = "import"
REQUIRED = ("card", "pin", "name", "category", "library", "email", "birth_date")
OPTIONAL = ("phone", "address", "cccd", "expires_on", "keep_history")
# Header names, English and Vietnamese, compared folded (no case, no diacritics, any separator).
ALIASES = {
    "card": ("card", "card number", "so the", "ma the", "the"),
    "pin": ("pin", "ma pin"),
    "name": ("name", "full name", "ho ten", "ho va ten"),
    "category": ("category", "doi tuong", "loai ban doc"),
    "library": ("library", "thu vien", "ma thu vien"),
    "email": ("email", "e mail", "thu dien tu"),
    "birth_date": ("birth date", "date of birth", "ngay sinh"),
    "phone": ("phone", "dien thoai", "so dien thoai"),
    "address": ("address", "dia chi"),
    "cccd": ("cccd", "so cccd", "can cuoc", "can cuoc cong dan"),
    "expires_on": ("expires on", "expires", "het han", "ngay het han"),
    "keep_history": ("keep history", "luu lich su", "luu lich su muon"),
}
ENCODINGS = ("auto", "utf-8", "tcvn3", "vni", "viscii", "cp1258")
_ENCODING_NAMES = {"tcvn3": "TCVN3 (ABC)", "vni": "VNI", "viscii": "VISCII", "cp1258": "Windows-1258",
                   "mojibake": "UTF-8 (mojibake)"}  # fmt: skip
_MAX_LENGTH = {"full_name": 200, "email": 254, "phone": 30}
_YES = {"1", "x", "yes", "y", "true", "co", "dong y"}
_NO = {"", "0", "no", "n", "false", "khong"}


def _header_key(name: str) -> str:
    return " ".join(re.split(r"[^a-z0-9]+", fold(nfc(name or "").strip().lstrip("\ufeff")))).strip()


_HEADER = {_header_key(alias): column for column, aliases in ALIASES.items() for alias in aliases}


class ReaderImportError(PatronError):
    """The file as a whole cannot be read (encoding, header); no row was imported."""


@dataclass
class ImportLine:
    """One row of the file and what became of it: imported, updated, unchanged or rejected."""

    line: int
    card: str
    name: str
    status: str
    message: str = ""
    reader_id: int | None = None


@dataclass
class ReaderImportReport:
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    encoding: str = "utf-8"
    conversion: str = ""  # what was converted from a legacy encoding, for the librarian to review
    ignored_columns: list[str] = field(default_factory=list)
    dry_run: bool = False
    lines: list[ImportLine] = field(default_factory=list)

    def summary(self) -> str:
        return f"imported={self.imported} updated={self.updated} rejected={self.rejected}"

    def add(self, line: ImportLine) -> None:
        self.lines.append(line)
        setattr(self, line.status, getattr(self, line.status) + 1)


class _RowError(Exception):
    pass


# --- reading the file ---------------------------------------------------------------------------


def decode(data: bytes, encoding: str = "auto") -> tuple[list[list[str]], str, dict[int, list[str]]]:
    """Return (rows of cells in NFC, encoding found, {row index: raw cells} for the rows converted)."""
    if encoding not in ENCODINGS:
        raise ReaderImportError("encoding", _("Bảng mã không hỗ trợ: %(enc)s.") % {"enc": encoding})
    if data.startswith(b"\xef\xbb\xbf"):
        data, encoding = data[3:], "utf-8"
    kind = None
    if encoding in ("auto", "utf-8"):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            if encoding == "utf-8":
                raise ReaderImportError(
                    "encoding", _("Tệp không phải UTF-8 (byte lạ ở vị trí %(pos)d).") % {"pos": exc.start}
                ) from None
            text = data.decode("latin-1")
            kind = vn_legacy.detect(_non_ascii(text))
            if kind not in ("tcvn3", "vni", "viscii", "cp1258"):
                raise ReaderImportError(
                    "encoding",
                    _(
                        "Không nhận ra bảng mã của tệp. Hãy lưu tệp dưới dạng CSV UTF-8, hoặc ghi rõ bảng mã "
                        "(--encoding tcvn3, vni, viscii hoặc cp1258)."
                    ),
                ) from None
        else:
            if encoding == "auto" and not text.isascii() and vn_legacy.detect(_non_ascii(text)) == "mojibake":
                kind = "mojibake"
    else:
        text, kind = data.decode("latin-1"), encoding
    rows = list(csv.reader(io.StringIO(text, newline=""), dialect=_dialect(text)))
    converted: dict[int, list[str]] = {}
    for index, row in enumerate(rows):
        new = [_convert(cell, kind) for cell in row] if kind else [nfc(cell) for cell in row]
        if kind and new != [nfc(cell) for cell in row]:
            converted[index] = row
        rows[index] = new
    return rows, kind or "utf-8", converted


def _non_ascii(text: str) -> str:
    return " ".join(word for word in text.split() if not word.isascii())


def _convert(cell: str, kind: str) -> str:
    if cell.isascii():
        return cell
    return nfc(vn_legacy.convert(cell, kind))


def _dialect(text: str):
    header = text.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(header, delimiters=";,\t")
    except csv.Error:
        # One column, or no delimiter the sniffer trusts: the commoner of ; and , in the header.
        return "excel" if header.count(",") >= header.count(";") else _Semicolon


class _Semicolon(csv.excel):
    delimiter = ";"


def map_header(cells: list[str], *, library_given: bool) -> tuple[dict[str, int], list[str]]:
    """Return {column: index} for the header CELLS and the names of columns not used."""
    columns: dict[str, int] = {}
    ignored = []
    for index, cell in enumerate(cells):
        column = _HEADER.get(_header_key(cell))
        if column is None:
            if cell.strip():
                ignored.append(cell.strip())
            continue
        if column in columns:
            raise ReaderImportError(
                "header", _("Cột «%(name)s» xuất hiện hai lần ở dòng tiêu đề.") % {"name": cell.strip()}
            )
        columns[column] = index
    missing = [c for c in REQUIRED if c not in columns and not (c == "library" and library_given)]
    if missing:
        raise ReaderImportError(
            "header",
            _("Dòng tiêu đề thiếu cột: %(columns)s. Cần có: %(required)s.")
            % {"columns": ", ".join(missing), "required": ", ".join(REQUIRED)},
        )
    return columns, ignored


def parse_date(value: str, label: str) -> dt.date | None:
    """Return the date in VALUE (YYYY-MM-DD or DD/MM/YYYY), None if blank; raise _RowError otherwise."""
    value = value.strip()
    if not value:
        return None
    for pattern, order in (
        (r"(\d{4})-(\d{1,2})-(\d{1,2})", "ymd"),
        (r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})", "dmy"),
    ):
        m = re.fullmatch(pattern, value)
        if m:
            parts = dict(zip(order, map(int, m.groups()), strict=True))
            try:
                return dt.date(parts["y"], parts["m"], parts["d"])
            except ValueError:
                break
    raise _RowError(
        _("%(label)s «%(value)s» không hợp lệ (ghi YYYY-MM-DD hoặc DD/MM/YYYY).") % {"label": label, "value": value}
    )  # fmt: skip


def _parse_bool(value: str) -> bool | None:
    key = fold(value.strip())
    if key in _YES:
        return True
    if key in _NO:
        return False if key else None
    raise _RowError(_("Cột lưu lịch sử phải ghi 1/0 (có/không), không phải «%(value)s».") % {"value": value})


# --- importing ----------------------------------------------------------------------------------


class _Lookups:
    """Categories and libraries by what a file may call them, read once per import."""

    def __init__(self, actor, default_library: Library | None):
        self.categories: dict[str, ReaderCategory] = {}
        for category in ReaderCategory.objects.all():
            self.categories[fold(category.code)] = category
            self.categories.setdefault(fold(category.name), category)
        self.libraries = {lib.code: lib for lib in Library.objects.all()}
        self.default_library = default_library
        self.allowed: set[int] | None = None
        if actor is not None:
            from thuvien.circulation.queries import circulation_libraries

            self.allowed = set(circulation_libraries(actor).values_list("pk", flat=True))

    def category(self, value: str) -> ReaderCategory:
        category = self.categories.get(fold(value.strip()))
        if category is None:
            raise _RowError(_("Không có đối tượng bạn đọc «%(value)s».") % {"value": value.strip()})
        return category

    def library(self, value: str) -> Library:
        code = value.strip().upper()
        if not code:
            if self.default_library is None:
                raise _RowError(_("Thiếu mã thư viện."))
            library = self.default_library
        else:
            library = self.libraries.get(code)
            if library is None:
                raise _RowError(_("Không có thư viện mã «%(code)s».") % {"code": value.strip()})
        self.check_allowed(library)
        return library

    def check_allowed(self, library: Library) -> None:
        if self.allowed is not None and library.pk not in self.allowed:
            raise _RowError(_("Bạn không quản lý bạn đọc của %(library)s.") % {"library": library.name})


def import_readers(data: bytes, *, library: Library | None = None, actor=None, encoding: str = "auto",
                   dry_run: bool = False) -> ReaderImportReport:  # fmt: skip
    """Import the readers in CSV DATA; LIBRARY is the home library of rows that name none.

    ACTOR, when given, may only import into libraries where he runs circulation (his subtree).
    DRY_RUN checks every row and reports as if imported, then rolls everything back.
    Raises ReaderImportError when the file as a whole is unreadable (encoding, header).
    """
    rows, found, converted = decode(data, encoding)
    report = ReaderImportReport(encoding=found, dry_run=dry_run)
    numbers = _line_numbers(rows)
    start = next((i for i, row in enumerate(rows) if any(cell.strip() for cell in row)), None)
    if start is None:
        raise ReaderImportError("empty", _("Tệp trống: không có dòng tiêu đề."))
    columns, report.ignored_columns = map_header(rows[start], library_given=library is not None)
    if found != "utf-8":
        report.conversion = _("Đã chuyển bảng mã %(enc)s sang Unicode ở %(n)d dòng; xem lại trong báo cáo.") % {
            "enc": _ENCODING_NAMES[found], "n": len(converted)}  # fmt: skip
    lookups = _Lookups(actor, library)
    body = [(numbers[i], i, row) for i, row in enumerate(rows) if i > start and any(c.strip() for c in row)]
    existing = _existing_readers({_cell(row, columns, "card").upper() for _n, _i, row in body})
    seen: dict[str, int] = {}
    with transaction.atomic():
        for number, index, row in body:
            line = _import_row(row, columns, number, lookups, existing, seen, actor)
            if index in converted and line.status != "rejected":
                raw = converted[index]
                before = raw[columns["name"]] if columns["name"] < len(raw) else ""
                if before and before != line.name:
                    note = _("Đã chuyển bảng mã: «%(before)s» → «%(after)s».") % {
                        "before": before,
                        "after": line.name,
                    }
                    line.message = f"{line.message} {note}".strip()
            report.add(line)
        if dry_run:
            transaction.set_rollback(True)
    return report


def _existing_readers(cards: set[str]) -> dict[str, Reader]:
    found = {}
    ordered = sorted(c for c in cards if c)
    for start in range(0, len(ordered), 500):  # stay under SQLite's bound-parameter limit
        for reader in Reader.objects.select_related("home_library").filter(
            card__in=ordered[start : start + 500]
        ):
            found[reader.card] = reader
    return found


def _line_numbers(rows: list[list[str]]) -> list[int]:
    """The file line each CSV row starts on (a quoted cell may hold a line break)."""
    numbers, line = [], 1
    for row in rows:
        numbers.append(line)
        line += 1 + sum(cell.count("\n") for cell in row)
    return numbers


def _cell(row: list[str], columns: dict[str, int], name: str) -> str:
    index = columns.get(name)
    if index is None or index >= len(row):
        return ""
    return row[index].strip()


def _import_row(row, columns, number, lookups: _Lookups, existing, seen, actor) -> ImportLine:
    card = _cell(row, columns, "card").upper()
    name = nfc(_cell(row, columns, "name"))
    line = ImportLine(number, card, name, "rejected")
    try:
        if not card:
            raise _RowError(_("Thiếu số thẻ."))
        if card in seen:
            raise _RowError(
                _("Số thẻ %(card)s trùng với dòng %(line)d.") % {"card": card, "line": seen[card]}
            )
        seen[card] = number
        values = _row_values(row, columns, lookups)
        reader = existing.get(card)
        if reader is None:
            if not values.get("full_name"):
                raise _RowError(_("Thiếu họ và tên."))
            # register_reader is its own savepoint: a refused row leaves nothing behind.
            reader = register_reader(
                card=card, pin=_cell(row, columns, "pin"), actor=actor, channel=CHANNEL, terms=True, **values
            )
            line.status, line.reader_id = "imported", reader.pk
            existing[card] = reader
            return line
        with transaction.atomic():
            line.reader_id = reader.pk
            lookups.check_allowed(reader.home_library)
            changed, existing[card] = _update(reader, values, actor)
            line.status = "updated" if changed else "unchanged"
            if changed:
                line.message = _("Đã cập nhật: %(fields)s.") % {"fields": ", ".join(changed)}
            if not name:
                line.name = reader.full_name
    except _RowError as error:
        line.message = str(error)
    except PatronError as error:
        line.message = error.message
    except DatabaseError as error:  # a value the database refuses; the row's savepoint is rolled back
        line.message = _("Cơ sở dữ liệu từ chối dòng này: %(error)s") % {"error": error}
    return line


def _row_values(row, columns, lookups: _Lookups) -> dict:
    """The register_reader keyword arguments of ROW (blank cells left out); raise _RowError."""
    values: dict = {"full_name": nfc(_cell(row, columns, "name"))}
    values["category"] = lookups.category(_cell(row, columns, "category"))
    values["home_library"] = lookups.library(_cell(row, columns, "library"))
    email = _cell(row, columns, "email")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise _RowError(_("Địa chỉ thư điện tử «%(value)s» không hợp lệ.") % {"value": email}) from None
        values["email"] = email
    birth = parse_date(_cell(row, columns, "birth_date"), _("Ngày sinh"))
    if birth is not None:
        values["birth_date"] = birth
    expires = parse_date(_cell(row, columns, "expires_on"), _("Ngày hết hạn"))
    if expires is not None:
        values["expires_on"] = expires
    for column in ("phone", "address", "cccd"):
        value = nfc(_cell(row, columns, column))
        if value:
            values[column] = value
    if "keep_history" in columns:
        keep = _parse_bool(_cell(row, columns, "keep_history"))
        if keep is not None:
            values["keep_history"] = keep
    for name, limit in _MAX_LENGTH.items():
        if len(values.get(name, "")) > limit:
            raise _RowError(
                _("%(field)s dài quá %(n)d ký tự.") % {"field": str(_LABELS[name]).capitalize(), "n": limit}
            )
    return values


_LABELS = {
    "full_name": _lazy("họ tên"), "category": _lazy("đối tượng"), "home_library": _lazy("thư viện"),
    "email": _lazy("thư điện tử"), "birth_date": _lazy("ngày sinh"), "expires_on": _lazy("ngày hết hạn"),
    "phone": _lazy("điện thoại"), "address": _lazy("địa chỉ"), "cccd": "CCCD", "keep_history": _lazy("lưu lịch sử"),
}  # fmt: skip


def _update(reader: Reader, values: dict, actor) -> tuple[list[str], Reader]:
    """Apply to READER what VALUES changes; return the Vietnamese names of the fields changed, and him."""
    changes = {}
    for name, value in values.items():
        if name in ("cccd", "keep_history") or value in ("", None):
            continue
        current = getattr(reader, name)
        if hasattr(value, "pk"):
            if current is None or current.pk != value.pk:
                changes[name] = value
        elif current != value:
            changes[name] = value
    cccd = values.get("cccd")
    if cccd and reader.cccd_hash != identity.blind_index(re.sub(r"[\s.\-]", "", cccd)):
        new_cccd = cccd
    else:
        new_cccd = None
    changed = [str(_LABELS[name]) for name in changes] + (["CCCD"] if new_cccd else [])
    if changes or new_cccd:
        reader = update_reader(reader=reader, actor=actor, cccd=new_cccd, **changes)
    keep = values.get("keep_history")
    if keep is not None and keep != reader.keep_history:
        set_consent(reader=reader, kind=Consent.Kind.LOAN_HISTORY, given=keep, channel=CHANNEL, actor=actor)
        changed.append(str(_LABELS["keep_history"]))
    return changed, reader


def write_report(report: ReaderImportReport, out) -> None:
    """Write the lines that need a librarian's eye (rejected, updated, converted) as CSV to OUT."""
    writer = csv.writer(out)
    writer.writerow(["line", "card", "name", "status", "message"])
    for line in report.lines:
        if line.status in ("rejected", "updated") or line.message:
            writer.writerow([line.line, line.card, line.name, line.status, line.message])
