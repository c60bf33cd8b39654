"""The statistics report pages: a test per route for the anonymous, staff of another province, the librarian
of the library, the level above and the department; the form shows system figures and marks changes."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from conftest import _staff
from thuvien.reports.models import ReportStatus, StatisticsReport
from thuvien.reports.periods import Period
from thuvien.reports.tests.statistics_cast import TYPED, approved, filled, submitted

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(network):
    return _staff("so.quanly", network["prov"], "manager")


@pytest.fixture
def inspector(network):
    return _staff("so.kiemtra", network["prov"], "inspector")


@pytest.fixture
def school_librarian(network):
    return _staff("truong", network["school"], "circulation")


def url(name, *args):
    return reverse(f"staff_statistics:{name}", args=args)


def status_of(report) -> str:
    return StatisticsReport.objects.get(pk=report.pk).status


def assert_login_redirect(response):
    assert response.status_code == 302 and reverse("staff:login") in response["Location"]


# --- anonymous and another province: every route --------------------------------------------------


def routes(report):
    gets = [
        url("list"),
        url("create"),
        url("summary"),
        url("summary_export", "xlsx"),
        url("report", report.pk),
        url("export", report.pk, "xlsx"),
        url("export", report.pk, "pdf"),
        url("export", report.pk, "csv"),
    ]
    posts = [url("create"), url("save", report.pk), url("refresh", report.pk), url("submit", report.pk),
             url("return", report.pk), url("approve", report.pk)]  # fmt: skip
    return gets, posts


def test_anonymous_is_sent_to_sign_in_everywhere(client, network, commune_librarian):
    report = filled(network["commune"], commune_librarian)
    gets, posts = routes(report)
    for path in gets:
        assert_login_redirect(client.get(path))
    for path in posts:
        assert_login_redirect(client.post(path, {"comment": "x", "visits": "1"}))
    assert status_of(report) == "draft"


def test_staff_of_another_province_never_sees_the_report(
    client, network, commune_librarian, other_library_staff
):
    report = filled(network["commune"], commune_librarian)
    client.force_login(other_library_staff)
    gets, posts = routes(report)
    for path in gets[4:]:
        assert client.get(path).status_code == 404, path
    for path in posts[1:]:
        assert client.post(path, {"comment": "x", "visits": "1"}).status_code == 404, path
    listing = client.get(url("list"))
    assert listing.status_code == 200 and "Hòa Bình" not in listing.content.decode()
    assert client.get(url("summary")).status_code == 403  # he reviews no library
    report.refresh_from_db()
    assert report.status == "draft" and report.figures["visits"] == 1200


def test_a_user_without_a_reports_role_is_refused(client, network, commune_librarian):
    from thuvien.accounts.models import User

    reader_account = User.objects.create_user("ban-doc", password="mat-khau-thu-nghiem-1")  # noqa: S106
    client.force_login(reader_account)
    assert client.get(url("list")).status_code == 403


# --- list -----------------------------------------------------------------------------------------


def test_list_is_scoped_and_filtered(client, network, commune_librarian, school_librarian, manager):
    filled(network["commune"], commune_librarian)
    submitted(network["school"], school_librarian)
    filled(network["commune"], commune_librarian, period=Period(2025, 1))
    client.force_login(commune_librarian)
    text = client.get(url("list")).content.decode()
    assert "Thư viện xã Hòa Bình" in text and "Lê Quý Đôn" not in text  # never a sibling's report
    client.force_login(manager)
    text = client.get(url("list")).content.decode()
    assert "Thư viện xã Hòa Bình" in text and "Lê Quý Đôn" in text
    text = client.get(url("list"), {"status": "submitted"}).content.decode()
    assert "Lê Quý Đôn" in text and "<small>(VN-TST-XA)</small>" not in text
    text = client.get(url("list"), {"kind": "quarter", "quarter": "1", "year": "2025"}).content.decode()
    assert "Quý I năm 2025" in text and "Quý II năm 2025</a>" not in text
    text = client.get(url("list"), {"library": "VN-TST-THPT"}).content.decode()
    assert "Lê Quý Đôn" in text and "Quý I năm 2025" not in text
    assert client.get(url("list"), {"year": "abc", "status": "nope", "quarter": "9"}).status_code == 200


# --- create ---------------------------------------------------------------------------------------


def test_librarian_creates_a_report_prefilled(client, network, commune_librarian):
    client.force_login(commune_librarian)
    page = client.get(url("create"))
    assert page.status_code == 200 and "VN-TST-XA" in page.content.decode()
    response = client.post(
        url("create"), {"library": "VN-TST-XA", "kind": "quarter", "quarter": "2", "year": "2025"}
    )
    report = StatisticsReport.objects.get()
    assert response.status_code == 302 and response["Location"] == url("report", report.pk)
    assert (report.library, report.quarter, report.year, report.status) == (
        network["commune"],
        2,
        2025,
        "draft",
    )
    assert report.created_by == commune_librarian
    # A second time: the existing report opens instead.
    again = client.post(
        url("create"), {"library": "VN-TST-XA", "kind": "quarter", "quarter": "2", "year": "2025"}
    )
    assert again.status_code == 302 and again["Location"] == url("report", report.pk)
    assert StatisticsReport.objects.count() == 1


def test_create_refuses_another_library_and_a_bad_period(client, network, commune_librarian):
    client.force_login(commune_librarian)
    response = client.post(url("create"), {"library": "VN-TST-THPT", "kind": "year", "year": "2025"})
    assert response.status_code == 400 and "Chọn một thư viện" in response.content.decode()
    response = client.post(url("create"), {"library": "VN-TST-XA", "kind": "quarter", "year": "2025"})
    assert response.status_code == 400 and "Chọn kỳ báo cáo" in response.content.decode()
    response = client.post(url("create"), {"library": "VN-TST-XA", "kind": "year", "year": "2099"})
    assert response.status_code == 400 and "chưa bắt đầu" in response.content.decode()
    assert not StatisticsReport.objects.exists()


def test_the_department_does_not_create_reports(client, network, manager):
    client.force_login(manager)
    assert client.get(url("create")).status_code == 403
    assert (
        client.post(url("create"), {"library": "VN-TST-XA", "kind": "year", "year": "2025"}).status_code
        == 403
    )
    assert not StatisticsReport.objects.exists()


# --- the report page ------------------------------------------------------------------------------


def test_report_page_shows_the_form_with_system_figures_and_changes(client, network, commune_librarian):
    report = filled(network["commune"], commune_librarian, loans="12")
    client.force_login(commune_librarian)
    page = client.get(url("report", report.pk))
    text = page.content.decode()
    assert page.status_code == 200
    assert 'name="visits" value="1.200"' in text
    assert 'name="opening_hours_week" value="40,5"' in text
    assert "stat-changed" in text and "đã sửa" in text  # loans: 12 typed, 0 counted by the system
    assert "Lưu và gửi duyệt" in text and "Cập nhật số liệu hệ thống" in text
    assert "Duyệt báo cáo" not in text  # he does not decide his own library's report
    assert url("export", report.pk, "xlsx") in text
    assert "Lập báo cáo" in text and "Lưu số liệu" in text  # the history


def test_another_library_draft_is_not_found(client, network, commune_librarian, school_librarian):
    sibling = filled(network["school"], school_librarian)
    client.force_login(commune_librarian)
    assert client.get(url("report", sibling.pk)).status_code == 404
    assert client.get(url("export", sibling.pk, "pdf")).status_code == 404
    assert client.post(url("save", sibling.pk), TYPED).status_code == 404


def test_the_department_reads_a_draft_without_editing(client, network, commune_librarian, manager):
    report = filled(network["commune"], commune_librarian)
    client.force_login(manager)
    text = client.get(url("report", report.pk)).content.decode()
    assert 'name="visits"' not in text and "1.200" in text
    assert "Duyệt báo cáo" not in text  # nothing to decide before it is submitted


# --- save, submit, refresh ------------------------------------------------------------------------


def test_librarian_saves_and_submits(client, network, commune_librarian):
    report = StatisticsReport.objects.get(pk=filled(network["commune"], commune_librarian).pk)
    client.force_login(commune_librarian)
    response = client.post(
        url("save", report.pk), {**TYPED, "visits": "1.350", "note": "Đã cộng sổ.", "then": "save"}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.figures["visits"] == 1350 and report.note == "Đã cộng sổ." and report.status == "draft"
    response = client.post(url("save", report.pk), {**TYPED, "note": "Đã cộng sổ.", "then": "submit"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "submitted" and report.submitted_by == commune_librarian


def test_bad_input_is_shown_back_and_loses_nothing(client, network, commune_librarian):
    report = filled(network["commune"], commune_librarian)
    client.force_login(commune_librarian)
    response = client.post(
        url("save", report.pk), {**TYPED, "visits": "1.500", "seats": "ba mươi", "note": "mới"}
    )
    text = response.content.decode()
    assert response.status_code == 400
    assert 'value="ba mươi"' in text and 'value="1.500"' in text and "mới</textarea>" in text
    assert "Không đọc được số" in text and 'aria-invalid="true"' in text
    report.refresh_from_db()
    assert report.figures["visits"] == 1200 and report.figures["seats"] == 30


def test_submitting_with_missing_figures_saves_and_lists_them(client, network, commune_librarian):
    client.force_login(commune_librarian)
    client.post(url("create"), {"library": "VN-TST-XA", "kind": "year", "year": "2025"})
    report = StatisticsReport.objects.get()
    response = client.post(url("save", report.pk), {"visits": "900", "then": "submit"})
    text = response.content.decode()
    assert response.status_code == 400 and "còn thiếu số liệu bắt buộc" in text and "Số sự kiện" in text
    report.refresh_from_db()
    assert report.status == "draft" and report.figures["visits"] == 900


def test_refresh(client, network, commune_librarian, manager):
    report = filled(network["commune"], commune_librarian, collection_items="7")
    client.force_login(manager)
    assert client.post(url("refresh", report.pk)).status_code == 403
    client.force_login(commune_librarian)
    response = client.post(url("refresh", report.pk), follow=True)
    assert (
        response.status_code == 200 and "giữ nguyên các số đã sửa tay (mã số 01)" in response.content.decode()
    )
    report.refresh_from_db()
    assert report.figures["collection_items"] == 7 and report.events.filter(action="refresh").exists()


def test_the_department_cannot_save(client, network, commune_librarian, manager):
    report = filled(network["commune"], commune_librarian)
    client.force_login(manager)
    assert client.post(url("save", report.pk), {**TYPED, "visits": "1"}).status_code == 403
    report.refresh_from_db()
    assert report.figures["visits"] == 1200


# --- decisions ------------------------------------------------------------------------------------


def test_commune_librarian_cannot_approve_his_own_report(client, network, commune_librarian):
    report = submitted(network["commune"], commune_librarian)
    client.force_login(commune_librarian)
    assert client.post(url("approve", report.pk)).status_code == 403
    assert client.post(url("return", report.pk), {"comment": "tự trả"}).status_code == 403
    assert status_of(report) == "submitted"
    assert "Duyệt báo cáo" not in client.get(url("report", report.pk)).content.decode()


def test_manager_approves_a_commune_report(client, network, commune_librarian, manager):
    report = submitted(network["commune"], commune_librarian)
    client.force_login(manager)
    page = client.get(url("report", report.pk)).content.decode()
    assert "Duyệt báo cáo" in page and "Trả lại để sửa" in page
    response = client.post(url("approve", report.pk), {"comment": "Đạt."}, follow=True)
    assert response.status_code == 200 and "Đã duyệt báo cáo." in response.content.decode()
    assert status_of(report) == "approved"


def test_a_reviewer_cannot_approve_his_own_submission(client, network, provincial_librarian):
    report = submitted(network["commune"], provincial_librarian)
    client.force_login(provincial_librarian)
    assert client.post(url("approve", report.pk)).status_code == 403
    assert status_of(report) == "submitted"


def test_inspector_cannot_decide(client, network, commune_librarian, inspector):
    report = submitted(network["commune"], commune_librarian)
    client.force_login(inspector)
    assert client.get(url("report", report.pk)).status_code == 200
    assert client.post(url("approve", report.pk)).status_code == 403
    assert status_of(report) == "submitted"


def test_returning_needs_a_comment(client, network, commune_librarian, provincial_librarian):
    report = submitted(network["commune"], commune_librarian)
    client.force_login(provincial_librarian)
    response = client.post(url("return", report.pk), {"comment": ""}, follow=True)
    assert "Cần ghi lý do trả lại" in response.content.decode()
    assert status_of(report) == "submitted"
    client.post(url("return", report.pk), {"comment": "Thiếu số liệu phòng đọc thiếu nhi."})
    assert status_of(report) == "returned"
    client.force_login(commune_librarian)
    page = client.get(url("report", report.pk)).content.decode()
    assert "Thiếu số liệu phòng đọc thiếu nhi." in page and 'name="visits"' in page  # editable again
    client.post(url("submit", report.pk))
    assert status_of(report) == "submitted"


def test_an_approved_report_is_read_only(client, network, commune_librarian, manager):
    report = approved(network["commune"], commune_librarian, manager)
    client.force_login(commune_librarian)
    text = client.get(url("report", report.pk)).content.decode()
    assert 'name="visits"' not in text and "không sửa được nữa" in text
    response = client.post(url("save", report.pk), {**TYPED, "visits": "1"}, follow=True)
    assert "không sửa được" in response.content.decode()
    client.post(url("submit", report.pk))
    client.force_login(manager)
    client.post(url("return", report.pk), {"comment": "mở lại"})
    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED and report.figures["visits"] == 1200


# --- exports --------------------------------------------------------------------------------------


def test_exports_download(client, network, commune_librarian, manager):
    report = approved(network["commune"], commune_librarian, manager)
    for user in (commune_librarian, manager):
        client.force_login(user)
        xlsx = client.get(url("export", report.pk, "xlsx"))
        assert xlsx.status_code == 200
        assert 'filename="bao-cao-thong-ke-VN-TST-XA-2025-Q2.xlsx"' in xlsx["Content-Disposition"]
        ws = load_workbook(io.BytesIO(xlsx.content)).active
        assert ws["A2"].value == "Đơn vị báo cáo: Thư viện xã Hòa Bình"
        pdf = client.get(url("export", report.pk, "pdf"))
        assert (
            pdf.status_code == 200
            and pdf["Content-Type"] == "application/pdf"
            and pdf.content.startswith(b"%PDF")
        )
        rows = list(
            csv.reader(io.StringIO(client.get(url("export", report.pk, "csv")).content.decode("utf-8-sig")))
        )
        assert ["06", "visits", "Lượt bạn đọc đến thư viện", "lượt", "1200"] in rows
    assert client.get(url("export", report.pk, "docx")).status_code == 404


# --- summary --------------------------------------------------------------------------------------


def test_summary_for_reviewers_only(client, network, commune_librarian, school_librarian, manager,
                                    other_library_staff):  # fmt: skip
    approved(network["commune"], commune_librarian, manager)
    submitted(network["school"], school_librarian, visits="800")
    approved(network["other_prov"], other_library_staff, _staff("so.khac", network["other_prov"], "manager"))
    client.force_login(commune_librarian)
    assert client.get(url("summary")).status_code == 403
    assert client.get(url("summary_export", "xlsx")).status_code == 403

    client.force_login(manager)
    page = client.get(url("summary"), {"kind": "quarter", "quarter": "2", "year": "2025"})
    text = page.content.decode()
    assert page.status_code == 200 and "Thư viện xã Hòa Bình" in text and "1.200" in text
    assert "Tỉnh Khác" not in text  # another province's report
    assert "VN-TST-THPT" in text  # listed among the libraries still missing from the table
    params = {"kind": "quarter", "quarter": "2", "year": "2025", "submitted": "1"}
    response = client.get(url("summary_export", "xlsx"), params)
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    codes = [ws.cell(7, c).value for c in range(1, ws.max_column + 1)]
    visits = codes.index("06") + 1
    assert [ws.cell(r, 2).value for r in range(8, ws.max_row)] == ["VN-TST-THPT", "VN-TST-XA"]
    assert ws.cell(ws.max_row, visits).value == 2000
    rows = list(
        csv.reader(io.StringIO(client.get(url("summary_export", "csv"), params).content.decode("utf-8-sig")))
    )
    assert rows[-1][1] == "Tổng cộng" and "2000" in rows[-1]
    assert client.get(url("summary_export", "pdf")).status_code == 404
