"""Who may use each copy-cataloguing route: cataloguing staff only, each within their own libraries.

Staff of another province, a clerk of the circulation desk, a signed-in reader and anonymous visitors
are refused every route (or, on the pages listing one's own work, shown nothing of this library's),
and a refused request changes nothing.
"""

from __future__ import annotations

import pytest

from thuvien.accounts.models import StaffRole, User
from thuvien.catalog.models import Record
from thuvien.circulation.tests import conftest as circulation_cast
from thuvien.interop.copycat.models import CopyTarget, FetchedRecord

pytestmark = pytest.mark.django_db

reader = circulation_cast.reader

EDIT = {"code": "xa", "name": "Đổi", "protocol": "z3950", "host": "h.example.vn", "port": 210, "database": "D",
        "syntax": "usmarc", "charset": "auto", "sru_version": "1.2", "sru_schema": "marcxml"}  # fmt: skip


@pytest.fixture
def world(network, make_target, commune_librarian, corpus):
    target = make_target("xa", name="Máy chủ của xã")
    raw = (corpus / "marc/synthetic-vietnamese/vi_synthetic_utf8_nfc.mrc").read_bytes().split(b"\x1d")[0]
    fetched = FetchedRecord.objects.create(
        token="t" * 43, user=commune_librarian, target=target, target_code="xa", position=1, syntax="usmarc",
        raw=raw + b"\x1d",
    )  # fmt: skip
    return {"target": target, "fetched": fetched, "network": network}


def routes(w):
    token, code = w["fetched"].token, w["target"].code
    return [
        ("GET", f"/staff/copycat/?kind=title&q=Kiều&targets={w['target'].pk}", None),
        ("GET", f"/staff/copycat/hits/{token}/", None),
        ("POST", f"/staff/copycat/hits/{token}/import/", {}),
        ("GET", "/staff/copycat/targets/", None),
        ("GET", "/staff/copycat/targets/new/", None),
        (
            "POST",
            "/staff/copycat/targets/new/",
            {**EDIT, "code": "moi", "library": w["network"]["commune"].pk},
        ),
        ("GET", f"/staff/copycat/targets/{code}/edit/", None),
        ("POST", f"/staff/copycat/targets/{code}/edit/", {**EDIT, "library": w["network"]["commune"].pk}),
        ("POST", f"/staff/copycat/targets/{code}/test/", {}),
    ]


def send(client, method, url, data):
    return client.get(url) if method == "GET" else client.post(url, data)


def unchanged(w) -> tuple:
    target = CopyTarget.objects.get(pk=w["target"].pk)
    return target.name, target.host, CopyTarget.objects.count(), Record.objects.count()


def test_anonymous_and_readers_are_sent_to_the_staff_sign_in(client, world, reader):
    before = unchanged(world)
    for signed_in in (False, True):
        if signed_in:
            assert client.post("/ban-doc/dang-nhap/", {"card": "TST0001", "pin": "1234"}).status_code == 302
        for method, url, data in routes(world):
            response = send(client, method, url, data)
            assert response.status_code == 302 and response["Location"].startswith("/staff/login/"), (
                method,
                url,
            )
    assert unchanged(world) == before


def test_circulation_clerk_is_refused(client, world):
    clerk = User.objects.create_user("quay", password="mat-khau-thu-nghiem-1")  # noqa: S106
    StaffRole.objects.create(user=clerk, library=world["network"]["commune"], role="circulation")
    client.force_login(clerk)
    before = unchanged(world)
    for method, url, data in routes(world):
        assert send(client, method, url, data).status_code == 403, (method, url)
    assert unchanged(world) == before


def test_staff_of_another_library_are_refused(client, world, other_library_staff):
    client.force_login(other_library_staff)
    before = unchanged(world)
    for method, url, data in routes(world):
        response = send(client, method, url, data)
        text = response.content.decode()
        if url.startswith("/staff/copycat/?"):
            # Their own search page: this library's target is not one they may choose.
            assert response.status_code == 200 and "Máy chủ của xã" not in text and "errorlist" in text
        elif url == "/staff/copycat/targets/":
            assert response.status_code == 200 and "Máy chủ của xã" not in text
        elif url == "/staff/copycat/targets/new/":
            # Their own form: a library of another province is not a choice.
            assert response.status_code == 200 and (method == "GET" or "errorlist" in text)
        elif "/hits/" in url:
            assert response.status_code == 404, (method, url)  # another user's record is nobody's
        else:
            assert response.status_code == 403, (method, url)
    assert unchanged(world) == before
    assert not FetchedRecord.objects.exclude(pk=world["fetched"].pk).exists()


def test_the_cataloguer_may_use_every_route(client, world, commune_librarian):
    client.force_login(commune_librarian)
    for method, url, data in routes(world):
        if url.endswith("/test/"):
            continue  # reaches the (unresolvable) target: tested with live servers
        response = send(client, method, url, data)
        assert response.status_code in (200, 302), (method, url, response.content.decode()[:500])
