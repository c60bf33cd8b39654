"""renew and renew_all: at the desk, from the reader's phone, at the kiosk; limits and the hold rule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from thuvien.audit.models import AuditEntry
from thuvien.circulation import actions
from thuvien.circulation.exceptions import CirculationError
from thuvien.circulation.models import CirculationRule, Fee, FeeKind, Loan

pytestmark = pytest.mark.django_db


def local_date(value):
    return timezone.localtime(value).date()


def refused(code, **kwargs):
    with pytest.raises(CirculationError) as error:
        actions.renew(**kwargs)
    assert error.value.code == code, error.value.message
    return error.value.message


@pytest.fixture
def loan(reader, make_item, network, clock):
    return actions.checkout(item=make_item(), reader=reader, library=network["prov"], now=clock)


def test_renew_extends_from_today_and_audits(loan, clock, circulation_librarian):
    renewed = actions.renew(loan=loan.pk, now=clock + dt.timedelta(days=10), actor=circulation_librarian,
                            channel=Loan.Channel.OPAC)  # fmt: skip
    assert renewed.renewals == 1
    assert local_date(renewed.due_at) == dt.date(2026, 12, 10)  # 26 Nov + 14 days
    entry = AuditEntry.objects.get(type="circulation.loan.renewed", object_id=str(loan.pk))
    assert (
        entry.actor == circulation_librarian
        and entry.data["channel"] == "opac"
        and entry.data["renewals"] == 1
    )


def test_renewing_early_never_shortens_the_loan(reader, make_item, network, clock):
    CirculationRule.objects.create(library=network["prov"], loan_days=30, renewal_days=7)
    loan = actions.checkout(item=make_item(), reader=reader, library=network["prov"], now=clock)
    renewed = actions.renew(loan=loan, now=clock)
    assert renewed.due_at == loan.due_at and renewed.renewals == 1


def test_the_number_of_renewals_is_limited(reader, make_item, network, clock):
    CirculationRule.objects.create(library=network["prov"], renewals=1)
    loan = actions.checkout(item=make_item(), reader=reader, library=network["prov"], now=clock)
    actions.renew(loan=loan, now=clock)
    message = refused("renewal_limit", loan=loan, now=clock)
    assert message == "Đã gia hạn 1 lần, tối đa 1 lần."
    assert Loan.objects.get(pk=loan.pk).renewals == 1


def test_no_renewal_when_another_reader_waits(loan, other_reader, network, clock):
    actions.place_hold(
        reader=other_reader, record=loan.item.record, pickup_library=network["prov"], now=clock
    )
    message = refused("on_hold", loan=loan, now=clock)
    assert message == "Có bạn đọc khác đang chờ tài liệu này, không gia hạn được."


def test_a_suspended_hold_does_not_stop_a_renewal(loan, other_reader, network, clock):
    hold = actions.place_hold(reader=other_reader, record=loan.item.record, pickup_library=network["prov"],
                              now=clock)  # fmt: skip
    actions.suspend_hold(hold=hold, until=dt.date(2026, 12, 31))
    assert actions.renew(loan=loan, now=clock).renewals == 1


def test_a_reader_renews_only_his_own_loans(loan, reader, other_reader, clock):
    message = refused("not_yours", loan=loan, reader=other_reader, now=clock)
    assert message == "Lượt mượn này không phải của bạn."
    assert actions.renew(loan=loan, reader=reader, now=clock).renewals == 1


def test_a_returned_or_unknown_loan_is_not_renewed(loan, network, clock):
    actions.checkin(item=loan.item, library=network["prov"], now=clock)
    refused("returned", loan=loan, now=clock)
    refused("loan_unknown", loan=999999, now=clock)


def test_an_expired_card_cannot_renew(loan, reader, clock):
    reader.expires_on = dt.date(2026, 11, 20)
    reader.save()
    refused("blocked_expired", loan=loan, now=clock + dt.timedelta(days=5))


def test_fines_over_the_threshold_stop_renewals(loan, reader, network, clock, settings):
    Fee.objects.create(reader=reader, library=network["prov"], kind=FeeKind.OTHER,
                       amount=Decimal(settings.FINE_BLOCK_THRESHOLD + 1))  # fmt: skip
    refused("blocked_fines", loan=loan, now=clock)


def test_an_overdue_loan_may_be_renewed_and_its_fine_is_settled(loan, clock):
    late = loan.due_at + dt.timedelta(days=2)
    renewed = actions.renew(loan=loan, now=late)
    fee = Fee.objects.get(loan=loan)
    assert fee.kind == FeeKind.OVERDUE and fee.amount == Decimal(4000) and fee.accruing is False
    assert renewed.due_at > late
    # It does not grow any more: a later return on time adds nothing.
    actions.checkin(item=loan.item, library=loan.library, now=late + dt.timedelta(days=3))
    assert Fee.objects.get(loan=loan).amount == Decimal(4000)


def test_hourly_loans_renew_for_their_hours(reader, make_item, network, clock):
    CirculationRule.objects.create(library=network["prov"], item_type="reserve", loan_hours=3)
    loan = actions.checkout(
        item=make_item(item_type="reserve"), reader=reader, library=network["prov"], now=clock
    )
    assert loan.due_at == clock + dt.timedelta(hours=3)
    renewed = actions.renew(loan=loan, now=clock + dt.timedelta(hours=2))
    assert renewed.due_at == clock + dt.timedelta(hours=5)


def test_renew_all_reports_each_refusal(reader, other_reader, make_item, network, clock):
    CirculationRule.objects.create(library=network["prov"], renewals=1)
    free = actions.checkout(item=make_item(), reader=reader, library=network["prov"], now=clock)
    wanted = actions.checkout(item=make_item(), reader=reader, library=network["prov"], now=clock)
    actions.place_hold(
        reader=other_reader, record=wanted.item.record, pickup_library=network["prov"], now=clock
    )
    renewed, refusals = actions.renew_all(reader=reader, now=clock, channel=Loan.Channel.SIP2)
    assert [loan.pk for loan in renewed] == [free.pk]
    assert [(loan.pk, error.code) for loan, error in refusals] == [(wanted.pk, "on_hold")]
    renewed, refusals = actions.renew_all(reader=reader, now=clock)
    assert renewed == [] and {error.code for _loan, error in refusals} == {"renewal_limit", "on_hold"}
