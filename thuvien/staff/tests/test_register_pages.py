"""Register pages: libraries in scope with profile completeness, the profile page and its validation."""

from __future__ import annotations

import pytest

from conftest import _staff
from thuvien.audit.models import AuditEntry
from thuvien.network.models import Library
from thuvien.reports import register
from thuvien.reports.models import LibraryProfile

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(network):
    return _staff("so.quanly", network["prov"], "manager")


@pytest.fixture
def inspector(network):
    return _staff("so.kiemtra", network["prov"], "inspector")


def form(**changes):
    data = {
        "address": "Thôn Đông, xã Hòa Bình", "phone": "0203 3851 234", "email": "hoabinh@example.vn",
        "website": "https://hoabinh.example.vn", "opening_hours": "Thứ Hai – Thứ Sáu", "latitude": "21.0285",
        "longitude": "105.8542", "services": ["online_catalogue", "lending"], "description": "Giới thiệu",
        "founded_year": "1998", "floor_area_m2": "120", "seats": "40", "governing_body": "UBND xã",
    }  # fmt: skip
    data.update(changes)
    return data


def test_anonymous_is_sent_to_login(client, network):
    for url in ("/staff/register/", "/staff/register/VN-TST-XA/"):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]
    response = client.post("/staff/register/VN-TST-XA/", form())
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not LibraryProfile.objects.exists()


def test_another_province_is_refused(client, other_library_staff, network):
    client.force_login(other_library_staff)
    text = client.get("/staff/register/").content.decode()
    assert "VN-KHAC" in text and "VN-TST" not in text
    assert client.get("/staff/register/VN-TST-XA/").status_code == 404
    assert client.get("/staff/register/?library=VN-TST").status_code == 404
    assert client.post("/staff/register/VN-TST-XA/", form()).status_code == 404
    assert not LibraryProfile.objects.exists()


def test_commune_librarian_sees_and_edits_his_own_library(client, commune_librarian, network):
    client.force_login(commune_librarian)
    text = client.get("/staff/register/").content.decode()
    assert "VN-TST-XA" in text and "VN-TST-THPT" not in text and "/staff/register/VN-TST/" not in text
    assert client.get("/staff/register/VN-TST/").status_code == 404
    page = client.get("/staff/register/VN-TST-XA/")
    assert page.status_code == 200 and 'name="services"' in page.content.decode()
    response = client.post("/staff/register/VN-TST-XA/", form())
    assert response.status_code == 302 and response["Location"] == "/staff/register/VN-TST-XA/"
    library = Library.objects.get(code="VN-TST-XA")
    assert library.latitude == 21.0285 and library.website == "https://hoabinh.example.vn"
    assert library.profile.services == ["online_catalogue", "lending"] and library.profile.seats == 40
    assert AuditEntry.objects.filter(type="network.library.updated", actor=commune_librarian).exists()
    assert AuditEntry.objects.filter(type="reports.profile.updated", actor=commune_librarian).exists()
    text = client.get("/staff/register/").content.decode()
    assert "100%" in text


def test_manager_sees_the_province_and_edits_any_library(client, manager, network):
    register.update_profile(
        network["school"], None, website="https://t.example.vn", services=["digital_reading"]
    )
    client.force_login(manager)
    text = client.get("/staff/register/").content.decode()
    assert all(code in text for code in ("VN-TST-XA", "VN-TST-THPT", "/staff/register/VN-TST/"))
    assert "VN-KHAC" not in text
    assert "1 có trang web cung cấp dịch vụ trực tuyến" in text
    text = client.get("/staff/register/?kind=school").content.decode()
    assert "VN-TST-THPT" in text and "VN-TST-XA" not in text
    assert client.post("/staff/register/VN-TST-THPT/", form(seats="75")).status_code == 302
    assert LibraryProfile.objects.get(library=network["school"]).seats == 75


def test_bad_input_shows_errors_and_keeps_everything(client, commune_librarian, network):
    register.update_profile(network["commune"], None, address="Cũ", latitude=21.0, longitude=105.0)
    client.force_login(commune_librarian)
    response = client.post(
        "/staff/register/VN-TST-XA/",
        form(latitude="105.8542", longitude="21.0285", email="sai", address="Địa chỉ mới"),
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "bị đảo" in text and "thư điện tử không hợp lệ" in text
    assert "Địa chỉ mới" in text  # what was typed is still in the form
    library = Library.objects.get(code="VN-TST-XA")
    assert library.address == "Cũ" and library.latitude == 21.0
    response = client.post("/staff/register/VN-TST-XA/", form(seats="nhiều", services=["bay"]))
    assert response.status_code == 200 and "errorlist" in response.content.decode()


def test_a_pasted_pair_of_coordinates(client, commune_librarian, network):
    client.force_login(commune_librarian)
    client.post("/staff/register/VN-TST-XA/", form(latitude="21.028511, 105.804817", longitude=""))
    library = Library.objects.get(code="VN-TST-XA")
    assert (library.latitude, library.longitude) == (21.028511, 105.804817)


def test_inspector_reads_the_profile_only(client, inspector, network):
    register.update_profile(network["commune"], None, governing_body="UBND xã Hòa Bình")
    client.force_login(inspector)
    page = client.get("/staff/register/VN-TST-XA/")
    text = page.content.decode()
    assert page.status_code == 200 and "UBND xã Hòa Bình" in text and 'name="services"' not in text
    assert client.post("/staff/register/VN-TST-XA/", form()).status_code == 403
    assert LibraryProfile.objects.get(library=network["commune"]).governing_body == "UBND xã Hòa Bình"
