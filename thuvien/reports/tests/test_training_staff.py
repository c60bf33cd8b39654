"""Staff member actions: add, update, end employment, remove; validated, audited, within the keeper's scope."""

from __future__ import annotations

import datetime as dt

import pytest

from thuvien.audit.models import AuditEntry
from thuvien.reports import training
from thuvien.reports.models import StaffMember
from thuvien.reports.training import TrainingError

pytestmark = pytest.mark.django_db


def test_commune_librarian_adds_his_own_staff(commune_librarian, network):
    member = training.add_staff_member(
        network["commune"],
        commune_librarian,
        "  Nguyễn Thị Hoà ",
        position="Thủ thư",
        qualification="Cử nhân Thông tin - Thư viện",
        library_trained=True,
        employed_from=dt.date(2019, 3, 1),
    )
    member.refresh_from_db()
    assert member.full_name == "Nguyễn Thị Hoà" and member.library == network["commune"]
    assert (
        member.library_trained and member.employed_from == dt.date(2019, 3, 1) and member.employed_to is None
    )
    entry = AuditEntry.objects.get(type="reports.staff.added")
    assert entry.actor == commune_librarian and entry.library == network["commune"]


def test_keepers_scope(
    commune_librarian, provincial_librarian, manager, inspector, other_library_staff, network
):
    training.add_staff_member(network["school"], provincial_librarian, "Trần Văn An")  # an admin above
    training.add_staff_member(network["school"], manager, "Lê Thị Bình")  # the department
    for user, library in (
        (commune_librarian, network["prov"]),  # a commune does not keep the province's records
        (commune_librarian, network["school"]),  # nor a neighbour's
        (inspector, network["commune"]),  # inspectors read only
        (other_library_staff, network["commune"]),  # another province
    ):
        with pytest.raises(TrainingError) as err:
            training.add_staff_member(library, user, "Không Được")
        assert err.value.code == "forbidden"
    assert StaffMember.objects.count() == 2


def test_a_name_is_required(commune_librarian, network):
    with pytest.raises(TrainingError) as err:
        training.add_staff_member(network["commune"], commune_librarian, "   ")
    assert err.value.field == "full_name" and "họ và tên" in err.value.message
    assert not StaffMember.objects.exists()


def test_employment_cannot_end_before_it_starts(commune_librarian, network):
    with pytest.raises(TrainingError) as err:
        training.add_staff_member(
            network["commune"],
            commune_librarian,
            "Phạm Văn Cường",
            employed_from=dt.date(2020, 5, 1),
            employed_to=dt.date(2020, 4, 30),
        )
    assert "không thể trước ngày bắt đầu" in err.value.message
    member = training.add_staff_member(
        network["commune"], commune_librarian, "Phạm Văn Cường", employed_from=dt.date(2020, 5, 1)
    )
    with pytest.raises(TrainingError) as err:
        training.end_employment(member, commune_librarian, dt.date(2020, 1, 1))
    assert (
        err.value.code == "dates" and "01/01/2020" in err.value.message and "01/05/2020" in err.value.message
    )
    member.refresh_from_db()
    assert member.employed_to is None
    assert not AuditEntry.objects.filter(type="reports.staff.employment_ended").exists()


def test_end_employment(commune_librarian, network):
    member = training.add_staff_member(network["commune"], commune_librarian, "Đỗ Thị Dung")
    training.end_employment(member, commune_librarian, dt.date(2024, 7, 1))
    member.refresh_from_db()
    assert member.employed_to == dt.date(2024, 7, 1)
    assert AuditEntry.objects.get(type="reports.staff.employment_ended").data == {"on": "2024-07-01"}
    with pytest.raises(TrainingError) as err:  # ended already: the date is changed by editing
        training.end_employment(member, commune_librarian, dt.date(2024, 8, 1))
    assert err.value.code == "ended"


def test_update_staff_member(commune_librarian, other_library_staff, network):
    member = training.add_staff_member(network["commune"], commune_librarian, "Vũ Văn Em")
    training.update_staff_member(member, commune_librarian, position="Phó giám đốc", library_trained=True)
    member.refresh_from_db()
    assert member.position == "Phó giám đốc" and member.library_trained
    assert AuditEntry.objects.get(type="reports.staff.updated").data == {
        "fields": ["library_trained", "position"]
    }
    with pytest.raises(TrainingError):
        training.update_staff_member(member, commune_librarian, employed_from=dt.date(2022, 1, 2),
                                     employed_to=dt.date(2022, 1, 1))  # fmt: skip
    with pytest.raises(TrainingError):
        training.update_staff_member(member, other_library_staff, position="x")
    member.refresh_from_db()
    assert member.position == "Phó giám đốc" and member.employed_from is None


def test_remove_only_without_training(commune_librarian, provincial_librarian, network):
    wrong = training.add_staff_member(network["commune"], commune_librarian, "Nhập Nhầm")
    training.remove_staff_member(wrong, commune_librarian)
    assert not StaffMember.objects.filter(pk=wrong.pk).exists()
    assert AuditEntry.objects.filter(type="reports.staff.removed").exists()
    member = training.add_staff_member(network["commune"], commune_librarian, "Giang Văn Hải")
    course = training.create_course(
        network["prov"],
        provincial_librarian,
        "Tập huấn",
        "retraining",
        dt.date(2024, 1, 1),
        dt.date(2024, 1, 2),
    )
    training.enrol(course, provincial_librarian, [member])
    with pytest.raises(TrainingError) as err:
        training.remove_staff_member(member, commune_librarian)
    assert err.value.code == "has_training"
    assert StaffMember.objects.filter(pk=member.pk).exists()


def test_the_system_may_act_without_an_actor(network):
    member = training.add_staff_member(network["commune"], None, "Hệ Thống Tạo")
    assert AuditEntry.objects.get(type="reports.staff.added").actor is None
    assert member.pk
