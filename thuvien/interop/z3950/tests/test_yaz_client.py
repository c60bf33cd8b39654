"""Acceptance: yaz-client, driven by a command script, against `thuvien z3950d` serving a catalogue of its own.

The daemon runs as a subprocess over a data directory prepared with `thuvien import-marc` (the
synthetic Vietnamese records and some real ones), as a library would run it.
"""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pymarc
import pytest

from thuvien.interop.marc import ParsedRecord, read_marc, write_marcxml
from thuvien.interop.z3950.tests.conftest import yaz
from thuvien.testing import THUVIEN, demo_env, free_port, stop

REAL = 100

pytestmark = pytest.mark.skipif(
    shutil.which("yaz-client") is None, reason="yaz-client is not installed (apt-get install yaz)"
)


def _thuvien(env: dict, *args: str) -> str:
    done = subprocess.run([str(THUVIEN), *args], env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, f"thuvien {' '.join(args)}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def node(tmp_path_factory, request):
    """A data directory with the catalogue and a staff account: (environment, data directory)."""
    corpus = request.getfixturevalue("corpus_path")
    data = tmp_path_factory.mktemp("z3950node")
    env = demo_env(data)
    records = []
    for path, limit in (
        (corpus / "marc/synthetic-vietnamese/vi_synthetic_utf8_nfc.mrc", None),
        (corpus / "marc/_derived/real_bib_5349_utf8.mrc", REAL),
    ):
        parsed = (e.record for e in read_marc(path) if isinstance(e, ParsedRecord))
        records.extend(itertools.islice(parsed, limit))
    catalogue = data / "catalogue.xml"
    with catalogue.open("wb") as out:
        write_marcxml(records, out)
    # The first command migrates the new database itself.
    _thuvien(env, "libraries", "add", "VN-YAZ", "Thư viện tỉnh Thử", "--kind", "provincial")
    assert f"imported={len(records)}" in _thuvien(env, "import-marc", str(catalogue), "--library", "VN-YAZ")
    return env, data


@pytest.fixture(scope="module")
def corpus_path():
    from conftest import corpus_dir

    path = corpus_dir()
    if path is None:
        pytest.skip("test corpus not found: set THUVIEN_CORPUS to ../shared/corpus")
    return path


def _start(env: dict, data: Path, *args: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    log = (data / f"z3950d-{port}.log").open("w")
    process = subprocess.Popen(
        [str(THUVIEN), "z3950d", "--port", str(port), *args],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return process, port
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                stop(process)
                pytest.fail(f"z3950d did not start:\n{(data / f'z3950d-{port}.log').read_text()[-2000:]}")
            time.sleep(0.1)


@pytest.fixture(scope="module")
def daemon(node):
    """`thuvien z3950d` serving the node: (process, port); the last test stops it with SIGTERM."""
    env, data = node
    process, port = _start(env, data)
    yield process, port
    stop(process)


@pytest.fixture
def z3950d(daemon):
    return daemon[1]


def test_yaz_client_searches_and_presents_marc_records(z3950d, tmp_path):
    out = yaz(
        z3950d,
        """
        set_marcdump records.mrc
        find @attr 1=4 "truyen kieu"
        show 1
        find @attr 1=1003 "nguyen du"
        show 1+1
        close
        """,
        cwd=tmp_path,
    )
    assert "Connection accepted by v3 target" in out and "Name   : thuvien Z39.50" in out
    assert "Number of hits: 1, setno 1" in out
    assert "Record type: USmarc" in out
    assert "Truyện Kiều" in out
    assert "Reason: finished" in out  # the Close was answered with a Close
    dumped = list(
        pymarc.MARCReader((tmp_path / "records.mrc").read_bytes(), to_unicode=True, force_utf8=True)
    )
    assert dumped and dumped[0]["245"]["a"].startswith("Truyện Kiều")
    assert all(r.leader[9] == "a" for r in dumped)


def test_yaz_client_negotiates_utf8_and_gets_marcxml(z3950d):
    out = yaz(
        z3950d,
        """
        find @attr 1=1016 "ha noi"
        format xml
        show 1+3
        """,
    )
    assert "Accepted character set" not in out  # nothing proposed, nothing accepted
    negotiated = yaz(
        z3950d,
        """
        charset UTF-8
        open tcp:127.0.0.1:{port}/Default
        find @attr 1=4 @attr 5=1 "truyen ki"
        format xml
        show 1
        """.replace("{port}", str(z3950d)),
    )
    assert "Accepted character set : UTF-8" in negotiated
    assert "Record type: XML" in negotiated and "<record xmlns:xsi=" in negotiated
    assert "Truyện Kiều" in negotiated
    assert "Record type: XML" in out


def test_named_result_sets_scan_and_diagnostics(z3950d):
    out = yaz(
        z3950d,
        """
        find @attr 1=4 "truyen kieu"
        find @attr 1=1016 music
        show 1+1+1
        scan @attr 1=4 kieu
        find @attr 1=9999 x
        find @attr 1=4 @attr 2=7 x
        find @attr 1=4 @attr 5=102 "k.*"
        format unimarc
        show 1+1+2
        """,
    )
    assert "setno 1" in out and "setno 2" in out
    assert "Truyện Kiều" in out  # from set 1, presented after set 2 was made
    assert "* kieu (1)" in out
    assert "[114] Unsupported Use attribute -- v3 addinfo '9999'" in out
    assert "[117] Unsupported Relation attribute -- v3 addinfo '7'" in out
    assert "[120] Unsupported Truncation attribute -- v3 addinfo '102'" in out
    assert "[239] Record syntax not supported" in out


def test_zoom_client_as_koha_uses_it(z3950d):
    # Koha copy-catalogues through ZOOM (Net::Z3950::ZOOM); zoomsh is ZOOM's shell.
    zoomsh = shutil.which("zoomsh")
    if zoomsh is None:
        pytest.skip("zoomsh is not installed (apt-get install yaz)")
    commands = ["set preferredRecordSyntax usmarc", "set charset UTF-8", f"connect 127.0.0.1:{z3950d}/Default",
                'search @attr 1=4 @attr 5=1 "truyen ki"', "show 0 1", "set preferredRecordSyntax xml",
                'search @attr 1=1003 "nguyen"', "show 0 3", "quit"]  # fmt: skip
    done = subprocess.run([zoomsh, *commands], capture_output=True, text=True, timeout=60)
    out = done.stdout + done.stderr
    assert "Default: 1 hits" in out and "syntax=USmarc" in out and "245 10 $a Truyện Kiều" in out
    assert "syntax=XML" in out and out.count("<record ") == 3


def test_workers_share_the_port_and_stop_together(node, tmp_path):
    env, data = node
    process, port = _start(env, data, "--workers", "2")
    try:
        outs = [yaz(port, 'find @attr 1=4 "truyen kieu"\nshow 1\nclose\n', cwd=tmp_path) for _ in range(4)]
        assert all("Number of hits: 1, setno 1" in out and "Truyện Kiều" in out for out in outs)
        os.killpg(process.pid, signal.SIGTERM)
        assert process.wait(timeout=40) == 0
        log = (data / f"z3950d-{port}.log").read_text()
        assert "2 workers" in log and "thuvien z3950d: stopped" in log
    finally:
        stop(process)


def test_sigterm_stops_the_daemon_cleanly(daemon, node):
    # Last in this module: the other tests share the daemon.
    process, port = daemon
    _env, data = node
    os.killpg(process.pid, signal.SIGTERM)
    assert process.wait(timeout=20) == 0
    log = (data / f"z3950d-{port}.log").read_text()
    assert "thuvien z3950d: listening" in log and "thuvien z3950d: stopped" in log
    assert "truyen" not in log  # no query text in the log at INFO
