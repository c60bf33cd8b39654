"""Datestamps and selective harvesting by from/until, at both granularities, inclusive to the second."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from thuvien.catalog.models import Record

from .conftest import OAI, error_codes, identifiers, oai_id

pytestmark = pytest.mark.django_db

STAMPS = {
    "a": datetime(2024, 3, 1, 10, 0, 0, tzinfo=UTC),
    "b": datetime(2024, 3, 1, 10, 0, 5, 700000, tzinfo=UTC),
    "c": datetime(2024, 3, 1, 10, 0, 6, tzinfo=UTC),
    # 06:30 on 2 March in Vietnam, still 1 March in UTC (OAI-PMH days are UTC days).
    "d": datetime(2024, 3, 1, 23, 30, 0, tzinfo=UTC),
    "e": datetime(2024, 3, 2, 0, 0, 0, tzinfo=UTC),
}


@pytest.fixture
def dated(make_record):
    records = {}
    for name, stamp in STAMPS.items():
        record = make_record(f"Sách {name}")
        Record.objects.filter(pk=record.pk).update(updated_at=stamp)
        records[name] = record
    return records


def _select(oai, dated, **params) -> str:
    root = oai(verb="ListIdentifiers", metadataPrefix="oai_dc", **params)
    if error_codes(root) == ["noRecordsMatch"]:
        return ""
    by_id = {oai_id(r): n for n, r in dated.items()}
    return "".join(sorted(by_id[i] for i in identifiers(root)))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, "abcde"),
        ({"from": "2024-03-01T10:00:05Z"}, "bcde"),
        ({"until": "2024-03-01T10:00:05Z"}, "ab"),
        ({"from": "2024-03-01T10:00:05Z", "until": "2024-03-01T10:00:05Z"}, "b"),
        ({"from": "2024-03-01T10:00:06Z", "until": "2024-03-01T10:00:06Z"}, "c"),
        ({"from": "2024-03-01T10:00:01Z", "until": "2024-03-01T10:00:04Z"}, ""),
        ({"from": "2024-03-01", "until": "2024-03-01"}, "abcd"),
        ({"from": "2024-03-02"}, "e"),
        ({"until": "2024-02-29"}, ""),
        ({"from": "2024-03-01T23:30:00Z"}, "de"),
        ({"from": "1900-01-01", "until": "9999-12-31"}, "abcde"),
    ],
)
def test_from_until(oai, dated, params, expected):
    assert _select(oai, dated, **params) == expected


def test_datestamps_are_utc_seconds(oai, dated):
    root = oai(verb="ListIdentifiers", metadataPrefix="oai_dc")
    stamps = {
        h.findtext(f"{OAI}identifier"): h.findtext(f"{OAI}datestamp") for h in root.iter(f"{OAI}header")
    }
    assert stamps[oai_id(dated["b"])] == "2024-03-01T10:00:05Z"
    assert stamps[oai_id(dated["d"])] == "2024-03-01T23:30:00Z"
    # A datestamp given back as from finds its record again.
    assert "b" in _select(oai, dated, **{"from": stamps[oai_id(dated["b"])]})


def test_earliest_datestamp(oai, dated):
    root = oai(verb="Identify")
    assert root.findtext(f"{OAI}Identify/{OAI}earliestDatestamp") == "2024-03-01T10:00:00Z"


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2024-03-01", "until": "2024-03-02T00:00:00Z"},
        {"from": "2024-03-02", "until": "2024-03-01"},
        {"from": "2024-03-01T10:00:06Z", "until": "2024-03-01T10:00:05Z"},
        {"from": "2024-02-30"},
        {"from": "2024-13-01"},
        {"until": "2024-03-01T24:00:00Z"},
        {"from": "2024-03-01T10:00:00"},
        {"from": "2024-03-01T10:00Z"},
        {"from": "2024-03-01T10:00:00.5Z"},
        {"from": "2024-03-01T10:00:00+07:00"},
        {"from": "0000-01-01"},
        {"until": "24-03-01"},
        {"from": "２０２４-03-01"},
        {"from": ""},
    ],
)
def test_bad_dates_are_bad_arguments(oai, dated, params):
    root = oai(verb="ListRecords", metadataPrefix="oai_dc", **params)
    assert error_codes(root) == ["badArgument"]
    assert dict(root.find(f"{OAI}request").attrib) == {}


def test_valid_dates_are_echoed(oai, dated):
    root = oai(verb="ListRecords", metadataPrefix="oai_dc", **{"from": "2024-03-01", "until": "2024-03-01"})
    assert root.find(f"{OAI}request").attrib["from"] == "2024-03-01"
    assert root.find(f"{OAI}request").attrib["until"] == "2024-03-01"
