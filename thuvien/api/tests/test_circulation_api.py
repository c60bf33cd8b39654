"""Staff circulation routes: /api/v1/circulation/…

The permission model under test (circulation/queries.py, the desk's):
- staff act only at a library of circulation_libraries(user): roles admin or circulation, on a library
  and its subtree; a cataloguer is not circulation staff;
- they lend, return, renew and place holds for any reader whose card belongs to the same network
  (can_serve_reader): the commune's staff serve the provincial library's readers at the commune;
- a reader's personal data is shown only to staff of his home library's subtree (can_manage_reader):
  the commune's staff do not see the provincial reader's address, the provincial staff see everyone's;
- staff of another network (VN-KHAC) are refused everything, with 403.
"""

import datetime as dt

import pytest
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.utils import timezone

from thuvien.accounts.models import StaffRole, User
from thuvien.api.auth import issue_token, revoke_token
from thuvien.audit.models import AuditEntry
from thuvien.catalog.models import Item, ItemStatus
from thuvien.circulation import actions
from thuvien.circulation.models import Hold, HoldStatus, Loan
from thuvien.patrons.models import ReaderCategory

pytestmark = pytest.mark.django_db

API = "/api/v1/circulation"


# --- the cast -----------------------------------------------------------------------------------


def make_reader(card, library, category="adult", pin="1234", **fields):
    from thuvien.patrons.actions import register_reader

    ReaderCategory.objects.get_or_create(code=category, defaults={"name": category})
    return register_reader(card=card, full_name=fields.pop("full_name", f"Bạn đọc {card}"), home_library=library,
                           category=category, pin=pin, **fields)  # fmt: skip


def make_staff(username, library, role="circulation"):
    user = User.objects.create_user(username, password="mat-khau-thu-nghiem-1")  # noqa: S106
    StaffRole.objects.create(user=user, library=library, role=role)
    return user


def bearer(user) -> dict:
    _token, secret = issue_token(user, name="tests")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


_barcodes = iter(range(1, 10**6))


def make_item(library, record=None, **fields):
    from thuvien.catalog.actions import save_item, save_record
    from thuvien.catalog.tests.factories import marc_record

    n = next(_barcodes)
    if record is None:
        record = save_record(None, marc_record(f"Sách API {n}"), library=library)
    item = Item(record=record, library=library, current_library=library,
                barcode=fields.pop("barcode", f"API{n:06d}"), **fields)  # fmt: skip
    save_item(item)
    return Item.objects.get(pk=item.pk)


@pytest.fixture
def reader(network):
    """A reader of the provincial library, with an address and a citizen ID only its staff may see."""
    return make_reader("TST0001", network["prov"], full_name="Nguyễn Thị Hoà", address="12 Lê Lợi, Huế",
                       phone="0912345678", birth_date=dt.date(1990, 1, 1))  # fmt: skip


@pytest.fixture
def commune_reader(network):
    return make_reader("TST0002", network["commune"], "student", full_name="Trần Văn Bình", address="Thôn 3")


@pytest.fixture
def prov_staff(network):
    """Circulation staff of the provincial library: its subtree is the whole province."""
    return make_staff("luuthong-tinh", network["prov"])


@pytest.fixture
def commune_staff(network):
    return make_staff("luuthong-xa", network["commune"])


@pytest.fixture
def other_staff(network):
    """An administrator of another province's library: refused everything here."""
    return make_staff("quantri-khac", network["other_prov"], "admin")


@pytest.fixture
def item(network):
    return make_item(network["prov"])


def post(client, path, data, headers):
    return client.post(API + path, data, content_type="application/json", **headers)


# --- checkout -----------------------------------------------------------------------------------


def test_checkout_lends_and_answers_the_loan(client, network, reader, prov_staff, item):
    response = post(client, "/checkout", {"item_barcode": item.barcode, "card": "tst0001", "library": "VN-TST"},
                    bearer(prov_staff))  # fmt: skip
    assert response.status_code == 200, response.content
    body = response.json()
    loan = Loan.objects.get(item=item, returned_at__isnull=True)
    assert body["id"] == loan.pk and body["item"] == item.barcode and body["card"] == "TST0001"
    assert body["renewals"] == 0 and body["library"] == "VN-TST" and body["overdue"] is False
    assert dt.datetime.fromisoformat(body["due_at"]) == loan.due_at
    assert loan.channel == Loan.Channel.API
    entry = AuditEntry.objects.get(type="circulation.loan.created")
    assert entry.actor == prov_staff and entry.data["channel"] == "api"


def test_checkout_refusals_carry_code_and_message(client, network, reader, commune_reader, prov_staff, item):
    headers = bearer(prov_staff)
    actions.checkout(item=item, reader=commune_reader, library=network["prov"])
    response = post(client, "/checkout", {"item_barcode": item.barcode, "card": reader.card, "library": "VN-TST"},
                    headers)  # fmt: skip
    assert response.status_code == 409
    assert response.json() == {"code": "on_loan", "message": "Bản này đang được bạn đọc khác mượn."}
    unknown = post(client, "/checkout", {"item_barcode": "KHONG-CO", "card": reader.card, "library": "VN-TST"},
                   headers)  # fmt: skip
    assert unknown.status_code == 422 and unknown.json()["code"] == "item_unknown"
    nobody = post(client, "/checkout", {"item_barcode": item.barcode, "card": "KHONGCO", "library": "VN-TST"},
                  headers)  # fmt: skip
    assert nobody.status_code == 422 and nobody.json()["code"] == "reader_unknown"
    nowhere = post(client, "/checkout", {"item_barcode": item.barcode, "card": reader.card, "library": "VN-XYZ"},
                   headers)  # fmt: skip
    assert nowhere.status_code == 422 and nowhere.json()["code"] == "library_unknown"
    malformed = post(client, "/checkout", {"item_barcode": item.barcode}, headers)
    assert malformed.status_code == 422 and "detail" in malformed.json()
    assert Loan.objects.filter(item=item, returned_at__isnull=True).count() == 1


def test_blocked_reader_is_refused_with_the_block_message(client, network, reader, prov_staff, item):
    reader.expires_on = timezone.localdate() - dt.timedelta(days=1)
    reader.save(update_fields=["expires_on"])
    response = post(client, "/checkout", {"item_barcode": item.barcode, "card": reader.card, "library": "VN-TST"},
                    bearer(prov_staff))  # fmt: skip
    assert response.status_code == 409
    assert response.json()["code"] == "blocked_expired" and "hết hạn" in response.json()["message"]


def test_commune_staff_lend_to_provincial_readers_at_the_commune_only(
    client, network, reader, commune_staff, prov_staff
):
    headers = bearer(commune_staff)
    commune_item, prov_item = make_item(network["commune"]), make_item(network["prov"])
    at_commune = post(client, "/checkout", {"item_barcode": commune_item.barcode, "card": reader.card,
                                            "library": "VN-TST-XA"}, headers)  # fmt: skip
    assert at_commune.status_code == 200 and at_commune.json()["library"] == "VN-TST-XA"
    at_province = post(client, "/checkout", {"item_barcode": prov_item.barcode, "card": reader.card,
                                             "library": "VN-TST"}, headers)  # fmt: skip
    assert at_province.status_code == 403 and at_province.json()["code"] == "not_your_library"
    # Provincial staff act anywhere below the provincial library.
    school = post(client, "/checkout", {"item_barcode": prov_item.barcode, "card": reader.card,
                                        "library": "VN-TST-THPT"}, bearer(prov_staff))  # fmt: skip
    assert school.status_code == 200
    assert Loan.objects.filter(returned_at__isnull=True).count() == 2


def test_a_cataloguer_is_not_circulation_staff(client, network, reader, commune_librarian):
    item = make_item(network["commune"])
    response = post(client, "/checkout", {"item_barcode": item.barcode, "card": reader.card,
                                          "library": "VN-TST-XA"}, bearer(commune_librarian))  # fmt: skip
    assert response.status_code == 403
    assert not Loan.objects.exists()


def test_staff_of_another_network_cannot_lend_here_nor_to_our_readers(
    client, network, reader, other_staff, item
):
    headers = bearer(other_staff)
    here = post(client, "/checkout", {"item_barcode": item.barcode, "card": reader.card, "library": "VN-TST"},
                headers)  # fmt: skip
    assert here.status_code == 403 and here.json()["code"] == "not_your_library"
    their_item = make_item(network["other_prov"])
    theirs = post(client, "/checkout", {"item_barcode": their_item.barcode, "card": reader.card,
                                        "library": "VN-KHAC"}, headers)  # fmt: skip
    assert theirs.status_code == 403 and theirs.json()["code"] == "other_network"
    assert not Loan.objects.exists()


# --- checkin ------------------------------------------------------------------------------------


def test_checkin_says_what_to_do_with_the_copy(client, network, reader, commune_reader, prov_staff):
    headers = bearer(prov_staff)
    home = make_item(network["commune"])
    actions.checkout(item=home, reader=reader, library=network["commune"])
    response = post(client, "/checkin", {"item_barcode": home.barcode, "library": "VN-TST"}, headers)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["action"] == "transit" and body["destination"]["code"] == "VN-TST-XA"
    assert body["hold"] is None and body["fine"] is None and body["loan_id"] is not None
    assert body["message"] == "Chuyển trả về Thư viện xã Hòa Bình."
    # Received at home; a reader's hold puts the next copy on the hold shelf.
    shelf = post(client, "/checkin", {"item_barcode": home.barcode, "library": "VN-TST-XA"}, headers).json()
    assert shelf["action"] == "shelve" and shelf["loan_id"] is None
    wanted = make_item(network["prov"])
    actions.checkout(item=wanted, reader=reader, library=network["prov"])
    hold = actions.place_hold(reader=commune_reader, record=wanted.record, pickup_library=network["prov"])
    trapped = post(client, "/checkin", {"item_barcode": wanted.barcode, "library": "VN-TST"}, headers).json()
    assert trapped["action"] == "hold_shelf"
    assert trapped["hold"] == {"id": hold.pk, "card": "TST0002", "reader_name": "Trần Văn Bình",
                               "pickup_library": "VN-TST"}  # fmt: skip


def test_checkin_of_a_late_copy_reports_the_fine(client, network, reader, prov_staff, item):
    past = timezone.now() - dt.timedelta(days=20)
    actions.checkout(item=item, reader=reader, library=network["prov"], now=past)
    body = post(
        client, "/checkin", {"item_barcode": item.barcode, "library": "VN-TST"}, bearer(prov_staff)
    ).json()
    assert body["fine"] == 6 * 2000


def test_checkin_refusals(client, network, reader, prov_staff, commune_staff, other_staff, item):
    unknown = post(client, "/checkin", {"item_barcode": "KHONG-CO", "library": "VN-TST"}, bearer(prov_staff))
    assert unknown.status_code == 422 and unknown.json()["code"] == "item_unknown"
    not_mine = post(
        client, "/checkin", {"item_barcode": item.barcode, "library": "VN-TST"}, bearer(commune_staff)
    )
    assert not_mine.status_code == 403
    other = post(client, "/checkin", {"item_barcode": item.barcode, "library": "VN-TST"}, bearer(other_staff))
    assert other.status_code == 403
    # At their own library, another network's copy is not theirs to take in.
    theirs = post(
        client, "/checkin", {"item_barcode": item.barcode, "library": "VN-KHAC"}, bearer(other_staff)
    )
    assert theirs.status_code == 409 and theirs.json()["code"] == "other_network"


# --- renew --------------------------------------------------------------------------------------


def test_renew_extends_and_refuses_at_the_limit(client, network, reader, prov_staff, item):
    loan = actions.checkout(item=item, reader=reader, library=network["prov"])
    headers = bearer(prov_staff)
    for expected in (1, 2):
        response = post(client, f"/loans/{loan.pk}/renew", {}, headers)
        assert response.status_code == 200, response.content
        assert response.json()["renewals"] == expected
    refused = post(client, f"/loans/{loan.pk}/renew", {}, headers)
    assert refused.status_code == 409
    assert refused.json() == {"code": "renewal_limit", "message": "Đã gia hạn 2 lần, tối đa 2 lần."}
    assert post(client, "/loans/999999/renew", {}, headers).status_code == 404
    assert AuditEntry.objects.filter(type="circulation.loan.renewed", actor=prov_staff).count() == 2


def test_renew_by_commune_staff_and_refused_to_another_network(
    client, network, reader, commune_staff, other_staff, item
):
    loan = actions.checkout(item=item, reader=reader, library=network["prov"])
    assert post(client, f"/loans/{loan.pk}/renew", {}, bearer(commune_staff)).status_code == 200
    mine = post(client, f"/loans/{loan.pk}/renew", {"library": "VN-TST"}, bearer(commune_staff))
    assert mine.status_code == 403 and mine.json()["code"] == "not_your_library"
    other = post(client, f"/loans/{loan.pk}/renew", {}, bearer(other_staff))
    assert other.status_code == 403
    assert Loan.objects.get(pk=loan.pk).renewals == 1


# --- reader summary -----------------------------------------------------------------------------


def test_reader_summary_with_personal_data_for_his_library(client, network, reader, prov_staff, item):
    other = make_item(network["commune"])
    actions.place_hold(reader=reader, record=other.record, pickup_library=network["prov"])
    actions.checkout(
        item=item, reader=reader, library=network["prov"], now=timezone.now() - dt.timedelta(days=30)
    )
    actions.assess_overdue_fines()
    response = client.get(f"{API}/readers/tst0001", **bearer(prov_staff))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["card"] == "TST0001" and body["full_name"] == "Nguyễn Thị Hoà"
    assert [loan["item"] for loan in body["loans"]] == [item.barcode] and body["loans"][0]["overdue"] is True
    assert body["holds"][0]["record_id"] == other.record_id and body["holds"][0]["position"] == 1
    assert body["fees_total"] == 16 * 2000 and body["fees"][0]["kind"] == "overdue"
    assert {b["code"] for b in body["blocks"]} == {"overdue"}
    assert body["personal"]["address"] == "12 Lê Lợi, Huế" and body["personal"]["phone"] == "0912345678"


def test_commune_staff_see_a_provincial_reader_without_his_personal_data(
    client, network, reader, commune_reader, commune_staff, prov_staff
):
    body = client.get(f"{API}/readers/{reader.card}", **bearer(commune_staff)).json()
    assert body["card"] == reader.card and body["personal"] is None
    assert "Lê Lợi" not in str(body)
    # Their own reader, and the province's staff for a commune reader: personal data shown.
    assert (
        client.get(f"{API}/readers/TST0002", **bearer(commune_staff)).json()["personal"]["address"]
        == "Thôn 3"
    )
    assert (
        client.get(f"{API}/readers/TST0002", **bearer(prov_staff)).json()["personal"]["address"] == "Thôn 3"
    )


def test_reader_summary_refused_to_another_network_and_unknown_cards(client, network, reader, other_staff):
    response = client.get(f"{API}/readers/{reader.card}", **bearer(other_staff))
    assert response.status_code == 403 and "Lê Lợi" not in response.content.decode()
    make_staff("tinh-khac", network["prov"], "circulation")
    assert (
        client.get(f"{API}/readers/KHONGCO", **bearer(User.objects.get(username="tinh-khac"))).status_code
        == 404
    )


# --- holds --------------------------------------------------------------------------------------


def test_place_and_cancel_a_hold_for_a_reader(client, network, reader, commune_staff, item):
    headers = bearer(commune_staff)
    data = {"card": reader.card, "record_id": item.record_id, "pickup_library": "VN-TST-XA"}
    placed = post(client, "/holds", data, headers)
    assert placed.status_code == 201, placed.content
    body = placed.json()
    assert body["status"] == "waiting" and body["pickup_library"] == "VN-TST-XA" and body["position"] == 1
    again = post(client, "/holds", data, headers)
    assert again.status_code == 409 and again.json()["code"] == "hold_exists"
    nothing = post(client, "/holds", {**data, "record_id": 999999}, headers)
    assert nothing.status_code == 422 and nothing.json()["code"] == "record_unknown"
    cancelled = client.delete(f"{API}/holds/{body['id']}", **headers)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    twice = client.delete(f"{API}/holds/{body['id']}", **headers)
    assert twice.status_code == 409 and twice.json()["code"] == "hold_closed"
    assert client.delete(f"{API}/holds/999999", **headers).status_code == 404


def test_holds_refused_to_another_network(client, network, reader, other_staff, prov_staff, item):
    data = {"card": reader.card, "record_id": item.record_id, "pickup_library": "VN-TST"}
    assert post(client, "/holds", data, bearer(other_staff)).status_code == 403
    assert (
        post(client, "/holds", {**data, "pickup_library": "VN-KHAC"}, bearer(other_staff)).status_code == 403
    )
    hold = actions.place_hold(reader=reader, record=item.record, pickup_library=network["prov"])
    assert client.delete(f"{API}/holds/{hold.pk}", **bearer(other_staff)).status_code == 403
    assert Hold.objects.get(pk=hold.pk).status == HoldStatus.WAITING
    # A pickup library in another network is refused to our own staff too.
    other_title = make_item(network["prov"])
    theirs = post(client, "/holds", {**data, "record_id": other_title.record_id, "pickup_library": "VN-KHAC"},
                  bearer(prov_staff))  # fmt: skip
    assert theirs.status_code == 409 and theirs.json()["code"] == "other_network"
    assert Hold.objects.count() == 1


# --- authentication -----------------------------------------------------------------------------


ROUTES = [
    ("post", "/checkout", {"item_barcode": "X", "card": "TST0001", "library": "VN-TST"}),
    ("post", "/checkin", {"item_barcode": "X", "library": "VN-TST"}),
    ("post", "/loans/1/renew", {}),
    ("get", "/readers/TST0001", None),
    ("post", "/holds", {"card": "TST0001", "record_id": 1, "pickup_library": "VN-TST"}),
    ("delete", "/holds/1", None),
]


def _call(client, method, path, data, headers):
    if method == "post":
        return post(client, path, data, headers)
    return getattr(client, method)(API + path, **headers)


@pytest.mark.parametrize(("method", "path", "data"), ROUTES)
def test_anonymous_and_revoked_tokens_get_401(client, network, reader, prov_staff, method, path, data):
    anonymous = _call(client, method, path, data, {})
    assert anonymous.status_code == 401
    assert "Cần đăng nhập" in anonymous.json()["detail"]
    token, secret = issue_token(prov_staff)
    revoke_token(token)
    revoked = _call(client, method, path, data, {"HTTP_AUTHORIZATION": f"Bearer {secret}"})
    assert revoked.status_code == 401 and "thu hồi" in revoked.json()["detail"]
    assert _call(client, method, path, data, {"HTTP_AUTHORIZATION": "Bearer thv_made-up"}).status_code == 401
    assert not Loan.objects.exists()


@pytest.mark.parametrize(("method", "path", "data"), ROUTES)
def test_staff_of_another_network_get_403_on_every_route(
    client, network, reader, other_staff, method, path, data
):
    item = make_item(network["prov"], barcode="X")
    loan = actions.checkout(item=make_item(network["prov"]), reader=reader, library=network["prov"])
    hold = actions.place_hold(reader=reader, record=item.record, pickup_library=network["prov"])
    path = path.replace("/loans/1/", f"/loans/{loan.pk}/").replace("/holds/1", f"/holds/{hold.pk}")
    if data and "record_id" in data:
        data = {**data, "record_id": item.record_id}
    response = _call(client, method, path, data, bearer(other_staff))
    assert response.status_code == 403, response.content
    assert set(response.json()) == {"code", "message"}
    assert Loan.objects.count() == 1 and Hold.objects.get(pk=hold.pk).status == HoldStatus.WAITING


def test_a_reader_token_is_not_a_staff_token(client, network, reader, item):
    from thuvien.api.auth import reader_token

    token, _expires = reader_token(reader)
    response = post(client, "/checkout", {"item_barcode": item.barcode, "card": reader.card, "library": "VN-TST"},
                    {"HTTP_AUTHORIZATION": f"Bearer {token}"})  # fmt: skip
    assert response.status_code == 401


def test_session_auth_needs_the_csrf_token(network, reader, prov_staff, item):
    client = Client(enforce_csrf_checks=True)
    client.force_login(prov_staff)
    assert client.get(f"{API}/readers/{reader.card}").status_code == 200
    data = {"item_barcode": item.barcode, "card": reader.card, "library": "VN-TST"}
    refused = client.post(f"{API}/checkout", data, content_type="application/json")
    assert refused.status_code == 403
    assert Item.objects.get(pk=item.pk).status == ItemStatus.AVAILABLE
    # What a page of the staff site does: the CSRF cookie, echoed in the X-CSRFToken header.
    csrf_value = _get_new_csrf_string()
    client.cookies["csrftoken"] = csrf_value
    lent = client.post(f"{API}/checkout", data, content_type="application/json", HTTP_X_CSRFTOKEN=csrf_value)
    assert lent.status_code == 200, lent.content


def test_openapi_lists_the_circulation_and_reader_routes(client):
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    for path, method in [
        ("/api/v1/circulation/checkout", "post"),
        ("/api/v1/circulation/checkin", "post"),
        ("/api/v1/circulation/loans/{loan_id}/renew", "post"),
        ("/api/v1/circulation/readers/{card}", "get"),
        ("/api/v1/circulation/holds", "post"),
        ("/api/v1/circulation/holds/{hold_id}", "delete"),
        ("/api/v1/reader/token", "post"),
        ("/api/v1/reader/me", "get"),
        ("/api/v1/reader/loans", "get"),
        ("/api/v1/reader/loans/{loan_id}/renew", "post"),
        ("/api/v1/reader/holds", "get"),
        ("/api/v1/reader/holds", "post"),
        ("/api/v1/reader/holds/{hold_id}", "delete"),
        ("/api/v1/reader/fees", "get"),
    ]:
        operation = paths[path][method]
        assert operation["tags"] in (["Lưu thông"], ["Bạn đọc"])
        assert "200" in operation["responses"] or "201" in operation["responses"]
        if path != "/api/v1/reader/token":
            assert operation["security"], path
            assert "401" in operation["responses"], path
    checkout = paths["/api/v1/circulation/checkout"]["post"]["responses"]
    assert checkout["409"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/ErrorOut"
    assert set(schema["components"]["schemas"]["ErrorOut"]["properties"]) == {"code", "message"}
    assert {"StaffToken", "StaffSession", "ReaderToken"} <= set(schema["components"]["securitySchemes"])
