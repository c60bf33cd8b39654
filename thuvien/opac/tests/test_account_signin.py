"""Signing in to the reader's account: card and PIN, lockout, statuses, sessions apart from staff.

Who may do what on /ban-doc/ (the reader's side of the permission model): only a signed-in reader, only
on his own loans, holds, deliveries and data; a staff sign-in — of this library or any other — gives no
access to a reader's account, and a reader's sign-in gives none to the staff pages.
"""

from __future__ import annotations

import pytest
from django.test import Client

from thuvien.circulation.tests import conftest as circulation_cast
from thuvien.patrons.actions import change_pin, erase_reader, register_reader, set_status
from thuvien.patrons.models import PinFailure

pytestmark = pytest.mark.django_db

# The circulation tests' cast: readers of the test province, copies at its libraries.
other_reader = circulation_cast.other_reader
reader = circulation_cast.reader

ACCOUNT = "/ban-doc/"
LOGIN = "/ban-doc/dang-nhap/"
WRONG = "Số thẻ hoặc mã PIN không đúng"


def sign_in(client, card, pin, **extra):
    return client.post(LOGIN, {"card": card, "pin": pin, **extra})


def test_sign_in_shows_the_account_and_rotates_the_session(client, reader):
    client.get(LOGIN)
    before = client.session.session_key
    response = sign_in(client, "tst0001", "1234")  # the card is matched whatever its case
    assert response.status_code == 302 and response["Location"] == ACCOUNT
    assert client.session.session_key != before
    page = client.get(ACCOUNT)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Nguyễn Thị Hoà" in text and "TST0001" in text
    assert "no-store" in page["Cache-Control"]


def test_wrong_pin_and_unknown_card_get_the_same_generic_message(client, reader):
    wrong_pin = sign_in(client, "TST0001", "9999")
    unknown = sign_in(client, "KHONGCO99", "1234")
    for response in (wrong_pin, unknown):
        assert response.status_code == 400 and WRONG in response.content.decode()
    assert client.get(ACCOUNT).status_code == 302


def test_locked_after_five_wrong_pins_even_with_the_right_one(client, reader, settings):
    settings.PIN_MAX_FAILURES = 5
    for _ in range(5):
        assert WRONG in sign_in(client, "TST0001", "0000").content.decode()
    locked = sign_in(client, "TST0001", "1234")
    text = locked.content.decode()
    assert "quá nhiều lần" in text and WRONG not in text
    assert client.get(ACCOUNT).status_code == 302
    # Once the window has passed the right PIN works again.
    PinFailure.objects.all().delete()
    assert sign_in(client, "TST0001", "1234").status_code == 302


def test_pending_reader_signs_in_and_sees_his_card_awaits_approval(client, network):
    register_reader(card="CHO0001", full_name="Lê Văn Chờ", home_library=network["commune"], category="adult",
                    pin="2468", status="pending", channel="opac")  # fmt: skip
    assert sign_in(client, "CHO0001", "2468").status_code == 302
    text = client.get(ACCOUNT).content.decode()
    assert "Thẻ của bạn đang chờ thủ thư duyệt" in text


def test_suspended_and_erased_readers_cannot_sign_in(client, reader, other_reader, provincial_librarian):
    set_status(reader=reader, status="suspended", actor=provincial_librarian)
    refused = sign_in(client, "TST0001", "1234")
    assert "Thẻ đang bị khóa" in refused.content.decode()
    assert client.get(ACCOUNT).status_code == 302
    erase_reader(reader=other_reader, actor=provincial_librarian)
    assert WRONG in sign_in(client, "TST0002", "5678").content.decode()


def test_suspension_ends_an_open_session(client, reader, provincial_librarian):
    sign_in(client, "TST0001", "1234")
    assert client.get(ACCOUNT).status_code == 200
    set_status(reader=reader, status="suspended", actor=provincial_librarian)
    assert client.get(ACCOUNT).status_code == 302


def test_pin_changed_elsewhere_ends_other_sessions(client, reader):
    sign_in(client, "TST0001", "1234")
    change_pin(reader=reader, old_pin=None, new_pin="4321", channel="desk")
    response = client.get(ACCOUNT)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_sign_out(client, reader):
    sign_in(client, "TST0001", "1234")
    assert client.get(ACCOUNT).status_code == 200
    assert client.get("/ban-doc/dang-xuat/").status_code == 405  # signing out is a POST
    response = client.post("/ban-doc/dang-xuat/")
    assert response.status_code == 302
    assert client.get(ACCOUNT).status_code == 302


def test_next_brings_the_reader_back_but_never_off_site(client, reader):
    assert sign_in(client, "TST0001", "1234", next="/ban-doc/lich-su/")["Location"] == "/ban-doc/lich-su/"
    other = Client()
    assert sign_in(other, "TST0001", "1234", next="https://evil.example/")["Location"] == ACCOUNT


@pytest.mark.parametrize(
    "url",
    [ACCOUNT, "/ban-doc/lich-su/", "/ban-doc/quyen-rieng-tu/", "/ban-doc/du-lieu-cua-toi.json",
     "/ban-doc/xoa-du-lieu/", "/ban-doc/doi-ma-pin/", "/ban-doc/dat-giu/1/", "/ban-doc/gui-buu-dien/1/",
     "/ban-doc/buu-dien/1/"],
)  # fmt: skip
def test_anonymous_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN + "?next=")


@pytest.mark.parametrize(
    "url",
    ["/ban-doc/muon/1/gia-han/", "/ban-doc/muon/gia-han-tat-ca/", "/ban-doc/yeu-cau-giu/1/huy/",
     "/ban-doc/yeu-cau-giu/1/tam-dung/", "/ban-doc/yeu-cau-giu/1/tiep-tuc/", "/ban-doc/quyen-rieng-tu/dong-y/",
     "/ban-doc/xoa-du-lieu/", "/ban-doc/dat-giu/1/", "/ban-doc/gui-buu-dien/1/", "/ban-doc/doi-ma-pin/"],
)  # fmt: skip
def test_anonymous_posts_change_nothing_and_go_to_sign_in(client, url):
    response = client.post(url, {"kind": "loan_history", "given": "1", "confirm": "1"})
    assert response.status_code == 302 and response["Location"] == LOGIN + "?next=%2Fban-doc%2F"


def test_staff_sign_in_is_not_a_reader_sign_in(client, reader, provincial_librarian, other_library_staff):
    for user in (provincial_librarian, other_library_staff):
        client.force_login(user)
        assert client.get(ACCOUNT).status_code == 302
    client.logout()
    sign_in(client, "TST0001", "1234")
    staff = client.get("/staff/")
    assert staff.status_code == 302 and "/staff/login" in staff["Location"]


def test_posts_need_the_csrf_token(reader):
    browser = Client(enforce_csrf_checks=True)
    assert browser.post(LOGIN, {"card": "TST0001", "pin": "1234"}).status_code == 403
    page = browser.get(LOGIN)
    token = page.cookies["csrftoken"].value
    assert 'name="csrfmiddlewaretoken"' in page.content.decode()
    signed = browser.post(LOGIN, {"card": "TST0001", "pin": "1234", "csrfmiddlewaretoken": token})
    assert signed.status_code == 302
    assert browser.post("/ban-doc/muon/gia-han-tat-ca/").status_code == 403


def test_header_links_to_the_account(client, network):
    assert 'href="/ban-doc/"' in client.get("/").content.decode()
