import json

import pymarc
import pytest

from thuvien.interop.marc import read_marc, record_from_json, record_to_json

from .conftest import corpus_path, record_key


@pytest.fixture(scope="module")
def derived(derived_records):
    return derived_records


def test_shape_is_pymarcs_marc_in_json_compact(derived):
    rec = derived[0]
    text = record_to_json(rec)
    assert text == json.dumps(rec.as_dict(), separators=(",", ":"), ensure_ascii=False)
    assert ", " not in text[:40] and text.startswith('{"leader":"')


def test_round_trip_every_derived_record(derived):
    for rec in derived:
        text = record_to_json(rec)
        back = record_from_json(text)
        assert record_key(back) == record_key(rec)
        assert str(back.leader) == str(rec.leader)
        assert record_to_json(back) == text


def test_pymarc_reads_our_json(derived):
    text = "[" + ",".join(record_to_json(r) for r in derived[:50]) + "]"
    back = list(pymarc.JSONReader(text))
    assert [r.as_marc() for r in back] == [r.as_marc() for r in derived[:50]]


def test_vietnamese_text_is_stored_as_itself():
    [item] = list(read_marc(corpus_path("synthetic-vietnamese/vi_synthetic_utf8_nfc.mrc")))[:1]
    text = record_to_json(item.record)
    assert "Truyện Kiều" in text and "\\u" not in text
    assert record_from_json(text.encode("utf-8")).as_marc() == item.record.as_marc()


@pytest.mark.parametrize(
    "bad",
    [
        "[]",
        '{"leader": "short", "fields": []}',
        '{"leader": "00000nam a2200000 a 4500", "fields": [{"245": "no object"}]}',
        '{"leader": "00000nam a2200000 a 4500", "fields": [{"001": {"a": 1}}]}',
        '{"leader": "00000nam a2200000 a 4500", "fields": [{"245": {"ind1": "10", "subfields": []}}]}',
        '{"leader": "00000nam a2200000 a 4500", "fields": [{"245": {"subfields": [{"ab": "x"}]}}]}',
    ],
)
def test_malformed_json_raises_value_error(bad):
    with pytest.raises(ValueError):
        record_from_json(bad)


def test_read_marc_reads_marc_in_json_files():
    items = list(read_marc(corpus_path("pymarc/test/batch.json")))
    assert len(items) == 2 and all(i.ok for i in items)
    xml = list(read_marc(corpus_path("pymarc/test/batch.xml")))
    assert [record_key(i.record) for i in items] == [record_key(i.record) for i in xml]


def test_read_marc_reports_broken_json():
    [item] = read_marc(
        corpus_path("mrrc-error-fixtures/tests/data/error_fixtures/e402_malformed_marcjson.json")
    )
    assert not item.ok and item.reason.startswith("JSON not valid at line 1 column 96")


def test_json_lines():
    rec = '{"leader":"00000nam a2200000 a 4500","fields":[{"245":{"ind1":"0","ind2":"0","subfields":[{"a":"x"}]}}]}'
    items = list(read_marc((rec + "\n" + rec + "\n").encode()))
    assert [i.ok for i in items] == [True, True]


def test_marc4j_json_flavour():
    doc = (
        '{"leader":"00000nam a2200000 a 4500","controlfield":[{"tag":"001","data":"m1"}],'
        '"datafield":[{"tag":"245","ind":"10","subfield":[{"code":"a","data":"Tha\\u0300nh"}]}]}'
    )
    [item] = read_marc(doc.encode())
    assert item.ok and item.record["001"].data == "m1"
    assert item.record["245"].indicators == ("1", "0") and item.record["245"]["a"] == "Thành"
