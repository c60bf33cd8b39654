"""Acceptance: YAZ's own client (yaz-client, Debian package yaz) searches /sru and shows MARC records."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from lxml import etree

from .conftest import MARC

YAZ_CLIENT = shutil.which("yaz-client")
pytestmark = pytest.mark.skipif(YAZ_CLIENT is None, reason="yaz-client not installed (Debian package yaz)")


def yaz(url: str, *commands: str) -> str:
    """Run yaz-client against URL with COMMANDS on its standard input; return what it printed."""
    done = subprocess.run(
        [YAZ_CLIENT, url],
        input="\n".join([*commands, "quit", ""]),
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.stdout


def records(output: str) -> list[etree._Element]:
    """Return the MARCXML records yaz-client printed, parsed."""
    found = []
    for line in output.splitlines():
        start = line.find("<record ")
        if start >= 0:
            found.append(etree.fromstring(line[start:].encode()))
    return found


def title(record) -> str:
    field = next(f for f in record.iter(f"{MARC}datafield") if f.get("tag") == "245")
    return next(s.text for s in field if s.get("code") == "a")


@pytest.mark.parametrize("mode", ["sru get 1.2", "sru post 2.0", "sru get 1.1"])
def test_yaz_client_searches_and_shows_marc_records(live_sru, mode):
    url, _data = live_sru
    output = yaz(
        url, mode, 'find dc.title = "truyen kieu"', "show 1", 'find dc.creator = "nguyễn du"', "show 1"
    )
    assert output.count("Number of hits: 1") >= 2, output[-3000:]
    shown = records(output)
    assert len(shown) == 2, output[-3000:]
    assert all(title(r).startswith("Truyện Kiều") for r in shown)
    assert "pos=1 schema=info:srw/schema/1/marcxml-v1.1" in output


def test_yaz_client_pages_scans_and_reads_diagnostics(live_sru):
    url, _data = live_sru
    output = yaz(
        url,
        "sru get 1.2",
        "find cql.allRecords = 1",
        "show 1+5",
        "scan dc.title = truyen",
        "find dc.title = (broken",
        "find dc.nowhere = x",
    )
    assert "Number of hits: 52" in output, output[-3000:]
    assert len(records(output)) == 5
    assert "Received SRW Scan Response" in output and "truyen: " in output
    assert "SRW diagnostic info:srw/diagnostic/1/10" in output
    assert "SRW diagnostic info:srw/diagnostic/1/16" in output
