"""Exports of the statistics reports: one report as XLSX, PDF or CSV laid out like the official form, and a
period's summary over a reviewer's scope (rows = libraries, columns = figures) as XLSX or CSV.

Numbers stay numbers in XLSX (the department sums them), totals are computed values rather than formulas
so the file reads back without Excel recalculating it. What people typed (notes, library names) is written
as text, never as a formula, in XLSX and CSV alike.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _

from thuvien.reports import statistics
from thuvien.reports.models import LibraryProfile, StatisticsReport

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_REGULAR = "DejaVuSans.ttf"
FONT_BOLD = "DejaVuSans-Bold.ttf"

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_TYPE = "application/pdf"
CSV_TYPE = "text/csv; charset=utf-8"
LONG_TEXT = 160  # characters of a text figure the PDF's table cell holds; longer ones go below the table


class ExportError(Exception):
    """An export that cannot be produced on this server (a missing font); the message says what to install."""


# ---------------------------------------------------------------------------------------------------
# What every layout shows


@dataclass(frozen=True)
class Header:
    governing: str  # cơ quan chủ quản
    library_name: str
    library_code: str
    receiver: str  # đơn vị nhận báo cáo: the level above
    period: str
    period_dates: str
    status: str
    place: str
    date_line: str
    preparer: str


def _date_line(place: str, day) -> str:
    place = place or "…………"
    if day is None:
        return _("%(place)s, ngày …… tháng …… năm ……") % {"place": place}
    return _("%(place)s, ngày %(d)s tháng %(m)s năm %(y)s") % {
        "place": place, "d": f"{day.day:02d}", "m": f"{day.month:02d}", "y": day.year
    }  # fmt: skip


def header(report: StatisticsReport) -> Header:
    """Collect the header and signature block of REPORT's form."""
    library = report.library
    parent = library.parent
    profile = LibraryProfile.objects.filter(library=library).first()
    governing = (profile.governing_body if profile else "") or (parent.name if parent else "")
    receiver = parent.name if parent else _("Sở Văn hóa, Thể thao và Du lịch")
    period = statistics.period_of(report)
    place = library.admin_unit.name if library.admin_unit_id else ""
    submitted = timezone.localtime(report.submitted_at).date() if report.submitted_at else None
    preparer = ""
    if report.submitted_by_id:
        user = report.submitted_by
        preparer = user.get_full_name() or user.get_username()
    return Header(
        governing=governing,
        library_name=library.name,
        library_code=library.code,
        receiver=receiver,
        period=statistics.report_period_label(report),
        period_dates=_("từ ngày %(start)s đến ngày %(end)s")
        % {"start": period.start.strftime("%d/%m/%Y"), "end": period.end.strftime("%d/%m/%Y")},
        status=report.get_status_display(),
        place=place,
        date_line=_date_line(place, submitted),
        preparer=preparer,
    )


def filename(report: StatisticsReport, extension: str) -> str:
    period = f"{report.year}-Q{report.quarter}" if report.quarter else str(report.year)
    return f"bao-cao-thong-ke-{report.library.code}-{period}.{extension}"


def _title() -> str:
    return _("BÁO CÁO THỐNG KÊ HOẠT ĐỘNG THƯ VIỆN")


def _table_headings() -> list[str]:
    return [_("STT"), _("Chỉ tiêu"), _("Mã số"), _("Đơn vị tính"), _("Số liệu")]


# ---------------------------------------------------------------------------------------------------
# XLSX


def _text(cell, value) -> None:
    """Write VALUE as text: openpyxl would take a leading "=" for a formula."""
    cell.value = value
    if cell.data_type == "f":
        cell.data_type = "s"


def _number_format(kind: str) -> str:
    return "#,##0" if kind == statistics.INT else "#,##0.00"


def report_xlsx(report: StatisticsReport) -> bytes:
    """Write REPORT as one sheet laid out like the official form; figures are numeric cells in column E."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    head = header(report)
    wb = Workbook()
    ws = wb.active
    ws.title = (f"{report.library.code} {report.year}" + (f" Q{report.quarter}" if report.quarter else ""))[
        :31
    ]
    for column, width in zip("ABCDE", (7, 58, 9, 13, 20), strict=True):
        ws.column_dimensions[column].width = width
    bold = Font(bold=True)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    wrap = Alignment(vertical="center", wrap_text=True)
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)

    def merged(row: int, first: str, last: str, value, font=None, align=None):
        ws.merge_cells(f"{first}{row}:{last}{row}")
        cell = ws[f"{first}{row}"]
        _text(cell, value)
        if font:
            cell.font = font
        if align:
            cell.alignment = align
        return cell

    merged(
        1, "A", "B", (_("Cơ quan chủ quản: %(name)s") % {"name": head.governing}) if head.governing else ""
    )
    merged(1, "C", "E", _("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), bold, center)
    merged(2, "A", "B", _("Đơn vị báo cáo: %(name)s") % {"name": head.library_name}, bold)
    merged(2, "C", "E", _("Độc lập - Tự do - Hạnh phúc"), bold, center)
    merged(3, "A", "B", _("Mã thư viện: %(code)s") % {"code": head.library_code})
    merged(4, "A", "B", _("Đơn vị nhận báo cáo: %(name)s") % {"name": head.receiver})
    merged(6, "A", "E", _title(), Font(bold=True, size=14), center)
    merged(7, "A", "E", _("Kỳ báo cáo: %(period)s (%(dates)s)") % {"period": head.period, "dates": head.period_dates},
           None, center)  # fmt: skip
    merged(8, "A", "E", _("Trạng thái: %(status)s") % {"status": head.status}, Font(italic=True), center)

    row = 10
    for column, heading in zip("ABCDE", _table_headings(), strict=True):
        cell = ws[f"{column}{row}"]
        cell.value = heading
        cell.font = bold
        cell.alignment = center
        cell.border = box
    for line in statistics.rows(report):
        row += 1
        for column in "ABCDE":
            ws[f"{column}{row}"].border = box
        if line.field is None:
            ws[f"A{row}"] = line.section.number
            ws[f"A{row}"].alignment = center
            _text(ws[f"B{row}"], str(line.section.title).upper())
            ws[f"A{row}"].font = ws[f"B{row}"].font = bold
            continue
        f = line.field
        ws[f"A{row}"] = line.number
        ws[f"A{row}"].alignment = center
        _text(ws[f"B{row}"], str(f.label))
        ws[f"B{row}"].alignment = wrap
        ws[f"C{row}"] = f.row
        ws[f"C{row}"].alignment = center
        _text(ws[f"D{row}"], str(f.unit))
        ws[f"D{row}"].alignment = center
        value = ws[f"E{row}"]
        if f.is_number:
            value.value = line.value
            value.number_format = _number_format(f.kind)
        else:
            _text(value, line.value or "")
            value.alignment = wrap

    row += 2
    if report.note:
        ws.merge_cells(f"A{row}:E{row}")
        _text(ws[f"A{row}"], _("Thuyết minh: %(note)s") % {"note": report.note})
        ws[f"A{row}"].alignment = wrap
        ws.row_dimensions[row].height = min(15 * (1 + len(report.note) // 90), 300)
        row += 2
    merged(row, "C", "E", head.date_line, Font(italic=True), center)
    row += 1
    merged(row, "A", "B", _("Người lập biểu"), bold, center)
    merged(row, "C", "E", _("Thủ trưởng đơn vị"), bold, center)
    row += 1
    merged(row, "A", "B", _("(Ký, ghi rõ họ tên)"), Font(italic=True), center)
    merged(row, "C", "E", _("(Ký, ghi rõ họ tên, đóng dấu)"), Font(italic=True), center)
    row += 5
    merged(row, "A", "B", head.preparer, bold, center)

    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "10:10"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------------
# PDF


_fonts_registered = False


def _register_fonts() -> tuple[str, str]:
    """Register the DejaVu fonts (they carry every Vietnamese letter); ExportError when they are missing."""
    global _fonts_registered
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    regular, bold = FONT_DIR / FONT_REGULAR, FONT_DIR / FONT_BOLD
    missing = [str(p) for p in (regular, bold) if not p.is_file()]
    if missing:
        raise ExportError(
            _("Không xuất được PDF: thiếu phông chữ %(files)s (cài gói fonts-dejavu-core).")
            % {"files": ", ".join(missing)}
        )
    if not _fonts_registered:
        pdfmetrics.registerFont(TTFont("DejaVuSans", str(regular)))
        pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(bold)))
        addMapping("DejaVuSans", 0, 0, "DejaVuSans")
        addMapping("DejaVuSans", 1, 0, "DejaVuSans-Bold")
        _fonts_registered = True
    return "DejaVuSans", "DejaVuSans-Bold"


def report_pdf(report: StatisticsReport) -> bytes:
    """Write REPORT as an A4 PDF laid out like the official form, in DejaVu fonts so Vietnamese renders."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    regular, bold = _register_fonts()
    head = header(report)
    base = ParagraphStyle("base", fontName=regular, fontSize=9.5, leading=12)
    strong = ParagraphStyle("strong", parent=base, fontName=bold)
    centered = ParagraphStyle("centered", parent=base, alignment=TA_CENTER)
    centered_bold = ParagraphStyle("centered_bold", parent=centered, fontName=bold)
    title = ParagraphStyle(
        "title", parent=centered_bold, fontSize=14, leading=18, spaceBefore=8, spaceAfter=4
    )
    right = ParagraphStyle("right", parent=base, alignment=TA_RIGHT)

    def p(text, style=base):
        return Paragraph(escape(str(text)), style)

    left = [p(_("Cơ quan chủ quản: %(name)s") % {"name": head.governing})] if head.governing else []
    left += [
        p(_("Đơn vị báo cáo: %(name)s") % {"name": head.library_name}, strong),
        p(_("Mã thư viện: %(code)s") % {"code": head.library_code}),
        p(_("Đơn vị nhận báo cáo: %(name)s") % {"name": head.receiver}),
    ]
    nation = [
        p(_("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), centered_bold),
        p(_("Độc lập - Tự do - Hạnh phúc"), centered_bold),
    ]
    width = A4[0] - 30 * mm
    story = [
        Table(
            [[left, nation]],
            colWidths=[width * 0.52, width * 0.48],
            style=[("VALIGN", (0, 0), (-1, -1), "TOP")],
        ),
        Spacer(1, 6 * mm),
        p(_title(), title),
        p(
            _("Kỳ báo cáo: %(period)s (%(dates)s)") % {"period": head.period, "dates": head.period_dates},
            centered,
        ),
        p(_("Trạng thái: %(status)s") % {"status": head.status}, centered),
        Spacer(1, 4 * mm),
    ]

    data = [[p(h, centered_bold) for h in _table_headings()]]
    style = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
    ]
    long_texts = []
    for line in statistics.rows(report):
        if line.field is None:
            heading = [p(line.section.number, centered_bold), p(str(line.section.title).upper(), strong)]
            data.append([*heading, "", "", ""])
            style.append(("SPAN", (1, len(data) - 1), (4, len(data) - 1)))
            continue
        f = line.field
        value = statistics.display_value(f, line.value)
        if not f.is_number and len(value) > LONG_TEXT:
            # A table row cannot break across pages: a long text goes below the table, where it can.
            long_texts.append((f, value))
            value = _("xem dưới bảng")
        data.append([
            p(line.number, centered), p(f.label), p(f.row, centered), p(f.unit, centered),
            p(value, right if f.is_number else base),
        ])  # fmt: skip
    widths = [12 * mm, width - 12 * mm - 15 * mm - 22 * mm - 34 * mm, 15 * mm, 22 * mm, 34 * mm]
    story.append(Table(data, colWidths=widths, repeatRows=1, style=TableStyle(style)))
    for f, value in long_texts:
        story += [Spacer(1, 3 * mm), p(f"{f.row}. {f.label}: {value}")]
    if report.note:
        story += [Spacer(1, 4 * mm), p(_("Thuyết minh: %(note)s") % {"note": report.note})]
    italic_center = ParagraphStyle("italic_center", parent=centered, textColor=colors.HexColor("#333333"))
    signatures = [
        ["", p(head.date_line, italic_center)],
        [p(_("Người lập biểu"), centered_bold), p(_("Thủ trưởng đơn vị"), centered_bold)],
        [p(_("(Ký, ghi rõ họ tên)"), italic_center), p(_("(Ký, ghi rõ họ tên, đóng dấu)"), italic_center)],
        ["", ""],
        [p(head.preparer, centered_bold), ""],
    ]
    story += [
        Spacer(1, 6 * mm),
        KeepTogether(  # the date, titles and names of the signature block stay on one page
            Table(
                signatures,
                colWidths=[width / 2, width / 2],
                rowHeights=[None, None, None, 20 * mm, None],
                style=[("VALIGN", (0, 0), (-1, -1), "TOP")],
            )
        ),
    ]

    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm, bottomMargin=15 * mm,
        title=f"{_title()} — {head.library_name} — {head.period}", author=head.library_name,
    )  # fmt: skip
    doc.build(story)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------------
# CSV


def _csv_safe(value):
    """Keep a spreadsheet from running a typed text as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv_bytes(rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_csv_safe(v) if v is not None else "" for v in row])
    # The BOM tells Excel the file is UTF-8; without it Vietnamese letters come out garbled.
    return out.getvalue().encode("utf-8-sig")


def report_csv(report: StatisticsReport) -> bytes:
    """Write REPORT as CSV (UTF-8 with BOM): Mã số, field code, label, unit, value; one line per figure."""
    rows: list[list] = [[_("Mã số"), _("Mã trường"), _("Chỉ tiêu"), _("Đơn vị tính"), _("Số liệu")]]
    for f in statistics.FIELDS:
        rows.append([f.row, f.code, str(f.label), str(f.unit), report.figures.get(f.code)])
    return _csv_bytes(rows)


# ---------------------------------------------------------------------------------------------------
# A period's summary over a scope: the official tables


@dataclass
class Summary:
    """A period's reports as one table: a row per library, a column per numeric figure, and the totals."""

    fields: list[statistics.Field]
    reports: list[StatisticsReport]
    totals: dict[str, float | int | None]

    def cells(self, report: StatisticsReport) -> list:
        return [report.figures.get(f.code) for f in self.fields]

    def total_cells(self) -> list:
        return [self.totals.get(f.code) for f in self.fields]


def summarise(reports: list[StatisticsReport]) -> Summary:
    """Total each summable numeric figure over REPORTS (a figure nobody reported stays empty)."""
    fields = list(statistics.NUMBER_FIELDS)
    totals: dict = {}
    for f in fields:
        values = [r.figures.get(f.code) for r in reports]
        values = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
        if not f.summable or not values:
            totals[f.code] = None
        elif f.kind == statistics.INT:
            totals[f.code] = int(sum(values))
        else:
            totals[f.code] = round(sum(float(v) for v in values), 2)
    return Summary(fields, reports, totals)


def _column_heading(f: statistics.Field) -> str:
    return f"{f.label} ({f.unit})" if f.unit else str(f.label)


def summary_xlsx(summary: Summary, *, period: str, scope: str) -> bytes:
    """Write SUMMARY as one sheet: title block, headings, the row codes, a row per library, the totals row."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = _("Tổng hợp")[:31]
    bold = Font(bold=True)
    wrap = Alignment(horizontal="center", vertical="center", wrap_text=True)
    _text(ws["A1"], _("TỔNG HỢP BÁO CÁO THỐNG KÊ HOẠT ĐỘNG THƯ VIỆN"))
    ws["A1"].font = Font(bold=True, size=14)
    _text(ws["A2"], _("Kỳ báo cáo: %(period)s") % {"period": period})
    _text(ws["A3"], _("Phạm vi: %(scope)s") % {"scope": scope})
    _text(ws["A4"], _("Ngày xuất: %(date)s") % {"date": timezone.localdate().strftime("%d/%m/%Y")})

    headings = [_("STT"), _("Mã thư viện"), _("Tên thư viện"), _("Trạng thái")]
    first_figure = len(headings) + 1
    heading_row, code_row = 6, 7
    for i, heading in enumerate(headings + [_column_heading(f) for f in summary.fields], start=1):
        cell = ws.cell(heading_row, i)
        _text(cell, heading)
        cell.font = bold
        cell.alignment = wrap
    ws.cell(code_row, 1, _("Mã số")).font = Font(italic=True)
    for i, f in enumerate(summary.fields, start=first_figure):
        ws.cell(code_row, i, f.row).alignment = wrap
    row = code_row
    for number, report in enumerate(summary.reports, start=1):
        row += 1
        ws.cell(row, 1, number)
        _text(ws.cell(row, 2), report.library.code)
        _text(ws.cell(row, 3), report.library.name)
        _text(ws.cell(row, 4), report.get_status_display())
        for i, (f, value) in enumerate(
            zip(summary.fields, summary.cells(report), strict=True), start=first_figure
        ):
            cell = ws.cell(row, i, value)
            cell.number_format = _number_format(f.kind)
    row += 1
    ws.cell(row, 3, _("Tổng cộng")).font = bold
    for i, (f, value) in enumerate(
        zip(summary.fields, summary.total_cells(), strict=True), start=first_figure
    ):
        cell = ws.cell(row, i, value)
        cell.font = bold
        cell.number_format = _number_format(f.kind)

    ws.row_dimensions[heading_row].height = 60
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 16
    ws.column_dimensions["C"].width = 40
    ws.column_dimensions["D"].width = 18
    for i in range(first_figure, first_figure + len(summary.fields)):
        ws.column_dimensions[get_column_letter(i)].width = 16
    ws.freeze_panes = ws.cell(code_row + 1, first_figure)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def summary_csv(summary: Summary) -> bytes:
    """Write SUMMARY as CSV (UTF-8 with BOM): a row per library, then the totals row."""
    rows: list[list] = [
        [_("Mã thư viện"), _("Tên thư viện"), _("Trạng thái")]
        + [f"{f.row} {_column_heading(f)}" for f in summary.fields]
    ]
    for report in summary.reports:
        rows.append(
            [report.library.code, report.library.name, report.get_status_display(), *summary.cells(report)]
        )
    rows.append(["", _("Tổng cộng"), "", *summary.total_cells()])
    return _csv_bytes(rows)
