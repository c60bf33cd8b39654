"""place_hold, cancel_hold, suspend_hold, expire_holds: the queue for a title across the network."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from thuvien.audit.models import AuditEntry
from thuvien.catalog.models import ItemStatus
from thuvien.circulation import actions
from thuvien.circulation.exceptions import CirculationError
from thuvien.circulation.models import CirculationRule, Fee, FeeKind, Hold, HoldStatus
from thuvien.circulation.queries import hold_position, reader_account
from thuvien.circulation.tests.test_properties import check_invariants

pytestmark = pytest.mark.django_db


def refused(code, action=actions.place_hold, **kwargs):
    with pytest.raises(CirculationError) as error:
        action(**kwargs)
    assert error.value.code == code, error.value.message
    return error.value.message


@pytest.fixture
def third_reader(network):
    from thuvien.patrons.actions import register_reader

    return register_reader(card="TST0003", full_name="Phạm Thị Cúc", home_library=network["school"],
                           category="adult", pin="9999")  # fmt: skip


def test_place_hold_for_pickup_anywhere_in_the_network(
    reader, make_item, network, clock, circulation_librarian
):
    item = make_item("commune")
    hold = actions.place_hold(reader=reader.card, record=item.record_id, pickup_library=network["school"],
                              now=clock, actor=circulation_librarian, channel="opac")  # fmt: skip
    assert (hold.status, hold.pickup_library, hold.placed_at, hold.channel) == ("waiting", network["school"],
                                                                               clock, "opac")  # fmt: skip
    entry = AuditEntry.objects.get(type="circulation.hold.placed", object_id=str(hold.pk))
    assert entry.actor == circulation_librarian and entry.data["reader"] == reader.card


def test_refusals(reader, make_item, network, clock, settings):
    item = make_item()
    refused(
        "other_network", reader=reader, record=item.record, pickup_library=network["other_prov"], now=clock
    )
    refused("record_unknown", reader=reader, record=999999, pickup_library=network["prov"], now=clock)
    elsewhere = make_item("other_prov")
    message = refused("not_holdable", reader=reader, record=elsewhere.record, pickup_library=network["prov"],
                      now=clock)  # fmt: skip
    assert message == "Mạng lưới không có bản nào của tài liệu này cho mượn được."
    withdrawn = make_item(status=ItemStatus.WITHDRAWN)
    refused("not_holdable", reader=reader, record=withdrawn.record, pickup_library=network["prov"], now=clock)
    actions.checkout(item=item, reader=reader, library=network["prov"], now=clock)
    refused("already_borrowed", reader=reader, record=item.record, pickup_library=network["prov"], now=clock)
    other = make_item()
    actions.place_hold(reader=reader, record=other.record, pickup_library=network["prov"], now=clock)
    message = refused("hold_exists", reader=reader, record=other.record, pickup_library=network["commune"],
                      now=clock)  # fmt: skip
    assert message == "Bạn đọc đã yêu cầu giữ tài liệu này rồi."
    Fee.objects.create(reader=reader, library=network["prov"], kind=FeeKind.OTHER,
                       amount=Decimal(settings.FINE_BLOCK_THRESHOLD + 1))  # fmt: skip
    refused(
        "blocked_fines", reader=reader, record=make_item().record, pickup_library=network["prov"], now=clock
    )


def test_the_number_of_holds_is_limited(reader, make_item, network, clock):
    CirculationRule.objects.create(library=network["prov"], max_holds=2)
    for _n in range(2):
        actions.place_hold(
            reader=reader, record=make_item().record, pickup_library=network["prov"], now=clock
        )
    message = refused("hold_limit", reader=reader, record=make_item().record, pickup_library=network["prov"],
                      now=clock)  # fmt: skip
    assert message == "Bạn đọc đã có 2 yêu cầu giữ, tối đa 2."


def test_queue_positions(reader, other_reader, third_reader, make_item, network, clock):
    item = make_item()
    actions.checkout(item=item, reader=third_reader, library=network["prov"], now=clock)
    first = actions.place_hold(reader=reader, record=item.record, pickup_library=network["prov"], now=clock)
    second = actions.place_hold(reader=other_reader, record=item.record, pickup_library=network["commune"],
                                now=clock + dt.timedelta(minutes=5))  # fmt: skip
    assert (hold_position(first), hold_position(second)) == (1, 2)
    assert [h.position for h in reader_account(other_reader, clock).holds] == [2]
    actions.checkin(item=item, library=network["prov"], now=clock + dt.timedelta(days=1))
    first.refresh_from_db()
    second.refresh_from_db()
    assert (hold_position(first), hold_position(second)) == (0, 1)  # trapped: no longer queuing
    assert [h.position for h in reader_account(other_reader, clock).holds] == [1]


def test_cancel_a_waiting_hold(reader, other_reader, make_item, network, clock):
    hold = actions.place_hold(
        reader=reader, record=make_item().record, pickup_library=network["prov"], now=clock
    )
    refused("hold_unknown", actions.cancel_hold, hold=hold, reader=other_reader, now=clock)
    cancelled = actions.cancel_hold(hold=hold.pk, reader=reader, now=clock)
    assert cancelled.status == HoldStatus.CANCELLED and cancelled.closed_at == clock
    assert AuditEntry.objects.get(type="circulation.hold.cancelled", object_id=str(hold.pk)).data[
        "previous"
    ] == ("waiting")
    refused("hold_closed", actions.cancel_hold, hold=hold, now=clock)
    refused("hold_unknown", actions.cancel_hold, hold=999999, now=clock)


def test_cancelling_a_ready_hold_passes_the_copy_to_the_next(reader, other_reader, make_item, network, clock):
    item = make_item()
    first = actions.place_hold(reader=reader, record=item.record, pickup_library=network["prov"], now=clock)
    second = actions.place_hold(reader=other_reader, record=item.record, pickup_library=network["commune"],
                                now=clock)  # fmt: skip
    actions.checkin(item=item, library=network["prov"], now=clock)
    assert Hold.objects.get(pk=first.pk).status == HoldStatus.READY
    actions.cancel_hold(hold=first, now=clock)
    assert Hold.objects.get(pk=second.pk).status == HoldStatus.IN_TRANSIT
    check_invariants()


def test_cancelling_a_hold_in_transit_lets_the_copy_arrive_and_go_home(reader, make_item, network, clock):
    item = make_item("commune")
    hold = actions.place_hold(reader=reader, record=item.record, pickup_library=network["prov"], now=clock)
    actions.checkin(item=item, library=network["commune"], now=clock)
    actions.cancel_hold(hold=hold, reader=reader, now=clock)
    check_invariants()
    result = actions.checkin(item=item, library=network["prov"], now=clock)
    assert result.action == "transit" and result.destination == network["commune"]
    check_invariants()


def test_suspend_and_resume(reader, make_item, network, clock):
    hold = actions.place_hold(
        reader=reader, record=make_item().record, pickup_library=network["prov"], now=clock
    )
    until = dt.date(2026, 12, 1)
    assert actions.suspend_hold(hold=hold, until=until, reader=reader).suspended_until == until
    assert AuditEntry.objects.get(type="circulation.hold.suspended").data["until"] == "2026-12-01"
    assert actions.suspend_hold(hold=hold.pk, until=None).suspended_until is None
    assert AuditEntry.objects.filter(type="circulation.hold.resumed", object_id=str(hold.pk)).exists()


def test_only_waiting_holds_are_suspended(reader, other_reader, make_item, network, clock):
    item = make_item()
    hold = actions.place_hold(reader=reader, record=item.record, pickup_library=network["prov"], now=clock)
    refused("hold_unknown", actions.suspend_hold, hold=hold, until=None, reader=other_reader)
    actions.checkin(item=item, library=network["prov"], now=clock)
    message = refused("hold_not_waiting", actions.suspend_hold, hold=hold, until=dt.date(2026, 12, 1))
    assert message == "Chỉ tạm dừng được yêu cầu đang chờ."


def test_hold_shelf_expiry_moves_the_copy_to_the_next_hold(reader, other_reader, make_item, network, clock):
    CirculationRule.objects.create(library=network["prov"], pickup_days=3)
    item = make_item()
    first = actions.place_hold(reader=reader, record=item.record, pickup_library=network["prov"], now=clock)
    second = actions.place_hold(reader=other_reader, record=item.record, pickup_library=network["prov"],
                                now=clock + dt.timedelta(minutes=1))  # fmt: skip
    actions.checkin(item=item, library=network["prov"], now=clock)
    first.refresh_from_db()
    assert first.expires_at.date() == dt.date(2026, 11, 19)
    assert actions.expire_holds(clock + dt.timedelta(days=3)) == 0  # still the last day of the window
    assert actions.expire_holds(clock + dt.timedelta(days=4)) == 1
    first.refresh_from_db()
    assert first.status == HoldStatus.EXPIRED
    assert AuditEntry.objects.filter(type="circulation.hold.expired", object_id=str(first.pk)).exists()
    second.refresh_from_db()
    assert second.status == HoldStatus.READY and second.item == item
    assert second.expires_at.date() == dt.date(2026, 11, 23)
    check_invariants()
    # With nobody left, the copy returns to the shelf.
    assert actions.expire_holds(clock + dt.timedelta(days=10)) == 1
    item.refresh_from_db()
    assert item.status == ItemStatus.AVAILABLE
    check_invariants()


def test_a_held_copy_found_damaged_sends_the_reader_back_to_the_queue(reader, make_item, network, clock):
    item = make_item()
    hold = actions.place_hold(reader=reader, record=item.record, pickup_library=network["prov"], now=clock)
    actions.checkin(item=item, library=network["prov"], now=clock)
    actions.mark_damaged(item=item, library=network["prov"])
    hold.refresh_from_db()
    assert hold.status == HoldStatus.WAITING and hold.item is None and hold.placed_at == clock
    check_invariants()
