"""Acceptance 2a: the corpus's OAI fixtures, served by a real local HTTP server, harvested page by page."""

from __future__ import annotations

import pytest

from thuvien.audit.models import AuditEntry
from thuvien.catalog.models import Record
from thuvien.interop.oaipmh.harvester import harvest
from thuvien.interop.oaipmh.models import HarvestedRecord, HarvestRun
from thuvien.interop.oaipmh.tests.servers import (
    IDENTIFY,
    LocalServer,
    OAIRepository,
    fixture,
    make_source,
    marc_record,
    page_of,
    split,
)

pytestmark = pytest.mark.django_db

VUFIND_MARC = "vufindharvest/tests/fixtures/marc.xml"
CALTECH = "idzebra/examples/oai-pmh/data/oai-caltech.xml"


def harvested(source):
    return Record.objects.filter(source_library=source.library, harvested_from__source=source)


def test_marc21_across_resumption_tokens(corpus, network, provincial_librarian):
    repo = OAIRepository(fixture(corpus, IDENTIFY), split(fixture(corpus, VUFIND_MARC), 30))
    with LocalServer(repo) as server:
        source = make_source(network["commune"], f"{server.base}/oai", set_spec="TESTING_DIGI_TEST")
        run = harvest(source, actor=provincial_librarian)
    assert run.status == HarvestRun.Status.SUCCEEDED, run.error
    assert (run.mode, run.pages, run.received, run.imported, run.rejected) == ("full", 4, 100, 100, 0)
    # Identify, then the first page with the arguments, then the tokens the server gave.
    assert [q.get("verb") for q in repo.requests] == ["Identify"] + ["ListRecords"] * 4
    first = repo.list_requests[0]
    assert first == {"verb": "ListRecords", "metadataPrefix": "marc21", "set": "TESTING_DIGI_TEST"}
    assert [q.get("resumptionToken") for q in repo.list_requests[1:]] == ["full.1", "full.2", "full.3"]
    records = harvested(source)
    assert records.count() == 100 and HarvestedRecord.objects.filter(source=source).count() == 100
    soldier = records.get(origin_identifier="oai:urm_publish:9925821506101791")
    assert soldier.title.startswith("Der Soldat, oder, Abhandlung vom Kriegs-Stand")
    assert soldier.control_number == "9925821506101791" and soldier.source_library == network["commune"]
    assert HarvestedRecord.objects.get(source=source, identifier=soldier.origin_identifier).record == soldier
    source.refresh_from_db()
    assert source.last_response_date.isoformat() == "2016-06-01T07:57:34+00:00"
    assert AuditEntry.objects.filter(type="oaipmh.harvest.finished", actor=provincial_librarian).exists()


def test_harvesting_again_is_idempotent(corpus, network):
    repo = OAIRepository(fixture(corpus, IDENTIFY), split(fixture(corpus, VUFIND_MARC), 40))
    with LocalServer(repo) as server:
        source = make_source(network["commune"], f"{server.base}/oai")
        first = harvest(source)
        again = harvest(source, full=True)
    assert first.imported == 100
    assert (again.mode, again.imported, again.updated, again.rejected) == ("full", 0, 100, 0)
    assert harvested(source).count() == 100
    assert Record.objects.filter(deleted_at__isnull=True).count() == 100


def test_incremental_asks_from_the_last_response_date(corpus, network):
    repo = OAIRepository(fixture(corpus, IDENTIFY), split(fixture(corpus, VUFIND_MARC), 50))
    with LocalServer(repo) as server:
        source = make_source(network["commune"], f"{server.base}/oai")
        harvest(source)
        # Nothing changed since: the repository says noRecordsMatch, which is no failure.
        run = harvest(source)
    assert run.mode == "incremental" and run.status == HarvestRun.Status.SUCCEEDED
    assert run.received == 0 and run.from_date == "2016-06-01T07:57:34Z"
    assert repo.list_requests[-1]["from"] == "2016-06-01T07:57:34Z"


def test_day_granularity_sends_a_day(corpus, network):
    identify = fixture(corpus, IDENTIFY).replace(b"YYYY-MM-DDThh:mm:ssZ", b"YYYY-MM-DD")
    repo = OAIRepository(identify, [fixture(corpus, CALTECH)])
    with LocalServer(repo) as server:
        source = make_source(network["commune"], f"{server.base}/oai", metadata_prefix="oai_dc")
        harvest(source)
        harvest(source)
    assert repo.list_requests[-1]["from"] == "2005-12-20"


def test_oai_dc_caltech(corpus, network):
    repo = OAIRepository(fixture(corpus, IDENTIFY), [fixture(corpus, CALTECH)])
    with LocalServer(repo) as server:
        source = make_source(network["school"], f"{server.base}/oai", metadata_prefix="oai_dc")
        run = harvest(source)
    assert run.status == HarvestRun.Status.SUCCEEDED, run.error
    assert (run.pages, run.received, run.imported, run.rejected) == (1, 100, 100, 0)
    record = harvested(source).get(origin_identifier="oai:caltechcstr.library.caltech.edu:4")
    assert record.title == "A Language Processor and a Sample Language"
    assert "Ayres" in record.author and record.year == 1978
    assert record.control_number == "oai:caltechcstr.library.caltech.edu:4"
    assert record.control_source == "VN-TST-THPT"


def test_traject_pages_with_and_without_namespace(corpus, network):
    pages = [
        fixture(corpus, "traject/test/test_support/oai-pmh-one-record-first.xml"),
        fixture(corpus, "traject/test/test_support/oai-pmh-one-record-2.xml"),
        fixture(corpus, "traject/test/test_support/sample-oai-no-namespace.xml"),
    ]
    repo = OAIRepository(fixture(corpus, IDENTIFY), pages)
    with LocalServer(repo) as server:
        source = make_source(network["school"], f"{server.base}/oai", metadata_prefix="oai_dc")
        run = harvest(source)
    assert run.status == HarvestRun.Status.SUCCEEDED, run.error
    # 1 + 1 + 10 records, of which the first two reappear on the third page (the same identifiers).
    assert (run.pages, run.received) == (3, 12)
    assert harvested(source).count() == 10
    assert harvested(source).filter(title="Spice Storage").exists()


def test_pyoai_responses_and_identify(corpus, network):
    tests = "pyoai/src/oaipmh/tests"
    pages = [fixture(corpus, f"{tests}/fake1/00005.xml"), fixture(corpus, f"{tests}/fake2/00002.xml")]
    repo = OAIRepository(fixture(corpus, f"{tests}/fake1/00001.xml"), pages)
    with LocalServer(repo) as server:
        source = make_source(network["school"], f"{server.base}/oai", metadata_prefix="oai_dc")
        run = harvest(source)
    assert run.status == HarvestRun.Status.SUCCEEDED, run.error
    assert (run.received, run.deleted) == (16 + 81, 2)
    assert run.imported + run.updated == 16 + 79 and run.rejected == 0
    assert HarvestedRecord.objects.get(source=source, identifier="hdl:1765/1160").deleted
    assert harvested(source).filter(identifiers__value="9789058920362").exists()


def test_record_without_usable_metadata_is_reported(corpus, network):
    repo = OAIRepository(
        fixture(corpus, IDENTIFY), [fixture(corpus, "vufindharvest/tests/fixtures/list_records_response.xml")]
    )
    with LocalServer(repo) as server:
        source = make_source(network["school"], f"{server.base}/oai", metadata_prefix="oai_dc")
        run = harvest(source)
    assert run.status == HarvestRun.Status.SUCCEEDED
    assert (run.received, run.deleted, run.rejected, run.imported) == (2, 1, 1, 0)
    problem = next(p for p in run.problems if p["identifier"] == "fake:foo2")
    assert problem["status"] == "rejected" and "<foo>" in problem["message"]


def _bare_marc(title: str) -> str:
    # No namespace, no 001: as some repositories publish their MARC.
    return (
        "<record><leader>00000nam a2200000 i 4500</leader>"
        '<controlfield tag="008">240101s2020    vm            000 0 vie d</controlfield>'
        f'<datafield tag="245" ind1="0" ind2="0"><subfield code="a">{title}</subfield></datafield>'
        '<datafield tag="952" ind1=" " ind2=" "><subfield code="p">XA-9</subfield></datafield></record>'
    )


def test_marc_without_namespace_or_control_number_finds_itself_again(corpus, network):
    page = page_of([marc_record("oai:xa:9", _bare_marc("Địa chí Hòa Bình"))])
    repo = OAIRepository(fixture(corpus, IDENTIFY), [page])
    with LocalServer(repo) as server:
        source = make_source(network["commune"], f"{server.base}/oai")
        first = harvest(source)
        repo.pages = [page_of([marc_record("oai:xa:9", _bare_marc("Địa chí xã Hòa Bình"))])]
        second = harvest(source, full=True)
    assert (first.imported, second.updated) == (1, 1)
    record = harvested(source).get()
    assert record.title == "Địa chí xã Hòa Bình"
    assert (record.control_number, record.control_source) == ("oai:xa:9", "VN-TST-XA")
    assert HarvestedRecord.objects.get(source=source).barcodes == ["XA-9"]
    assert record.items.get().barcode == "XA-9"


def test_a_record_nested_in_a_record_is_refused(corpus, network):
    nested = "<record><leader>00000nam a2200000 i 4500</leader><record/></record>"
    page = page_of([marc_record("oai:x:nested", nested), marc_record("oai:xa:9", _bare_marc("Sách thật"))])
    repo = OAIRepository(fixture(corpus, IDENTIFY), [page])
    with LocalServer(repo) as server:
        run = harvest(make_source(network["commune"], f"{server.base}/oai"))
    assert (run.imported, run.rejected) == (1, 1)
    assert harvested(run.source).get().origin_identifier == "oai:xa:9"


def test_two_source_records_sharing_a_key_stay_two_records(corpus, network):
    def with_001(title):
        return _bare_marc(title).replace(
            "<leader>", '<controlfield tag="001">SAME-1</controlfield><leader>', 1
        )

    pages = [
        page_of([marc_record("oai:xa:1", with_001("Sách một"))]),
        page_of([marc_record("oai:xa:2", with_001("Sách hai"))]),
    ]
    repo = OAIRepository(fixture(corpus, IDENTIFY), pages)
    with LocalServer(repo) as server:
        run = harvest(make_source(network["commune"], f"{server.base}/oai"))
    # Each page is its own import: the identifier at the source, not the 001, says which is which.
    assert (run.imported, run.updated) == (2, 0)
    assert not [p for p in run.problems if p["status"] == "shared"]
    assert sorted(harvested(run.source).values_list("title", flat=True)) == ["Sách hai", "Sách một"]
