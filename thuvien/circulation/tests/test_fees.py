"""Money: overdue fines, lost / claims-returned / damaged copies, payments with receipts, waivers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from thuvien.audit.models import AuditEntry
from thuvien.catalog.models import ItemStatus
from thuvien.circulation import actions
from thuvien.circulation.exceptions import CirculationError
from thuvien.circulation.models import CirculationRule, Fee, FeeKind, Loan, Payment, PaymentLine
from thuvien.circulation.queries import owed
from thuvien.circulation.tests.test_properties import check_invariants

pytestmark = pytest.mark.django_db


def refused(code, action, **kwargs):
    with pytest.raises(CirculationError) as error:
        action(**kwargs)
    assert error.value.code == code, error.value.message
    return error.value.message


def charge(reader, network, amount, kind=FeeKind.OTHER):
    return Fee.objects.create(reader=reader, library=network["prov"], kind=kind, amount=Decimal(amount))


# --- overdue fines -------------------------------------------------------------------------------


def test_daily_fines_accrue_up_to_the_cap(reader, make_item, network, clock):
    CirculationRule.objects.create(library=network["prov"], fine_per_day=3000, fine_cap=10000)
    loan = actions.checkout(item=make_item(), reader=reader, library=network["prov"], now=clock)
    assert actions.assess_overdue_fines(loan.due_at) == 0
    amounts = []
    for days in (1, 2, 2, 3, 4, 30):
        actions.assess_overdue_fines(loan.due_at + dt.timedelta(days=days))
        amounts.append(Fee.objects.get(loan=loan).amount)
    assert amounts == [3000, 6000, 6000, 9000, 10000, 10000]
    fee = Fee.objects.get(loan=loan)
    assert fee.accruing and fee.kind == FeeKind.OVERDUE and fee.note_display == "30 ngày quá hạn"
    # Returned: the fine is final, and the daily run leaves it alone.
    actions.checkin(item=loan.item, library=network["prov"], now=loan.due_at + dt.timedelta(days=31))
    assert Fee.objects.get(loan=loan).accruing is False
    assert actions.assess_overdue_fines(loan.due_at + dt.timedelta(days=40)) == 0
    assert Fee.objects.filter(loan=loan).count() == 1


def test_grace_days_then_every_late_day(reader, make_item, network, clock):
    CirculationRule.objects.create(library=network["prov"], grace_days=2, fine_per_day=1000)
    loan = actions.checkout(item=make_item(), reader=reader, library=network["prov"], now=clock)
    actions.assess_overdue_fines(loan.due_at + dt.timedelta(days=2))
    assert not Fee.objects.exists()
    actions.assess_overdue_fines(loan.due_at + dt.timedelta(days=3))
    assert Fee.objects.get(loan=loan).amount == 3000


def test_a_fine_never_shrinks_below_what_was_paid(reader, make_item, network, clock):
    loan = actions.checkout(item=make_item(), reader=reader, library=network["prov"], now=clock)
    actions.assess_overdue_fines(loan.due_at + dt.timedelta(days=5))
    actions.pay_fees(reader=reader, amount=10000, library=network["prov"])
    # The rule changes (a kinder fine): what was paid stays paid, nothing goes negative.
    CirculationRule.objects.create(library=network["prov"], fine_per_day=500)
    actions.checkin(item=loan.item, library=network["prov"], now=loan.due_at + dt.timedelta(days=6))
    fee = Fee.objects.get(loan=loan)
    assert fee.amount == 10000 and fee.outstanding == 0
    check_invariants()


# --- lost, claims returned, damaged --------------------------------------------------------------


def test_lost_charges_the_price_rounded_to_whole_dong(
    reader, make_item, network, clock, circulation_librarian
):
    item = make_item(price=Decimal("85000.50"))
    loan = actions.checkout(item=item, reader=reader, library=network["prov"], now=clock)
    fee = actions.mark_lost(loan=loan.pk, now=clock + dt.timedelta(days=3), actor=circulation_librarian)
    fee.refresh_from_db()
    assert (fee.kind, fee.amount, fee.note) == (FeeKind.LOST, Decimal(85001), item.barcode)
    loan.refresh_from_db()
    assert loan.lost and loan.returned_at == clock + dt.timedelta(days=3)
    item.refresh_from_db()
    assert item.status == ItemStatus.LOST
    entry = AuditEntry.objects.get(type="circulation.loan.lost", object_id=str(loan.pk))
    assert entry.actor == circulation_librarian and entry.data["fee"] == "85001"
    # The whole debt can be paid, to the last đồng.
    actions.pay_fees(reader=reader, amount=85001, library=network["prov"])
    assert owed(reader) == 0
    refused("returned", actions.mark_lost, loan=loan, now=clock)


def test_lost_without_a_price_charges_the_default_fee(reader, make_item, network, clock, settings):
    settings.LOST_ITEM_DEFAULT_FEE = 120000
    loan = actions.checkout(item=make_item(), reader=reader, library=network["prov"], now=clock)
    late = loan.due_at + dt.timedelta(days=2)
    actions.mark_lost(loan=loan, now=late)
    kinds = dict(Fee.objects.filter(loan=loan).values_list("kind", "amount"))
    assert kinds == {FeeKind.LOST: Decimal(120000), FeeKind.OVERDUE: Decimal(4000)}  # the fine up to then too
    assert not Fee.objects.filter(loan=loan, accruing=True).exists()


def test_claims_returned_closes_the_loan_and_the_copy_is_searched_for(reader, make_item, network, clock):
    item = make_item()
    loan = actions.checkout(item=item, reader=reader, library=network["prov"], now=clock)
    closed = actions.claims_returned(loan=loan, now=clock + dt.timedelta(days=20))
    assert closed.claims_returned and closed.returned_at == clock + dt.timedelta(days=20)
    item.refresh_from_db()
    assert item.status == ItemStatus.MISSING
    assert Fee.objects.get(loan=loan).amount == 12000  # the fine until the claim, no more
    assert AuditEntry.objects.filter(type="circulation.loan.claims_returned", object_id=str(loan.pk)).exists()
    refused("returned", actions.claims_returned, loan=loan, now=clock)
    # Found on the shelf later: checked in, it circulates again.
    actions.checkin(item=item, library=network["prov"], now=clock + dt.timedelta(days=40))
    item.refresh_from_db()
    assert item.status == ItemStatus.AVAILABLE
    assert Fee.objects.get(loan=loan).amount == 12000


def test_damaged_with_and_without_a_charge(reader, make_item, network, clock):
    item = make_item()
    assert actions.mark_damaged(item=item, library=network["prov"]) is None
    item.refresh_from_db()
    assert item.status == ItemStatus.DAMAGED
    other = make_item()
    fee = actions.mark_damaged(item=other, library=network["prov"], reader=reader, amount=Decimal("25000.4"),
                               note="rách bìa")  # fmt: skip
    assert (fee.kind, fee.amount, fee.note, fee.reader) == (
        FeeKind.DAMAGED,
        Decimal(25000),
        "rách bìa",
        reader,
    )
    assert (
        AuditEntry.objects.get(type="circulation.item.damaged", object_id=str(other.pk)).data["fee"]
        == "25000"
    )


def test_damaged_refusals(reader, make_item, network, clock):
    item = make_item()
    refused("amount", actions.mark_damaged, item=item, library=network["prov"], reader=reader, amount=-1)
    refused("amount", actions.mark_damaged, item=item, library=network["prov"], reader=reader, amount="nhiều")
    actions.checkout(item=item, reader=reader, library=network["prov"], now=clock)
    message = refused("on_loan", actions.mark_damaged, item=item, library=network["prov"])
    assert message == "Hãy nhận trả bản này trước khi ghi hư hỏng."
    actions.checkin(item=item, library=network["school"], now=clock)
    refused("in_transit", actions.mark_damaged, item=item, library=network["school"])
    assert not Fee.objects.exists()
    check_invariants()


# --- payments ------------------------------------------------------------------------------------


def test_payments_go_to_the_oldest_fees_first(reader, network, circulation_librarian, clock):
    first, second, third = (
        charge(reader, network, 5000),
        charge(reader, network, 7000),
        charge(reader, network, 3000),
    )
    payment = actions.pay_fees(reader=reader, amount=8000, library=network["prov"], actor=circulation_librarian,
                               method=Payment.Method.TRANSFER, now=clock)  # fmt: skip
    paid = [Fee.objects.get(pk=f.pk).paid for f in (first, second, third)]
    assert paid == [5000, 3000, 0]
    assert [(line.fee_id, line.amount) for line in payment.lines.order_by("pk")] == [(first.pk, 5000),
                                                                                    (second.pk, 3000)]  # fmt: skip
    assert payment.receipt.startswith("VN-TST-20261116-") and payment.actor == circulation_librarian
    entry = AuditEntry.objects.get(type="circulation.payment.created", object_id=str(payment.pk))
    assert entry.data["receipt"] == payment.receipt and entry.data["amount"] == "8000"
    assert entry.data["method"] == "transfer"


def test_paying_chosen_fees(reader, network):
    first, second = charge(reader, network, 5000), charge(reader, network, 7000)
    actions.pay_fees(reader=reader, amount=7000, library=network["prov"], fees=[second.pk])
    assert (Fee.objects.get(pk=first.pk).paid, Fee.objects.get(pk=second.pk).paid) == (0, 7000)


def test_receipts_are_unique(reader, network):
    charge(reader, network, 100000)
    receipts = {
        actions.pay_fees(reader=reader, amount=1000, library=network["prov"]).receipt for _n in range(30)
    }
    assert len(receipts) == 30


def test_overpaying_is_refused(reader, network):
    charge(reader, network, 5000)
    message = refused("overpaid", actions.pay_fees, reader=reader, amount=5001, library=network["prov"])
    assert message == "Số tiền 5.001 đ lớn hơn số nợ 5.000 đ."
    assert not Payment.objects.exists() and not PaymentLine.objects.exists()
    actions.pay_fees(reader=reader, amount=5000, library=network["prov"])
    refused("overpaid", actions.pay_fees, reader=reader, amount=1, library=network["prov"])


@pytest.mark.parametrize("amount", [0, -5000, "0.4", "abc", None])
def test_nonsense_amounts_are_refused(reader, network, amount):
    charge(reader, network, 5000)
    message = refused("amount", actions.pay_fees, reader=reader, amount=amount, library=network["prov"])
    assert message in ("Số tiền phải lớn hơn 0.", "Số tiền không hợp lệ.")


# --- waivers -------------------------------------------------------------------------------------


def test_a_waiver_needs_a_reason(reader, network, circulation_librarian):
    fee = charge(reader, network, 5000)
    for reason in ("", "   ", None):
        message = refused("reason", actions.waive_fee, fee=fee, actor=circulation_librarian,
                          library=network["prov"], reason=reason)  # fmt: skip
        assert message == "Hãy ghi lý do miễn."
    waived = actions.waive_fee(fee=fee.pk, actor=circulation_librarian, library=network["prov"],
                               reason="Bạn đọc khó khăn")  # fmt: skip
    assert waived.waived == 5000 and waived.outstanding == 0
    entry = AuditEntry.objects.get(type="circulation.fee.waived", object_id=str(fee.pk))
    assert entry.actor == circulation_librarian and entry.data == {
        "amount": "5000",
        "reason": "Bạn đọc khó khăn",
    }


def test_part_of_a_fee_is_waived_and_the_rest_paid(reader, network, circulation_librarian):
    fee = charge(reader, network, 5000)
    actions.pay_fees(reader=reader, amount=1000, library=network["prov"])
    actions.waive_fee(
        fee=fee, actor=circulation_librarian, library=network["prov"], reason="Lần đầu", amount=1500
    )
    fee.refresh_from_db()
    assert (fee.paid, fee.waived, fee.outstanding) == (1000, 1500, 2500)
    for amount in (2501, 0, -1):
        refused(
            "amount",
            actions.waive_fee,
            fee=fee,
            actor=None,
            library=network["prov"],
            reason="x",
            amount=amount,
        )
    refused("fee_unknown", actions.waive_fee, fee=999999, actor=None, library=network["prov"], reason="x")
    check_invariants()


def test_fees_never_go_negative_in_the_database(reader, network):
    from django.db import IntegrityError, transaction

    for amounts in ({"amount": -1}, {"amount": 10, "paid": 11}, {"amount": 10, "paid": 5, "waived": 6}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Fee.objects.create(reader=reader, library=network["prov"], kind=FeeKind.OTHER, **amounts)


def test_a_loan_keeps_one_accruing_fine(reader, make_item, network, clock):
    loan = actions.checkout(item=make_item(), reader=reader, library=network["prov"], now=clock)
    for days in range(1, 6):
        actions.assess_overdue_fines(loan.due_at + dt.timedelta(days=days))
    assert Fee.objects.filter(loan=loan).count() == 1
    assert Loan.objects.get(pk=loan.pk).returned_at is None


def test_overdue_note_is_worded_in_the_page_language():
    from django.utils import translation

    fee = Fee(kind=FeeKind.OVERDUE, amount=Decimal(2000), note="1")
    assert fee.note_display == "1 ngày quá hạn"
    with translation.override("en"):
        assert fee.note_display == "1 day overdue"
        fee.note = "3"
        assert fee.note_display == "3 days overdue"
    assert Fee(kind=FeeKind.LOST, amount=Decimal(1), note="B0001").note_display == "B0001"
