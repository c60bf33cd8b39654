"""Managing readers: registration, edits, card renewal, status, approval, PIN reset, erasure."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from thuvien.circulation import actions
from thuvien.circulation.tests import conftest as circulation_cast
from thuvien.patrons.actions import authenticate_reader, register_reader, request_erasure
from thuvien.patrons.models import Consent, Reader, ReaderCategory, ReaderStatus

pytestmark = pytest.mark.django_db

# The circulation tests' cast: readers of the test province, copies at its libraries, a librarian.
circulation_librarian = circulation_cast.circulation_librarian
make_item = circulation_cast.make_item
reader = circulation_cast.reader

NEW = "/staff/desk/readers/new/"


@pytest.fixture
def desk(client, circulation_librarian):
    client.force_login(circulation_librarian)
    return client


def _form(network, **changes):
    data = {
        "card": "tst-0100", "pin": "2468", "full_name": "Phạm Thị Lan", "birth_date": "1990-04-02",
        "category": ReaderCategory.objects.get(code="adult").pk, "home_library": network["commune"].pk,
        "email": "lan@example.vn", "phone": "0905000111", "address": "3 Lý Thường Kiệt", "cccd": "001190012345",
        "terms": "on", "keep_history": "on",
    }  # fmt: skip
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_register_a_reader(desk, network, circulation_librarian):
    page = desk.get(NEW).content.decode()
    assert "Thư viện xã Hòa Bình" in page and "Thư viện tỉnh Khác" not in page
    response = desk.post(NEW, _form(network, email_notices="on"))
    new = Reader.objects.get(card="TST-0100")
    assert response.status_code == 302 and response["Location"] == f"/staff/desk/readers/{new.pk}/"
    assert new.home_library == network["commune"] and new.status == ReaderStatus.ACTIVE
    assert new.cccd_last == "2345" and "001190012345" not in new.cccd_encrypted
    assert new.keep_history
    kinds = {(c.kind, c.given, c.channel) for c in new.consents.all()}
    assert kinds == {("terms", True, "desk"), ("loan_history", True, "desk"), ("email_notices", True, "desk")}
    assert authenticate_reader("TST-0100", "2468", channel="test") == new
    page = desk.get(response["Location"]).content.decode()
    assert "••••••••2345" in page and "Đã cấp thẻ TST-0100" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"cccd": "0011900123"}, "Số CCCD phải gồm đúng 12 chữ số."),
        ({"cccd": "999190012345"}, "Mã tỉnh 999"),
        ({"cccd": "001085012345"}, "khác ngày sinh"),
        ({"card": "thẻ có dấu"}, "Số thẻ gồm 4–32 chữ cái"),
        ({"terms": None}, "bắt buộc"),
        ({"full_name": ""}, "bắt buộc"),
    ],
)
def test_registration_errors_are_shown_on_the_form(desk, network, changes, message):
    response = desk.post(NEW, _form(network, **changes))
    assert response.status_code == 200
    text = response.content.decode()
    assert 'class="errorlist' in text
    assert message.lower() in text.lower()
    assert not Reader.objects.filter(card="TST-0100").exists()


def test_a_card_or_cccd_already_taken_is_refused(desk, network, reader):
    response = desk.post(NEW, _form(network, card="TST0001"))
    assert "Số thẻ TST0001 đã có người dùng." in response.content.decode()
    desk.post(NEW, _form(network))
    response = desk.post(NEW, _form(network, card="TST-0200"))
    assert "Số CCCD này đã được đăng ký cho một thẻ khác." in response.content.decode()


def test_edit_a_reader_and_his_consents(desk, reader, network):
    url = f"/staff/desk/readers/{reader.pk}/edit/"
    page = desk.get(url).content.decode()
    assert 'value="Nguyễn Thị Hoà"' in page
    response = desk.post(url, {
        "full_name": "Nguyễn Thị Hòa", "category": reader.category_id, "home_library": network["school"].pk,
        "expires_on": f"{reader.expires_on:%Y-%m-%d}", "phone": "0977000222", "email": "hoa@example.vn",
        "cccd": "001190054321", "keep_history": "on",
    })  # fmt: skip
    assert response.status_code == 302
    reader.refresh_from_db()
    assert reader.full_name == "Nguyễn Thị Hòa" and reader.home_library == network["school"]
    assert reader.phone == "0977000222" and reader.cccd_last == "4321" and reader.keep_history
    assert reader.consents.filter(kind=Consent.Kind.LOAN_HISTORY, given=True, channel="desk").exists()
    # Leaving the CCCD empty keeps it; the box clears it.
    desk.post(url, {"full_name": reader.full_name, "category": reader.category_id, "home_library": network["school"].pk,
                    "expires_on": f"{reader.expires_on:%Y-%m-%d}"})  # fmt: skip
    reader.refresh_from_db()
    assert reader.cccd_last == "4321" and not reader.keep_history
    desk.post(url, {"full_name": reader.full_name, "category": reader.category_id, "home_library": network["school"].pk,
                    "expires_on": f"{reader.expires_on:%Y-%m-%d}", "clear_cccd": "on"})  # fmt: skip
    reader.refresh_from_db()
    assert reader.cccd_last == "" and reader.cccd_encrypted == ""


def test_renew_card_suspend_and_reactivate(desk, reader):
    base = f"/staff/desk/readers/{reader.pk}/"
    Reader.objects.filter(pk=reader.pk).update(expires_on=timezone.localdate() - dt.timedelta(days=3))
    desk.post(base + "card/")
    reader.refresh_from_db()
    assert reader.expires_on > timezone.localdate() + dt.timedelta(days=600)  # adults: 24 months
    desk.post(base + "status/", {"status": "suspended"})
    reader.refresh_from_db()
    assert reader.status == ReaderStatus.SUSPENDED
    assert "Thẻ đang bị khóa" in desk.get(base).content.decode()
    response = desk.post(base + "status/", {"status": "pending"}, follow=True)
    assert "Không đổi được trạng thái thẻ như vậy." in response.content.decode()
    desk.post(base + "status/", {"status": "active"})
    reader.refresh_from_db()
    assert reader.status == ReaderStatus.ACTIVE


def test_approve_pending_self_registrations(desk, network):
    pending = register_reader(card="TUDK0001", full_name="Võ Văn Tự", home_library=network["prov"],
                              category="student", pin="1357", status=ReaderStatus.PENDING, channel="opac")  # fmt: skip
    listing = desk.get("/staff/desk/readers/?tab=pending").content.decode()
    assert "Võ Văn Tự" in listing and 'Chờ duyệt <span class="count">(1)</span>' in listing
    response = desk.post(f"/staff/desk/readers/{pending.pk}/status/",
                         {"status": "active", "next": "/staff/desk/readers/?tab=pending"})  # fmt: skip
    assert response["Location"] == "/staff/desk/readers/?tab=pending"
    pending.refresh_from_db()
    assert pending.status == ReaderStatus.ACTIVE
    assert "Võ Văn Tự" not in desk.get("/staff/desk/readers/?tab=pending").content.decode()


def test_reset_pin(desk, reader):
    url = f"/staff/desk/readers/{reader.pk}/pin/"
    response = desk.post(url, {"new_pin": "8642", "new_pin2": "8643"})
    assert "Hai mã PIN không khớp." in response.content.decode()
    response = desk.post(url, {"new_pin": "86a2", "new_pin2": "86a2"})
    assert "Mã PIN phải gồm 4 đến 8 chữ số." in response.content.decode()
    response = desk.post(url, {"new_pin": "8642", "new_pin2": "8642"})
    assert response.status_code == 302
    assert authenticate_reader("TST0001", "8642", channel="test") is not None
    assert authenticate_reader("TST0001", "1234", channel="test") is None


def test_erasure_on_request(desk, reader, make_item, network):
    loan = actions.checkout(item=make_item(), reader=reader, library=network["prov"])
    request_erasure(reader=reader)
    listing = desk.get("/staff/desk/readers/?tab=erasure").content.decode()
    assert "Nguyễn Thị Hoà" in listing and f"/staff/desk/readers/{reader.pk}/erase/" in listing
    url = f"/staff/desk/readers/{reader.pk}/erase/"
    assert "Bạn đọc còn 1 bản đang mượn." in desk.get(url).content.decode()
    response = desk.post(url, follow=True)
    assert "Bạn đọc còn tài liệu đang mượn; hãy nhận trả trước khi xóa dữ liệu." in response.content.decode()
    assert Reader.objects.get(pk=reader.pk).status != ReaderStatus.ERASED
    actions.checkin(item=loan.item, library=network["prov"])
    response = desk.post(url)
    assert response["Location"] == "/staff/desk/readers/?tab=erasure"
    erased = Reader.objects.get(pk=reader.pk)
    assert (
        erased.status == ReaderStatus.ERASED and erased.full_name == "—" and erased.card.startswith("ERASED-")
    )
    assert desk.get(f"/staff/desk/readers/{reader.pk}/").status_code == 404
    assert "Nguyễn Thị Hoà" not in desk.get("/staff/desk/readers/?tab=erasure").content.decode()


def test_reader_list_finds_names_without_diacritics(desk, reader, network):
    register_reader(
        card="TST0050", full_name="Đặng Văn Đức", home_library=network["school"], category="pupil", pin="1111"
    )
    listing = desk.get("/staff/desk/readers/?q=dang van duc").content.decode()
    assert "Đặng Văn Đức" in listing and "Nguyễn Thị Hoà" not in listing
    assert "Nguyễn Thị Hoà" in desk.get("/staff/desk/readers/?q=tst0001").content.decode()
