"""Exports: the XLSX form reads back with its figures, the PDF renders with Vietnamese text, CSV, summaries."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from thuvien.reports import exports, statistics
from thuvien.reports.models import LibraryProfile, StatisticsReport
from thuvien.reports.periods import Period
from thuvien.reports.statistics_queries import summary_reports
from thuvien.reports.tests.statistics_cast import approved, filled, submitted

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(network, commune_librarian, manager):
    LibraryProfile.objects.create(library=network["commune"], governing_body="Ủy ban nhân dân xã Hòa Bình")
    return approved(network["commune"], commune_librarian, manager)


def by_row_code(ws) -> dict[str, object]:
    """Column C holds the row code (Mã số), column E the figure."""
    return {ws.cell(r, 3).value: ws.cell(r, 5) for r in range(1, ws.max_row + 1) if ws.cell(r, 3).value}


def sheet_text(ws) -> str:
    return "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)


# --- one report --------------------------------------------------------------------------------------


def test_xlsx_reads_back_with_the_figures_as_numbers(report):
    ws = load_workbook(io.BytesIO(exports.report_xlsx(report))).active
    cells = by_row_code(ws)
    assert cells["06"].value == 1200 and cells["06"].data_type == "n"  # visits
    assert cells["12"].value == 40.5  # opening hours a week
    assert cells["16"].value == 150_000_000 and cells["16"].number_format == "#,##0"
    assert cells["01"].value == 0  # system figure (an empty library)
    assert cells["11"].value.startswith("Ngày hội đọc sách")
    for f in statistics.FIELDS:
        if f.is_number:
            assert cells[f.row].value == report.figures[f.code], f.code
    # The header block, title, period, table headings and signature block of the official form.
    assert ws["A1"].value == "Cơ quan chủ quản: Ủy ban nhân dân xã Hòa Bình"
    assert ws["A2"].value == "Đơn vị báo cáo: Thư viện xã Hòa Bình"
    assert ws["A3"].value == "Mã thư viện: VN-TST-XA"
    assert ws["A4"].value == "Đơn vị nhận báo cáo: Thư viện tỉnh Thử Nghiệm"
    assert ws["C1"].value == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert ws["A6"].value == "BÁO CÁO THỐNG KÊ HOẠT ĐỘNG THƯ VIỆN"
    assert ws["A7"].value.startswith("Kỳ báo cáo: Quý II năm 2025 (từ ngày 01/04/2025 đến ngày 30/06/2025)")
    assert [ws.cell(10, c).value for c in range(1, 6)] == [
        "STT",
        "Chỉ tiêu",
        "Mã số",
        "Đơn vị tính",
        "Số liệu",
    ]
    assert (ws["A11"].value, ws["B11"].value) == ("I", "VỐN TÀI LIỆU")
    text = sheet_text(ws)
    assert "Người lập biểu" in text and "Thủ trưởng đơn vị" in text and "ngày" in text and "tháng" in text
    assert "Thuyết minh: Số liệu lượt đến theo sổ ra vào." in text


def test_typed_text_never_becomes_a_formula(network, commune_librarian):
    report = filled(network["commune"], commune_librarian, events_detail='=HYPERLINK("http://x")')
    ws = load_workbook(io.BytesIO(exports.report_xlsx(report))).active
    cell = by_row_code(ws)["11"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
    rows = list(csv.reader(io.StringIO(exports.report_csv(report).decode("utf-8-sig"))))
    assert next(r for r in rows if r[0] == "11")[4].startswith("'=")


def test_csv_is_utf8_with_bom_one_line_per_figure(report):
    content = exports.report_csv(report)
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == ["Mã số", "Mã trường", "Chỉ tiêu", "Đơn vị tính", "Số liệu"]
    assert len(rows) == 1 + len(statistics.FIELDS)
    visits = next(r for r in rows if r[1] == "visits")
    assert visits == ["06", "visits", "Lượt bạn đọc đến thư viện", "lượt", "1200"]
    assert next(r for r in rows if r[1] == "opening_hours_week")[4] == "40.5"


def test_pdf_renders_with_the_library_name(report, tmp_path):
    import pypdfium2 as pdfium

    content = exports.report_pdf(report)
    assert content.startswith(b"%PDF")
    pdf = pdfium.PdfDocument(content)
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert "Thư viện xã Hòa Bình" in text  # Vietnamese letters survive (DejaVu, not a Latin-1 font)
    assert "BÁO CÁO THỐNG KÊ HOẠT ĐỘNG THƯ VIỆN" in text
    assert "1.200" in text and "150.000.000" in text and "40,5" in text
    assert "Người lập biểu" in text
    pdf.close()

    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed: the PDF's rendering to PNG is not checked")
    import pyvips

    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "50", str(path), str(tmp_path / "page")], check=True, timeout=60
    )
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages
    image = pyvips.Image.new_from_file(str(pages[0]))
    assert image.width > 300 and image.avg() < 255  # something is drawn on the page


def test_pdf_without_its_fonts_fails_with_a_clear_error(report, monkeypatch, tmp_path):
    monkeypatch.setattr(exports, "FONT_DIR", tmp_path)
    with pytest.raises(exports.ExportError, match="DejaVuSans.ttf"):
        exports.report_pdf(report)


def test_a_draft_exports_too_with_its_status(network, commune_librarian):
    report = filled(network["commune"], commune_librarian)
    ws = load_workbook(io.BytesIO(exports.report_xlsx(report))).active
    assert ws["A8"].value == "Trạng thái: Đang soạn"
    assert by_row_code(ws)["06"].value == 1200
    assert exports.filename(report, "xlsx") == "bao-cao-thong-ke-VN-TST-XA-2025-Q2.xlsx"


# --- a period's summary ------------------------------------------------------------------------------


@pytest.fixture
def period_reports(network, commune_librarian, provincial_librarian, manager, other_library_staff):
    from conftest import _staff

    school_librarian = _staff("truong", network["school"], "circulation")
    commune = approved(network["commune"], commune_librarian, manager)
    school = approved(network["school"], school_librarian, provincial_librarian, visits="800",
                      opening_hours_week="30", floor_area_m2="60,5")  # fmt: skip
    waiting = submitted(network["prov"], provincial_librarian, visits="10.000")
    other = approved(
        network["other_prov"], other_library_staff, _staff("so.khac", network["other_prov"], "manager")
    )
    filled(network["commune"], commune_librarian, period=Period(2025, 1))  # another period
    return {"commune": commune, "school": school, "waiting": waiting, "other": other}


def test_summary_totals_the_approved_reports_of_the_scope(period_reports, manager):
    reports = summary_reports(manager, "quarter", 2025, 2)
    assert [r.library.code for r in reports] == [
        "VN-TST-THPT",
        "VN-TST-XA",
    ]  # by path; the other province is out
    table = exports.summarise(reports)
    assert table.totals["visits"] == 2000
    assert table.totals["floor_area_m2"] == 180.5
    assert table.totals["opening_hours_week"] is None  # hours a week do not add up over libraries
    assert "events_detail" not in [f.code for f in table.fields]

    ws = load_workbook(io.BytesIO(exports.summary_xlsx(table, period="Quý II năm 2025", scope="Tỉnh"))).active
    assert ws["A1"].value == "TỔNG HỢP BÁO CÁO THỐNG KÊ HOẠT ĐỘNG THƯ VIỆN"
    headings = [ws.cell(6, c).value for c in range(1, ws.max_column + 1)]
    codes = [ws.cell(7, c).value for c in range(1, ws.max_column + 1)]
    visits = codes.index("06") + 1
    assert headings[visits - 1] == "Lượt bạn đọc đến thư viện (lượt)"
    rows = {ws.cell(r, 2).value: r for r in range(8, ws.max_row + 1)}
    assert ws.cell(rows["VN-TST-XA"], visits).value == 1200
    assert ws.cell(rows["VN-TST-THPT"], visits).value == 800
    assert ws.cell(rows["VN-TST-THPT"], 3).value == "Thư viện Trường THPT Lê Quý Đôn"
    total_row = ws.max_row
    assert ws.cell(total_row, 3).value == "Tổng cộng"
    assert ws.cell(total_row, visits).value == 2000  # a value, readable without Excel recalculating
    assert ws.cell(total_row, codes.index("16") + 1).value == 300_000_000
    assert ws.cell(total_row, codes.index("12") + 1).value is None


def test_summary_may_include_submitted_reports(period_reports, manager):
    reports = summary_reports(manager, "quarter", 2025, 2, include_submitted=True)
    assert [r.library.code for r in reports] == ["VN-TST", "VN-TST-THPT", "VN-TST-XA"]
    assert exports.summarise(reports).totals["visits"] == 12000


def test_summary_csv(period_reports, manager):
    table = exports.summarise(summary_reports(manager, "quarter", 2025, 2))
    content = exports.summary_csv(table)
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Mã thư viện", "Tên thư viện", "Trạng thái"]
    visits = rows[0].index("06 Lượt bạn đọc đến thư viện (lượt)")
    assert [r[visits] for r in rows[1:]] == ["800", "1200", "2000"]
    assert rows[-1][1] == "Tổng cộng"


def test_summary_of_a_provincial_admin_covers_his_subtree(period_reports, provincial_librarian):
    codes = [r.library.code for r in summary_reports(provincial_librarian, "quarter", 2025, 2)]
    assert codes == ["VN-TST-THPT", "VN-TST-XA"]
    assert StatisticsReport.objects.filter(library__code="VN-KHAC", status="approved").exists()


def test_pdf_with_the_longest_texts_still_renders(network, commune_librarian):
    import pypdfium2 as pdfium

    long_text = "Ngày hội đọc sách, câu lạc bộ đọc sách thiếu nhi, trưng bày sách mới. " * 28
    report = filled(network["commune"], commune_librarian, events_detail=long_text[: statistics.MAX_TEXT])
    report.note = "Thuyết minh dài. " * 290
    content = exports.report_pdf(report)
    pdf = pdfium.PdfDocument(content)
    assert len(pdf) >= 2
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert "xem dưới bảng" in text and "Người lập biểu" in text
    pdf.close()
