"""Readers' remote copies of digitised pages: ask, quote, decide, make the watermarked PDF, download, purge.

A reader asks for some pages of an object he may read (restricted ones included: a copy made for him,
watermarked with his card, is how restricted material leaves the library). Staff of the owning library
approve (the fee by rule becomes a ``circulation.Fee`` the reader pays at any desk) or refuse; a task
renders the PDF from the page masters; the reader downloads it until it expires, then the file is purged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import math
import os
import secrets
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from thuvien.audit.actions import record as audit
from thuvien.digital import policies, queries, storage
from thuvien.digital.exceptions import DigitalError
from thuvien.digital.models import CopyFeeRule, CopyRequest, CopyStatus, DigitalObject
from thuvien.network.models import Library

logger = logging.getLogger("thuvien.digital.copies")

# A reader may have this many requests waiting for staff at once (a form is not a way to flood a desk).
MAX_PENDING = 10
# The copy is an access copy, not a preservation one: pages at about this resolution, JPEG.
COPY_DPI = 150
COPY_MAX_SIDE = 2600  # pixels; bounds a huge master whatever resolution it claims
COPY_JPEG_Q = 80
FOOTER_PT = 16  # the strip under each page image that carries the watermark line


class CopyError(DigitalError):
    """A refused copy request or decision; CODE is stable for machines, MESSAGE is for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _page_messages() -> dict[str, str]:
    return {
        "empty": _("Hãy ghi các trang cần sao chụp, ví dụ: 1-3, 7."),
        "syntax": _(
            "Không hiểu cách ghi trang. Ghi số trang hoặc khoảng trang cách nhau bằng dấu phẩy: 1-3, 7."
        ),
        "range": _("Có trang nằm ngoài tài liệu. Tài liệu này có %(count)d trang."),
        "too_many": _("Mỗi yêu cầu được sao chụp tối đa %(max)d trang. Hãy chia thành nhiều yêu cầu."),
    }


def fee_rule(library: Library) -> CopyFeeRule:
    """The copy fee rule of LIBRARY: its own, else the nearest one up the tree, else the defaults (unsaved)."""
    codes = [c for c in library.path.strip("/").split("/") if c]
    rules = list(CopyFeeRule.objects.filter(library__code__in=codes).select_related("library"))
    if rules:
        return max(rules, key=lambda rule: len(rule.library.path))
    return CopyFeeRule(library=library)


def format_pages(pages: list[int]) -> str:
    """Write sorted page numbers as compact ranges: [1, 2, 3, 7] → '1-3, 7'."""
    parts: list[str] = []
    start = prev = None
    for seq in pages:
        if prev is not None and seq == prev + 1:
            prev = seq
            continue
        if start is not None:
            parts.append(str(start) if start == prev else f"{start}-{prev}")
        start = prev = seq
    if start is not None:
        parts.append(str(start) if start == prev else f"{start}-{prev}")
    return ", ".join(parts)


@dataclass(frozen=True)
class Quote:
    object: DigitalObject
    pages: list[int]
    pages_text: str  # canonical: format_pages(pages)
    level: str  # the price level: restricted when the object or any chosen page is restricted
    fee: Decimal
    rule: CopyFeeRule


def readable_object(reader, object_id) -> DigitalObject | None:
    """The object OBJECT_ID if READER may read it online (so may ask for a copy), else None."""
    return queries.visible_object(queries.viewer_for_user(None, reader), object_id)


def _check_reader(reader) -> None:
    from thuvien.circulation.policies import blocks

    # Only the card itself counts here (suspended, pending, expired); fines are paid at the desk later.
    for block in blocks(status=reader.status, expires_on=reader.expires_on, today=timezone.localdate(),
                        owed=Decimal(0), threshold=Decimal(0), overdue=0):  # fmt: skip
        raise CopyError(f"blocked_{block.code}", str(block.message))


def quote_copy(*, reader, obj: DigitalObject | int, pages_text: str) -> Quote:
    """Price a copy of PAGES_TEXT of OBJ for READER, checking he may read those pages; raise CopyError."""
    viewer = queries.viewer_for_user(None, reader)
    obj = queries.visible_object(viewer, getattr(obj, "pk", obj))
    if obj is None:
        raise CopyError("not_found", _("Không tìm thấy tài liệu."))
    rule = fee_rule(obj.library)
    messages = _page_messages()
    visible = dict(queries.visible_pages(viewer, obj).values_list("seq", "access_override"))
    count = max(visible, default=0)
    try:
        pages = policies.parse_pages(pages_text, count, limit=rule.max_pages)
    except policies.PageRangeError as exc:
        reason = str(exc) if str(exc) in messages else "syntax"
        raise CopyError(reason, messages[reason] % {"count": count, "max": rule.max_pages}) from None
    hidden = [seq for seq in pages if seq not in visible]
    if hidden:
        raise CopyError(
            "range",
            _("Không thể sao chụp trang %(pages)s của tài liệu này.") % {"pages": format_pages(hidden)},
        )
    level = obj.access
    for seq in pages:
        level = policies.page_level(level, visible[seq])
    fee = policies.copy_fee(
        len(pages), level, per_page=rule.per_page, restricted_per_page=rule.restricted_per_page,
        minimum=rule.minimum,
    )  # fmt: skip
    return Quote(object=obj, pages=pages, pages_text=format_pages(pages), level=level, fee=fee, rule=rule)


def request_copy(
    *, reader, obj: DigitalObject | int, pages_text: str, purpose: str = "", expected_fee=None
) -> CopyRequest:
    """READER asks for a copy of PAGES_TEXT of OBJ; the fee is quoted and kept. EXPECTED_FEE guards a stale quote."""
    _check_reader(reader)
    quote = quote_copy(reader=reader, obj=obj, pages_text=pages_text)
    if expected_fee is not None and Decimal(expected_fee) != quote.fee:
        raise CopyError("fee_changed", _("Phí sao chụp vừa thay đổi. Hãy xem lại phí rồi xác nhận."))
    obj = quote.object
    with transaction.atomic():
        pending = CopyRequest.objects.filter(reader=reader, status=CopyStatus.REQUESTED)
        if pending.count() >= MAX_PENDING:
            raise CopyError(
                "too_many_pending",
                _("Bạn đã có %(n)d yêu cầu đang chờ duyệt. Hãy chờ thư viện xử lý trước khi gửi thêm.")
                % {"n": MAX_PENDING},
            )
        try:
            with transaction.atomic():
                req = CopyRequest.objects.create(
                    reader=reader, object=obj, pages=quote.pages, pages_text=quote.pages_text,
                    purpose=(purpose or "").strip()[:500], fee_amount=quote.fee,
                )  # fmt: skip
        except IntegrityError:
            raise CopyError(
                "duplicate", _("Bạn đã yêu cầu sao chụp các trang này; yêu cầu đang chờ thư viện duyệt.")
            ) from None
        audit("digital.copy.requested", library=obj.library, obj=req, reader=reader.card, object=obj.pk,
              pages=quote.pages_text, fee=str(quote.fee))  # fmt: skip
    return req


def _lock(req: CopyRequest | int) -> CopyRequest:
    pk = getattr(req, "pk", req)
    locked = (
        CopyRequest.objects.select_for_update(of=("self",))
        .select_related("object__library", "reader")
        .filter(pk=pk)
        .first()
    )
    if locked is None:
        raise CopyError("not_found", _("Không tìm thấy yêu cầu sao chụp."))
    return locked


def _check_staff(actor, req: CopyRequest) -> None:
    if actor is None or not queries.can_manage_object(actor, req.object):
        raise CopyError("forbidden", _("Bạn không có quyền xử lý yêu cầu của thư viện này."))


def _queue_pdf(request_id: int) -> None:
    from thuvien.digital.copies_tasks import make_copy_pdf_task

    transaction.on_commit(lambda: make_copy_pdf_task.enqueue(request_id))


def approve_copy(req: CopyRequest | int, *, actor, note: str = "") -> CopyRequest:
    """Staff approve a waiting request: the reader owes the fee, and the PDF is made once this commits."""
    from thuvien.circulation.models import Fee, FeeKind

    with transaction.atomic():
        req = _lock(req)
        _check_staff(actor, req)
        if req.status != CopyStatus.REQUESTED:
            raise CopyError("state", _("Yêu cầu này không còn chờ duyệt."))
        if req.fee_amount > 0:
            req.fee = Fee.objects.create(reader=req.reader, library=req.object.library, kind=FeeKind.COPY,
                                         amount=req.fee_amount, note=f"copy:{req.pk}")  # fmt: skip
        req.status = CopyStatus.APPROVED
        req.decided_by, req.decided_at, req.decision_note = actor, timezone.now(), (note or "").strip()[:500]
        req.save(update_fields=["status", "fee", "decided_by", "decided_at", "decision_note"])
        audit("digital.copy.approved", actor=actor, library=req.object.library, obj=req, reader=req.reader.card,
              fee=str(req.fee_amount))  # fmt: skip
        _queue_pdf(req.pk)
    return req


def _waive_fee(req: CopyRequest) -> None:
    from thuvien.circulation.models import Fee

    if req.fee_id:
        fee = Fee.objects.select_for_update().get(pk=req.fee_id)
        if fee.outstanding > 0:
            fee.waived += fee.outstanding
            fee.save(update_fields=["waived", "updated_at"])


def reject_copy(req: CopyRequest | int, *, actor, note: str) -> CopyRequest:
    """Staff refuse a waiting request (or give up on one whose PDF failed, forgiving its fee); NOTE says why."""
    note = (note or "").strip()
    if not note:
        raise CopyError("note", _("Hãy ghi lý do từ chối để bạn đọc biết."))
    with transaction.atomic():
        req = _lock(req)
        _check_staff(actor, req)
        if req.status not in (CopyStatus.REQUESTED, CopyStatus.FAILED):
            raise CopyError("state", _("Không thể từ chối yêu cầu ở trạng thái này."))
        _waive_fee(req)
        req.status = CopyStatus.REJECTED
        req.decided_by, req.decided_at, req.decision_note = actor, timezone.now(), note[:500]
        req.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        audit("digital.copy.rejected", actor=actor, library=req.object.library, obj=req, reader=req.reader.card,
              note=note[:200])  # fmt: skip
    return req


def retry_copy(req: CopyRequest | int, *, actor) -> CopyRequest:
    """Staff try again to make the PDF of a request whose PDF failed."""
    with transaction.atomic():
        req = _lock(req)
        _check_staff(actor, req)
        if req.status != CopyStatus.FAILED:
            raise CopyError("state", _("Chỉ làm lại được yêu cầu bị lỗi tạo tệp."))
        req.status = CopyStatus.APPROVED
        req.save(update_fields=["status"])
        audit("digital.copy.retried", actor=actor, library=req.object.library, obj=req)
        _queue_pdf(req.pk)
    return req


def cancel_copy(req: CopyRequest | int, *, reader) -> CopyRequest:
    """READER withdraws his own request while it still waits for staff."""
    with transaction.atomic():
        req = _lock(req)
        if req.reader_id != getattr(reader, "pk", None):
            raise CopyError("not_found", _("Không tìm thấy yêu cầu sao chụp."))
        if req.status != CopyStatus.REQUESTED:
            raise CopyError("state", _("Thư viện đã xử lý yêu cầu này, không thể hủy nữa."))
        req.status = CopyStatus.CANCELLED
        req.save(update_fields=["status"])
        audit("digital.copy.cancelled", library=req.object.library, obj=req, reader=req.reader.card)
    return req


# --- the PDF ------------------------------------------------------------------------------------


def initials(full_name: str) -> str:
    """'Lê Minh Khôi' → 'L.M.K.' (the watermark names the reader without printing his name)."""
    return "".join(f"{word[0].upper()}." for word in full_name.split() if word[:1].isalpha())


def watermark_text(req: CopyRequest, when: dt.date) -> str:
    reader = req.reader
    with translation.override(settings.LANGUAGE_CODE):
        return _("Bản sao cấp cho bạn đọc %(card)s (%(initials)s) — %(date)s — %(library)s") % {
            "card": reader.card,
            "initials": initials(reader.full_name),
            "date": f"{when:%d/%m/%Y}",
            "library": req.object.library.name,
        }


def _font() -> str:
    """Register the free Vietnamese font with reportlab once; return its name there."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    from thuvien.digital.render import find_font

    family, path = find_font()
    name = "thuvien-" + "".join(ch for ch in family if ch.isalnum())
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, str(path)))
    return name


def _page_image(path: Path) -> tuple[bytes, float, float]:
    """Return (JPEG bytes at about COPY_DPI, page width pt, page height pt) of the master at PATH."""
    import pyvips

    master = pyvips.Image.new_from_file(str(path), access="sequential")
    dpi = master.xres * 25.4
    if not 50 <= dpi <= 2400:
        # No usable resolution in the file: take the long side for an A4 page (297 mm).
        dpi = max(master.width, master.height) / (297 / 25.4)
    width_pt, height_pt = master.width * 72 / dpi, master.height * 72 / dpi
    scale = min(1.0, COPY_DPI / dpi, COPY_MAX_SIDE / max(master.width, master.height))
    # thumbnail() reads the pyramid level nearest the size asked for, not the full master.
    image = pyvips.Image.thumbnail(str(path), max(1, round(master.width * scale)),
                                   height=max(1, round(master.height * scale)), size="force")  # fmt: skip
    if image.hasalpha():
        image = image.flatten(background=255)
    if image.bands not in (1, 3):
        image = image.colourspace("srgb")
    return image.jpegsave_buffer(Q=COPY_JPEG_Q, strip=True), width_pt, height_pt


def _draw_page(canvas, font: str, jpeg: bytes, width: float, height: float, mark: str) -> None:
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase.pdfmetrics import stringWidth

    page_h = height + FOOTER_PT
    canvas.setPageSize((width, page_h))
    canvas.drawImage(ImageReader(io.BytesIO(jpeg)), 0, FOOTER_PT, width, height)
    # The footer: one plain line under the page image, never over the text of the page.
    size = min(8.0, (width - 12) / max(stringWidth(mark, font, 1), 1))
    canvas.setFillColorRGB(0.25, 0.25, 0.25)
    canvas.setFont(font, size)
    canvas.drawCentredString(width / 2, (FOOTER_PT - size) / 2 + 1, mark)
    # The diagonal: large, faint, corner to corner, so a crop of the page still carries it.
    angle = math.degrees(math.atan2(height, width))
    diagonal = math.hypot(width, height)
    size = min(40.0, diagonal * 0.85 / max(stringWidth(mark, font, 1), 1))
    canvas.saveState()
    canvas.setFillColorRGB(0.7, 0.1, 0.1)
    canvas.setFillAlpha(0.22)
    canvas.translate(width / 2, FOOTER_PT + height / 2)
    canvas.rotate(angle)
    canvas.setFont(font, size)
    canvas.drawCentredString(0, -size / 3, mark)
    canvas.restoreState()
    canvas.showPage()


def write_copy_pdf(req: CopyRequest, out: Path, when: dt.date) -> str:
    """Write the watermarked PDF of REQ's pages to OUT; return its sha256."""
    from reportlab.pdfgen import canvas as pdfcanvas

    font = _font()
    mark = watermark_text(req, when)
    pdf = pdfcanvas.Canvas(str(out), pageCompression=1, invariant=0)
    pdf.setTitle(req.object.title[:300])
    pdf.setAuthor(req.object.library.name)
    pdf.setSubject(mark)
    pdf.setCreator("thuvien")
    for seq in req.pages:
        jpeg, width, height = _page_image(storage.master_path(req.object_id, seq))
        _draw_page(pdf, font, jpeg, width, height, mark)
    pdf.save()
    digest = hashlib.sha256()
    with out.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def make_copy_pdf(request_id: int) -> str:
    """Make the PDF of an approved request (a no-op for any other state); return the request's status."""
    req = CopyRequest.objects.select_related("reader", "object__library").filter(pk=request_id).first()
    if req is None:
        return ""
    if req.status != CopyStatus.APPROVED:
        return req.status
    final = storage.copy_path(req.pk)
    final.parent.mkdir(parents=True, exist_ok=True)
    # Two runs of the task (a redelivery) may render at once: each into its own name, the first to finish wins.
    tmp = final.with_name(f"{final.name}.{os.getpid()}-{secrets.token_hex(4)}.part")
    now = timezone.now()
    try:
        # Rendering takes seconds: done outside any transaction, then published under a row lock.
        sha = write_copy_pdf(req, tmp, timezone.localdate(now))
    except Exception as exc:
        tmp.unlink(missing_ok=True)
        logger.exception("copy %s: the PDF could not be made", req.pk)
        with transaction.atomic():
            if CopyRequest.objects.filter(pk=req.pk, status=CopyStatus.APPROVED).update(
                status=CopyStatus.FAILED
            ):
                audit("digital.copy.failed", library=req.object.library, obj=req, error=str(exc)[:300])
        return CopyStatus.FAILED
    rule = fee_rule(req.object.library)
    with transaction.atomic():
        locked = _lock(req.pk)
        if locked.status != CopyStatus.APPROVED:  # another run finished first, or staff changed it
            tmp.unlink(missing_ok=True)
            return locked.status
        tmp.replace(final)
        locked.status, locked.file_sha256, locked.ready_at = CopyStatus.READY, sha, now
        locked.expires_at = now + dt.timedelta(days=rule.days_valid)
        locked.save(update_fields=["status", "file_sha256", "ready_at", "expires_at"])
        audit("digital.copy.ready", library=locked.object.library, obj=locked, pages=len(locked.pages),
              sha256=sha)  # fmt: skip
    return CopyStatus.READY


def _file_of(req: CopyRequest) -> Path:
    if req.status != CopyStatus.READY:
        raise CopyError("not_ready", _("Bản sao chưa sẵn sàng để tải về."))
    if req.expires_at is not None and req.expires_at <= timezone.now():
        raise CopyError("expired", _("Bản sao đã hết hạn tải về. Hãy gửi yêu cầu mới nếu bạn vẫn cần."))
    path = storage.copy_path(req.pk)
    if not path.is_file():
        raise CopyError("missing", _("Không tìm thấy tệp bản sao. Vui lòng liên hệ thư viện."))
    return path


def download_copy(req: CopyRequest | int, *, reader) -> Path:
    """The PDF of READER's own ready, unexpired request (the download is counted and audited)."""
    pk = getattr(req, "pk", req)
    req = CopyRequest.objects.select_related("object__library").filter(pk=pk).first()
    if req is None or reader is None or req.reader_id != reader.pk:
        raise CopyError("not_found", _("Không tìm thấy yêu cầu sao chụp."))
    path = _file_of(req)
    with transaction.atomic():
        CopyRequest.objects.filter(pk=req.pk).update(downloads=F("downloads") + 1)
        audit("digital.copy.downloaded", library=req.object.library, obj=req, reader=reader.card)
    return path


def staff_copy_file(req: CopyRequest | int, *, actor) -> Path:
    """The PDF of a ready request, for staff who manage its object (audited, not counted as the reader's)."""
    pk = getattr(req, "pk", req)
    req = CopyRequest.objects.select_related("object__library").filter(pk=pk).first()
    if req is None:
        raise CopyError("not_found", _("Không tìm thấy yêu cầu sao chụp."))
    _check_staff(actor, req)
    path = _file_of(req)
    with transaction.atomic():
        audit("digital.copy.downloaded_by_staff", actor=actor, library=req.object.library, obj=req)
    return path


def purge_expired_copies(now: dt.datetime | None = None) -> int:
    """Delete the files of expired copies and of abandoned partial files; return how many were removed."""
    now = now or timezone.now()
    removed = 0
    expired = CopyRequest.objects.filter(status=CopyStatus.READY, expires_at__lte=now).values_list(
        "pk", flat=True
    )
    for pk in expired.iterator():
        path = storage.copy_path(pk)
        if path.exists():
            path.unlink(missing_ok=True)
            removed += 1
    folder = storage.copy_path(0).parent
    if folder.is_dir():
        stale = now.timestamp() - 6 * 3600  # a PDF takes seconds; a part file this old was abandoned
        for part in folder.glob("*.part"):
            try:
                if part.stat().st_mtime < stale:
                    part.unlink()
                    removed += 1
            except FileNotFoundError:
                pass
    return removed


def readers_requests(reader):
    """READER's copy requests, newest first, with their objects."""
    return CopyRequest.objects.filter(reader=reader).select_related("object", "object__library")


def requests_for_staff(user):
    """The copy requests of objects USER manages."""
    return CopyRequest.objects.filter(object__in=queries.objects_for_staff(user)).select_related(
        "object", "object__library", "reader", "decided_by"
    )


# --- the fee rule -------------------------------------------------------------------------------

RULE_FIELDS = ("per_page", "restricted_per_page", "minimum", "max_pages", "days_valid")


def save_fee_rule(library: Library, *, actor, **values) -> CopyFeeRule:
    """Set LIBRARY's own copy fee rule (its members without a rule of their own follow it)."""
    from thuvien.accounts.queries import can_manage

    if not can_manage(actor, library):
        raise CopyError("forbidden", _("Chỉ quản trị của thư viện mới đặt được quy định phí sao chụp."))
    clean = {key: values[key] for key in RULE_FIELDS if key in values}
    if any(Decimal(clean.get(k, 0)) < 0 for k in ("per_page", "restricted_per_page", "minimum")):
        raise CopyError("amount", _("Giá và mức tối thiểu không được âm."))
    if not 1 <= int(clean.get("max_pages", 1)) <= 500 or not 1 <= int(clean.get("days_valid", 1)) <= 365:
        raise CopyError("limits", _("Số trang tối đa từ 1 đến 500, số ngày được tải về từ 1 đến 365."))
    with transaction.atomic():
        rule, _created = CopyFeeRule.objects.update_or_create(library=library, defaults=clean)
        audit("digital.copy.rule_saved", actor=actor, library=library, obj=rule,
              **{key: str(getattr(rule, key)) for key in RULE_FIELDS})  # fmt: skip
    return rule


def delete_fee_rule(library: Library, *, actor) -> None:
    """Remove LIBRARY's own rule: it follows the nearest rule above it again (or the defaults)."""
    from thuvien.accounts.queries import can_manage

    if not can_manage(actor, library):
        raise CopyError("forbidden", _("Chỉ quản trị của thư viện mới đặt được quy định phí sao chụp."))
    with transaction.atomic():
        deleted, _rows = CopyFeeRule.objects.filter(library=library).delete()
        if deleted:
            audit("digital.copy.rule_deleted", actor=actor, library=library)
