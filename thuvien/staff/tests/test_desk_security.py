"""Who may use each desk route, tested through HTTP for every route.

The permission model (docs/decisions/0003-circulation.md), as the desk applies it:
- staff act only AT a library of ``circulation_libraries(user)`` (roles admin or circulation, with the
  subtree below each granted library); the desk library is chosen in the session among those;
- they SERVE (check out, check in, renew, place and cancel holds, mark lost) any reader whose card
  belongs to the same network as that library (``can_serve_reader``); a reader they cannot serve is a 404;
- they MANAGE a reader (edit him, see his address, phone, e-mail, birth date and masked CCCD, take his
  payments, waive his fees, approve, suspend, renew his card, reset his PIN, erase him) only when his
  home library is in their subtree (``can_manage_reader``); otherwise a 403;
- staff of another network are refused everything of this one; a cataloguer-only user has no desk.
"""

from __future__ import annotations

import datetime as dt

import pytest

from thuvien.accounts.models import StaffRole, User
from thuvien.audit.models import AuditEntry
from thuvien.catalog.models import ItemStatus
from thuvien.circulation import actions
from thuvien.circulation.models import Fee, FeeKind, Hold, Loan
from thuvien.circulation.tests import conftest as circulation_cast
from thuvien.patrons.models import Reader

pytestmark = pytest.mark.django_db

# The circulation tests' cast: readers of the test province, copies at its libraries, a librarian.
make_item = circulation_cast.make_item
other_reader = circulation_cast.other_reader
reader = circulation_cast.reader

PASSWORD = "mat-khau-thu-nghiem-1"  # noqa: S105


@pytest.fixture
def world(network, reader, other_reader, make_item):
    """One of everything a desk route can point at, all in the test province (VN-TST)."""
    prov = network["prov"]
    lent = make_item("prov", barcode="DESK-LENT")
    loan = actions.checkout(item=lent, reader=reader, library=prov)
    shelf = make_item("prov", barcode="DESK-SHELF")
    fee = Fee.objects.create(reader=reader, library=prov, kind=FeeKind.OTHER, amount=20000, note="thẻ hỏng")
    payment = actions.pay_fees(reader=reader, amount=5000, library=prov)
    wanted = make_item("prov", barcode="DESK-WANTED")
    actions.checkout(item=wanted, reader=other_reader, library=prov)
    hold = actions.place_hold(reader=reader, record=wanted.record, pickup_library=prov)
    posted = make_item("prov", barcode="DESK-POST")
    delivery = actions.request_delivery(
        reader=reader, record=posted.record, address="12 Lê Lợi", phone="0901234567"
    )
    moving = make_item("commune", barcode="DESK-MOVE")
    actions.send_transit(item=moving, to_library=prov, from_library=network["commune"])
    return {
        "reader": reader, "other_reader": other_reader, "loan": loan, "fee": fee, "payment": payment,
        "hold": hold, "delivery": delivery, "shelf": shelf, "moving": moving, "network": network,
    }  # fmt: skip


def routes(w) -> list[tuple[str, str, dict | None]]:
    """Every desk route: (method, url, POST data that would do something if allowed)."""
    r, lo, fe, ho = w["reader"].pk, w["loan"].pk, w["fee"].pk, w["hold"].pk
    base = f"/staff/desk/readers/{r}/"
    return [
        ("GET", "/staff/desk/", None),
        ("GET", f"/staff/desk/?q={w['reader'].card}", None),
        ("POST", "/staff/desk/library/", {"library": w["network"]["prov"].pk}),
        ("GET", base, None),
        ("POST", base + "checkout/", {"barcode": "DESK-SHELF"}),
        ("POST", base + "renew/", {"loan": lo}),
        ("POST", base + "renew/", {"all": "1"}),
        ("GET", base + f"loans/{lo}/", None),
        ("POST", base + f"loans/{lo}/lost/", {}),
        ("POST", base + f"loans/{lo}/claims-returned/", {}),
        ("GET", base + "holds/new/?q=1", None),
        ("POST", base + "holds/new/", {"record": w["shelf"].record_id, "pickup": w["network"]["prov"].pk}),
        ("POST", base + f"holds/{ho}/cancel/", {}),
        ("GET", base + "pay/", None),
        ("POST", base + "pay/", {"amount": "1000", "method": "cash"}),
        ("GET", base + f"fees/{fe}/waive/", None),
        ("POST", base + f"fees/{fe}/waive/", {"reason": "thử"}),
        ("GET", f"/staff/desk/receipts/{w['payment'].pk}/", None),
        ("GET", "/staff/desk/readers/", None),
        ("GET", "/staff/desk/readers/?tab=pending", None),
        ("GET", "/staff/desk/readers/?tab=erasure", None),
        ("GET", "/staff/desk/readers/new/", None),
        (
            "POST",
            "/staff/desk/readers/new/",
            {
                "card": "NEW-0001",
                "pin": "2468",
                "full_name": "Lê Văn Mới",
                "category": w["reader"].category_id,
                "home_library": w["network"]["prov"].pk,
                "terms": "on",
            },
        ),  # fmt: skip
        ("GET", base + "edit/", None),
        (
            "POST",
            base + "edit/",
            {
                "full_name": "Đổi Tên",
                "category": w["reader"].category_id,
                "home_library": w["network"]["prov"].pk,
            },
        ),  # fmt: skip
        ("POST", base + "status/", {"status": "suspended"}),
        ("POST", base + "card/", {}),
        ("GET", base + "pin/", None),
        ("POST", base + "pin/", {"new_pin": "9999", "new_pin2": "9999"}),
        ("GET", base + "erase/", None),
        ("POST", base + "erase/", {}),
        ("GET", "/staff/desk/checkin/", None),
        ("POST", "/staff/desk/checkin/", {"barcode": "DESK-LENT"}),
        ("GET", f"/staff/desk/slips/{w['moving'].pk}/", None),
        ("GET", "/staff/desk/holds/", None),
        ("GET", "/staff/desk/deliveries/", None),
        ("POST", f"/staff/desk/deliveries/{w['delivery'].pk}/advance/", {"status": "cancelled"}),
    ]


def send(client, method, url, data, **headers):
    return client.get(url, **headers) if method == "GET" else client.post(url, data, **headers)


# Pages that list the user's own libraries' work: open to any desk user, showing nothing of others.
OWN_LISTS = {"/staff/desk/", "/staff/desk/readers/", "/staff/desk/readers/?tab=pending",
             "/staff/desk/readers/?tab=erasure", "/staff/desk/readers/new/", "/staff/desk/checkin/",
             "/staff/desk/holds/", "/staff/desk/deliveries/"}  # fmt: skip


def _state(w):
    """What a refused request must leave untouched."""
    reader = Reader.objects.get(pk=w["reader"].pk)
    return (
        reader.full_name, reader.status, reader.expires_on, reader.pin_hash, reader.card,
        Loan.objects.filter(returned_at__isnull=True).count(), Fee.objects.get(pk=w["fee"].pk).outstanding,
        Hold.objects.get(pk=w["hold"].pk).status, Reader.objects.count(),
        w["delivery"].__class__.objects.get(pk=w["delivery"].pk).status,
    )  # fmt: skip


def test_anonymous_is_sent_to_sign_in_on_every_route(client, world):
    for method, url, data in routes(world):
        response = send(client, method, url, data)
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith("/staff/login/"), (method, url)


def test_staff_of_another_network_are_refused_everything(client, world, other_library_staff):
    client.force_login(other_library_staff)
    before = _state(world)
    for method, url, data in routes(world):
        for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
            response = send(client, method, url, data, **headers)
            if url in OWN_LISTS and method == "GET":
                # Their own desk (VN-KHAC) opens, and shows nothing of the test province.
                assert response.status_code == 200, url
                text = response.content.decode()
                for secret in ("Nguyễn Thị Hoà", "TST0001", "DESK-", "Trần Văn Bình", "12 Lê Lợi"):
                    assert secret not in text, (url, secret)
            else:
                assert response.status_code in (403, 404), (method, url, response.status_code)
    assert _state(world) == before
    assert not AuditEntry.objects.filter(actor=other_library_staff).exists()
    assert Loan.objects.get(pk=world["loan"].pk).returned_at is None


def test_a_cataloguer_has_no_desk(client, world, commune_librarian):
    client.force_login(commune_librarian)
    before = _state(world)
    for method, url, data in routes(world):
        assert send(client, method, url, data).status_code == 403, (method, url)
    assert _state(world) == before
    assert client.get("/staff/").status_code == 200  # the rest of the staff pages still open


@pytest.fixture
def commune_desk(network):
    """A circulation librarian of the commune library: serves the province's readers, manages only his own."""
    user = User.objects.create_user("xa-luuthong", password=PASSWORD)
    StaffRole.objects.create(user=user, library=network["commune"], role="circulation")
    return user


MANAGING = ("pay/", "fees/", "edit/", "status/", "card/", "pin/", "erase/", "/receipts/")


def test_commune_librarian_serves_a_provincial_reader_but_cannot_manage_him(client, world, commune_desk):
    reader = world["reader"]
    Reader.objects.filter(pk=reader.pk).update(phone="0912345678", email="hoa@example.vn", address="5 Trần Phú",
                                               birth_date=dt.date(1990, 5, 1))  # fmt: skip
    client.force_login(commune_desk)
    before = _state(world)
    for method, url, data in routes(world):
        if any(part in url for part in MANAGING):
            assert send(client, method, url, data).status_code == 403, (method, url)
    assert _state(world) == before
    assert not AuditEntry.objects.filter(actor=commune_desk).exists()

    page = client.get(f"/staff/desk/readers/{reader.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Nguyễn Thị Hoà" in text and "TST0001" in text
    for personal in ("0912345678", "hoa@example.vn", "5 Trần Phú", "01/05/1990", "12 Lê Lợi", "0901234567"):
        assert personal not in text, personal
    assert f"/staff/desk/readers/{reader.pk}/edit/" not in text
    assert f"/staff/desk/readers/{reader.pk}/pay/" not in text
    assert "Thư viện tỉnh Thử Nghiệm" in text  # his home library is shown, not his address
    # He is not among the commune's readers either.
    assert "Nguyễn Thị Hoà" not in client.get("/staff/desk/readers/?q=TST0001").content.decode()
    assert "Nguyễn Thị Hoà" not in client.get("/staff/desk/?q=nguyen thi hoa").content.decode()
    # But his card, scanned at the commune desk, opens his page and he borrows there.
    assert client.get("/staff/desk/?q=tst0001")["Location"] == f"/staff/desk/readers/{reader.pk}/"
    response = client.post(f"/staff/desk/readers/{reader.pk}/checkout/", {"barcode": "DESK-SHELF"})
    assert response.status_code == 302
    loan = Loan.objects.get(item=world["shelf"], returned_at__isnull=True)
    assert loan.reader_id == reader.pk and loan.library == world["network"]["commune"]
    world["shelf"].refresh_from_db()
    assert world["shelf"].status == ItemStatus.CHECKED_OUT


def test_commune_librarian_manages_his_own_readers(client, world, commune_desk):
    own = world["other_reader"]
    client.force_login(commune_desk)
    assert client.get(f"/staff/desk/readers/{own.pk}/edit/").status_code == 200
    assert "Trần Văn Bình" in client.get("/staff/desk/readers/").content.decode()
    # A home library above his subtree is a forged choice.
    forged = client.post(f"/staff/desk/readers/{own.pk}/edit/", {
        "full_name": own.full_name, "category": own.category_id, "home_library": world["network"]["prov"].pk,
    })  # fmt: skip
    assert forged.status_code == 403
    own.refresh_from_db()
    assert own.home_library == world["network"]["commune"]


def test_the_desk_library_is_one_of_the_users_own(client, world, commune_desk, network):
    client.force_login(commune_desk)
    assert client.post("/staff/desk/library/", {"library": network["prov"].pk}).status_code == 403
    assert client.post("/staff/desk/library/", {"library": network["other_prov"].pk}).status_code == 403
    assert client.post("/staff/desk/library/", {"library": "x"}).status_code == 403
    # A library remembered in the session but no longer allowed is not used.
    session = client.session
    session["desk_library"] = network["prov"].pk
    session.save()
    page = client.get("/staff/desk/")
    assert page.status_code == 200
    assert page.context["desk_library"] == network["commune"]


def test_override_is_for_library_administrators_only(client, world, network, make_item):
    reading_room = make_item("prov", barcode="DESK-RR", status=ItemStatus.READING_ROOM)
    clerk = User.objects.create_user("quay", password=PASSWORD)
    StaffRole.objects.create(user=clerk, library=network["prov"], role="circulation")
    client.force_login(clerk)
    url = f"/staff/desk/readers/{world['reader'].pk}/"
    assert 'name="override"' not in client.get(url).content.decode()
    response = client.post(url + "checkout/", {"barcode": "DESK-RR", "override": "1"})
    assert response.status_code == 403
    assert not Loan.objects.filter(item=reading_room).exists()
    assert not AuditEntry.objects.filter(actor=clerk).exists()
    # Without override the rule refuses, with a message.
    response = client.post(url + "checkout/", {"barcode": "DESK-RR"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "chỉ đọc tại chỗ" in response.content.decode()
    assert not Loan.objects.filter(item=reading_room).exists()


def test_a_card_of_another_network_is_not_served(client, world, provincial_librarian, network):
    from thuvien.patrons.actions import register_reader

    stranger = register_reader(card="KHAC0001", full_name="Người Tỉnh Khác", home_library=network["other_prov"],
                               category="adult", pin="1234")  # fmt: skip
    client.force_login(provincial_librarian)
    lookup = client.get("/staff/desk/?q=KHAC0001")
    assert lookup.status_code == 404 and "Người Tỉnh Khác" not in lookup.content.decode()
    assert client.get(f"/staff/desk/readers/{stranger.pk}/").status_code == 404
    assert (
        client.post(f"/staff/desk/readers/{stranger.pk}/checkout/", {"barcode": "DESK-SHELF"}).status_code
        == 404
    )
    assert not Loan.objects.filter(reader=stranger).exists()


def test_a_copy_of_another_network_is_unknown_at_this_desk(client, world, provincial_librarian, network):
    from thuvien.catalog.actions import save_item
    from thuvien.catalog.models import Item

    foreign = Item(record=world["shelf"].record, library=network["other_prov"], current_library=network["other_prov"],
                   barcode="KHAC-ITEM")  # fmt: skip
    save_item(foreign)
    client.force_login(provincial_librarian)
    url = f"/staff/desk/readers/{world['reader'].pk}/checkout/"
    response = client.post(url, {"barcode": "KHAC-ITEM"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 404
    assert "Không có bản sách mang mã vạch này" in response.content.decode()
    assert not Loan.objects.filter(item=foreign).exists()
    response = client.post("/staff/desk/checkin/", {"barcode": "KHAC-ITEM"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 404
    assert Item.objects.get(pk=foreign.pk).status == ItemStatus.AVAILABLE
