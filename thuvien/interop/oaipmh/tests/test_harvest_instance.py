"""Acceptance 2b: another thuvien, started by the test (its own data directory and SQLite), harvested over /oai.

The other node is a library of its own network ("VN-NUT"): its catalogue is imported with
`thuvien import-marc`, served with `thuvien serve`, and harvested here in marc21 (with its copies, as
852 fields) and in oai_dc. The harvesting side keeps each record's source library and OAI identifier.
"""

from __future__ import annotations

import itertools
import os
import subprocess
from pathlib import Path

import pymarc
import pytest

from thuvien.catalog.models import Item, Record
from thuvien.catalog.queries import public_records
from thuvien.interop.marc import ParsedRecord, read_marc, write_marcxml
from thuvien.interop.oaipmh.harvester import harvest
from thuvien.interop.oaipmh.models import HarvestedRecord, HarvestRun
from thuvien.interop.oaipmh.tests.servers import make_source
from thuvien.testing import THUVIEN, demo_env, serving

pytestmark = pytest.mark.django_db

NODE = "VN-NUT"
REAL = 40


def _thuvien(env: dict, *args: str) -> str:
    done = subprocess.run([str(THUVIEN), *args], env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, f"thuvien {' '.join(args)}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return done.stdout


def node_catalogue(corpus: Path) -> list[pymarc.Record]:
    """The node's records: the synthetic Vietnamese ones and REAL real ones, each with one copy of the node."""
    files = [
        (corpus / "marc/synthetic-vietnamese/vi_synthetic_utf8_nfc.mrc", None),
        (corpus / "marc/_derived/real_bib_5349_utf8.mrc", REAL),
    ]
    records = []
    for path, limit in files:
        parsed = (e.record for e in read_marc(path) if isinstance(e, ParsedRecord))
        for record in itertools.islice(parsed, limit):
            record.remove_fields("852", "952")
            record.add_field(
                pymarc.Field(
                    tag="952",
                    indicators=pymarc.Indicators(" ", " "),
                    subfields=[pymarc.Subfield("a", NODE), pymarc.Subfield("p", f"NUT-{len(records):04d}")],
                )
            )
            records.append(record)
    return records


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    """Another thuvien with its catalogue, serving on a free port: yield (its /oai URL, its records)."""
    corpus = Path(
        os.environ.get("THUVIEN_CORPUS") or Path(__file__).resolve().parents[4].parent / "shared/corpus"
    )
    if not corpus.is_dir():
        pytest.skip("test corpus not found: set THUVIEN_CORPUS to ../shared/corpus")
    data = tmp_path_factory.mktemp("node")
    env = demo_env(data)
    records = node_catalogue(corpus)
    catalogue = data / "catalogue.xml"
    with catalogue.open("wb") as out:
        write_marcxml(records, out)
    _thuvien(env, "migrate", "--verbosity", "0")
    _thuvien(env, "libraries", "add", NODE, "Thư viện tỉnh Núi", "--kind", "provincial")
    imported = _thuvien(env, "import-marc", str(catalogue), "--library", NODE, "--no-index")
    assert f"imported={len(records)}" in imported
    with serving(env, data, timeout=60) as base:
        yield f"{base}/oai", records


def test_harvest_another_thuvien_in_marc21(node, network):
    url, records = node
    source = make_source(network["school"], url, code="nut-marc", metadata_prefix="marc21")
    run = harvest(source)
    assert run.status == HarvestRun.Status.SUCCEEDED, run.error
    assert (run.received, run.imported, run.rejected) == (len(records), len(records), 0), run.problems
    harvested = Record.objects.filter(source_library=network["school"])
    assert harvested.count() == len(records) == public_records().count()
    # The Vietnamese records arrive intact (NFC), with their identifiers from the node.
    kieu = harvested.get(control_number="VNSYN0001")
    assert kieu.title.startswith("Truyện Kiều") and kieu.author.startswith("Nguyễn Du")
    origin = HarvestedRecord.objects.get(source=source, record=kieu).identifier
    assert kieu.origin_identifier == origin and origin.startswith("oai:")
    # Each copy came across (its library unknown here: it belongs to the source's library).
    assert Item.objects.filter(library=network["school"]).count() == len(records)
    assert Item.objects.get(barcode="NUT-0000").record == kieu

    again = harvest(source)
    assert again.status == HarvestRun.Status.SUCCEEDED and again.mode == "incremental"
    assert again.imported == 0 and harvested.count() == len(records)


def test_harvest_another_thuvien_in_oai_dc(node, network):
    url, records = node
    source = make_source(network["commune"], url, code="nut-dc", metadata_prefix="oai_dc")
    run = harvest(source)
    assert run.status == HarvestRun.Status.SUCCEEDED, run.error
    assert (run.received, run.imported, run.rejected) == (len(records), len(records), 0), run.problems
    harvested = Record.objects.filter(source_library=network["commune"])
    assert harvested.count() == len(records)
    kieu = harvested.get(title__startswith="Truyện Kiều")
    assert "Nguyễn Du" in kieu.author and kieu.year == 2015 and kieu.language == "vie"
    assert kieu.control_number == kieu.origin_identifier  # the OAI identifier numbers a Dublin Core record
    assert harvest(source, full=True).updated == len(records)
    assert harvested.count() == len(records)
