"""ingest_paths: the good paths (images, multi-page TIFF, PDF, ZIP, folders, appending) and what they leave."""

from __future__ import annotations

import zipfile

import pytest
import pyvips

from thuvien.audit.models import AuditEntry
from thuvien.digital import storage
from thuvien.digital.exceptions import IngestError
from thuvien.digital.ingest import ingest_paths
from thuvien.digital.models import AccessLevel, DigitalObject, Page, Stage
from thuvien.digital.render import render_page, write_pages, write_pdf

TEXTS = ["Trang một: Hà Nội nghìn năm văn hiến.", "Trang hai: sông Hồng.", "Trang ba: phố cổ."]


def _files(root):
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def pngs(tmp_path):
    return write_pages(TEXTS, tmp_path / "scans", fmt="png", dpi=72)


def test_images_become_a_new_standalone_object(network, provincial_librarian, pngs):
    result = ingest_paths(
        pngs, library=network["prov"], actor=provincial_librarian, dc={"title": "Hà Nội xưa", "creator": "Vô danh"},
        access=AccessLevel.OPEN,
    )  # fmt: skip
    obj = result.object
    assert result.pages_added == 3
    assert obj.title == "Hà Nội xưa" and obj.owns_record and obj.record_id
    assert obj.stage == Stage.SCANNED
    obj.refresh_from_db()
    assert obj.page_count == 3
    pages = list(obj.pages.order_by("seq"))
    assert [p.label for p in pages] == ["1", "2", "3"]
    assert [p.source_name for p in pages] == ["0001.png", "0002.png", "0003.png"]
    assert all(p.source_type == "image/png" and len(p.sha256) == 64 for p in pages)
    for page in pages:
        master = pyvips.Image.new_from_file(str(storage.master_path(obj.pk, page.seq)))
        assert (master.width, master.height) == (page.width, page.height)
        assert master.get("n-pages") > 1 or master.width <= 256  # pyramidal
    assert len(list(storage.source_dir(obj.pk).iterdir())) == 3
    assert list(storage.staging_dir().iterdir()) == []
    entry = AuditEntry.objects.get(type="digital.object.ingested")
    assert entry.data["pages"] == 3 and len(entry.data["sources"]) == 3
    assert all(p.exists() for p in pngs)  # the caller's files are untouched


def test_multipage_tiff_pdf_and_zip(network, provincial_librarian, tmp_path):
    pages = [render_page(t, dpi=72) for t in TEXTS]
    tiff = tmp_path / "nhieu-trang.tif"
    joined = pyvips.Image.arrayjoin(pages[:2], across=1).copy()
    joined.set_type(pyvips.GValue.gint_type, "page-height", pages[0].height)
    joined.tiffsave(str(tiff), compression="deflate")
    pdf = write_pdf(TEXTS, tmp_path / "sach.pdf", dpi=100)
    archive = tmp_path / "trang.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for n in (10, 2, 1):
            z.writestr(f"scan/trang{n}.png", render_page(f"Trang {n}", dpi=72).write_to_buffer(".png"))
        z.writestr("scan/ghichu.txt", "ghi chú")
    result = ingest_paths(
        [tiff, pdf, archive], library=network["prov"], actor=provincial_librarian, title="Tuyển tập"
    )
    assert result.pages_added == 2 + 3 + 3
    pages = list(result.object.pages.order_by("seq"))
    assert [p.source_name for p in pages] == [
        "nhieu-trang.tif", "nhieu-trang.tif", "sach.pdf", "sach.pdf", "sach.pdf",
        "trang.zip/trang1.png", "trang.zip/trang2.png", "trang.zip/trang10.png",
    ]  # fmt: skip
    assert [p.source_type for p in pages][:3] == ["image/tiff", "image/tiff", "application/pdf"]
    # The PDF's page images were 100 dpi: rendered at that resolution, not blown up to 300.
    assert abs(pages[2].width - render_page(TEXTS[0], dpi=100).width) <= 2
    assert len(list(storage.source_dir(result.object.pk).iterdir())) == 3
    # Grey scans in a PDF make grey masters.
    assert pyvips.Image.new_from_file(str(storage.master_path(result.object.pk, 3))).bands == 1


def test_a_colour_pdf_page_keeps_its_colour(network, provincial_librarian, tmp_path):
    from reportlab.pdfgen import canvas

    path = tmp_path / "mau.pdf"
    pdf = canvas.Canvas(str(path), pagesize=(200, 300))
    pdf.setFillColorRGB(0.8, 0.1, 0.1)
    pdf.rect(20, 20, 100, 100, fill=1)
    pdf.drawString(20, 250, "Bản đồ màu")
    pdf.save()
    result = ingest_paths([path], library=network["prov"], actor=provincial_librarian, title="Bản đồ")
    page = result.object.pages.get()
    # No scan inside: rendered at 300 dpi.
    assert (page.width, page.height) == (834, 1250)  # 200 × 300 pt at 300 dpi, rounded up by pdfium
    assert pyvips.Image.new_from_file(str(storage.master_path(result.object.pk, 1))).bands == 3


def test_append_to_an_existing_object(network, provincial_librarian, pngs, tmp_path):
    first = ingest_paths(pngs[:2], library=network["prov"], actor=provincial_librarian, title="Gia phả")
    more = write_pages(["Trang bổ sung"], tmp_path / "more", fmt="png", dpi=72)
    second = ingest_paths(more, actor=provincial_librarian, obj=first.object)
    assert second.object.pk == first.object.pk
    assert list(first.object.pages.order_by("seq").values_list("seq", "label")) == [
        (1, "1"),
        (2, "2"),
        (3, "3"),
    ]
    second.object.refresh_from_db()
    assert second.object.page_count == 3
    assert storage.master_path(first.object.pk, 3).exists()
    assert DigitalObject.objects.count() == 1


def test_a_bad_file_last_leaves_nothing(network, provincial_librarian, pngs, tmp_path):
    bad = tmp_path / "cuoi.png"
    bad.write_bytes(pngs[0].read_bytes()[:300])
    with pytest.raises(IngestError, match="cuoi.png"):
        ingest_paths([*pngs, bad], library=network["prov"], actor=provincial_librarian, title="Hỏng")
    assert DigitalObject.objects.count() == 0 and Page.objects.count() == 0
    assert _files(storage.root()) == []


class Boom(Exception):
    pass


@pytest.fixture
def failing_commit(monkeypatch):
    """Make the last write of the commit phase fail, after the files have been moved into place."""
    from thuvien.digital import ingest

    real = ingest.audit.record
    switch = {"armed": True}

    def record(type, **kwargs):
        if type == "digital.object.ingested" and switch["armed"]:
            raise Boom
        return real(type, **kwargs)

    monkeypatch.setattr(ingest.audit, "record", record)
    return switch


def test_a_failure_while_committing_a_new_object_leaves_nothing(
    network, provincial_librarian, pngs, failing_commit
):
    with pytest.raises(Boom):
        ingest_paths(pngs, library=network["prov"], actor=provincial_librarian, title="Dở dang")
    assert DigitalObject.objects.count() == 0 and Page.objects.count() == 0
    assert _files(storage.root()) == []


def test_a_failure_while_appending_leaves_the_object_as_it_was(
    network, provincial_librarian, pngs, monkeypatch
):
    first = ingest_paths(pngs[:1], library=network["prov"], actor=provincial_librarian, title="Gia phả")
    before = _files(storage.root())
    monkeypatch.setattr(
        "thuvien.digital.ingest.audit.record", lambda type, **kw: (_ for _ in ()).throw(Boom())
    )
    with pytest.raises(Boom):
        ingest_paths(pngs[1:], actor=provincial_librarian, obj=first.object)
    assert first.object.pages.count() == 1
    assert _files(storage.root()) == before


def test_labels_and_toc(network, provincial_librarian, pngs):
    result = ingest_paths(
        pngs, library=network["prov"], actor=provincial_librarian, title="Sách", labels=["bìa", "i", "1"],
        toc=[{"label": "Chương 1", "page": 3}],
    )  # fmt: skip
    assert list(result.object.pages.values_list("label", flat=True)) == ["bìa", "i", "1"]
    assert result.object.toc == [{"label": "Chương 1", "page": 3}]
    with pytest.raises(IngestError, match="3 trang nhưng 1 nhãn"):
        ingest_paths(pngs, library=network["prov"], actor=provincial_librarian, title="Sách", labels=["x"])


def test_exif_rotation_16_bit_and_alpha_are_normalised(network, provincial_librarian, tmp_path):
    base = render_page("Ảnh chụp", dpi=72)  # portrait, 1 band
    rotated = tmp_path / "chup.jpg"
    sideways = base.rot90().copy()
    sideways.set_type(pyvips.GValue.gint_type, "orientation", 8)  # "turn 90° anticlockwise to view"
    sideways.jpegsave(str(rotated))
    deep = tmp_path / "sau.png"
    (base.cast("ushort") * 257).copy(interpretation="grey16").pngsave(str(deep))
    clear = tmp_path / "trong.png"
    base.bandjoin([base, base, 128]).copy(interpretation="srgb").pngsave(str(clear))
    result = ingest_paths(
        [rotated, deep, clear], library=network["prov"], actor=provincial_librarian, title="Ảnh"
    )
    pages = list(result.object.pages.order_by("seq"))
    assert (pages[0].width, pages[0].height) == (base.width, base.height)  # upright again
    for page in pages:
        master = pyvips.Image.new_from_file(str(storage.master_path(result.object.pk, page.seq)))
        assert master.format == "uchar" and master.bands in (1, 3) and not master.hasalpha()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_ocr_runs_after_the_ingest_commits(network, provincial_librarian, tmp_path, settings):
    import shutil as sh

    if sh.which(settings.DIGITAL_TESSERACT) is None:
        pytest.skip("tesseract is not installed (Debian: apt-get install tesseract-ocr tesseract-ocr-vie)")
    settings.DIGITAL_OCR_ON_INGEST = True
    path = write_pages(["Thư viện tỉnh Ninh Bình"], tmp_path / "ocr", fmt="png", dpi=200)
    result = ingest_paths(path, library=network["prov"], actor=provincial_librarian, title="Nhận dạng")
    page = Page.objects.get(object=result.object)
    # Queued tasks run at once in tests: the page was read once the rows were committed.
    assert page.ocr_status == "done" and "Ninh" in page.text
    assert DigitalObject.objects.get().stage == Stage.OCR
