"""readers_registered, readers_active and loans: counted by hand; traces never name a reader."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from thuvien.catalog.actions import save_item, save_record
from thuvien.catalog.models import Item
from thuvien.catalog.tests.factories import marc_record
from thuvien.circulation.models import Loan
from thuvien.patrons.models import Reader, ReaderCategory, ReaderStatus
from thuvien.reports import computations, indicators
from thuvien.reports.models import Indicator
from thuvien.reports.periods import Period

pytestmark = pytest.mark.django_db

Y = 2025
D = dt.date


def at(year, month=6, day=1, hour=9):
    return timezone.make_aware(dt.datetime(year, month, day, hour, 0))


def reader(
    library, card, name, *, category="adult", created=None, expires_on=None, status=ReaderStatus.ACTIVE
):
    made = Reader.objects.create(card=card, full_name=name, home_library=library, status=status,
                                 category=ReaderCategory.objects.get(code=category), expires_on=expires_on)  # fmt: skip
    Reader.objects.filter(pk=made.pk).update(created_at=created or at(Y - 1))
    made.refresh_from_db()
    return made


def item(library, barcode):
    record = save_record(None, marc_record(f"Sách {barcode}"), library=library)
    return save_item(Item(record=record, library=library, current_library=library, barcode=barcode))


def loan(item_, who, library, when, channel="desk"):
    """A returned loan checked out at WHEN (returned a week later), as the desk would have recorded it."""
    return Loan.objects.create(item=item_, reader=who, reader_category=who.category.code if who else "adult",
                               library=library, channel=channel, checked_out_at=when,
                               due_at=when + dt.timedelta(days=14), returned_at=when + dt.timedelta(days=7),
                               anonymised=who is None)  # fmt: skip


def cells(trace) -> str:
    return " | ".join(str(cell) for row in trace.rows for cell in row) + " | " + trace.note


@pytest.fixture
def readers(network):
    commune = network["commune"]
    return {
        "hoa": reader(commune, "XA000101", "Nguyễn Thị Hoà", expires_on=D(Y + 1, 3, 1)),
        "binh": reader(commune, "XA000102", "Trần Văn Bình", category="pupil", expires_on=D(Y, 12, 31)),
        "cuong": reader(commune, "XA000103", "Lê Cường", expires_on=D(Y, 12, 30)),  # expired the day before
        "dao": reader(
            commune, "XA000104", "Phạm Đào", category="pupil", expires_on=None, status=ReaderStatus.SUSPENDED
        ),  # fmt: skip
        "em": reader(commune, "XA000105", "Đỗ Em", expires_on=D(Y + 2, 1, 1), status=ReaderStatus.PENDING),
        "gia": reader(commune, "XA000106", "Vũ Gia", expires_on=D(Y + 2, 1, 1), created=at(Y + 1, 1, 2)),
        "tinh": reader(network["prov"], "TINH0001", "Bạn đọc tỉnh", expires_on=D(Y + 2, 1, 1)),
    }


def test_card_holders_at_the_end_of_the_period(network, readers):
    commune = network["commune"]
    measure = computations.readers_registered(commune, Period(Y))
    # Hoà, Bình (valid on the last day) and Đào (suspended, no expiry); not Cường (expired), Em (pending),
    # Gia (registered next year), nor the province's reader.
    assert measure.value == 3
    assert measure.breakdown == {"adult": 1, "pupil": 2}
    assert computations.readers_registered(commune, Period(Y, 4)).value == 3
    assert computations.readers_registered(commune, Period(Y, 3)).value == 4  # Cường's card still valid in Q3

    Reader.objects.filter(pk=readers["dao"].pk).update(status=ReaderStatus.ERASED, full_name="—")
    Reader.objects.filter(pk=readers["em"].pk).update(status=ReaderStatus.ACTIVE)
    measure = computations.readers_registered(commune, Period(Y))
    assert (measure.value, measure.breakdown) == (3, {"adult": 2, "pupil": 1})

    trace = computations.trace_readers_registered(commune, Period(Y))
    assert [row[0] for row in trace.rows] == ["••••0101", "••••0102", "••••0105"]
    assert trace.rows[1][1:] == ["Học sinh", f"{Y - 1}-06-01", f"{Y}-12-31", "Đang hoạt động"]
    text = cells(trace)
    assert "Hoà" not in text and "Bình" not in text and "XA000101" not in text


@pytest.fixture
def circulation(network, readers):
    """The commune's loans of 2025: Hoà 3 (one by SIP2), Bình 1 in Q4, one anonymised; one loan at the province."""
    commune, prov = network["commune"], network["prov"]
    copies = [item(commune, f"XA-{n}") for n in range(1, 5)]
    loan(copies[0], readers["hoa"], commune, at(Y, 2, 1))
    loan(copies[1], readers["hoa"], commune, at(Y, 2, 3), channel="sip2")
    loan(copies[0], readers["hoa"], commune, at(Y, 7, 1))
    loan(copies[2], readers["binh"], commune, at(Y, 12, 31, 20))  # the last evening of the year
    loan(copies[3], None, commune, at(Y, 3, 3))  # anonymised: its reader is gone
    loan(copies[3], readers["hoa"], commune, at(Y - 1, 12, 31, 23))  # last year
    loan(item(prov, "T-1"), readers["tinh"], prov, at(Y, 5, 5))
    return copies


def test_loans_of_the_period_by_channel(network, circulation):
    commune = network["commune"]
    measure = computations.loans(commune, Period(Y))
    assert (measure.value, measure.breakdown) == (5, {"desk": 4, "sip2": 1})
    assert computations.loans(commune, Period(Y, 1)).value == 3
    assert computations.loans(commune, Period(Y, 4)).breakdown == {"desk": 1}
    assert computations.loans(commune, Period(Y - 1)).value == 1
    trace = computations.trace_loans(commune, Period(Y))
    assert [row[1:] for row in trace.rows] == [
        [f"{Y}-02-01", "XA-1", "Quầy thủ thư"],
        [f"{Y}-02-03", "XA-2", "Máy tự mượn (SIP2)"],
        [f"{Y}-03-03", "XA-4", "Quầy thủ thư"],
        [f"{Y}-07-01", "XA-1", "Quầy thủ thư"],
        [f"{Y}-12-31", "XA-3", "Quầy thủ thư"],
    ]
    text = cells(trace)
    assert "Hoà" not in text and "XA000101" not in text
    loan(circulation[1], readers_of(commune)["XA000102"], commune, at(Y, 9, 9), channel="opac")
    assert computations.loans(commune, Period(Y)).breakdown == {"desk": 4, "sip2": 1, "opac": 1}


def readers_of(library):
    return {r.card: r for r in Reader.objects.filter(home_library=library)}


def test_active_readers_are_distinct_and_anonymised_loans_cannot_count(network, circulation, readers):
    commune = network["commune"]
    measure = computations.readers_active(commune, Period(Y))
    assert (measure.value, measure.breakdown) == (2, {"adult": 1, "pupil": 1})  # Hoà (3 loans) and Bình
    assert computations.readers_active(commune, Period(Y, 3)).value == 1
    assert computations.readers_active(commune, Period(Y, 2)).value == 0
    # A reader of another library borrowing here is active here.
    loan(circulation[3], readers["tinh"], commune, at(Y, 10, 1))
    assert computations.readers_active(commune, Period(Y)).value == 3
    trace = computations.trace_readers_active(commune, Period(Y))
    assert [row[0] for row in trace.rows] == ["••••0101", "••••0102", "••••0001"]
    assert [row[2] for row in trace.rows] == [3, 1, 1]
    assert "1 lượt mượn đã ẩn danh hóa" in trace.note
    text = cells(trace)
    assert "Hoà" not in text and "Bình" not in text and "Bạn đọc tỉnh" not in text
    # Anonymising Hoà's loans takes her out (the loans stay in the loan count).
    Loan.objects.filter(reader=readers["hoa"]).update(reader=None, anonymised=True)
    assert computations.readers_active(commune, Period(Y)).value == 2
    assert computations.loans(commune, Period(Y)).value == 6


def test_card_masking():
    assert computations.mask_card("XA000101") == "••••0101"
    assert computations.mask_card("TST01") == "•••01"
    assert computations.mask_card("ABCD") == "•••D"
    assert computations.mask_card("") == ""


def test_through_the_engine_and_over_the_province(network, circulation):
    commune = network["commune"]
    codes = ["readers-registered", "readers-active", "loans"]
    assert indicators.measure(Indicator.objects.get(code="loans"), commune, Period(Y)).value == 5
    figures = {
        f.indicator.code: f
        for f in indicators.live_figures(network["prov"], Period(Y), Indicator.objects.filter(code__in=codes))
    }
    assert figures["loans"].value == 5 + 1  # the commune's and the province's
    assert figures["readers-active"].value == 2 + 1
    assert figures["readers-registered"].value == 3 + 1
