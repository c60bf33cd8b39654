"""The six verbs of the /oai provider and their argument errors (every response schema-valid)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from .conftest import DC, OAI, error_codes, identifiers, oai_id

pytestmark = pytest.mark.django_db


def test_identify_describes_the_repository(oai, make_record, settings):
    settings.OAI_REPOSITORY_NAME = "Mục lục liên hợp Ninh Bình"
    settings.OAI_ADMIN_EMAIL = "oai@thuvien.ninhbinh.gov.vn"
    make_record()
    root = oai(verb="Identify")
    identify = root.find(f"{OAI}Identify")
    assert identify.findtext(f"{OAI}repositoryName") == "Mục lục liên hợp Ninh Bình"
    assert identify.findtext(f"{OAI}baseURL") == "http://testserver/oai"
    assert identify.findtext(f"{OAI}protocolVersion") == "2.0"
    assert identify.findtext(f"{OAI}adminEmail") == "oai@thuvien.ninhbinh.gov.vn"
    assert identify.findtext(f"{OAI}deletedRecord") == "persistent"
    assert identify.findtext(f"{OAI}granularity") == "YYYY-MM-DDThh:mm:ssZ"
    assert identify.findtext(f"{OAI}earliestDatestamp").endswith("Z")
    sample = identify.findtext(".//{http://www.openarchives.org/OAI/2.0/oai-identifier}sampleIdentifier")
    assert sample == "oai:thuvien.test:1"
    assert root.find(f"{OAI}request").get("verb") == "Identify"


def test_identify_defaults_are_schema_valid(client, validate, db):
    # No repository settings at all: the identifier and e-mail still satisfy the schemas.
    root = validate(client.get("/oai", {"verb": "Identify"}).content)
    assert root.findtext(f"{OAI}Identify/{OAI}adminEmail")


def test_a_repository_identifier_outside_the_scheme_is_used_without_claiming_it(oai, make_record, settings):
    record = make_record()
    settings.OAI_REPOSITORY_IDENTIFIER = "thuvien"
    root = oai(verb="Identify")
    assert root.find(".//{http://www.openarchives.org/OAI/2.0/oai-identifier}oai-identifier") is None
    assert identifiers(oai(verb="ListIdentifiers", metadataPrefix="oai_dc")) == [f"oai:thuvien:{record.pk}"]


def test_list_metadata_formats(oai, make_record):
    record = make_record()
    for params in ({}, {"identifier": oai_id(record)}):
        root = oai(verb="ListMetadataFormats", **params)
        prefixes = [e.text for e in root.iter(f"{OAI}metadataPrefix")]
        assert prefixes == ["oai_dc", "marc21"]
    root = oai(verb="ListMetadataFormats", identifier="oai:thuvien.test:999999")
    assert error_codes(root) == ["idDoesNotExist"]


def test_get_record_in_both_formats(oai, make_record):
    record = make_record("Số đỏ", author="Vũ Trọng Phụng", isbn="978-604-1-00000-1")
    root = oai(verb="GetRecord", identifier=oai_id(record), metadataPrefix="oai_dc")
    assert root.findtext(f".//{DC}title") == "Số đỏ"
    assert root.findtext(f".//{DC}creator") == "Vũ Trọng Phụng"
    assert identifiers(root) == [oai_id(record)]
    root = oai(verb="GetRecord", identifier=oai_id(record), metadataPrefix="marc21")
    titles = root.xpath(
        ".//m:datafield[@tag='245']/m:subfield[@code='a']/text()",
        namespaces={"m": "http://www.loc.gov/MARC21/slim"},
    )
    assert titles == ["Số đỏ"]


@pytest.mark.parametrize(
    ("identifier", "prefix", "codes"),
    [
        ("oai:thuvien.test:999999", "oai_dc", ["idDoesNotExist"]),
        ("oai:other.repository:1", "oai_dc", ["idDoesNotExist"]),
        ("oai:thuvien.test:0001", "oai_dc", ["idDoesNotExist"]),
        ("oai:thuvien.test:99999999999999999999999", "oai_dc", ["idDoesNotExist"]),
        ("không phải định danh", "oai_dc", ["idDoesNotExist"]),
        ("RECORD", "mods", ["idDoesNotExist", "cannotDisseminateFormat"]),
    ],
)
def test_get_record_errors(oai, make_record, identifier, prefix, codes):
    record = make_record()
    identifier = identifier.replace("RECORD", oai_id(record)) if identifier == "RECORD" else identifier
    root = oai(verb="GetRecord", identifier=identifier, metadataPrefix=prefix)
    if identifier == oai_id(record):
        codes = ["cannotDisseminateFormat"]
    assert error_codes(root) == codes


def test_cannot_disseminate_echoes_the_request(oai, make_record):
    make_record()
    root = oai(verb="ListRecords", metadataPrefix="mods")
    assert error_codes(root) == ["cannotDisseminateFormat"]
    assert dict(root.find(f"{OAI}request").attrib) == {"verb": "ListRecords", "metadataPrefix": "mods"}


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, "badVerb"),
        ({"verb": "Harvest"}, "badVerb"),
        ({"verb": "identify"}, "badVerb"),
        ({"verb": "Identify", "set": "lib"}, "badArgument"),
        ({"verb": "ListRecords"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": ""}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai dc"}, "badArgument"),
        ({"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": "lib::x"}, "badArgument"),
        ({"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "resumptionToken": "x"}, "badArgument"),
        ({"verb": "GetRecord", "identifier": "oai:thuvien.test:1"}, "badArgument"),
        ({"verb": "ListSets", "resumptionToken": "abc"}, "badResumptionToken"),
        ({"verb": "ListRecords", "resumptionToken": "abc"}, "badResumptionToken"),
    ],
)
def test_argument_errors(oai, params, code, db):
    root = oai(**params)
    assert code in error_codes(root)
    if code in ("badVerb", "badArgument"):
        # The request element then carries the base URL only.
        assert dict(root.find(f"{OAI}request").attrib) == {}


def test_repeated_arguments_are_refused(client, validate, db):
    root = validate(client.get("/oai?verb=Identify&verb=Identify").content)
    assert error_codes(root) == ["badVerb"]
    root = validate(client.get("/oai?verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=oai_dc").content)
    assert error_codes(root) == ["badArgument"]


def test_post_form_encoded(client, validate, make_record):
    record = make_record("Tắt đèn")
    body = urlencode(
        {"verb": "GetRecord", "identifier": f"oai:thuvien.local:{record.pk}", "metadataPrefix": "oai_dc"}
    )
    response = client.post("/oai", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    root = validate(response.content)
    assert root.findtext(f".//{DC}title") == "Tắt đèn"
    # Arguments in a body of another kind are not OAI-PMH.
    response = client.post("/oai", b"verb=Identify", content_type="application/json")
    assert error_codes(validate(response.content)) == ["badArgument"]
    response = client.post("/oai", {"verb": "Identify"})  # multipart/form-data
    assert error_codes(validate(response.content)) == ["badArgument"]


def test_other_methods_are_not_allowed(client, db):
    assert client.put("/oai").status_code == 405
    assert client.delete("/oai").status_code == 405


def test_no_csrf_token_needed(make_record, validate):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post("/oai", "verb=Identify", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    validate(response.content)


def test_signed_in_staff_see_no_more_than_anyone(client, validate, make_record, other_library_staff):
    """/oai is public: a session (here staff of another library) never reveals hidden records."""
    from thuvien.catalog.actions import set_suppressed

    hidden = make_record("Hồ sơ mật")
    set_suppressed(hidden, True)
    client.force_login(other_library_staff)
    root = validate(
        client.get(
            "/oai",
            {"verb": "GetRecord", "identifier": f"oai:thuvien.local:{hidden.pk}", "metadataPrefix": "oai_dc"},
        ).content
    )
    assert root.find(f".//{OAI}header").get("status") == "deleted"
    assert root.find(f".//{OAI}metadata") is None
