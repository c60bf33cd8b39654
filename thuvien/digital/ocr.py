"""OCR of page masters with tesseract (hOCR and ALTO in one run), and librarians' corrections of the text.

One tesseract run per page, on the full-resolution level of the master written out as a plain (strip,
uncompressed) TIFF: tesseract's image library (leptonica) cannot read tiled TIFFs, and would read every
level of a pyramid as a page of its own. Made uncompressed, it costs about 15 ms for an A5 page at
300 dpi, where even the fastest PNG took 80 ms. Word boxes are kept in master pixels, the coordinates
of the IIIF canvases.
"""

from __future__ import annotations

import difflib
import hashlib
import logging
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree

from thuvien.audit import actions as audit
from thuvien.digital import storage
from thuvien.digital.exceptions import DigitalError
from thuvien.digital.models import DigitalObject, OcrStatus, Page, Stage
from thuvien.lib.vn_text import fold, nfc, tokens
from thuvien.search.indexer import enqueue as enqueue_index

logger = logging.getLogger(__name__)

# hOCR classes of a line of text inside a paragraph (tesseract 4/5 names headers and captions apart).
LINE_CLASSES = frozenset({"ocr_line", "ocr_header", "ocr_caption", "ocr_textfloat"})
_BBOX_RE = re.compile(r"bbox\s+(-?\d+)\s+(-?\d+)\s+(-?\d+)\s+(-?\d+)")
_WCONF_RE = re.compile(r"x_wconf\s+(-?\d+(?:\.\d+)?)")


class OcrError(Exception):
    """OCR of one page failed; the message (Vietnamese) is stored on the page for the librarian."""


class StaleText(DigitalError):
    """A correction was made from a text that has changed since."""


@dataclass
class OcrResult:
    text: str
    words: list
    hocr: str
    alto: str
    confidence: float | None  # mean word confidence, 0–100


def tesseract_available() -> bool:
    """Return True if the configured tesseract program runs and has every configured language."""
    try:
        out = subprocess.run(
            [settings.DIGITAL_TESSERACT, "--list-langs"], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    have = set(out.stdout.split())
    return out.returncode == 0 and all(lang in have for lang in settings.DIGITAL_OCR_LANGUAGES.split("+"))


def _timeout() -> float:
    return float(settings.DIGITAL_OCR_TIMEOUT)


def plain_image(master: Path, out: Path) -> int | None:
    """Write the full-resolution level of MASTER to OUT as a TIFF tesseract reads; return its dpi if known."""
    import pyvips

    if not master.is_file():
        raise OcrError(_("Không tìm thấy ảnh gốc của trang."))
    try:
        image = pyvips.Image.new_from_file(str(master), access="sequential")
        if image.hasalpha():
            image = image.flatten(background=[255] * (image.bands - 1))
        if image.format != "uchar":
            image = image.cast("uchar") if image.format == "char" else image.scaleimage()
        # Uncompressed and in strips: compressing it (PNG) would cost more than tesseract saves in reading,
        # and a file reads faster than a pipe (tesseract takes stdin in through a character iterator).
        image.tiffsave(str(out), compression="none", tile=False, pyramid=False)
    except pyvips.Error as exc:
        raise OcrError(_("Không đọc được ảnh gốc của trang: %(error)s") % {"error": str(exc)[:200]}) from exc
    return round(image.xres * 25.4) if image.xres > 1.5 else None  # xres is in pixels per millimetre


def ocr_master(master: Path) -> OcrResult:
    """OCR the page master at MASTER and return what tesseract read."""
    with tempfile.TemporaryDirectory(prefix="thuvien-ocr-") as tmp:
        plain = Path(tmp) / "page.tif"
        dpi = plain_image(master, plain)
        return ocr_image(plain, dpi=dpi)


def run_tesseract(image: bytes | Path, *, dpi: int | None = None, psm: int | None = None) -> tuple[str, str]:
    """Run tesseract once on IMAGE (bytes of an image, or a file) and return its (hOCR, ALTO).

    PSM is tesseract's page segmentation mode (default: automatic; 7 reads a single line).
    """
    with tempfile.TemporaryDirectory(prefix="thuvien-ocr-") as tmp:
        out = Path(tmp) / "page"
        source = str(image) if isinstance(image, Path) else "stdin"
        cmd = [settings.DIGITAL_TESSERACT, source, str(out), "-l", settings.DIGITAL_OCR_LANGUAGES]
        if dpi:
            cmd += ["--dpi", str(dpi)]
        if psm is not None:
            cmd += ["--psm", str(int(psm))]
        cmd += ["hocr", "alto"]
        # One thread per run: the worker runs pages in parallel, and OpenMP threads fighting over the
        # same cores make every page slower.
        env = dict(os.environ, OMP_THREAD_LIMIT="1")
        try:
            proc = subprocess.run(
                cmd,
                input=None if isinstance(image, Path) else image,
                capture_output=True,
                timeout=_timeout(),
                env=env,
            )
        except FileNotFoundError as exc:
            raise OcrError(
                _("Không tìm thấy chương trình tesseract (%(cmd)s).") % {"cmd": settings.DIGITAL_TESSERACT}
            ) from exc
        except subprocess.TimeoutExpired as exc:
            raise OcrError(
                _("Nhận dạng chữ quá thời gian cho phép (%(s)d giây).") % {"s": int(_timeout())}
            ) from exc
        if proc.returncode != 0:
            tail = proc.stderr.decode("utf-8", "replace").strip()[-300:]
            raise OcrError(_("tesseract báo lỗi: %(error)s") % {"error": tail or proc.returncode})
        try:
            return (out.with_suffix(".hocr").read_text("utf-8"), out.with_suffix(".xml").read_text("utf-8"))
        except OSError as exc:
            raise OcrError(_("tesseract không tạo ra kết quả hOCR/ALTO.")) from exc


def _classes(el) -> set[str]:
    return set((el.get("class") or "").split())


def parse_hocr(hocr: str | bytes) -> tuple[str, list, float | None]:
    """Parse tesseract's hOCR into (text, words [[word, x, y, w, h], ...] in reading order, mean confidence).

    Lines are joined with newlines and paragraphs with blank lines; all text is NFC.
    """
    data = hocr.encode("utf-8") if isinstance(hocr, str) else hocr
    # No DTD (hOCR declares the XHTML one), no entities, no network: the file came from a subprocess,
    # but the parser is the one for untrusted XML all the same.
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise OcrError(_("Kết quả hOCR không đọc được: %(error)s") % {"error": str(exc)[:200]}) from exc
    words: list = []
    confidences: list[float] = []
    paragraphs: list[str] = []
    for par in root.iter():
        if "ocr_par" not in _classes(par):
            continue
        lines: list[str] = []
        for line in par.iter():
            if not (_classes(line) & LINE_CLASSES):
                continue
            line_words: list[str] = []
            for span in line.iter():
                if "ocrx_word" not in _classes(span):
                    continue
                word = nfc("".join(span.itertext()).strip())
                box = _BBOX_RE.search(span.get("title") or "")
                if not word or box is None:
                    continue
                x0, y0, x1, y1 = (int(v) for v in box.groups())
                words.append([word, x0, y0, max(0, x1 - x0), max(0, y1 - y0)])
                line_words.append(word)
                conf = _WCONF_RE.search(span.get("title") or "")
                if conf is not None:
                    confidences.append(float(conf.group(1)))
            if line_words:
                lines.append(" ".join(line_words))
        if lines:
            paragraphs.append("\n".join(lines))
    confidence = round(sum(confidences) / len(confidences), 2) if confidences else None
    return "\n\n".join(paragraphs), words, confidence


def ocr_image(image: bytes | Path, *, dpi: int | None = None, psm: int | None = None) -> OcrResult:
    """OCR one page image (bytes or a file of an image tesseract reads) and return what it read."""
    hocr, alto = run_tesseract(image, dpi=dpi, psm=psm)
    text, words, confidence = parse_hocr(hocr)
    return OcrResult(text=text, words=words, hocr=hocr, alto=alto, confidence=confidence)


def ocr_page(page_id: int, *, force: bool = False) -> Page | None:
    """OCR page PAGE_ID from its master and store the result; keep a librarian's correction unless FORCE.

    Safe to run again at any time (the task may be delivered twice). A failure is stored on the page
    (``ocr_status`` failed, ``ocr_error``) and can be retried. Returns the page, or None if it is gone.
    """
    page = Page.objects.filter(pk=page_id).only("pk", "object_id", "seq").first()
    if page is None:
        return None
    try:
        result = ocr_master(storage.master_path(page.object_id, page.seq))
    except OcrError as exc:
        return _fail(page_id, str(exc))
    except Exception as exc:  # a bug must end on the page as a retryable failure, not a page stuck "queued"
        logger.exception("OCR of page %s failed", page_id)
        return _fail(page_id, f"{type(exc).__name__}: {exc}")
    return _store(page_id, result, force=force)


def _fail(page_id: int, message: str) -> Page | None:
    with transaction.atomic():
        page = Page.objects.select_for_update().filter(pk=page_id).first()
        if page is None:
            return None
        page.ocr_status = OcrStatus.FAILED
        page.ocr_error = message[:500]
        page.save(update_fields=["ocr_status", "ocr_error"])
    logger.warning("OCR of page %s failed: %s", page_id, message)
    return page


@transaction.atomic
def _store(page_id: int, result: OcrResult, *, force: bool) -> Page | None:
    page = Page.objects.select_for_update().select_related("object").filter(pk=page_id).first()
    if page is None:
        return None
    fields = ["hocr", "alto", "ocr_confidence", "ocr_status", "ocr_error"]
    page.hocr, page.alto, page.ocr_confidence = result.hocr, result.alto, result.confidence
    page.ocr_status, page.ocr_error = OcrStatus.DONE, ""
    text_changed = False
    if force or page.corrected_at is None:
        text_changed = page.text != result.text or page.words != result.words
        page.text, page.text_folded, page.words = result.text, fold(result.text), result.words
        page.corrected_by, page.corrected_at = None, None
        fields += ["text", "text_folded", "words", "corrected_by", "corrected_at"]
    page.save(update_fields=fields)
    if text_changed and page.object.record_id:
        enqueue_index([page.object.record_id])
    _finish_object(page.object_id)
    return page


def _finish_object(object_id: int) -> None:
    """Move a scanned object to the OCR stage once every page has its text; call inside a transaction."""
    from thuvien.digital.actions import move_stage

    if not DigitalObject.objects.filter(pk=object_id, stage=Stage.SCANNED).exists():
        return
    # Lock the object before counting: of two workers finishing the last two pages at once, the one
    # that waits for the lock counts after the other's commit, so exactly one of them moves the object.
    obj = DigitalObject.objects.select_for_update().filter(pk=object_id, stage=Stage.SCANNED).first()
    if obj is None:
        return
    if obj.pages.exclude(ocr_status=OcrStatus.DONE).exists() or not obj.pages.exists():
        return
    move_stage(obj, Stage.OCR, actor=None, note="OCR")


def enqueue_object(object_id: int, force: bool = False) -> int:
    """Queue OCR of object OBJECT_ID's pages (those without text yet, or every page if FORCE); return how many.

    FORCE also replaces librarians' corrections. Pages are marked queued and the tasks enqueued in one
    transaction, so that a worker never sees one without the other.
    """
    from thuvien.digital.tasks import ocr_page_task

    with transaction.atomic():
        pages = Page.objects.select_for_update().filter(object_id=object_id)
        if not force:
            pages = pages.exclude(ocr_status=OcrStatus.DONE)
        ids = list(pages.order_by("seq").values_list("pk", flat=True))
        Page.objects.filter(pk__in=ids).update(ocr_status=OcrStatus.QUEUED, ocr_error="")
        for page_id in ids:
            ocr_page_task.enqueue(page_id, force)
    return len(ids)


def requeue_page(page: Page, *, actor) -> None:
    """Queue OCR of PAGE again at a librarian's request; its text (corrected or not) will be replaced."""
    from thuvien.digital.tasks import ocr_page_task

    with transaction.atomic():
        Page.objects.filter(pk=page.pk).update(ocr_status=OcrStatus.QUEUED, ocr_error="")
        audit.record("digital.page.ocr_requested", actor=actor, library=page.object.library, obj=page,
                     object=page.object_id, seq=page.seq)  # fmt: skip
        ocr_page_task.enqueue(page.pk, True)


# --- accuracy ----------------------------------------------------------------------------------------


def edit_distance(a: str, b: str) -> int:
    """Return the Levenshtein distance between A and B (bit-parallel: Myers 1999, Hyyrö 2001)."""
    if len(a) < len(b):
        a, b = b, a
    m = len(b)
    if m == 0:
        return len(a)
    # B is the pattern: one bit per character of B, and one pass over A of a few big-integer operations.
    peq: dict[str, int] = {}
    for i, ch in enumerate(b):
        peq[ch] = peq.get(ch, 0) | (1 << i)
    mask = (1 << m) - 1
    high = 1 << (m - 1)
    pv, mv, score = mask, 0, m
    for ch in a:
        eq = peq.get(ch, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = mv | ~(xh | pv)
        mh = pv & xh
        if ph & high:
            score += 1
        elif mh & high:
            score -= 1
        ph = (ph << 1) | 1  # the top row of the table grows by one per character: a global distance
        mh <<= 1
        pv = (mh | ~(xv | ph)) & mask
        mv = ph & xv & mask
    return score


def cer_text(s: str) -> str:
    """Normalise S for a character error rate: NFC, every run of whitespace one space."""
    return " ".join(nfc(s).split())


def character_error_rate(reference: str, hypothesis: str) -> float:
    """Return the character error rate of HYPOTHESIS against REFERENCE (edits / reference characters)."""
    ref, hyp = cer_text(reference), cer_text(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return edit_distance(ref, hyp) / len(ref)


# --- corrections -------------------------------------------------------------------------------------


def _key(word: str) -> str:
    """The comparison key of a word: its folded letters and digits (punctuation and case do not count)."""
    return " ".join(fold(t) for t in tokens(word))


def _has_box(entry) -> bool:
    return len(entry) >= 5 and entry[3] > 0 and entry[4] > 0


def _same_line(boxes: list) -> bool:
    top = max(b[2] for b in boxes)
    bottom = min(b[2] + b[4] for b in boxes)
    return bottom - top > 0.5 * min(b[4] for b in boxes)


def _union(boxes: list) -> list[int]:
    x0 = min(b[1] for b in boxes)
    y0 = min(b[2] for b in boxes)
    x1 = max(b[1] + b[3] for b in boxes)
    y1 = max(b[2] + b[4] for b in boxes)
    return [x0, y0, x1 - x0, y1 - y0]


def _share(new_words: list[str], old: list) -> list[list]:
    """Give NEW_WORDS, which replace the OLD entries, boxes from the old ones."""
    boxed = [b for b in old if _has_box(b)]
    if not boxed:
        return [[w, 0, 0, 0, 0] for w in new_words]
    if len(new_words) == len(old):
        return [[w, *(b[1:5] if _has_box(b) else _union(boxed))] for w, b in zip(new_words, old, strict=True)]
    if _same_line(boxed):
        # One line: cut the old words' extent into pieces as wide as the new words (with their spaces).
        x, y, width, height = _union(boxed)
        total = sum(len(w) + 1 for w in new_words) - 1
        out, pos = [], 0
        for w in new_words:
            x0 = x + round(width * pos / total)
            pos += len(w)
            x1 = x + round(width * pos / total)
            pos += 1
            out.append([w, x0, y, max(1, x1 - x0), height])
        return out
    # Across lines: each new word takes the boxes of the old words at the same relative place.
    n, m = len(new_words), len(boxed)
    out = []
    for k, w in enumerate(new_words):
        lo = k * m // n
        hi = max(lo + 1, (k + 1) * m // n)
        out.append([w, *_union(boxed[lo:hi])])
    return out


def align_words(old: list, text: str) -> list:
    """Return the words of TEXT with boxes taken from OLD ([[word, x, y, w, h], ...]) where they correspond.

    Words are compared folded (difflib over the word sequence): kept and replaced words keep their boxes,
    an inserted word borrows its neighbour's, and a word with nothing to borrow gets an empty box (0×0).
    """
    new_words = text.split()
    old = [list(e) for e in old if e]
    matcher = difflib.SequenceMatcher(None, [_key(e[0]) for e in old], [_key(w) for w in new_words],
                                      autojunk=False)  # fmt: skip
    out: list[list] = []
    pending_inserts: list[int] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.extend([w, *old[i][1:5]] for w, i in zip(new_words[j1:j2], range(i1, i2), strict=True))
        elif op == "replace":
            out.extend(_share(new_words[j1:j2], old[i1:i2]))
        elif op == "insert":
            for w in new_words[j1:j2]:
                pending_inserts.append(len(out))
                out.append([w, 0, 0, 0, 0])
    # Inserted words borrow the box of the nearest boxed word before them, or else after them.
    for index in pending_inserts:
        before = next((out[i] for i in range(index - 1, -1, -1) if _has_box(out[i])), None)
        after = next((out[i] for i in range(index + 1, len(out)) if _has_box(out[i])), None)
        source = before or after
        if source is not None:
            out[index][1:5] = source[1:5]
    return out


def clean_text(text: str) -> str:
    """Normalise a typed page text: NFC, Unix line ends, no trailing spaces, at most one blank line."""
    text = nfc(text or "").replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    text = "\n".join(lines).strip()
    return re.sub(r"\n{3,}", "\n\n", text)


def text_version(text: str) -> str:
    """Return a short fingerprint of a page text: a correction names the text it was made from."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@transaction.atomic
def correct_page(page: Page, text: str, *, actor, base: str | None = None) -> Page:
    """Replace PAGE's text with a librarian's correction (word boxes re-aligned); the index follows.

    BASE, when given, is the ``text_version`` of the text the librarian started from: if the page's
    text has changed since (OCR ran again, a colleague saved first), StaleText is raised and nothing
    is written.
    """
    locked = Page.objects.select_for_update().select_related("object__library").get(pk=page.pk)
    if base is not None and base != text_version(locked.text):
        raise StaleText(_("Văn bản của trang đã thay đổi từ khi bạn mở nó (nhận dạng lại hoặc người khác vừa "
                          "sửa). Hãy xem bản hiện tại rồi sửa lại."))  # fmt: skip
    text = clean_text(text)
    locked.words = align_words(locked.words or [], text)
    locked.text, locked.text_folded = text, fold(text)
    locked.corrected_by = actor if getattr(actor, "is_authenticated", False) else None
    locked.corrected_at = timezone.now()
    # A corrected page has its text: a failed or pending OCR no longer matters for it.
    locked.ocr_status, locked.ocr_error = OcrStatus.DONE, ""
    locked.save(update_fields=["text", "text_folded", "words", "corrected_by", "corrected_at",
                               "ocr_status", "ocr_error"])  # fmt: skip
    obj = locked.object
    audit.record("digital.page.corrected", actor=actor, library=obj.library, obj=locked, object=obj.pk,
                 seq=locked.seq, chars=len(text))  # fmt: skip
    if obj.record_id:
        enqueue_index([obj.record_id])
    _finish_object(obj.pk)
    return locked
