"""Reader routes: /api/v1/reader/… — a reader signs in with card and PIN and sees only his own account."""

import datetime as dt

import pytest
from django.core import signing
from django.test import override_settings
from django.utils import timezone

from thuvien.api.auth import READER_TOKEN_SALT, issue_token
from thuvien.api.tests.test_circulation_api import make_item, make_reader
from thuvien.audit.models import AuditEntry
from thuvien.catalog.actions import set_suppressed
from thuvien.circulation import actions
from thuvien.circulation.models import Hold, HoldStatus, Loan
from thuvien.patrons.actions import change_pin, set_status
from thuvien.patrons.models import PinFailure

pytestmark = pytest.mark.django_db

API = "/api/v1/reader"


@pytest.fixture
def reader(network):
    return make_reader("TST0101", network["prov"], full_name="Lê Văn An", email="an@example.vn", pin="2468")


@pytest.fixture
def other_reader(network):
    return make_reader("TST0102", network["commune"], "student", full_name="Phạm Thị Bích", pin="1357")


def sign_in(client, card, pin) -> dict:
    response = client.post(f"{API}/token", {"card": card, "pin": pin}, content_type="application/json")
    assert response.status_code == 200, response.content
    return {"HTTP_AUTHORIZATION": f"Bearer {response.json()['token']}"}


def post(client, path, data, headers):
    return client.post(API + path, data, content_type="application/json", **headers)


def test_sign_in_with_card_and_pin(client, reader):
    response = client.post(
        f"{API}/token", {"card": "tst0101", "pin": "2468"}, content_type="application/json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["card"] == "TST0101"
    expires = dt.datetime.fromisoformat(body["expires_at"])
    assert dt.timedelta(hours=11, minutes=59) < expires - timezone.now() <= dt.timedelta(hours=12)
    me = client.get(f"{API}/me", HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    assert me.status_code == 200 and me.json()["full_name"] == "Lê Văn An"


def test_wrong_pin_is_401_and_too_many_lock_the_card_with_429(client, reader, settings):
    wrong = client.post(f"{API}/token", {"card": "TST0101", "pin": "0000"}, content_type="application/json")
    assert wrong.status_code == 401
    assert wrong.json() == {"code": "pin_wrong", "message": "Số thẻ hoặc mã PIN không đúng."}
    for _ in range(settings.PIN_MAX_FAILURES - 1):
        client.post(f"{API}/token", {"card": "TST0101", "pin": "0000"}, content_type="application/json")
    # Locked now: even the right PIN is refused for a while.
    locked = client.post(f"{API}/token", {"card": "TST0101", "pin": "2468"}, content_type="application/json")
    assert locked.status_code == 429 and locked.json()["code"] == "pin_locked"
    assert PinFailure.objects.filter(card="TST0101", channel="api").count() == settings.PIN_MAX_FAILURES


def test_expired_tampered_and_stale_tokens_are_refused(client, reader):
    class Yesterday(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int(timezone.now().timestamp()) - 13 * 3600)

    headers = sign_in(client, "TST0101", "2468")
    token = headers["HTTP_AUTHORIZATION"].removeprefix("Bearer ")
    old = Yesterday(salt=READER_TOKEN_SALT).sign(
        signing.TimestampSigner(salt=READER_TOKEN_SALT).unsign(token)
    )
    assert client.get(f"{API}/me", HTTP_AUTHORIZATION=f"Bearer {old}").status_code == 401
    assert client.get(f"{API}/me", HTTP_AUTHORIZATION=f"Bearer {token[:-2]}xx").status_code == 401
    # Signed for another purpose (another salt): not a reader token.
    forged = signing.TimestampSigner(salt="khac").sign(f"{reader.pk}.x")
    assert client.get(f"{API}/me", HTTP_AUTHORIZATION=f"Bearer {forged}").status_code == 401
    assert client.get(f"{API}/me", **headers).status_code == 200
    # A new PIN ends every session opened with the old one.
    change_pin(reader=reader, old_pin="2468", new_pin="9753")
    assert client.get(f"{API}/me", **headers).status_code == 401
    assert client.get(f"{API}/me", **sign_in(client, "TST0101", "9753")).status_code == 200


def test_a_token_dies_with_the_secret_key(client, reader):
    headers = sign_in(client, "TST0101", "2468")
    with override_settings(SECRET_KEY="mot-khoa-khac-hoan-toan-" * 3):
        assert client.get(f"{API}/me", **headers).status_code == 401


def test_me_loans_and_renew(client, network, reader):
    item = make_item(network["prov"])
    loan = actions.checkout(item=item, reader=reader, library=network["prov"])
    headers = sign_in(client, reader.card, "2468")
    me = client.get(f"{API}/me", **headers).json()
    assert me["loans"] == 1 and me["holds"] == 0 and me["fees_total"] == 0 and me["blocks"] == []
    assert me["email"] == "an@example.vn" and me["home_library"] == "VN-TST"
    loans = client.get(f"{API}/loans", **headers).json()
    assert [(l["id"], l["item"], l["card"]) for l in loans] == [(loan.pk, item.barcode, reader.card)]  # noqa: E741
    renewed = post(client, f"/loans/{loan.pk}/renew", {}, headers)
    assert renewed.status_code == 200 and renewed.json()["renewals"] == 1
    assert dt.datetime.fromisoformat(renewed.json()["due_at"]) >= loan.due_at
    entry = AuditEntry.objects.get(type="circulation.loan.renewed")
    assert entry.actor is None and entry.data["channel"] == "api"


def test_renew_refusal_is_explained(client, network, reader, other_reader):
    item = make_item(network["prov"])
    loan = actions.checkout(item=item, reader=reader, library=network["prov"])
    actions.place_hold(reader=other_reader, record=item.record, pickup_library=network["commune"])
    refused = post(client, f"/loans/{loan.pk}/renew", {}, sign_in(client, reader.card, "2468"))
    assert refused.status_code == 409
    assert refused.json() == {
        "code": "on_hold",
        "message": "Có bạn đọc khác đang chờ tài liệu này, không gia hạn được.",
    }


def test_holds_place_list_cancel(client, network, reader):
    item = make_item(network["commune"])
    headers = sign_in(client, reader.card, "2468")
    placed = post(client, "/holds", {"record_id": item.record_id, "pickup_library": "vn-tst"}, headers)
    assert placed.status_code == 201, placed.content
    hold = placed.json()
    assert hold["pickup_library"] == "VN-TST" and hold["position"] == 1 and hold["status"] == "waiting"
    assert Hold.objects.get(pk=hold["id"]).channel == "api"
    again = post(client, "/holds", {"record_id": item.record_id, "pickup_library": "VN-TST"}, headers)
    assert again.status_code == 409 and again.json()["code"] == "hold_exists"
    elsewhere = post(client, "/holds", {"record_id": item.record_id, "pickup_library": "VN-KHAC"}, headers)
    assert elsewhere.status_code == 409 and elsewhere.json()["code"] == "other_network"
    nowhere = post(client, "/holds", {"record_id": item.record_id, "pickup_library": "VN-XYZ"}, headers)
    assert nowhere.status_code == 422 and nowhere.json()["code"] == "library_unknown"
    assert [h["id"] for h in client.get(f"{API}/holds", **headers).json()] == [hold["id"]]
    cancelled = client.delete(f"{API}/holds/{hold['id']}", **headers)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert client.get(f"{API}/holds", **headers).json() == []


def test_suppressed_records_cannot_be_held_by_readers(client, network, reader):
    item = make_item(network["prov"])
    set_suppressed(item.record, True)
    response = post(client, "/holds", {"record_id": item.record_id, "pickup_library": "VN-TST"},
                    sign_in(client, reader.card, "2468"))  # fmt: skip
    assert response.status_code == 422 and response.json()["code"] == "record_unknown"
    assert not Hold.objects.exists()


def test_fees(client, network, reader):
    item = make_item(network["prov"])
    actions.checkout(
        item=item, reader=reader, library=network["prov"], now=timezone.now() - dt.timedelta(days=17)
    )
    actions.checkin(item=item, library=network["prov"])
    body = client.get(f"{API}/fees", **sign_in(client, reader.card, "2468")).json()
    assert body["fees_total"] == 3 * 2000
    assert [(f["kind"], f["amount"], f["outstanding"]) for f in body["fees"]] == [("overdue", 6000, 6000)]


def test_a_reader_never_sees_another_readers_loans_or_holds(client, network, reader, other_reader):
    mine, theirs = make_item(network["prov"]), make_item(network["commune"])
    my_loan = actions.checkout(item=mine, reader=reader, library=network["prov"])
    their_loan = actions.checkout(item=theirs, reader=other_reader, library=network["commune"])
    their_hold = actions.place_hold(
        reader=other_reader, record=mine.record, pickup_library=network["commune"]
    )
    actions.checkout(item=make_item(network["commune"]), reader=other_reader, library=network["commune"],
                     now=timezone.now() - dt.timedelta(days=20))  # fmt: skip
    actions.assess_overdue_fines()
    headers = sign_in(client, reader.card, "2468")
    assert [loan["id"] for loan in client.get(f"{API}/loans", **headers).json()] == [my_loan.pk]
    assert client.get(f"{API}/holds", **headers).json() == []
    assert client.get(f"{API}/fees", **headers).json() == {"fees_total": 0, "fees": []}
    refused = post(client, f"/loans/{their_loan.pk}/renew", {}, headers)
    assert refused.status_code == 404 and refused.json()["code"] == "loan_unknown"
    assert Loan.objects.get(pk=their_loan.pk).renewals == 0
    gone = client.delete(f"{API}/holds/{their_hold.pk}", **headers)
    assert gone.status_code == 404 and gone.json()["code"] == "hold_unknown"
    assert Hold.objects.get(pk=their_hold.pk).status == HoldStatus.WAITING
    # Exactly what an id that does not exist answers.
    assert post(client, "/loans/999999/renew", {}, headers).json() == refused.json()
    assert client.delete(f"{API}/holds/999999", **headers).json() == gone.json()


def test_a_suspended_reader_signs_in_but_is_blocked(client, network, reader, provincial_librarian):
    set_status(reader=reader, status="suspended", actor=provincial_librarian)
    headers = sign_in(client, reader.card, "2468")
    assert client.get(f"{API}/me", **headers).json()["blocks"][0]["code"] == "status"
    item = make_item(network["prov"])
    refused = post(client, "/holds", {"record_id": item.record_id, "pickup_library": "VN-TST"}, headers)
    assert refused.status_code == 409 and refused.json()["code"] == "blocked_status"


ROUTES = [
    ("get", "/me"),
    ("get", "/loans"),
    ("post", "/loans/1/renew"),
    ("get", "/holds"),
    ("post", "/holds"),
    ("delete", "/holds/1"),
    ("get", "/fees"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_reader_route_needs_a_reader_token(client, network, reader, provincial_librarian, method, path):
    def call(headers):
        if method == "post":
            return post(client, path, {"record_id": 1, "pickup_library": "VN-TST"}, headers)
        return getattr(client, method)(API + path, **headers)

    anonymous = call({})
    assert anonymous.status_code == 401 and "đăng nhập" in anonymous.json()["detail"]
    _token, staff_secret = issue_token(provincial_librarian)
    assert call({"HTTP_AUTHORIZATION": f"Bearer {staff_secret}"}).status_code == 401
    assert call({"HTTP_AUTHORIZATION": "Bearer 1.abc:xyz:123"}).status_code == 401
    # A staff session is not a reader's either.
    client.force_login(provincial_librarian)
    assert call({}).status_code == 401
