"""send_transit and receiving at checkin: copies moved between libraries of one network."""

from __future__ import annotations

import pytest

from thuvien.audit.models import AuditEntry
from thuvien.catalog.models import ItemStatus
from thuvien.circulation import actions
from thuvien.circulation.exceptions import CirculationError
from thuvien.circulation.models import Hold, HoldStatus, Transit
from thuvien.circulation.tests.test_properties import check_invariants

pytestmark = pytest.mark.django_db


def refused(code, **kwargs):
    with pytest.raises(CirculationError) as error:
        actions.send_transit(**kwargs)
    assert error.value.code == code, error.value.message
    return error.value.message


def test_send_and_receive(make_item, network, clock, circulation_librarian):
    item = make_item("prov")
    transit = actions.send_transit(item=item.barcode, from_library=network["prov"], to_library=network["commune"],
                                   now=clock, actor=circulation_librarian)  # fmt: skip
    assert (transit.from_library, transit.to_library, transit.sent_at) == (
        network["prov"],
        network["commune"],
        clock,
    )
    item.refresh_from_db()
    assert item.status == ItemStatus.IN_TRANSIT
    entry = AuditEntry.objects.get(type="circulation.transit.sent", object_id=str(transit.pk))
    assert entry.actor == circulation_librarian and entry.data["item"] == item.barcode
    check_invariants()
    result = actions.checkin(item=item, library=network["commune"], now=clock)
    transit.refresh_from_db()
    assert transit.received_at == clock
    assert AuditEntry.objects.filter(type="circulation.transit.received", object_id=str(transit.pk)).exists()
    # A transfer a librarian decided ends on the shelf there; it is not sent straight back home.
    assert result.action == "shelve"
    item.refresh_from_db()
    assert item.status == ItemStatus.AVAILABLE and item.current_library == network["commune"]
    check_invariants()


def test_sending_a_copy_home(make_item, network, clock):
    item = make_item("commune")
    actions.send_transit(item=item, from_library=network["commune"], to_library=network["prov"], now=clock)
    actions.checkin(item=item, library=network["prov"], now=clock)
    actions.send_transit(item=item, from_library=network["prov"], to_library=network["commune"], now=clock)
    assert actions.checkin(item=item, library=network["commune"], now=clock).action == "shelve"
    assert Transit.objects.filter(item=item, received_at__isnull=True).count() == 0


def test_a_transfer_arriving_where_a_reader_waits_goes_on_the_hold_shelf(reader, make_item, network, clock):
    item = make_item("prov")
    hold = actions.place_hold(reader=reader, record=item.record, pickup_library=network["commune"], now=clock)
    actions.send_transit(item=item, from_library=network["prov"], to_library=network["commune"], now=clock)
    result = actions.checkin(item=item, library=network["commune"], now=clock)
    assert result.action == "hold_shelf" and result.hold.pk == hold.pk
    assert Hold.objects.get(pk=hold.pk).status == HoldStatus.READY
    check_invariants()


def test_refusals(reader, make_item, network, clock):
    item = make_item("prov")
    message = refused(
        "same_library", item=item, from_library=network["prov"], to_library=network["prov"], now=clock
    )
    assert message == "Thư viện nhận trùng với thư viện gửi."
    message = refused("not_here", item=item, from_library=network["school"], to_library=network["commune"],
                      now=clock)  # fmt: skip
    assert message == "Bản này không nằm ở thư viện gửi đi."
    refused(
        "other_network", item=item, from_library=network["prov"], to_library=network["other_prov"], now=clock
    )
    refused(
        "item_unknown",
        item="KHONG-CO",
        from_library=network["prov"],
        to_library=network["commune"],
        now=clock,
    )
    actions.checkout(item=item, reader=reader, library=network["prov"], now=clock)
    message = refused("not_on_shelf", item=item, from_library=network["prov"], to_library=network["commune"],
                      now=clock)  # fmt: skip
    assert message == "Chỉ chuyển được bản đang có trên giá."
    assert not Transit.objects.exists()


def test_a_copy_in_transit_cannot_be_sent_twice(make_item, network, clock):
    item = make_item("prov")
    actions.send_transit(item=item, from_library=network["prov"], to_library=network["commune"], now=clock)
    refused("not_on_shelf", item=item, from_library=network["prov"], to_library=network["school"], now=clock)
    assert Transit.objects.filter(item=item).count() == 1
