"""The dashboard (/staff/reports/): stored values against targets, by scope and year; the refresh button."""

from __future__ import annotations

import re

import pytest

from thuvien.audit.models import AuditEntry
from thuvien.reports.models import Indicator
from thuvien.reports.tests import dashboard_cast

pytestmark = pytest.mark.django_db

manager, figures = dashboard_cast.manager, dashboard_cast.figures

DASHBOARD = "/staff/reports/"


def card(html: str, code: str) -> str:
    """Return the dashboard card of indicator CODE (its <li>)."""
    found = re.search(
        rf'<li class="mis-card">\s*<h3><a href="/staff/reports/indicators/{code}/.*?</li>', html, re.S
    )
    assert found, f"no card for {code}"
    return found.group(0)


def test_anonymous_is_sent_to_the_login(client, figures):
    response = client.get(DASHBOARD)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_staff_of_another_province_get_404_for_ours_and_see_only_theirs(client, figures, other_library_staff):
    client.force_login(other_library_staff)
    assert client.get(DASHBOARD, {"scope": "VN-TST"}).status_code == 404
    assert client.get(DASHBOARD, {"scope": "VN-TST-XA"}).status_code == 404
    assert client.get(DASHBOARD, {"scope": "VN-NOWHERE"}).status_code == 404
    page = client.get(DASHBOARD)  # his own province: one library 1/1 in 2024
    assert page.status_code == 200
    html = page.content.decode()
    assert "Thư viện tỉnh Khác" in html and "Thử Nghiệm" not in html
    assert "100 %" in card(html, "prog-union-catalogue")


def test_a_commune_librarian_sees_his_library_only(client, figures, commune_librarian):
    client.force_login(commune_librarian)
    assert client.get(DASHBOARD, {"scope": "VN-TST"}).status_code == 404
    assert client.get(DASHBOARD, {"scope": "VN-TST-THPT"}).status_code == 404
    page = client.get(DASHBOARD)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Thư viện xã Hòa Bình" in html
    union = card(html, "prog-union-catalogue")
    assert "100 %" in union and "1/1 thư viện" in union
    assert "Đạt" in union  # the province's target applies to its libraries
    assert "1.234 lượt" in card(html, "loans")
    assert "Cập nhật số liệu" not in html  # a librarian cannot queue a refresh


def test_the_manager_sees_the_province_against_its_targets(client, figures, manager):
    client.force_login(manager)
    page = client.get(DASHBOARD)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Thư viện tỉnh Thử Nghiệm" in html
    union = card(html, "prog-union-catalogue")
    assert "50 %" in union and "1/2 thư viện" in union and "Mục tiêu 2024: 40 %" in union
    assert 'class="mis-badge above">Đạt<' in union
    trained = card(html, "prog-staff-trained")
    assert "33,3 %" in trained and "4/12 người" in trained and "Mục tiêu 2024: 60 %" in trained
    assert 'class="mis-badge below">Chưa đạt<' in trained
    loans = card(html, "loans")
    assert "2.000 lượt" in loans and "Chưa có mục tiêu" in loans
    # The programme's indicators come first, then the operational ones.
    assert (
        html.index("prog-staff-trained/") < html.index("Chỉ tiêu hoạt động") < html.index("indicators/loans/")
    )
    # Years with stored values, the latest selected; the chart and its table for screen readers.
    assert '<option value="2024" selected>' in html and '<option value="2023">' in html
    assert '<svg class="mis-chart"' in union and "<title" in union and 'class="visually-hidden"' in union
    assert "Năm 2024: 50 %" in union and "Mục tiêu năm 2023: 20 %" in union
    # The member libraries, to go down a level.
    assert "?scope=VN-TST-XA&amp;year=2024" in html
    assert "Cập nhật số liệu" in html


def test_another_year_and_a_library_below(client, figures, manager):
    client.force_login(manager)
    html = client.get(DASHBOARD, {"year": "2023"}).content.decode()
    union = card(html, "prog-union-catalogue")
    assert "0 %" in union and "0/2 thư viện" in union and "Chưa đạt" in union
    html = client.get(DASHBOARD, {"scope": "VN-TST-THPT", "year": "2024"}).content.decode()
    assert "0 %" in card(html, "prog-union-catalogue")
    assert "766 lượt" in card(html, "loans")
    # A year without stored values, or nonsense, falls back to the latest.
    for year in ("1999", "abc", "2030"):
        html = client.get(DASHBOARD, {"year": year}).content.decode()
        assert '<option value="2024" selected>' in html


def test_inactive_indicators_are_left_out(client, figures, manager):
    Indicator.objects.filter(code="loans").update(active=False)
    client.force_login(manager)
    html = client.get(DASHBOARD).content.decode()
    assert "/indicators/loans/" not in html


def test_an_empty_scope_says_so(client, network, manager):
    client.force_login(manager)
    page = client.get(DASHBOARD)
    assert page.status_code == 200
    assert "Chưa có số liệu chỉ tiêu nào" in page.content.decode()


def test_the_time_of_computation_is_shown(client, figures, manager):
    client.force_login(manager)
    assert "Số liệu năm 2024 tính lúc" in client.get(DASHBOARD).content.decode()


# --- refresh --------------------------------------------------------------------------------------


@pytest.fixture
def queued(monkeypatch):
    from thuvien.reports import tasks

    calls = []

    class Recorder:
        def enqueue(self, **kwargs):
            calls.append(kwargs)

    monkeypatch.setattr(tasks, "refresh_indicators", Recorder())
    return calls


def test_the_manager_queues_a_refresh_of_the_scope(client, figures, manager, network, queued,
                                                  django_capture_on_commit_callbacks):  # fmt: skip
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/staff/reports/refresh/", {"scope": "VN-TST-XA", "year": "2024"})
    assert response.status_code == 302 and "scope=VN-TST-XA" in response["Location"]
    assert queued == [{"year": 2024, "scope_id": network["commune"].pk}]
    entry = AuditEntry.objects.get(type="reports.indicators.refresh_requested")
    assert entry.actor == manager and entry.library == network["commune"] and entry.data["year"] == 2024


def test_refresh_refuses_a_future_year_and_others(client, figures, manager, commune_librarian,
                                                 other_library_staff, queued):  # fmt: skip
    assert client.post("/staff/reports/refresh/", {"scope": "VN-TST", "year": "2024"}).status_code == 302
    client.force_login(manager)
    response = client.post("/staff/reports/refresh/", {"scope": "VN-TST", "year": "2999"}, follow=True)
    assert "Chọn một năm đã qua hoặc năm nay" in response.content.decode()
    assert client.get("/staff/reports/refresh/").status_code == 405
    client.force_login(commune_librarian)
    assert client.post("/staff/reports/refresh/", {"scope": "VN-TST-XA", "year": "2024"}).status_code == 403
    assert client.post("/staff/reports/refresh/", {"scope": "VN-TST", "year": "2024"}).status_code == 404
    client.force_login(other_library_staff)
    assert client.post("/staff/reports/refresh/", {"scope": "VN-TST", "year": "2024"}).status_code == 404
    assert queued == []
    assert not AuditEntry.objects.filter(type="reports.indicators.refresh_requested").exists()
