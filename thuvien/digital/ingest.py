"""Ingest page images, PDFs and ZIPs into a digital object: all checked first, all kept, or nothing.

Every caller (``thuvien ingest``, the staff upload page, the demo) goes through ``ingest_paths`` or
``ingest_uploads``. The inputs are untrusted (uploads.py): the files are copied into a staging folder of
their own, checked (size, type from the bytes, pixels from the headers, ZIP entries, ClamAV), their pages
written there as masters, and only then, in one transaction, are the object and its Page rows created
and the files moved into the object's folder. Any failure leaves no row and no file behind.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import os
import secrets
import shutil
import threading
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pyvips
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from thuvien.audit import actions as audit
from thuvien.digital import actions, clamd, storage, uploads
from thuvien.digital.exceptions import IngestError
from thuvien.digital.models import AccessLevel, DigitalObject, Page, Stage
from thuvien.digital.uploads import JPEG, PDF, ZIP, Budget, Limits, grouped

log = logging.getLogger(__name__)

# pdfium is not thread-safe: one PDF operation at a time in a process (web servers run threads).
PDFIUM = threading.Lock()
PDF_DEFAULT_DPI = 300
PDF_MIN_DPI, PDF_MAX_DPI = 100, 600


@dataclass
class IngestResult:
    object: DigitalObject
    pages_added: int
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Source:
    """One file of the ingest, staged: an input as received, or a page file unpacked from a ZIP."""

    name: str  # shown to people and stored as Page.source_name
    path: Path
    kind: str = ""
    size: int = 0
    sha256: str = ""
    kept: bool = True  # preserved under the object's source/ folder (a ZIP's members live on in the ZIP)
    pages: int = 0


@dataclass
class _Staged:
    source: _Source
    path: Path
    width: int
    height: int


def ingest_paths(
    paths: list[Path],
    *,
    library=None,
    actor=None,
    obj: DigitalObject | None = None,
    record=None,
    dc: dict | None = None,
    title: str = "",
    access: str = AccessLevel.SECRET,
    rights: str = "",
    collections=(),
    embargo_until: dt.date | None = None,
    toc: list | None = None,
    source_names: list[str] | None = None,
    ocr: bool | None = None,
    labels: list[str] | None = None,
    _owned: bool = False,
) -> IngestResult:
    """Ingest the files or folders PATHS as the pages of OBJ (appended) or of a new object; all or nothing.

    PATHS are read, never moved or changed (``_owned``: they are the caller's own staged copies, moved in).
    SOURCE_NAMES (one per path) are the names shown and stored.
    Raise IngestError (a message for the librarian) when anything is refused.
    """
    return _ingest(
        [Path(p) for p in paths], source_names, owned=_owned, library=library, actor=actor, obj=obj, ocr=ocr,
        labels=labels, meta={"record": record, "dc": dc, "title": title, "access": access, "rights": rights,
                             "collections": collections, "embargo_until": embargo_until, "toc": toc},
    )  # fmt: skip


def ingest_uploads(files, **kwargs) -> IngestResult:
    """Ingest the uploaded FILES (Django UploadedFile), in natural order of their names; see ingest_paths.

    Each is streamed to the staging folder within the size limits first.
    """
    limits = Limits.from_settings()
    upload_dir = storage.staging_dir() / f"upload-{secrets.token_hex(12)}"
    upload_dir.mkdir(parents=True)
    try:
        paths, names, budget = [], [], Budget(limits)
        # Browsers send files in the order they were picked; pages follow their names (trang2 before trang10).
        files = sorted(files, key=lambda f: uploads.natural_key(uploads.display_name(f.name)))
        for n, upload in enumerate(files, 1):
            name = uploads.display_name(upload.name)
            uploads.check_file_size(name, upload.size or 0, limits)
            path = upload_dir / f"{n:04d}-{uploads.safe_file_name(name)}"
            written = 0
            with open(path, "xb") as out:
                for chunk in upload.chunks():
                    written += len(chunk)
                    uploads.check_file_size(name, written, limits)
                    budget.take(len(chunk))
                    out.write(chunk)
            paths.append(path)
            names.append(name)
        if not paths:
            raise IngestError(_("Chưa chọn tệp nào để tải lên."))
        return ingest_paths(paths, source_names=names, _owned=True, **kwargs)
    finally:
        shutil.rmtree(upload_dir, ignore_errors=True)


def _ingest(paths: list[Path], names: list[str] | None, *, owned: bool, obj, library, actor, ocr, labels,
            meta: dict) -> IngestResult:  # fmt: skip
    limits = Limits.from_settings()
    if obj is not None:
        library = obj.library
    elif library is None:
        raise IngestError(_("Chưa chọn thư viện cho tài liệu số."))
    _check_metadata(obj, meta)
    warnings: list[str] = []
    stage = storage.staging_dir() / secrets.token_hex(12)
    (stage / "in").mkdir(parents=True)
    ctx = _Context(stage=stage, limits=limits, budget=Budget(limits), warnings=warnings,
                   actor=actor, library=library, obj=obj)  # fmt: skip
    try:
        inputs = _stage_inputs(ctx, paths, names, owned)
        sources = _unpack_and_check(ctx, inputs)
        existing = obj.pages.count() if obj is not None else 0
        total = existing + sum(s.pages for s in sources)
        if not any(s.pages for s in sources):
            raise IngestError(_("Không có trang nào để nhập."))
        if total > limits.pages:
            raise IngestError(
                _("Tài liệu sẽ có %(n)s trang, vượt giới hạn %(max)s trang mỗi tài liệu.")
                % {"n": total, "max": grouped(limits.pages)}
            )
        count = sum(s.pages for s in sources)
        if labels is not None and len(labels) != count:
            raise IngestError(_("Có %(n)s trang nhưng %(m)s nhãn trang.") % {"n": count, "m": len(labels)})
        staged = _write_masters(ctx, sources)
        return _commit(ctx, inputs, staged, meta, ocr=ocr, labels=labels)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


@dataclass
class _Context:
    stage: Path
    limits: Limits
    budget: Budget
    warnings: list[str]
    actor: object
    library: object
    obj: DigitalObject | None
    counter: int = 0

    def next_path(self, folder: str, name: str) -> Path:
        self.counter += 1
        directory = self.stage / folder
        directory.mkdir(exist_ok=True)
        return directory / f"{self.counter:05d}-{uploads.safe_file_name(name)}"


def _check_metadata(obj, meta: dict) -> None:
    if obj is not None:
        return
    if meta["access"] not in AccessLevel.values:
        raise IngestError(_("Mức truy cập không hợp lệ."))
    dc = meta.get("dc") or {}
    if meta.get("record") is None and not (str(dc.get("title") or "").strip() or meta["title"].strip()):
        raise IngestError(_("Tài liệu số độc lập cần có nhan đề."))


# Phase 1: stage and check every input -------------------------------------------------------------------


def _expand(paths: list[Path], names: list[str] | None, warnings: list[str]) -> list[tuple[Path, str]]:
    """Files of PATHS with their display names; a folder gives its files in natural order (notes skipped)."""
    if names is not None and len(names) != len(paths):
        raise ValueError("source_names must name each path")
    out: list[tuple[Path, str]] = []
    for n, path in enumerate(paths):
        name = names[n] if names is not None else path.name
        if path.is_dir():
            children = sorted((p for p in path.iterdir()), key=lambda p: uploads.natural_key(p.name))
            for child in children:
                if child.is_dir():
                    warnings.append(_("Bỏ qua thư mục con «%(name)s».") % {"name": f"{name}/{child.name}"})
                elif uploads.is_junk(child.name):
                    continue
                elif child.is_file():
                    out.append((child, f"{name}/{uploads.display_name(child.name)}"))
        elif path.is_file():
            out.append((path, uploads.display_name(name)))
        else:
            raise IngestError(_("Không tìm thấy tệp «%(name)s».") % {"name": name})
    if not out:
        raise IngestError(_("Không có tệp nào để nhập."))
    return out


def _stage_inputs(ctx: _Context, paths, names, owned: bool) -> list[_Source]:
    """Bring each input into the staging folder (moved when it is ours, else copied) and scan it."""
    inputs = []
    for path, name in _expand(paths, names, ctx.warnings):
        uploads.check_file_size(name, path.stat().st_size, ctx.limits)
        target = ctx.next_path("in", name)
        if owned:
            os.replace(path, target)
        else:
            shutil.copyfile(path, target)
        source = _Source(name=name, path=target, size=target.stat().st_size)
        uploads.check_file_size(name, source.size, ctx.limits)
        source.sha256 = uploads.sha256_of(target)
        _scan(ctx, source)
        source.kind = uploads.sniff(target) or ""
        if source.kind != ZIP:
            ctx.budget.take(source.size)
        inputs.append(source)
    return inputs


def _unpack_and_check(ctx: _Context, inputs: list[_Source]) -> list[_Source]:
    """The page files of INPUTS (ZIPs unpacked), each with its page count, checked from headers."""
    sources: list[_Source] = []
    for source in inputs:
        if source.kind == ZIP:
            source_members = _unpack_zip(ctx, source)
            if not source_members:
                raise IngestError(
                    _("«%(name)s»: ZIP không chứa ảnh trang hay PDF nào.") % {"name": source.name}
                )
            sources.extend(source_members)
        else:
            sources.append(source)
    for source in sources:
        if not source.kind:
            raise uploads.not_recognised(source.name)
        if source.kind == PDF:
            with PDFIUM:
                pdf = uploads.open_pdf(source.path, source.name, ctx.limits)
                source.pages = len(pdf)
                pdf.close()
        else:
            source.pages = len(uploads.image_page_sizes(source.path, source.kind, source.name, ctx.limits))
    return sources


def _unpack_zip(ctx: _Context, source: _Source) -> list[_Source]:
    archive, entries = uploads.zip_members(source.path, source.name, ctx.limits)
    members = []
    with archive:
        for info in entries:
            name = f"{source.name}/{uploads.display_name(info.filename)}"
            target = ctx.next_path("zip", info.filename)
            size = uploads.extract_member(archive, info, target, source.name, ctx.budget)
            member = _Source(name=name, path=target, size=size, kept=False)
            if size == 0:
                raise IngestError(_("«%(name)s»: tệp rỗng.") % {"name": name})
            member.sha256 = uploads.sha256_of(target)
            _scan(ctx, member)
            member.kind = uploads.sniff(target) or ""
            if member.kind == ZIP:
                raise IngestError(
                    _("«%(name)s»: ZIP lồng trong ZIP không được chấp nhận («%(member)s»).")
                    % {"name": source.name, "member": uploads.display_name(info.filename)}
                )
            members.append(member)
    return members


def _scan(ctx: _Context, source: _Source) -> None:
    """Have clamd scan SOURCE when one is configured: refuse (and quarantine) an infected file, fail closed."""
    address = clamd.address()
    if not address:
        return
    try:
        virus = clamd.scan_file(source.path, address)
    except clamd.ClamdSizeLimit as exc:
        log.warning("clamd refused %s: %s", source.name, exc)
        raise IngestError(
            _("«%(name)s»: tệp vượt giới hạn kích thước quét của ClamAV (StreamMaxLength trong clamd.conf).")
            % {"name": source.name}
        ) from exc
    except clamd.ClamdUnavailable as exc:
        log.error("clamd unreachable: %s", exc)
        raise IngestError(
            _("Không kết nối được trình quét virus ClamAV nên chưa thể nhận tệp; hãy báo quản trị hệ thống.")
        ) from exc
    except clamd.ClamdError as exc:
        log.error("clamd error on %s: %s", source.name, exc)
        raise IngestError(
            _("Trình quét virus ClamAV báo lỗi khi quét «%(name)s»; tệp chưa được nhận.")
            % {"name": source.name}
        ) from exc
    if virus is None:
        return
    quarantine = storage.quarantine_dir()
    quarantine.mkdir(parents=True, exist_ok=True)
    target = (
        quarantine
        / f"{timezone.now():%Y%m%dT%H%M%S}-{secrets.token_hex(4)}-{uploads.safe_file_name(source.name)}"
    )
    os.replace(source.path, target)
    # Its own transaction: the refusal that follows must not take the record of the virus with it.
    with transaction.atomic():
        audit.record(
            "digital.upload.infected", actor=ctx.actor, library=ctx.library, obj=ctx.obj, name=source.name[:255],
            virus=virus[:200], sha256=source.sha256, size=source.size, quarantined=target.name,
        )  # fmt: skip
    log.warning("infected upload %s (%s) quarantined as %s", source.name, virus, target)
    raise IngestError(
        _("«%(name)s»: phát hiện mã độc (%(virus)s); tệp đã bị cách ly và không được nhập.")
        % {"name": source.name, "virus": virus}
    )


# Phase 2: masters ---------------------------------------------------------------------------------------


def _write_masters(ctx: _Context, sources: list[_Source]) -> list[_Staged]:
    staged: list[_Staged] = []
    pages_dir = ctx.stage / "pages"
    pages_dir.mkdir()
    for source in sources:
        pdf = None
        if source.kind == PDF:
            with PDFIUM:
                pdf = uploads.open_pdf(source.path, source.name, ctx.limits)
        try:
            for n in range(source.pages):
                path = pages_dir / f"{len(staged) + 1:05d}.tif"
                if pdf is not None:
                    image = _render_pdf_page(ctx, source, pdf, n)
                    try:
                        storage.write_master(image, path)
                    except pyvips.Error as exc:
                        raise uploads.damaged(source.name) from exc
                    width, height = image.width, image.height
                else:
                    width, height = _write_image_page(ctx, source, n, path)
                staged.append(_Staged(source=source, path=path, width=width, height=height))
        finally:
            if pdf is not None:
                with PDFIUM:
                    pdf.close()
    return staged


def _write_image_page(ctx: _Context, source: _Source, n: int, path: Path) -> tuple[int, int]:
    image = uploads.open_image(source.path, source.kind, n, source.name)
    uploads.check_pixels(source.name, image.width, image.height, ctx.limits)
    try:
        if source.kind == JPEG and "orientation" in image.get_fields() and image.get("orientation") > 1:
            # Turning needs the whole image: reopen with random access (its size was checked just above).
            image = pyvips.Image.jpegload(str(source.path), access="random", fail_on="error").autorot()
        image = _normalise(image)
        storage.write_master(image, path)
    except pyvips.Error as exc:
        log.info("page %s of %s refused: %s", n + 1, source.name, exc)
        raise uploads.damaged(source.name) from exc
    return image.width, image.height


def _normalise(image: pyvips.Image) -> pyvips.Image:
    """8-bit grey or sRGB, no alpha (flattened on white): what masters and IIIF derivatives expect."""
    if image.hasalpha():
        image = image.flatten(background=[255] * (image.bands - 1))
    if image.interpretation == "cmyk" or image.bands not in (1, 3):
        image = image.colourspace("srgb")
    if image.format != "uchar":
        image = image.colourspace("b-w" if image.bands == 1 else "srgb")
        if image.format != "uchar":
            image = image.cast("uchar")
    return image


def _pdf_dpi(page, width_pt: float, height_pt: float) -> float:
    """The resolution of the scan a PDF page carries (its largest image), or PDF_DEFAULT_DPI for other pages."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    best = 0.0
    for item in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3):
        try:
            px_w, _px_h = item.get_px_size()
            left, bottom, right, top = item.get_bounds()
        except pdfium.PdfiumError:  # pdfium cannot place this image: it decides nothing
            continue
        if (right - left) * (top - bottom) >= 0.5 * width_pt * height_pt and right > left:
            best = max(best, px_w / ((right - left) / 72))
    if not best:
        return PDF_DEFAULT_DPI
    return min(max(best, PDF_MIN_DPI), PDF_MAX_DPI)


def _render_pdf_page(ctx: _Context, source: _Source, pdf, n: int) -> pyvips.Image:
    """Page N of PDF rendered at its scan's resolution (within the pixel limit), as an image in memory."""
    import pypdfium2 as pdfium

    with PDFIUM:
        page = bitmap = None
        try:
            page = pdf[n]
            width_pt, height_pt = page.get_size()
            if width_pt <= 0 or height_pt <= 0:
                raise IngestError(
                    _("«%(name)s»: trang %(n)s của PDF không có kích thước.")
                    % {"name": source.name, "n": n + 1}
                )
            dpi = _pdf_dpi(page, width_pt, height_pt)
            scale = dpi / 72
            # The pixel limit applies to what is rendered too: a huge page is rendered smaller.
            if width_pt * height_pt * scale * scale > ctx.limits.page_pixels:
                scale = math.sqrt(ctx.limits.page_pixels / (width_pt * height_pt)) * 0.99
                dpi = scale * 72
            bitmap = page.render(
                scale=scale, rev_byteorder=True, prefer_bgrx=True, may_draw_forms=False,
                bitmap_maker=pdfium.PdfBitmap.new_native,
            )  # fmt: skip
            width, height = bitmap.width, bitmap.height
            uploads.check_pixels(source.name, width, height, ctx.limits)
            # RGBx, four bytes a pixel, packed rows. The buffer is Python's (ctypes), not pdfium's: the image
            # keeps it alive once the bitmap is closed, so the master is written without holding the lock.
            image = pyvips.Image.new_from_memory(bitmap.buffer, bitmap.stride // 4, height, 4, "uchar")
            image = image.crop(0, 0, width, height).extract_band(0, n=3)
        except pdfium.PdfiumError as exc:
            raise IngestError(
                _("«%(name)s»: không dựng được trang %(n)s của PDF.") % {"name": source.name, "n": n + 1}
            ) from exc
        except pyvips.Error as exc:
            raise uploads.damaged(source.name) from exc
        finally:
            if bitmap is not None:
                bitmap.close()
            if page is not None:
                page.close()
    # pdfium renders in colour; most scans are grey. A grey master is half the work to write and faster for
    # OCR and the IIIF server to read (an exact check, cheaper than the colour write it saves).
    if ((image[0] == image[1]) & (image[1] == image[2])).min() == 255:
        return image[0].copy(interpretation="b-w", xres=dpi / 25.4, yres=dpi / 25.4)
    return image.copy(interpretation="srgb", xres=dpi / 25.4, yres=dpi / 25.4)


# Phase 3: one transaction -------------------------------------------------------------------------------


def _commit(
    ctx: _Context, inputs: list[_Source], staged: list[_Staged], meta: dict, *, ocr, labels
) -> IngestResult:
    new_object = ctx.obj is None
    moved: list[Path] = []
    obj_id = None
    try:
        with transaction.atomic():
            if new_object:
                obj = actions.create_object(library=ctx.library, actor=ctx.actor, **meta)
                start = 1
            else:
                obj = DigitalObject.objects.select_for_update().select_related("library").get(pk=ctx.obj.pk)
                start = (obj.pages.aggregate(m=Max("seq"))["m"] or 0) + 1
                if obj.pages.count() + len(staged) > ctx.limits.pages:
                    raise IngestError(
                        _("Tài liệu sẽ vượt giới hạn %(max)s trang.") % {"max": grouped(ctx.limits.pages)}
                    )
                if meta.get("toc"):
                    obj.toc = list(obj.toc or []) + [
                        {**entry, "page": int(entry["page"]) + start - 1} for entry in meta["toc"]
                    ]
                    obj.save(update_fields=["toc", "updated_at"])
            obj_id = obj.pk
            rows = []
            for offset, page in enumerate(staged):
                seq = start + offset
                # A page of this number may have been deleted: its cached derivatives must not outlive it.
                shutil.rmtree(storage.cache_dir(obj.pk, seq), ignore_errors=True)
                target = storage.master_path(obj.pk, seq)
                target.parent.mkdir(parents=True, exist_ok=True)
                # The object's row is locked (a new one is ours alone): a file already here is an orphan of a
                # crashed ingest, never another ingest's page in flight, so replacing it is safe.
                os.replace(page.path, target)
                moved.append(target)
                rows.append(
                    Page(
                        object=obj, seq=seq, label=(labels[offset] if labels else str(seq))[:100],
                        width=page.width, height=page.height, source_name=page.source.name[:255],
                        source_type=page.source.kind, sha256=page.source.sha256,
                    )
                )  # fmt: skip
            sources = []
            source_dir = storage.source_dir(obj.pk)
            source_dir.mkdir(parents=True, exist_ok=True)
            for source in inputs:
                target = source_dir / f"{start:04d}-{source.path.name}"
                os.replace(source.path, target)
                moved.append(target)
                sources.append({"name": source.name[:255], "type": source.kind, "sha256": source.sha256,
                                "bytes": source.size, "file": target.name})  # fmt: skip
            Page.objects.bulk_create(rows)
            obj.page_count = obj.pages.count()
            DigitalObject.objects.filter(pk=obj.pk).update(
                page_count=obj.page_count, updated_at=timezone.now()
            )
            if obj.stage == Stage.SELECTED:
                obj = actions.move_stage(obj, Stage.SCANNED, actor=ctx.actor, note=_("Đã nhập %(n)s trang.")
                                         % {"n": len(rows)})  # fmt: skip
            audit.record(
                "digital.object.ingested", actor=ctx.actor, library=obj.library, obj=obj, pages=len(rows),
                first_seq=start, sources=sources[:200],
            )  # fmt: skip
            actions.sync_visibility(obj)
            if settings.DIGITAL_OCR_ON_INGEST if ocr is None else ocr:
                transaction.on_commit(partial(_enqueue_ocr, obj.pk))
    except BaseException:
        for path in moved:
            path.unlink(missing_ok=True)
        if new_object and obj_id is not None:
            shutil.rmtree(storage.object_dir(obj_id), ignore_errors=True)
        raise
    log.info("ingested %s pages into digital object %s", len(staged), obj.pk)
    return IngestResult(object=obj, pages_added=len(staged), warnings=ctx.warnings)


def _enqueue_ocr(object_id: int) -> None:
    try:
        from thuvien.digital import ocr as ocr_module
    except ImportError:
        # The ingest has committed; OCR can be queued later from the staff pages.
        log.warning("OCR not queued for digital object %s: thuvien.digital.ocr is not available", object_id)
        return
    ocr_module.enqueue_object(object_id)
