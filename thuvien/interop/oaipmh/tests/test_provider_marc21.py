"""marc21: the stored MARC as schema-valid MARCXML, plus an 852 per public copy that an importer reads back."""

from __future__ import annotations

import json

import pymarc
import pytest

from thuvien.catalog.models import Record
from thuvien.interop.marc import MARC_852
from thuvien.interop.marc.holdings import split_holdings
from thuvien.interop.marc.xmlreader import record_from_xml_element

from .conftest import MARC, OAI, oai_id

pytestmark = pytest.mark.django_db


def _marc_record(oai, record) -> pymarc.Record:
    root = oai(verb="GetRecord", identifier=oai_id(record), metadataPrefix="marc21")
    return record_from_xml_element(root.find(f".//{OAI}metadata/{MARC}record"))


def test_copies_come_back_as_852_an_importer_reads(oai, make_record, add_copy, network):
    record = make_record(
        "Truyện Kiều", author="Nguyễn Du", extra=[("856", [("u", "https://example.vn/kieu")])]
    )
    add_copy(record, network["commune"], call_number="895.922 NGU", location="Kho thiếu nhi")
    add_copy(record, network["prov"], call_number="", location="")
    add_copy(record, network["school"], status="checked_out")
    marc = _marc_record(oai, record)
    holdings, rest = split_holdings(marc, [MARC_852])
    got = sorted((h.home_library, h.barcode, h.call_number, h.location) for h in holdings)
    expected = sorted(
        (i.library.code, i.barcode, i.call_number or None, i.location or None) for i in record.items.all()
    )
    assert got == expected
    # The 852s sit in tag order, before the 856 of the record.
    tags = [f.tag for f in marc.fields]
    assert tags.index("852") < tags.index("856")
    assert rest["245"]["a"] == "Truyện Kiều"
    assert rest["100"]["a"] == "Nguyễn Du"


def test_the_stored_fields_are_written_as_stored(oai, make_record):
    record = make_record(
        "Lịch sử Việt Nam : từ nguồn gốc đến năm 1858 /",
        extra=[("650", [("a", "Lịch sử"), ("z", "Việt Nam")]), ("500", [("a", "Sách có 3 < 4 & 5 > 2.")])],
    )
    marc = _marc_record(oai, record)
    stored = json.loads(Record.objects.get(pk=record.pk).marc)
    assert marc.leader[:9] == stored["leader"][:9]
    assert marc["245"]["a"] == "Lịch sử Việt Nam : từ nguồn gốc đến năm 1858 /"
    assert marc["650"].get_subfields("a", "z") == ["Lịch sử", "Việt Nam"]
    assert marc["500"]["a"] == "Sách có 3 < 4 & 5 > 2."
    assert not marc.get_fields("852")


def test_values_the_schema_refuses_are_made_valid(oai, make_record):
    record = make_record("Bản ghi lạ")
    # Old catalogues hold '#' indicators, a '^' in the leader, control characters and a stray field.
    stored = json.loads(Record.objects.get(pk=record.pk).marc)
    stored["leader"] = "00000nam^^2200000^a^4500"
    stored["fields"].insert(
        0, {"650": {"ind1": "#", "ind2": "-", "subfields": [{"a": "Văn học\x0b dân gian"}, {"a": ""}]}}
    )
    stored["fields"].append({"FMT": "BK"})
    stored["fields"].append({"999": {"ind1": " ", "ind2": " ", "subfields": []}})
    Record.objects.filter(pk=record.pk).update(marc=json.dumps(stored, ensure_ascii=False))
    marc = _marc_record(oai, record)  # the oai fixture validates against MARC21slim.xsd
    assert marc["650"].indicators == pymarc.Indicators(" ", " ")
    assert marc["650"]["a"] == "Văn học dân gian"
    assert not marc.get_fields("999")


def test_unreadable_stored_marc_still_gives_a_valid_response(oai, make_record):
    record = make_record("Hỏng")
    Record.objects.filter(pk=record.pk).update(marc='{"leader": 5, "fields": [{"245": ["x"]}]}')
    for prefix in ("marc21", "oai_dc"):
        root = oai(verb="ListRecords", metadataPrefix=prefix)
        assert root.find(f".//{OAI}record/{OAI}metadata") is not None
