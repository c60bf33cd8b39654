"""encode_iso2709_json writes the bytes encode_iso2709 writes, straight from MARC-in-JSON."""

import itertools

import pymarc

from thuvien.interop.marc import ParsedRecord, read_marc
from thuvien.interop.marc.json_form import record_from_dict, record_to_dict
from thuvien.interop.marc.writer import encode_iso2709, encode_iso2709_json

HOLDING = {"ind1": " ", "ind2": " ", "subfields": [{"a": "VN-TST"}, {"p": "B001"}]}


def _via_pymarc(marc: dict, extra=()) -> bytes:
    record = record_from_dict(marc)
    for tag, body in extra:
        subfields = [pymarc.Subfield(k, v) for sf in body["subfields"] for k, v in sf.items()]
        record.add_ordered_field(pymarc.Field(tag=tag, indicators=[" ", " "], subfields=subfields))
    return encode_iso2709(record, "utf8")


def test_same_bytes_as_through_pymarc_for_the_real_records(corpus):
    parsed = (
        e.record for e in read_marc(corpus / "_derived/real_bib_5349_utf8.mrc") if isinstance(e, ParsedRecord)
    )
    for record in itertools.islice(parsed, 1500):
        marc = record_to_dict(record)
        assert encode_iso2709_json(marc) == _via_pymarc(marc)
        assert encode_iso2709_json(marc, [("852", HOLDING)]) == _via_pymarc(marc, [("852", HOLDING)])


def test_vietnamese_text_delimiters_and_odd_fields():
    marc = {
        "leader": "00000nam a2200000 a 4500",
        "fields": [
            {"001": "vn-1"},
            {
                "245": {
                    "ind1": "1",
                    "ind2": "0",
                    "subfields": [{"a": "Truye\u0323\u0302n Kie\u0302\u0300u\x1e"}],
                }
            },
            {"9999": {"ind1": " ", "ind2": " ", "subfields": [{"a": "not MARC"}]}},
            {"900": {"ind1": "xx", "ind2": None, "subfields": []}},
        ],
    }
    raw = encode_iso2709_json(marc, [("852", HOLDING)])
    record = pymarc.Record(data=raw, to_unicode=True, force_utf8=True)
    assert record["245"]["a"] == "Truyện Kiều"
    assert [f.tag for f in record.fields] == ["001", "245", "852", "900"]
    assert raw[9:10] == b"a" and int(raw[:5]) == len(raw)
