"""SRU fixtures: the official schemas compiled offline, requests to /sru, a small Vietnamese catalogue."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from lxml import etree

from thuvien import testing

REPO = Path(__file__).resolve().parents[4]
ZS = "{http://www.loc.gov/zing/srw/}"
SRU2 = "{http://docs.oasis-open.org/ns/search-ws/sruResponse}"
SCAN2 = "{http://docs.oasis-open.org/ns/search-ws/scan}"
DIAG1 = "{http://www.loc.gov/zing/srw/diagnostic/}"
DIAG2 = "{http://docs.oasis-open.org/ns/search-ws/diagnostic}"
ZEEREX = "{http://explain.z3950.org/dtd/2.0/}"
MARC = "{http://www.loc.gov/MARC21/slim}"
DC = "{http://purl.org/dc/elements/1.1/}"
# The schemas a response may need, by namespace. SRU 1.2 has no schema of its own: it shares 1.1's
# namespace and types. Record payloads are validated too (recordData is "lax": a known element is
# checked), and the explain record against OASIS's ZeeRex schema.
SCHEMAS = {
    "http://www.loc.gov/zing/srw/": "sru/1.1/srw-types.xsd",
    "http://docs.oasis-open.org/ns/search-ws/sruResponse": "sru/2.0/sruResponse.xsd",
    "http://explain.z3950.org/dtd/2.0/": "sru/2.0/explain.xsd",
    "http://www.loc.gov/MARC21/slim": "marc/MARC21slim.xsd",
    "http://purl.org/dc/elements/1.1/": "dublin-core/simpledc20021212.xsd",
}


def specs_dir() -> Path | None:
    return testing.specs_dir("sru/1.1/srw-types.xsd")


class Validator:
    def __init__(self, specs: Path):
        self.schema = testing.xml_schema(specs, SCHEMAS)

    def __call__(self, body: bytes) -> etree._Element:
        """Parse BODY, assert that it is valid against the SRU (and payload) schemas, return its root."""
        root = etree.fromstring(
            body, etree.XMLParser(no_network=True, resolve_entities=False, huge_tree=True)
        )
        if not self.schema.validate(root):
            errors = "\n".join(str(e) for e in list(self.schema.error_log)[:10])
            raise AssertionError(f"response invalid against the SRU schemas:\n{errors}\n{body[:3000]!r}")
        # recordData of a 1.x response and an explain record inside it are "lax": make sure the
        # payloads this server sends are really checked, not skipped as unknown.
        for explain in root.iter(f"{ZEEREX}explain"):
            assert self.schema.validate(etree.ElementTree(explain)), self.schema.error_log
        return root


_validator: Validator | None = None


@pytest.fixture(scope="session")
def validate() -> Validator:
    """Return a function validating an SRU response (skips when the specs are not there)."""
    global _validator
    specs = specs_dir()
    if specs is None:
        pytest.skip("SRU schemas not found: set THUVIEN_SPECS to ../shared/specs")
    if _validator is None:
        _validator = Validator(specs)
    return _validator


@pytest.fixture
def sru(client, validate):
    """Return a function doing GET /sru with the given parameters and returning the validated root."""

    def get(**params):
        response = client.get("/sru", params)
        assert response.status_code == 200, response.content[:500]
        assert response["Content-Type"].startswith(("text/xml", "application/sru+xml", "application/xml"))
        return validate(response.content)

    return get


def diagnostics(root) -> list[int]:
    """Return the numbers of the diagnostics in ROOT (either version)."""
    uris = [e.text for e in root.iter(f"{DIAG1}uri", f"{DIAG2}uri")]
    assert all(u.startswith("info:srw/diagnostic/1/") for u in uris), uris
    return [int(u.rsplit("/", 1)[1]) for u in uris]


def count(root) -> int:
    return int(root.findtext(f"{ZS}numberOfRecords") or root.findtext(f"{SRU2}numberOfRecords"))


def titles(root) -> list[str]:
    """Return the 245 $a of the MARCXML records in ROOT, in order."""
    found = []
    for field in root.iter(f"{MARC}datafield"):
        if field.get("tag") == "245":
            found += [s.text.rstrip(" :/") for s in field.iter(f"{MARC}subfield") if s.get("code") == "a"]
    return found


@pytest.fixture
def catalogue(network):
    """A few Vietnamese records (and an English one) with copies, plus hidden, deleted and merged ones."""
    from django.utils import timezone

    from thuvien.catalog.actions import merge_records, set_suppressed
    from thuvien.catalog.models import Record
    from thuvien.catalog.tests.factories import import_records, marc_record
    from thuvien.search import index
    from thuvien.search.indexer import apply_outbox

    import_records(
        [
            marc_record(
                "Truyện Kiều",
                "Nguyễn Du",
                subjects=["Thơ lục bát"],
                year=1995,
                holdings=[("VN-TST", "B001", "895.9221")],
            ),
            marc_record(
                "Hoà Bình quê tôi", "Trần Văn Hùng", year=2001, holdings=[("VN-TST-XA", "B002", "915.97")]
            ),
            marc_record("Đường về Hòa Bình", "Lê Thị Hoa", subjects=["Lịch sử Việt Nam"], year=2010),
            marc_record("Hoa binh and war", "John Smith", language="eng", year=1975),
            marc_record("Đà Nẵng xưa và nay", "Phạm Đức", isbn="978-604-1-23456-7", year=2020),
            marc_record("Lập trình Python", "Đỗ Minh", isbn="0-306-40615-2", year=2020),
            marc_record("Số đỏ", "Vũ Trọng Phụng", subjects=["Tiểu thuyết"], year=1936),
            marc_record("Bí mật ẩn BIMAT", "Ẩn Danh", year=1999),
            marc_record("Bí mật đã xoá BIMAT", "Ẩn Danh", year=1999),
            marc_record("Số đỏ BIMAT", "Vũ Trọng Phụng", year=1936, isbn="978-604-2-00000-1"),
        ]
    )
    records = {r.title: r for r in Record.objects.all()}
    set_suppressed(records["Bí mật ẩn BIMAT"], True)
    Record.objects.filter(pk=records["Bí mật đã xoá BIMAT"].pk).update(deleted_at=timezone.now())
    merge_records(records["Số đỏ"], records["Số đỏ BIMAT"])
    from thuvien.search.indexer import enqueue

    enqueue([records["Bí mật đã xoá BIMAT"].pk])
    apply_outbox()
    index.refresh()
    return records


LIVE_LIBRARY = "VN-NUT"
LIVE_REAL = 40


def _thuvien(env: dict, *args: str) -> str:
    import subprocess

    from thuvien.testing import THUVIEN

    done = subprocess.run([str(THUVIEN), *args], env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, f"thuvien {' '.join(args)}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return done.stdout


@pytest.fixture(scope="session")
def live_sru(tmp_path_factory):
    """Another thuvien (its own SQLite) with the synthetic Vietnamese records and a few real ones: yield its /sru URL."""
    import itertools

    from thuvien.interop.marc import ParsedRecord, read_marc, write_marcxml
    from thuvien.testing import demo_env, serving

    corpus = Path(os.environ.get("THUVIEN_CORPUS") or REPO.parent / "shared/corpus")
    if not corpus.is_dir():
        pytest.skip("test corpus not found: set THUVIEN_CORPUS to ../shared/corpus")
    data = tmp_path_factory.mktemp("sru-node")
    env = demo_env(data)
    records = []
    for path, limit in [
        (corpus / "marc/synthetic-vietnamese/vi_synthetic_utf8_nfc.mrc", None),
        (corpus / "marc/_derived/real_bib_5349_utf8.mrc", LIVE_REAL),
    ]:
        parsed = (e.record for e in read_marc(path) if isinstance(e, ParsedRecord))
        records += itertools.islice(parsed, limit)
    catalogue = data / "catalogue.xml"
    with catalogue.open("wb") as out:
        write_marcxml(records, out)
    _thuvien(env, "migrate", "--verbosity", "0")
    _thuvien(env, "libraries", "add", LIVE_LIBRARY, "Thư viện tỉnh Núi", "--kind", "provincial")
    imported = _thuvien(env, "import-marc", str(catalogue), "--library", LIVE_LIBRARY)
    assert f"imported={len(records)}" in imported
    with serving(env, data, timeout=60) as base:
        yield f"{base}/sru", data
