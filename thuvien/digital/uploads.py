"""Uploads are untrusted: what a file is (sniffed from its bytes), size and pixel limits, safe ZIP unpacking.

Nothing here trusts a file name: the type comes from the first bytes, images are opened with the one
pyvips loader of their sniffed type (never libvips' own guess, which would also accept SVG, CSV, matrix
and raw files), their size is read from the header before any pixel is decoded, and ZIP members are
written under names this module makes up.
"""

from __future__ import annotations

import hashlib
import lzma
import re
import stat
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import pyvips
from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile, StopUpload
from django.utils import numberformat
from django.utils.formats import get_format
from django.utils.translation import gettext as _

from thuvien.digital.exceptions import IngestError
from thuvien.lib.vn_text import fold

MB = 1024 * 1024

TIFF = "image/tiff"
JPEG = "image/jpeg"
PNG = "image/png"
JP2 = "image/jp2"
PDF = "application/pdf"
ZIP = "application/zip"
IMAGE_KINDS = (TIFF, JPEG, PNG, JP2)

# A large member this many times larger than its compressed form is a bomb. Deflate cannot pass about
# 1,030:1, which blank uncompressed pages come close to, so the ratio applies only past ZIP_RATIO_FLOOR
# (a blank uncompressed 8-bit A4 page at 400 dpi); the byte budgets bound everything else.
ZIP_MAX_RATIO = 200
ZIP_RATIO_FLOOR = 16 * MB
# Files a folder or a ZIP may carry besides pages, skipped by name (never accepted by name).
JUNK_NAMES = {"thumbs.db", "desktop.ini", ".ds_store"}
NOTE_SUFFIXES = {".csv", ".txt", ".md"}


@dataclass(frozen=True)
class Limits:
    """What one ingest may bring: bytes per file and in all (unpacked), pixels per page, pages per object."""

    file_bytes: int
    total_bytes: int
    page_pixels: int
    pages: int

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            file_bytes=int(getattr(settings, "DIGITAL_MAX_UPLOAD_MB", 500)) * MB,
            total_bytes=int(getattr(settings, "DIGITAL_MAX_UNPACKED_MB", 4000)) * MB,
            page_pixels=int(getattr(settings, "DIGITAL_MAX_PAGE_PIXELS", 200_000_000)),
            pages=int(getattr(settings, "DIGITAL_MAX_PAGES", 5000)),
        )


class Budget:
    """The bytes an ingest has taken so far, against Limits.total_bytes."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.used = 0

    def take(self, nbytes: int) -> None:
        self.used += nbytes
        if self.used > self.limits.total_bytes:
            raise IngestError(
                _("Tổng dung lượng tải lên (sau khi giải nén) vượt giới hạn %(mb)s MB.")
                % {"mb": grouped(self.limits.total_bytes // MB)}
            )


def grouped(n: int) -> str:
    """N with thousands grouped the local way (200.000.000; Django's Vietnamese formats do not group)."""
    return numberformat.format(n, get_format("DECIMAL_SEPARATOR"), grouping=3,
                               thousand_sep=get_format("THOUSAND_SEPARATOR"), force_grouping=True)  # fmt: skip


def display_name(name: str) -> str:
    """A file name as a person sent it, safe to show: NFC, no folders, no control characters, at most 200."""
    name = unicodedata.normalize("NFC", str(name or "")).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return name[:200] or "?"


def safe_file_name(name: str) -> str:
    """A name for the disk from NAME: ASCII letters, digits, dot, dash and underscore (Vietnamese folded)."""
    folded = fold(display_name(name)).replace(" ", "_")
    safe = re.sub(r"[^A-Za-z0-9._-]+", "", folded).lstrip(".")
    return safe[:120] or "tep"


def natural_key(name: str) -> tuple:
    """Sort 'trang2' before 'trang10' (numbers compared as numbers, text without case or diacritics)."""
    return tuple(int(part) if part.isdigit() else fold(part) for part in re.split(r"(\d+)", name))


def is_junk(name: str) -> bool:
    """Operating-system leftovers and notes that travel with scans: skipped, never ingested."""
    parts = name.replace("\\", "/").split("/")
    base = parts[-1]
    return (
        "__MACOSX" in parts
        or base.lower() in JUNK_NAMES
        or base.startswith(".")
        or Path(base).suffix.lower() in NOTE_SUFFIXES
    )


def sniff_bytes(head: bytes) -> str | None:
    """The MIME type of a file starting with HEAD, when it is one ingest accepts (or JPEG 2000); else None."""
    if head[:4] in (b"II*\0", b"MM\0*", b"II+\0", b"MM\0+"):
        return TIFF
    if head[:3] == b"\xff\xd8\xff":
        return JPEG
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return PNG
    if head[:12] == b"\0\0\0\x0cjP  \r\n\x87\n" or head[:4] == b"\xff\x4f\xff\x51":
        return JP2
    # PDF readers accept the header within the first 1024 bytes; so does pdfium, which renders it.
    if b"%PDF-" in head[:1024]:
        return PDF
    if head[:4] == b"PK\x03\x04":
        return ZIP
    return None


def sniff(path: Path) -> str | None:
    with open(path, "rb") as f:
        return sniff_bytes(f.read(1024))


def not_recognised(name: str) -> IngestError:
    if name.lower().endswith(".pdf"):
        return IngestError(
            _("«%(name)s»: tệp không phải PDF (nội dung không phải ảnh trang hay PDF được hỗ trợ).")
            % {"name": name}
        )
    return IngestError(
        _("«%(name)s»: không nhận ra tệp là ảnh trang (TIFF, JPEG, PNG), PDF hay ZIP.") % {"name": name}
    )


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(MB):
            digest.update(chunk)
    return digest.hexdigest()


def check_file_size(name: str, size: int, limits: Limits) -> None:
    if size > limits.file_bytes:
        raise IngestError(
            _("«%(name)s»: tệp lớn hơn giới hạn %(mb)s MB mỗi tệp.")
            % {"name": name, "mb": grouped(limits.file_bytes // MB)}
        )
    if size == 0:
        raise IngestError(_("«%(name)s»: tệp rỗng.") % {"name": name})


# Images ---------------------------------------------------------------------------------------------------

_LOADERS = {TIFF: "tiffload", JPEG: "jpegload", PNG: "pngload", JP2: "jp2kload"}


def jp2_supported() -> bool:
    try:
        pyvips.Operation.new_from_name("jp2kload")
    except pyvips.Error:
        return False
    return True


def open_image(path: Path, kind: str, page: int = 0, name: str = "") -> pyvips.Image:
    """Open page PAGE of the image at PATH with the loader of KIND only; decoding errors are fatal (fail_on)."""
    if kind == JP2 and not jp2_supported():
        raise IngestError(
            _("«%(name)s»: JPEG 2000 không được hỗ trợ trên máy chủ này; hãy chuyển sang TIFF hoặc PNG.")
            % {"name": name or path.name}
        )
    kwargs = {"access": "sequential", "fail_on": "error"}
    if kind in (TIFF, JP2):
        kwargs["page"] = page
    try:
        return getattr(pyvips.Image, _LOADERS[kind])(str(path), **kwargs)
    except pyvips.Error as exc:
        raise damaged(name or path.name) from exc


def damaged(name: str) -> IngestError:
    return IngestError(_("«%(name)s»: ảnh hỏng hoặc không đầy đủ (tệp bị cắt cụt?).") % {"name": name})


def image_page_sizes(path: Path, kind: str, name: str, limits: Limits) -> list[tuple[int, int]]:
    """(width, height) of each page of the image at PATH, from headers only; refuse pages over the pixel limit."""
    first = open_image(path, kind, 0, name)
    count = 1
    if kind == TIFF and "n-pages" in first.get_fields():
        count = int(first.get("n-pages"))
    if count > limits.pages:
        raise IngestError(
            _("«%(name)s»: %(n)s trang, vượt giới hạn %(max)s trang.")
            % {"name": name, "n": count, "max": grouped(limits.pages)}
        )
    sizes = []
    for n in range(count):
        image = first if n == 0 else open_image(path, kind, n, name)
        check_pixels(name, image.width, image.height, limits)
        sizes.append((image.width, image.height))
    return sizes


def check_pixels(name: str, width: int, height: int, limits: Limits) -> None:
    if width <= 0 or height <= 0 or width * height > limits.page_pixels:
        raise IngestError(
            _(
                "«%(name)s»: ảnh %(w)s × %(h)s điểm ảnh vượt giới hạn %(max)s điểm ảnh mỗi trang "
                "(có thể là bom giải nén)."
            )
            % {"name": name, "w": grouped(width), "h": grouped(height), "max": grouped(limits.page_pixels)}
        )


# PDF ------------------------------------------------------------------------------------------------------


def open_pdf(path: Path, name: str, limits: Limits):
    """Open the PDF at PATH with pdfium; refuse encrypted ones and ones with more pages than the limit."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise encrypted_pdf(name) from exc
        raise IngestError(_("«%(name)s»: PDF hỏng, không đọc được.") % {"name": name}) from exc
    if pdfium_c.FPDF_GetSecurityHandlerRevision(pdf.raw) != -1:
        pdf.close()
        raise encrypted_pdf(name)
    count = len(pdf)
    if count == 0:
        pdf.close()
        raise IngestError(_("«%(name)s»: PDF không có trang nào.") % {"name": name})
    if count > limits.pages:
        pdf.close()
        raise IngestError(
            _("«%(name)s»: PDF có %(n)s trang, vượt giới hạn %(max)s trang.")
            % {"name": name, "n": count, "max": grouped(limits.pages)}
        )
    return pdf


def encrypted_pdf(name: str) -> IngestError:
    return IngestError(
        _("«%(name)s»: PDF được mã hóa hoặc có mật khẩu; hãy gỡ mật khẩu rồi tải lên lại.") % {"name": name}
    )


# ZIP ------------------------------------------------------------------------------------------------------


@dataclass
class Member:
    name: str  # as written in the ZIP (for messages and Page.source_name)
    path: Path  # where this module wrote it
    size: int


def _unsafe_name(name: str) -> bool:
    norm = name.replace("\\", "/")
    parts = norm.split("/")
    return (
        "\0" in name
        or norm.startswith("/")
        or re.match(r"^[A-Za-z]:", norm) is not None
        or any(part == ".." for part in parts)
    )


def zip_members(path: Path, name: str, limits: Limits) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
    """Open the ZIP at PATH and check its directory: the page entries, in natural order, or a refusal."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise IngestError(_("«%(name)s»: ZIP hỏng, không đọc được.") % {"name": name}) from exc
    try:
        return archive, _check_entries(archive, name, limits)
    except BaseException:
        archive.close()
        raise


def _check_entries(archive: zipfile.ZipFile, name: str, limits: Limits) -> list[zipfile.ZipInfo]:
    infos = archive.infolist()
    entries, seen, declared = [], set(), 0
    for info in infos:
        mode = info.external_attr >> 16
        kind = stat.S_IFMT(mode)
        member = {"name": name, "member": display_name(info.filename) if not _unsafe_name(info.filename) else
                  info.filename[:200].replace("\0", "")}  # fmt: skip
        if _unsafe_name(info.filename):
            raise IngestError(
                _(
                    "«%(name)s»: ZIP chứa đường dẫn không an toàn «%(member)s» (đường dẫn tuyệt đối hoặc «..»)."
                )
                % member
            )
        if kind == stat.S_IFLNK:
            raise IngestError(_("«%(name)s»: ZIP chứa liên kết (symlink) «%(member)s».") % member)
        if info.is_dir() or kind == stat.S_IFDIR:
            continue
        if kind not in (0, stat.S_IFREG):
            raise IngestError(_("«%(name)s»: ZIP chứa tệp đặc biệt «%(member)s».") % member)
        if info.flag_bits & 0x1:
            raise IngestError(_("«%(name)s»: ZIP có mật khẩu; hãy nén lại không mật khẩu.") % {"name": name})
        key = info.filename.replace("\\", "/").casefold()
        if key in seen:
            raise IngestError(_("«%(name)s»: ZIP có hai tệp cùng tên «%(member)s».") % member)
        seen.add(key)
        if is_junk(info.filename):
            continue
        if info.file_size > ZIP_RATIO_FLOOR and info.file_size > ZIP_MAX_RATIO * max(info.compress_size, 1):
            raise IngestError(
                _("«%(name)s»: tệp «%(member)s» trong ZIP nén với tỉ lệ bất thường (bom ZIP).") % member
            )
        if info.file_size > limits.file_bytes:
            raise IngestError(
                _("«%(name)s»: tệp «%(member)s» trong ZIP lớn hơn giới hạn %(mb)s MB mỗi tệp.")
                % {**member, "mb": grouped(limits.file_bytes // MB)}
            )
        declared += info.file_size
        entries.append(info)
        if len(entries) > limits.pages:
            raise IngestError(
                _("«%(name)s»: ZIP có quá nhiều tệp (tối đa %(max)s).")
                % {"name": name, "max": grouped(limits.pages)}
            )
    if declared > limits.total_bytes:
        raise IngestError(
            _("«%(name)s»: nội dung ZIP sau khi giải nén vượt giới hạn %(mb)s MB.")
            % {"name": name, "mb": grouped(limits.total_bytes // MB)}
        )
    # Entries sharing compressed bytes (the "overlapping" ZIP bomb) give themselves away by their offsets.
    spans = sorted((i.header_offset, i.compress_size) for i in infos)
    for (offset, size), (next_offset, _size) in zip(spans, spans[1:], strict=False):
        if offset + size > next_offset:
            raise IngestError(_("«%(name)s»: ZIP có các tệp chồng lên nhau (bom ZIP).") % {"name": name})
    entries.sort(key=lambda i: natural_key(i.filename.replace("\\", "/")))
    return entries


def extract_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, dest: Path, name: str, budget: Budget
) -> int:
    """Copy one checked entry to DEST, counting the bytes as they come (never trusting the directory)."""
    written = 0
    member = display_name(info.filename)
    try:
        with archive.open(info) as src, open(dest, "xb") as out:
            while chunk := src.read(MB):
                written += len(chunk)
                if written > info.file_size or written > budget.limits.file_bytes:
                    raise IngestError(
                        _("«%(name)s»: tệp «%(member)s» trong ZIP lớn hơn khai báo.")
                        % {"name": name, "member": member}
                    )
                budget.take(len(chunk))
                out.write(chunk)
    except (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError, NotImplementedError,
            RuntimeError) as exc:  # fmt: skip
        # CRC mismatch, damaged compressed data, truncated archive, unsupported compression, encryption.
        raise IngestError(
            _("«%(name)s»: không giải nén được «%(member)s» (ZIP hỏng?).") % {"name": name, "member": member}
        ) from exc
    return written


# Web uploads ----------------------------------------------------------------------------------------------


class LimitedUploadHandler(FileUploadHandler):
    """Count the bytes of each uploaded file as they arrive; stop one over the per-file or total limit.

    Put it first in request.upload_handlers; it passes chunks on untouched and leaves ``refusal`` set
    (a message for the librarian) when it cut something off.
    """

    def __init__(self, request=None, limits: Limits | None = None):
        super().__init__(request)
        self.limits = limits or Limits.from_settings()
        self.total = 0
        self.current = 0
        self.refusal = ""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.current = 0

    def receive_data_chunk(self, raw_data, start):
        self.current += len(raw_data)
        self.total += len(raw_data)
        if self.total > self.limits.total_bytes:
            self.refusal = _("Tổng dung lượng tải lên vượt giới hạn %(mb)s MB.") % {
                "mb": grouped(self.limits.total_bytes // MB)
            }
            raise StopUpload(connection_reset=True)
        if self.current > self.limits.file_bytes:
            self.refusal = _("«%(name)s»: tệp lớn hơn giới hạn %(mb)s MB mỗi tệp.") % {
                "name": display_name(self.file_name), "mb": grouped(self.limits.file_bytes // MB),
            }  # fmt: skip
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None
