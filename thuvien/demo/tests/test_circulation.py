"""The demo network's circulation: readers, rules, calendars and sixty days of desk work made through the actions.

The demo is built once for the module (a small catalogue, a fixed clock) inside a transaction that is
rolled back at the end, and every test reads it.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from thuvien.audit.models import AuditEntry
from thuvien.catalog.models import Item, ItemStatus
from thuvien.circulation import policies
from thuvien.circulation.models import (
    ACTIVE_HOLD_STATUSES,
    Closure,
    DailyRun,
    Delivery,
    DeliveryStatus,
    Fee,
    Hold,
    HoldStatus,
    Loan,
    Payment,
    PaymentLine,
    Transit,
)
from thuvien.circulation.queries import closed_checker, reader_account, rule_for
from thuvien.demo.circulation import KIOSK, build_circulation
from thuvien.demo.loader import create_network, create_people, load_records
from thuvien.network.models import Library
from thuvien.patrons.actions import authenticate_reader
from thuvien.patrons.models import Consent, Reader, ReaderCategory

pytestmark = pytest.mark.django_db
NOW = timezone.make_aware(dt.datetime(2026, 11, 20, 11, 0))  # a Friday morning
RECORDS = 200  # as small as the integration and browser tests build it


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        libraries = create_network(1)
        people = create_people(libraries)
        load_records(libraries, RECORDS, 1)
        summary = build_circulation(people, now=NOW, log=lambda message: None)
        yield {"people": people, "summary": summary}
        transaction.set_rollback(True)


def lib(code: str) -> Library:
    return Library.objects.get(code=code)


def test_about_300_readers_across_libraries_and_categories(demo):
    readers = Reader.objects.select_related("category", "home_library")
    assert readers.count() == 300 == demo["summary"]["readers"]
    assert len({r.home_library.code for r in readers}) >= 10
    categories = Counter(r.category.code for r in readers)
    assert {"adult", "child", "pupil", "student", "senior", "staff"} <= set(categories)
    for reader in readers:
        assert unicodedata.is_normalized("NFC", reader.full_name) and len(reader.full_name.split()) >= 2
        if reader.category.code == "pupil":
            assert reader.home_library.kind in ("school", "commune"), reader
        assert reader.birth_date is not None and reader.birth_date < NOW.date()
    assert sum(not r.full_name.isascii() for r in readers) > 250  # written with diacritics
    assert readers.exclude(cccd_last="").count() >= 30
    assert readers.exclude(email="").count() >= 150
    pending = readers.filter(status="pending")
    assert pending.count() >= 3
    assert Consent.objects.filter(reader__in=pending, kind="terms", channel="opac").count() == pending.count()
    assert readers.filter(expires_on__lt=NOW.date()).count() >= 2


def test_rules_inherit_from_the_province_and_are_overridden_below(demo):
    adult = ReaderCategory.objects.get(code="adult").pk
    child = ReaderCategory.objects.get(code="child").pk
    pupil = ReaderCategory.objects.get(code="pupil").pk
    province = rule_for(lib("VN-NB"), adult, "BK")
    assert (province.loan_days, province.fine_per_day, province.source) == (
        14,
        Decimal(2000),
        "VN-NB / * / *",
    )
    assert rule_for(lib("VN-NB-DHHL"), adult, "BK").source == "VN-NB / * / *"  # inherited
    reference = rule_for(lib("VN-NB-HOALU"), adult, "REF")
    assert reference.loan_days < rule_for(lib("VN-NB"), adult, "REF").loan_days and reference.renewals == 0
    assert rule_for(lib("VN-NB-HOALU"), child, "CHILD").max_loans_total == 3
    school = rule_for(lib("VN-NB-HOALU-THPTLVT"), pupil, "BK")
    assert (school.loan_days, school.max_loans_total, school.source) == (
        7,
        3,
        "VN-NB-HOALU-THPTLVT / pupil / *",
    )
    assert rule_for(lib("VN-NB-PHULY-THLHP"), pupil, "CHILD").fine_per_day == 0
    assert rule_for(lib("VN-NB-DHHL"), ReaderCategory.objects.get(code="student").pk, "BK").loan_days == 30


def test_sundays_at_communes_and_the_2026_holidays_everywhere(demo):
    sunday, saturday = dt.date(2026, 11, 22), dt.date(2026, 11, 21)
    commune, province = closed_checker(lib("VN-NB-HOALU")), closed_checker(lib("VN-NB"))
    assert commune(sunday) and not commune(saturday) and not province(sunday)
    school = closed_checker(lib("VN-NB-HOALU-THPTLVT"))  # below the commune: its calendar applies
    assert school(sunday)
    holidays = [dt.date(2026, 1, 1), *(dt.date(2026, 2, d) for d in range(16, 21)), dt.date(2026, 4, 26),
                dt.date(2026, 4, 30), dt.date(2026, 5, 1), dt.date(2026, 9, 1), dt.date(2026, 9, 2)]  # fmt: skip
    for day in holidays:
        assert province(day) and closed_checker(lib("VN-NB-TRANGAN"))(day), day
    assert Closure.objects.filter(library__code="VN-NB", date__isnull=False).count() >= len(holidays)
    # A loan on 2 February 2026 for 14 days would fall in Tết: it moves to the first open day after.
    start = timezone.make_aware(dt.datetime(2026, 2, 2, 9, 0))
    rule = rule_for(lib("VN-NB"), None, "BK")
    assert policies.due_at(start, rule, province).date() == dt.date(2026, 2, 21)


def test_sixty_days_of_loans_made_through_the_actions(demo):
    loans = Loan.objects.all()
    assert loans.count() >= 120
    # Every loan and return went through checkout/checkin: each has its audit entry.
    assert AuditEntry.objects.filter(type="circulation.loan.created").count() == loans.count()
    returned = loans.filter(returned_at__isnull=False)
    assert AuditEntry.objects.filter(type="circulation.loan.returned").count() >= returned.count() - 2
    assert returned.count() >= 60
    days = {timezone.localdate(loan.checked_out_at) for loan in loans}
    assert min(days) >= (NOW - dt.timedelta(days=61)).date() and max(days) <= NOW.date()
    assert (max(days) - min(days)).days >= 45
    assert (
        not loans.filter(checked_out_at__gt=NOW).exists()
        and not returned.filter(returned_at__gt=NOW).exists()
    )
    assert loans.filter(renewals__gt=0).count() >= 5
    assert loans.exclude(return_library=F("library")).filter(returned_at__isnull=False).exists()
    overdue = loans.filter(returned_at__isnull=True, due_at__lt=NOW)
    assert overdue.count() >= 10 and overdue.count() == demo["summary"]["overdue"]
    for loan in loans.select_related("library"):
        due = timezone.localtime(loan.due_at)
        assert not closed_checker(loan.library)(due.date()), loan  # due dates avoid closed days
    # The daily run brought every overdue fine up to date.
    run = DailyRun.objects.get(day=NOW.date())
    assert run.finished_at is not None and run.summary["fines"] >= 1
    fined = 0
    for loan in overdue.select_related("library", "item", "reader"):
        fine = policies.overdue_fine(
            loan.due_at, NOW, rule_for(loan.library, loan.reader.category_id, loan.item.item_type)
        )
        fee = Fee.objects.filter(loan=loan, accruing=True).first()
        assert (fee.amount if fee else 0) == fine, (
            loan
        )  # nothing within the grace days, nor where fines are 0
        fined += fine > 0
    assert fined >= 5


def test_fines_paid_with_receipts_and_waived(demo):
    payments = Payment.objects.all()
    assert payments.count() >= 5
    for payment in payments:
        assert re.fullmatch(r"VN-NB(-[A-Z0-9]+)*-\d{8}-[0-9A-F]{8}", payment.receipt), payment.receipt
    assert Fee.objects.filter(kind="overdue", paid__gt=0, accruing=False).exists()
    assert Fee.objects.filter(kind="lost", paid=F("amount")).exists()
    assert Fee.objects.filter(waived__gt=0).exists()


def test_holds_waiting_in_transit_and_on_the_shelf(demo):
    statuses = Counter(Hold.objects.values_list("status", flat=True))
    assert statuses[HoldStatus.WAITING] >= 2
    assert statuses[HoldStatus.IN_TRANSIT] >= 3
    assert statuses[HoldStatus.READY] >= 2
    assert statuses[HoldStatus.FILLED] >= 1
    for hold in Hold.objects.filter(status=HoldStatus.IN_TRANSIT).select_related("item"):
        transit = Transit.objects.get(item=hold.item, received_at__isnull=True)
        assert transit.hold_id == hold.pk and transit.reason == "hold"
        assert transit.to_library_id == hold.pickup_library_id != transit.from_library_id
    for hold in Hold.objects.filter(status=HoldStatus.READY).select_related("item"):
        assert hold.item.current_library_id == hold.pickup_library_id
        assert hold.expires_at > NOW
    waiting = Hold.objects.filter(status=HoldStatus.WAITING)
    for hold in waiting:
        assert Item.objects.filter(record=hold.record, status=ItemStatus.CHECKED_OUT).exists(), hold


def test_postal_deliveries_requested_and_shipped(demo):
    requested = Delivery.objects.get(status=DeliveryStatus.REQUESTED)
    assert requested.reader.card == "NB0000001" and requested.fee > 0
    shipped = Delivery.objects.get(status=DeliveryStatus.SHIPPED)
    assert re.fullmatch(r"EB\d{9}VN", shipped.tracking_number)
    assert shipped.loan.channel == Loan.Channel.POST and shipped.loan.returned_at is None
    assert [e.status for e in shipped.events.all()] == ["requested", "packed", "shipped"]
    assert Fee.objects.get(note=f"delivery:{shipped.pk}").outstanding == 0  # paid by transfer


def test_the_demo_reader_has_loans_an_overdue_item_holds_and_a_parcel(demo):
    people = demo["people"]
    assert (people["reader"]["name"], people["reader"]["card"], people["reader"]["pin"]) == (
        "Lê Minh Khôi", "NB0000001", "1234",
    )  # fmt: skip
    khoi = authenticate_reader("NB0000001", "1234", channel="test")
    assert khoi is not None and khoi.full_name == "Lê Minh Khôi" and khoi.keep_history
    account = reader_account(khoi, NOW)
    assert len(account.loans) >= 3 and account.overdue == 1
    assert any(loan.renewals for loan in account.loans)
    assert {loan.library.code for loan in account.loans} >= {"VN-NB", "VN-NB-HOALU"}
    holds = {hold.status: hold for hold in account.holds}
    assert holds[HoldStatus.WAITING].position == 2
    assert holds[HoldStatus.IN_TRANSIT].pickup_library.code == "VN-NB"
    assert [d.status for d in account.deliveries] == [DeliveryStatus.REQUESTED]
    assert 0 < account.owed < Decimal(50000)
    assert Payment.objects.filter(reader=khoi).count() == 1
    assert Loan.objects.filter(reader=khoi, returned_at__isnull=False).count() == 2  # history kept


def test_the_sip2_kiosk_account(demo):
    from thuvien.interop.sip2.actions import authenticate
    from thuvien.interop.sip2.models import KioskAccount

    assert demo["summary"]["kiosk"] == {"login": "kiosk-nb", "password": "kiosk-demo", "library": "VN-NB"}
    account = KioskAccount.objects.get(login=KIOSK["login"])
    assert account.library.code == "VN-NB" and account.is_active
    assert authenticate("kiosk-nb", "kiosk-demo") == account
    assert authenticate("kiosk-nb", "wrong-password") is None


def test_item_status_agrees_with_loans_holds_and_transits(demo):
    open_loans = Counter(Loan.objects.filter(returned_at__isnull=True).values_list("item_id", flat=True))
    assert all(n == 1 for n in open_loans.values())
    assert set(Item.objects.filter(status=ItemStatus.CHECKED_OUT).values_list("pk", flat=True)) == set(
        open_loans
    )
    open_transits = Counter(
        Transit.objects.filter(received_at__isnull=True).values_list("item_id", flat=True)
    )
    assert all(n == 1 for n in open_transits.values())
    in_transit = set(Item.objects.filter(status=ItemStatus.IN_TRANSIT).values_list("pk", flat=True))
    assert in_transit == set(open_transits)
    ready = Counter(Hold.objects.filter(status=HoldStatus.READY).values_list("item_id", flat=True))
    assert all(n == 1 for n in ready.values())
    assert set(Item.objects.filter(status=ItemStatus.ON_HOLD_SHELF).values_list("pk", flat=True)) == set(
        ready
    )
    assert not Hold.objects.filter(status=HoldStatus.WAITING, item__isnull=False).exists()
    active = Counter(
        Hold.objects.filter(status__in=ACTIVE_HOLD_STATUSES).values_list("reader_id", "record_id")
    )
    assert all(n == 1 for n in active.values())
    for hold in Hold.objects.filter(item__isnull=False).select_related("item"):
        assert hold.item.record_id == hold.record_id
    # Items on the shelf are where they belong; nothing else is out of place.
    assert set(Item.objects.values_list("status", flat=True)) <= {
        ItemStatus.AVAILABLE, ItemStatus.CHECKED_OUT, ItemStatus.IN_TRANSIT, ItemStatus.ON_HOLD_SHELF, ItemStatus.LOST,
    }  # fmt: skip
    assert (
        not Item.objects.filter(status=ItemStatus.AVAILABLE)
        .exclude(current_library=F("library"))
        .filter(current_library__isnull=False)
        .exists()
    )


def test_money_is_never_negative_and_payments_add_up(demo):
    for fee in Fee.objects.all():
        assert (
            fee.amount >= 0 and fee.paid >= 0 and fee.waived >= 0 and fee.paid + fee.waived <= fee.amount
        ), fee
        assert (PaymentLine.objects.filter(fee=fee).aggregate(total=Sum("amount"))["total"] or 0) == fee.paid
    for payment in Payment.objects.all():
        assert payment.lines.aggregate(total=Sum("amount"))["total"] == payment.amount
