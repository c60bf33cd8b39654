"""The package's client against other targets: YAZ's test target and Zebra (the engine Koha ships).

No database is needed: these are other people's servers. Each is started here on a free port and
skipped, with the reason, where it is not installed.
"""

from __future__ import annotations

import contextlib
import glob
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pymarc
import pytest
from lxml import etree

from thuvien.interop.z3950.client import Z3950Client, Z3950Error
from thuvien.testing import free_port, stop

ZEBRA_TAB = Path("/usr/share/idzebra-2.0/tab")


def _wait(port: int, process: subprocess.Popen, log: Path, what: str) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                stop(process)
                text = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                pytest.fail(f"{what} did not start:\n{text}")
            time.sleep(0.05)


@contextlib.contextmanager
def _serve(command: list[str], port: int, cwd: Path, log: Path, what: str):
    process = subprocess.Popen(command, cwd=cwd, start_new_session=True)
    try:
        _wait(port, process, log, what)
        yield port
    finally:
        stop(process)


@pytest.fixture(scope="module")
def ztest(tmp_path_factory):
    if shutil.which("yaz-ztest") is None:
        pytest.skip("yaz-ztest is not installed (apt-get install yaz)")
    directory = tmp_path_factory.mktemp("ztest")
    port = free_port()
    log = directory / "ztest.log"
    with _serve(["yaz-ztest", "-l", str(log), f"tcp:127.0.0.1:{port}"], port, directory, log, "yaz-ztest"):
        yield port


@pytest.fixture(scope="module")
def zebra(tmp_path_factory):
    """Zebra over the synthetic Vietnamese records (UTF-8 MARC 21), database "Default"."""
    modules = (glob.glob("/usr/lib/*/idzebra-2.0/modules") or [""])[0]
    if not (
        shutil.which("zebrasrv")
        and shutil.which("zebraidx")
        and modules
        and (ZEBRA_TAB / "marc21.abs").is_file()
    ):
        pytest.skip("Zebra is not installed (apt-get install idzebra-2.0 libidzebra-2.0-mod-grs-marc)")
    from conftest import corpus_dir

    corpus = corpus_dir()
    if corpus is None:
        pytest.skip("test corpus not found: set THUVIEN_CORPUS to ../shared/corpus")
    directory = tmp_path_factory.mktemp("zebra")
    for sub in ("reg", "lock", "tmp", "cfg", "recs"):
        (directory / sub).mkdir()
    # The stock MARC 21 rules, told the records are UTF-8 (Zebra reads them as Latin-1 otherwise).
    rules = (ZEBRA_TAB / "marc21.abs").read_text().replace("name marc21", "name marc21\nencoding utf-8", 1)
    (directory / "cfg" / "marc21.abs").write_text(rules + "\nmelm 020$a\t\tISBN\n")
    (directory / "zebra.cfg").write_text(
        f"profilePath: cfg:{ZEBRA_TAB}\nmodulePath: {modules}\nattset: bib1.att\nattset: explain.att\n"
        "recordType: grs.marcxml.marc21\nencoding: UTF-8\nregister: reg:50M\nlockDir: lock\n"
        "setTmpDir: tmp\nkeyTmpDir: tmp\n"
    )
    (directory / "recs" / "vi.mrc").write_bytes(
        (corpus / "marc/synthetic-vietnamese/vi_synthetic_utf8_nfc.mrc").read_bytes()
    )
    for step in (["init"], ["update", "recs"]):
        done = subprocess.run(
            ["zebraidx", "-c", "zebra.cfg", *step], cwd=directory, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr[-2000:]
    port = free_port()
    (directory / "yazgfs.xml").write_text(
        f'<yazgfs><listen id="lo">tcp:127.0.0.1:{port}</listen><server id="s1" listenref="lo">'
        f"<directory>{directory}</directory><config>zebra.cfg</config></server></yazgfs>"
    )
    log = directory / "zebrasrv.log"
    with _serve(["zebrasrv", "-f", "yazgfs.xml", "-l", str(log)], port, directory, log, "zebrasrv"):
        yield port


def test_yaz_ztest(ztest):
    with Z3950Client("127.0.0.1", ztest, allow_private=True, timeout=10) as client:
        assert client.target_info["implementation_name"] == "GFS/YAZ"
        # YAZ's test target answers a UTF-8 proposal with Latin-1: the client says so, and goes on.
        assert client.target_info["charset"] == "ISO-8859-1"
        hits = client.search("@attr 1=4 computer")
        assert hits > 2
        records = client.present(1, 3)
        assert len(records) == 3
        assert all(pymarc.Record(data=r, force_utf8=True, to_unicode=True)["245"] for r in records)
        (xml,) = client.present(1, 1, syntax="xml")
        assert etree.fromstring(xml).tag == "{http://www.loc.gov/MARC21/slim}record"
        assert client.search("@attr 1=4 other", result_set="second") >= 0
        assert len(client.present(2, 1)) == 1  # the first set is still there
        # Vietnamese words cannot go to it in Latin-1: they go without diacritics instead.
        assert client.search('@attr 1=4 "Truyện Kiều"', result_set="third") >= 0


def test_yaz_ztest_without_negotiation(ztest):
    with Z3950Client("127.0.0.1", ztest, allow_private=True, charset="", timeout=10) as client:
        assert client.target_info["charset"] is None
        assert client.search("@attr 1=4 computer") > 0
        assert len(client.present(1, 2)) == 2


def test_zebra_finds_and_returns_vietnamese_records(zebra):
    with Z3950Client("127.0.0.1", zebra, allow_private=True, timeout=10) as client:
        assert client.search('@attr 1=4 "Truyện Kiều"') >= 1
        (record,) = client.present(1, 1)
        marc = pymarc.Record(data=record, to_unicode=True, force_utf8=True)
        assert marc["245"]["a"].startswith("Truyện Kiều")
        (xml,) = client.present(1, 1, syntax="xml")
        assert "Truyện Kiều" in xml.decode()
        assert client.search("@attr 1=1003 Nguyễn", result_set="authors") > 1
        assert len(client.present(1, 2, result_set="authors")) == 2
        with pytest.raises(Z3950Error) as caught:
            client.search("@attr 1=9999 x")
        assert caught.value.code == 114
        assert client.present(50, 1, result_set="authors") == []  # past the end: nothing asked
        terms = client.scan("@attr 1=4 kiều", 5)
        assert len(terms) == 5 and all(isinstance(n, int) for _t, n in terms)
