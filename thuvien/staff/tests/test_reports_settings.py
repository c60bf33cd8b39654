"""Indicator settings (/staff/reports/settings/, …/indicators/<code>/edit/): managers edit descriptions,
superusers also how an indicator is computed and create new ones; librarians only read the list."""

from __future__ import annotations

import pytest

from thuvien.accounts.models import User
from thuvien.audit.models import AuditEntry
from thuvien.reports.models import Indicator
from thuvien.reports.tests import dashboard_cast

pytestmark = pytest.mark.django_db

manager = dashboard_cast.manager
LIST, NEW = "/staff/reports/settings/", "/staff/reports/settings/new/"
EDIT = "/staff/reports/indicators/loans/edit/"


@pytest.fixture
def superuser(network):
    return User.objects.create_superuser("quantri", password="mat-khau-thu-nghiem-1")  # noqa: S106


def edit_form(indicator: Indicator, **changes) -> dict:
    data = {
        "name": indicator.name, "description": indicator.description, "unit": indicator.unit,
        "library_kinds": indicator.library_kinds, "position": indicator.position,
        "source": indicator.source, "aggregation": indicator.aggregation, "params": "",
    }  # fmt: skip
    for flag in ("active", "higher_is_better", "programme"):
        if getattr(indicator, flag):
            data[flag] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_anonymous_is_sent_to_the_login(client, network):
    for path in (LIST, NEW, EDIT):
        response = client.get(path)
        assert response.status_code == 302 and "/login/" in response["Location"], path


def test_librarians_read_the_list_but_edit_nothing(client, network, commune_librarian, other_library_staff):
    loans = Indicator.objects.get(code="loans")
    for user in (commune_librarian, other_library_staff):
        client.force_login(user)
        page = client.get(LIST)
        assert page.status_code == 200
        html = page.content.decode()
        assert "Lượt mượn" in html and "report:visits" in html and EDIT not in html and NEW not in html
        assert client.get(EDIT).status_code == 403
        assert client.post(EDIT, edit_form(loans, name="Đổi tên")).status_code == 403
        assert client.get(NEW).status_code == 403
    assert Indicator.objects.get(code="loans").name == "Lượt mượn"


def test_a_manager_edits_the_description_but_not_the_source(client, network, manager):
    loans = Indicator.objects.get(code="loans")
    client.force_login(manager)
    page = client.get(EDIT)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="name"' in html and 'name="source"' not in html and 'name="params"' not in html
    response = client.post(
        EDIT,
        edit_form(loans, name="Lượt mượn về nhà", library_kinds=["commune", "school"], position="5",
                  source="report:loans", aggregation="max", active=None),
    )  # fmt: skip
    assert response.status_code == 302
    loans.refresh_from_db()
    assert loans.name == "Lượt mượn về nhà" and loans.library_kinds == ["commune", "school"]
    assert loans.position == 5 and not loans.active
    assert loans.source == "loans" and loans.aggregation == "sum"  # a manager cannot change those
    entry = AuditEntry.objects.get(type="reports.indicator.updated")
    assert entry.actor == manager and entry.data["code"] == "loans"
    assert entry.data["changes"]["name"] == ["Lượt mượn", "Lượt mượn về nhà"]
    assert set(entry.data["changes"]) == {"name", "library_kinds", "position", "active"}
    assert client.get(NEW).status_code == 403  # creating one needs a source


def test_a_superuser_changes_the_source_and_bad_input_is_refused(client, network, superuser):
    loans = Indicator.objects.get(code="loans")
    client.force_login(superuser)
    assert 'name="source"' in client.get(EDIT).content.decode()
    for changes, message in (
        ({"source": "nope"}, "không phải là một phép tính đã đăng ký"),
        ({"params": "[1, 2]"}, "Tham số phải là một đối tượng JSON"),
        ({"params": "{"}, "Không đọc được JSON"),
        ({"unit": "percent"}, "Chỉ tiêu tỷ lệ có đơn vị %"),
        ({"position": "-1"}, "0"),
    ):
        response = client.post(EDIT, edit_form(loans, **changes))
        assert response.status_code == 400, changes
        assert message in response.content.decode(), changes
    loans.refresh_from_db()
    assert loans.source == "loans" and loans.unit == "count"
    response = client.post(EDIT, edit_form(loans, source="report:loans_home", params='{"x": 1}'))
    assert response.status_code == 302
    loans.refresh_from_db()
    assert loans.source == "report:loans_home" and loans.params == {"x": 1}


def test_a_superuser_creates_an_indicator(client, network, superuser):
    client.force_login(superuser)
    page = client.get(NEW)
    assert page.status_code == 200 and 'name="code"' in page.content.decode()
    data = {"code": "events", "name": "Số sự kiện", "unit": "count", "position": "200", "source": "report:events",
            "aggregation": "sum", "active": "on", "higher_is_better": "on"}  # fmt: skip
    assert client.post(NEW, {**data, "code": "loans"}).status_code == 400  # taken
    assert client.post(NEW, {**data, "aggregation": "ratio"}).status_code == 400  # a share in a count unit
    response = client.post(NEW, data)
    assert response.status_code == 302
    created = Indicator.objects.get(code="events")
    assert created.source == "report:events" and created.active and not created.programme
    assert AuditEntry.objects.filter(type="reports.indicator.created", actor=superuser).count() == 1
    assert "/staff/reports/indicators/events/edit/" in client.get(LIST).content.decode()
