"""Target management: added and edited by cataloguers of the owning library, the password never shown back."""

from __future__ import annotations

import pytest

from thuvien.accounts.models import User
from thuvien.audit.models import AuditEntry
from thuvien.interop.copycat.models import CopyTarget
from thuvien.testing import free_port

pytestmark = pytest.mark.django_db

SECRET = "mat-khau-may-chu-z3950"


def form(library, **changes):
    data = {
        "code": "tv-tinh", "name": "Thư viện tỉnh", "protocol": "z3950", "host": "z3950.example.vn", "port": 210,
        "database": "biblios", "syntax": "usmarc", "charset": "marc-8", "sru_url": "", "sru_version": "1.2",
        "sru_schema": "marcxml", "user": "", "new_password": "", "enabled": "on",
        "library": library.pk if library else "",
    }  # fmt: skip
    data.update(changes)
    return data


def test_cataloguer_adds_a_target_with_a_password_never_shown_back(client, commune_librarian, network):
    client.force_login(commune_librarian)
    response = client.post(
        "/staff/copycat/targets/new/",
        form(network["commune"], user="xa", new_password=SECRET, allow_private="on"),
    )
    assert response.status_code == 302, response.content.decode()
    target = CopyTarget.objects.get(code="tv-tinh")
    assert target.password == SECRET and target.library == network["commune"] and target.charset == "marc-8"
    assert not target.allow_private  # only a superuser may allow private addresses
    entry = AuditEntry.objects.get(type="copycat.target.created")
    assert entry.data["has_password"] and SECRET not in str(entry.data)
    for url in ("/staff/copycat/targets/", "/staff/copycat/targets/tv-tinh/edit/"):
        text = client.get(url).content.decode()
        assert SECRET not in text and "tv-tinh" in text
    # Saving without typing the password keeps it; clearing it removes it.
    client.post("/staff/copycat/targets/tv-tinh/edit/", form(network["commune"], name="Đổi tên", user="xa"))
    target.refresh_from_db()
    assert target.name == "Đổi tên" and target.password == SECRET
    client.post("/staff/copycat/targets/tv-tinh/edit/", form(network["commune"], clear_password="on"))
    target.refresh_from_db()
    assert target.password == ""


def test_form_refuses_bad_input(client, commune_librarian, network):
    client.force_login(commune_librarian)
    for bad in (
        form(network["commune"], host=""),
        form(network["commune"], host="z3950.example.vn:210"),
        form(network["commune"], database=""),
        form(network["commune"], port=70000),
        form(network["commune"], protocol="sru"),  # no URL
        form(network["commune"], protocol="sru", sru_url="file:///etc/passwd"),
        form(network["commune"], charset="tcvn3"),
        form(network["commune"], code="Có dấu cách"),
        form(network["prov"]),  # a library outside the cataloguer's scope
        form(None),  # a network-wide target: the system administrator's
    ):
        response = client.post("/staff/copycat/targets/new/", bad)
        assert response.status_code == 200 and "errorlist" in response.content.decode(), bad
    assert not CopyTarget.objects.exists()


def test_superuser_adds_a_network_target_on_the_intranet(client, network, commune_librarian):
    admin = User.objects.create_superuser("root", password="mat-khau-thu-nghiem-1")  # noqa: S106
    client.force_login(admin)
    response = client.post(
        "/staff/copycat/targets/new/",
        form(None, code="mang", protocol="sru", sru_url="http://10.0.0.5/sru", allow_private="on"),
    )
    assert response.status_code == 302, response.content.decode()
    target = CopyTarget.objects.get(code="mang")
    assert target.library is None and target.allow_private
    # Every cataloguer searches with it; none but a superuser changes it.
    client.force_login(commune_librarian)
    listing = client.get("/staff/copycat/targets/").content.decode()
    assert "Dùng chung cả mạng lưới" in listing and "/staff/copycat/targets/mang/edit/" not in listing
    assert client.get("/staff/copycat/targets/mang/edit/").status_code == 403


def test_member_library_uses_the_province_target_but_does_not_change_it(
    client, commune_librarian, provincial_librarian, make_target, network
):
    make_target("tinh", library=network["prov"])
    make_target("truong", library=network["school"])
    make_target("khac", library=network["other_prov"])
    client.force_login(commune_librarian)
    listing = client.get("/staff/copycat/targets/").content.decode()
    assert "TINH" in listing and "TRUONG" not in listing and "KHAC" not in listing
    assert client.get("/staff/copycat/targets/tinh/edit/").status_code == 403
    client.force_login(provincial_librarian)
    listing = client.get("/staff/copycat/targets/").content.decode()
    assert "/staff/copycat/targets/truong/edit/" in listing and "KHAC" not in listing


def test_connection_test_reports_success_and_failure(client, commune_librarian, make_target, zebra_port):
    make_target("zebra", protocol="sru", sru_url=f"http://127.0.0.1:{zebra_port}/Default", sru_schema="F")
    make_target("hong", protocol="sru", sru_url=f"http://127.0.0.1:{free_port()}/sru")
    make_target("cam", protocol="sru", sru_url=f"http://127.0.0.1:{zebra_port}/Default", allow_private=False)
    client.force_login(commune_librarian)
    ok = client.post("/staff/copycat/targets/zebra/test/", follow=True).content.decode()
    assert "zebra: Máy chủ SRU trả lời" in ok
    down = client.post("/staff/copycat/targets/hong/test/", follow=True).content.decode()
    assert "Không kết nối được «hong»" in down
    refused = client.post("/staff/copycat/targets/cam/test/", follow=True).content.decode()
    assert "loopback" in refused
