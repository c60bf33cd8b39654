"""Self-registration in the OPAC: a pending card with a generated number, CCCD checked, bots slowed."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache

from thuvien.catalog.models import ItemStatus
from thuvien.circulation import actions
from thuvien.circulation.exceptions import CirculationError
from thuvien.circulation.tests import conftest as circulation_cast
from thuvien.opac import account_register
from thuvien.patrons.actions import register_reader, set_status
from thuvien.patrons.models import Consent, Reader, ReaderCategory
from thuvien.patrons.queries import cccd_clear

pytestmark = pytest.mark.django_db

# The circulation tests' cast: readers of the test province, copies at its libraries.
make_item = circulation_cast.make_item

URL = "/ban-doc/dang-ky/"
CCCD = "001090123456"  # Hà Nội, a man born in 1990


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()
    yield
    cache.clear()


def _form(network, **changes):
    data = {
        "full_name": "Phạm Minh Tuấn",
        "birth_date": "1990-05-01",
        "category": ReaderCategory.objects.get(code="adult").pk,
        "home_library": network["commune"].pk,
        "email": "tuan@example.vn",
        "phone": "0903123456",
        "address": "Thôn Đông, xã Hòa Bình",
        "cccd": CCCD,
        "pin": "2468",
        "pin2": "2468",
        "terms": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _field(page: str, name: str) -> str:
    """The <div class="field"> holding input NAME, with its label and errors."""
    for block in re.findall(
        r'<div class="field[^"]*">.*?</div>\s*(?=<div class="field|</fieldset>)', page, re.S
    ):
        if f'name="{name}"' in block:
            return block
    raise AssertionError(f"no field {name}")


def test_happy_path_creates_a_pending_reader_with_a_card_number(client, network):
    page = client.get(URL).content.decode()
    assert (
        "Người lớn" in page and "Học sinh" not in page and "Thiếu nhi" not in page
    )  # self_registration only
    response = client.post(URL, _form(network, keep_history="on"))
    assert response.status_code == 302 and response["Location"] == "/ban-doc/dang-ky/xong/"
    reader = Reader.objects.get(full_name="Phạm Minh Tuấn")
    assert reader.card == "VNTSTXA000001" and reader.status == "pending"
    assert reader.home_library == network["commune"] and reader.keep_history
    assert cccd_clear(reader) == CCCD and reader.cccd_last == "3456" and CCCD not in reader.cccd_encrypted
    kinds = set(
        Consent.objects.filter(reader=reader, given=True, channel="opac").values_list("kind", flat=True)
    )
    assert kinds == {"terms", "loan_history"}
    done = client.get(response["Location"]).content.decode()
    assert "VNTSTXA000001" in done and "chờ thủ thư duyệt" in done
    # The new reader signs in and sees that his card awaits approval.
    assert client.post("/ban-doc/dang-nhap/", {"card": "VNTSTXA000001", "pin": "2468"}).status_code == 302
    assert "Thẻ của bạn đang chờ thủ thư duyệt" in client.get("/ban-doc/").content.decode()


def test_card_numbers_follow_the_library_sequence(client, network):
    register_reader(card="VNTSTXA000041", full_name="Người Có Thẻ", home_library=network["commune"],
                    category="adult", pin="1111")  # fmt: skip
    register_reader(card="VNTSTXA-B", full_name="Thẻ Khác Mẫu", home_library=network["commune"],
                    category="adult", pin="1111")  # fmt: skip
    client.post(URL, _form(network))
    assert Reader.objects.filter(full_name="Phạm Minh Tuấn", card="VNTSTXA000042").exists()


def test_a_number_taken_meanwhile_is_skipped(client, network, monkeypatch):
    """Two registrations at the same library at once: the one that loses the number takes the next."""
    register_reader(card="VNTSTXA000001", full_name="Nhanh Tay Hơn", home_library=network["commune"],
                    category="adult", pin="1111")  # fmt: skip
    real = account_register.next_card_number
    stale = iter(["VNTSTXA000001"])  # what the loser computed before the winner's row was committed
    monkeypatch.setattr(
        account_register, "next_card_number", lambda library: next(stale, None) or real(library)
    )
    assert client.post(URL, _form(network)).status_code == 302
    assert Reader.objects.get(full_name="Phạm Minh Tuấn").card == "VNTSTXA000002"


def test_invalid_cccd_is_shown_next_to_the_field(client, network):
    response = client.post(URL, _form(network, cccd="999090123456"))
    assert response.status_code == 400 and not Reader.objects.exists()
    page = response.content.decode()
    field = _field(page, "cccd")
    assert "Mã tỉnh 999 ở đầu số CCCD không tồn tại." in field and 'aria-invalid="true"' in field
    assert "Mã tỉnh 999" not in _field(page, "full_name")
    wrong_year = client.post(URL, _form(network, birth_date="1992-05-01")).content.decode()
    assert "khác ngày sinh đã nhập" in _field(wrong_year, "cccd")
    short = client.post(URL, _form(network, cccd="12345")).content.decode()
    assert "Số CCCD phải gồm đúng 12 chữ số." in _field(short, "cccd")


def test_cccd_already_registered(client, network):
    register_reader(card="TST0100", full_name="Phạm Minh Tuấn", home_library=network["prov"], category="adult",
                    pin="1111", cccd=CCCD, birth_date=dt.date(1990, 5, 1))  # fmt: skip
    page = client.post(URL, _form(network)).content.decode()
    assert "Số CCCD này đã được đăng ký cho một thẻ khác." in _field(page, "cccd")
    assert Reader.objects.count() == 1


def test_terms_pins_and_category_are_checked(client, network):
    page = client.post(URL, _form(network, terms=None, pin2="2469")).content.decode()
    assert "Cần đồng ý với nội quy để đăng ký thẻ." in _field(page, "terms")
    assert "Hai lần nhập mã PIN không giống nhau." in _field(page, "pin2")
    pupil = ReaderCategory.objects.get(code="pupil")
    page = client.post(URL, _form(network, category=pupil.pk)).content.decode()
    assert "errorlist" in _field(page, "category")
    assert not Reader.objects.exists()


def test_registrations_are_rate_limited_per_address(client, network, settings):
    settings.READER_REGISTRATIONS_PER_HOUR = 2
    for n, cccd in enumerate(["001090000001", "001090000002"]):
        assert client.post(URL, _form(network, cccd=cccd, full_name=f"Bạn Đọc {n}")).status_code == 302
    third = client.post(URL, _form(network, cccd="001090000003", full_name="Bạn Đọc 3"))
    assert third.status_code == 429 and "quá nhiều lượt đăng ký" in third.content.decode()
    assert Reader.objects.count() == 2
    other_address = client.post(URL, _form(network, cccd="001090000003", full_name="Bạn Đọc 3"),
                                REMOTE_ADDR="198.51.100.7")  # fmt: skip
    assert other_address.status_code == 302


def test_failed_attempts_are_limited_too(client, network, settings):
    settings.READER_REGISTRATION_ATTEMPTS_PER_HOUR = 3
    for _ in range(3):
        assert client.post(URL, _form(network, cccd="999000000000")).status_code == 400
    assert client.post(URL, _form(network)).status_code == 429
    assert not Reader.objects.exists()


def test_pending_reader_cannot_borrow_until_approved(client, network, make_item, provincial_librarian):
    client.post(URL, _form(network))
    reader = Reader.objects.get(full_name="Phạm Minh Tuấn")
    item = make_item("commune")
    with pytest.raises(CirculationError) as refused:
        actions.checkout(item=item, reader=reader.card, library=network["commune"])
    assert refused.value.code == "blocked_status" and refused.value.message == "Thẻ đang chờ thư viện duyệt."
    # Nor place a hold from the OPAC: the same message.
    client.post("/ban-doc/dang-nhap/", {"card": reader.card, "pin": "2468"})
    held = client.post(f"/ban-doc/dat-giu/{item.record_id}/", {"pickup_library": network["commune"].pk})
    assert "Thẻ đang chờ thư viện duyệt." in held.content.decode()
    set_status(reader=reader, status="active", actor=provincial_librarian)
    actions.checkout(item=item, reader=reader.card, library=network["commune"])
    item.refresh_from_db()
    assert item.status == ItemStatus.CHECKED_OUT
