"""Acceptance 1: Sickle (an independent harvester) harvests the 5,349 real records over HTTP in both formats."""

from __future__ import annotations

import pytest
import requests
from sickle import Sickle

from thuvien.catalog.actions import set_suppressed
from thuvien.catalog.importer import import_marc
from thuvien.catalog.models import Collection, Item, Record
from thuvien.catalog.queries import public_records

from .conftest import OAI

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


class CapturingSickle(Sickle):
    """Sickle keeping the raw text of every response it parsed, to validate exactly what it read."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pages: list[str] = []

    def harvest(self, **kwargs):
        response = super().harvest(**kwargs)
        self.pages.append(response.raw)
        return response


@pytest.fixture
def real_catalogue(corpus, network, settings):
    settings.OAI_PAGE_SIZE = 500
    settings.OAI_REPOSITORY_IDENTIFIER = "thuvien.test"
    report = import_marc(corpus / "marc" / "_derived" / "real_bib_5349_utf8.mrc", library=network["prov"])
    assert report.imported == 5349
    ids = list(Record.objects.order_by("id").values_list("id", flat=True))
    # Some records hidden (deleted headers), copies at member libraries, a collection.
    for record in Record.objects.filter(id__in=ids[::250]):
        set_suppressed(record, True)
    Item.objects.bulk_create(
        Item(record_id=record_id, library=network["commune" if n % 2 else "school"], barcode=f"REAL{n:05d}")
        for n, record_id in enumerate(ids[::7])
    )
    Collection.objects.create(code="dia-chi", name="Địa chí").records.add(*ids[::11])
    return ids


def _harvest(base_url: str, prefix: str, verb: str = "ListRecords"):
    sickle = CapturingSickle(base_url, max_retries=0, timeout=120)
    items = list(getattr(sickle, verb)(metadataPrefix=prefix, ignore_deleted=False))
    headers = [item if verb == "ListIdentifiers" else item.header for item in items]
    return headers, items, sickle.pages


@pytest.mark.parametrize("prefix", ["oai_dc", "marc21"])
def test_sickle_harvests_every_record_once(live_server, real_catalogue, validate, prefix):
    headers, items, pages = _harvest(f"{live_server.url}/oai", prefix)
    identifiers = [h.identifier for h in headers]
    assert len(identifiers) == len(set(identifiers)) == 5349, "duplicates or losses across resumption tokens"
    public = {f"oai:thuvien.test:{pk}" for pk in public_records().values_list("id", flat=True)}
    assert {h.identifier for h in headers if not h.deleted} == public
    assert {h.identifier for h in headers if h.deleted} == {
        f"oai:thuvien.test:{pk}" for pk in real_catalogue[::250]
    }
    assert all(item.metadata for item, h in zip(items, headers, strict=True) if not h.deleted)
    assert len(pages) == 11  # 5,349 records, 500 a page
    for raw in pages:
        validate(raw.encode("utf-8"))


def test_list_identifiers_and_raw_pages_validate(live_server, real_catalogue, validate):
    headers, _, pages = _harvest(f"{live_server.url}/oai", "oai_dc", verb="ListIdentifiers")
    assert len({h.identifier for h in headers}) == 5349
    for raw in pages:
        validate(raw.encode("utf-8"))
    # Fetched without Sickle too: the bytes as served, per set, to the last page.
    session = requests.Session()
    params = {"verb": "ListRecords", "metadataPrefix": "marc21", "set": "lib:VN-TST:VN-TST-XA"}
    seen = []
    while True:
        response = session.get(f"{live_server.url}/oai", params=params, timeout=60)
        assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
        root = validate(response.content)
        seen += [h.findtext(f"{OAI}identifier") for h in root.iter(f"{OAI}header")]
        token = root.findtext(f"{OAI}ListRecords/{OAI}resumptionToken")
        if not token:
            break
        params = {"verb": "ListRecords", "resumptionToken": token}
    held = Item.objects.filter(library__code="VN-TST-XA").values_list("record_id", flat=True)
    assert sorted(seen) == sorted(f"oai:thuvien.test:{pk}" for pk in set(held))
