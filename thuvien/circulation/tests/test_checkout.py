"""checkout: lending a copy at the desk, the kiosk or the reader's phone, and every way it is refused."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from thuvien.audit.models import AuditEntry
from thuvien.catalog.models import ItemStatus
from thuvien.circulation import actions
from thuvien.circulation.exceptions import CirculationError
from thuvien.circulation.models import CirculationRule, Fee, FeeKind, Hold, HoldStatus, Loan, Transit
from thuvien.circulation.tests.test_properties import check_invariants

pytestmark = pytest.mark.django_db


def refused(code, **kwargs):
    with pytest.raises(CirculationError) as error:
        actions.checkout(**kwargs)
    assert error.value.code == code, error.value.message
    assert error.value.message
    return error.value.message


def test_checkout_lends_and_audits(reader, make_item, network, clock, circulation_librarian):
    item = make_item()
    loan = actions.checkout(item=item.barcode, reader=reader.card, library=network["prov"], now=clock,
                            actor=circulation_librarian, channel=Loan.Channel.SIP2)  # fmt: skip
    assert (loan.reader, loan.item, loan.library, loan.channel) == (reader, item, network["prov"], "sip2")
    assert loan.reader_category == "adult" and loan.checked_out_at == clock and loan.renewals == 0
    assert timezone.localtime(loan.due_at) == timezone.make_aware(dt.datetime(2026, 11, 30, 23, 59, 59))
    item.refresh_from_db()
    assert item.status == ItemStatus.CHECKED_OUT and item.current_library == network["prov"]
    entry = AuditEntry.objects.get(type="circulation.loan.created", object_id=str(loan.pk))
    assert entry.actor == circulation_librarian and entry.library == network["prov"]
    assert entry.data["item"] == item.barcode and entry.data["reader"] == reader.card
    assert entry.data["rule"] == "default" and entry.data["override"] is False


def test_a_reader_borrows_at_any_library_of_his_network(reader, make_item, network, clock):
    loan = actions.checkout(item=make_item("school"), reader=reader, library=network["school"], now=clock)
    assert loan.library == network["school"]


def test_unknown_barcode_and_card(reader, make_item, network, clock):
    refused("item_unknown", item="NOPE", reader=reader, library=network["prov"], now=clock)
    refused("reader_unknown", item=make_item(), reader="NOPE", library=network["prov"], now=clock)


def test_a_copy_on_loan_is_refused_to_everyone(reader, other_reader, make_item, network, clock):
    item = make_item()
    actions.checkout(item=item, reader=reader, library=network["prov"], now=clock)
    refused("already_yours", item=item, reader=reader, library=network["prov"], now=clock)
    refused("on_loan", item=item, reader=other_reader, library=network["prov"], now=clock)
    refused("on_loan", item=item, reader=other_reader, library=network["prov"], now=clock, override=True)
    assert Loan.objects.filter(item=item).count() == 1


def test_a_card_of_another_network_is_refused(make_item, network, clock):
    from thuvien.patrons.actions import register_reader

    stranger = register_reader(card="KHAC0001", full_name="Lê Khác", home_library=network["other_prov"],
                               category="adult", pin="1111")  # fmt: skip
    refused(
        "other_network", item=make_item(), reader=stranger, library=network["prov"], now=clock, override=True
    )


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (ItemStatus.READING_ROOM, "reading_room"),
        (ItemStatus.IN_PROCESSING, "processing"),
        (ItemStatus.LOST, "lost"),
        (ItemStatus.MISSING, "missing"),
        (ItemStatus.DAMAGED, "damaged"),
        (ItemStatus.WITHDRAWN, "withdrawn"),
    ],
)
def test_copies_that_do_not_circulate(status, code, reader, make_item, network, clock):
    item = make_item(status=status)
    refused(code, item=item, reader=reader, library=network["prov"], now=clock)
    # A librarian may still lend it on purpose.
    actions.checkout(item=item, reader=reader, library=network["prov"], now=clock, override=True)
    check_invariants()


# --- limits --------------------------------------------------------------------------------------


def test_total_limit(reader, make_item, network, clock):
    CirculationRule.objects.create(library=network["prov"], max_loans_total=2)
    for _n in range(2):
        actions.checkout(item=make_item(), reader=reader, library=network["prov"], now=clock)
    message = refused("limit_total", item=make_item(), reader=reader, library=network["prov"], now=clock)
    assert message == "Bạn đọc đã mượn 2 bản, tối đa được 2 bản."


def test_the_total_counts_loans_at_every_library(reader, make_item, network, clock):
    CirculationRule.objects.create(library=network["prov"], max_loans_total=1)
    actions.checkout(item=make_item("commune"), reader=reader, library=network["commune"], now=clock)
    refused("limit_total", item=make_item("school"), reader=reader, library=network["school"], now=clock)


def test_limit_per_type(reader, make_item, network, clock):
    CirculationRule.objects.create(library=network["prov"], item_type="dvd", max_loans_type=1)
    actions.checkout(item=make_item(item_type="dvd"), reader=reader, library=network["prov"], now=clock)
    message = refused("limit_type", item=make_item(item_type="dvd"), reader=reader, library=network["prov"],
                      now=clock)  # fmt: skip
    assert message == "Bạn đọc đã mượn 1 bản loại «dvd», tối đa 1 bản."
    actions.checkout(item=make_item(item_type="book"), reader=reader, library=network["prov"], now=clock)


def test_override_lends_past_the_limits(reader, make_item, network, clock, circulation_librarian):
    CirculationRule.objects.create(library=network["prov"], max_loans_total=1)
    actions.checkout(item=make_item(), reader=reader, library=network["prov"], now=clock)
    loan = actions.checkout(item=make_item(), reader=reader, library=network["prov"], now=clock, override=True,
                            actor=circulation_librarian)  # fmt: skip
    assert (
        AuditEntry.objects.get(type="circulation.loan.created", object_id=str(loan.pk)).data["override"]
        is True
    )


# --- blocks --------------------------------------------------------------------------------------


def test_an_expired_card_is_blocked(reader, make_item, network, clock):
    reader.expires_on = dt.date(2026, 11, 15)
    reader.save()
    message = refused("blocked_expired", item=make_item(), reader=reader, library=network["prov"], now=clock)
    assert message == "Thẻ đã hết hạn ngày 15/11/2026. Vui lòng gia hạn thẻ."


def test_a_pending_or_suspended_card_is_blocked(reader, make_item, network, clock):
    from thuvien.patrons.actions import set_status

    set_status(reader=reader, status="pending", actor=None)
    message = refused("blocked_status", item=make_item(), reader=reader, library=network["prov"], now=clock)
    assert message == "Thẻ đang chờ thư viện duyệt."
    set_status(reader=reader, status="suspended", actor=None)
    refused("blocked_status", item=make_item(), reader=reader, library=network["prov"], now=clock)


def test_fines_over_the_threshold_block(reader, make_item, network, clock, settings):
    settings.FINE_BLOCK_THRESHOLD = 20000
    fee = Fee.objects.create(reader=reader, library=network["prov"], kind=FeeKind.OTHER, amount=20000)
    actions.checkout(item=make_item(), reader=reader, library=network["prov"], now=clock)  # at it: fine
    Fee.objects.create(reader=reader, library=network["prov"], kind=FeeKind.OTHER, amount=1)
    message = refused("blocked_fines", item=make_item(), reader=reader, library=network["prov"], now=clock)
    assert message == "Bạn đọc còn nợ 20.001 đ, vượt mức 20.000 đ. Vui lòng thanh toán trước khi mượn."
    actions.pay_fees(reader=reader, amount=1, library=network["prov"], fees=[fee])
    actions.checkout(item=make_item(), reader=reader, library=network["prov"], now=clock)


def test_an_overdue_loan_blocks(reader, make_item, network, clock):
    actions.checkout(item=make_item(), reader=reader, library=network["prov"], now=clock)
    later = clock + dt.timedelta(days=15)
    message = refused("blocked_overdue", item=make_item(), reader=reader, library=network["prov"], now=later)
    assert message == "Bạn đọc có 1 tài liệu quá hạn chưa trả."
    loan = actions.checkout(
        item=make_item(), reader=reader, library=network["prov"], now=later, override=True
    )
    assert loan.pk


# --- holds and transits --------------------------------------------------------------------------


def _ready_hold(make_item, network, clock, for_reader, pickup="prov"):
    """A copy of a new title on the hold shelf at PICKUP for FOR_READER."""
    item = make_item(pickup)
    hold = actions.place_hold(
        reader=for_reader, record=item.record, pickup_library=network[pickup], now=clock
    )
    result = actions.checkin(item=item, library=network[pickup], now=clock)
    assert result.action == "hold_shelf"
    return item, Hold.objects.get(pk=hold.pk)


def test_a_copy_held_for_another_reader_is_refused(reader, other_reader, make_item, network, clock):
    item, hold = _ready_hold(make_item, network, clock, other_reader)
    message = refused("held_for_other", item=item, reader=reader, library=network["prov"], now=clock)
    assert message == "Bản này đang được giữ cho bạn đọc khác."


def test_checking_out_the_held_copy_fills_the_hold(reader, make_item, network, clock):
    item, hold = _ready_hold(make_item, network, clock, reader)
    loan = actions.checkout(item=item, reader=reader, library=network["prov"], now=clock)
    hold.refresh_from_db()
    assert hold.status == HoldStatus.FILLED and hold.item == item and hold.closed_at == clock
    assert (
        AuditEntry.objects.get(type="circulation.hold.filled", object_id=str(hold.pk)).data["loan"] == loan.pk
    )


def test_override_over_another_readers_hold_puts_it_back_in_the_queue(
    reader, other_reader, make_item, network, clock
):
    item, hold = _ready_hold(make_item, network, clock, other_reader)
    actions.checkout(item=item, reader=reader, library=network["prov"], now=clock, override=True)
    hold.refresh_from_db()
    assert hold.status == HoldStatus.WAITING and hold.item is None and hold.expires_at is None
    assert AuditEntry.objects.filter(type="circulation.hold.requeued", object_id=str(hold.pk)).exists()
    check_invariants()
    # The next copy returned is trapped for him again.
    result = actions.checkin(item=item, library=network["prov"], now=clock + dt.timedelta(days=1))
    assert result.action == "hold_shelf" and result.hold.pk == hold.pk


def test_borrowing_another_copy_fills_the_hold_and_frees_the_copy_set_aside(
    reader, other_reader, make_item, network, clock
):
    # The copy set aside used to stay "on the hold shelf" for a hold that was already filled.
    item, hold = _ready_hold(make_item, network, clock, reader)
    second = make_item("prov", record=item.record)
    waiting = actions.place_hold(
        reader=other_reader, record=item.record, pickup_library=network["prov"], now=clock
    )
    actions.checkout(item=second, reader=reader, library=network["prov"], now=clock)
    hold.refresh_from_db()
    assert hold.status == HoldStatus.FILLED and hold.item == second
    item.refresh_from_db()
    # The copy that waited for him goes to the next reader in the queue.
    assert item.status == ItemStatus.ON_HOLD_SHELF
    assert Hold.objects.get(pk=waiting.pk).status == HoldStatus.READY
    check_invariants()


def test_borrowing_another_copy_frees_a_copy_on_its_way(reader, make_item, network, clock):
    item = make_item("commune")
    hold = actions.place_hold(reader=reader, record=item.record, pickup_library=network["prov"], now=clock)
    assert actions.checkin(item=item, library=network["commune"], now=clock).action == "transit"
    actions.checkout(
        item=make_item("prov", record=item.record), reader=reader, library=network["prov"], now=clock
    )
    assert Hold.objects.get(pk=hold.pk).status == HoldStatus.FILLED
    check_invariants()
    # On arrival nobody waits for it: it goes back home.
    result = actions.checkin(item=item, library=network["prov"], now=clock)
    assert result.action == "transit" and result.destination == network["commune"]
    check_invariants()


def test_a_copy_in_transit_is_refused_unless_overridden(reader, other_reader, make_item, network, clock):
    item = make_item("commune")
    hold = actions.place_hold(
        reader=other_reader, record=item.record, pickup_library=network["prov"], now=clock
    )
    actions.checkin(item=item, library=network["commune"], now=clock)
    refused("in_transit", item=item, reader=reader, library=network["prov"], now=clock)
    actions.checkout(item=item, reader=reader, library=network["prov"], now=clock, override=True)
    transit = Transit.objects.get(item=item)
    assert transit.received_at == clock
    assert Hold.objects.get(pk=hold.pk).status == HoldStatus.WAITING  # back in the queue
    check_invariants()


def test_a_blocked_reader_keeps_nothing_when_refused(reader, make_item, network, clock):
    Fee.objects.create(reader=reader, library=network["prov"], kind=FeeKind.OTHER, amount=Decimal(10**6))
    item = make_item()
    refused("blocked_fines", item=item, reader=reader, library=network["prov"], now=clock)
    item.refresh_from_db()
    assert item.status == ItemStatus.AVAILABLE and not Loan.objects.exists()
    assert not AuditEntry.objects.filter(type="circulation.loan.created").exists()


# --- who may lend (the permission model the desk, the API and the kiosks apply before the action) ------


def test_the_permission_model(reader, other_reader, network, provincial_librarian, commune_librarian,
                              other_library_staff, circulation_librarian):  # fmt: skip
    from thuvien.accounts.models import StaffRole, User
    from thuvien.circulation.queries import (
        can_circulate_at,
        can_manage_reader,
        can_serve_reader,
        circulation_libraries,
    )

    commune_desk = User.objects.create_user("xa-quay", password="mat-khau-thu-nghiem-1")  # noqa: S106
    StaffRole.objects.create(user=commune_desk, library=network["commune"], role="circulation")
    # Staff act at the libraries of their subtree where their role is admin or circulation.
    assert set(circulation_libraries(provincial_librarian)) == {network["prov"], network["commune"],
                                                                network["school"]}  # fmt: skip
    assert set(circulation_libraries(circulation_librarian)) == set(
        circulation_libraries(provincial_librarian)
    )
    assert list(circulation_libraries(commune_desk)) == [network["commune"]]
    assert list(circulation_libraries(commune_librarian)) == []  # a cataloguer does not run the desk
    assert not can_circulate_at(commune_desk, network["prov"])
    # They lend to any reader whose card belongs to the same network, at their own libraries only.
    assert can_serve_reader(commune_desk, reader, network["commune"])  # reader's home is the province
    assert not can_serve_reader(commune_desk, reader, network["prov"])
    assert not can_serve_reader(other_library_staff, reader, network["prov"])
    assert not can_serve_reader(other_library_staff, reader, network["other_prov"])  # not his network's card
    # They edit a reader, see his personal data, take and waive his fees only if he is registered below them.
    assert can_manage_reader(provincial_librarian, other_reader)  # home: the commune, below the province
    assert can_manage_reader(commune_desk, other_reader)
    assert not can_manage_reader(commune_desk, reader)
    assert not can_manage_reader(other_library_staff, reader)
    assert not can_manage_reader(commune_librarian, other_reader)
