"""Resumption tokens: stateless keyset pages, signed, frozen at the first request, cheap to the last page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from thuvien.catalog.actions import touch_records
from thuvien.catalog.models import Record

from .conftest import OAI, error_codes, identifiers, oai_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def five(make_record, settings):
    settings.OAI_PAGE_SIZE = 2
    return [make_record(f"Tập {n}") for n in range(5)]


def _token(root, verb="ListIdentifiers"):
    return root.find(f"{OAI}{verb}/{OAI}resumptionToken")


def _harvest(oai, verb="ListIdentifiers", between=None, **params):
    """Harvest a whole list; return the identifiers per page and the roots."""
    pages, roots = [], []
    root = oai(verb=verb, metadataPrefix="oai_dc", **params)
    while True:
        roots.append(root)
        pages.append(identifiers(root))
        token = _token(root, verb)
        if token is None or not token.text:
            return pages, roots
        if between:
            between(len(pages))
        root = oai(verb=verb, resumptionToken=token.text)


def test_pages_cursor_and_complete_list_size(oai, five):
    pages, roots = _harvest(oai)
    assert [len(p) for p in pages] == [2, 2, 1]
    assert sorted(sum(pages, [])) == sorted(oai_id(r) for r in five)
    tokens = [_token(r) for r in roots]
    assert [t.get("cursor") for t in tokens] == ["0", "2", "4"]
    assert {t.get("completeListSize") for t in tokens} == {"5"}
    # The last response closes the list with an empty token; tokens never expire.
    assert not tokens[-1].text
    assert all(t.get("expirationDate") is None for t in tokens)


def test_a_list_in_one_page_has_no_token(oai, make_record):
    make_record()
    assert _token(oai(verb="ListIdentifiers", metadataPrefix="oai_dc")) is None


def test_list_records_pages_too(oai, five):
    pages, roots = _harvest(oai, verb="ListRecords")
    assert sorted(sum(pages, [])) == sorted(oai_id(r) for r in five)
    assert len(roots) == 3


def _first_token(oai):
    return _token(oai(verb="ListIdentifiers", metadataPrefix="oai_dc")).text


def test_altered_tokens_are_refused(oai, five):
    token = _first_token(oai)
    assert identifiers(oai(verb="ListIdentifiers", resumptionToken=token))
    for position in range(len(token)):
        swapped = "A" if token[position] != "A" else "B"
        altered = token[:position] + swapped + token[position + 1 :]
        root = oai(verb="ListIdentifiers", resumptionToken=altered)
        assert error_codes(root) == ["badResumptionToken"], position
        # The request is echoed (the token is a plain string argument).
        assert root.find(f"{OAI}request").get("resumptionToken") == altered
    for broken in (token[:-5], token[: token.index(".")], token + "x", token.replace(".", ""), "." + token):
        assert error_codes(oai(verb="ListIdentifiers", resumptionToken=broken)) == ["badResumptionToken"]


def test_a_token_belongs_to_its_verb(oai, five):
    token = _first_token(oai)
    assert error_codes(oai(verb="ListRecords", resumptionToken=token)) == ["badResumptionToken"]
    assert error_codes(oai(verb="ListSets", resumptionToken=token)) == ["badResumptionToken"]


def test_a_token_signed_with_another_key_is_refused_but_survives_rotation(oai, five, settings):
    token = _first_token(oai)
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "une-autre-cle-" + "x" * 40
    assert error_codes(oai(verb="ListIdentifiers", resumptionToken=token)) == ["badResumptionToken"]
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert identifiers(oai(verb="ListIdentifiers", resumptionToken=token))


def test_a_record_changed_mid_harvest_is_neither_repeated_nor_lost(oai, five):
    responses = []

    def change(page):
        if page == 1:
            # One record already sent, one not sent yet, and a new one: all change now.
            touch_records([five[0].pk, five[4].pk])
            responses.append(five)

    pages, roots = _harvest(oai, between=change)
    harvested = sum(pages, [])
    assert len(harvested) == len(set(harvested))
    assert oai_id(five[0]) in pages[0]
    # five[4] moved past the bound frozen at the first request: it waits for the next harvest.
    assert oai_id(five[4]) not in harvested
    started = roots[0].findtext(f"{OAI}responseDate")
    later, _ = _harvest(oai, **{"from": started})
    assert {oai_id(five[0]), oai_id(five[4])} <= set(sum(later, []))
    assert set(harvested) | set(sum(later, [])) == {oai_id(r) for r in five}


def test_records_added_mid_harvest_wait_for_the_next_harvest(oai, five, make_record):
    added = []
    pages, roots = _harvest(
        oai, between=lambda page: added.append(make_record("Sách mới")) if page == 1 else None
    )
    assert oai_id(added[0]) not in sum(pages, [])
    later, _ = _harvest(oai, **{"from": roots[0].findtext(f"{OAI}responseDate")})
    assert oai_id(added[0]) in sum(later, [])


@pytest.mark.parametrize("groups", [[5], [3, 2], [1, 3, 1], [2, 2, 1]])
def test_records_sharing_a_datestamp_are_split_across_pages(oai, five, groups):
    # An import stores thousands of records in one transaction, with the same updated_at.
    now = timezone.now()
    records = iter(sorted(five, key=lambda r: r.pk))
    for n, size in enumerate(groups):
        ids = [next(records).pk for _ in range(size)]
        Record.objects.filter(pk__in=ids).update(updated_at=now - timedelta(seconds=10 - n))
    pages, _ = _harvest(oai)
    assert sum(pages, []) == [oai_id(r) for r in sorted(five, key=lambda r: r.pk)]
    assert [len(p) for p in pages] == [2, 2, 1]


def test_the_last_page_costs_what_the_first_does(oai, make_record, settings, client):
    settings.OAI_PAGE_SIZE = 3
    for n in range(12):
        make_record(f"Sách {n}")
    queries = []
    root = None
    params = {"verb": "ListRecords", "metadataPrefix": "oai_dc"}
    while True:
        with CaptureQueriesContext(connection) as captured:
            root = oai(**params)
        queries.append([q["sql"] for q in captured.captured_queries])
        token = _token(root, "ListRecords")
        if token is None or not token.text:
            break
        params = {"verb": "ListRecords", "resumptionToken": token.text}
    assert len(queries) == 4
    # The first page also counts the list; every later page runs the same queries: two index
    # seeks for the rows (the rest of a datestamp, then later ones), never an OFFSET.
    assert {len(q) for q in queries[1:]} == {len(queries[0])}
    assert any("COUNT(" in sql.upper() for sql in queries[0])
    assert not any("COUNT(" in sql.upper() for page in queries[1:] for sql in page)
    assert not any("OFFSET" in sql.upper() for page in queries for sql in page)
