"""Courses and attendance: create and edit a course, enrol staff, record completion and certificates."""

from __future__ import annotations

import datetime as dt

import pytest

from thuvien.audit.models import AuditEntry
from thuvien.reports import training
from thuvien.reports.models import TrainingAttendance, TrainingCourse
from thuvien.reports.training import TrainingError

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def course(network, provincial_librarian):
    return training.create_course(
        network["prov"], provincial_librarian, "Tập huấn chuyển đổi số", "retraining", D(2024, 5, 6), D(2024, 5, 8),
        hours=24, place="Thư viện tỉnh", topic="Biên mục MARC 21",
    )  # fmt: skip


@pytest.fixture
def people(network):
    return {
        "xa": training.add_staff_member(network["commune"], None, "Nguyễn Văn Xã"),
        "xa2": training.add_staff_member(network["commune"], None, "Lê Thị Xuân"),
        "truong": training.add_staff_member(network["school"], None, "Trần Thị Trường"),
        "khac": training.add_staff_member(network["other_prov"], None, "Hoàng Văn Khác"),
    }


def test_create_course(course, network, provincial_librarian):
    course.refresh_from_db()
    assert course.organiser == network["prov"] and course.hours == 24 and course.kind == "retraining"
    entry = AuditEntry.objects.get(type="reports.course.created")
    assert entry.actor == provincial_librarian and entry.library == network["prov"]


def test_a_course_cannot_end_before_it_starts(network, manager):
    with pytest.raises(TrainingError) as err:
        training.create_course(network["prov"], manager, "Sai ngày", "training", D(2024, 5, 8), D(2024, 5, 6))
    assert err.value.field == "ends_on"
    assert "kết thúc (06/05/2024) trước khi bắt đầu (08/05/2024)" in err.value.message
    assert not TrainingCourse.objects.exists()


def test_course_validation(network, manager):
    for kwargs, field in (
        ({"title": " "}, "title"),
        ({"kind": "seminar"}, "kind"),
        ({"hours": -3}, "hours"),
    ):
        args = {"title": "Khóa", "kind": "training", "starts_on": D(2024, 1, 1), "ends_on": D(2024, 1, 2)}
        args.update(kwargs)
        with pytest.raises(TrainingError) as err:
            training.create_course(network["prov"], manager, **args)
        assert err.value.field == field
    assert not TrainingCourse.objects.exists()


def test_who_creates_courses(network, manager, commune_librarian, inspector, other_library_staff):
    assert training.create_course(
        network["prov"], manager, "Của Sở", "training", D(2024, 1, 1), D(2024, 1, 1)
    )
    assert training.create_course(network["commune"], commune_librarian, "Của xã", "retraining", D(2024, 1, 1),
                                  D(2024, 1, 1))  # fmt: skip
    for user, organiser in ((commune_librarian, "prov"), (inspector, "prov"), (other_library_staff, "prov")):
        with pytest.raises(TrainingError):
            training.create_course(
                network[organiser], user, "Không", "training", D(2024, 1, 1), D(2024, 1, 1)
            )
    assert TrainingCourse.objects.count() == 2


def test_update_course(course, provincial_librarian, commune_librarian):
    training.update_course(course, provincial_librarian, title="Tập huấn số hóa", hours=16)
    course.refresh_from_db()
    assert course.title == "Tập huấn số hóa" and course.hours == 16
    assert AuditEntry.objects.get(type="reports.course.updated").data == {"fields": ["hours", "title"]}
    with pytest.raises(TrainingError):
        training.update_course(course, provincial_librarian, ends_on=D(2024, 5, 1))
    with pytest.raises(TrainingError):  # a commune attends, it does not edit the province's course
        training.update_course(course, commune_librarian, title="Của xã")
    course.refresh_from_db()
    assert course.ends_on == D(2024, 5, 8) and course.title == "Tập huấn số hóa"


def test_organiser_enrols_staff_below_it(course, people, provincial_librarian, network):
    attendances = training.enrol(course, provincial_librarian, [people["xa"], people["truong"]])
    assert len(attendances) == 2
    assert set(course.attendances.values_list("staff_member__full_name", flat=True)) == {
        "Nguyễn Văn Xã", "Trần Thị Trường"
    }  # fmt: skip
    entry = AuditEntry.objects.get(type="reports.course.enrolled")
    assert entry.library == network["prov"] and sorted(entry.data["members"]) == sorted(
        [people["xa"].pk, people["truong"].pk]
    )


def test_enrolling_a_member_twice_is_refused(course, people, provincial_librarian):
    training.enrol(course, provincial_librarian, [people["xa"]])
    with pytest.raises(TrainingError) as err:
        training.enrol(course, provincial_librarian, [people["xa2"], people["xa"]])
    assert err.value.code == "duplicate" and "Nguyễn Văn Xã" in err.value.message
    assert course.attendances.count() == 1  # all or none: Lê Thị Xuân was not added either
    with pytest.raises(TrainingError):
        training.enrol(course, provincial_librarian, [people["xa2"], people["xa2"]])
    with pytest.raises(TrainingError) as err:
        training.enrol(course, provincial_librarian, [])
    assert err.value.code == "empty"


def test_a_library_enrols_its_own_staff_only(course, people, commune_librarian, manager, other_library_staff):
    training.enrol(course, commune_librarian, [people["xa"]])
    with pytest.raises(TrainingError) as err:
        training.enrol(course, commune_librarian, [people["truong"]])  # the neighbour's staff
    assert err.value.code == "forbidden"
    with pytest.raises(TrainingError):
        training.enrol(course, manager, [people["khac"]])  # a library outside the organiser's tree
    with pytest.raises(TrainingError):
        training.enrol(course, other_library_staff, [people["khac"]])
    assert course.attendances.count() == 1


def test_record_completion(course, people, provincial_librarian, commune_librarian, other_library_staff):
    (attendance,) = training.enrol(course, provincial_librarian, [people["xa"]])
    training.record_completion(attendance, provincial_librarian, True, " CC-2024/015 ", D(2024, 5, 8))
    attendance.refresh_from_db()
    assert attendance.completed and attendance.certificate_number == "CC-2024/015"
    assert attendance.certificate_date == D(2024, 5, 8)
    entry = AuditEntry.objects.get(type="reports.course.completion_recorded")
    assert entry.data["completed"] and entry.data["certificate_number"] == "CC-2024/015"
    # The attendee's own library may correct it too; another province may not.
    training.record_completion(attendance, commune_librarian, completed=False)
    attendance.refresh_from_db()
    assert not attendance.completed and attendance.certificate_number == ""
    with pytest.raises(TrainingError):
        training.record_completion(attendance, other_library_staff)


def test_completion_validation(course, people, provincial_librarian):
    (attendance,) = training.enrol(course, provincial_librarian, [people["xa"]])
    with pytest.raises(TrainingError) as err:
        training.record_completion(attendance, provincial_librarian, completed=False, certificate_number="X1")
    assert err.value.field == "certificate_number"
    with pytest.raises(TrainingError) as err:
        training.record_completion(attendance, provincial_librarian, True, "X1", D(2024, 1, 1))
    assert err.value.field == "certificate_date"
    attendance.refresh_from_db()
    assert not attendance.completed and not attendance.certificate_number


def test_unenrol(course, people, provincial_librarian, commune_librarian):
    first, second = training.enrol(course, provincial_librarian, [people["xa"], people["truong"]])
    training.unenrol(first, commune_librarian)
    with pytest.raises(TrainingError):
        training.unenrol(second, commune_librarian)  # the school's attendee
    assert list(TrainingAttendance.objects.values_list("pk", flat=True)) == [second.pk]
    assert AuditEntry.objects.filter(type="reports.course.unenrolled").count() == 1
