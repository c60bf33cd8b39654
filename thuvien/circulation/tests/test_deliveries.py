"""Postal delivery: requested → packed → shipped → delivered → returned, or cancelled with the fee refunded."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail

from thuvien.audit.models import AuditEntry
from thuvien.catalog.models import ItemStatus
from thuvien.circulation import actions
from thuvien.circulation.exceptions import CirculationError
from thuvien.circulation.models import CirculationRule, Delivery, Fee, FeeKind, Loan
from thuvien.circulation.queries import owed
from thuvien.circulation.tests.test_properties import check_invariants

pytestmark = pytest.mark.django_db

ADDRESS = "12 Lê Lợi, phường Hòa Bình"
PHONE = "0901234567"


def refused(code, action, **kwargs):
    with pytest.raises(CirculationError) as error:
        action(**kwargs)
    assert error.value.code == code, error.value.message
    return error.value.message


def request(reader, record, clock, **kwargs):
    return actions.request_delivery(
        reader=reader, record=record, address=ADDRESS, phone=PHONE, now=clock, **kwargs
    )


def step(delivery, status, actor, clock, **kwargs):
    return actions.advance_delivery(delivery=delivery, status=status, actor=actor, now=clock, **kwargs)


def test_every_step(
    reader, make_item, network, clock, circulation_librarian, django_capture_on_commit_callbacks
):
    item = make_item("prov")
    delivery = request(reader, item.record, clock)
    assert (delivery.status, delivery.library, delivery.fee) == ("requested", network["prov"], Decimal(30000))
    assert Fee.objects.get(kind=FeeKind.DELIVERY).note == f"delivery:{delivery.pk}"
    assert AuditEntry.objects.filter(
        type="circulation.delivery.requested", object_id=str(delivery.pk)
    ).exists()

    packed = step(delivery, "packed", circulation_librarian, clock, item_barcode=item.barcode)
    loan = Loan.objects.get(item=item, returned_at__isnull=True)
    assert packed.loan == loan and packed.item == item and loan.channel == Loan.Channel.POST
    with django_capture_on_commit_callbacks(execute=True):
        shipped = step(delivery, "shipped", circulation_librarian, clock, tracking_number=" VN123456789 ")
    assert shipped.tracking_number == "VN123456789"
    assert [m.to for m in mail.outbox] == [[reader.email]]
    step(delivery, "delivered", circulation_librarian, clock + dt.timedelta(days=3))
    returned = step(delivery, "returned", circulation_librarian, clock + dt.timedelta(days=20))
    assert returned.status == "returned"
    loan.refresh_from_db()
    assert loan.returned_at == clock + dt.timedelta(days=20)
    item.refresh_from_db()
    assert item.status == ItemStatus.AVAILABLE
    history = list(returned.events.values_list("status", "actor"))
    assert history == [("requested", None)] + [
        (s, circulation_librarian.pk) for s in ("packed", "shipped", "delivered", "returned")
    ]
    for status in ("packed", "shipped", "delivered", "returned"):
        assert AuditEntry.objects.filter(
            type=f"circulation.delivery.{status}", object_id=str(delivery.pk)
        ).exists()
    check_invariants()


def test_cancelled_before_packing_refunds_the_fee(reader, make_item, network, clock, circulation_librarian):
    delivery = request(reader, make_item().record, clock)
    assert owed(reader) == 30000
    step(delivery, "cancelled", circulation_librarian, clock, note="Bạn đọc đổi ý")
    assert owed(reader) == 0
    fee = Fee.objects.get(kind=FeeKind.DELIVERY)
    assert fee.waived == 30000 and fee.paid == 0
    assert Delivery.objects.get(pk=delivery.pk).events.last().note == "Bạn đọc đổi ý"


def test_cancelled_after_packing_brings_the_copy_back(
    reader, make_item, network, clock, circulation_librarian
):
    item = make_item()
    delivery = request(reader, item.record, clock)
    step(delivery, "packed", circulation_librarian, clock, item_barcode=item.barcode)
    step(delivery, "cancelled", circulation_librarian, clock)
    assert Loan.objects.get(item=item).returned_at == clock
    item.refresh_from_db()
    assert item.status == ItemStatus.AVAILABLE and owed(reader) == 0
    check_invariants()


def test_illegal_transitions_are_refused(reader, make_item, network, clock, circulation_librarian):
    item = make_item()
    delivery = request(reader, item.record, clock)
    message = refused("delivery_step", actions.advance_delivery, delivery=delivery, status="shipped",
                      actor=circulation_librarian, tracking_number="X")  # fmt: skip
    assert message == "Không chuyển được từ «Đã yêu cầu» sang «Đã gửi đi»."
    refused("delivery_step", actions.advance_delivery, delivery=delivery, status="no-such-step",
            actor=circulation_librarian)  # fmt: skip
    refused("delivery_step", actions.advance_delivery, delivery=delivery, status="requested",
            actor=circulation_librarian)  # fmt: skip
    step(delivery, "packed", circulation_librarian, clock, item_barcode=item.barcode)
    step(delivery, "shipped", circulation_librarian, clock, tracking_number="VN1")
    message = refused("delivery_step", actions.advance_delivery, delivery=delivery, status="cancelled",
                      actor=circulation_librarian)  # fmt: skip
    assert message == "Không chuyển được từ «Đã gửi đi» sang «Đã hủy»."
    assert Delivery.objects.get(pk=delivery.pk).status == "shipped"


def test_each_step_asks_for_what_it_needs(reader, make_item, network, clock, circulation_librarian):
    item = make_item()
    delivery = request(reader, item.record, clock)
    refused("item_required", actions.advance_delivery, delivery=delivery, status="packed", actor=None)
    refused("wrong_item", actions.advance_delivery, delivery=delivery, status="packed", actor=None,
            item_barcode=make_item().barcode)  # fmt: skip
    refused("wrong_item", actions.advance_delivery, delivery=delivery, status="packed", actor=None,
            item_barcode="KHONG-CO")  # fmt: skip
    step(delivery, "packed", circulation_librarian, clock, item_barcode=item.barcode)
    refused("tracking_required", actions.advance_delivery, delivery=delivery, status="shipped", actor=None,
            tracking_number="  ")  # fmt: skip
    assert Delivery.objects.get(pk=delivery.pk).status == "packed"


def test_a_packed_copy_must_be_free(reader, other_reader, make_item, network, clock, circulation_librarian):
    item = make_item()
    delivery = request(reader, item.record, clock)
    actions.checkout(item=item, reader=other_reader, library=network["prov"], now=clock)
    refused("on_loan", actions.advance_delivery, delivery=delivery, status="packed", actor=None,
            item_barcode=item.barcode, now=clock)  # fmt: skip
    assert Delivery.objects.get(pk=delivery.pk).status == "requested"


def test_request_refusals(reader, make_item, network, clock, settings):
    item = make_item()
    for address, phone in (("", PHONE), (ADDRESS, " ")):
        refused("address", actions.request_delivery, reader=reader, record=item.record, address=address,
                phone=phone, now=clock)  # fmt: skip
    refused("record_unknown", actions.request_delivery, reader=reader, record=999999, address=ADDRESS,
            phone=PHONE, now=clock)  # fmt: skip
    actions.checkout(item=item, reader=reader, library=network["prov"], now=clock)
    message = refused("no_copy", actions.request_delivery, reader=reader, record=item.record, address=ADDRESS,
                      phone=PHONE, now=clock)  # fmt: skip
    assert message == "Hiện không có bản nào trên giá để gửi; hãy đặt giữ tài liệu."
    Fee.objects.create(reader=reader, library=network["prov"], kind=FeeKind.OTHER,
                       amount=settings.FINE_BLOCK_THRESHOLD + 1)  # fmt: skip
    refused("blocked_fines", actions.request_delivery, reader=reader, record=make_item().record, address=ADDRESS,
            phone=PHONE, now=clock)  # fmt: skip
    assert not Delivery.objects.exists()


def test_the_fee_follows_the_rule_and_a_free_delivery_charges_nothing(reader, make_item, network, clock):
    CirculationRule.objects.create(library=network["prov"], delivery_fee=0)
    delivery = request(reader, make_item().record, clock)
    assert delivery.fee == 0 and not Fee.objects.exists()


def test_the_readers_own_library_sends_when_it_can(other_reader, make_item, network, clock):
    item = make_item("prov")
    make_item("commune", record=item.record)
    assert request(other_reader, item.record, clock).library == network["commune"]
