"""PINs: hashed, checked with a rate limit shared by every channel, changed by the reader or by staff."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from thuvien.audit.models import AuditEntry
from thuvien.patrons import actions
from thuvien.patrons.exceptions import PatronError, PinLocked
from thuvien.patrons.models import PinFailure, Reader

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(network):
    return actions.register_reader(card="TST0001", full_name="Nguyễn Thị Hoà", home_library=network["prov"],
                                   category="adult", pin="1234")  # fmt: skip


def miss(card, times, channel="opac"):
    for _n in range(times):
        assert actions.authenticate_reader(card, "0000", channel=channel) is None


def test_the_right_pin_signs_in(reader):
    assert actions.authenticate_reader(" tst0001 ", "1234") == reader
    assert actions.authenticate_reader("TST0001", "4321") is None
    assert actions.authenticate_reader("", "1234") is None
    assert actions.authenticate_reader(None, None) is None


def test_too_many_misses_lock_the_card_for_every_channel(reader, settings):
    settings.PIN_MAX_FAILURES = 3
    settings.PIN_LOCK_MINUTES = 15
    miss("TST0001", 2, "sip2")
    miss("TST0001", 1, "opac")
    with pytest.raises(PinLocked) as locked:
        actions.authenticate_reader("TST0001", "1234", channel="api")  # even the right PIN
    assert locked.value.code == "pin_locked"
    assert locked.value.message == "Nhập sai mã PIN quá nhiều lần. Vui lòng thử lại sau 15 phút."
    assert sorted(PinFailure.objects.values_list("channel", flat=True)) == ["opac", "sip2", "sip2"]


def test_the_lock_expires(reader, settings):
    settings.PIN_MAX_FAILURES = 3
    settings.PIN_LOCK_MINUTES = 15
    miss("TST0001", 3)
    with pytest.raises(PinLocked):
        actions.authenticate_reader("TST0001", "1234")
    # Sixteen minutes later the misses no longer count.
    PinFailure.objects.update(at=timezone.now() - dt.timedelta(minutes=16))
    assert actions.authenticate_reader("TST0001", "1234") == reader
    assert not PinFailure.objects.exists()  # a success clears the count


def test_a_success_resets_the_count(reader, settings):
    settings.PIN_MAX_FAILURES = 3
    miss("TST0001", 2)
    assert actions.authenticate_reader("TST0001", "1234") == reader
    miss("TST0001", 2)
    assert actions.authenticate_reader("TST0001", "1234") == reader


def test_unknown_cards_are_rate_limited_too(network, settings):
    settings.PIN_MAX_FAILURES = 2
    miss("KHONG-CO", 2)
    with pytest.raises(PinLocked):
        actions.authenticate_reader("khong-co", "1234")


def test_an_erased_reader_cannot_sign_in(reader):
    actions.erase_reader(reader=reader, actor=None)
    assert actions.authenticate_reader("TST0001", "1234") is None
    assert actions.authenticate_reader(f"ERASED-{reader.pk}", "") is None


def test_the_reader_changes_his_pin(reader):
    with pytest.raises(PatronError) as wrong:
        actions.change_pin(reader=reader, old_pin="9999", new_pin="5555")
    message = wrong.value.message
    assert wrong.value.code == "pin_wrong" and message == "Mã PIN hiện tại không đúng."
    with pytest.raises(PatronError) as bad:
        actions.change_pin(reader=reader, old_pin="1234", new_pin="55")
    assert bad.value.code == "pin"
    actions.change_pin(reader=reader, old_pin="1234", new_pin="55556666")
    assert actions.authenticate_reader("TST0001", "1234") is None
    assert actions.authenticate_reader("TST0001", "55556666") == reader
    entry = AuditEntry.objects.get(type="patrons.reader.pin_changed", object_id=str(reader.pk))
    assert entry.data == {"channel": "opac"}


def test_staff_set_a_new_pin_without_the_old_one(reader, provincial_librarian):
    actions.change_pin(
        reader=reader, old_pin=None, new_pin="8642", actor=provincial_librarian, channel="desk"
    )
    assert actions.authenticate_reader("TST0001", "8642") == reader
    assert AuditEntry.objects.get(type="patrons.reader.pin_changed").actor == provincial_librarian


def test_pins_are_stored_hashed(reader):
    stored = Reader.objects.get(pk=reader.pk).pin_hash
    assert stored.startswith("pin_pbkdf2_sha256$") and "1234" not in stored.split("$", 2)[2]
