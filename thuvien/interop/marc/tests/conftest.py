"""Shared fixtures: the test corpus (outside the repository) and small helpers."""

from __future__ import annotations

import gc
import os
import signal
from contextlib import contextmanager
from pathlib import Path

import pytest

# THUVIEN_CORPUS, else the shared corpus next to the repository (/work/shared/corpus).
CORPUS = Path(os.environ.get("THUVIEN_CORPUS") or Path(__file__).parents[4] / "../shared/corpus").resolve()
MARC = CORPUS / "marc"
DERIVED = MARC / "_derived" / "real_bib_5349_utf8.mrc"
SYNTH = MARC / "synthetic-vietnamese"


def corpus_path(relative: str) -> Path:
    """Return a corpus file, skipping the test when the corpus (or the file) is not there."""
    path = MARC / relative
    if not path.exists():
        pytest.skip(f"corpus file {relative} not available (set THUVIEN_CORPUS)")
    return path


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not MARC.is_dir():
        pytest.skip("test corpus not available (set THUVIEN_CORPUS)")
    return MARC


@pytest.fixture(scope="session")
def derived_items(corpus) -> list:
    """The 5,349 real records, read once for the whole session."""
    from thuvien.interop.marc import read_marc

    if not DERIVED.exists():
        pytest.skip("derived corpus file not available")
    items = list(read_marc(DERIVED))
    # Thousands of long-lived objects: keep the garbage collector from rescanning them all the time.
    gc.collect()
    gc.freeze()
    return items


@pytest.fixture(scope="session")
def derived_records(derived_items) -> list:
    return [i.record for i in derived_items]


@contextmanager
def time_limit(seconds: float):
    """Fail (instead of hanging) when the block runs longer than ``seconds``."""

    def _raise(signum, frame):
        raise TimeoutError(f"took longer than {seconds} s")

    old = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def record_key(record) -> tuple:
    """What a round trip must preserve: leader except 00-04/09/12-16, every field exactly."""
    leader = str(record.leader)
    fields = []
    for f in record.fields:
        if f.control_field:
            fields.append((f.tag, f.data))
        else:
            fields.append((f.tag, tuple(f.indicators), tuple((s.code, s.value) for s in f.subfields)))
    return leader[5:9] + leader[10:12] + leader[17:], tuple(fields)
