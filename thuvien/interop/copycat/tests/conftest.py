"""Copy-cataloguing fixtures: Zebra and yaz-ztest started once per test module, targets pointing at them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from thuvien.interop.copycat.tests.servers import corpus_records, zebra, ztest

REPO = Path(__file__).resolve().parents[4]


def corpus_path() -> Path:
    path = Path(os.environ.get("THUVIEN_CORPUS") or REPO.parent / "shared" / "corpus")
    if not path.is_dir():
        pytest.skip("test corpus not found: set THUVIEN_CORPUS to ../shared/corpus")
    return path


@pytest.fixture(scope="module")
def zebra_port(tmp_path_factory):
    """A Zebra holding the synthetic Vietnamese records (UTF-8) and 20 real ones with ISBNs."""
    with zebra(tmp_path_factory.mktemp("zebra"), corpus_records(corpus_path())) as port:
        yield port


@pytest.fixture(scope="module")
def zebra_marc8_port(tmp_path_factory):
    """A Zebra holding the synthetic Vietnamese records in MARC-8, and returning them as stored."""
    records = corpus_records(corpus_path(), synthetic="vi_synthetic_marc8.mrc", real=0)
    with zebra(tmp_path_factory.mktemp("zebra8"), records, encoding="marc-8") as port:
        yield port


@pytest.fixture(scope="module")
def ztest_port(tmp_path_factory):
    with ztest(tmp_path_factory.mktemp("ztest")) as port:
        yield port


@pytest.fixture
def make_target(network):
    """Return a function saving a target of the commune library (loopback allowed: the servers are local)."""
    from thuvien.interop.copycat.models import CopyTarget

    def make(code: str, *, library=None, **fields):
        values = {"name": code.upper(), "protocol": "z3950", "host": "127.0.0.1", "port": 210,
                  "database": "Default", "allow_private": True, **fields}  # fmt: skip
        return CopyTarget.objects.create(code=code, library=library or network["commune"], **values)

    return make
