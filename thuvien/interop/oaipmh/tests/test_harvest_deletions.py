"""Deleted headers: the record is marked deleted and what the source brought is withdrawn; copies on loan stay."""

from __future__ import annotations

import pytest
from django.utils import timezone
from lxml import etree

from thuvien.catalog.models import Item, ItemStatus, Record
from thuvien.catalog.queries import public_records
from thuvien.circulation.models import Loan
from thuvien.interop.oaipmh.harvester import harvest
from thuvien.interop.oaipmh.models import HarvestedRecord, HarvestRun
from thuvien.interop.oaipmh.tests.servers import (
    IDENTIFY,
    LocalServer,
    OAIRepository,
    deleted_record,
    fixture,
    make_source,
    page_of,
    records_of,
)

pytestmark = pytest.mark.django_db

MARC_NS = "http://www.loc.gov/MARC21/slim"
OAI_NS = "http://www.openarchives.org/OAI/2.0/"


def with_copies(record, library_code: str, barcodes: list[str]):
    """The OAI record element RECORD with a Koha 952 holdings field per barcode in its MARC record."""
    marc = next(record.iter(f"{{{MARC_NS}}}record"))
    for barcode in barcodes:
        field = etree.SubElement(marc, f"{{{MARC_NS}}}datafield", tag="952", ind1=" ", ind2=" ")
        etree.SubElement(field, f"{{{MARC_NS}}}subfield", code="a").text = library_code
        etree.SubElement(field, f"{{{MARC_NS}}}subfield", code="p").text = barcode
    return record


def identifier_of(record) -> str:
    return record.find(f"{{{OAI_NS}}}header/{{{OAI_NS}}}identifier").text


def test_deleted_records_withdraw_copies_and_records(corpus, network):
    records = records_of(fixture(corpus, "vufindharvest/tests/fixtures/marc.xml"))[:3]
    gone, history, kept = records
    page = page_of(
        [
            with_copies(gone, "VN-TST-XA", ["XA-0001"]),
            with_copies(history, "VN-TST-XA", ["XA-0002", "XA-0003"]),
            with_copies(kept, "VN-TST-XA", ["XA-0004"]),
        ]
    )
    repo = OAIRepository(fixture(corpus, IDENTIFY), [page])
    with LocalServer(repo) as server:
        source = make_source(network["commune"], f"{server.base}/oai")
        first = harvest(source)
        assert (first.imported, first.rejected) == (3, 0) and Item.objects.count() == 4
        now = timezone.now()
        Loan.objects.create(
            item=Item.objects.get(barcode="XA-0002"), library=network["commune"], checked_out_at=now,
            due_at=now, returned_at=now,
        )  # fmt: skip
        Item.objects.filter(barcode="XA-0003").update(status=ItemStatus.CHECKED_OUT)
        repo.incremental = [
            page_of(
                [
                    deleted_record(identifier_of(gone)),
                    deleted_record(identifier_of(history)),
                    deleted_record("oai:never:seen"),
                ]
            )
        ]
        run = harvest(source)
    assert run.status == HarvestRun.Status.SUCCEEDED, run.error
    assert (run.mode, run.received, run.deleted) == ("incremental", 3, 3)
    # Gone: its only copy deleted, the record deleted (kept as a deleted record for OAI-PMH).
    gone_record = Record.objects.get(origin_identifier=identifier_of(gone))
    assert gone_record.deleted_at is not None and not public_records().filter(pk=gone_record.pk).exists()
    assert not Item.objects.filter(barcode="XA-0001").exists()
    # With history: the lent-before copy is withdrawn, the copy out on loan kept; the record stays.
    assert Item.objects.get(barcode="XA-0002").status == ItemStatus.WITHDRAWN
    assert Item.objects.get(barcode="XA-0003").status == ItemStatus.CHECKED_OUT
    assert Record.objects.get(origin_identifier=identifier_of(history)).deleted_at is None
    messages = " ".join(p["message"] for p in run.problems)
    assert "XA-0002" in messages and "XA-0003" in messages
    # Untouched.
    assert Item.objects.filter(barcode="XA-0004").exists()
    assert Record.objects.get(origin_identifier=identifier_of(kept)).deleted_at is None
    assert set(
        HarvestedRecord.objects.filter(source=source, deleted=True).values_list("identifier", flat=True)
    ) == {
        identifier_of(gone),
        identifier_of(history),
        "oai:never:seen",
    }


def test_dublin_core_records_deleted_and_back(corpus, network):
    repo = OAIRepository(
        fixture(corpus, IDENTIFY), [fixture(corpus, "idzebra/examples/oai-pmh/data/oai-caltech.xml")]
    )
    identifier = "oai:caltechcstr.library.caltech.edu:4"
    with LocalServer(repo) as server:
        source = make_source(network["school"], f"{server.base}/oai", metadata_prefix="oai_dc")
        harvest(source)
        repo.incremental = [page_of([deleted_record(identifier)])]
        deletion = harvest(source)
        assert deletion.deleted == 1
        assert not public_records().filter(origin_identifier=identifier).exists()
        assert public_records().filter(source_library=network["school"]).count() == 99
        # The record comes back at the source: a full harvest brings it back.
        again = harvest(source, full=True)
    assert again.status == HarvestRun.Status.SUCCEEDED
    assert public_records().filter(origin_identifier=identifier).count() == 1
    harvested = HarvestedRecord.objects.get(source=source, identifier=identifier)
    assert not harvested.deleted and harvested.record.deleted_at is None
