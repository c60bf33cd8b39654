"""Who sees which rounds, inspections, evidence and follow-up actions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser

from conftest import _staff
from thuvien.reports import inspections
from thuvien.reports import inspections_queries as q
from thuvien.reports.tests import inspections_cast as cast
from thuvien.reports.tests.inspections_cast import CHECKLIST, answered, inspection_of, pdf, points_for

pytestmark = pytest.mark.django_db

media = cast.media
opened = cast.opened
other_inspector = cast.other_inspector


@pytest.fixture
def school_only(opened, network, manager):
    """A second round where only the school is assigned."""
    return inspections.open_round(
        network["prov"], manager, "Kiểm tra trường học", 2026, opened.opens_on, opened.due_on, CHECKLIST,
        [network["school"]],
    )  # fmt: skip


def test_managers_and_inspectors_see_every_round_of_the_province(
    opened, school_only, manager, inspector, network
):
    empty = inspections.open_round(
        network["prov"], manager, "Chưa giao", 2026, opened.opens_on, opened.due_on, CHECKLIST
    )
    for user in (manager, inspector):
        assert set(q.rounds_for(user)) == {opened, school_only, empty}
        assert q.oversees(user, opened)
        assert [i.library.code for i in q.inspections_in_round(user, opened)] == ["VN-TST-THPT", "VN-TST-XA"]
    assert q.may_manage_round(manager, opened) and not q.may_manage_round(inspector, opened)


def test_library_staff_see_only_rounds_and_inspections_of_their_library(
    opened, school_only, network, commune_librarian, provincial_librarian
):
    assert list(q.rounds_for(commune_librarian)) == [opened]
    assert not q.oversees(commune_librarian, opened)
    assert [i.library.code for i in q.inspections_in_round(commune_librarian, opened)] == ["VN-TST-XA"]
    school = inspection_of(opened, network["school"])
    assert q.inspection_for(commune_librarian, school.pk) is None
    commune = inspection_of(opened, network["commune"])
    assert q.inspection_for(commune_librarian, commune.pk) == commune
    # The provincial library reads the libraries below it, as it does their statistics.
    assert set(q.rounds_for(provincial_librarian)) == {opened, school_only}
    assert q.inspection_for(provincial_librarian, school.pk) == school


def test_outsiders_see_nothing(opened, network, other_library_staff, other_inspector):
    commune = inspection_of(opened, network["commune"])
    for user in (other_library_staff, other_inspector, AnonymousUser()):
        assert not q.rounds_for(user).exists()
        assert q.round_for(user, opened.pk) is None
        assert q.inspection_for(user, commune.pk) is None
        assert not q.inspections_for(user).exists()
        assert not q.actions_for(user).exists()
        assert (
            not q.may_read(user, commune)
            and not q.may_score(user, commune)
            and not q.may_answer(user, commune)
        )


def test_the_assigned_inspector_reads_the_inspection_he_was_given(opened, network, manager):
    school_inspector = _staff("kiemtra.truong", network["school"], "inspector")
    commune, school = inspection_of(opened, network["commune"]), inspection_of(opened, network["school"])
    assert q.inspection_for(school_inspector, commune.pk) is None
    assert q.inspection_for(school_inspector, school.pk) == school
    assert list(q.rounds_for(school_inspector)) == [opened]
    assert not q.oversees(school_inspector, opened)


def test_evidence_and_actions_follow_the_inspection(opened, network, commune_librarian, inspector, media):
    commune = answered(inspection_of(opened, network["commune"]), commune_librarian)
    row = commune.answers.get(item__position=1).evidence.get()
    school_staff = _staff("truong", network["school"], "admin")
    assert q.evidence_for(commune_librarian, row.pk) == row
    assert q.evidence_for(inspector, row.pk) == row
    assert q.evidence_for(school_staff, row.pk) is None
    inspections.score(commune, inspector, points_for(opened, 20, 30, 50), "Tốt", [("Duy trì", None)])
    action = commune.actions.get()
    assert q.action_for(commune_librarian, action.pk) == action
    assert q.action_for(school_staff, action.pk) is None
    assert list(q.actions_for(inspector)) == [action]


def test_progress_counts(opened, network, commune_librarian, inspector):
    assert q.progress(opened.inspections.all()) == {"assigned": 2, "answered": 0, "scored": 0, "total": 2}
    commune = answered(inspection_of(opened, network["commune"]), commune_librarian)
    assert q.progress(opened.inspections.all())["answered"] == 1
    inspections.score(commune, inspector, points_for(opened, 20, 30, 50), "")
    assert q.progress(opened.inspections.all()) == {"assigned": 1, "answered": 0, "scored": 1, "total": 2}


def test_authorities_and_inspector_candidates(
    network, manager, inspector, other_inspector, provincial_librarian
):
    assert list(q.authorities_for(manager)) == [network["prov"]]
    assert not q.authorities_for(inspector).exists() and not q.authorities_for(provincial_librarian).exists()
    school_inspector = _staff("kiemtra.truong", network["school"], "inspector")
    assert q.inspector_candidates(network["prov"]) == [school_inspector, inspector, manager]


def test_returned_comment_and_history(opened, network, commune_librarian, inspector, media):
    commune = answered(inspection_of(opened, network["commune"]), commune_librarian)
    assert q.returned_comment(commune) is None
    inspections.return_answers(commune, inspector, "Thiếu ảnh chụp")
    assert q.returned_comment(commune).data["comment"] == "Thiếu ảnh chụp"
    inspections.add_evidence(commune.answers.get(item__position=2), commune_librarian, pdf("anh.pdf"))
    types = [e.type for e in q.history(commune)]
    assert types[0] == "reports.inspection.assigned" and types[-3:] == [
        "reports.inspection.sent",
        "reports.inspection.returned",
        "reports.evidence.added",
    ]


def test_overdue_uses_today_by_default(opened, network, commune_librarian, inspector):
    commune = answered(inspection_of(opened, network["commune"]), commune_librarian)
    inspections.score(commune, inspector, points_for(opened, 20, 30, 50), "", [("Cũ", dt.date(2020, 1, 1))])
    assert q.is_overdue(commune.actions.get())
