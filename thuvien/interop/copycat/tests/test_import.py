"""Importing a copied record: through the catalogue's import, without the other library's copies, audited, once."""

from __future__ import annotations

import pymarc
import pytest

from thuvien.audit.models import AuditEntry
from thuvien.catalog.actions import import_marc
from thuvien.catalog.models import Item, Record
from thuvien.interop.copycat.actions import import_copy

pytestmark = pytest.mark.django_db


def first(path) -> bytes:
    return path.read_bytes().split(b"\x1d")[0] + b"\x1d"


def test_a_copied_record_is_new_without_copies_and_audited(corpus, network, commune_librarian):
    raw = first(corpus / "marc/synthetic-vietnamese/vi_synthetic_utf8_nfc.mrc")
    assert b"852" in raw[24 : int(raw[12:17])]  # it comes with the other library's holdings
    outcome = import_copy(raw, target_code="zebra", library=network["commune"], actor=commune_librarian)
    assert outcome.status == "imported" and outcome.removed_holdings == ["852"]
    record = Record.objects.get(pk=outcome.record_id)
    assert outcome.target_record_id == record.pk and record.source_library == network["commune"]
    assert record.title.startswith("Truyện Kiều") and not Item.objects.exists()
    assert '"852"' not in record.marc
    entry = AuditEntry.objects.get(type="catalog.copycat.imported")
    assert entry.actor == commune_librarian and entry.library == network["commune"]
    assert entry.data["target"] == "zebra" and entry.data["control_number"] == "VNSYN0001"
    assert entry.data["status"] == "imported" and entry.data["record_id"] == record.pk
    assert AuditEntry.objects.filter(type="catalog.import.completed", data__file="copycat:zebra").exists()

    again = import_copy(raw, target_code="zebra", library=network["commune"], actor=commune_librarian)
    assert again.status == "updated" and again.record_id == record.pk
    assert Record.objects.filter(deleted_at__isnull=True).count() == 1


def test_marc8_diacritics_come_out_right(corpus, network):
    raw = first(corpus / "marc/synthetic-vietnamese/vi_synthetic_marc8.mrc")
    assert raw[9:10] == b" "  # leader/09 blank: MARC-8
    outcome = import_copy(raw, target_code="zebra8", library=network["commune"], encoding="auto")
    record = Record.objects.get(pk=outcome.record_id)
    assert record.title == "Truyện Kiều" and record.author == "Nguyễn Du"
    assert record.publisher.startswith("Nhà xuất bản Văn học")
    assert "Thơ lục bát" in str(record.marc)


def test_a_work_already_in_the_union_catalogue_is_not_duplicated(corpus, network):
    # The province holds the book already (its own record, from another source).
    import_marc(corpus / "marc/synthetic-vietnamese/vi_synthetic_utf8_nfc.mrc", library=network["prov"])
    union = Record.objects.get(control_number="VNSYN0001")
    raw = first(corpus / "marc/synthetic-vietnamese/vi_synthetic_marc8.mrc")
    outcome = import_copy(raw, target_code="zebra8", library=network["commune"])
    # The same work (MARC-8 this time): attached to the province's record, which gets the copies.
    assert outcome.status == "attached" and outcome.target_record_id == union.pk
    assert Record.objects.filter(deleted_at__isnull=True, control_number="VNSYN0001").count() == 1
    again = import_copy(raw, target_code="zebra8", library=network["commune"])
    assert again.status == "updated" and again.target_record_id == union.pk
    assert Record.objects.filter(control_number="VNSYN0001").count() == 2  # the union one and the hidden copy


def test_an_unreadable_record_is_refused_with_the_reason(network):
    outcome = import_copy(b"00026nam  22000251  4500\x1e\x1d", target_code="x", library=network["commune"])
    assert outcome.status == "rejected" and outcome.message and not outcome.ok
    assert (
        not Record.objects.exists()
        and not AuditEntry.objects.filter(type="catalog.copycat.imported").exists()
    )


def test_a_possible_duplicate_waits_for_review(network):
    from thuvien.interop.oaipmh.tests.conftest import make_marc

    province = make_marc("Truyện Kiều", author="Nguyễn Du", year="2015", extra=[("264", [("b", "Văn học")])])
    province.add_field(pymarc.Field(tag="001", data="TINH-1"))
    import_marc(province.as_marc(), library=network["prov"])
    volume = make_marc("Truyện Kiều", author="Nguyễn Du", year="2015", extra=[("264", [("b", "Văn học")])])
    volume["245"].add_subfield("n", "Tập 1")
    volume.add_field(pymarc.Field(tag="001", data="KHAC-9"))
    outcome = import_copy(volume.as_marc(), target_code="khac", library=network["commune"])
    assert outcome.status == "review", outcome
    assert outcome.duplicate_of == Record.objects.get(control_number="TINH-1").pk
    assert outcome.target_record_id == outcome.record_id  # a record of its own until a cataloguer decides
