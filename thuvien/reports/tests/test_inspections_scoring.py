"""The inspector scores an inspection: points per item, findings, follow-up actions; a scored one is read-only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from conftest import _staff
from thuvien.audit.models import AuditEntry
from thuvien.reports import inspections
from thuvien.reports.inspections import InspectionError, compute_score
from thuvien.reports.models import FollowUpAction
from thuvien.reports.tests import inspections_cast as cast
from thuvien.reports.tests.inspections_cast import (
    answered,
    inspection_of,
    items_of,
    points_for,
)

pytestmark = pytest.mark.django_db

media = cast.media
opened = cast.opened
other_inspector = cast.other_inspector


@pytest.mark.parametrize(
    ("points", "weights", "expected"),
    [
        ([20, 15, 25], [20, 30, 50], 60.0),  # 60 of 100
        ([2], [3], 66.7),  # 66.666… rounded
        ([1], [16], 6.3),  # 6.25: half up, not to even
        ([7.5, 10, 0], [10, 10, 10], 58.3),  # 17.5 / 30 = 58.333…
        ([0, 0], [5, 5], 0.0),
        ([5, 5], [5, 5], 100.0),
    ],
)
def test_compute_score(points, weights, expected):
    assert compute_score(points, weights) == expected


def test_the_inspector_scores_with_findings_and_actions(opened, network, commune_librarian, inspector):
    commune = answered(inspection_of(opened, network["commune"]), commune_librarian)
    due = timezone.localdate() + dt.timedelta(days=60)
    scored = inspections.score(
        commune, inspector, points_for(opened, 20, "15", "12,5"), " Trang web tốt; chưa kết nối đủ. ",
        [("Kết nối mục lục liên hợp", due), ("Cử cán bộ đi bồi dưỡng", None)],
    )  # fmt: skip
    # (20 + 15 + 12.5) / (20 + 30 + 50) × 100 = 47.5
    assert (scored.status, scored.score, scored.findings) == (
        "scored",
        47.5,
        "Trang web tốt; chưa kết nối đủ.",
    )
    assert scored.scored_at is not None
    assert [a.points for a in commune.answers.order_by("item__position")] == [20, 15, 12.5]
    actions = list(commune.actions.order_by("id"))
    assert [(a.description, a.due_on, a.status) for a in actions] == [
        ("Kết nối mục lục liên hợp", due, "open"),
        ("Cử cán bộ đi bồi dưỡng", None, "open"),
    ]
    entry = AuditEntry.objects.get(type="reports.inspection.scored")
    assert entry.actor == inspector and entry.data["score"] == 47.5 and entry.data["actions"] == 2
    assert AuditEntry.objects.filter(type="reports.followup.created").count() == 2


def test_the_manager_and_the_assigned_inspector_score_too(opened, network, commune_librarian, manager):
    commune = answered(inspection_of(opened, network["commune"]), commune_librarian)
    assert inspections.score(commune, manager, points_for(opened, 0, 0, 0), "").score == 0.0
    # An inspector granted on the school only, assigned to the school's inspection.
    school_inspector = _staff("kiemtra.truong", network["school"], "inspector")
    school = inspection_of(opened, network["school"])
    inspections.set_inspector(school, manager, school_inspector)
    answered(school, _staff("truong", network["school"], "admin"))
    assert inspections.score(school, school_inspector, points_for(opened, 20, 30, 50), "Tốt").score == 100.0


@pytest.mark.parametrize(
    "who", ["commune_librarian", "provincial_librarian", "other_inspector", "other_library_staff"]
)
def test_library_staff_and_other_provinces_cannot_score(request, opened, network, commune_librarian, who):
    commune = answered(inspection_of(opened, network["commune"]), commune_librarian)
    with pytest.raises(InspectionError) as refused:
        inspections.score(commune, request.getfixturevalue(who), points_for(opened, 20, 30, 50), "")
    assert refused.value.code == "forbidden"
    commune.refresh_from_db()
    assert commune.status == "answered" and commune.score is None


def test_points_are_checked_and_nothing_is_kept_on_refusal(opened, network, commune_librarian, inspector):
    commune = answered(inspection_of(opened, network["commune"]), commune_librarian)
    first, second, third = items_of(opened)
    cases = [
        ({first.pk: 20, second.pk: 30}, r"chưa chấm nội dung số 3"),
        ({first.pk: 21, second.pk: -1, third.pk: 50}, r"điểm của nội dung số 1, 2 phải từ 0 đến điểm tối đa"),
        ({first.pk: "nan", second.pk: "abc", third.pk: "inf"}, r"nội dung số 1, 2, 3 phải từ 0"),
    ]
    for points, message in cases:
        with pytest.raises(InspectionError, match=message):
            inspections.score(commune, inspector, points, "Kết luận", [("Việc cần làm", None)])
    with pytest.raises(InspectionError, match="cần có nội dung"):
        inspections.score(commune, inspector, points_for(opened, 1, 1, 1), "", [("  ", None)])
    commune.refresh_from_db()
    assert commune.status == "answered" and commune.score is None
    assert not FollowUpAction.objects.exists()
    assert list(commune.answers.values_list("points", flat=True)) == [None, None, None]


def test_an_unanswered_inspection_is_scored_only_after_the_due_date(opened, network, inspector):
    school = inspection_of(opened, network["school"])
    with pytest.raises(InspectionError, match="chưa hết hạn trả lời"):
        inspections.score(school, inspector, points_for(opened, 0, 0, 0), "Không trả lời")
    opened.due_on = timezone.localdate() - dt.timedelta(days=1)
    opened.opens_on = opened.due_on
    opened.save()
    scored = inspections.score(school, inspector, points_for(opened, 0, 10, 0), "Thư viện không trả lời")
    assert (scored.status, scored.score) == ("scored", 10.0)
    assert school.answers.count() == 3  # rows made to carry the points


def test_a_scored_inspection_is_read_only_except_its_actions(opened, network, commune_librarian, inspector):
    commune = answered(inspection_of(opened, network["commune"]), commune_librarian)
    inspections.score(commune, inspector, points_for(opened, 20, 30, 50), "Tốt")
    with pytest.raises(InspectionError, match="Đã kết luận"):
        inspections.score(commune, inspector, points_for(opened, 0, 0, 0), "Đổi ý")
    with pytest.raises(InspectionError, match="Đã kết luận"):
        inspections.return_answers(commune, inspector, "Bổ sung")
    with pytest.raises(InspectionError, match="đã được gửi"):
        inspections.save_answers(commune, commune_librarian, {items_of(opened)[0].pk: ("no", "")})
    commune.refresh_from_db()
    assert commune.score == 100.0
    with pytest.raises(InspectionError, match="không có quyền"):
        inspections.add_action(commune, commune_librarian, "Tự đặt việc", None)
    action = inspections.add_action(commune, inspector, "Duy trì trang web", timezone.localdate())
    assert action.status == "open" and action.inspection == commune


def test_actions_are_added_only_to_scored_inspections(opened, network, commune_librarian, inspector):
    commune = answered(inspection_of(opened, network["commune"]), commune_librarian)
    with pytest.raises(InspectionError, match="Thư viện đã trả lời"):
        inspections.add_action(commune, inspector, "Sớm quá", None)
