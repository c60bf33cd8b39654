"""explain (a ZeeRex record valid against OASIS's explain.xsd) and scan (index terms with record counts)."""

from __future__ import annotations

import pytest
from lxml import etree

from .conftest import SCAN2, SRU2, ZEEREX, ZS, diagnostics

pytestmark = pytest.mark.django_db


def _explain(root):
    ns = ZS if root.tag.startswith(ZS) else SRU2
    return root.find(f"{ns}record/{ns}recordData/{ZEEREX}explain")


@pytest.mark.parametrize("params", [{}, {"version": "1.2", "operation": "explain"}, {"version": "1.1"}])
def test_explain_lists_indexes_relations_and_schemas(sru, db, params, settings):
    settings.SRU_MAX_RECORDS = 77
    if params == {"version": "1.1"}:
        params = {"version": "1.1", "operation": "explain"}
    root = sru(**params)
    assert diagnostics(root) == []
    explain = _explain(root)
    info = explain.find(f"{ZEEREX}serverInfo")
    assert (info.findtext(f"{ZEEREX}host"), info.findtext(f"{ZEEREX}database")) == ("testserver", "sru")
    indexes = {i.get("id"): i for i in explain.iter(f"{ZEEREX}index")}
    assert {"any", "title", "author", "subject", "date", "isbn", "issn", "localno", "all"} <= set(indexes)
    title = indexes["title"]
    assert [t.text for t in title.findall(f"{ZEEREX}title")] == ["Nhan đề", "Title"]
    names = {(n.get("set"), n.text) for n in title.iter(f"{ZEEREX}name")}
    assert ("dc", "title") in names and ("bath", "title") in names
    author_names = {(n.get("set"), n.text) for n in indexes["author"].iter(f"{ZEEREX}name")}
    assert {("dc", "creator"), ("bath", "personalName")} <= author_names
    relations = {s.text for s in indexes["date"].iter(f"{ZEEREX}supports")}
    assert {"<", ">", "<=", ">="} <= relations
    schemas = {s.get("name"): s.get("identifier") for s in explain.iter(f"{ZEEREX}schema")}
    assert schemas == {"marcxml": "info:srw/schema/1/marcxml-v1.1", "dc": "info:srw/schema/1/dc-v1.1"}
    config = explain.find(f"{ZEEREX}configInfo")
    assert config.findtext(f"{ZEEREX}setting[@type='maximumRecords']") == "77"
    assert config.findtext(f"{ZEEREX}default[@type='numberOfRecords']") == "10"


def test_explain_as_an_escaped_string(sru, db):
    root = sru(version="1.2", operation="explain", recordPacking="string")
    data = root.findtext(f"{ZS}record/{ZS}recordData")
    assert etree.fromstring(data.encode()).tag == f"{ZEEREX}explain"


def test_scan_lists_terms_with_their_counts(sru, catalogue):
    root = sru(version="1.2", operation="scan", scanClause="dc.title = hoa", maximumTerms="3")
    terms = [
        (t.findtext(f"{ZS}value"), int(t.findtext(f"{ZS}numberOfRecords"))) for t in root.iter(f"{ZS}term")
    ]
    assert terms[0] == ("hoa", 3) and len(terms) == 3
    assert [v for v, _n in terms] == sorted(v for v, _n in terms)
    # SRU 2.0: scan is inferred from scanClause; the term falls where responsePosition says.
    two = sru(scanClause='dc.title = "hoa"', maximumTerms="3", responsePosition="2")
    values = [t.findtext(f"{SCAN2}value") for t in two.iter(f"{SCAN2}term")]
    assert values[1] == "hoa" and values[0] < "hoa"
    # responsePosition 0: the list starts just after the term.
    after = sru(scanClause="dc.title = hoa", maximumTerms="2", responsePosition="0")
    assert "hoa" not in [t.findtext(f"{SCAN2}value") for t in after.iter(f"{SCAN2}term")]
    # Diacritics fold as the index does.
    creator = sru(scanClause='dc.creator = "Nguyễn"', maximumTerms="1")
    assert [t.findtext(f"{SCAN2}value") for t in creator.iter(f"{SCAN2}term")] == ["nguyen"]
    # ISBNs are listed normalised, each with the records a search for it finds.
    isbns = sru(scanClause="bath.isbn = 978", maximumTerms="5")
    listed = {
        t.findtext(f"{SCAN2}value"): t.findtext(f"{SCAN2}numberOfRecords") for t in isbns.iter(f"{SCAN2}term")
    }
    assert listed.get("9786041234567") == "1"
    assert diagnostics(sru(scanClause="bath.issn = 0", maximumTerms="5")) == []


def test_scan_diagnostics(sru, db):
    for params, number in [
        ({"scanClause": "dc.date = 1990"}, 16),
        ({"scanClause": "dc.nowhere = a"}, 16),
        ({"scanClause": "dc.title = a*"}, 28),
        ({"scanClause": "a and b"}, 10),
        ({"scanClause": "dc.title = a", "maximumTerms": "0"}, 6),
        ({"scanClause": "dc.title = a", "maximumTerms": "5", "responsePosition": "7"}, 120),
        ({"scanClause": "dc.title = a", "responsePosition": "-1"}, 6),
        ({"operation": "scan"}, 7),
    ]:
        assert diagnostics(sru(**params)) == [number], params
        assert diagnostics(sru(**{"version": "1.2", "operation": "scan", **params})) == [number], params
