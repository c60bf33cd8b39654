"""A librarian's correction replaces the OCR text; word boxes follow the corrected words; the index follows."""

from __future__ import annotations

import pytest

from thuvien.audit.models import AuditEntry
from thuvien.digital import ocr
from thuvien.digital.models import OcrStatus, Page, Stage
from thuvien.digital.testing import make_object
from thuvien.lib.vn_text import fold
from thuvien.search.models import OutboxEntry

OLD = [["Hoa", 10, 10, 60, 40], ["Lu", 80, 10, 40, 40], ["la", 130, 10, 30, 40], ["kinh", 170, 10, 70, 40],
       ["do.", 250, 10, 50, 40], ["Nam", 10, 70, 60, 40], ["968", 80, 70, 60, 40]]  # fmt: skip


def boxes(words):
    return {w[0]: w[1:] for w in words}


def test_kept_and_replaced_words_keep_their_boxes():
    new = ocr.align_words(OLD, "Hoa Lư là kinh đô.\nNăm 968")
    assert [w[0] for w in new] == ["Hoa", "Lư", "là", "kinh", "đô.", "Năm", "968"]
    assert [w[1:] for w in new] == [w[1:] for w in OLD]


def test_a_word_split_in_two_shares_its_box():
    new = ocr.align_words([["HoaLư", 10, 10, 110, 40], ["là", 130, 10, 30, 40]], "Hoa Lư là")
    hoa, lu, la = new
    assert hoa[1] == 10 and hoa[1] + hoa[3] <= lu[1] and lu[1] + lu[3] == 120
    assert hoa[2] == lu[2] == 10 and hoa[4] == lu[4] == 40  # the old word's line
    assert la[1:] == [130, 10, 30, 40]


def test_words_joined_take_the_union_of_their_boxes():
    new = ocr.align_words([["Hoa", 10, 10, 60, 40], ["L", 80, 10, 10, 40], ["ư", 95, 10, 20, 40]], "Hoa Lư")
    assert new == [["Hoa", 10, 10, 60, 40], ["Lư", 80, 10, 35, 40]]


def test_inserted_words_borrow_a_neighbours_box_and_deleted_ones_go():
    new = ocr.align_words(OLD, "Hoa Lư xưa là kinh đô")
    assert boxes(new)["xưa"] == boxes(new)["Lư"]
    assert "Nam" not in boxes(new) and len(new) == 6
    first = ocr.align_words(OLD[:2], "Cố đô Hoa Lư")
    assert first[0][1:] == first[1][1:] == OLD[0][1:]  # nothing before: the next word's box
    assert ocr.align_words([], "Trang mới") == [["Trang", 0, 0, 0, 0], ["mới", 0, 0, 0, 0]]


def test_clean_text_normalises():
    decomposed = "Hoa Lu\u031b  \r\n\r\n\r\n\r\nkinh \u0111o\u0302 \n"
    assert ocr.clean_text(decomposed) == "Hoa Lư\n\nkinh đô"


@pytest.mark.django_db
def test_correct_page_replaces_the_text_audits_and_reindexes(network, provincial_librarian):
    obj = make_object(network["prov"], texts=["x"], stage=Stage.SCANNED)
    page = obj.pages.get()
    Page.objects.filter(pk=page.pk).update(words=OLD, text="Hoa Lu la kinh do.\nNam 968",
                                           ocr_status=OcrStatus.FAILED, ocr_error="lỗi")  # fmt: skip
    before = OutboxEntry.objects.filter(record_id=obj.record_id).count()
    page.refresh_from_db()
    base = ocr.text_version(page.text)
    done = ocr.correct_page(page, "Hoa Lư là kinh đô.\n\nNăm 968", actor=provincial_librarian, base=base)
    page.refresh_from_db()
    assert page.text == "Hoa Lư là kinh đô.\n\nNăm 968" and page.text_folded == fold(page.text)
    assert page.corrected_by == provincial_librarian and page.corrected_at is not None
    assert boxes(page.words)["Lư"] == [80, 10, 40, 40]
    assert (page.ocr_status, page.ocr_error) == (OcrStatus.DONE, "")
    assert done.pk == page.pk
    entry = AuditEntry.objects.get(type="digital.page.corrected")
    assert (entry.actor, entry.library, entry.object_id) == (
        provincial_librarian,
        network["prov"],
        str(page.pk),
    )
    assert OutboxEntry.objects.filter(record_id=obj.record_id).count() > before
    # The last page with text: the scanned object moves on to OCR.
    obj.refresh_from_db()
    assert obj.stage == Stage.OCR

    # A correction made from a text that has changed since is refused, and changes nothing.
    with pytest.raises(ocr.StaleText):
        ocr.correct_page(page, "cũ", actor=provincial_librarian, base=base)
    assert Page.objects.get(pk=page.pk).text == "Hoa Lư là kinh đô.\n\nNăm 968"
