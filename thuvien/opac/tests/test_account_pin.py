"""Changing the PIN from the account: the current one first, the new one twice."""

from __future__ import annotations

import pytest
from django.test import Client

from thuvien.circulation.tests import conftest as circulation_cast
from thuvien.patrons.models import PinFailure

pytestmark = pytest.mark.django_db

# The circulation tests' cast: readers of the test province, copies at its libraries.
reader = circulation_cast.reader

URL = "/ban-doc/doi-ma-pin/"


def _sign_in(client, pin="1234"):
    return client.post("/ban-doc/dang-nhap/", {"card": "TST0001", "pin": pin})


@pytest.fixture
def signed_in(client, reader):
    assert _sign_in(client).status_code == 302
    return client


def test_change_pin(signed_in, reader):
    elsewhere = Client()
    assert _sign_in(elsewhere).status_code == 302
    response = signed_in.post(URL, {"old_pin": "1234", "new_pin": "2580", "new_pin2": "2580"})
    assert response.status_code == 302 and response["Location"] == "/ban-doc/"
    assert "Đã đổi mã PIN" in signed_in.get("/ban-doc/").content.decode()  # still signed in here
    assert elsewhere.get("/ban-doc/").status_code == 302  # and nowhere else
    assert _sign_in(Client(), "1234").status_code == 400
    assert _sign_in(Client(), "2580").status_code == 302


def test_wrong_current_pin_refused_and_counted(signed_in, reader):
    response = signed_in.post(URL, {"old_pin": "0000", "new_pin": "2580", "new_pin2": "2580"})
    assert response.status_code == 400 and "Mã PIN hiện tại không đúng." in response.content.decode()
    assert PinFailure.objects.filter(card="TST0001").count() == 1
    assert _sign_in(Client(), "1234").status_code == 302


def test_new_pin_twice_and_digits_only(signed_in):
    mismatch = signed_in.post(URL, {"old_pin": "1234", "new_pin": "2580", "new_pin2": "2581"})
    assert "Hai lần nhập mã PIN mới không giống nhau." in mismatch.content.decode()
    letters = signed_in.post(URL, {"old_pin": "1234", "new_pin": "abcd", "new_pin2": "abcd"})
    assert "Mã PIN phải gồm 4 đến 8 chữ số." in letters.content.decode()
    assert _sign_in(Client(), "1234").status_code == 302


def test_locked_card_cannot_change_pin(signed_in, settings):
    settings.PIN_MAX_FAILURES = 3
    for _ in range(3):
        signed_in.post(URL, {"old_pin": "0000", "new_pin": "2580", "new_pin2": "2580"})
    locked = signed_in.post(URL, {"old_pin": "1234", "new_pin": "2580", "new_pin2": "2580"})
    assert "quá nhiều lần" in locked.content.decode()
    PinFailure.objects.all().delete()
    assert _sign_in(Client(), "1234").status_code == 302
