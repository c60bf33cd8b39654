"""Acceptance: copy cataloguing from another thuvien, started by the test, over SRU (/sru) and Z39.50 (z3950d).

The other node is a library of its own network ("VN-NUT") whose catalogue (the synthetic Vietnamese
records and a few real ones, each with a copy of the node in 952) is imported with `thuvien
import-marc`, served by `thuvien serve` and `thuvien z3950d`. Here, a cataloguer of the commune
library finds its records through the staff page, both protocols side by side, and imports them:
the Vietnamese text intact, the node's copies left behind, never twice the same record.
"""

from __future__ import annotations

import itertools
import subprocess

import pymarc
import pytest

from thuvien.audit.models import AuditEntry
from thuvien.catalog.models import Item, Record
from thuvien.interop.copycat.models import FetchedRecord
from thuvien.interop.copycat.search import TargetSpec, search_one
from thuvien.interop.copycat.tests.conftest import corpus_path
from thuvien.interop.copycat.tests.servers import wait_for
from thuvien.interop.marc import ParsedRecord, read_marc, write_marcxml
from thuvien.testing import THUVIEN, demo_env, free_port, serving, stop

pytestmark = pytest.mark.django_db

NODE = "VN-NUT"


def _thuvien(env: dict, *args: str) -> str:
    done = subprocess.run([str(THUVIEN), *args], env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, f"thuvien {' '.join(args)}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    """Another thuvien with its catalogue: yield (its /sru URL, its Z39.50 port)."""
    corpus = corpus_path()
    data = tmp_path_factory.mktemp("node")
    env = demo_env(data)
    files = [
        (corpus / "marc/synthetic-vietnamese/vi_synthetic_utf8_nfc.mrc", None),
        (corpus / "marc/_derived/real_bib_5349_utf8.mrc", 10),
    ]
    records = []
    for path, limit in files:
        for record in itertools.islice(
            (e.record for e in read_marc(path) if isinstance(e, ParsedRecord)), limit
        ):
            record.remove_fields("852", "952")
            record.add_field(
                pymarc.Field(
                    tag="952",
                    indicators=pymarc.Indicators(" ", " "),
                    subfields=[pymarc.Subfield("a", NODE), pymarc.Subfield("p", f"NUT-{len(records):04d}")],
                )
            )
            records.append(record)
    catalogue = data / "catalogue.xml"
    with catalogue.open("wb") as out:
        write_marcxml(records, out)
    # The first command migrates the new database by itself.
    _thuvien(env, "libraries", "add", NODE, "Thư viện tỉnh Núi", "--kind", "provincial")
    assert f"imported={len(records)}" in _thuvien(env, "import-marc", str(catalogue), "--library", NODE)
    port = free_port()
    log = (data / "z3950d.log").open("w")
    # Started first, so that it gets ready while the web server does.
    z3950d = subprocess.Popen(
        [str(THUVIEN), "z3950d", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        with serving(env, data, timeout=60) as base:
            wait_for(port, z3950d, data / "z3950d.log", "thuvien z3950d")
            yield f"{base}/sru", port
    finally:
        stop(z3950d)
        log.close()


@pytest.fixture
def node_targets(node, make_target):
    sru_url, port = node
    return (
        make_target("nut-sru", name="Tỉnh Núi (SRU)", protocol="sru", sru_url=sru_url, sru_version="2.0"),
        make_target("nut-z", name="Tỉnh Núi (Z39.50)", protocol="z3950", port=port, database="Default"),
    )


def test_both_protocols_find_the_same_record(node):
    sru_url, port = node
    sru = TargetSpec.from_url(sru_url, allow_private=True)
    z3950 = TargetSpec.from_url(f"z3950://127.0.0.1:{port}/Default", allow_private=True)
    for target in (sru, z3950):
        found = search_one(target, "title", "Truyện Kiều")
        assert not found.error and found.total == 1, (target.protocol, found.error)
        hit = found.hits[0]
        assert (hit.title, hit.author, hit.control_number) == ("Truyện Kiều", "Nguyễn Du", "VNSYN0001")
        assert search_one(target, "author", "Nguyễn Du").total >= 1
        assert search_one(target, "any", "truyen kieu").total >= 1  # typed without diacritics
    isbn = next(h.isbns[0] for h in search_one(sru, "any", "the", maximum=50).hits if h.isbns)
    for target in (sru, z3950):
        assert search_one(target, "isbn", isbn).hits[0].isbns[0] == isbn, target.protocol
    for syntax in ("usmarc", "xml"):
        assert search_one(z3950.__class__(**{**z3950.__dict__, "syntax": syntax}), "title", "Kiều").hits


def test_staff_page_imports_over_both_protocols_without_copies_and_once(
    client, commune_librarian, node_targets, network
):
    sru, z3950 = node_targets
    client.force_login(commune_librarian)
    page = client.get("/staff/copycat/", {"kind": "author", "q": "Nguyễn Du", "targets": [sru.pk, z3950.pk]})
    text = page.content.decode()
    assert text.count("Truyện Kiều") >= 2 and "Tỉnh Núi (SRU)" in text and "Tỉnh Núi (Z39.50)" in text
    from_z3950 = FetchedRecord.objects.filter(target=z3950).order_by("position").first()
    from_sru = FetchedRecord.objects.filter(target=sru).order_by("position").first()

    assert client.post(f"/staff/copycat/hits/{from_z3950.token}/import/").status_code == 302
    record = Record.objects.get(deleted_at__isnull=True)
    assert (
        record.title == "Truyện Kiều"
        and record.author == "Nguyễn Du"
        and record.control_number == "VNSYN0001"
    )
    assert record.publisher == "Nhà xuất bản Văn học" and record.source_library == network["commune"]
    assert not Item.objects.exists()  # NUT-0000 is the node's copy, not ours

    # The same record over SRU: the one copied over Z39.50 is updated, not doubled.
    client.post(f"/staff/copycat/hits/{from_sru.token}/import/")
    assert Record.objects.filter(deleted_at__isnull=True).count() == 1
    entries = AuditEntry.objects.filter(type="catalog.copycat.imported").order_by("pk")
    assert [(e.data["target"], e.data["status"]) for e in entries] == [
        ("nut-z", "imported"),
        ("nut-sru", "updated"),
    ]
