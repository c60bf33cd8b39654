"""Only what the OPAC shows anyone: hidden, deleted and merged records are never in hits, counts or scan."""

from __future__ import annotations

import pytest

from thuvien.catalog.actions import set_suppressed
from thuvien.search import index
from thuvien.search.indexer import apply_outbox

from .conftest import SCAN2, count, diagnostics, titles

pytestmark = pytest.mark.django_db


def test_hidden_deleted_and_merged_records_are_never_found(sru, client, catalogue):
    for query in ("bimat", 'dc.title = "bi mat"', 'dc.creator = "an danh"', "bath.isbn = 9786042000001"):
        root = sru(query=query)
        assert count(root) == 0 and diagnostics(root) == [], query
    # The merged duplicate's survivor is found once, by the duplicate's ISBN too.
    assert titles(sru(query='dc.title = "so do"')) == ["Số đỏ"]
    everything = client.get("/sru", {"query": "cql.allRecords = 1", "maximumRecords": "100"}).content
    assert count(sru(query="cql.allRecords = 1")) == 7
    assert b"BIMAT" not in everything
    local = sru(query=f"rec.identifier = {catalogue['Bí mật ẩn BIMAT'].pk}")
    assert count(local) == 0


def test_hidden_records_are_not_counted_in_scan(sru, catalogue):
    root = sru(scanClause="dc.title = bimat", maximumTerms="5")
    values = {
        t.findtext(f"{SCAN2}value"): int(t.findtext(f"{SCAN2}numberOfRecords"))
        for t in root.iter(f"{SCAN2}term")
    }
    assert "bimat" not in values and "xoa" not in values
    assert values.get("binh") == 3


def test_a_record_hidden_after_it_was_found_disappears(sru, catalogue):
    kieu = catalogue["Truyện Kiều"]
    assert count(sru(query="kieu")) == 1
    set_suppressed(kieu, True)
    apply_outbox()
    index.refresh()
    assert count(sru(query="kieu")) == 0
    scan = sru(scanClause="dc.title = kieu", maximumTerms="1")
    assert [t.findtext(f"{SCAN2}value") for t in scan.iter(f"{SCAN2}term")] != ["kieu"]
