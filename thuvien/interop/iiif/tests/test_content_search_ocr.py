"""Content search over real OCR: the box of a hit, cut out of the master and read again, holds the word."""

from __future__ import annotations

import pytest

from thuvien.digital import ocr, storage
from thuvien.digital.models import Stage
from thuvien.digital.tests.test_ocr import TEXTS, needs_tesseract, scanned_object, tesseract  # noqa: F401
from thuvien.interop.iiif import ids
from thuvien.lib.vn_text import fold, tokens

pytestmark = [pytest.mark.django_db, needs_tesseract]


def read_box(obj, seq: int, xywh: str) -> str:
    """OCR the region XYWH of page SEQ's master on its own, with a margin, and return the folded words."""
    import pyvips

    x, y, w, h = (int(v) for v in xywh.split(","))
    master = pyvips.Image.new_from_file(str(storage.master_path(obj.pk, seq)))
    margin = 12
    crop = master.crop(x, y, w, h).embed(margin, margin, w + 2 * margin, h + 2 * margin, background=[255])
    result = ocr.ocr_image(crop.write_to_buffer(".png"), dpi=300, psm=7)  # one line of text
    return " ".join(fold(t) for t in tokens(result.text))


@pytest.fixture
def ocr_done(network, tesseract):  # noqa: F811
    obj = scanned_object(network["prov"], TEXTS, stage=Stage.PUBLISHED)
    ocr.enqueue_object(obj.pk)
    return obj


@pytest.mark.parametrize("query", ["dong ho", "tranh", "Đuống", "hoi"])
def test_a_hit_box_contains_the_word(client, ocr_done, query):
    doc = client.get(f"/iiif/search/1/{ocr_done.pk}", {"q": query}).json()
    assert doc["hits"], doc
    boxes = {r["@id"]: r["on"] for r in doc["resources"]}
    for hit in doc["hits"]:
        (name,) = hit["annotations"]
        canvas, xywh = boxes[name].split("#xywh=")
        seq = int(canvas.rsplit("/", 1)[1])
        assert canvas == ids.canvas_id("http://testserver", ocr_done.pk, seq)
        assert fold(query) in read_box(ocr_done, seq, xywh)


def test_a_corrected_word_is_found_where_the_misread_one_was(client, ocr_done, provincial_librarian):
    page = ocr_done.pages.get(seq=1)
    # As if OCR had misread "Đuống": the page's text and words say "Đuốnq".
    words = [[("Đuốnq" if w[0].startswith("Đuống") else w[0]), *w[1:]] for w in page.words]
    box = next(w[1:] for w in words if w[0] == "Đuốnq")
    page.words = words
    page.text = page.text.replace("Đuống", "Đuốnq")
    page.text_folded = fold(page.text)
    page.save()
    assert client.get(f"/iiif/search/1/{ocr_done.pk}", {"q": "duong"}).json()["hits"] == []

    ocr.correct_page(page, page.text.replace("Đuốnq", "Đuống"), actor=provincial_librarian)
    doc = client.get(f"/iiif/search/2/{ocr_done.pk}", {"q": "duong"}).json()
    (item,) = doc["items"]
    assert item["target"]["selector"][0]["value"] == "xywh={},{},{},{}".format(*box)
    assert "duong" in read_box(ocr_done, 1, item["target"]["selector"][0]["value"].removeprefix("xywh="))
