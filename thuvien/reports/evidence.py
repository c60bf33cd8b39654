"""Evidence files of inspection answers: untrusted uploads checked, scanned, stored under random names.

What a file is comes from its bytes, never from its name or the browser's claimed type: PDF, JPEG, PNG,
and the Office Open XML documents .docx and .xlsx (ZIP packages carrying ``[Content_Types].xml``).
Everything else is refused with a message saying why. A file is scanned by ClamAV when one is configured
(``settings.DIGITAL_CLAMD``, shared with the digital library); a configured clamd that cannot be reached
refuses the upload, since an unscanned file must not be kept. The stored name is a UUID: the name a person
sent is kept for display only, after ``digital.uploads.display_name`` has cleaned it.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from thuvien.audit.actions import record as audit
from thuvien.digital import clamd
from thuvien.digital.uploads import display_name, grouped
from thuvien.reports.storage import private_storage

log = logging.getLogger("thuvien.reports.evidence")

MB = 1024 * 1024
# Constants, not settings: an inspection's evidence is a few scans and documents, never a collection.
MAX_FILE_BYTES = 20 * MB
MAX_FILES_PER_ANSWER = 20
# An Office document with more parts than this is not a report someone wrote.
MAX_ZIP_MEMBERS = 5000
CHUNK = 64 * 1024

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXTENSIONS = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png", DOCX: ".docx", XLSX: ".xlsx"}
# The names a person knows the accepted types by, for messages and the page's hint.
ACCEPTED_LABEL = "PDF, JPEG, PNG, Word (.docx), Excel (.xlsx)"


class EvidenceError(Exception):
    """A refused evidence file; CODE is stable for machines, MESSAGE is for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed the checks: what it is, how big, its digest and the name to show."""

    upload: object
    filename: str
    content_type: str
    size: int
    sha256: str

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]


def _read_head(upload, n: int = 16) -> bytes:
    upload.seek(0)
    head = upload.read(n)
    upload.seek(0)
    return head or b""


def _sniff_office(upload, name: str) -> str:
    """The Office Open XML type of the ZIP UPLOAD (docx or xlsx); raise EvidenceError for any other ZIP."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as package:
            names = package.namelist()
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        ValueError,
        NotImplementedError,
        EOFError,
    ) as exc:
        raise EvidenceError(
            "bad_zip", _("«%(name)s»: tệp hỏng, không đọc được như tài liệu Word/Excel.") % {"name": name}
        ) from exc
    finally:
        upload.seek(0)
    if len(names) > MAX_ZIP_MEMBERS or "[Content_Types].xml" not in names:
        raise EvidenceError(
            "not_office", _("«%(name)s»: tệp nén ZIP không được nhận làm minh chứng.") % {"name": name}
        )
    # Macros travel as vbaProject.bin; a .docx/.xlsx never has one (that is what .docm/.xlsm are for).
    if any(PurePosixPath(n).name.lower() == "vbaproject.bin" for n in names):
        raise EvidenceError(
            "macros",
            _("«%(name)s»: tài liệu có chứa macro; hãy lưu lại dạng .docx/.xlsx thường.") % {"name": name},
        )
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    raise EvidenceError(
        "not_office",
        _("«%(name)s»: chỉ nhận tài liệu Office dạng Word (.docx) hoặc Excel (.xlsx).") % {"name": name},
    )


def sniff(upload, name: str = "") -> str:
    """Return the content type of UPLOAD read from its bytes; raise EvidenceError when it is not accepted."""
    head = _read_head(upload)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"PK\x03\x04"):
        return _sniff_office(upload, name)
    raise EvidenceError(
        "type",
        _(
            "«%(name)s»: loại tệp không được nhận. Chỉ nhận %(types)s; nội dung tệp này không phải loại nào trong đó."
        )
        % {"name": name, "types": ACCEPTED_LABEL},
    )


def _digest(upload, name: str) -> tuple[int, str]:
    """Read UPLOAD through once: its real size (whatever it claims) and its sha256; refuse past the limit."""
    digest = hashlib.sha256()
    size = 0
    upload.seek(0)
    while chunk := upload.read(CHUNK):
        size += len(chunk)
        if size > MAX_FILE_BYTES:
            raise _too_large(name)
        digest.update(chunk)
    upload.seek(0)
    return size, digest.hexdigest()


def _too_large(name: str) -> EvidenceError:
    return EvidenceError(
        "size",
        _("«%(name)s»: tệp lớn hơn giới hạn %(mb)s MB mỗi tệp.")
        % {"name": name, "mb": grouped(MAX_FILE_BYTES // MB)},
    )


def check(upload) -> CheckedFile:
    """Check one uploaded file (size, type from its bytes, digest); raise EvidenceError when it is refused."""
    name = display_name(getattr(upload, "name", "") or "")
    claimed = getattr(upload, "size", None)
    if claimed is not None and claimed > MAX_FILE_BYTES:
        raise _too_large(name)
    size, sha256 = _digest(upload, name)
    if size == 0:
        raise EvidenceError("empty", _("«%(name)s»: tệp rỗng.") % {"name": name})
    content_type = sniff(upload, name)
    return CheckedFile(upload=upload, filename=name, content_type=content_type, size=size, sha256=sha256)


def scan(checked: CheckedFile, *, actor=None, library=None, obj=None) -> None:
    """Have clamd scan CHECKED when one is configured; refuse an infected file (audited) and fail closed."""
    addr = clamd.address()
    if not addr:
        return
    upload = checked.upload
    upload.seek(0)
    try:
        virus = clamd.scan_stream(upload, addr)
    except clamd.ClamdSizeLimit as exc:
        log.warning("clamd refused %s: %s", checked.filename, exc)
        raise EvidenceError(
            "scan_size",
            _("«%(name)s»: tệp vượt giới hạn kích thước quét của ClamAV (StreamMaxLength trong clamd.conf).")
            % {"name": checked.filename},
        ) from exc
    except clamd.ClamdUnavailable as exc:
        log.error("clamd unreachable: %s", exc)
        raise EvidenceError(
            "scan_unavailable",
            _("Không kết nối được trình quét virus ClamAV nên chưa thể nhận tệp; hãy báo quản trị hệ thống."),
        ) from exc
    except clamd.ClamdError as exc:
        log.error("clamd error on %s: %s", checked.filename, exc)
        raise EvidenceError(
            "scan_error",
            _("Trình quét virus ClamAV báo lỗi khi quét «%(name)s»; tệp chưa được nhận.")
            % {"name": checked.filename},
        ) from exc
    finally:
        upload.seek(0)
    if virus is None:
        return
    # Its own transaction: the refusal that follows must not take the record of the virus with it.
    with transaction.atomic():
        audit(
            "reports.evidence.infected", actor=actor, library=library, obj=obj, name=checked.filename,
            virus=virus[:200], sha256=checked.sha256, size=checked.size,
        )  # fmt: skip
    log.warning("infected evidence %s (%s) refused", checked.filename, virus)
    raise EvidenceError(
        "infected",
        _("«%(name)s»: phát hiện mã độc (%(virus)s); tệp không được nhận.")
        % {"name": checked.filename, "virus": virus},
    )


def store(checked: CheckedFile) -> str:
    """Write CHECKED to the private storage under a random name; return the stored name."""
    name = f"inspections/{timezone.now():%Y}/{uuid.uuid4().hex}{checked.extension}"
    upload = checked.upload
    upload.seek(0)
    return private_storage().save(name, upload if isinstance(upload, File) else File(upload))


def delete_stored(names) -> None:
    """Delete the stored files NAMES, logging (not raising) what cannot be deleted."""
    for name in names:
        if not name:
            continue
        try:
            private_storage().delete(name)
        except OSError as exc:
            log.error("could not delete evidence file %s: %s", name, exc)


def download_name(filename: str, content_type: str) -> str:
    """The name a downloaded file gets: the shown name, ending in the extension of its real type."""
    extension = EXTENSIONS.get(content_type, "")
    suffix = PurePosixPath(filename).suffix.lower()
    if not extension or suffix == extension or (content_type == JPEG and suffix == ".jpeg"):
        return filename
    return f"{filename}{extension}"
