"""checkin: a copy comes back at any library of the network and the desk is told what to do with it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from thuvien.audit.models import AuditEntry
from thuvien.catalog.models import ItemStatus
from thuvien.circulation import actions
from thuvien.circulation.exceptions import CirculationError
from thuvien.circulation.models import Fee, Hold, HoldStatus, Loan, Transit
from thuvien.circulation.tests.test_properties import check_invariants

pytestmark = pytest.mark.django_db


def lend(item, reader, network, clock, library="prov"):
    return actions.checkout(item=item, reader=reader, library=network[library], now=clock)


def test_returned_at_home_it_is_shelved(reader, make_item, network, clock, circulation_librarian):
    item = make_item()
    loan = lend(item, reader, network, clock)
    result = actions.checkin(item=item.barcode, library=network["prov"], now=clock + dt.timedelta(days=2),
                             actor=circulation_librarian)  # fmt: skip
    assert (result.action, result.message, result.fee, result.hold) == ("shelve", "Xếp lên giá.", None, None)
    assert result.loan.pk == loan.pk
    loan.refresh_from_db()
    assert loan.returned_at == clock + dt.timedelta(days=2) and loan.return_library == network["prov"]
    item.refresh_from_db()
    assert item.status == ItemStatus.AVAILABLE
    entry = AuditEntry.objects.get(type="circulation.loan.returned", object_id=str(loan.pk))
    assert entry.actor == circulation_librarian and entry.data["fine"] == "0"


def test_returned_elsewhere_it_travels_home(reader, make_item, network, clock):
    item = make_item("commune")
    lend(item, reader, network, clock, "commune")
    result = actions.checkin(item=item, library=network["school"], now=clock)
    assert result.action == "transit" and result.destination == network["commune"]
    assert result.message == "Chuyển trả về Thư viện xã Hòa Bình."
    transit = Transit.objects.get(item=item)
    assert (transit.from_library, transit.to_library, transit.reason) == (network["school"], network["commune"],
                                                                         Transit.Reason.HOME)  # fmt: skip
    assert AuditEntry.objects.filter(type="circulation.transit.sent", object_id=str(transit.pk)).exists()
    check_invariants()
    # Scanned on the way at the province: it keeps going.
    result = actions.checkin(item=item, library=network["prov"], now=clock)
    assert result.action == "transit" and result.destination == network["commune"]
    assert Transit.objects.filter(item=item, received_at__isnull=True).count() == 1
    # Home: received and shelved.
    result = actions.checkin(item=item, library=network["commune"], now=clock)
    assert result.action == "shelve"
    transit.refresh_from_db()
    assert transit.received_at == clock
    assert AuditEntry.objects.filter(type="circulation.transit.received", object_id=str(transit.pk)).exists()
    check_invariants()


def test_a_late_return_is_fined(reader, make_item, network, clock):
    item = make_item()
    loan = lend(item, reader, network, clock)
    result = actions.checkin(item=item, library=network["prov"], now=loan.due_at + dt.timedelta(days=3))
    assert result.fee.amount == Decimal(6000) and result.fee.accruing is False
    assert AuditEntry.objects.get(type="circulation.loan.returned").data["fine"] == "6000"


def test_a_copy_of_another_network_is_refused(make_item, network, clock):
    item = make_item("other_prov")
    with pytest.raises(CirculationError) as error:
        actions.checkin(item=item, library=network["prov"], now=clock)
    assert error.value.code == "other_network"


def test_an_unknown_barcode_is_refused(network, clock):
    with pytest.raises(CirculationError) as error:
        actions.checkin(item="KHONG-CO", library=network["prov"], now=clock)
    assert error.value.code == "item_unknown"


# --- holds ---------------------------------------------------------------------------------------


def test_a_waiting_hold_traps_the_copy_for_the_hold_shelf(reader, other_reader, make_item, network, clock):
    item = make_item()
    lend(item, reader, network, clock)
    hold = actions.place_hold(
        reader=other_reader, record=item.record, pickup_library=network["prov"], now=clock
    )
    result = actions.checkin(item=item, library=network["prov"], now=clock)
    assert result.action == "hold_shelf" and result.hold.pk == hold.pk
    assert result.message.startswith("Giữ cho Trần Văn Bình (thẻ TST0002) trên kệ chờ nhận đến ")
    hold.refresh_from_db()
    assert (
        hold.status == HoldStatus.READY
        and hold.item == item
        and hold.expires_at.date() == dt.date(2026, 11, 23)
    )
    assert AuditEntry.objects.filter(type="circulation.hold.ready", object_id=str(hold.pk)).exists()
    check_invariants()


def test_a_hold_for_another_library_sends_the_copy_there(reader, other_reader, make_item, network, clock):
    item = make_item()
    lend(item, reader, network, clock)
    hold = actions.place_hold(
        reader=other_reader, record=item.record, pickup_library=network["school"], now=clock
    )
    result = actions.checkin(item=item, library=network["prov"], now=clock)
    assert result.action == "transit" and result.destination == network["school"]
    assert result.message == "Giữ cho Trần Văn Bình: chuyển đến Thư viện Trường THPT Lê Quý Đôn."
    hold.refresh_from_db()
    assert hold.status == HoldStatus.IN_TRANSIT and hold.item == item
    assert Transit.objects.get(item=item).reason == Transit.Reason.HOLD
    assert AuditEntry.objects.filter(type="circulation.hold.trapped", object_id=str(hold.pk)).exists()
    result = actions.checkin(item=item, library=network["school"], now=clock + dt.timedelta(days=1))
    assert result.action == "hold_shelf"
    assert Hold.objects.get(pk=hold.pk).status == HoldStatus.READY
    check_invariants()


def test_first_come_first_served(reader, other_reader, make_item, network, clock):
    from thuvien.patrons.actions import register_reader

    third = register_reader(card="TST0003", full_name="Phạm Thị Cúc", home_library=network["prov"],
                            category="adult", pin="9999")  # fmt: skip
    item = make_item()
    lend(item, third, network, clock)
    first = actions.place_hold(
        reader=other_reader, record=item.record, pickup_library=network["prov"], now=clock
    )
    actions.place_hold(reader=reader, record=item.record, pickup_library=network["prov"],
                       now=clock + dt.timedelta(hours=1))  # fmt: skip
    result = actions.checkin(item=item, library=network["prov"], now=clock + dt.timedelta(days=1))
    assert result.hold.pk == first.pk


def test_a_copy_already_at_a_pickup_library_serves_the_hold_there(
    reader, other_reader, make_item, network, clock
):
    from thuvien.patrons.actions import register_reader

    third = register_reader(card="TST0003", full_name="Phạm Thị Cúc", home_library=network["prov"],
                            category="adult", pin="9999")  # fmt: skip
    item = make_item("commune")
    lend(item, third, network, clock, "commune")
    # The first hold is for the school; the second for the commune, where the copy comes back.
    actions.place_hold(reader=reader, record=item.record, pickup_library=network["school"], now=clock)
    here = actions.place_hold(reader=other_reader, record=item.record, pickup_library=network["commune"],
                              now=clock + dt.timedelta(hours=1))  # fmt: skip
    result = actions.checkin(item=item, library=network["commune"], now=clock + dt.timedelta(days=1))
    assert result.action == "hold_shelf" and result.hold.pk == here.pk


def test_suspended_holds_are_skipped_until_they_resume(reader, other_reader, make_item, network, clock):
    item = make_item()
    first = actions.place_hold(reader=reader, record=item.record, pickup_library=network["prov"], now=clock)
    second = actions.place_hold(reader=other_reader, record=item.record, pickup_library=network["prov"],
                                now=clock + dt.timedelta(hours=1))  # fmt: skip
    actions.suspend_hold(hold=first, until=dt.date(2026, 11, 20))
    result = actions.checkin(item=item, library=network["prov"], now=clock)
    assert result.hold.pk == second.pk
    # Once the suspension has passed, the first hold is served first again.
    actions.cancel_hold(hold=second, now=clock)
    result = actions.checkin(item=item, library=network["prov"], now=clock)
    assert result.action == "shelve"  # still suspended on the 16th (through the 20th)
    result = actions.checkin(item=item, library=network["prov"], now=clock + dt.timedelta(days=5))
    assert result.hold.pk == first.pk


def test_holds_of_another_network_never_trap_a_copy(reader, make_item, network, clock):
    from thuvien.patrons.actions import register_reader

    stranger = register_reader(card="KHAC0001", full_name="Lê Khác", home_library=network["other_prov"],
                               category="adult", pin="1111")  # fmt: skip
    item = make_item()
    lend(item, reader, network, clock)
    # Not possible through place_hold (no copy in his network): written as if from an older import.
    Hold.objects.create(
        reader=stranger, record=item.record, pickup_library=network["other_prov"], placed_at=clock
    )
    assert actions.checkin(item=item, library=network["prov"], now=clock).action == "shelve"


def test_a_damaged_copy_is_not_trapped(reader, other_reader, make_item, network, clock):
    item = make_item()
    actions.place_hold(reader=other_reader, record=item.record, pickup_library=network["prov"], now=clock)
    actions.mark_damaged(item=item, library=network["prov"])
    result = actions.checkin(item=item, library=network["prov"], now=clock)
    assert result.action == "shelve"
    item.refresh_from_db()
    assert item.status == ItemStatus.DAMAGED


def test_scanning_a_copy_on_the_hold_shelf_again_keeps_it_there(
    reader, other_reader, make_item, network, clock
):
    # Found by the state machine: the copy went back to the shelf (or to a second hold) while still held.
    item = make_item()
    hold = actions.place_hold(reader=reader, record=item.record, pickup_library=network["prov"], now=clock)
    actions.checkin(item=item, library=network["prov"], now=clock)
    actions.place_hold(reader=other_reader, record=item.record, pickup_library=network["prov"], now=clock)
    result = actions.checkin(item=item, library=network["prov"], now=clock + dt.timedelta(hours=2))
    assert result.action == "hold_shelf" and result.hold.pk == hold.pk
    assert Hold.objects.get(pk=hold.pk).status == HoldStatus.READY
    check_invariants()


def test_a_held_copy_found_at_another_library_goes_to_the_pickup_library(reader, make_item, network, clock):
    item = make_item()
    hold = actions.place_hold(reader=reader, record=item.record, pickup_library=network["prov"], now=clock)
    actions.checkin(item=item, library=network["prov"], now=clock)
    result = actions.checkin(item=item, library=network["school"], now=clock)
    assert result.action == "transit" and result.destination == network["prov"]
    assert Hold.objects.get(pk=hold.pk).status == HoldStatus.IN_TRANSIT
    check_invariants()
    assert actions.checkin(item=item, library=network["prov"], now=clock).action == "hold_shelf"
    check_invariants()


def test_a_lost_copy_found_is_recorded(reader, make_item, network, clock):
    item = make_item()
    loan = lend(item, reader, network, clock)
    actions.mark_lost(loan=loan, now=clock)
    result = actions.checkin(item=item, library=network["prov"], now=clock + dt.timedelta(days=3))
    assert result.action == "shelve" and result.loan is None
    assert AuditEntry.objects.filter(type="circulation.item.found", object_id=str(item.pk)).exists()
    item.refresh_from_db()
    assert item.status == ItemStatus.AVAILABLE


def test_checkin_twice_returns_once(reader, make_item, network, clock):
    item = make_item()
    lend(item, reader, network, clock)
    actions.checkin(item=item, library=network["prov"], now=clock)
    second = actions.checkin(item=item, library=network["prov"], now=clock + dt.timedelta(minutes=1))
    assert second.loan is None and second.action == "shelve"
    assert Loan.objects.get(item=item).returned_at == clock
    assert not Fee.objects.exists()
