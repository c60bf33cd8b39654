"""Real copy-cataloguing targets for the tests: Zebra (Z39.50 and SRU) over a few records, and yaz-ztest.

Zebra's configuration is written here, small: the stock MARC 21 rules of the Debian package with the
records' character set declared (UTF-8, or MARC-8 for a database that keeps and returns MARC-8),
the ISBN and 001 indexed, words folded by ICU, and YAZ's CQL-to-PQF map for SRU.
"""

from __future__ import annotations

import contextlib
import glob
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from thuvien.testing import free_port, stop

ZEBRA_TAB = Path("/usr/share/idzebra-2.0/tab")
CQL_MAP = Path("/usr/share/yaz/etc/pqf.properties")


def zebra_missing() -> str | None:
    """Why Zebra cannot be started here, or None."""
    for tool in ("zebrasrv", "zebraidx"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (apt-get install idzebra-2.0)"
    if not (ZEBRA_TAB / "marc21.abs").is_file() or not _modules():
        return (
            "Zebra's MARC 21 configuration or filter modules are missing (idzebra-2.0-common, mod-grs-marc)"
        )
    if not CQL_MAP.is_file():
        return f"{CQL_MAP} is missing (the yaz package)"
    return None


def _modules() -> str:
    found = glob.glob("/usr/lib/*/idzebra-2.0/modules") + glob.glob("/usr/lib/idzebra-2.0/modules")
    return found[0] if found else ""


def wait_for(port: int, process: subprocess.Popen, log: Path, what: str) -> None:
    """Wait until PROCESS listens on PORT; fail the test with the end of its LOG if it does not."""
    deadline = time.monotonic() + 15
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                stop(process)
                pytest.fail(f"{what} did not start:\n{log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.05)


@contextlib.contextmanager
def zebra(directory: Path, records: bytes, *, encoding: str = "utf-8"):
    """Index RECORDS (ISO 2709, in ENCODING) in a Zebra of its own; yield its port (database "Default")."""
    reason = zebra_missing()
    if reason:
        pytest.skip(reason)
    for sub in ("reg", "lock", "tmp", "cfg", "recs"):
        (directory / sub).mkdir(parents=True, exist_ok=True)
    rules = (ZEBRA_TAB / "marc21.abs").read_text()
    rules = rules.replace("name marc21", f"name marc21\nencoding {encoding}", 1)
    rules += "\nmelm 001\t\tLocal-number,Local-number:p\nmelm 020$a\t\tISBN\n"
    (directory / "cfg" / "marc21.abs").write_text(rules)
    # Words through ICU: composed (MARC-8 arrives decomposed), lower case, without diacritics, as
    # Koha sets Zebra up; a query with or without them finds the record.
    chain = (
        '<icu_chain locale=""><transform rule="[:Control:] Any-Remove"/><tokenize rule="{}"/>'
        '<transform rule="NFD; [:Nonspacing Mark:] Remove; NFC"/><casemap rule="l"/></icu_chain>'
    )
    (directory / "cfg" / "words.xml").write_text(chain.format("w"))
    (directory / "cfg" / "phrases.xml").write_text(chain.format("l"))
    (directory / "cfg" / "icu.idx").write_text(
        "index w\ncompleteness 0\nposition 1\nalwaysmatches 1\nfirstinfield 1\nicuchain words.xml\n"
        "index p\ncompleteness 1\nicuchain phrases.xml\nindex n\ncompleteness 0\ncharmap numeric.chr\n"
        "index 0\ncompleteness 0\nposition 1\ncharmap @\nindex y\ncompleteness 0\ncharmap @\n"
        "sort s\ncompleteness 1\ncharmap string.chr\n"
    )
    (directory / "zebra.cfg").write_text(
        f"profilePath: cfg:{ZEBRA_TAB}\nmodulePath: {_modules()}\nattset: bib1.att\nattset: explain.att\n"
        "recordType: grs.marcxml.marc21\nindex: icu.idx\nencoding: UTF-8\nregister: reg:100M\n"
        "lockDir: lock\nsetTmpDir: tmp\nkeyTmpDir: tmp\n"
    )
    port = free_port()
    (directory / "yazgfs.xml").write_text(
        f'<yazgfs><listen id="lo">tcp:127.0.0.1:{port}</listen><server id="s1" listenref="lo">'
        f"<directory>{directory}</directory><config>zebra.cfg</config><cql2rpn>{CQL_MAP}</cql2rpn>"
        "</server></yazgfs>"
    )
    (directory / "recs" / "records.mrc").write_bytes(records)
    for step in (["init"], ["update", "recs"]):
        done = subprocess.run(
            ["zebraidx", "-c", "zebra.cfg", *step], cwd=directory, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr[-2000:]
    log = directory / "zebrasrv.log"
    process = subprocess.Popen(
        ["zebrasrv", "-f", "yazgfs.xml", "-l", str(log)], cwd=directory, start_new_session=True
    )
    try:
        wait_for(port, process, log, "zebrasrv")
        yield port
    finally:
        stop(process)


@contextlib.contextmanager
def ztest(directory: Path):
    """Run yaz-ztest (YAZ's test target: made-up MARC records for any search); yield its port."""
    if shutil.which("yaz-ztest") is None:
        pytest.skip("yaz-ztest is not installed (apt-get install yaz)")
    port = free_port()
    log = directory / "ztest.log"
    process = subprocess.Popen(
        ["yaz-ztest", "-l", str(log), f"tcp:127.0.0.1:{port}"], cwd=directory, start_new_session=True
    )
    try:
        wait_for(port, process, log, "yaz-ztest")
        yield port
    finally:
        stop(process)


def corpus_records(corpus: Path, *, synthetic: str = "vi_synthetic_utf8_nfc.mrc", real: int = 20) -> bytes:
    """The synthetic Vietnamese records, and REAL records of the real corpus that have an ISBN."""
    data = (corpus / "marc/synthetic-vietnamese" / synthetic).read_bytes()
    if not real:
        return data
    chosen = []
    with (corpus / "marc/_derived/real_bib_5349_utf8.mrc").open("rb") as f:
        for raw in f.read(4 * 1024 * 1024).split(b"\x1d")[:-1]:
            if _has_isbn(raw):
                chosen.append(raw + b"\x1d")
                if len(chosen) == real:
                    break
    return data + b"".join(chosen)


def _has_isbn(raw: bytes) -> bool:
    base = int(raw[12:17])
    directory = raw[24 : base - 1]
    for k in range(0, len(directory), 12):
        if directory[k : k + 3] == b"020":
            start = base + int(directory[k + 7 : k + 12])
            return raw[start + 2 : start + 4] == b"\x1fa"
    return False
