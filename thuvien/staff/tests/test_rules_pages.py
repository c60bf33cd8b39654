"""The rules matrix and calendar pages: inherited rules shown, overrides below, edits by admins only."""

from __future__ import annotations

import pytest

from thuvien.accounts.models import StaffRole, User
from thuvien.audit.models import AuditEntry
from thuvien.circulation.models import CirculationRule, Closure
from thuvien.circulation.queries import rule_for
from thuvien.patrons.models import ReaderCategory

pytestmark = pytest.mark.django_db


@pytest.fixture
def commune_admin(network):
    user = User.objects.create_user("xa-admin", password="mat-khau-thu-nghiem-1")
    StaffRole.objects.create(user=user, library=network["commune"], role="admin")
    return user


def test_matrix_shows_inherited_and_own_rules(client, provincial_librarian, network):
    CirculationRule.objects.create(library=network["prov"], loan_days=21)
    client.force_login(provincial_librarian)
    page = client.get("/staff/rules/?library=VN-TST-XA")
    assert page.status_code == 200
    text = page.content.decode()
    assert "21 ngày" in text and "VN-TST / * / *" in text


def test_commune_admin_overrides_below_the_province(client, commune_admin, network):
    CirculationRule.objects.create(library=network["prov"], loan_days=21)
    pupil = ReaderCategory.objects.get(code="pupil")
    client.force_login(commune_admin)
    response = client.post(
        "/staff/rules/VN-TST-XA/new/",
        {"category": pupil.pk, "item_type": "", "loan_days": 7, "loan_hours": 0, "renewals": 1, "renewal_days": 7,
         "max_loans_total": 3, "max_holds": 2, "pickup_days": 5, "fine_per_day": 1000, "fine_cap": 20000,
         "grace_days": 1, "delivery_fee": 20000},
    )  # fmt: skip
    assert response.status_code == 302
    assert rule_for(network["commune"], pupil.pk, "").loan_days == 7
    assert rule_for(network["commune"], None, "").loan_days == 21  # other readers inherit the province
    assert rule_for(network["prov"], pupil.pk, "").loan_days == 21  # the province is unchanged
    assert AuditEntry.objects.filter(type="circulation.rule.created").exists()


def test_commune_admin_cannot_edit_the_province(client, commune_admin, network):
    client.force_login(commune_admin)
    assert client.get("/staff/rules/VN-TST/new/").status_code == 403
    assert client.post("/staff/rules/VN-TST/closures/", {"weekday": 6}).status_code == 403
    assert not Closure.objects.exists()


def test_other_network_staff_refused_everywhere(client, other_library_staff, network):
    rule = CirculationRule.objects.create(library=network["prov"], loan_days=21)
    closure = Closure.objects.create(library=network["prov"], weekday=6)
    client.force_login(other_library_staff)
    assert client.get("/staff/rules/?library=VN-TST").status_code == 403
    assert client.get(f"/staff/rules/VN-TST/{rule.pk}/").status_code == 403
    assert client.post(f"/staff/rules/VN-TST/{rule.pk}/delete/").status_code == 403
    assert client.post(f"/staff/rules/VN-TST/closures/{closure.pk}/delete/").status_code == 403
    assert (
        CirculationRule.objects.filter(pk=rule.pk).exists() and Closure.objects.filter(pk=closure.pk).exists()
    )


def test_anonymous_sent_to_login(client, network):
    assert client.get("/staff/rules/").status_code == 302


def test_viewer_sees_but_cannot_edit(client, network):
    viewer = User.objects.create_user("xem", password="mat-khau-thu-nghiem-1")
    StaffRole.objects.create(user=viewer, library=network["prov"], role="viewer")
    client.force_login(viewer)
    page = client.get("/staff/rules/?library=VN-TST")
    assert page.status_code == 200 and "Thêm quy định riêng" not in page.content.decode()
    assert client.get("/staff/rules/VN-TST/new/").status_code == 403


def test_closures_added_and_deleted(client, provincial_librarian, network):
    client.force_login(provincial_librarian)
    client.post("/staff/rules/VN-TST/closures/", {"date": "2026-09-02", "reason": "Quốc khánh"})
    client.post("/staff/rules/VN-TST/closures/", {"weekday": "6", "reason": "Chủ nhật"})
    assert Closure.objects.filter(library=network["prov"]).count() == 2
    page = client.get("/staff/rules/?library=VN-TST-XA").content.decode()
    assert "02/09/2026" in page and "Chủ nhật" in page
    closure = Closure.objects.get(weekday=6)
    client.post(f"/staff/rules/VN-TST/closures/{closure.pk}/delete/")
    assert Closure.objects.filter(library=network["prov"]).count() == 1


def test_duplicate_cell_refused_with_message(client, provincial_librarian, network):
    CirculationRule.objects.create(library=network["prov"], loan_days=21)
    client.force_login(provincial_librarian)
    data = {"category": "", "item_type": "", "loan_days": 7, "loan_hours": 0, "renewals": 1, "renewal_days": 7,
            "max_loans_total": 3, "max_holds": 2, "pickup_days": 5, "fine_per_day": 1000, "fine_cap": 20000,
            "grace_days": 1, "delivery_fee": 20000}  # fmt: skip
    page = client.post("/staff/rules/VN-TST/new/", data)
    assert page.status_code == 200
    assert CirculationRule.objects.filter(library=network["prov"]).count() == 1
