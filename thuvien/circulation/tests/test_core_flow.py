"""The main path through the desk: lend, return, renew, hold, transit, fines, payment."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail

from thuvien.catalog.models import ItemStatus
from thuvien.circulation import actions
from thuvien.circulation.exceptions import CirculationError
from thuvien.circulation.models import Fee, Hold, HoldStatus, Loan, Transit

pytestmark = pytest.mark.django_db


def test_checkout_and_checkin_at_home(reader, make_item, network, clock):
    item = make_item()
    loan = actions.checkout(item=item.barcode, reader=reader.card, library=network["prov"], now=clock)
    assert loan.due_at.date() == dt.date(2026, 11, 30)
    item.refresh_from_db()
    assert item.status == ItemStatus.CHECKED_OUT
    with pytest.raises(CirculationError) as refused:
        actions.checkout(item=item, reader=reader, library=network["prov"], now=clock)
    assert refused.value.code == "already_yours"
    result = actions.checkin(item=item.barcode, library=network["prov"], now=clock + dt.timedelta(days=3))
    assert result.action == "shelve"
    item.refresh_from_db()
    assert item.status == ItemStatus.AVAILABLE
    assert Loan.objects.get(pk=loan.pk).returned_at is not None


def test_return_elsewhere_goes_home_in_transit(reader, make_item, network, clock):
    item = make_item("commune")
    actions.checkout(item=item, reader=reader, library=network["commune"], now=clock)
    result = actions.checkin(item=item, library=network["prov"], now=clock)
    assert result.action == "transit" and result.destination == network["commune"]
    assert Transit.objects.filter(item=item, received_at__isnull=True).count() == 1
    result = actions.checkin(item=item, library=network["commune"], now=clock)
    assert result.action == "shelve"


def test_overdue_fine_capped_and_paid(reader, make_item, network, clock):
    item = make_item()
    actions.checkout(item=item, reader=reader, library=network["prov"], now=clock)
    late = clock + dt.timedelta(days=14 + 5)
    result = actions.checkin(item=item, library=network["prov"], now=late)
    assert result.fee.amount == Decimal(5 * 2000)
    payment = actions.pay_fees(reader=reader, amount=4000, library=network["prov"])
    assert payment.receipt.startswith("VN-TST-")
    assert Fee.objects.get(pk=result.fee.pk).outstanding == Decimal(6000)
    with pytest.raises(CirculationError):
        actions.pay_fees(reader=reader, amount=999999, library=network["prov"])


def test_hold_trapped_at_checkin_goes_to_pickup_and_fills(
    reader, other_reader, make_item, network, clock, django_capture_on_commit_callbacks
):
    item = make_item("prov")
    actions.checkout(item=item, reader=reader, library=network["prov"], now=clock)
    hold = actions.place_hold(
        reader=other_reader, record=item.record, pickup_library=network["commune"], now=clock
    )
    with pytest.raises(CirculationError) as refused:
        actions.renew(loan=Loan.objects.get(item=item, returned_at__isnull=True), now=clock)
    assert refused.value.code == "on_hold"
    result = actions.checkin(item=item, library=network["prov"], now=clock)
    assert result.action == "transit" and result.destination == network["commune"]
    assert Hold.objects.get(pk=hold.pk).status == HoldStatus.IN_TRANSIT
    with django_capture_on_commit_callbacks(execute=True):
        result = actions.checkin(item=item, library=network["commune"], now=clock)
    assert result.action == "hold_shelf"
    assert Hold.objects.get(pk=hold.pk).status == HoldStatus.READY
    assert any("sẵn sàng" in m.subject for m in mail.outbox)
    with pytest.raises(CirculationError) as refused:
        actions.checkout(item=item, reader=reader, library=network["commune"], now=clock)
    assert refused.value.code == "held_for_other"
    actions.checkout(item=item, reader=other_reader, library=network["commune"], now=clock)
    assert Hold.objects.get(pk=hold.pk).status == HoldStatus.FILLED


def test_renew_moves_due_date_off_closed_days(reader, make_item, network, clock):
    from thuvien.circulation.models import Closure

    Closure.objects.create(library=network["prov"], weekday=6, reason="Chủ nhật")
    item = make_item()
    loan = actions.checkout(item=item, reader=reader, library=network["prov"], now=clock)
    renewed = actions.renew(loan=loan, now=clock + dt.timedelta(days=6))  # + 14 days → Sunday 6 Dec
    assert renewed.due_at.date() == dt.date(2026, 12, 7)
    assert renewed.renewals == 1


def test_other_network_card_refused(make_item, network, clock):
    from thuvien.patrons.actions import register_reader

    stranger = register_reader(card="KHAC001", full_name="Lê Khác", home_library=network["other_prov"],
                               category="adult", pin="1111")  # fmt: skip
    with pytest.raises(CirculationError) as refused:
        actions.checkout(item=make_item(), reader=stranger, library=network["prov"], now=clock)
    assert refused.value.code == "other_network"


def test_copy_of_another_network_refused(reader, network, clock):
    from thuvien.catalog.actions import save_item, save_record
    from thuvien.catalog.models import Item
    from thuvien.catalog.tests.factories import marc_record

    record = save_record(None, marc_record("Sách tỉnh khác"), library=network["other_prov"])
    item = save_item(Item(record=record, library=network["other_prov"], barcode="KHAC-1"))
    with pytest.raises(CirculationError) as refused:
        actions.checkout(item=item, reader=reader, library=network["prov"], now=clock)
    assert refused.value.code == "item_other_network"


def test_damaged_copy_sent_home_stays_damaged(reader, make_item, network, clock):
    item = make_item("commune")
    actions.checkout(item=item, reader=reader, library=network["commune"], now=clock)
    actions.checkin(item=item, library=network["commune"], now=clock)
    actions.mark_damaged(item=item, library=network["commune"])
    item.refresh_from_db()
    item.current_library = network["prov"]
    item.save()
    result = actions.checkin(item=item, library=network["prov"], now=clock)  # found at the province
    assert result.action == "transit" and result.destination == network["commune"]
    result = actions.checkin(item=item, library=network["commune"], now=clock)
    item.refresh_from_db()
    assert item.status == ItemStatus.DAMAGED
