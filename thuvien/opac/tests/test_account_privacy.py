"""Privacy in the reader's account: loan history only with consent, e-mail notices, data download, erasure."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from thuvien.circulation import actions
from thuvien.circulation.models import HoldStatus, Loan
from thuvien.circulation.tests import conftest as circulation_cast
from thuvien.patrons.actions import update_reader
from thuvien.patrons.models import Consent, Reader

pytestmark = pytest.mark.django_db

# The circulation tests' cast: readers of the test province, copies at its libraries.
make_item = circulation_cast.make_item
other_reader = circulation_cast.other_reader
reader = circulation_cast.reader

CCCD = "001090123456"  # Hà Nội, a man born in 1990
OTHER_CCCD = "079195000321"  # Hồ Chí Minh City, a woman born in 1995


def _sign_in(client, card, pin):
    assert client.post("/ban-doc/dang-nhap/", {"card": card, "pin": pin}).status_code == 302
    return client


@pytest.fixture
def signed_in(client, reader):
    return _sign_in(client, reader.card, "1234")


def test_history_hidden_without_consent_then_kept_once_turned_on(signed_in, reader, make_item, network):
    item = make_item()
    actions.checkout(item=item, reader=reader, library=network["prov"])
    actions.checkin(item=item, library=network["prov"])
    page = signed_in.get("/ban-doc/lich-su/").content.decode()
    assert "Thư viện không lưu lịch sử mượn của bạn" in page and "Bật lưu lịch sử mượn" in page
    assert item.record.title not in page
    response = signed_in.post(
        "/ban-doc/quyen-rieng-tu/dong-y/", {"kind": "loan_history", "given": "1", "next": "/ban-doc/lich-su/"}
    )
    assert response["Location"] == "/ban-doc/lich-su/"
    assert Reader.objects.get(pk=reader.pk).keep_history
    later = make_item()
    actions.checkout(item=later, reader=reader, library=network["prov"])
    actions.checkin(item=later, library=network["prov"])
    page = signed_in.get("/ban-doc/lich-su/").content.decode()
    assert later.record.title in page


def test_turning_history_off_warns_first_then_forgets_it(signed_in, reader, make_item, network):
    signed_in.post("/ban-doc/quyen-rieng-tu/dong-y/", {"kind": "loan_history", "given": "1"})
    item = make_item()
    actions.checkout(item=item, reader=reader, library=network["prov"])
    actions.checkin(item=item, library=network["prov"])
    assert item.record.title in signed_in.get("/ban-doc/lich-su/").content.decode()
    privacy = signed_in.get("/ban-doc/quyen-rieng-tu/").content.decode()
    assert "toàn bộ lịch sử mượn đã lưu sẽ bị xóa ngay và không thể khôi phục" in privacy
    assert "Tắt và xóa lịch sử mượn" in privacy
    text = signed_in.post(
        "/ban-doc/quyen-rieng-tu/dong-y/", {"kind": "loan_history", "given": "0"}, follow=True
    ).content.decode()
    assert "Lịch sử đã lưu đã được xóa." in text
    assert not Loan.objects.filter(reader=reader).exists()
    assert Loan.objects.get(item=item).anonymised
    assert "Thư viện không lưu lịch sử mượn của bạn" in signed_in.get("/ban-doc/lich-su/").content.decode()


def test_consent_endpoint_takes_only_known_toggles(signed_in, reader):
    assert (
        signed_in.post("/ban-doc/quyen-rieng-tu/dong-y/", {"kind": "terms", "given": "0"}).status_code == 400
    )
    assert (
        signed_in.post("/ban-doc/quyen-rieng-tu/dong-y/", {"kind": "loan_history", "given": "x"}).status_code
        == 400
    )
    assert not Consent.objects.filter(reader=reader, given=False, kind="terms").exists()


def test_email_notices_turned_off_stop_the_mail(
    signed_in, reader, make_item, network, django_capture_on_commit_callbacks
):
    page = signed_in.get("/ban-doc/quyen-rieng-tu/").content.decode()
    assert "Tắt thông báo qua thư điện tử" in page
    signed_in.post("/ban-doc/quyen-rieng-tu/dong-y/", {"kind": "email_notices", "given": "0"})
    assert Consent.objects.filter(reader=reader, kind="email_notices", given=False, channel="opac").exists()
    assert "Bật thông báo qua thư điện tử" in signed_in.get("/ban-doc/quyen-rieng-tu/").content.decode()
    first, second = make_item(), make_item()
    for item in (first, second):
        actions.place_hold(reader=reader, record=item.record, pickup_library=network["prov"])
    with django_capture_on_commit_callbacks(execute=True):
        actions.checkin(item=first, library=network["prov"])
    assert mail.outbox == []
    signed_in.post("/ban-doc/quyen-rieng-tu/dong-y/", {"kind": "email_notices", "given": "1"})
    with django_capture_on_commit_callbacks(execute=True):
        actions.checkin(item=second, library=network["prov"])
    assert [m.to for m in mail.outbox] == [["hoa@example.vn"]]
    assert reader.holds.filter(status=HoldStatus.READY).count() == 2


def test_data_download_has_the_cccd_in_clear_only_for_the_reader_himself(
    reader, other_reader, make_item, network
):
    update_reader(reader=reader, actor=None, birth_date=dt.date(1990, 5, 1), cccd=CCCD, phone="0912345678")
    update_reader(reader=other_reader, actor=None, birth_date=dt.date(1995, 2, 3), cccd=OTHER_CCCD)
    actions.checkout(item=make_item(), reader=reader, library=network["prov"])
    mine = _sign_in(Client(), reader.card, "1234")
    response = mine.get("/ban-doc/du-lieu-cua-toi.json")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="thuvien-TST0001-')
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["reader"]["citizen_id"] == CCCD and data["reader"]["card"] == "TST0001"
    assert data["reader"]["phone"] == "0912345678" and len(data["loans"]) == 1
    assert OTHER_CCCD not in response.content.decode()
    # The reader's pages never print it; another reader's download holds only his own.
    for url in ("/ban-doc/", "/ban-doc/quyen-rieng-tu/", "/ban-doc/lich-su/"):
        assert CCCD not in mine.get(url).content.decode()
    theirs = _sign_in(Client(), other_reader.card, "5678").get("/ban-doc/du-lieu-cua-toi.json")
    assert CCCD not in theirs.content.decode() and "TST0001" not in theirs.content.decode()
    assert json.loads(theirs.content)["reader"]["citizen_id"] == OTHER_CCCD
    assert Client().get("/ban-doc/du-lieu-cua-toi.json").status_code == 302


def test_erasure_request_needs_confirmation(signed_in, reader):
    page = signed_in.get("/ban-doc/xoa-du-lieu/").content.decode()
    assert "Thư viện chỉ xóa được khi bạn đã trả hết tài liệu" in page
    unconfirmed = signed_in.post("/ban-doc/xoa-du-lieu/", {})
    assert unconfirmed.status_code == 400 and "Hãy đánh dấu ô xác nhận" in unconfirmed.content.decode()
    assert Reader.objects.get(pk=reader.pk).erasure_requested_at is None
    text = signed_in.post("/ban-doc/xoa-du-lieu/", {"confirm": "1"}, follow=True).content.decode()
    requested = Reader.objects.get(pk=reader.pk).erasure_requested_at
    assert requested is not None
    assert "Đã gửi yêu cầu xóa dữ liệu" in text
    assert f"Bạn đã yêu cầu xóa dữ liệu ngày {timezone.localtime(requested):%d/%m/%Y}" in text
    # The reader stays signed in and keeps his account until the library erases it.
    assert signed_in.get("/ban-doc/").status_code == 200
