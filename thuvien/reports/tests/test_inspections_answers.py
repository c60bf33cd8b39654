"""A library answers its inspection (self-assessment, text, evidence), sends it; the inspector may return it."""

from __future__ import annotations

import pytest

from conftest import _staff
from thuvien.audit.models import AuditEntry
from thuvien.reports import inspections
from thuvien.reports.evidence import EvidenceError
from thuvien.reports.inspections import InspectionError
from thuvien.reports.inspections_queries import returned_comment
from thuvien.reports.models import InspectionAnswer
from thuvien.reports.tests import inspections_cast as cast
from thuvien.reports.tests.inspections_cast import (
    answer_all,
    answered,
    inspection_of,
    items_of,
    pdf,
)

pytestmark = pytest.mark.django_db

media = cast.media
opened = cast.opened
other_inspector = cast.other_inspector


def test_the_library_saves_its_answers(opened, network, commune_librarian):
    commune = inspection_of(opened, network["commune"])
    first, second, _third = items_of(opened)
    saved = inspections.save_answers(
        commune,
        commune_librarian,
        {first.pk: ("yes", " Có trang web thuvien.xa.vn "), second.pk: ("partly", "")},
    )
    assert (saved[first.pk].compliance, saved[first.pk].text) == ("yes", "Có trang web thuvien.xa.vn")
    assert saved[second.pk].compliance == "partly"
    # Saving the same again writes nothing and audits nothing more.
    inspections.save_answers(commune, commune_librarian, {first.pk: ("yes", "Có trang web thuvien.xa.vn")})
    entries = AuditEntry.objects.filter(type="reports.inspection.answers_saved")
    assert [e.data["items"] for e in entries.order_by("id")] == [[first.pk, second.pk]]
    inspections.save_answers(commune, commune_librarian, {second.pk: ("no", "Chưa kết nối")})
    assert InspectionAnswer.objects.get(inspection=commune, item=second).compliance == "no"


def test_answers_are_checked(opened, network, commune_librarian, manager):
    commune = inspection_of(opened, network["commune"])
    first = items_of(opened)[0]
    with pytest.raises(InspectionError, match="Mức tự đánh giá không hợp lệ"):
        inspections.save_answers(commune, commune_librarian, {first.pk: ("maybe", "")})
    with pytest.raises(InspectionError, match="dài quá"):
        inspections.save_answers(commune, commune_librarian, {first.pk: ("yes", "x" * 10_001)})
    other_round = inspections.open_round(
        network["prov"], manager, "Đợt khác", 2026, opened.opens_on, opened.due_on, [("Khác", 10, False)]
    )
    with pytest.raises(InspectionError, match="vừa thay đổi"):
        inspections.save_answers(commune, commune_librarian, {other_round.items.get().pk: ("yes", "")})
    assert not InspectionAnswer.objects.exists()


@pytest.mark.parametrize("who", ["manager", "inspector", "other_library_staff", "school_librarian"])
def test_only_the_librarys_staff_answer(request, opened, network, who):
    if who == "school_librarian":
        actor = _staff("truong", network["school"], "admin")
    else:
        actor = request.getfixturevalue(who)
    commune = inspection_of(opened, network["commune"])
    first = items_of(opened)[0]
    with pytest.raises(InspectionError) as refused:
        inspections.save_answers(commune, actor, {first.pk: ("yes", "")})
    assert refused.value.code == "forbidden"
    answer = inspections.answer_for(commune, _staff("xa2", network["commune"], "circulation"), first)
    with pytest.raises(InspectionError, match="không có quyền"):
        inspections.add_evidence(answer, actor, pdf())
    with pytest.raises(InspectionError, match="không có quyền"):
        inspections.send_answers(commune, actor)


def test_the_provincial_library_answers_for_a_library_below_it(opened, network, provincial_librarian):
    # Like the statistics reports: the level above may prepare for the libraries in its subtree.
    commune = inspection_of(opened, network["commune"])
    answer_all(commune, provincial_librarian)
    assert inspections.send_answers(commune, provincial_librarian).status == "answered"


def test_send_needs_every_self_assessment_and_the_required_evidence(opened, network, commune_librarian):
    commune = inspection_of(opened, network["commune"])
    with pytest.raises(
        InspectionError, match=r"chưa tự đánh giá nội dung số 1, 2, 3; nội dung số 1 cần ít nhất"
    ):
        inspections.send_answers(commune, commune_librarian)
    answer_all(commune, commune_librarian, evidence=False)
    with pytest.raises(
        InspectionError, match=r"Chưa gửi được: nội dung số 1 cần ít nhất một tệp minh chứng\."
    ):
        inspections.send_answers(commune, commune_librarian)
    commune.refresh_from_db()
    assert commune.status == "assigned" and commune.answered_at is None
    first = items_of(opened)[0]
    inspections.add_evidence(commune.answers.get(item=first), commune_librarian, pdf())
    sent = inspections.send_answers(commune, commune_librarian)
    assert sent.status == "answered" and sent.answered_at is not None
    entry = AuditEntry.objects.get(type="reports.inspection.sent")
    assert (entry.actor, entry.library, entry.data["status_from"], entry.data["status_to"]) == (
        commune_librarian,
        network["commune"],
        "assigned",
        "answered",
    )


def test_sent_answers_are_read_only(opened, network, commune_librarian):
    commune = answered(inspection_of(opened, network["commune"]), commune_librarian)
    first = items_of(opened)[0]
    with pytest.raises(InspectionError, match="đã được gửi") as refused:
        inspections.save_answers(commune, commune_librarian, {first.pk: ("no", "")})
    assert refused.value.code == "state"
    answer = commune.answers.get(item=first)
    with pytest.raises(InspectionError, match="đã được gửi"):
        inspections.add_evidence(answer, commune_librarian, pdf())
    with pytest.raises(InspectionError, match="đã được gửi"):
        inspections.remove_evidence(answer.evidence.get(), commune_librarian)
    with pytest.raises(InspectionError, match="Thư viện đã trả lời"):
        inspections.send_answers(commune, commune_librarian)
    assert answer.evidence.count() == 1


def test_the_inspector_returns_answers_for_completion(
    opened, network, commune_librarian, inspector, other_inspector
):
    commune = answered(inspection_of(opened, network["commune"]), commune_librarian)
    with pytest.raises(InspectionError, match="Hãy ghi rõ"):
        inspections.return_answers(commune, inspector, "  ")
    for refused in (commune_librarian, other_inspector):
        with pytest.raises(InspectionError, match="không có quyền"):
            inspections.return_answers(commune, refused, "Bổ sung biên bản")
    back = inspections.return_answers(commune, inspector, "Bổ sung biên bản kiểm kê")
    assert back.status == "assigned" and back.answered_at is None
    entry = returned_comment(commune)
    assert entry.actor == inspector and entry.data["comment"] == "Bổ sung biên bản kiểm kê"
    # Editable again, then sent again.
    first = items_of(opened)[0]
    inspections.save_answers(commune, commune_librarian, {first.pk: ("partly", "Đã bổ sung")})
    assert inspections.send_answers(commune, commune_librarian).status == "answered"
    types = list(
        AuditEntry.objects.filter(object_type="reports.inspection", object_id=str(commune.pk))
        .filter(type__in=["reports.inspection.sent", "reports.inspection.returned"])
        .order_by("id")
        .values_list("type", flat=True)
    )
    assert types == ["reports.inspection.sent", "reports.inspection.returned", "reports.inspection.sent"]


def test_a_closed_round_takes_no_answers(opened, network, commune_librarian):
    commune = inspection_of(opened, network["commune"])
    opened.status = "closed"  # as if closed (the action itself needs every inspection scored)
    opened.save()
    commune.refresh_from_db()
    with pytest.raises(InspectionError, match="Đợt kiểm tra đã kết thúc"):
        inspections.save_answers(commune, commune_librarian, {items_of(opened)[0].pk: ("yes", "")})


def test_evidence_count_per_answer_is_bounded(opened, network, commune_librarian, media, monkeypatch):
    from thuvien.reports import evidence

    monkeypatch.setattr(evidence, "MAX_FILES_PER_ANSWER", 2)
    commune = inspection_of(opened, network["commune"])
    answer = inspections.answer_for(commune, commune_librarian, items_of(opened)[0])
    inspections.add_evidence(answer, commune_librarian, pdf("a.pdf"))
    with pytest.raises(EvidenceError, match="tối đa 2 tệp"):
        inspections.add_evidence_files(answer, commune_librarian, [pdf("b.pdf"), pdf("c.pdf")])
    assert answer.evidence.count() == 1
