"""Payments with a printable receipt, and waivers that need a reason."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from thuvien.audit.models import AuditEntry
from thuvien.circulation.models import Fee, FeeKind, Payment
from thuvien.circulation.tests import conftest as circulation_cast

pytestmark = pytest.mark.django_db

# The circulation tests' cast: readers of the test province, a librarian.
circulation_librarian = circulation_cast.circulation_librarian
reader = circulation_cast.reader


@pytest.fixture
def desk(client, circulation_librarian):
    client.force_login(circulation_librarian)
    return client


@pytest.fixture
def fees(reader, network):
    first = Fee.objects.create(reader=reader, library=network["prov"], kind=FeeKind.OVERDUE, amount=12000,
                               note="6 ngày quá hạn")  # fmt: skip
    second = Fee.objects.create(reader=reader, library=network["prov"], kind=FeeKind.DAMAGED, amount=40000,
                                note="rách bìa")  # fmt: skip
    return first, second


def test_payment_gives_a_printable_receipt(desk, reader, fees, circulation_librarian, network):
    url = f"/staff/desk/readers/{reader.pk}/pay/"
    page = desk.get(url).content.decode()
    assert "Tổng còn nợ: <strong>52.000 đ</strong>" in page and 'value="52000"' in page
    response = desk.post(url, {"amount": "15000", "method": "cash"})
    payment = Payment.objects.get(reader=reader)
    assert response.status_code == 302 and response["Location"] == f"/staff/desk/receipts/{payment.pk}/"
    assert payment.amount == Decimal(15000) and payment.library == network["prov"]
    assert payment.actor == circulation_librarian
    first, second = (Fee.objects.get(pk=f.pk) for f in fees)
    assert first.outstanding == 0 and second.outstanding == Decimal(37000)  # oldest first
    receipt = desk.get(response["Location"]).content.decode()
    for expected in (payment.receipt, "Nguyễn Thị Hoà", "TST0001", "Thư viện tỉnh Thử Nghiệm", "Tiền mặt",
                     "luuthong", "12.000", "3.000", "15.000 đ", f"{timezone.localtime(payment.at):%d/%m/%Y}",
                     "Phạt quá hạn", "Bồi thường hư hỏng", "window.print()"):  # fmt: skip
        assert expected in receipt, expected
    assert "Đã thu 15.000 đ" in receipt  # the message after the redirect


def test_paying_more_than_owed_is_refused(desk, reader, fees):
    response = desk.post(f"/staff/desk/readers/{reader.pk}/pay/", {"amount": "60000", "method": "transfer"})
    assert response.status_code == 200
    assert "Số tiền 60.000 đ lớn hơn số nợ 52.000 đ." in response.content.decode()
    assert not Payment.objects.exists()
    response = desk.post(f"/staff/desk/readers/{reader.pk}/pay/", {"amount": "5000", "method": "waiver"})
    assert response.status_code == 200 and not Payment.objects.exists()  # a waiver is not a payment


def test_waiving_needs_a_reason(desk, reader, fees, circulation_librarian):
    fee = fees[1]
    url = f"/staff/desk/readers/{reader.pk}/fees/{fee.pk}/waive/"
    page = desk.get(url).content.decode()
    assert "40.000 đ" in page
    response = desk.post(url, {"reason": "   "})
    assert response.status_code == 200 and "Hãy ghi lý do miễn." in response.content.decode()
    assert Fee.objects.get(pk=fee.pk).waived == 0
    response = desk.post(url, {"reason": "Bạn đọc là người khuyết tật", "amount": "10000"})
    assert response.status_code == 302 and response["Location"].endswith("#fees")
    assert Fee.objects.get(pk=fee.pk).outstanding == Decimal(30000)
    entry = AuditEntry.objects.get(type="circulation.fee.waived")
    assert entry.actor == circulation_librarian and entry.data["reason"] == "Bạn đọc là người khuyết tật"
    response = desk.post(url, {"reason": "Miễn hết"})
    assert Fee.objects.get(pk=fee.pk).outstanding == 0
    too_much = desk.post(
        f"/staff/desk/readers/{reader.pk}/fees/{fees[0].pk}/waive/", {"reason": "x", "amount": "99999"}
    )
    assert "Số tiền miễn không hợp lệ." in too_much.content.decode()


def test_a_fee_of_another_reader_is_not_found_through_this_one(desk, reader, network):
    from thuvien.patrons.actions import register_reader

    someone = register_reader(card="TST0009", full_name="Lê Thị Cúc", home_library=network["prov"], category="adult",
                              pin="1234")  # fmt: skip
    fee = Fee.objects.create(reader=someone, library=network["prov"], kind=FeeKind.OTHER, amount=1000)
    assert (
        desk.post(f"/staff/desk/readers/{reader.pk}/fees/{fee.pk}/waive/", {"reason": "x"}).status_code == 404
    )
    assert Fee.objects.get(pk=fee.pk).waived == 0
