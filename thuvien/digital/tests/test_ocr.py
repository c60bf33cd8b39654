"""OCR of page masters: tesseract reads rendered Vietnamese pages back, failures are retryable, the workflow moves."""

from __future__ import annotations

import shutil

import pytest

from thuvien.audit.models import AuditEntry
from thuvien.digital import ocr, storage
from thuvien.digital.models import AccessLevel, DigitalObject, OcrStatus, Page, Stage
from thuvien.digital.render import render_page
from thuvien.digital.testing import make_object
from thuvien.lib.vn_text import fold, tokens
from thuvien.search.models import OutboxEntry

TEXTS = [
    "Làng Đông Hồ bên bờ sông Đuống nổi tiếng với nghề làm tranh dân gian. "
    "Mỗi độ Tết đến, người dân khắp nơi về chợ tranh.",
    "Đình làng được dựng vào đời Hậu Lê, mái cong lợp ngói vảy cá. Hằng năm dân làng mở hội vào mùa xuân.",
]

needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="tesseract is not installed (apt-get install tesseract-ocr-vie)"
)


@pytest.fixture
def tesseract(settings):
    if not ocr.tesseract_available():
        pytest.skip(f"tesseract with {settings.DIGITAL_OCR_LANGUAGES} is not installed")


def scanned_object(library, texts, *, stage=Stage.SCANNED, access=AccessLevel.OPEN, record=None):
    """Return an object whose page masters are small 300-dpi renderings of TEXTS, with no text yet."""
    obj = make_object(library, texts=texts, with_text=False, stage=stage, access=access, record=record)
    for page in obj.pages.all():
        image = render_page(texts[page.seq - 1], dpi=300, width_mm=100, height_mm=40, margin_mm=5, points=11)
        storage.write_master(image, storage.master_path(obj.pk, page.seq))
        Page.objects.filter(pk=page.pk).update(width=image.width, height=image.height)
    return obj


HOCR = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"
    "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en"><head><title></title></head><body>
 <div class='ocr_page' id='page_1' title='image "stdin"; bbox 0 0 1000 800; ppageno 0'>
  <div class='ocr_carea' id='block_1_1' title="bbox 10 10 900 200">
   <p class='ocr_par' id='par_1_1' lang='vie' title="bbox 10 10 900 200">
    <span class='ocr_line' id='line_1_1' title="bbox 10 10 900 50">
     <span class='ocrx_word' id='word_1_1' title='bbox 10 10 110 50; x_wconf 90'>Hoa</span>
     <span class='ocrx_word' id='word_1_2' title='bbox 120 10 200 50; x_wconf 80'>Lu\u031b</span>
    </span>
    <span class='ocr_header' id='line_1_2' title="bbox 10 60 900 100">
     <span class='ocrx_word' id='word_1_3' title='bbox 10 60 100 100; x_wconf 70'><strong>kinh</strong></span>
    </span>
   </p>
   <p class='ocr_par' id='par_1_2' title="bbox 10 120 900 200">
    <span class='ocr_line' id='line_1_3' title="bbox 10 120 900 160">
     <span class='ocrx_word' id='word_1_4' title='bbox 10 120 90 160; x_wconf 60'>đô.</span>
     <span class='ocrx_word' id='word_1_5' title='bbox 95 120 96 160; x_wconf 10'> </span>
    </span>
   </p>
  </div>
 </div>
</body></html>
"""


def test_parse_hocr_gives_text_boxes_and_confidence():
    text, words, confidence = ocr.parse_hocr(HOCR)
    assert text == "Hoa Lư\nkinh\n\nđô."
    assert words == [["Hoa", 10, 10, 100, 40], ["Lư", 120, 10, 80, 40], ["kinh", 10, 60, 90, 40],
                     ["đô.", 10, 120, 80, 40]]  # fmt: skip
    assert words[1][0] == "Lư"  # NFC: the horn is composed
    assert confidence == 75.0


def test_parse_hocr_resolves_no_entities():
    evil = (
        '<?xml version="1.0"?><!DOCTYPE html [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        "<html><body><p class='ocr_par'><span class='ocr_line'>"
        "<span class='ocrx_word' title='bbox 0 0 5 5'>&x;</span></span></p></body></html>"
    )
    text, _words, _conf = ocr.parse_hocr(evil)
    assert "root" not in text


def test_parse_hocr_refuses_garbage():
    with pytest.raises(ocr.OcrError):
        ocr.parse_hocr("<html><body>")


def test_edit_distance_and_error_rate():
    assert ocr.edit_distance("", "abc") == 3
    assert ocr.edit_distance("Hòa Bình", "Hoà Bình") == 2  # a different character in two places
    assert ocr.edit_distance("kitten", "sitting") == 3
    assert ocr.character_error_rate("Đông  Hồ\n", "Đông Hô") == pytest.approx(1 / 7)


@needs_tesseract
@pytest.mark.django_db
def test_ocr_reads_vietnamese_pages_back(network, tesseract):
    obj = scanned_object(network["prov"], TEXTS)
    before = OutboxEntry.objects.filter(record_id=obj.record_id).count()
    for page in obj.pages.order_by("seq"):
        done = ocr.ocr_page(page.pk)
        assert done.ocr_status == OcrStatus.DONE, done.ocr_error
        reference = TEXTS[page.seq - 1]
        assert ocr.character_error_rate(reference, done.text) <= 0.05, done.text
        for word in ("lang", "lam" if page.seq == 1 else "dinh", "tet" if page.seq == 1 else "xuan"):
            assert word in tokens(fold(done.text)), word  # typed without diacritics
        assert done.text_folded == fold(done.text)
        assert done.hocr.lstrip().startswith("<?xml") and "ocrx_word" in done.hocr
        assert "<alto" in done.alto
        assert done.ocr_confidence > 50
        assert len(done.words) >= len(reference.split()) - 2
        for word, x, y, w, h in done.words:
            assert 0 <= x and 0 <= y and x + w <= done.width and y + h <= done.height
    assert "Đông Hồ" in Page.objects.get(object=obj, seq=1).text
    # The record's index document follows the page text.
    assert OutboxEntry.objects.filter(record_id=obj.record_id).count() >= before + 2


@needs_tesseract
@pytest.mark.django_db
def test_enqueue_object_ocrs_every_page_and_moves_the_object_to_ocr(network, tesseract):
    obj = scanned_object(network["prov"], TEXTS)
    assert ocr.enqueue_object(obj.pk) == 2  # queued tasks run at once in tests
    assert set(obj.pages.values_list("ocr_status", flat=True)) == {OcrStatus.DONE}
    obj.refresh_from_db()
    assert obj.stage == Stage.OCR
    change = obj.stage_changes.last()
    assert (change.from_stage, change.to_stage, change.actor, change.note) == (Stage.SCANNED, Stage.OCR, None,
                                                                               "OCR")  # fmt: skip
    # Nothing left to do: a second call queues nothing, unless forced.
    assert ocr.enqueue_object(obj.pk) == 0
    assert ocr.enqueue_object(obj.pk, force=True) == 2
    assert DigitalObject.objects.get(pk=obj.pk).stage == Stage.OCR


@needs_tesseract
@pytest.mark.django_db
def test_ocr_of_a_published_object_leaves_its_stage(network, tesseract):
    obj = scanned_object(network["prov"], TEXTS[:1], stage=Stage.PUBLISHED)
    ocr.enqueue_object(obj.pk)
    obj.refresh_from_db()
    assert obj.stage == Stage.PUBLISHED
    assert obj.pages.get().ocr_status == OcrStatus.DONE


@needs_tesseract
@pytest.mark.django_db
def test_a_missing_master_fails_and_a_retry_works(network, tesseract):
    obj = scanned_object(network["prov"], TEXTS)
    master = storage.master_path(obj.pk, 2)
    moved = master.with_name("moved.tif")
    master.rename(moved)
    ocr.enqueue_object(obj.pk)
    failed = Page.objects.get(object=obj, seq=2)
    assert failed.ocr_status == OcrStatus.FAILED
    assert "ảnh gốc" in failed.ocr_error
    assert failed.text == ""
    obj.refresh_from_db()
    assert obj.stage == Stage.SCANNED  # one page has no text yet: the object waits
    moved.rename(master)
    assert ocr.enqueue_object(obj.pk) == 1  # only the failed page
    obj.refresh_from_db()
    assert obj.stage == Stage.OCR
    assert Page.objects.get(object=obj, seq=2).ocr_error == ""


@pytest.mark.django_db
def test_a_broken_tesseract_fails_the_page(network, settings):
    obj = make_object(network["prov"], texts=TEXTS[:1], with_text=False, stage=Stage.SCANNED)
    settings.DIGITAL_TESSERACT = "/nonexistent/tesseract"
    page = ocr.ocr_page(obj.pages.get().pk)
    assert page.ocr_status == OcrStatus.FAILED
    assert "tesseract" in page.ocr_error
    assert ocr.ocr_page(10**9) is None


@needs_tesseract
@pytest.mark.django_db
def test_re_ocr_keeps_a_correction_unless_forced(network, tesseract, provincial_librarian):
    obj = scanned_object(network["prov"], TEXTS[:1])
    page = ocr.ocr_page(obj.pages.get().pk)
    corrected = "Làng Đông Hồ (đã sửa) bên bờ sông Đuống."
    ocr.correct_page(page, corrected, actor=provincial_librarian)
    again = ocr.ocr_page(page.pk)
    assert again.text == corrected and again.corrected_by == provincial_librarian
    assert again.hocr
    forced = ocr.ocr_page(page.pk, force=True)
    assert forced.text != corrected and forced.corrected_at is None
    assert "Đông Hồ" in forced.text


@pytest.mark.django_db
def test_requeue_page_audits(network, provincial_librarian, settings):
    obj = make_object(network["prov"], texts=TEXTS[:1], stage=Stage.SCANNED)
    settings.DIGITAL_TESSERACT = "/nonexistent/tesseract"  # the queued task runs at once and fails
    page = obj.pages.get()
    ocr.requeue_page(page, actor=provincial_librarian)
    assert AuditEntry.objects.filter(type="digital.page.ocr_requested", object_id=str(page.pk)).exists()
    assert Page.objects.get(pk=page.pk).ocr_status == OcrStatus.FAILED
