"""searchRetrieve in SRU 1.2 and 2.0: hits, paging, schemas, packing, sorting and its diagnostics."""

from __future__ import annotations

import pytest
from lxml import etree

from thuvien.search import structured as sq

from .conftest import DC, MARC, SRU2, ZS, count, diagnostics, titles

pytestmark = pytest.mark.django_db

V12 = {"version": "1.2", "operation": "searchRetrieve"}


@pytest.mark.parametrize("version", [V12, {"version": "1.1", "operation": "searchRetrieve"}, {}])
def test_a_query_typed_without_diacritics_finds_vietnamese_records(sru, catalogue, version):
    root = sru(**version, query='dc.title = "truyen kieu"')
    assert count(root) == 1 and titles(root) == ["Truyện Kiều"]
    assert set(titles(sru(**version, query="dc.title = hoa and dc.title = binh"))) == {
        "Hoà Bình quê tôi",
        "Đường về Hòa Bình",
        "Hoa binh and war",
    }
    assert titles(sru(**version, query='dc.creator = "Nguyễn Du"')) == ["Truyện Kiều"]
    if version:
        assert root.findtext(f"{ZS}version") == version["version"]
    else:
        assert root.tag == f"{SRU2}searchRetrieveResponse"


def test_the_shapes_of_both_versions(sru, catalogue):
    one = sru(**V12, query='dc.title = "truyen kieu"')
    record = one.find(f"{ZS}records/{ZS}record")
    assert record.findtext(f"{ZS}recordSchema") == "info:srw/schema/1/marcxml-v1.1"
    assert record.findtext(f"{ZS}recordPacking") == "xml"
    assert record.findtext(f"{ZS}recordPosition") == "1"
    echo = one.find(f"{ZS}echoedSearchRetrieveRequest")
    assert echo.findtext(f"{ZS}query") == 'dc.title = "truyen kieu"'
    xcql = "{http://www.loc.gov/zing/cql/xcql/}"
    assert echo.find(f"{ZS}xQuery/{xcql}searchClause").findtext(f"{xcql}term") == "truyen kieu"

    two = sru(query='dc.title = "truyen kieu"')
    record = two.find(f"{SRU2}records/{SRU2}record")
    assert record.findtext(f"{SRU2}recordXMLEscaping") == "xml"
    assert two.findtext(f"{SRU2}resultCountPrecision") == "info:srw/vocabulary/resultCountPrecision/1/exact"
    # The record carries the library's copy as an 852.
    marc = record.find(f"{SRU2}recordData/{MARC}record")
    holdings = [f for f in marc.iter(f"{MARC}datafield") if f.get("tag") == "852"]
    assert [s.text for s in holdings[0] if s.get("code") == "p"] == ["B001"]


def test_paging_with_start_and_maximum_records(sru, catalogue):
    everything = sru(query="cql.allRecords = 1", maximumRecords="100", sortKeys="", **{"x-unused": "1"})
    assert count(everything) == 7
    first = sru(query="cql.allRecords = 1 sortBy dc.date", maximumRecords="3")
    assert titles(first) == ["Số đỏ", "Hoa binh and war", "Truyện Kiều"]
    assert first.findtext(f"{SRU2}nextRecordPosition") == "4"
    last = sru(query="cql.allRecords = 1 sortBy dc.date", startRecord="6", maximumRecords="3")
    assert titles(last) == ["Đà Nẵng xưa và nay", "Lập trình Python"] or titles(last) == [
        "Lập trình Python",
        "Đà Nẵng xưa và nay",
    ]
    assert last.find(f"{SRU2}nextRecordPosition") is None
    positions = [r.findtext(f"{SRU2}recordPosition") for r in last.iter(f"{SRU2}record")]
    assert positions == ["6", "7"]
    # maximumRecords=0 counts only.
    none = sru(**V12, query="cql.allRecords = 1", maximumRecords="0")
    assert count(none) == 7 and none.find(f"{ZS}records") is None


def test_maximum_records_is_capped_and_defaulted(sru, catalogue, settings):
    settings.SRU_MAX_RECORDS = 2
    capped = sru(query="cql.allRecords = 1", maximumRecords="50")
    assert len(titles(capped)) == 2 and diagnostics(capped) == []
    assert capped.findtext(f"{SRU2}nextRecordPosition") == "3"
    settings.SRU_MAX_RECORDS = 100
    settings.SRU_DEFAULT_RECORDS = 4
    assert len(titles(sru(query="cql.allRecords = 1"))) == 4


def test_start_record_past_the_end_keeps_the_count(sru, catalogue):
    for version in (V12, {}):
        root = sru(**version, query="dc.title = hoa", startRecord="4")
        assert diagnostics(root) == [61] and count(root) == 3 and titles(root) == []
    # Nothing found and nothing asked past it: no diagnostic.
    assert diagnostics(sru(query="dc.title = zzzz")) == []
    assert diagnostics(sru(query="dc.title = zzzz", startRecord="2")) == [61]
    # An absurd start is answered from the count, without a search that would collect that many.
    assert diagnostics(sru(query="dc.title = hoa", startRecord="999999999999999999")) == [61]


def test_sorting(sru, catalogue):
    by_title = titles(sru(query="cql.allRecords = 1 sortBy dc.title", maximumRecords="3"))
    assert by_title[0] == "Đà Nẵng xưa và nay" or by_title == sorted(by_title)
    newest = titles(sru(query="cql.allRecords = 1 sortBy dc.date/sort.descending", maximumRecords="1"))
    assert newest[0] in ("Đà Nẵng xưa và nay", "Lập trình Python")
    oldest = sru(**V12, query="cql.allRecords = 1", sortKeys="dc.date,,1", maximumRecords="1")
    assert titles(oldest) == ["Số đỏ"]
    newest = sru(**V12, query="cql.allRecords = 1", sortKeys="date,,0", maximumRecords="7")
    assert titles(newest)[-1] == "Số đỏ"
    for keys, number in [("dc.subject", 88), ("dc.title dc.date", 84), ("dc.title,mods", 87),
                         ("dc.title,,2", 90), ("dc.title,,1,1", 91), ("dc.title,,1,0,abort", 92)]:  # fmt: skip
        assert diagnostics(sru(**V12, query="kieu", sortKeys=keys)) == [number], keys


def test_dublin_core_and_schema_names(sru, catalogue):
    for name in ("dc", "info:srw/schema/1/dc-v1.1", "DC"):
        root = sru(query='dc.title = "truyen kieu"', recordSchema=name)
        record = root.find(f"{SRU2}records/{SRU2}record")
        assert record.findtext(f"{SRU2}recordSchema") == "info:srw/schema/1/dc-v1.1"
        dc = record.find(f"{SRU2}recordData/{{info:srw/schema/1/dc-schema}}dc")
        assert dc.findtext(f"{DC}title") == "Truyện Kiều" and dc.findtext(f"{DC}creator") == "Nguyễn Du"
    for name in (
        "marcxml",
        "MARC21",
        "marc21",
        "info:srw/schema/1/marcxml-v1.1",
        "info:srw/schema/1/marcxml-v1.1-light",
    ):
        assert titles(sru(**V12, query='dc.title = "truyen kieu"', recordSchema=name)) == ["Truyện Kiều"]
    for version in (V12, {}):
        root = sru(**version, query="kieu", recordSchema="mods")
        assert diagnostics(root) == [66] and count(root) == 0


def test_records_as_escaped_strings(sru, catalogue):
    one = sru(**V12, query='dc.title = "truyen kieu"', recordPacking="string")
    record = one.find(f"{ZS}records/{ZS}record")
    assert record.findtext(f"{ZS}recordPacking") == "string"
    inner = etree.fromstring(record.findtext(f"{ZS}recordData").encode())
    assert inner.tag == f"{MARC}record"
    two = sru(query='dc.title = "truyen kieu"', recordXMLEscaping="string", recordPacking="unpacked")
    record = two.find(f"{SRU2}records/{SRU2}record")
    assert record.findtext(f"{SRU2}recordXMLEscaping") == "string"
    assert record.findtext(f"{SRU2}recordPacking") == "unpacked"
    assert etree.fromstring(record.findtext(f"{SRU2}recordData").encode()).tag == f"{MARC}record"
    # A 1.2-style recordPacking in a 2.0 request is read as 2.0's recordXMLEscaping.
    old = sru(query='dc.title = "truyen kieu"', recordPacking="string")
    assert old.find(f"{SRU2}records/{SRU2}record").findtext(f"{SRU2}recordXMLEscaping") == "string"
    assert diagnostics(sru(**V12, query="kieu", recordPacking="packed")) == [71]
    assert diagnostics(sru(query="kieu", recordXMLEscaping="json")) == [71]
    assert diagnostics(sru(query="kieu", recordPacking="zip")) == [71]


DIAGNOSTICS = [
        ({"query": "dc.title = (kieu"}, 10),
        ({"query": '"kieu'}, 14),
        ({"query": "dc.nowhere = kieu"}, 16),
        ({"query": "dc.title < kieu"}, 19),
        ({"query": "dc.date = nineteen"}, 36),
        ({"query": "dc.title = *k"}, 29),
        ({"query": "bath.isbn = 97*"}, 28),
        ({"query": "a prox b"}, 37),
        ({"query": "kieu", "startRecord": "0"}, 6),
        ({"query": "kieu", "startRecord": "abc"}, 6),
        ({"query": "kieu", "maximumRecords": "-1"}, 62),
        ({"query": "kieu", "maximumRecords": "1e3"}, 6),
        ({"query": "kieu", "resultSetTTL": "x"}, 6),
        ({"query": "kieu", "recordXPath": "/record"}, 72),
        ({"query": "kieu", "stylesheet": 'x"><script>'}, 111),
        ({"query": ""}, 7),
        ({"startRecord": "1"}, 7),
]  # fmt: skip


def test_diagnostics_of_both_versions(sru, db):
    for params, number in DIAGNOSTICS:
        for version in (V12, {"operation": "searchRetrieve"}):
            root = sru(**version, **params)
            assert diagnostics(root) == [number], (version, params)
            assert count(root) == 0


def test_query_type_and_http_accept_of_sru_2(sru, catalogue, client, validate):
    assert diagnostics(sru(query="kieu", queryType="cql")) == []
    assert diagnostics(sru(query="kieu", queryType="searchTerms")) == [11]
    response = client.get("/sru", {"query": "kieu", "httpAccept": "application/sru+xml"})
    assert response["Content-Type"] == "application/sru+xml; charset=utf-8"
    assert diagnostics(validate(response.content)) == []
    assert diagnostics(sru(query="kieu", httpAccept="application/json")) == [6]


def test_counts_are_the_opacs(sru, catalogue):
    from thuvien.search.service import SearchRequest, search

    for cql_query, node in [
        ('dc.title = "hoa binh"', sq.Term("title", "hoa binh")),
        ("cql.anywhere = hoa", sq.Term("any", "hoa")),
        ("dc.title = truy*", sq.Term("title", "truy", truncation="right")),
        ("dc.title all/ignoreCase 'binh hoa'".replace("'", '"'), sq.Term("title", "binh hoa", "all")),
    ]:
        opac = search(SearchRequest(q=sq.opac_query(node), facets=False)).total
        assert count(sru(query=cql_query)) == opac, cql_query


def test_a_stylesheet_is_referenced(client, catalogue):
    body = client.get("/sru", {"query": "kieu", "stylesheet": "/static/sru.xsl"}).content.decode()
    assert '<?xml-stylesheet type="text/xsl" href="/static/sru.xsl"?>' in body


def test_post_form_is_the_same_as_get(client, validate, catalogue):
    response = client.post(
        "/sru",
        "version=1.2&operation=searchRetrieve&query=dc.title%3D%22truy%E1%BB%87n%20ki%E1%BB%81u%22",
        content_type="application/x-www-form-urlencoded",
    )
    assert titles(validate(response.content)) == ["Truyện Kiều"]
