"""Asking for a title by post from the record page: the fee by rule shown first, then followed to the door."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail

from thuvien.circulation import actions
from thuvien.circulation.models import CirculationRule, Delivery, Fee
from thuvien.circulation.tests import conftest as circulation_cast
from thuvien.patrons.actions import update_reader

pytestmark = pytest.mark.django_db

# The circulation tests' cast: readers of the test province, copies at its libraries.
make_item = circulation_cast.make_item
reader = circulation_cast.reader


@pytest.fixture
def signed_in(client, reader):
    update_reader(reader=reader, actor=None, address="12 Lê Lợi, xã Hòa Bình", phone="0912345678")
    assert client.post("/ban-doc/dang-nhap/", {"card": reader.card, "pin": "1234"}).status_code == 302
    return client


@pytest.fixture
def fee_rule(network):
    return CirculationRule.objects.create(library=network["prov"], delivery_fee=Decimal(25000))


def test_delivery_shows_the_fee_and_follows_to_shipping(
    signed_in, reader, make_item, network, fee_rule, provincial_librarian, django_capture_on_commit_callbacks
):
    item = make_item()
    record_page = signed_in.get(f"/record/{item.record_id}/").content.decode()
    url = f"/ban-doc/gui-buu-dien/{item.record_id}/"
    assert f'href="{url}"' in record_page and "Gửi qua bưu điện" in record_page
    form = signed_in.get(url).content.decode()
    assert "Phí gửi sách qua bưu điện:" in form and "25.000&nbsp;đ" in form
    assert "12 Lê Lợi, xã Hòa Bình</textarea>" in form and 'value="0912345678"' in form
    # Nothing is asked for until the reader accepts the fee.
    refused = signed_in.post(url, {"address": "12 Lê Lợi, xã Hòa Bình", "phone": "0912345678"})
    assert refused.status_code == 400 and not Delivery.objects.exists()
    response = signed_in.post(
        url, {"address": "Số 5 ngõ 3, xã Hòa Bình", "phone": "0987000111", "accept_fee": "on"}
    )
    delivery = Delivery.objects.get(reader=reader)
    assert response.status_code == 302 and response["Location"] == f"/ban-doc/buu-dien/{delivery.pk}/"
    assert delivery.fee == Decimal(25000) and delivery.address == "Số 5 ngõ 3, xã Hòa Bình"
    assert Fee.objects.get(reader=reader, kind="delivery").amount == Decimal(25000)
    detail = signed_in.get(response["Location"]).content.decode()
    assert "Đã yêu cầu" in detail and "25.000&nbsp;đ" in detail
    account = signed_in.get("/ban-doc/").content.decode()
    assert "Gửi sách qua bưu điện" in account and item.record.title in account and "Đã yêu cầu" in account

    actions.advance_delivery(
        delivery=delivery, status="packed", actor=provincial_librarian, item_barcode=item.barcode
    )
    with django_capture_on_commit_callbacks(execute=True):
        actions.advance_delivery(delivery=delivery, status="shipped", actor=provincial_librarian,
                                 tracking_number="VN123456789", note="ghi chú nội bộ")  # fmt: skip
    account = signed_in.get("/ban-doc/").content.decode()
    assert "Đã gửi đi" in account and "VN123456789" in account
    detail = signed_in.get(f"/ban-doc/buu-dien/{delivery.pk}/").content.decode()
    assert "VN123456789" in detail and "Đã đóng gói" in detail
    assert "ghi chú nội bộ" not in detail and provincial_librarian.username not in detail
    # The e-mail sends the reader to this account.
    assert len(mail.outbox) == 1 and "http://127.0.0.1:8000/ban-doc/" in mail.outbox[0].body
    assert signed_in.get("/ban-doc/").status_code == 200


def test_delivery_refused_when_no_copy_is_on_the_shelf(signed_in, reader, make_item, network):
    item = make_item(status="reading_room")
    record_page = signed_in.get(f"/record/{item.record_id}/").content.decode()
    response = signed_in.post(f"/ban-doc/gui-buu-dien/{item.record_id}/",
                              {"address": "Số 5", "phone": "0987000111", "accept_fee": "on"})  # fmt: skip
    assert response.status_code == 400
    assert "Hiện không có bản nào trên giá để gửi" in response.content.decode()
    assert not Delivery.objects.exists()
    assert "Đặt giữ" in record_page


def test_default_fee_without_a_rule(signed_in, make_item):
    item = make_item()
    assert "30.000&nbsp;đ" in signed_in.get(f"/ban-doc/gui-buu-dien/{item.record_id}/").content.decode()
