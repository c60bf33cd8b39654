"""Inspection rounds: a manager opens one with a checklist, assigns libraries, edits the checklist, closes it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from conftest import _staff
from thuvien.audit.models import AuditEntry
from thuvien.reports import inspections
from thuvien.reports.inspections import InspectionError
from thuvien.reports.models import ChecklistItem, Evidence, InspectionAnswer, InspectionRound
from thuvien.reports.tests import inspections_cast as cast
from thuvien.reports.tests.inspections_cast import (
    CHECKLIST,
    answer_all,
    answered,
    inspection_of,
    items_of,
    points_for,
    stored_files,
)

pytestmark = pytest.mark.django_db

media = cast.media
opened = cast.opened
other_inspector = cast.other_inspector

TODAY = dt.date(2026, 3, 2)


def _open(authority, actor, libraries=(), **kwargs):
    return inspections.open_round(
        authority,
        actor,
        "Kiểm tra 2026",
        2026,
        TODAY,
        TODAY + dt.timedelta(days=20),
        CHECKLIST,
        libraries,
        **kwargs,
    )


def test_a_manager_opens_a_round_with_its_checklist_and_libraries(network, manager, media):
    rnd = _open(network["prov"], manager, [network["commune"], network["school"]], description="Kế hoạch 12")
    assert (rnd.title, rnd.year, rnd.status, rnd.created_by) == ("Kiểm tra 2026", 2026, "open", manager)
    assert [(i.position, i.text, i.weight, i.evidence_required) for i in items_of(rnd)] == [
        (1, *CHECKLIST[0]),
        (2, *CHECKLIST[1]),
        (3, *CHECKLIST[2]),
    ]
    assigned = rnd.inspections.order_by("library__path")
    assert [(i.library.code, i.status, i.inspector) for i in assigned] == [
        ("VN-TST-THPT", "assigned", None),
        ("VN-TST-XA", "assigned", None),
    ]
    opened_entry = AuditEntry.objects.get(type="reports.round.opened")
    assert opened_entry.actor == manager and opened_entry.library == network["prov"]
    assert opened_entry.data["items"] == 3
    assert AuditEntry.objects.filter(type="reports.inspection.assigned").count() == 2


@pytest.mark.parametrize(
    "who", ["inspector", "provincial_librarian", "commune_librarian", "other_library_staff"]
)
def test_only_a_manager_of_the_province_opens_a_round(request, network, who):
    actor = request.getfixturevalue(who)
    with pytest.raises(InspectionError) as refused:
        _open(network["prov"], actor, [network["commune"]])
    assert refused.value.code == "forbidden"
    assert not InspectionRound.objects.exists()


def test_anonymous_and_another_provinces_manager_are_refused(network):
    other_manager = _staff("khac.quanly", network["other_prov"], "manager")
    for actor in (AnonymousUser(), other_manager):
        with pytest.raises(InspectionError, match="không có quyền"):
            _open(network["prov"], actor)
    assert not InspectionRound.objects.exists()


def test_libraries_of_another_province_cannot_be_assigned(network, manager):
    with pytest.raises(InspectionError, match="không thuộc phạm vi.*Thư viện tỉnh Khác"):
        _open(network["prov"], manager, [network["commune"], network["other_prov"]])
    assert not InspectionRound.objects.exists()  # the round went with the refusal


def test_round_fields_are_checked(network, manager):
    cases = [
        (("", 2026, TODAY, TODAY), "tên đợt"),
        (("Đợt", 1999, TODAY, TODAY), "Năm"),
        (("Đợt", 2026, TODAY, TODAY - dt.timedelta(days=1)), "Hạn trả lời không được trước"),
    ]
    for (title, year, opens_on, due_on), message in cases:
        with pytest.raises(InspectionError, match=message):
            inspections.open_round(network["prov"], manager, title, year, opens_on, due_on, CHECKLIST)
    with pytest.raises(InspectionError, match="ít nhất một nội dung"):
        inspections.open_round(network["prov"], manager, "Đợt", 2026, TODAY, TODAY, [])
    with pytest.raises(InspectionError, match="từ 1 đến 1000"):
        inspections.open_round(network["prov"], manager, "Đợt", 2026, TODAY, TODAY, [("Nội dung", 0, False)])
    assert not InspectionRound.objects.exists()


def test_assigning_again_skips_libraries_already_in_the_round(opened, network, manager, inspector):
    created = inspections.assign_libraries(
        opened, manager, [network["commune"], network["prov"]], inspector=inspector
    )
    assert [i.library for i in created] == [network["prov"]]
    assert created[0].inspector == inspector
    assert opened.inspections.count() == 3


def test_the_assigned_inspector_must_be_able_to_inspect_the_library(
    opened, network, manager, other_inspector
):
    with pytest.raises(InspectionError, match="khac.kiemtra không có quyền kiểm tra"):
        inspections.assign_libraries(opened, manager, [network["prov"]], inspector=other_inspector)
    commune = inspection_of(opened, network["commune"])
    with pytest.raises(InspectionError, match="không có quyền kiểm tra"):
        inspections.set_inspector(commune, manager, other_inspector)
    assert opened.inspections.count() == 2


def test_set_inspector_until_scored(opened, network, manager, inspector, commune_librarian):
    commune = inspection_of(opened, network["commune"])
    with pytest.raises(InspectionError, match="không có quyền"):
        inspections.set_inspector(commune, inspector, inspector)
    assert inspections.set_inspector(commune, manager, inspector).inspector == inspector
    assert inspections.set_inspector(commune, manager, None).inspector is None
    answered(commune, commune_librarian)
    inspections.score(commune, inspector, points_for(opened, 20, 30, 50), "Tốt")
    with pytest.raises(InspectionError, match="Đã kết luận"):
        inspections.set_inspector(commune, manager, inspector)


def test_parse_checklist_reads_points_and_evidence_marks():
    text = (
        "- Có trang web | 20 | *\n"
        "\n"
        "Kết nối mục lục liên hợp | 30\n"
        "Tỷ lệ 50|50 được giữ nguyên | minh chứng\n"
        "• Cán bộ được bồi dưỡng\n"
    )
    assert inspections.parse_checklist(text) == [
        ("Có trang web", 20, True),
        ("Kết nối mục lục liên hợp", 30, False),
        ("Tỷ lệ 50 | 50 được giữ nguyên", 10, True),
        ("Cán bộ được bồi dưỡng", 10, False),
    ]
    with pytest.raises(
        InspectionError, match=r"dòng 2: điểm tối đa phải từ 1 đến 1000; dòng 3: thiếu nội dung"
    ):
        inspections.parse_checklist("Một | 5\nHai | 0\n | 7 | *")
    with pytest.raises(InspectionError, match="ít nhất một nội dung"):
        inspections.parse_checklist(" \n\n")


def test_copying_a_checklist_reads_back_the_same(opened):
    assert inspections.parse_checklist(inspections.format_checklist(items_of(opened))) == CHECKLIST


def test_the_checklist_is_edited_item_by_item_until_a_library_sends(
    opened, network, manager, commune_librarian, media, django_capture_on_commit_callbacks
):
    first, second, third = items_of(opened)
    commune = inspection_of(opened, network["commune"])
    answer_all(commune, commune_librarian)  # saved, with a PDF on item 1, not sent
    assert len(stored_files(media)) == 1
    with pytest.raises(InspectionError, match="không có quyền"):
        inspections.update_checklist(opened, commune_librarian, [(first.pk, "Sửa", 5, False)])
    with django_capture_on_commit_callbacks(execute=True):
        inspections.update_checklist(
            opened,
            manager,
            [
                (third.pk, "Cán bộ được bồi dưỡng", 40, True),
                (second.pk, second.text, 30, False),
                (None, "Mới", 30, False),
            ],
        )
    assert [(i.position, i.text, i.weight, i.evidence_required) for i in items_of(opened)] == [
        (1, "Cán bộ được bồi dưỡng", 40, True),
        (2, second.text, 30, False),
        (3, "Mới", 30, False),
    ]
    # The removed item took its answers and evidence with it, file included.
    assert not ChecklistItem.objects.filter(pk=first.pk).exists()
    assert not InspectionAnswer.objects.filter(item_id=first.pk).exists() and not Evidence.objects.exists()
    assert stored_files(media) == []
    entry = AuditEntry.objects.get(type="reports.round.checklist_updated")
    assert entry.data["removed"] == [first.pk] and entry.data["files_removed"] == 1

    school = inspection_of(opened, network["school"])
    answered(school, _staff("truong", network["school"], "admin"))
    with pytest.raises(InspectionError, match="không sửa được danh mục"):
        inspections.update_checklist(opened, manager, [(second.pk, "Sửa", 30, False)])


def test_a_round_closes_only_when_every_inspection_is_scored(
    opened, network, manager, inspector, commune_librarian
):
    commune, school = inspection_of(opened, network["commune"]), inspection_of(opened, network["school"])
    answered(commune, commune_librarian)
    inspections.score(
        commune, inspector, points_for(opened, 20, 30, 50), "Đạt", [("Cập nhật trang web", None)]
    )
    with pytest.raises(InspectionError, match="còn 1 thư viện chưa được kết luận") as refused:
        inspections.close_round(opened, manager)
    assert refused.value.code == "unscored"
    opened.refresh_from_db()
    assert opened.status == "open"

    opened.due_on = timezone.localdate() - dt.timedelta(days=1)
    opened.save()
    inspections.score(school, inspector, points_for(opened, 0, 0, 0), "Không trả lời")
    with pytest.raises(InspectionError, match="không có quyền"):
        inspections.close_round(opened, inspector)
    closed = inspections.close_round(opened, manager)
    assert closed.status == "closed" and closed.closed_at is not None
    entry = AuditEntry.objects.get(type="reports.round.closed")
    assert entry.data == {"inspections": 2, "open_actions": 1}
    with pytest.raises(InspectionError, match="đã kết thúc"):
        inspections.close_round(opened, manager)
    with pytest.raises(InspectionError, match="đã kết thúc"):
        inspections.assign_libraries(opened, manager, [network["prov"]])
    with pytest.raises(InspectionError, match="đã kết thúc"):
        inspections.update_round(opened, manager, "Đổi tên", 2026, opened.due_on, opened.due_on)


def test_update_round(opened, manager, inspector):
    with pytest.raises(InspectionError, match="không có quyền"):
        inspections.update_round(opened, inspector, "Đổi", 2026, opened.opens_on, opened.due_on)
    changed = inspections.update_round(
        opened, manager, "Đổi tên", 2027, opened.opens_on, opened.due_on, "Căn cứ"
    )
    assert (changed.title, changed.year, changed.description) == ("Đổi tên", 2027, "Căn cứ")
