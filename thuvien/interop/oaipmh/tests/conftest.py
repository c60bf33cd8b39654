"""OAI-PMH provider fixtures: the official schemas compiled offline, requests to /oai, records to serve."""

from __future__ import annotations

from pathlib import Path

import pymarc
import pytest
from lxml import etree

from thuvien import testing

REPO = Path(__file__).resolve().parents[4]
OAI = "{http://www.openarchives.org/OAI/2.0/}"
DC = "{http://purl.org/dc/elements/1.1/}"
MARC = "{http://www.loc.gov/MARC21/slim}"
NS = {
    "o": "http://www.openarchives.org/OAI/2.0/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/",
    "m": "http://www.loc.gov/MARC21/slim",
}
# The payload schemas a response may carry, by namespace (OAI-PMH.xsd checks them strictly).
PAYLOADS = {
    "http://www.openarchives.org/OAI/2.0/": "oai-pmh/OAI-PMH.xsd",
    "http://www.openarchives.org/OAI/2.0/oai_dc/": "oai-pmh/oai_dc.xsd",
    "http://www.loc.gov/MARC21/slim": "marc/MARC21slim.xsd",
    "http://www.openarchives.org/OAI/2.0/oai-identifier": "oai-pmh/oai-identifier.xsd",
}


def specs_dir() -> Path | None:
    return testing.specs_dir("oai-pmh/OAI-PMH.xsd")


class Validator:
    def __init__(self, specs: Path):
        self.schema = testing.xml_schema(specs, PAYLOADS)

    def __call__(self, body: bytes) -> etree._Element:
        """Parse BODY, assert that it is valid against the OAI-PMH and payload schemas, return its root."""
        root = etree.fromstring(
            body, etree.XMLParser(no_network=True, resolve_entities=False, huge_tree=True)
        )
        if not self.schema.validate(root):
            errors = "\n".join(str(e) for e in list(self.schema.error_log)[:10])
            raise AssertionError(f"response invalid against the OAI-PMH schemas:\n{errors}\n{body[:2000]!r}")
        return root


_validator: Validator | None = None


@pytest.fixture
def validate() -> Validator:
    """Return a function validating an OAI-PMH response (skips when the specs are not there)."""
    global _validator
    specs = specs_dir()
    if specs is None:
        pytest.skip("OAI-PMH schemas not found: set THUVIEN_SPECS to ../shared/specs")
    if _validator is None:
        _validator = Validator(specs)
    return _validator


@pytest.fixture
def oai(client, validate, settings):
    """Return a function doing GET /oai with the given arguments and returning the validated root."""
    settings.OAI_REPOSITORY_IDENTIFIER = "thuvien.test"

    def get(**params):
        response = client.get("/oai", params)
        assert response.status_code == 200
        assert response["Content-Type"] == "text/xml; charset=utf-8"
        return validate(response.content)

    return get


def error_codes(root) -> list[str]:
    return [e.get("code") for e in root.iterfind(f"{OAI}error")]


def identifiers(root) -> list[str]:
    return [h.findtext(f"{OAI}identifier") for h in root.iter(f"{OAI}header")]


def oai_id(record) -> str:
    return f"oai:thuvien.test:{record.pk}"


def make_marc(title: str, *, author: str = "", isbn: str = "", year: str = "2020", extra=()) -> pymarc.Record:
    """Return a small book record in MARC 21."""
    record = pymarc.Record(leader="00000nam a2200000 a 4500")
    record.add_field(pymarc.Field(tag="008", data=f"200101s{year}    vm            000 0 vie d"))
    if isbn:
        record.add_field(
            pymarc.Field(tag="020", indicators=[" ", " "], subfields=[pymarc.Subfield("a", isbn)])
        )
    if author:
        record.add_field(
            pymarc.Field(tag="100", indicators=["0", " "], subfields=[pymarc.Subfield("a", author)])
        )
    record.add_field(pymarc.Field(tag="245", indicators=["1", "0"], subfields=[pymarc.Subfield("a", title)]))
    for tag, codes in extra:
        record.add_field(
            pymarc.Field(tag=tag, indicators=[" ", " "], subfields=[pymarc.Subfield(c, v) for c, v in codes])
        )
    return record


@pytest.fixture
def make_record(network):
    """Return a function saving a record (contributed by the provincial library unless told)."""
    from thuvien.catalog.actions import save_record

    def make(title: str = "Truyện Kiều", *, library=None, **kwargs):
        return save_record(None, make_marc(title, **kwargs), library=library or network["prov"])

    return make


@pytest.fixture
def add_copy():
    """Return a function adding a copy of RECORD at LIBRARY."""
    from thuvien.catalog.models import Item

    counter = iter(range(1, 1_000_000))

    def add(record, library, *, status="available", call_number="895.922 NGU", location="Kho mượn"):
        return Item.objects.create(
            record=record,
            library=library,
            barcode=f"TST{next(counter):06d}",
            status=status,
            call_number=call_number,
            location=location,
        )

    return add
