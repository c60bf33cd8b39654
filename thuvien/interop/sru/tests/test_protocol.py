"""Versions, operations, parameters and encodings: what a request may say and the diagnostics for the rest."""

from __future__ import annotations

import pytest

from .conftest import SCAN2, SRU2, ZS, count, diagnostics, titles

pytestmark = pytest.mark.django_db


def test_the_version_asked_for_is_the_version_answered(sru, db):
    assert sru(version="1.1", operation="explain").findtext(f"{ZS}version") == "1.1"
    assert sru(version="1.2", operation="explain").findtext(f"{ZS}version") == "1.2"
    assert sru(version="2.0").tag == f"{SRU2}explainResponse"
    # A request without a version is an SRU 2.0 request; a later version gets the highest spoken.
    assert sru().tag == f"{SRU2}explainResponse"
    assert sru(version="3.0", query="kieu").tag == f"{SRU2}searchRetrieveResponse"
    assert sru(version="1.5", operation="explain").findtext(f"{ZS}version") == "1.2"


def test_unsupported_versions(sru, db):
    old = sru(version="1.0", operation="explain")
    assert old.findtext(f"{ZS}version") == "1.1" and diagnostics(old) == [5]
    assert diagnostics(sru(version="abc")) == [5]
    assert diagnostics(sru(version="")) == [5]


def test_operations(sru, db):
    assert sru(version="1.2", operation="searchRetrieve", query="x").tag == f"{ZS}searchRetrieveResponse"
    assert sru(version="1.2", operation="scan", scanClause="x").tag == f"{ZS}scanResponse"
    # SRU 2.0 infers the operation, and still honours one that is given (as YAZ sends it).
    assert sru(query="x").tag == f"{SRU2}searchRetrieveResponse"
    assert sru(scanClause="x").tag == f"{SCAN2}scanResponse"
    assert sru(operation="searchRetrieve", query="x").tag == f"{SRU2}searchRetrieveResponse"
    unknown = sru(version="1.2", operation="update")
    assert unknown.tag == f"{ZS}explainResponse" and diagnostics(unknown) == [4]
    missing = sru(version="1.2", query="x")
    assert missing.tag == f"{ZS}explainResponse" and diagnostics(missing) == [7]


def test_unknown_parameters(sru, db):
    # SRU 1.x refuses a parameter it does not know; extensions (x-) are ignored; 2.0 ignores others.
    assert diagnostics(sru(version="1.2", operation="searchRetrieve", query="x", colour="blue")) == [8]
    assert diagnostics(sru(version="1.2", operation="searchRetrieve", query="x", **{"x-colour": "1"})) == []
    assert diagnostics(sru(query="x", colour="blue")) == []
    assert diagnostics(
        sru(version="1.2", operation="searchRetrieve", query="x", recordXMLEscaping="xml")
    ) == [8]


def test_repeated_parameters_and_bad_bytes(client, validate, catalogue):
    def get(query_string):
        response = client.get("/sru", QUERY_STRING=query_string)
        assert response.status_code == 200
        return validate(response.content)

    assert diagnostics(get("query=a&query=b")) == [6]
    # Invalid UTF-8 in a value or a name, raw or percent-encoded, and control characters.
    assert diagnostics(get("query=%FF%FE")) == [6]
    assert diagnostics(get("query=kieu&%C3%28=1")) == [8]
    assert diagnostics(get("version=1.2&operation=searchRetrieve&query=ki%00eu")) == [10]
    assert diagnostics(get("query=kieu&recordSchema=%01")) == [6]
    assert diagnostics(get("query=kieu&" + "&".join(f"x-{n}=1" for n in range(50)))) == [6]
    # Percent-encoded Vietnamese, and "+" for a space.
    assert titles(get("query=dc.title%3D%22Truy%E1%BB%87n+Ki%E1%BB%81u%22")) == ["Truyện Kiều"]


def test_post(client, validate, catalogue):
    form = "application/x-www-form-urlencoded"
    ok = client.post("/sru", "query=dc.title%3Dkieu", content_type=f"{form}; charset=utf-8")
    assert count(validate(ok.content)) == 1
    soap = client.post("/sru", b"<soap:Envelope/>", content_type="text/xml")
    assert soap.status_code == 200 and diagnostics(validate(soap.content)) == [6]
    huge = client.post("/sru", "query=" + "a" * 70_000, content_type=form)
    assert diagnostics(validate(huge.content)) == [6]
    assert client.put("/sru", "query=x", content_type=form).status_code == 405


def test_the_view_is_anonymous_and_cheap(client, catalogue, django_assert_max_num_queries):
    # No session, no user: one query for the records and one for their copies.
    with django_assert_max_num_queries(2):
        response = client.get("/sru", {"query": "dc.title = hoa", "maximumRecords": "10"})
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers and not response.cookies


def test_staff_of_another_library_gets_what_anyone_gets(client, catalogue, other_library_staff):
    # SRU is public and anonymous: being signed in, even as staff elsewhere, shows nothing more.
    anonymous = client.get("/sru", {"query": "cql.allRecords = 1", "maximumRecords": "100"}).content
    client.force_login(other_library_staff)
    signed_in = client.get("/sru", {"query": "cql.allRecords = 1", "maximumRecords": "100"}).content
    assert signed_in == anonymous and b"BIMAT" not in signed_in
