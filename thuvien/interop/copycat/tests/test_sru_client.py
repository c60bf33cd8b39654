"""The SRU client: responses of each version read (packed as XML or as a string), diagnostics, and a live Zebra."""

from __future__ import annotations

import pytest

from thuvien.interop.copycat.sru_client import SRUError, parse_response, request_url, search_retrieve
from thuvien.interop.marc import ParsedRecord, read_marc

SRW = "http://www.loc.gov/zing/srw/"
SRU2 = "http://docs.oasis-open.org/ns/search-ws/sruResponse"
MARC = (
    '<record xmlns="http://www.loc.gov/MARC21/slim"><leader>00000nam a2200000 a 4500</leader>'
    '<controlfield tag="001">VN1</controlfield><datafield tag="245" ind1="1" ind2="0">'
    '<subfield code="a">Truyện Kiều</subfield></datafield></record>'
)


def response(records: str, *, ns: str = SRW, count: int = 1, extra: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><zs:searchRetrieveResponse xmlns:zs="{ns}"><zs:version>1.2</zs:version>'
        f"<zs:numberOfRecords>{count}</zs:numberOfRecords><zs:records>{records}</zs:records>{extra}"
        "</zs:searchRetrieveResponse>"
    ).encode()


def record(
    data: str, *, packing: str = "xml", schema: str = "marcxml", position: int = 1, tag="recordPacking"
):
    return (
        f"<zs:record><zs:recordSchema>{schema}</zs:recordSchema><zs:{tag}>{packing}</zs:{tag}>"
        f"<zs:recordData>{data}</zs:recordData><zs:recordPosition>{position}</zs:recordPosition></zs:record>"
    )


def title(raw: bytes) -> str:
    entry = next(iter(read_marc(raw)))
    assert isinstance(entry, ParsedRecord)
    return entry.record["245"]["a"]


def test_request_url_per_version():
    one = request_url("https://x.vn/sru", 'dc.title="Kiều"', version="1.2", schema="marcxml", maximum=5)
    assert one == (
        "https://x.vn/sru?operation=searchRetrieve&version=1.2&query=dc.title%3D%22Ki%E1%BB%81u%22&startRecord=1"
        "&maximumRecords=5&recordSchema=marcxml&recordPacking=xml"
    )
    two = request_url("https://x.vn/sru?x-db=a", "x", version="2.0", maximum=500)
    assert two.startswith("https://x.vn/sru?x-db=a&version=2.0&query=x") and "operation" not in two
    assert "maximumRecords=100" in two and "recordXMLEscaping=xml" in two
    with pytest.raises(ValueError):
        request_url("https://x.vn/sru", "x", version="3.0")


def test_records_packed_as_xml_and_as_string_and_sru2():
    escaped = MARC.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    body = response(record(MARC) + record(escaped, packing="string", position=2), count=7)
    found = parse_response(body)
    assert found.number_of_records == 7 and len(found.records) == 2
    assert [title(r) for r in found.records] == ["Truyện Kiều", "Truyện Kiều"]
    two = parse_response(response(record(MARC, tag="recordXMLEscaping"), ns=SRU2))
    assert two.number_of_records == 1 and title(two.records[0]) == "Truyện Kiều"


def test_surrogate_diagnostics_are_listed_apart():
    surrogate = record(
        '<diagnostic xmlns="http://www.loc.gov/zing/srw/diagnostic/"><uri>info:srw/diagnostic/1/66</uri>'
        "<details>marcxml</details><message>Unknown schema for retrieval</message></diagnostic>",
        schema="info:srw/schema/1/diagnostics-v1.1",
    )
    found = parse_response(response(surrogate + record(MARC, position=2), count=2))
    assert len(found.records) == 1
    assert [(d.code, d.position) for d in found.record_diagnostics] == [("66", 1)]
    assert "Unknown schema" in str(found.record_diagnostics[0])


def test_a_response_of_diagnostics_only_is_an_error():
    body = (
        f'<zs:searchRetrieveResponse xmlns:zs="{SRW}"><zs:version>1.2</zs:version><zs:diagnostics>'
        '<diag:diagnostic xmlns:diag="http://www.loc.gov/zing/srw/diagnostic/"><diag:uri>info:srw/diagnostic/1/16'
        "</diag:uri><diag:details>bath.isbn</diag:details><diag:message>Unsupported index</diag:message>"
        "</diag:diagnostic></zs:diagnostics></zs:searchRetrieveResponse>"
    ).encode()
    with pytest.raises(SRUError) as caught:
        parse_response(body)
    assert "Unsupported index" in caught.value.message and caught.value.diagnostics[0].code == "16"


@pytest.mark.parametrize(
    "body",
    [b"", b"<html><body>Not found</body></html>", b"<unclosed", "không phải XML".encode()],
)
def test_not_an_sru_response(body):
    with pytest.raises(SRUError):
        parse_response(body)


def test_entities_are_not_expanded():
    evil = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        + response(record(MARC.replace("Truyện Kiều", "&x;")))[38:]
    )
    found = parse_response(evil)
    assert b"root:" not in b"".join(found.records)


def test_live_zebra_in_each_version(zebra_port):
    base = f"http://127.0.0.1:{zebra_port}/Default"
    for version in ("1.1", "1.2", "2.0"):
        found = search_retrieve(
            base, 'dc.title="Truyện" and dc.title="Kiều"', version=version, schema="F", allow_private=True
        )
        assert found.number_of_records == 1, version
        assert title(found.records[0]).startswith("Truyện Kiều"), version


def test_live_zebra_refuses_what_it_lacks(zebra_port):
    base = f"http://127.0.0.1:{zebra_port}/Default"
    found = search_retrieve(base, 'dc.title="Kiều"', schema="khong-co", allow_private=True)
    assert found.number_of_records == 1 and not found.records and found.record_diagnostics
    with pytest.raises(SRUError, match="loopback"):
        search_retrieve(base, 'dc.title="Kiều"', schema="F")  # private addresses need the permission
