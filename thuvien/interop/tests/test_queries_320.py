"""Issue 5, acceptance 1: yaz-client against `thuvien z3950d` and `/sru` over the 5,349 real records.

A thuvien of its own (SQLite in a temporary data directory) imports the corpus and serves the OPAC,
SRU and Z39.50. For each of the 320 benchmark queries, yaz-client sends the PQF form to the Z39.50
server and the CQL form to the SRU endpoint; the hit counts must equal the OPAC's count for the
query a reader would type (the REST API's search, which is the OPAC's).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import urlopen

import pytest

from thuvien.testing import THUVIEN, demo_env, free_port, serving, stop

pytestmark = pytest.mark.skipif(
    shutil.which("yaz-client") is None, reason="yaz-client (Debian package yaz) is not installed"
)

# yaz-client speaks SRW (SOAP) to an http target unless told to use SRU over GET.
SRU_SETUP = ["sru get 1.2", "querytype cql"]
CQL_FIELDS = {"dc.title": "title", "dc.creator": "author", "dc.subject": "subject", "cql.serverChoice": None}


def corpus_dir() -> Path:
    corpus = Path(os.environ.get("THUVIEN_CORPUS") or Path(__file__).resolve().parents[4] / "shared/corpus")
    if not (corpus / "bench/queries_320.json").is_file():
        pytest.skip("test corpus not found: set THUVIEN_CORPUS to ../shared/corpus")
    return corpus


def opac_text(cql: str) -> str:
    """Return what a reader types in the OPAC box for the benchmark's CQL form (its own translation)."""
    parts = []
    for index, value in re.findall(r'([\w.]+)="([^"]*)"', cql):
        field = CQL_FIELDS[index]
        term = value if value.endswith("*") else f'"{value}"'
        parts.append(f"{field}:{term}" if field else term)
    return " ".join(parts)


def yaz(target: str, commands: list[str]) -> list[str]:
    """Run COMMANDS in one yaz-client session on TARGET; return each command's output, in order."""
    script = "\n".join([*commands, "quit"]) + "\n"
    done = subprocess.run(
        ["yaz-client", target], input=script, capture_output=True, text=True, timeout=600, errors="replace"
    )
    segments = done.stdout.split("Z> ")[1:]
    assert len(segments) >= len(commands), done.stdout[-3000:] + done.stderr[-2000:]
    return segments[: len(commands)]


def hits(segment: str) -> int | None:
    found = re.search(r"Number of hits: (\d+)", segment)
    return int(found.group(1)) if found else None


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    """A thuvien holding the 5,349 real records, serving HTTP and Z39.50: yield (base URL, Z39.50 port)."""
    corpus = corpus_dir()
    data = tmp_path_factory.mktemp("node320")
    env = demo_env(data)
    run = [str(THUVIEN)]
    subprocess.run([*run, "migrate", "--verbosity", "0"], env=env, check=True, timeout=300)
    subprocess.run(
        [*run, "libraries", "add", "VN-Q320", "Thư viện thử", "--kind", "provincial"],
        env=env,
        check=True,
        timeout=120,
        capture_output=True,
    )
    done = subprocess.run(
        [*run, "import-marc", str(corpus / "marc/_derived/real_bib_5349_utf8.mrc"), "--library", "VN-Q320"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    port = free_port()
    log = (data / "z3950d.log").open("w")
    z3950d = subprocess.Popen(
        [*run, "z3950d", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        with serving(env, data, timeout=60) as base:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                probe = subprocess.run(
                    ["yaz-client", f"tcp:127.0.0.1:{port}/Default"],
                    input="quit\n",
                    capture_output=True,
                    text=True,
                    timeout=20,
                )
                if "Connection accepted" in probe.stdout:
                    break
                time.sleep(0.3)
            yield base, port
    finally:
        stop(z3950d)


@pytest.fixture(scope="module")
def queries():
    return json.loads((corpus_dir() / "bench/queries_320.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def opac_counts(node, queries):
    base, _port = node
    counts = []
    for query in queries:
        with urlopen(
            f"{base}/api/v1/search?{urlencode({'q': opac_text(query['cql']), 'limit': 1})}"
        ) as reply:
            counts.append(json.load(reply)["total"])
    # The comparison means something only if the queries find records.
    assert sum(1 for c in counts if c > 0) >= 300, counts
    return counts


def _compare(queries, counts, outputs, form: str) -> None:
    wrong = []
    for query, expected, output in zip(queries, counts, outputs, strict=True):
        got = hits(output)
        if got != expected:
            wrong.append(
                f"{query[form]!r}: OPAC {expected}, got {got if got is not None else output[-300:]!r}"
            )
    assert not wrong, f"{len(wrong)} of {len(queries)} differ:\n" + "\n".join(wrong[:20])


def test_z3950_hit_counts_agree_with_the_opac(node, queries, opac_counts):
    _base, port = node
    outputs = yaz(f"tcp:127.0.0.1:{port}/Default", [f"find {q['pqf']}" for q in queries])
    _compare(queries, opac_counts, outputs, "pqf")


def test_sru_hit_counts_agree_with_the_opac(node, queries, opac_counts):
    base, _port = node
    outputs = yaz(f"{base}/sru", SRU_SETUP + [f"find {q['cql']}" for q in queries])[len(SRU_SETUP) :]
    _compare(queries, opac_counts, outputs, "cql")


def test_yaz_client_presents_marc_records_over_both_protocols(node):
    base, port = node
    z = yaz(f"tcp:127.0.0.1:{port}/Default", ["find @attr 1=4 jazz", "show 1+2", "format xml", "show 3+1"])
    assert (hits(z[0]) or 0) > 3
    assert "245" in z[1] and "Record type: USmarc" in z[1]
    assert "<record" in z[3] and 'tag="245"' in z[3]
    s = yaz(f"{base}/sru", [*SRU_SETUP, "find dc.title=jazz", "show 1+2"])[len(SRU_SETUP) :]
    assert (hits(s[0]) or 0) > 3
    assert s[1].count("<record") >= 2 and 'tag="245"' in s[1]
