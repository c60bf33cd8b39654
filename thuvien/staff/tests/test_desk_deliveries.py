"""Postal deliveries at the desk: listed by status, advanced step by step through advance_delivery."""

from __future__ import annotations

import pytest

from thuvien.catalog.models import ItemStatus
from thuvien.circulation import actions
from thuvien.circulation.models import Delivery, DeliveryStatus, Fee, FeeKind, Loan
from thuvien.circulation.tests import conftest as circulation_cast

pytestmark = pytest.mark.django_db

# The circulation tests' cast: readers of the test province, copies at its libraries, a librarian.
circulation_librarian = circulation_cast.circulation_librarian
make_item = circulation_cast.make_item
reader = circulation_cast.reader

LIST = "/staff/desk/deliveries/"


@pytest.fixture
def desk(client, circulation_librarian):
    client.force_login(circulation_librarian)
    return client


@pytest.fixture
def delivery(reader, make_item):
    item = make_item("prov", barcode="POST-1")
    make_item("prov", barcode="POST-OTHER")
    return actions.request_delivery(reader=reader, record=item.record, address="45 Hai Bà Trưng, Huế",
                                    phone="0934000555")  # fmt: skip


def _advance(desk, delivery, **data):
    return desk.post(f"{LIST}{delivery.pk}/advance/", data, follow=True).content.decode()


def test_a_delivery_goes_from_request_to_return(desk, delivery, reader):
    page = desk.get(LIST).content.decode()
    assert "45 Hai Bà Trưng, Huế" in page and "0934000555" in page and "30.000 đ" in page
    assert 'Đã yêu cầu <span class="count">(1)</span>' in page
    text = _advance(desk, delivery, status="packed", item_barcode="POST-OTHER")
    assert "Bản này không phải của tài liệu được yêu cầu." in text
    text = _advance(desk, delivery, status="packed", item_barcode="POST-1")
    assert f"Yêu cầu số {delivery.pk}: Đã đóng gói." in text
    loan = Loan.objects.get(item__barcode="POST-1", returned_at__isnull=True)
    assert loan.reader == reader and loan.channel == "post"
    text = _advance(desk, delivery, status="shipped", tracking_number="")
    assert "Hãy ghi mã vận đơn." in text
    _advance(desk, delivery, status="shipped", tracking_number="VN123456789")
    assert "VN123456789" in desk.get(LIST, {"status": "shipped"}).content.decode()
    _advance(desk, delivery, status="delivered")
    _advance(desk, delivery, status="returned")
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.RETURNED and delivery.tracking_number == "VN123456789"
    loan.refresh_from_db()
    assert loan.returned_at is not None
    assert delivery.item.status == ItemStatus.AVAILABLE
    text = _advance(desk, delivery, status="shipped", tracking_number="X")
    assert "Không chuyển được từ «Đã trả lại thư viện» sang «Đã gửi đi»." in text


def test_cancelling_refunds_the_fee(desk, delivery, reader):
    fee = Fee.objects.get(reader=reader, kind=FeeKind.DELIVERY)
    assert fee.outstanding == 30000
    _advance(desk, delivery, status="cancelled", note="Bạn đọc đổi ý")
    assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.CANCELLED
    assert Fee.objects.get(pk=fee.pk).outstanding == 0


def test_a_copy_of_another_network_cannot_be_packed(desk, delivery, network):
    from thuvien.catalog.actions import save_item
    from thuvien.catalog.models import Item

    save_item(Item(record=delivery.record, library=network["other_prov"], current_library=network["other_prov"],
                   barcode="KHAC-POST"))  # fmt: skip
    text = _advance(desk, delivery, status="packed", item_barcode="KHAC-POST")
    assert "Không có bản sách mang mã vạch này." in text
    assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.REQUESTED
    assert not Loan.objects.filter(item__barcode="KHAC-POST").exists()


def test_unknown_step_is_refused(desk, delivery):
    text = _advance(desk, delivery, status="teleported")
    assert "Bước xử lý không hợp lệ." in text
