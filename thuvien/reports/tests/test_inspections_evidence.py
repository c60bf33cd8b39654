"""Evidence uploads are untrusted: type from the bytes, size bounds, ClamAV, random stored names, all or nothing."""

from __future__ import annotations

import hashlib
import io
import unicodedata

import pytest

from thuvien.audit.models import AuditEntry
from thuvien.digital.tests.clamd_peer import EICAR, SIGNATURE, ClamdPeer, closed_address
from thuvien.digital.tests.test_clamd import own_clamd  # noqa: F401 (a real clamd, skipped when not installed)
from thuvien.reports import evidence, inspections
from thuvien.reports.evidence import DOCX, JPEG, PDF, PNG, XLSX, EvidenceError
from thuvien.reports.models import Evidence
from thuvien.reports.tests import inspections_cast as cast
from thuvien.reports.tests.inspections_cast import (
    JPEG_BYTES,
    PDF_BYTES,
    PNG_BYTES,
    inspection_of,
    items_of,
    office_zip,
    pdf,
    stored_files,
    upload,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db

media = cast.media
opened = cast.opened


@pytest.fixture
def answer(opened, network, commune_librarian):
    return inspections.answer_for(
        inspection_of(opened, network["commune"]), commune_librarian, items_of(opened)[0]
    )


def nothing_kept(media, answer):
    assert not Evidence.objects.filter(answer=answer).exists()
    assert stored_files(media) == []
    assert not AuditEntry.objects.filter(type="reports.evidence.added").exists()


def test_an_allowed_pdf_is_stored_under_a_random_name(answer, commune_librarian, media):
    sent_name = unicodedata.normalize("NFD", "Biên bản kiểm kê\x07.pdf")
    row = inspections.add_evidence(answer, commune_librarian, upload(sent_name, PDF_BYTES, "text/html"))
    assert (row.filename, row.content_type, row.size) == ("Biên bản kiểm kê.pdf", PDF, len(PDF_BYTES))
    assert row.sha256 == hashlib.sha256(PDF_BYTES).hexdigest() and row.uploaded_by == commune_librarian
    # Stored as inspections/<year>/<uuid>.pdf, not under the name sent.
    assert row.file.name.startswith("inspections/") and row.file.name.endswith(".pdf")
    stem = row.file.name.rsplit("/", 1)[1].removesuffix(".pdf")
    assert len(stem) == 32 and all(c in "0123456789abcdef" for c in stem)
    (path,) = stored_files(media)
    assert path.read_bytes() == PDF_BYTES
    entry = AuditEntry.objects.get(type="reports.evidence.added")
    assert entry.data["sha256"] == row.sha256 and entry.data["evidence"] == row.pk


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("anh.jpg", JPEG_BYTES, JPEG),
        ("anh-chup.png", PNG_BYTES, PNG),
        ("khong-duoi", PNG_BYTES, PNG),  # no extension: the bytes tell
        ("bao-cao.docx", office_zip("word/document.xml"), DOCX),
        ("so-lieu.xlsx", None, XLSX),
    ],
)
def test_the_accepted_types_are_read_from_the_bytes(
    answer, commune_librarian, media, name, data, content_type
):
    data = xlsx_bytes() if data is None else data
    row = inspections.add_evidence(answer, commune_librarian, upload(name, data))
    assert row.content_type == content_type
    assert row.file.name.endswith(evidence.EXTENSIONS[content_type])


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("bien-ban.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\0" * 200, "loại tệp không được nhận"),
        ("anh.png", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "loại tệp không được nhận"),
        ("anh.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "loại tệp không được nhận"),
        ("ghi-chu.txt", "Văn bản thường".encode(), "loại tệp không được nhận"),
        ("nen.zip", office_zip("readme.txt", content_types=False), "tệp nén ZIP không được nhận"),
        ("trinh-chieu.docx", office_zip("ppt/presentation.xml"), "chỉ nhận tài liệu Office dạng Word"),
        (
            "macro.docx",
            office_zip("word/document.xml", extra={"word/vbaProject.bin": b"\0"}),
            "có chứa macro",
        ),
        ("hong.docx", b"PK\x03\x04" + b"\x00" * 100, "tệp hỏng"),
        ("rong.pdf", b"", "tệp rỗng"),
    ],
)
def test_disguised_and_unwanted_files_are_refused(answer, commune_librarian, media, name, data, message):
    with pytest.raises(EvidenceError, match=message) as refused:
        inspections.add_evidence(answer, commune_librarian, upload(name, data, "application/pdf"))
    assert f"«{name}»" in refused.value.message
    nothing_kept(media, answer)


def test_an_oversize_file_is_refused(answer, commune_librarian, media):
    big = PDF_BYTES + b"0" * (evidence.MAX_FILE_BYTES - len(PDF_BYTES) + 1)
    with pytest.raises(EvidenceError, match="lớn hơn giới hạn 20 MB") as refused:
        inspections.add_evidence(answer, commune_librarian, pdf("lon.pdf", big))
    assert refused.value.code == "size"
    nothing_kept(media, answer)


def test_a_file_lying_about_its_size_is_measured(answer, commune_librarian, media):
    liar = pdf("nho.pdf", PDF_BYTES + b"0" * (evidence.MAX_FILE_BYTES + 10))
    liar.size = 10
    with pytest.raises(EvidenceError, match="lớn hơn giới hạn"):
        inspections.add_evidence(answer, commune_librarian, liar)
    nothing_kept(media, answer)


def test_a_batch_with_one_bad_file_keeps_nothing(answer, commune_librarian, media):
    with pytest.raises(EvidenceError, match="«virus.pdf»"):
        inspections.add_evidence_files(
            answer,
            commune_librarian,
            [pdf("tot.pdf"), upload("virus.pdf", b"MZ" + b"\0" * 50), pdf("tot2.pdf")],
        )
    nothing_kept(media, answer)


def test_a_database_failure_after_storing_removes_the_files(answer, commune_librarian, media, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(inspections, "audit", broken)
    with pytest.raises(RuntimeError):
        inspections.add_evidence_files(answer, commune_librarian, [pdf("a.pdf"), pdf("b.pdf")])
    assert not Evidence.objects.exists() and stored_files(media) == []


def test_removing_evidence_deletes_the_file(
    answer, commune_librarian, media, django_capture_on_commit_callbacks
):
    row = inspections.add_evidence(answer, commune_librarian, pdf())
    with django_capture_on_commit_callbacks(execute=True):
        inspections.remove_evidence(row, commune_librarian)
    assert not Evidence.objects.exists() and stored_files(media) == []
    assert AuditEntry.objects.get(type="reports.evidence.removed").data["name"] == "bien-ban.pdf"


def test_download_name_ends_in_the_real_type():
    assert evidence.download_name("bien-ban.pdf", PDF) == "bien-ban.pdf"
    assert evidence.download_name("anh.jpeg", JPEG) == "anh.jpeg"
    assert evidence.download_name("anh.png", JPEG) == "anh.png.jpg"
    assert evidence.download_name("bao-cao", DOCX) == "bao-cao.docx"


def test_sniff_reads_no_further_than_needed():
    assert evidence.sniff(io.BytesIO(b"%PDF-1.7 ..."), "a") == PDF
    with pytest.raises(EvidenceError):
        evidence.sniff(io.BytesIO(b" %PDF-1.7 leading junk"), "a")


# ClamAV -----------------------------------------------------------------------------------------------------


@pytest.fixture
def peer():
    with ClamdPeer() as running:
        yield running


def test_clean_files_are_scanned(answer, commune_librarian, media, peer, settings):
    settings.DIGITAL_CLAMD = peer.address
    inspections.add_evidence_files(answer, commune_librarian, [pdf("a.pdf"), upload("b.png", PNG_BYTES)])
    assert peer.scanned == 2 and Evidence.objects.count() == 2


def test_an_infected_file_is_refused_and_audited(answer, network, commune_librarian, media, peer, settings):
    settings.DIGITAL_CLAMD = peer.address
    infected = pdf("nhiem.pdf", PDF_BYTES + EICAR)
    with pytest.raises(EvidenceError, match=rf"«nhiem\.pdf»: phát hiện mã độc \({SIGNATURE}\)") as refused:
        inspections.add_evidence_files(answer, commune_librarian, [pdf("sach.pdf"), infected])
    assert refused.value.code == "infected"
    nothing_kept(media, answer)
    entry = AuditEntry.objects.get(type="reports.evidence.infected")
    assert (entry.actor, entry.library, entry.data["virus"], entry.data["name"]) == (
        commune_librarian,
        network["commune"],
        SIGNATURE,
        "nhiem.pdf",
    )
    assert entry.data["sha256"] == hashlib.sha256(PDF_BYTES + EICAR).hexdigest()


def test_an_unreachable_clamd_refuses_the_upload(answer, commune_librarian, media, settings):
    settings.DIGITAL_CLAMD = closed_address()
    with pytest.raises(EvidenceError, match="Không kết nối được trình quét virus ClamAV"):
        inspections.add_evidence(answer, commune_librarian, pdf())
    nothing_kept(media, answer)


def test_a_file_past_clamds_stream_limit_is_refused(answer, commune_librarian, media, settings):
    with ClamdPeer(stream_max_length=50) as small:
        settings.DIGITAL_CLAMD = small.address
        with pytest.raises(EvidenceError, match="giới hạn kích thước quét của ClamAV"):
            inspections.add_evidence(answer, commune_librarian, pdf())
    nothing_kept(media, answer)


def test_a_real_clamd_finds_eicar(own_clamd, answer, commune_librarian, media, settings):  # noqa: F811
    settings.DIGITAL_CLAMD = own_clamd
    assert inspections.add_evidence(answer, commune_librarian, pdf("sach.pdf")).content_type == PDF
    with pytest.raises(EvidenceError, match=r"«eicar\.pdf»: phát hiện mã độc \(Thuvien\.Test\.EICAR"):
        inspections.add_evidence(answer, commune_librarian, pdf("eicar.pdf", PDF_BYTES + EICAR))
    assert Evidence.objects.count() == 1 and len(stored_files(media)) == 1
    assert AuditEntry.objects.filter(type="reports.evidence.infected").count() == 1
