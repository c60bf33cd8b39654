"""Follow-up actions: the library reports one done, the inspector closes or reopens it; overdue ones show."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from thuvien.audit.models import AuditEntry
from thuvien.reports import inspections
from thuvien.reports.inspections import InspectionError
from thuvien.reports.inspections_queries import is_overdue
from thuvien.reports.models import FollowUpAction
from thuvien.reports.tests import inspections_cast as cast
from thuvien.reports.tests.inspections_cast import (
    answered,
    inspection_of,
    points_for,
)

pytestmark = pytest.mark.django_db

media = cast.media
opened = cast.opened
other_inspector = cast.other_inspector


@pytest.fixture
def action(opened, network, commune_librarian, inspector):
    commune = answered(inspection_of(opened, network["commune"]), commune_librarian)
    due = timezone.localdate() + dt.timedelta(days=30)
    inspections.score(
        commune, inspector, points_for(opened, 10, 30, 50), "Trang web thiếu", [("Sửa trang web", due)]
    )
    return commune.actions.get()


def test_an_action_moves_open_done_closed_with_its_history(action, commune_librarian, inspector):
    done = inspections.report_action_done(action, commune_librarian, "Đã cập nhật trang web ngày 5/4")
    assert (done.status, done.response) == ("done", "Đã cập nhật trang web ngày 5/4")
    assert done.done_at is not None
    closed = inspections.close_action(action, inspector)
    assert (closed.status, closed.closed_by) == ("closed", inspector) and closed.closed_at is not None
    history = list(
        AuditEntry.objects.filter(object_type="reports.followupaction", object_id=str(action.pk)).order_by(
            "id"
        )
    )
    assert [(e.type, e.actor, e.data.get("status_from"), e.data.get("status_to")) for e in history] == [
        ("reports.followup.created", inspector, None, None),
        ("reports.followup.done", commune_librarian, "open", "done"),
        ("reports.followup.closed", inspector, "done", "closed"),
    ]
    assert history[1].data["response"] == "Đã cập nhật trang web ngày 5/4"
    assert history[1].library == action.inspection.library


def test_the_inspector_reopens_a_done_action_saying_why(action, commune_librarian, inspector):
    inspections.report_action_done(action, commune_librarian, "Đã sửa")
    with pytest.raises(InspectionError, match="Hãy ghi lý do"):
        inspections.reopen_action(action, inspector, "")
    reopened = inspections.reopen_action(action, inspector, "Trang web vẫn lỗi")
    assert reopened.status == "open" and reopened.done_at is None
    assert AuditEntry.objects.get(type="reports.followup.reopened").data["comment"] == "Trang web vẫn lỗi"
    inspections.report_action_done(action, commune_librarian, "Đã sửa lần hai")
    assert inspections.close_action(action, inspector).status == "closed"


def test_who_may_move_an_action(
    action, commune_librarian, inspector, manager, other_inspector, other_library_staff
):
    for refused in (inspector, manager, other_library_staff):
        with pytest.raises(InspectionError, match="không có quyền"):
            inspections.report_action_done(action, refused, "Xong")
    with pytest.raises(InspectionError, match="Hãy ghi kết quả"):
        inspections.report_action_done(action, commune_librarian, " ")
    with pytest.raises(InspectionError, match="Chưa thực hiện") as state:
        inspections.close_action(
            action, inspector
        )  # an open action is not closed without the library's report
    assert state.value.code == "state"
    inspections.report_action_done(action, commune_librarian, "Xong")
    for refused in (commune_librarian, other_inspector, other_library_staff):
        with pytest.raises(InspectionError, match="không có quyền"):
            inspections.close_action(action, refused)
        with pytest.raises(InspectionError, match="không có quyền"):
            inspections.reopen_action(action, refused, "Chưa")
    with pytest.raises(InspectionError, match="Thư viện báo đã khắc phục"):
        inspections.report_action_done(action, commune_librarian, "Lần nữa")
    assert inspections.close_action(action, manager).status == "closed"
    assert FollowUpAction.objects.get(pk=action.pk).closed_by == manager


def test_actions_stay_tracked_after_the_round_closes(
    opened, network, action, commune_librarian, inspector, manager
):
    school = inspection_of(opened, network["school"])
    opened.due_on = opened.opens_on = timezone.localdate() - dt.timedelta(days=1)
    opened.save()
    inspections.score(school, inspector, points_for(opened, 0, 0, 0), "Không trả lời")
    inspections.close_round(opened, manager)
    assert inspections.report_action_done(action, commune_librarian, "Đã sửa").status == "done"
    assert inspections.close_action(action, inspector).status == "closed"


def test_overdue_means_past_its_date_and_not_closed(action):
    today = timezone.localdate()
    action.due_on = today - dt.timedelta(days=1)
    assert is_overdue(action, today)
    action.status = "done"
    assert is_overdue(action, today)  # reported but not yet confirmed
    action.status = "closed"
    assert not is_overdue(action, today)
    action.status, action.due_on = "open", today
    assert not is_overdue(action, today)
    action.due_on = None
    assert not is_overdue(action, today)
