"""Only what the OPAC may show is disseminated; hidden, deleted and merged records are deleted headers."""

from __future__ import annotations

import pytest
from django.utils import timezone

from thuvien.catalog.actions import merge_records, set_suppressed
from thuvien.catalog.models import Record

from .conftest import OAI, identifiers, oai_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(make_record, add_copy, network):
    shown = make_record("Nhật ký trong tù", author="Hồ Chí Minh")
    hidden = make_record("Biểu ghi bị ẩn BÍMẬT")
    set_suppressed(hidden, True)
    deleted = make_record("Biểu ghi đã xoá BÍMẬT")
    # delete_record() keeps the row; the provider must report it however its datestamp moved.
    Record.objects.filter(pk=deleted.pk).update(deleted_at=timezone.now(), updated_at=timezone.now())
    survivor = make_record("Dế mèn phiêu lưu ký", isbn="9786042000001")
    duplicate = make_record("Dế mèn phiêu lưu ký BÍMẬT", isbn="9786042000001")
    add_copy(duplicate, network["commune"])
    merge_records(survivor, duplicate)
    return {"shown": shown, "hidden": hidden, "deleted": deleted, "survivor": survivor, "merged": duplicate}


def _headers(root) -> dict[str, str | None]:
    return {h.findtext(f"{OAI}identifier"): h.get("status") for h in root.iter(f"{OAI}header")}


@pytest.mark.parametrize("prefix", ["oai_dc", "marc21"])
def test_list_records_reports_hidden_records_as_deleted_headers(oai, catalogue, prefix, client):
    root = oai(verb="ListRecords", metadataPrefix=prefix)
    headers = _headers(root)
    for name in ("hidden", "deleted", "merged"):
        assert headers[oai_id(catalogue[name])] == "deleted", name
    for name in ("shown", "survivor"):
        assert headers[oai_id(catalogue[name])] is None, name
    for record in root.iter(f"{OAI}record"):
        deleted = record.find(f"{OAI}header").get("status") == "deleted"
        assert (record.find(f"{OAI}metadata") is None) == deleted
    # No metadata of a hidden record leaks anywhere in the response.
    assert (
        "BÍMẬT" not in client.get("/oai", {"verb": "ListRecords", "metadataPrefix": prefix}).content.decode()
    )


def test_list_identifiers_reports_them_too(oai, catalogue):
    headers = _headers(oai(verb="ListIdentifiers", metadataPrefix="oai_dc"))
    assert {k for k, v in headers.items() if v == "deleted"} == {
        oai_id(catalogue[n]) for n in ("hidden", "deleted", "merged")
    }
    assert len(headers) == 5


@pytest.mark.parametrize("name", ["hidden", "deleted", "merged"])
@pytest.mark.parametrize("prefix", ["oai_dc", "marc21"])
def test_get_record_of_a_hidden_record_is_a_deleted_header(oai, catalogue, name, prefix, client):
    params = {"verb": "GetRecord", "identifier": oai_id(catalogue[name]), "metadataPrefix": prefix}
    root = oai(**params)
    record = root.find(f"{OAI}GetRecord/{OAI}record")
    assert record.find(f"{OAI}header").get("status") == "deleted"
    assert record.find(f"{OAI}metadata") is None
    assert "BÍMẬT" not in client.get("/oai", params).content.decode()


def test_merged_copies_show_under_the_survivor(oai, catalogue, network):
    root = oai(verb="GetRecord", identifier=oai_id(catalogue["survivor"]), metadataPrefix="marc21")
    ns = {"m": "http://www.loc.gov/MARC21/slim"}
    assert root.xpath(".//m:datafield[@tag='852']/m:subfield[@code='a']/text()", namespaces=ns) == [
        "VN-TST-XA"
    ]
    specs = [s.text for s in root.iter(f"{OAI}setSpec")]
    assert "lib:VN-TST:VN-TST-XA" in specs


def test_unsuppressed_record_comes_back_with_a_new_datestamp(oai, catalogue):
    hidden = catalogue["hidden"]
    before = Record.objects.get(pk=hidden.pk).updated_at
    set_suppressed(hidden, False)
    root = oai(verb="ListRecords", metadataPrefix="oai_dc", **{"from": before.strftime("%Y-%m-%dT%H:%M:%SZ")})
    assert oai_id(hidden) in identifiers(root)
    assert _headers(root)[oai_id(hidden)] is None


def test_withdrawn_copies_are_not_disseminated(oai, make_record, add_copy, network):
    record = make_record("Bỉ vỏ")
    add_copy(record, network["prov"], status="withdrawn")
    add_copy(record, network["school"])
    root = oai(verb="GetRecord", identifier=oai_id(record), metadataPrefix="marc21")
    ns = {"m": "http://www.loc.gov/MARC21/slim"}
    assert root.xpath(".//m:datafield[@tag='852']/m:subfield[@code='a']/text()", namespaces=ns) == [
        "VN-TST-THPT"
    ]
