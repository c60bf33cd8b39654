"""Acceptance 3: the same records by two routes (a file at library A, OAI-PMH from library B) are one record
per work carrying both libraries' copies; harvesting again changes nothing; a deletion at B takes only B's copies.
"""

from __future__ import annotations

import io
import itertools

import pymarc
import pytest
from lxml import etree

from thuvien.catalog.importer import import_marc
from thuvien.catalog.models import Item
from thuvien.catalog.queries import public_records
from thuvien.interop.marc import ParsedRecord, read_marc, record_to_xml_element, write_marcxml
from thuvien.interop.oaipmh.harvester import harvest
from thuvien.interop.oaipmh.models import HarvestRun
from thuvien.interop.oaipmh.tests.servers import (
    IDENTIFY,
    LocalServer,
    OAIRepository,
    deleted_record,
    fixture,
    make_source,
    marc_record,
    page_of,
)

pytestmark = pytest.mark.django_db

HOLDINGS = ("952", "852", "949", "999")


def corpus_records(corpus, n_real: int = 30) -> list[pymarc.Record]:
    """The synthetic Vietnamese records and the first N_REAL real ones, without their own holdings."""
    files = [
        corpus / "marc/synthetic-vietnamese/vi_synthetic_utf8_nfc.mrc",
        corpus / "marc/_derived/real_bib_5349_utf8.mrc",
    ]
    records = []
    for path, limit in zip(files, (None, n_real), strict=True):
        parsed = (e.record for e in read_marc(path) if isinstance(e, ParsedRecord))
        for record in itertools.islice(parsed, limit):
            record.remove_fields(*HOLDINGS)
            records.append(record)
    return records


def as_library(record: pymarc.Record, library: str, control: str, barcodes: list[str]) -> pymarc.Record:
    """RECORD as LIBRARY catalogued it: its own 001/003, its copies in 952."""
    copy = pymarc.Record(leader=str(record.leader))
    copy.add_field(pymarc.Field(tag="001", data=control), pymarc.Field(tag="003", data=library))
    for field in record.fields:
        if field.tag not in ("001", "003"):
            copy.add_field(field)
    for barcode in barcodes:
        copy.add_field(
            pymarc.Field(
                tag="952",
                indicators=pymarc.Indicators(" ", " "),
                subfields=[pymarc.Subfield("a", library), pymarc.Subfield("p", barcode)],
            )
        )
    return copy


def library_b_page(records, identifiers) -> bytes:
    rows = []
    for n, (record, identifier) in enumerate(zip(records, identifiers, strict=True)):
        element = record_to_xml_element(as_library(record, "VN-TST-THPT", f"THPT-{n}", [f"THPT-{n}"]))
        rows.append(marc_record(identifier, etree.tostring(element, encoding="unicode")))
    return page_of(rows)


def test_file_import_and_harvest_meet_in_one_record_per_work(corpus, network):
    records = corpus_records(corpus)
    file_a = io.BytesIO()
    write_marcxml(
        [as_library(r, "VN-TST-XA", f"XA-{n}", [f"XA-{n}a", f"XA-{n}b"]) for n, r in enumerate(records)],
        file_a,
    )
    report = import_marc(file_a.getvalue(), library=network["commune"], filename="xa.xml")
    assert report.imported == len(records) and report.rejected == 0
    works = public_records().count()

    identifiers = [f"oai:thpt.example.vn:{n}" for n in range(len(records))]
    repo = OAIRepository(fixture(corpus, IDENTIFY), [library_b_page(records, identifiers)])
    with LocalServer(repo) as server:
        source = make_source(network["school"], f"{server.base}/oai")
        run = harvest(source)
        assert run.status == HarvestRun.Status.SUCCEEDED, run.error
        assert run.received == len(records) and run.attached == len(records), run.problems

        # One record per work, each with the commune's two copies and the school's one.
        assert public_records().count() == works
        for record in public_records():
            libraries = sorted(Item.objects.filter(record=record).values_list("library__code", flat=True))
            assert libraries == ["VN-TST-THPT", "VN-TST-XA", "VN-TST-XA"], record.title

        # Harvesting everything again changes nothing.
        again = harvest(source, full=True)
        assert again.status == HarvestRun.Status.SUCCEEDED
        assert (again.imported, again.attached) == (0, 0) and again.updated == len(records)
        assert public_records().count() == works
        assert Item.objects.filter(library=network["school"]).count() == len(records)

        # The school withdraws its copy of the first work: the commune's copies and the record stay.
        survivor = Item.objects.get(barcode="THPT-0").record
        repo.incremental = [page_of([deleted_record(identifiers[0])])]
        deletion = harvest(source)
    assert deletion.deleted == 1
    assert not Item.objects.filter(barcode="THPT-0").exists()
    assert public_records().filter(pk=survivor.pk).exists()
    assert sorted(Item.objects.filter(record=survivor).values_list("barcode", flat=True)) == [
        "XA-0a",
        "XA-0b",
    ]
    assert public_records().count() == works
