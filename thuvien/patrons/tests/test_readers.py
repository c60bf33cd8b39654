"""Readers: registration, the citizen ID kept encrypted, approval, edits, card renewal, lookup by staff."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from thuvien.audit.models import AuditEntry
from thuvien.patrons import actions
from thuvien.patrons.exceptions import PatronError
from thuvien.patrons.models import Consent, Reader, ReaderStatus
from thuvien.patrons.queries import cccd_clear, find_readers, personal_data, readers_for_staff

pytestmark = pytest.mark.django_db

CCCD = "001090123456"  # Hà Nội, a man born in 1990


def register(network, **overrides):
    values = {"card": "tst-1001", "full_name": "Nguyễn Văn An", "home_library": network["prov"],
              "category": "adult", "pin": "2468"} | overrides  # fmt: skip
    return actions.register_reader(**values)


def refused(code, action=register, *args, **kwargs):
    with pytest.raises(PatronError) as error:
        action(*args, **kwargs)
    assert error.value.code == code, error.value.message
    return error.value.message


def test_register_a_reader(network, provincial_librarian):
    reader = register(network, actor=provincial_librarian, email=" an@example.vn ", birth_date=dt.date(1990, 3, 1),
                      keep_history=True)  # fmt: skip
    assert reader.card == "TST-1001" and reader.status == ReaderStatus.ACTIVE
    assert reader.email == "an@example.vn" and reader.name_key == "nguyen van an"
    assert reader.expires_on == actions._add_months(timezone.localdate(), 24)  # adults: 24 months
    assert reader.pin_hash.startswith("pin_pbkdf2_sha256$") and "2468" not in reader.pin_hash
    assert list(reader.consents.values_list("kind", "given", "channel")) == [
        ("terms", True, "desk"), ("loan_history", True, "desk"),
    ]  # fmt: skip
    entry = AuditEntry.objects.get(type="patrons.reader.created", object_id=str(reader.pk))
    assert entry.actor == provincial_librarian and entry.data["card"] == "TST-1001"


def test_self_registration_waits_for_approval(network, provincial_librarian):
    reader = register(network, status=ReaderStatus.PENDING, channel="opac")
    assert reader.status == "pending"
    approved = actions.set_status(reader=reader, status=ReaderStatus.ACTIVE, actor=provincial_librarian)
    assert approved.status == "active"
    entry = AuditEntry.objects.get(type="patrons.reader.status", object_id=str(reader.pk))
    assert entry.data == {"previous": "pending", "status": "active"}


def test_the_name_is_stored_nfc_and_found_without_diacritics(network, provincial_librarian):
    decomposed = "Hoa\u0300ng Thi\u0323 Lan"  # typed with combining marks
    reader = register(network, full_name=f"  {decomposed} ")
    assert reader.full_name == "Hoàng Thị Lan"
    assert list(find_readers(provincial_librarian, "hoang thi")) == [reader]
    assert list(find_readers(provincial_librarian, "TST-1001")) == [reader]
    assert list(find_readers(provincial_librarian, "  ")) == []


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"card": "ab"}, "card"),
        ({"card": "SỐ-THẺ-1"}, "card"),
        ({"card": "ERASED-77"}, "card"),  # the number an erased reader keeps
        ({"full_name": "   "}, "name"),
        ({"category": "martian"}, "category"),
        ({"pin": "12"}, "pin"),
        ({"pin": "abcd"}, "pin"),
        ({"birth_date": dt.date(2999, 1, 1)}, "birth_date"),
        ({"cccd": "12345"}, "cccd"),
        ({"cccd": CCCD, "birth_date": dt.date(1991, 1, 1)}, "cccd"),
    ],
)
def test_registration_refusals(network, overrides, code):
    refused(code, register, network, **overrides)
    assert not Reader.objects.exists()


def test_the_card_number_is_unique(network):
    register(network)
    message = refused("card_taken", register, network, card="TST-1001", full_name="Người khác")
    assert message == "Số thẻ TST-1001 đã có người dùng."


def test_the_citizen_id_is_stored_encrypted_and_shown_masked(network):
    reader = register(network, cccd="001 090 123 456", birth_date=dt.date(1990, 3, 1))
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM patrons_reader WHERE id = %s", [reader.pk])
        row = " ".join(str(value) for value in cursor.fetchone())
    assert CCCD not in row and "090123" not in row
    assert reader.cccd_last == "3456" and reader.cccd_masked == "••••••••3456"
    assert cccd_clear(Reader.objects.get(pk=reader.pk)) == CCCD
    assert personal_data(reader)["reader"]["citizen_id"] == CCCD
    assert register(network, card="TST-1002").cccd_masked == ""


def test_the_same_citizen_id_twice_is_refused(network):
    register(network, cccd=CCCD)
    message = refused("cccd_taken", register, network, card="TST-1002", cccd="001.090.123.456")
    assert message == "Số CCCD này đã được đăng ký cho một thẻ khác."
    other = register(network, card="TST-1003")
    refused("cccd_taken", actions.update_reader, reader=other, actor=None, cccd=CCCD)


def test_the_database_refuses_the_same_citizen_id_twice(network):
    # The check in the action can race with another registration; the unique constraint cannot.
    first = register(network, cccd=CCCD)
    second = register(network, card="TST-1002")
    with pytest.raises(IntegrityError), transaction.atomic():
        Reader.objects.filter(pk=second.pk).update(cccd_hash=first.cccd_hash)
    register(network, card="TST-1003")  # readers without one are many
    assert Reader.objects.filter(cccd_hash="").count() == 2


def test_update_reader(network, provincial_librarian):
    reader = register(network, cccd=CCCD)
    updated = actions.update_reader(reader=reader, actor=provincial_librarian, phone="0905 111 222",
                                    full_name="Nguyễn Văn Ân", cccd="079195000321")  # fmt: skip
    assert updated.phone == "0905 111 222" and updated.name_key == "nguyen van an"
    assert cccd_clear(updated) == "079195000321" and updated.cccd_last == "0321"
    entry = AuditEntry.objects.get(type="patrons.reader.updated", object_id=str(reader.pk))
    assert entry.data["fields"] == ["full_name", "phone", "cccd"]
    cleared = actions.update_reader(reader=reader, actor=provincial_librarian, cccd="")
    assert cleared.cccd_encrypted == cleared.cccd_hash == cleared.cccd_last == ""
    refused("field", actions.update_reader, reader=reader, actor=None, card="HACK")
    refused("field", actions.update_reader, reader=reader, actor=None, pin_hash="x")
    refused("name", actions.update_reader, reader=reader, actor=None, full_name="")


def test_set_status_accepts_only_card_states(network):
    reader = register(network)
    for status in ("suspended", "active", "pending"):
        assert actions.set_status(reader=reader, status=status, actor=None).status == status
    refused("status", actions.set_status, reader=reader, status="erased", actor=None)
    refused("status", actions.set_status, reader=reader, status="vip", actor=None)
    actions.erase_reader(reader=reader, actor=None)
    refused("erased", actions.set_status, reader=reader, status="active", actor=None)


def test_renew_card_from_expiry_or_today(network):
    today = timezone.localdate()
    reader = register(network, expires_on=today + dt.timedelta(days=10))
    assert actions.renew_card(reader=reader, actor=None).expires_on == actions._add_months(
        today + dt.timedelta(days=10), 24
    )
    lapsed = register(network, card="TST-1002", expires_on=dt.date(2020, 1, 31))
    assert actions.renew_card(reader=lapsed, actor=None).expires_on == actions._add_months(today, 24)
    assert AuditEntry.objects.filter(type="patrons.reader.card_renewed").count() == 2


def test_add_months_keeps_the_end_of_the_month():
    assert actions._add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert actions._add_months(dt.date(2027, 11, 30), 3) == dt.date(2028, 2, 29)
    assert actions._add_months(dt.date(2026, 5, 15), 12) == dt.date(2027, 5, 15)


def test_staff_see_the_readers_of_their_subtree_only(network, provincial_librarian, other_library_staff):
    from thuvien.accounts.models import StaffRole, User

    at_province = register(network)
    at_commune = register(network, card="TST-1002", home_library=network["commune"])
    commune_staff = User.objects.create_user("xa-luu-thong", password="mat-khau-thu-nghiem-1")  # noqa: S106
    StaffRole.objects.create(user=commune_staff, library=network["commune"], role="circulation")
    assert set(readers_for_staff(provincial_librarian)) == {at_province, at_commune}
    assert list(readers_for_staff(commune_staff)) == [at_commune]
    assert list(readers_for_staff(other_library_staff)) == []
    assert list(find_readers(other_library_staff, "TST-1001")) == []


def test_the_consent_to_terms_is_recorded_only_when_given(network):
    reader = register(network, terms=False)
    assert not reader.consents.filter(kind=Consent.Kind.TERMS).exists()
