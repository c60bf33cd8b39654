"""Personal data protection: loan history only with consent, anonymisation, export, erasure."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from thuvien.audit.models import AuditEntry
from thuvien.catalog.models import ItemStatus
from thuvien.circulation import actions as circulation
from thuvien.circulation.models import Delivery, Fee, FeeKind, Hold, HoldStatus, Loan, Notice
from thuvien.circulation.queries import loan_history
from thuvien.patrons import actions
from thuvien.patrons.exceptions import PatronError
from thuvien.patrons.models import Consent, PinFailure, Reader, ReaderStatus
from thuvien.patrons.queries import personal_data

pytestmark = pytest.mark.django_db

CCCD = "001090123456"


@pytest.fixture
def clock():
    return timezone.make_aware(dt.datetime(2026, 11, 16, 10, 0))


@pytest.fixture
def reader(network):
    return actions.register_reader(
        card="TST0001", full_name="Nguyễn Thị Hoà", home_library=network["prov"], category="adult", pin="1234",
        email="hoa@example.vn", phone="0901234567", address="5 Trần Phú", cccd=CCCD, keep_history=True,
    )  # fmt: skip


@pytest.fixture
def other_reader(network):
    return actions.register_reader(card="TST0002", full_name="Trần Văn Bình", home_library=network["commune"],
                                   category="student", pin="5678")  # fmt: skip


@pytest.fixture
def item(network):
    from thuvien.catalog.actions import save_item, save_record
    from thuvien.catalog.models import Item
    from thuvien.catalog.tests.factories import marc_record

    def make(barcode, record=None):
        record = record or save_record(None, marc_record(f"Sách {barcode}"), library=network["prov"])
        copy = Item(record=record, library=network["prov"], current_library=network["prov"], barcode=barcode)
        return save_item(copy)

    return make


def borrow_and_return(reader, copy, network, start, days=3):
    circulation.checkout(item=copy, reader=reader, library=network["prov"], now=start)
    circulation.checkin(item=copy, library=network["prov"], now=start + dt.timedelta(days=days))


def test_withdrawing_history_consent_anonymises_returned_loans(reader, item, network, clock):
    borrow_and_return(reader, item("A1"), network, clock)
    still_out = circulation.checkout(item=item("A2"), reader=reader, library=network["prov"], now=clock)
    assert len(loan_history(reader)) == 1
    actions.set_consent(reader=reader, kind=Consent.Kind.LOAN_HISTORY, given=False, channel="opac")
    reader.refresh_from_db()
    assert reader.keep_history is False
    returned = Loan.objects.get(item__barcode="A1")
    assert returned.reader is None and returned.anonymised and returned.reader_category == "adult"
    assert Loan.objects.get(pk=still_out.pk).reader == reader  # what he has at home stays his
    assert list(loan_history(reader)) == []
    consents = list(reader.consents.filter(kind="loan_history").values_list("given", "channel"))
    assert consents == [(True, "desk"), (False, "opac")]  # the history of his choices is kept
    entry = AuditEntry.objects.get(type="patrons.consent", object_id=str(reader.pk))
    assert entry.data == {"kind": "loan_history", "given": False, "channel": "opac"}


def test_anonymise_loans_after_the_configured_days(reader, other_reader, item, network, clock, settings):
    settings.LOAN_ANONYMISE_DAYS = 30
    borrow_and_return(reader, item("A1"), network, clock)  # he keeps his history
    borrow_and_return(other_reader, item("B1"), network, clock)  # he does not
    returned_at = clock + dt.timedelta(days=3)
    assert circulation.anonymise_loans(returned_at + dt.timedelta(days=29)) == 0
    assert circulation.anonymise_loans(returned_at + dt.timedelta(days=31)) == 1
    assert Loan.objects.get(item__barcode="A1").reader == reader
    kept = Loan.objects.get(item__barcode="B1")
    assert kept.reader is None and kept.anonymised and kept.library == network["prov"]
    assert circulation.anonymise_loans(returned_at + dt.timedelta(days=60)) == 0  # nothing twice


def test_personal_data_export_is_complete(reader, item, network, clock, django_capture_on_commit_callbacks):
    borrow_and_return(reader, item("A1"), network, clock)
    wanted = item("A2")
    Fee.objects.create(reader=reader, library=network["prov"], kind=FeeKind.OTHER, amount=4000)
    circulation.pay_fees(reader=reader, amount=4000, library=network["prov"])
    circulation.place_hold(reader=reader, record=wanted.record, pickup_library=network["commune"], now=clock)
    circulation.request_delivery(reader=reader, record=item("A3").record, address="5 Trần Phú", phone="0901",
                                 now=clock)  # fmt: skip
    Notice.objects.create(reader=reader, kind="overdue", key="loan:1:2026-11-30", email=reader.email)
    data = personal_data(Reader.objects.get(pk=reader.pk))
    json.dumps(data)  # downloadable as JSON
    assert {k: data["reader"][k] for k in ("card", "full_name", "email", "phone", "address", "citizen_id",
                                            "home_library", "category", "status", "keep_history")} == {
        "card": "TST0001", "full_name": "Nguyễn Thị Hoà", "email": "hoa@example.vn", "phone": "0901234567",
        "address": "5 Trần Phú", "citizen_id": CCCD, "home_library": "VN-TST", "category": "adult",
        "status": "active", "keep_history": True,
    }  # fmt: skip
    assert [c["kind"] for c in data["consents"]] == ["terms", "loan_history"]
    assert [loan["barcode"] for loan in data["loans"]] == ["A1"]
    assert data["loans"][0]["title"] == "Sách A1" and data["loans"][0]["returned_at"]
    assert [(h["title"], h["pickup_library"], h["status"]) for h in data["holds"]] == [
        ("Sách A2", "VN-TST-XA", "waiting"),
    ]  # fmt: skip
    assert sorted(f["kind"] for f in data["fees"]) == ["delivery", "other"]
    assert [p["amount"] for p in data["payments"]] == ["4000"]
    assert [(d["title"], d["address"], d["status"]) for d in data["deliveries"]] == [
        ("Sách A3", "5 Trần Phú", "requested"),
    ]  # fmt: skip
    assert [n["kind"] for n in data["notices"]] == ["overdue"]


def test_another_readers_data_is_never_in_the_export(reader, other_reader, item, network, clock):
    borrow_and_return(other_reader, item("B1"), network, clock)
    data = personal_data(reader)
    assert data["loans"] == [] and "Trần Văn Bình" not in json.dumps(data, ensure_ascii=False)


def test_request_erasure_is_recorded(reader):
    actions.request_erasure(reader=reader, channel="opac")
    assert Reader.objects.get(pk=reader.pk).erasure_requested_at is not None
    assert AuditEntry.objects.filter(
        type="patrons.reader.erasure_requested", object_id=str(reader.pk)
    ).exists()


def test_erasure_is_refused_while_he_has_loans_fees_or_parcels(reader, item, network, clock):
    copy = item("A1")
    circulation.checkout(item=copy, reader=reader, library=network["prov"], now=clock)
    with pytest.raises(PatronError) as error:
        actions.erase_reader(reader=reader, actor=None)
    assert error.value.code == "has_loans"
    circulation.checkin(item=copy, library=network["prov"], now=clock + dt.timedelta(days=30))  # late: a fine
    with pytest.raises(PatronError) as error:
        actions.erase_reader(reader=reader, actor=None)
    assert error.value.code == "has_fees"
    circulation.pay_fees(reader=reader, amount=Fee.objects.get(reader=reader).amount, library=network["prov"])
    delivery = circulation.request_delivery(reader=reader, record=item("A2").record, address="5 Trần Phú",
                                            phone="0901", now=clock)  # fmt: skip
    circulation.pay_fees(reader=reader, amount=delivery.fee, library=network["prov"])
    with pytest.raises(PatronError) as error:
        actions.erase_reader(reader=reader, actor=None)
    assert error.value.code == "has_deliveries"
    assert Reader.objects.get(pk=reader.pk).full_name == "Nguyễn Thị Hoà"


def test_erasure_empties_personal_data(reader, other_reader, item, network, clock, provincial_librarian):
    borrow_and_return(reader, item("A1"), network, clock)
    delivery = circulation.request_delivery(reader=reader, record=item("A2").record, address="5 Trần Phú",
                                            phone="0901", now=clock)  # fmt: skip
    circulation.advance_delivery(delivery=delivery, status="cancelled", actor=None, now=clock)
    Notice.objects.create(reader=reader, kind="overdue", key="loan:1:2026-11-30", email=reader.email)
    PinFailure.objects.create(card="TST0001", channel="opac")
    # A copy waits for him on the hold shelf, and another reader waits behind him.
    held = item("A3")
    hold = circulation.place_hold(
        reader=reader, record=held.record, pickup_library=network["prov"], now=clock
    )
    behind = circulation.place_hold(reader=other_reader, record=held.record, pickup_library=network["prov"],
                                    now=clock + dt.timedelta(minutes=1))  # fmt: skip
    circulation.checkin(item=held, library=network["prov"], now=clock)
    assert Hold.objects.get(pk=hold.pk).status == HoldStatus.READY

    erased = actions.erase_reader(reader=reader, actor=provincial_librarian)
    assert erased.card == f"ERASED-{reader.pk}" and erased.status == ReaderStatus.ERASED
    assert (erased.full_name, erased.name_key, erased.birth_date, erased.email, erased.phone, erased.address) == (
        "—", "", None, "", "", "",
    )  # fmt: skip
    assert erased.cccd_encrypted == erased.cccd_hash == erased.cccd_last == erased.pin_hash == ""
    assert not erased.keep_history and not erased.consents.exists()
    assert not Loan.objects.filter(reader=reader).exists()
    assert Loan.objects.get(item__barcode="A1").anonymised
    assert Delivery.objects.filter(pk=delivery.pk, address="", phone="").exists()
    assert not Notice.objects.exclude(email="").filter(reader=reader).exists()
    assert not PinFailure.objects.filter(card="TST0001").exists()
    # His hold is cancelled and the copy goes to the next reader rather than staying on the shelf for nobody.
    assert Hold.objects.get(pk=hold.pk).status == HoldStatus.CANCELLED
    assert Hold.objects.get(pk=behind.pk).status == HoldStatus.READY
    held.refresh_from_db()
    assert held.status == ItemStatus.ON_HOLD_SHELF
    assert AuditEntry.objects.get(type="patrons.reader.erased", object_id=str(reader.pk)).actor == (
        provincial_librarian
    )
    # The card number and the citizen ID are free again.
    again = actions.register_reader(card="TST0001", full_name="Nguyễn Thị Hoà", home_library=network["prov"],
                                    category="adult", pin="1234", cccd=CCCD)  # fmt: skip
    assert again.pk != reader.pk
    assert CCCD not in json.dumps(personal_data(Reader.objects.get(pk=reader.pk)))
