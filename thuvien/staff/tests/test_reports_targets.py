"""The targets grid (/staff/reports/targets/): read by whoever reads the province, written by its managers."""

from __future__ import annotations

import pytest

from thuvien.audit.models import AuditEntry
from thuvien.reports.models import Indicator, IndicatorTarget
from thuvien.reports.tests import dashboard_cast

pytestmark = pytest.mark.django_db

manager = dashboard_cast.manager
TARGETS = "/staff/reports/targets/"


@pytest.fixture
def indicators(network):
    union = Indicator.objects.get(code="prog-union-catalogue")
    loans = Indicator.objects.get(code="loans")
    IndicatorTarget.objects.create(
        indicator=union, province=network["prov"], year=2024, value=0.4, note="KH 1"
    )
    IndicatorTarget.objects.create(indicator=union, province=network["prov"], year=2025, value=0.5)
    IndicatorTarget.objects.create(indicator=union, province=network["other_prov"], year=2024, value=0.9)
    return {"union": union, "loans": loans}


def cell(indicator, year):
    return f"t-{indicator.pk}-{year}"


def test_anonymous_is_sent_to_the_login(client, indicators):
    for response in (client.get(TARGETS), client.post(TARGETS, {"province": "VN-TST"})):
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_staff_of_another_province_get_404(client, indicators, other_library_staff):
    client.force_login(other_library_staff)
    assert client.get(TARGETS, {"province": "VN-TST"}).status_code == 404
    assert (
        client.post(TARGETS, {"province": "VN-TST", cell(indicators["union"], 2024): "1"}).status_code == 404
    )
    page = client.get(TARGETS)  # his own province's targets, read-only
    assert page.status_code == 200
    html = page.content.decode()
    assert "Thư viện tỉnh Khác" in html and "90 %" in html and '<input type="text"' not in html


def test_a_commune_librarian_reads_the_province_s_targets_but_cannot_set_them(client, indicators,
                                                                             commune_librarian):  # fmt: skip
    client.force_login(commune_librarian)
    page = client.get(TARGETS)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Thư viện tỉnh Thử Nghiệm" in html and "40 %" in html and "50 %" in html
    assert 'name="t-' not in html
    assert client.get(TARGETS, {"province": "VN-TST-XA"}).status_code == 404  # not a province
    response = client.post(TARGETS, {"province": "VN-TST", cell(indicators["union"], 2024): "99"})
    assert response.status_code == 403
    assert (
        IndicatorTarget.objects.get(indicator=indicators["union"], province__code="VN-TST", year=2024).value
        == 0.4
    )


def test_the_manager_sets_changes_and_clears_targets(client, indicators, manager, network):
    union, loans = indicators["union"], indicators["loans"]
    client.force_login(manager)
    page = client.get(TARGETS)
    assert page.status_code == 200
    html = page.content.decode()
    assert f'name="{cell(union, 2024)}" id="{cell(union, 2024)}" value="40"' in html
    assert f'name="{cell(loans, 2030)}"' in html and f'name="{cell(union, 2021)}"' in html
    response = client.post(
        TARGETS,
        {
            "province": "VN-TST",
            "note": "Kế hoạch 25/KH-UBND",
            cell(union, 2024): "40",  # unchanged
            cell(union, 2025): "",  # cleared
            cell(union, 2026): "72,5",
            cell(loans, 2026): "1.500",
        },
    )
    assert response.status_code == 302
    prov = network["prov"]
    targets = {
        (t.indicator.code, t.year): (t.value, t.note) for t in IndicatorTarget.objects.filter(province=prov)
    }
    assert targets == {
        ("prog-union-catalogue", 2024): (0.4, "KH 1"),
        ("prog-union-catalogue", 2026): (0.725, "Kế hoạch 25/KH-UBND"),
        ("loans", 2026): (1500, "Kế hoạch 25/KH-UBND"),
    }
    entries = AuditEntry.objects.filter(type__startswith="reports.target.").order_by("id")
    assert [(e.type, e.data["indicator"], e.data["year"], e.data["old"]) for e in entries] == [
        ("reports.target.cleared", "prog-union-catalogue", 2025, 0.5),
        ("reports.target.set", "prog-union-catalogue", 2026, None),
        ("reports.target.set", "loans", 2026, None),
    ]
    assert all(e.actor == manager and e.library == prov for e in entries)
    # The other province's targets are untouched.
    assert IndicatorTarget.objects.get(province=network["other_prov"]).value == 0.9
    page = client.get(TARGETS).content.decode()
    assert 'value="72,5"' in page and 'value="1.500"' in page


def test_bad_input_saves_nothing_and_keeps_what_was_typed(client, indicators, manager):
    union, loans = indicators["union"], indicators["loans"]
    client.force_login(manager)
    response = client.post(
        TARGETS,
        {"province": "VN-TST", cell(union, 2026): "60", cell(union, 2027): "150", cell(loans, 2026): "nhiều"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Tỷ lệ mục tiêu phải từ 0 đến 100 %." in html and "không phải là một số" in html
    assert "chưa lưu thay đổi nào" in html
    assert 'value="60"' in html and 'value="150"' in html and 'value="nhiều"' in html
    assert 'aria-invalid="true"' in html
    assert not IndicatorTarget.objects.filter(year__in=[2026, 2027]).exists()
    assert not AuditEntry.objects.filter(type__startswith="reports.target.").exists()


def test_nothing_changed_says_so(client, indicators, manager):
    client.force_login(manager)
    response = client.post(
        TARGETS, {"province": "VN-TST", cell(indicators["union"], 2024): "40"}, follow=True
    )
    assert "Không có mục tiêu nào thay đổi." in response.content.decode()
    assert not AuditEntry.objects.filter(type__startswith="reports.target.").exists()
