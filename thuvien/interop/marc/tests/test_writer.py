import io
from pathlib import Path

import pymarc
import pytest
from lxml import etree

from thuvien.interop.marc import (
    RecordTooLong,
    WriteReport,
    encode_iso2709,
    read_marc,
    record_to_xml_element,
    write_iso2709,
    write_marcxml,
)

from .conftest import CORPUS, corpus_path, record_key

XSD = CORPUS.parent / "specs" / "marc" / "MARC21slim.xsd"


@pytest.fixture(scope="module")
def schema():
    if not XSD.exists():
        pytest.skip("MARC21slim.xsd not available")
    return etree.XMLSchema(etree.parse(str(XSD)))


@pytest.fixture(scope="module")
def derived(derived_records):
    return derived_records


def synthetic(name="vi_synthetic_utf8_nfc.mrc"):
    return [i.record for i in read_marc(corpus_path("synthetic-vietnamese/" + name))]


def make(fields, leader="00000nam a2200000 a 4500") -> pymarc.Record:
    rec = pymarc.Record()
    rec.leader = pymarc.Leader(leader)
    rec.fields = fields
    return rec


def roundtrip(records, writer) -> list:
    out = io.BytesIO()
    assert writer(records, out) == len(records)
    items = list(read_marc(out.getvalue()))
    assert all(i.ok for i in items), [i.reason for i in items if not i.ok][:3]
    assert not [c for i in items for c in i.changes]
    return [i.record for i in items]


WRITERS = {
    "iso2709-utf8": lambda recs, out: write_iso2709(recs, out, "utf8"),
    "iso2709-marc8": lambda recs, out: write_iso2709(recs, out, "marc8"),
    "marcxml": write_marcxml,
}


@pytest.mark.parametrize("kind", WRITERS)
def test_derived_set_round_trips_without_changing_a_character(derived, kind):
    assert len(derived) == 5349
    back = roundtrip(derived, WRITERS[kind])
    assert [record_key(r) for r in back] == [record_key(r) for r in derived]


@pytest.mark.parametrize("kind", WRITERS)
@pytest.mark.parametrize(
    "source", ["vi_synthetic_utf8_nfc.mrc", "vi_synthetic_utf8_nfd.mrc", "vi_synthetic_marc8.mrc"]
)
def test_synthetic_vietnamese_round_trips(kind, source):
    records = synthetic(source)
    back = roundtrip(records, WRITERS[kind])
    assert [record_key(r) for r in back] == [record_key(r) for r in synthetic()]


def test_marc8_writer_reproduces_the_reference_file_byte_for_byte():
    out = io.BytesIO()
    write_iso2709(synthetic(), out, "marc8")
    assert out.getvalue() == corpus_path("synthetic-vietnamese/vi_synthetic_marc8.mrc").read_bytes()


def test_utf8_writer_reproduces_the_nfc_file():
    out = io.BytesIO()
    write_iso2709(synthetic("vi_synthetic_utf8_nfd.mrc"), out, "utf8")
    assert out.getvalue() == corpus_path("synthetic-vietnamese/vi_synthetic_utf8_nfc.mrc").read_bytes()


def test_leader_positions_written():
    rec = make([pymarc.Field("245", ["1", "0"], [pymarc.Subfield("a", "Thơ")])], "99999cam  2299999 i 4500")
    utf8 = encode_iso2709(rec, "utf8")
    marc8 = encode_iso2709(rec, "marc8")
    assert utf8[:24].decode() == f"{len(utf8):05d}cam a22{24 + 12 + 1:05d} i 4500"
    assert marc8[9:10] == b" " and marc8.endswith(b"Th\xbc\x1e\x1d")


def test_too_long_records_raise_or_are_skipped():
    big = make([pymarc.Field("500", [" ", " "], [pymarc.Subfield("a", "x" * 9000)]) for _ in range(12)])
    huge_field = make([pymarc.Field("505", [" ", " "], [pymarc.Subfield("a", "y" * 10000)])])
    with pytest.raises(RecordTooLong, match="99,999"):
        encode_iso2709(big)
    with pytest.raises(RecordTooLong, match="9,999"):
        encode_iso2709(huge_field)
    ok = make([pymarc.Field("245", ["0", "0"], [pymarc.Subfield("a", "fine")])])
    report = WriteReport()
    out = io.BytesIO()
    assert write_iso2709([ok, big, ok], out, on_error="skip", report=report) == 2
    assert [i for i, _ in report.skipped] == [1] and report.written == 2
    with pytest.raises(RecordTooLong):
        write_iso2709([ok, big], io.BytesIO())
    # MARCXML has no such limit.
    assert len(list(read_marc(_xml([big])))) == 1


def _xml(records, **kw) -> bytes:
    out = io.BytesIO()
    write_marcxml(records, out, **kw)
    return out.getvalue()


def test_marcxml_validates_against_the_schema(schema, derived):
    # 83 of the real records carry values the schema does not allow ('#' or '-' as indicators,
    # '^' in the leader, a control field after data fields): written faithfully they are well-formed but not schema-valid.
    report = WriteReport()
    data = _xml(derived + synthetic(), schema_safe=True, report=report)
    doc = etree.fromstring(data)
    assert schema.validate(doc), schema.error_log.last_error
    assert doc.tag == "{http://www.loc.gov/MARC21/slim}collection" and len(doc) == 5361
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert data.count(b"xmlns=") == 1
    assert report.schema_fixes == 250

    # Faithful output of every record whose data the schema allows is valid as it stands.
    clean = [r for r in derived if not _schema_fixes(r)]
    assert len(clean) == 5349 - 83
    assert schema.validate(etree.fromstring(_xml(clean)))


def _schema_fixes(record) -> int:
    report = WriteReport()
    record_to_xml_element(record, schema_safe=True, report=report)
    return report.schema_fixes


def test_marcxml_drops_characters_xml_cannot_hold(schema):
    rec = make(
        [
            pymarc.Field("001", data="id\x01"),
            pymarc.Field("245", ["1", "0"], [pymarc.Subfield("a", "bad\x1fbyte\x0b and \ufffe")]),
        ]
    )
    report = WriteReport()
    data = _xml([rec], report=report)
    assert report.dropped_chars == 4 and report.written == 1
    [item] = read_marc(data)
    assert item.record["245"]["a"] == "badbyte and " and item.record["001"].data == "id"
    assert schema.validate(etree.fromstring(data))


def test_schema_safe_output(schema):
    rec = make(
        [
            pymarc.Field("000", data="odd control tag"),
            pymarc.Field("245", ["A", ":"], [pymarc.Subfield("a", "x"), pymarc.Subfield(" ", "blank code")]),
            pymarc.Field("2!5", ["0", "0"], [pymarc.Subfield("a", "bad tag")]),
        ],
        leader="00000nz|  2200000 a 4500",
    )
    plain = _xml([rec])
    assert not schema.validate(etree.fromstring(plain))
    report = WriteReport()
    safe = _xml([rec], schema_safe=True, report=report)
    assert schema.validate(etree.fromstring(safe)), schema.error_log.last_error
    assert report.schema_fixes == 6


def test_record_to_xml_element_reusable():
    rec = synthetic()[0]
    el = record_to_xml_element(rec)
    assert el.tag == "{http://www.loc.gov/MARC21/slim}record"
    assert el.nsmap == {None: "http://www.loc.gov/MARC21/slim"}
    [item] = read_marc(etree.tostring(el))
    assert record_key(item.record) == record_key(rec)


def test_iso2709_utf8_drops_delimiters_inside_data():
    rec = make([pymarc.Field("245", ["1", "0"], [pymarc.Subfield("a", "a\x1eb")])])
    report = WriteReport()
    out = io.BytesIO()
    write_iso2709([rec], out, report=report)
    assert report.dropped_chars == 1
    [item] = read_marc(out.getvalue())
    assert item.record["245"]["a"] == "ab"


def test_marc8_keeps_delimiters_inside_data_as_references():
    rec = make([pymarc.Field("245", ["1", "0"], [pymarc.Subfield("a", "a\x1eb")])])
    [item] = read_marc(encode_iso2709(rec, "marc8"))
    assert item.record["245"]["a"] == "a\x1eb"


def test_written_files_validate_when_stored(tmp_path: Path, schema):
    path = tmp_path / "out.xml"
    with path.open("wb") as fh:
        write_marcxml(synthetic(), fh)
    assert schema.validate(etree.parse(str(path)))
