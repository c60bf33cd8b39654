from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from thuvien.audit import actions as audit
from thuvien.lib.vn_text import nfc
from thuvien.network.exceptions import NetworkError
from thuvien.network.models import AdminUnit, Library, LibraryKind

LIBRARY_FIELDS = ["address", "phone", "email", "website", "opening_hours"]


def _parent(code: str | None) -> Library | None:
    if not code:
        return None
    try:
        return Library.objects.get(code=code.strip())
    except Library.DoesNotExist:
        raise NetworkError(_("Không có thư viện cấp trên mã %(code)s.") % {"code": code}) from None


def _admin_unit(data: dict | None) -> AdminUnit | None:
    if not data or not data.get("code"):
        return None
    unit, _created = AdminUnit.objects.update_or_create(
        scheme=data.get("scheme", "2025"),
        code=data["code"],
        defaults={
            "name": nfc(data.get("name", "")),
            "level": data.get("level", ""),
            "source": data.get("source", ""),
        },
    )
    return unit


@transaction.atomic
def add_library(
    code: str, name: str, kind: str, parent: str | None = None, *, actor=None, **fields
) -> Library:
    """Create library CODE under PARENT (a code), validated, and audit it."""
    code = (code or "").strip().upper()
    if kind not in LibraryKind.values:
        raise NetworkError(
            _("Loại thư viện không hợp lệ: %(kind)s (chọn một trong: %(kinds)s).")
            % {"kind": kind, "kinds": ", ".join(LibraryKind.values)}
        )
    if Library.objects.filter(code=code).exists():
        raise NetworkError(_("Mã thư viện %(code)s đã tồn tại.") % {"code": code})
    library = Library(code=code, name=nfc(name.strip()), kind=kind, parent=_parent(parent))
    for key in LIBRARY_FIELDS:
        if fields.get(key) is not None:
            setattr(library, key, nfc(str(fields[key]).strip()))
    for key in ("latitude", "longitude"):
        if fields.get(key) not in (None, ""):
            setattr(library, key, float(fields[key]))
    library.admin_unit = _admin_unit(fields.get("admin_unit"))
    library.admin_unit_previous = _admin_unit(fields.get("admin_unit_previous"))
    try:
        library.full_clean()
    except ValidationError as exc:
        messages = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
        raise NetworkError(messages) from None
    library.save()
    audit.record("network.library.created", actor=actor, library=library, obj=library, code=code)
    return library


@transaction.atomic
def move_library(library: Library, new_parent: Library | None, *, actor=None) -> Library:
    """Move LIBRARY (and its subtree) under NEW_PARENT, refusing cycles."""
    if new_parent is not None and new_parent.path.startswith(library.path):
        raise NetworkError(_("Không thể chuyển một thư viện vào dưới chính nó."))
    old_path = library.path
    library.parent = new_parent
    library.save()
    for child in Library.objects.filter(path__startswith=old_path).exclude(pk=library.pk).select_for_update():
        child.path = library.path + child.path[len(old_path) :]
        Library.objects.filter(pk=child.pk).update(path=child.path)
    audit.record("network.library.moved", actor=actor, library=library, obj=library, old_path=old_path)
    return library


@dataclass
class CsvImportResult:
    created: int = 0
    errors: list[str] = field(default_factory=list)


def import_libraries_csv(text: str, *, actor=None) -> CsvImportResult:
    """Create the libraries listed in CSV TEXT (header: code,name,kind,parent,…); bad rows are reported."""
    result = CsvImportResult()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = {"code", "name", "kind", "parent"} - set(reader.fieldnames or [])
    if missing:
        raise NetworkError(_("Tệp CSV thiếu cột: %(cols)s") % {"cols": ", ".join(sorted(missing))})
    pending = list(enumerate(reader, start=2))
    # Parents may come after their children in the file: retry rows whose parent is not there yet.
    while pending:
        progressed = False
        retry = []
        for line, row in pending:
            parent = (row.get("parent") or "").strip() or None
            if parent and not Library.objects.filter(code=parent).exists():
                retry.append((line, row))
                continue
            extra = {
                k: v
                for k, v in row.items()
                if k not in {"code", "name", "kind", "parent"} and v not in (None, "")
            }
            try:
                add_library(
                    row.get("code") or "",
                    row.get("name") or "",
                    (row.get("kind") or "").strip(),
                    parent,
                    actor=actor,
                    **extra,
                )
                result.created += 1
            except (NetworkError, ValueError) as exc:
                result.errors.append(_("dòng %(line)d: %(error)s") % {"line": line, "error": exc})
            progressed = True
        if not progressed:
            for line, row in retry:
                result.errors.append(
                    _("dòng %(line)d: không có thư viện cấp trên mã %(code)s")
                    % {"line": line, "code": row.get("parent")}
                )
            break
        pending = retry
    return result
