"""Training queries: who sees which staff and courses, the filters, and "X of Y trained since 2021"."""

from __future__ import annotations

import datetime as dt

import pytest

from thuvien.reports import training

pytestmark = pytest.mark.django_db

D = dt.date


def _course(organiser, ends_on, title="Khóa"):
    return training.create_course(
        organiser, None, title, "retraining", ends_on - dt.timedelta(days=2), ends_on
    )


def _trained(member, course, completed=True):
    (attendance,) = training.enrol(course, None, [member])
    training.record_completion(attendance, None, completed=completed)


@pytest.fixture
def staff(network):
    add = training.add_staff_member
    people = {
        "a": add(network["commune"], None, "Nguyễn Văn An", employed_from=D(2015, 1, 1)),
        "b": add(network["commune"], None, "Trần Thị Bình", employed_from=D(2015, 1, 1)),
        "c": add(network["commune"], None, "Lê Văn Cường"),
        "gone": add(
            network["commune"], None, "Phạm Đã Nghỉ", employed_from=D(2010, 1, 1), employed_to=D(2023, 7, 1)
        ),
        "late": add(network["commune"], None, "Đặng Mới Vào", employed_from=D(2024, 3, 1)),
        "school": add(network["school"], None, "Võ Thị Trường"),
        "prov": add(network["prov"], None, "Bùi Văn Tỉnh"),
        "khac": add(network["other_prov"], None, "Hồ Văn Khác"),
    }
    c2023 = _course(network["prov"], D(2023, 6, 30), "Khóa 2023")
    c2020 = _course(network["prov"], D(2020, 12, 31), "Khóa 2020")  # before the programme
    c2024 = _course(network["prov"], D(2024, 10, 15), "Khóa 2024")
    _trained(people["a"], c2023)
    _trained(people["b"], c2020)
    _trained(people["c"], c2024)
    _trained(people["gone"], c2023)
    _trained(people["late"], c2023, completed=False)
    _trained(people["school"], c2024)
    return people


def test_summary_counts_trained_staff_since_2021(staff, manager, network):
    rows = {r.library.code: r for r in training.training_summary(manager, on=D(2023, 12, 31))}
    # Employed at the end of 2023: An, Bình, Cường (no dates), not the one gone in July, not the late one.
    assert (rows["VN-TST-XA"].employed, rows["VN-TST-XA"].trained) == (3, 1)  # An only: Cường's ends 2024
    assert (rows["VN-TST-THPT"].employed, rows["VN-TST-THPT"].trained) == (1, 0)
    assert "VN-KHAC" not in rows
    rows = {r.library.code: r for r in training.training_summary(manager, on=D(2024, 12, 31))}
    assert (rows["VN-TST-XA"].employed, rows["VN-TST-XA"].trained) == (4, 2)  # + Đặng (not completed), Cường
    assert rows["VN-TST-XA"].share == 0.5
    assert (rows["VN-TST"].employed, rows["VN-TST"].trained) == (1, 0)


def test_employment_ends_on_the_day_recorded(staff):
    gone = staff["gone"]
    from thuvien.reports.models import StaffMember

    assert StaffMember.objects.filter(training.employed_on(D(2023, 6, 30)), pk=gone.pk).exists()
    assert not StaffMember.objects.filter(training.employed_on(D(2023, 7, 1)), pk=gone.pk).exists()


def test_scope_of_staff_lists(staff, commune_librarian, manager, inspector, other_library_staff, network):
    def names(user, **kw):
        return {m.full_name for m in training.staff_members_for(user, employed=None, **kw)}

    assert names(commune_librarian) == {"Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Đã Nghỉ",
                                        "Đặng Mới Vào"}  # fmt: skip
    assert len(names(manager)) == 7 and len(names(inspector)) == 7
    assert names(other_library_staff) == {"Hồ Văn Khác"}
    assert names(manager, library=network["school"]) == {"Võ Thị Trường"}
    assert names(commune_librarian, library=network["school"]) == set()
    assert training.member_for(commune_librarian, staff["school"].pk) is None
    assert training.member_for(manager, staff["school"].pk) == staff["school"]


def test_filters(staff, manager, network):
    on = D(2024, 12, 31)

    def names(**kw):
        return {
            m.full_name for m in training.staff_members_for(manager, library=network["commune"], on=on, **kw)
        }

    assert names() == {"Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Đặng Mới Vào"}
    assert names(employed=False) == {"Phạm Đã Nghỉ"}
    assert names(trained=True) == {"Nguyễn Văn An", "Lê Văn Cường"}
    assert names(trained=False) == {"Trần Thị Bình", "Đặng Mới Vào"}
    assert names(trained=True, employed=None) == {"Nguyễn Văn An", "Lê Văn Cường", "Phạm Đã Nghỉ"}
    assert names(q="bình") == {"Trần Thị Bình"}


def test_vietnamese_name_order(network):
    for name in ("Trần Văn Bình", "Nguyễn Thị An", "Lê Đức Anh", "Phạm Văn Đông"):
        training.add_staff_member(network["commune"], None, name)
    members = sorted(training.staff_members_for(None) or [], key=training.name_order)
    assert members == []  # nobody reads without a role
    from thuvien.reports.models import StaffMember

    ordered = [
        m.full_name for m in sorted(StaffMember.objects.select_related("library"), key=training.name_order)
    ]
    assert ordered == ["Nguyễn Thị An", "Lê Đức Anh", "Trần Văn Bình", "Phạm Văn Đông"]


def test_course_visibility(network, commune_librarian, manager, other_library_staff):
    prov = _course(network["prov"], D(2024, 1, 5), "Của tỉnh")
    xa = _course(network["commune"], D(2024, 1, 5), "Của xã")
    school = _course(network["school"], D(2024, 1, 5), "Của trường")
    khac = _course(network["other_prov"], D(2024, 1, 5), "Của tỉnh khác")
    assert set(training.courses_for(commune_librarian)) == {prov, xa}  # above and own, not the neighbour's
    assert set(training.courses_for(manager)) == {prov, xa, school}
    assert set(training.courses_for(other_library_staff)) == {khac}
    assert training.course_for(other_library_staff, prov.pk) is None


def test_attendees_listed_within_scope(staff, commune_librarian, manager, network):
    course = training.courses_for(manager).get(title="Khóa 2024")
    assert {a.staff_member.full_name for a in training.attendances_for(manager, course)} == {
        "Lê Văn Cường", "Võ Thị Trường"
    }  # fmt: skip
    # The commune sees the province's course, but only its own people in it.
    assert {a.staff_member.full_name for a in training.attendances_for(commune_librarian, course)} == {
        "Lê Văn Cường"
    }
    assert set(training.enrollable_libraries(commune_librarian, course)) == {network["commune"]}
    assert set(training.enrollable_libraries(manager, course)) == {network["prov"], network["commune"],
                                                                  network["school"]}  # fmt: skip
