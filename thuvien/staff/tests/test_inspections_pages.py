"""Inspection pages: rounds, a library's inspection (answer, send, return, score), follow-ups, evidence files."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import _staff
from thuvien.reports import inspections
from thuvien.reports.models import Evidence, FollowUpAction, InspectionAnswer, InspectionRound
from thuvien.reports.tests import inspections_cast as cast
from thuvien.reports.tests.inspections_cast import (
    PDF_BYTES,
    answered,
    inspection_of,
    items_of,
    pdf,
    points_for,
    stored_files,
    upload,
)

pytestmark = pytest.mark.django_db

media = cast.media
opened = cast.opened
manager = cast.manager
inspector = cast.inspector
other_inspector = cast.other_inspector


@pytest.fixture
def scored(opened, network, commune_librarian, inspector):
    """The commune's inspection answered (a PDF on item 1) and scored with one overdue follow-up action."""
    commune = answered(inspection_of(opened, network["commune"]), commune_librarian)
    past = timezone.localdate() - dt.timedelta(days=3)
    return inspections.score(
        commune,
        inspector,
        points_for(opened, 20, 15, 25),
        "Chưa kết nối",
        [("Kết nối mục lục liên hợp", past)],
    )


@pytest.fixture
def urls(scored):
    rnd = scored.round
    evidence = Evidence.objects.get(answer__inspection=scored)
    action = scored.actions.get()
    return {
        "rounds": ("GET", reverse("staff_inspections:rounds")),
        "round_new": ("GET", reverse("staff_inspections:round_new")),
        "round": ("GET", reverse("staff_inspections:round", args=[rnd.pk])),
        "round_edit": ("GET", reverse("staff_inspections:round_edit", args=[rnd.pk])),
        "round_assign": ("GET", reverse("staff_inspections:round_assign", args=[rnd.pk])),
        "round_close": ("POST", reverse("staff_inspections:round_close", args=[rnd.pk])),
        "inspection": ("GET", reverse("staff_inspections:inspection", args=[scored.pk])),
        "evidence": ("GET", reverse("staff_inspections:evidence", args=[evidence.pk])),
        "followups": ("GET", reverse("staff_inspections:followups")),
        "followup": ("POST", reverse("staff_inspections:followup", args=[action.pk])),
    }


def _call(client, method, url, data=None):
    return client.post(url, data or {}) if method == "POST" else client.get(url)


def test_anonymous_is_sent_to_login_everywhere(client, urls):
    login = reverse("staff:login")
    for name, (method, url) in urls.items():
        response = _call(client, method, url)
        assert response.status_code == 302 and response["Location"].startswith(login), name


def test_staff_of_another_province_get_nothing(client, urls, other_library_staff, other_inspector):
    expected = {
        "rounds": 200,
        "followups": 200,
        "round_new": 403,
        "round": 404,
        "round_edit": 404,
        "round_assign": 404,
        "round_close": 404,
        "inspection": 404,
        "evidence": 404,
        "followup": 404,
    }
    for user in (other_library_staff, other_inspector):
        client.force_login(user)
        for name, (method, url) in urls.items():
            response = _call(client, method, url)
            assert response.status_code == expected[name], (user.username, name)
        page = client.get(urls["rounds"][1]).content.decode()
        assert "Kiểm tra chuyển đổi số năm 2026" not in page and "Chưa có đợt kiểm tra nào" in page
        assert "Kết nối mục lục liên hợp" not in client.get(urls["followups"][1]).content.decode()


def test_a_user_without_any_reports_role_is_refused(client, urls):
    from thuvien.accounts.models import User

    client.force_login(User.objects.create_user("ban.doc", password="x-y-z-1234567"))
    assert client.get(urls["rounds"][1]).status_code == 403


def test_library_staff_see_their_own_inspection_only(client, urls, opened, network, commune_librarian):
    client.force_login(commune_librarian)
    assert client.get(urls["rounds"][1]).status_code == 200
    page = client.get(urls["round"][1]).content.decode()
    assert "Thư viện xã Hòa Bình" in page and "Lê Quý Đôn" not in page and "Tiến độ" not in page
    school = inspection_of(opened, network["school"])
    assert client.get(reverse("staff_inspections:inspection", args=[school.pk])).status_code == 404
    for name in ("round_new", "round_edit", "round_assign", "round_close"):
        method, url = urls[name]
        assert _call(client, method, url).status_code == 403, name
    page = client.get(urls["inspection"][1]).content.decode()
    assert "60,0" in page and "Kết nối mục lục liên hợp" in page and "Quá hạn" in page
    assert 'value="done"' in page and 'name="points-' not in page
    assert "</strong> 20 / 20" in page and "</strong> 15 / 30" in page  # points as given, no stray decimals


def test_the_manager_opens_a_round_from_the_form(client, network, manager, media):
    client.force_login(manager)
    page = client.get(reverse("staff_inspections:round_new")).content.decode()
    assert 'name="checklist"' in page
    today = timezone.localdate()
    response = client.post(
        reverse("staff_inspections:round_new"),
        {
            "authority": network["prov"].pk, "title": "Kiểm tra thư viện xã 2026", "year": today.year,
            "opens_on": today.isoformat(), "due_on": (today + dt.timedelta(days=30)).isoformat(),
            "description": "", "checklist": "Có trang web | 20 | *\nKết nối mục lục liên hợp | 30\n",
        },
    )  # fmt: skip
    rnd = InspectionRound.objects.get(title="Kiểm tra thư viện xã 2026")
    assert response.status_code == 302 and response["Location"] == reverse(
        "staff_inspections:round_assign", args=[rnd.pk]
    )
    assert [(i.text, i.weight, i.evidence_required) for i in rnd.items.all()] == [
        ("Có trang web", 20, True),
        ("Kết nối mục lục liên hợp", 30, False),
    ]
    # A bad checklist line is refused and what was typed is kept.
    bad = client.post(
        reverse("staff_inspections:round_new"),
        {"authority": network["prov"].pk, "title": "Đợt lỗi", "year": today.year, "opens_on": today.isoformat(),
         "due_on": today.isoformat(), "checklist": "Một | 0"},
    ).content.decode()  # fmt: skip
    assert "dòng 1: điểm tối đa phải từ 1 đến 1000" in bad and "Một | 0" in bad and "Đợt lỗi" in bad
    # Copying the previous round's checklist fills the box.
    copied = client.get(reverse("staff_inspections:round_new") + f"?copy={rnd.pk}").content.decode()
    assert "Có trang web | 20 | *\nKết nối mục lục liên hợp | 30" in copied
    assert f'<option value="{rnd.pk}" selected>' in copied


@pytest.mark.parametrize("who", ["inspector", "provincial_librarian", "commune_librarian"])
def test_only_managers_open_rounds(request, client, network, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("staff_inspections:round_new")).status_code == 403
    assert client.post(reverse("staff_inspections:round_new"), {"title": "x"}).status_code == 403


def test_the_manager_assigns_libraries_with_a_kind_filter(client, network, manager, inspector, media):
    rnd = inspections.open_round(
        network["prov"],
        manager,
        "Đợt mới",
        2026,
        timezone.localdate(),
        timezone.localdate(),
        [("Một", 10, False)],
    )
    client.force_login(manager)
    url = reverse("staff_inspections:round_assign", args=[rnd.pk])
    page = client.get(url + "?kind=school").content.decode()
    assert "Lê Quý Đôn" in page and "Hòa Bình" not in page
    response = client.post(url, {"kind": "school", "q": "", "all": "1", "inspector": inspector.pk})
    assert response.status_code == 302
    assert [(i.library.code, i.inspector) for i in rnd.inspections.all()] == [("VN-TST-THPT", inspector)]
    client.post(url, {"library": ["VN-TST-XA", "VN-KHAC"], "inspector": ""})
    assert set(rnd.inspections.values_list("library__code", flat=True)) == {"VN-TST-THPT", "VN-TST-XA"}
    page = client.post(url, {"kind": "", "q": ""}, follow=True).content.decode()
    assert "Hãy chọn ít nhất một thư viện" in page


def test_the_manager_edits_the_checklist_item_by_item(client, opened, manager):
    first, second, third = items_of(opened)
    client.force_login(manager)
    url = reverse("staff_inspections:round_edit", args=[opened.pk])
    assert 'name="item-0-text"' in client.get(url).content.decode()
    data = {"action": "checklist", "rows": "4"}
    for n, item in enumerate([first, second, third]):
        data |= {f"item-{n}-id": item.pk, f"item-{n}-text": item.text, f"item-{n}-weight": item.weight}
    data |= {"item-0-evidence": "1", "item-1-delete": "1", "item-2-weight": "45"}
    data |= {"item-3-text": "Có phòng đọc thiếu nhi", "item-3-weight": "5"}
    assert client.post(url, data).status_code == 302
    assert [(i.text, i.weight) for i in items_of(opened)] == [
        (first.text, 20),
        (third.text, 45),
        ("Có phòng đọc thiếu nhi", 5),
    ]
    page = client.post(url, data | {"item-2-weight": "nhiều"}).content.decode()
    assert "điểm tối đa phải là số nguyên" in page
    details = {"action": "details", "title": "Tên mới", "year": 2026, "description": "",
               "opens_on": opened.opens_on.isoformat(), "due_on": opened.due_on.isoformat()}  # fmt: skip
    assert client.post(url, details).status_code == 302
    opened.refresh_from_db()
    assert opened.title == "Tên mới"


def test_the_library_answers_uploads_and_sends(client, opened, network, commune_librarian, media):
    commune = inspection_of(opened, network["commune"])
    first, second, third = items_of(opened)
    client.force_login(commune_librarian)
    url = reverse("staff_inspections:inspection", args=[commune.pk])
    page = client.get(url).content.decode()
    assert f'name="compliance-{first.pk}"' in page and 'enctype="multipart/form-data"' in page
    answers = {f"compliance-{i.pk}": "yes" for i in (first, second, third)} | {
        f"text-{first.pk}": "thuvien.xa.vn"
    }
    # Sending without the required file: refused, the answers are kept.
    page = client.post(url, answers | {"action": "send"}, follow=True).content.decode()
    assert "nội dung số 1 cần ít nhất một tệp minh chứng" in page and "thuvien.xa.vn" in page
    commune.refresh_from_db()
    assert commune.status == "assigned"
    # A disguised file is refused; the text is saved all the same.
    fake = upload("anh.png", b"<html><body>not an image</body></html>")
    page = client.post(
        url, answers | {"action": "save", f"files-{first.pk}": [fake]}, follow=True
    ).content.decode()
    assert "loại tệp không được nhận" in page and not Evidence.objects.exists() and stored_files(media) == []
    assert InspectionAnswer.objects.get(inspection=commune, item=first).text == "thuvien.xa.vn"
    response = client.post(
        url, answers | {"action": "send", f"files-{first.pk}": [pdf(), pdf("anh-chup.pdf")]}
    )
    assert response.status_code == 302
    commune.refresh_from_db()
    assert commune.status == "answered" and Evidence.objects.count() == 2
    page = client.get(url).content.decode()
    assert "bien-ban.pdf" in page and f'name="compliance-{first.pk}"' not in page


def test_the_library_removes_a_file_while_answering(client, opened, network, commune_librarian, media):
    commune = inspection_of(opened, network["commune"])
    first = items_of(opened)[0]
    answer = inspections.answer_for(commune, commune_librarian, first)
    row = inspections.add_evidence(answer, commune_librarian, pdf())
    client.force_login(commune_librarian)
    url = reverse("staff_inspections:inspection", args=[commune.pk])
    assert f'name="remove" value="{row.pk}"' in client.get(url).content.decode()
    client.post(url, {"remove": str(row.pk), f"text-{first.pk}": "Đã sửa"})
    assert not Evidence.objects.exists()
    assert InspectionAnswer.objects.get(pk=answer.pk).text == "Đã sửa"  # saved on the way


def test_the_inspector_returns_then_scores_from_the_page(
    client, opened, network, commune_librarian, inspector
):
    commune = answered(inspection_of(opened, network["commune"]), commune_librarian)
    first, second, third = items_of(opened)
    url = reverse("staff_inspections:inspection", args=[commune.pk])
    client.force_login(commune_librarian)
    assert client.post(url, {"action": "score", f"points-{first.pk}": "20"}).status_code == 403
    assert client.post(url, {"action": "return", "comment": "Tự trả lại"}).status_code == 403
    client.force_login(inspector)
    page = client.get(url).content.decode()
    assert f'name="points-{first.pk}"' in page and 'value="return"' in page
    client.post(url, {"action": "return", "comment": "Thiếu ảnh chụp phòng đọc"})
    commune.refresh_from_db()
    assert commune.status == "assigned"
    assert client.post(url, {"action": "save"}).status_code == 403  # the inspector does not answer
    client.force_login(commune_librarian)
    page = client.get(url).content.decode()
    assert "Thiếu ảnh chụp phòng đọc" in page
    inspections.send_answers(commune, commune_librarian)
    client.force_login(inspector)
    points = {f"points-{first.pk}": "20", f"points-{second.pk}": "30", f"points-{third.pk}": "99"}
    page = client.post(url, {"action": "score", "findings": "Tốt", **points}).content.decode()
    assert "phải từ 0 đến điểm tối đa" in page and 'value="99"' in page and "Tốt" in page
    assert f'name="points-{first.pk}" value="20"' in page
    due = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    response = client.post(
        url,
        {"action": "score", "findings": "Tốt", **points, f"points-{third.pk}": "12,5",
         "action-0-description": "Bổ sung biên bản", "action-0-due": due},
    )  # fmt: skip
    assert response.status_code == 302
    commune.refresh_from_db()
    assert (commune.status, commune.score) == ("scored", 62.5)
    assert list(commune.actions.values_list("description", flat=True)) == ["Bổ sung biên bản"]
    page = client.get(url).content.decode()
    assert "62,5" in page and "Kết luận, chấm điểm" in page and f'name="points-{first.pk}"' not in page
    client.post(url, {"action": "add_action", "description": "Duy trì trang web", "due_on": ""})
    assert commune.actions.count() == 2
    page = client.post(url, {"action": "add_action", "description": "X", "due_on": "31/12"}).content.decode()
    assert "không hợp lệ" in page and commune.actions.count() == 2


def test_follow_ups_move_from_the_pages(client, scored, commune_librarian, inspector):
    action = scored.actions.get()
    url = reverse("staff_inspections:followup", args=[action.pk])
    client.force_login(commune_librarian)
    page = client.get(reverse("staff_inspections:followups")).content.decode()
    assert "Kết nối mục lục liên hợp" in page and "Quá hạn" in page and "đã quá hạn" in page
    assert client.post(url, {"action": "close"}).status_code == 403
    response = client.post(url, {"action": "done", "response": "Đã kết nối ngày 3/5", "back": "list"})
    assert response["Location"].startswith(reverse("staff_inspections:followups"))
    client.force_login(inspector)
    assert client.post(url, {"action": "done", "response": "x"}).status_code == 403
    page = client.get(reverse("staff_inspections:inspection", args=[scored.pk])).content.decode()
    assert "Đã kết nối ngày 3/5" in page and 'value="close"' in page
    client.post(url, {"action": "close"})
    assert FollowUpAction.objects.get(pk=action.pk).status == "closed"
    pending = client.get(reverse("staff_inspections:followups")).content.decode()
    assert "Kết nối mục lục liên hợp" not in pending
    closed = client.get(reverse("staff_inspections:followups") + "?status=closed").content.decode()
    assert "Kết nối mục lục liên hợp" in closed


def test_the_round_page_shows_progress_scores_and_overdue_actions(client, scored, manager):
    client.force_login(manager)
    page = client.get(reverse("staff_inspections:round", args=[scored.round_id])).content.decode()
    assert "Tiến độ" in page and "Lê Quý Đôn" in page and "60,0" in page
    assert "Kết nối mục lục liên hợp" in page and "1 quá hạn" in page
    assert "chỉ kết thúc được khi mọi thư viện" in page


def test_the_round_closes_from_its_page_once_all_are_scored(client, scored, network, manager, inspector):
    rnd = scored.round
    url = reverse("staff_inspections:round_close", args=[rnd.pk])
    client.force_login(inspector)
    assert client.post(url).status_code == 403
    client.force_login(manager)
    page = client.post(url, follow=True).content.decode()
    assert "còn 1 thư viện chưa được kết luận" in page
    rnd.due_on = rnd.opens_on = timezone.localdate() - dt.timedelta(days=1)
    rnd.save()
    inspections.score(inspection_of(rnd, network["school"]), inspector, points_for(rnd, 0, 0, 0), "")
    page = client.post(url, follow=True).content.decode()
    assert "Đã kết thúc đợt kiểm tra" in page
    rnd.refresh_from_db()
    assert rnd.status == "closed"
    # The open follow-up is still on the round's page.
    assert "Kết nối mục lục liên hợp" in page


def test_evidence_is_served_only_to_who_may_read_the_inspection(
    client, scored, network, commune_librarian, inspector
):
    row = Evidence.objects.get(answer__inspection=scored)
    url = reverse("staff_inspections:evidence", args=[row.pk])
    for user in (commune_librarian, inspector):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF_BYTES
        assert response["Content-Type"] == "application/pdf"
        assert (
            response["Content-Disposition"].startswith("attachment")
            and "bien-ban.pdf" in response["Content-Disposition"]
        )
        assert response["X-Content-Type-Options"] == "nosniff" and "no-store" in response["Cache-Control"]
    client.force_login(_staff("truong", network["school"], "admin"))
    assert client.get(url).status_code == 404
    # Never under /media/: the stored name is not the uploaded one and not served as a static file.
    assert "bien-ban" not in row.file.name
