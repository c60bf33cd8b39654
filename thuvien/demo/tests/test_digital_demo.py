"""The demo's digitised collection: open, restricted and secret documents rendered, ingested, OCR'd, published.

Built once for the module on a small demo network (no catalogue import, no circulation history: only the
demo reader), inside a transaction rolled back at the end.
"""

from __future__ import annotations

import unicodedata

import pypdfium2 as pdfium
import pytest
from django.db import transaction

from thuvien.catalog.models import Collection
from thuvien.digital import queries, storage
from thuvien.digital.models import AccessLevel, CopyFeeRule, CopyRequest, CopyStatus, DigitalObject, Stage
from thuvien.digital.ocr import tesseract_available
from thuvien.digital.policies import ANONYMOUS
from thuvien.lib.vn_text import fold
from thuvien.patrons.models import Reader

pytestmark = pytest.mark.django_db
TESSERACT = tesseract_available()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    from django.conf import settings

    from thuvien.demo.digital import build_digital
    from thuvien.demo.loader import create_network, create_people
    from thuvien.demo.union import create_collections
    from thuvien.patrons.actions import register_reader

    root = tmp_path_factory.mktemp("demo-digital")
    saved = settings.DIGITAL_ROOT, settings.DIGITAL_CACHE_DIR, settings.TASKS
    settings.DIGITAL_ROOT, settings.DIGITAL_CACHE_DIR = root / "digital", root / "cache"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    try:
        with django_db_blocker.unblock(), transaction.atomic():
            libraries = create_network(1)
            people = create_people(libraries)
            me = people["reader"]
            register_reader(card=me["card"], full_name=me["name"], category="adult", pin=me["pin"],
                            home_library=_library(me["library"]))  # fmt: skip
            create_collections(libraries)
            summary = build_digital(people, log=lambda message: None)
            again = build_digital(people, log=lambda message: None)
            yield {"people": people, "summary": summary, "again": again, "root": root}
            transaction.set_rollback(True)
    finally:
        settings.DIGITAL_ROOT, settings.DIGITAL_CACHE_DIR, settings.TASKS = saved


def _library(code):
    from thuvien.network.models import Library

    return Library.objects.get(code=code)


@pytest.fixture(autouse=True)
def demo_files(demo, settings):
    # Every test has its own DIGITAL_ROOT (root conftest): point it back at the demo's files.
    settings.DIGITAL_ROOT = demo["root"] / "digital"
    settings.DIGITAL_CACHE_DIR = demo["root"] / "cache"


def objects():
    return {obj.title: obj for obj in DigitalObject.objects.select_related("library", "record")}


def test_four_documents_at_three_access_levels_all_published(demo):
    found = objects()
    assert len(found) == 4 == len(demo["summary"]["objects"]) == demo["summary"]["created"]
    levels = sorted(obj.access for obj in found.values())
    assert levels == [AccessLevel.OPEN, AccessLevel.OPEN, AccessLevel.RESTRICTED, AccessLevel.SECRET]
    assert all(obj.stage == Stage.PUBLISHED and obj.library.code == "VN-NB" for obj in found.values())
    assert 12 <= sum(obj.page_count for obj in found.values()) <= 14
    assert all(3 <= obj.page_count <= 4 for obj in found.values())
    # The public sees the open ones; a signed-in reader the restricted one too; the secret one, nobody.
    assert {o.access for o in queries.visible_objects(ANONYMOUS)} == {AccessLevel.OPEN}
    reader_view = queries.viewer_for_user(None, Reader.objects.get(card=demo["people"]["reader"]["card"]))
    assert AccessLevel.SECRET not in {o.access for o in queries.visible_objects(reader_view)}
    assert AccessLevel.RESTRICTED in {o.access for o in queries.visible_objects(reader_view)}


def test_the_open_document_is_linked_to_a_local_history_record_with_a_toc(demo):
    hoa_lu = objects()["Địa chí Hoa Lư: cố đô và các di tích"]
    assert hoa_lu.record is not None and not hoa_lu.owns_record
    assert Collection.objects.get(code="dia-chi").records.filter(pk=hoa_lu.record_id).exists()
    assert hoa_lu.collections.filter(code="dia-chi").exists()
    assert [entry["page"] for entry in hoa_lu.toc] == [1, 2, 3, 4] and hoa_lu.toc[1]["label"].startswith(
        "Cố đô"
    )
    rare = objects()["Hương ước làng Yên Mô năm Bảo Đại thứ 10"]
    assert rare.owns_record and rare.record.suppressed and rare.collections.filter(code="sach-quy").exists()
    assert rare.dc["date"] == "1935" and rare.dc["creator"] == ["Hội đồng kỳ mục làng Yên Mô"]
    assert objects()["Gia phả họ Đinh ở Gia Viễn"].record.suppressed
    assert not objects()["Bản tin Văn hóa Ninh Bình số 3/1998"].record.suppressed


def test_pages_are_rendered_a5_masters_at_300_dpi(demo):
    for obj in objects().values():
        for page in obj.pages.all():
            assert storage.master_path(obj.pk, page.seq).is_file()
            assert (page.width, page.height) == (1748, 2480)  # A5 at 300 dpi


@pytest.mark.skipif(not TESSERACT, reason="tesseract with the vie language is not installed")
def test_ocr_reads_the_vietnamese_that_was_rendered(demo):
    assert demo["summary"]["ocr"] == "done"
    hoa_lu = objects()["Địa chí Hoa Lư: cố đô và các di tích"]
    first = hoa_lu.pages.get(seq=1)
    assert first.ocr_status == "done" and unicodedata.is_normalized("NFC", first.text)
    for words in ("hoa lu", "dinh bo linh", "kinh do", "dai co viet", "muoi hai su quan"):
        assert words in " ".join(fold(first.text).split()), words
    assert first.words and first.text_folded == fold(first.text)
    uoc = objects()["Hương ước làng Yên Mô năm Bảo Đại thứ 10"].pages.get(seq=3)
    assert "khuyen hoc" in fold(uoc.text)


def test_the_demo_reader_has_a_ready_copy_of_the_restricted_document(demo):
    req = CopyRequest.objects.select_related("reader", "object").get()
    assert req.pk == demo["summary"]["copy_request"] and req.status == CopyStatus.READY
    assert req.reader.card == demo["people"]["reader"]["card"] and req.object.access == AccessLevel.RESTRICTED
    assert req.fee is not None and req.fee.amount == req.fee_amount > 0 and req.fee.outstanding == 0
    assert CopyFeeRule.objects.filter(library__code="VN-NB").count() == 1
    pdf = pdfium.PdfDocument(str(storage.copy_path(req.pk)))
    assert len(pdf) == 2 and req.reader.card in pdf[0].get_textpage().get_text_range()
    pdf.close()


def test_running_the_step_again_adds_nothing(demo):
    again = demo["again"]
    assert again["created"] == 0 and again["copy_request"] == demo["summary"]["copy_request"]
    assert DigitalObject.objects.count() == 4 and CopyRequest.objects.count() == 1


def test_the_summary_names_where_to_look(demo):
    from thuvien.demo.digital import summary_lines

    lines = summary_lines(demo["summary"], "http://127.0.0.1:8000")
    text = "\n".join(lines)
    assert "http://127.0.0.1:8000/so-hoa/" in text and "/staff/digital/copies/" in text
    assert all(f"/so-hoa/{obj['id']}/" in text for obj in demo["summary"]["objects"])
    assert "[mật]" in text and "[hạn chế]" in text
