"""What the inspection tests share: an open round over the test province, uploads of each kind, media per test."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from conftest import _staff
from thuvien.reports import inspections
from thuvien.reports.tests.conftest import inspector, manager  # noqa: F401 (fixtures, for the staff tests too)

# Points 20 + 30 + 50 = 100, so a score reads as the points given. Item 1 needs evidence.
CHECKLIST = [
    ("Có trang web cung cấp dịch vụ trực tuyến", 20, True),
    ("Kết nối mục lục liên hợp của tỉnh", 30, False),
    ("Cán bộ thư viện được bồi dưỡng chuyên môn", 50, False),
]

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


@pytest.fixture
def media(settings, tmp_path):
    """Stored evidence per test, so a test can prove what was (not) written."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


def stored_files(media) -> list:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


@pytest.fixture
def other_inspector(network):
    """An inspector of the other province: refused everywhere in the test province."""
    return _staff("khac.kiemtra", network["other_prov"], "inspector")


@pytest.fixture
def opened(network, manager, media):  # noqa: F811
    """A round of the test province with the commune and the school assigned, due in a month."""
    today = timezone.localdate()
    return inspections.open_round(
        network["prov"], manager, "Kiểm tra chuyển đổi số năm 2026", 2026, today, today + dt.timedelta(days=30),
        CHECKLIST, [network["commune"], network["school"]], description="Theo Kế hoạch số 12/KH-SVHTT",
    )  # fmt: skip


def inspection_of(rnd, library):
    return rnd.inspections.get(library=library)


def items_of(rnd) -> list:
    return list(rnd.items.all())


def pdf(name: str = "bien-ban.pdf", data: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def office_zip(main_part: str, *, extra: dict | None = None, content_types: bool = True) -> bytes:
    """A minimal Office Open XML package whose main part is MAIN_PART (word/document.xml, xl/workbook.xml)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as z:
        if content_types:
            z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        z.writestr(main_part, '<?xml version="1.0"?><document/>')
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active["A1"] = "Số bản sách"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def answer_all(inspection, actor, *, evidence: bool = True) -> None:
    """The library answers every item "yes", with a PDF where evidence is required."""
    rnd = inspection.round
    answers = inspections.save_answers(
        inspection, actor, {item.pk: ("yes", f"Trả lời {item.position}") for item in items_of(rnd)}
    )
    if evidence:
        for item in items_of(rnd):
            if item.evidence_required:
                inspections.add_evidence(answers[item.pk], actor, pdf())


def points_for(rnd, *values) -> dict:
    return {item.pk: value for item, value in zip(items_of(rnd), values, strict=True)}


def answered(inspection, actor):
    answer_all(inspection, actor)
    return inspections.send_answers(inspection, actor)
