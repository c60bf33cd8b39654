"""Staff and training pages: lists within scope, a person's record, courses, attendees, the CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from conftest import _staff
from thuvien.audit.models import AuditEntry
from thuvien.reports import training
from thuvien.reports.models import StaffMember, TrainingAttendance, TrainingCourse

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def manager(network):
    return _staff("so.quanly", network["prov"], "manager")


@pytest.fixture
def inspector(network):
    return _staff("so.kiemtra", network["prov"], "inspector")


@pytest.fixture
def people(network):
    add = training.add_staff_member
    return {
        "xa": add(network["commune"], None, "Nguyễn Văn Xã", position="Thủ thư", employed_from=D(2018, 1, 1)),
        "xa_gone": add(network["commune"], None, "Lê Thị Đã Nghỉ", employed_to=D(2022, 1, 1)),
        "truong": add(network["school"], None, "Trần Thị Trường"),
        "khac": add(network["other_prov"], None, "Hoàng Văn Khác"),
    }


@pytest.fixture
def course(network, people):
    course = training.create_course(
        network["prov"], None, "Tập huấn chuyển đổi số", "retraining", D(2024, 5, 6), D(2024, 5, 8), hours=24
    )
    xa, truong = training.enrol(course, None, [people["xa"], people["truong"]])
    training.record_completion(xa, None, True, "=CC-01", D(2024, 5, 8))
    return course


# --- the cast at the door ---------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, people, course):
    member = people["xa"]
    attendance = course.attendances.first()
    for url in (
        "/staff/training/", "/staff/training/new/", "/staff/training/summary/", f"/staff/training/{member.pk}/",
        "/staff/training/courses/", "/staff/training/courses/new/", f"/staff/training/courses/{course.pk}/",
        f"/staff/training/courses/{course.pk}/edit/", f"/staff/training/courses/{course.pk}/attendees.csv",
    ):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url
    for url in (
        f"/staff/training/{member.pk}/end/", f"/staff/training/{member.pk}/remove/",
        f"/staff/training/courses/{course.pk}/enrol/",
        f"/staff/training/courses/{course.pk}/attendees/{attendance.pk}/",
        f"/staff/training/courses/{course.pk}/attendees/{attendance.pk}/remove/",
    ):  # fmt: skip
        response = client.post(url, {"on": "2024-01-01", "member": [member.pk]})
        assert response.status_code == 302 and "/login/" in response["Location"], url
    assert StaffMember.objects.get(pk=member.pk).employed_to is None


def test_another_province_is_refused(client, other_library_staff, people, course, network):
    client.force_login(other_library_staff)
    member = people["xa"]
    attendance = course.attendances.first()
    text = client.get("/staff/training/").content.decode()
    assert "Hoàng Văn Khác" in text and "Nguyễn Văn Xã" not in text
    assert "Tập huấn chuyển đổi số" not in client.get("/staff/training/courses/").content.decode()
    summary = client.get("/staff/training/summary/").content.decode()
    assert "VN-KHAC" in summary and "Hòa Bình" not in summary
    for url in (
        "/staff/training/?library=VN-TST-XA", "/staff/training/summary/?library=VN-TST",
        f"/staff/training/{member.pk}/", f"/staff/training/courses/{course.pk}/",
        f"/staff/training/courses/{course.pk}/edit/", f"/staff/training/courses/{course.pk}/attendees.csv",
    ):  # fmt: skip
        assert client.get(url).status_code == 404, url
    for url in (
        f"/staff/training/{member.pk}/", f"/staff/training/{member.pk}/end/", f"/staff/training/{member.pk}/remove/",
        f"/staff/training/courses/{course.pk}/enrol/",
        f"/staff/training/courses/{course.pk}/attendees/{attendance.pk}/",
        f"/staff/training/courses/{course.pk}/attendees/{attendance.pk}/remove/",
    ):  # fmt: skip
        assert client.post(url, {"on": "2024-01-01", "member": [people["khac"].pk]}).status_code == 404, url
    response = client.post(
        "/staff/training/new/", {"library": network["commune"].pk, "full_name": "Chen Vào"}
    )  # a library outside his scope is not a choice
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not StaffMember.objects.filter(full_name="Chen Vào").exists()
    assert TrainingAttendance.objects.count() == 2


def test_a_reader_without_a_reports_role_is_refused(client, network):
    from thuvien.accounts.models import User

    user = User.objects.create_user("khong-vai-tro", password="mat-khau-thu-nghiem-1")  # noqa: S106
    client.force_login(user)
    assert client.get("/staff/training/").status_code == 403


# --- staff lists ------------------------------------------------------------------------------------


def test_commune_librarian_sees_only_his_own_staff(client, commune_librarian, people, course):
    client.force_login(commune_librarian)
    text = client.get("/staff/training/").content.decode()
    assert "Nguyễn Văn Xã" in text and "Trần Thị Trường" not in text and "Hoàng Văn Khác" not in text
    assert "Lê Thị Đã Nghỉ" not in text  # employed only, by default
    assert "1 trong 1 người đang làm việc đã hoàn thành" in text
    text = client.get("/staff/training/?employed=0").content.decode()
    assert "Lê Thị Đã Nghỉ" in text and "Nguyễn Văn Xã" not in text
    assert client.get("/staff/training/?library=VN-TST-THPT").status_code == 404
    assert client.get(f"/staff/training/{people['truong'].pk}/").status_code == 404


def test_manager_sees_the_whole_province(client, manager, people, course):
    client.force_login(manager)
    text = client.get("/staff/training/").content.decode()
    assert "Nguyễn Văn Xã" in text and "Trần Thị Trường" in text and "Hoàng Văn Khác" not in text
    assert "1 trong 2 người đang làm việc" in text
    text = client.get("/staff/training/?library=VN-TST-THPT&trained=0").content.decode()
    assert "Trần Thị Trường" in text and "Nguyễn Văn Xã" not in text
    text = client.get("/staff/training/?trained=1").content.decode()
    assert "Nguyễn Văn Xã" in text and "Trần Thị Trường" not in text
    text = client.get("/staff/training/summary/").content.decode()
    assert "1 trong 2 người đã được đào tạo" in text and "50%" in text
    text = client.get("/staff/training/summary/?year=2023").content.decode()
    assert "0 trong 2 người" in text  # the course ended in 2024


def test_add_edit_and_end_a_member(client, commune_librarian, network):
    client.force_login(commune_librarian)
    page = client.get("/staff/training/new/?library=VN-TST-XA")
    assert page.status_code == 200
    response = client.post(
        "/staff/training/new/",
        {"library": network["commune"].pk, "full_name": "Đinh Thị Mai", "position": "Thủ thư",
         "library_trained": "on", "employed_from": "2020-09-01"},
    )  # fmt: skip
    member = StaffMember.objects.get(full_name="Đinh Thị Mai")
    assert response.status_code == 302 and response["Location"] == f"/staff/training/{member.pk}/"
    assert member.library == network["commune"] and member.library_trained
    response = client.post(
        f"/staff/training/{member.pk}/",
        {"full_name": "Đinh Thị Mai", "position": "Phó giám đốc", "employed_from": "2020-09-01"},
    )
    member.refresh_from_db()
    assert response.status_code == 302 and member.position == "Phó giám đốc" and not member.library_trained
    response = client.post(f"/staff/training/{member.pk}/end/", {"on": "2020-01-01"}, follow=True)
    assert "không thể trước ngày bắt đầu" in response.content.decode()
    member.refresh_from_db()
    assert member.employed_to is None
    client.post(f"/staff/training/{member.pk}/end/", {"on": "2025-01-01"})
    member.refresh_from_db()
    assert member.employed_to == D(2025, 1, 1)
    assert AuditEntry.objects.filter(type="reports.staff.employment_ended", actor=commune_librarian).exists()


def test_member_form_errors_keep_the_input(client, commune_librarian, network):
    client.force_login(commune_librarian)
    member = training.add_staff_member(network["commune"], None, "Cao Văn Sơn", employed_from=D(2020, 1, 1))
    response = client.post(
        f"/staff/training/{member.pk}/",
        {"full_name": "Cao Văn Sơn", "position": "Thủ thư mới", "employed_from": "2020-01-01",
         "employed_to": "2019-12-31"},
    )  # fmt: skip
    text = response.content.decode()
    assert response.status_code == 200 and "không thể trước ngày bắt đầu" in text and "Thủ thư mới" in text
    member.refresh_from_db()
    assert member.position == "" and member.employed_to is None
    response = client.post("/staff/training/new/", {"library": network["commune"].pk, "full_name": ""})
    assert response.status_code == 200 and "errorlist" in response.content.decode()


def test_inspector_reads_but_does_not_write(client, inspector, people):
    client.force_login(inspector)
    member = people["xa"]
    page = client.get(f"/staff/training/{member.pk}/")
    assert page.status_code == 200 and "Nguyễn Văn Xã" in page.content.decode()
    assert 'name="full_name"' not in page.content.decode()
    assert client.post(f"/staff/training/{member.pk}/", {"full_name": "Đổi"}).status_code == 403
    assert client.post(f"/staff/training/{member.pk}/end/", {"on": "2024-01-01"}).status_code == 403
    assert client.get("/staff/training/new/").status_code == 403
    assert client.get("/staff/training/courses/new/").status_code == 403
    member.refresh_from_db()
    assert member.full_name == "Nguyễn Văn Xã" and member.employed_to is None


def test_remove_a_member_entered_by_mistake(client, commune_librarian, network, people, course):
    client.force_login(commune_librarian)
    wrong = training.add_staff_member(network["commune"], None, "Nhập Nhầm")
    response = client.post(f"/staff/training/{wrong.pk}/remove/")
    assert response.status_code == 302 and not StaffMember.objects.filter(pk=wrong.pk).exists()
    response = client.post(f"/staff/training/{people['xa'].pk}/remove/", follow=True)
    assert "ghi ngày nghỉ việc thay vì xóa" in response.content.decode()
    assert StaffMember.objects.filter(pk=people["xa"].pk).exists()


# --- courses ----------------------------------------------------------------------------------------


def test_course_lists_by_scope(client, commune_librarian, manager, course, network):
    training.create_course(
        network["school"], None, "Khóa của trường", "training", D(2024, 1, 1), D(2024, 1, 2)
    )
    client.force_login(commune_librarian)
    text = client.get("/staff/training/courses/").content.decode()
    assert "Tập huấn chuyển đổi số" in text and "Khóa của trường" not in text
    client.force_login(manager)
    text = client.get("/staff/training/courses/").content.decode()
    assert "Tập huấn chuyển đổi số" in text and "Khóa của trường" in text


def test_course_page_shows_attendees_within_scope(client, commune_librarian, manager, course):
    client.force_login(commune_librarian)
    text = client.get(f"/staff/training/courses/{course.pk}/").content.decode()
    assert "Nguyễn Văn Xã" in text and "Trần Thị Trường" not in text
    assert "Sửa khóa học" not in text  # the province's course
    assert client.get(f"/staff/training/courses/{course.pk}/edit/").status_code == 403
    client.force_login(manager)
    text = client.get(f"/staff/training/courses/{course.pk}/").content.decode()
    assert "Nguyễn Văn Xã" in text and "Trần Thị Trường" in text and "1 trong 2 học viên" in text


def test_manager_creates_and_edits_a_course(client, manager, network):
    client.force_login(manager)
    data = {"organiser": network["prov"].pk, "title": "Bồi dưỡng nghiệp vụ", "kind": "retraining",
            "starts_on": "2025-03-10", "ends_on": "2025-03-09", "hours": "16", "place": "", "topic": ""}  # fmt: skip
    response = client.post("/staff/training/courses/new/", data)
    assert response.status_code == 200 and "trước khi bắt đầu" in response.content.decode()
    assert not TrainingCourse.objects.exists()
    data["ends_on"] = "2025-03-12"
    response = client.post("/staff/training/courses/new/", data)
    course = TrainingCourse.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/staff/training/courses/{course.pk}/"
    data.pop("organiser")
    data["title"] = "Bồi dưỡng nghiệp vụ thư viện số"
    assert client.post(f"/staff/training/courses/{course.pk}/edit/", data).status_code == 302
    course.refresh_from_db()
    assert course.title == "Bồi dưỡng nghiệp vụ thư viện số" and course.organiser == network["prov"]


def test_enrol_by_library_then_people(client, manager, course, network):
    extra = training.add_staff_member(network["school"], None, "Phan Văn Mới")
    left = training.add_staff_member(network["school"], None, "Từng Làm", employed_to=D(2020, 1, 1))
    client.force_login(manager)
    text = client.get(f"/staff/training/courses/{course.pk}/?library=VN-TST-THPT").content.decode()
    assert "Phan Văn Mới" in text and "Từng Làm" not in text  # gone before the course
    assert f'value="{extra.pk}"' in text and "Trần Thị Trường</label>" not in text  # already enrolled
    assert client.get(f"/staff/training/courses/{course.pk}/?library=VN-KHAC").status_code == 404
    response = client.post(
        f"/staff/training/courses/{course.pk}/enrol/", {"member": [extra.pk], "library": "VN-TST-THPT"}
    )
    assert response.status_code == 302
    assert course.attendances.filter(staff_member=extra).exists()
    response = client.post(f"/staff/training/courses/{course.pk}/enrol/", {"member": [extra.pk]}, follow=True)
    assert "đã có trong danh sách học viên" in response.content.decode()
    assert course.attendances.count() == 3 and left.pk


def test_commune_enrols_only_its_own_staff(client, commune_librarian, course, network):
    other = training.add_staff_member(network["school"], None, "Người Trường Khác")
    mine = training.add_staff_member(network["commune"], None, "Người Của Xã")
    client.force_login(commune_librarian)
    text = client.get(f"/staff/training/courses/{course.pk}/").content.decode()
    assert "VN-TST-THPT" not in text  # not a choice
    assert client.get(f"/staff/training/courses/{course.pk}/?library=VN-TST-THPT").status_code == 404
    response = client.post(
        f"/staff/training/courses/{course.pk}/enrol/", {"member": [mine.pk, other.pk]}, follow=True
    )
    assert "không ai được thêm" in response.content.decode()
    assert not course.attendances.filter(staff_member__in=[mine, other]).exists()
    client.post(f"/staff/training/courses/{course.pk}/enrol/", {"member": [mine.pk]})
    assert course.attendances.filter(staff_member=mine).exists()


def test_record_completion_and_certificate(client, commune_librarian, manager, course, people):
    truong = course.attendances.get(staff_member=people["truong"])
    xa = course.attendances.get(staff_member=people["xa"])
    client.force_login(commune_librarian)
    url = f"/staff/training/courses/{course.pk}/attendees/{truong.pk}/"
    assert client.post(url, {"completed": "on"}).status_code == 404  # not his library's attendee
    client.force_login(manager)
    response = client.post(
        url, {"completed": "on", "certificate_number": "CC-02", "certificate_date": "2024-05-08"}
    )
    assert response.status_code == 302 and response["Location"].endswith(f"#a{truong.pk}")
    truong.refresh_from_db()
    assert (
        truong.completed and truong.certificate_number == "CC-02" and truong.certificate_date == D(2024, 5, 8)
    )
    response = client.post(url, {"certificate_number": "CC-03"}, follow=True)  # not completed, a certificate
    assert "Chỉ ghi chứng chỉ cho người đã hoàn thành" in response.content.decode()
    truong.refresh_from_db()
    assert truong.certificate_number == "CC-02"
    response = client.post(f"/staff/training/courses/{course.pk}/attendees/{xa.pk}/remove/")
    assert response.status_code == 302 and not TrainingAttendance.objects.filter(pk=xa.pk).exists()


def test_csv_export_of_attendees(client, manager, commune_librarian, course):
    client.force_login(manager)
    response = client.get(f"/staff/training/courses/{course.pk}/attendees.csv")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:3] == ["STT", "Họ và tên", "Chức danh"]
    by_name = {row[1]: row for row in rows[1:]}
    assert set(by_name) == {"Nguyễn Văn Xã", "Trần Thị Trường"}
    xa = by_name["Nguyễn Văn Xã"]
    assert xa[3] == "VN-TST-XA" and xa[5] == "có" and xa[7] == "2024-05-08"
    assert xa[6] == "'=CC-01"  # a spreadsheet would run a cell starting with "="
    client.force_login(commune_librarian)
    rows = list(csv.reader(io.StringIO(client.get(f"/staff/training/courses/{course.pk}/attendees.csv")
                                       .content.decode("utf-8-sig"))))  # fmt: skip
    assert [row[1] for row in rows[1:]] == ["Nguyễn Văn Xã"]  # his own people only
