"""Through a real `thuvien serve`: an edit made in the staff pages is findable within 2 seconds."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

THUVIEN = Path(sys.executable).with_name("thuvien")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("serve-data")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["THUVIEN_DATA_DIR"] = str(data)
    env["THUVIEN_SEARCH_POLL_INTERVAL"] = "0.3"
    subprocess.run(
        [str(THUVIEN), "demo", "--no-serve", "--records", "200", "--no-ocr"],
        env=env,
        check=True,
        capture_output=True,
        timeout=180,
    )
    port = free_port()
    process = subprocess.Popen(
        [str(THUVIEN), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(base + "/health", timeout=2)
                break
            except urllib.error.HTTPError:
                break  # it answers (503 only says the index lags)
            except OSError:
                if process.poll() is not None:
                    pytest.fail(f"thuvien serve exited with {process.returncode}")
                time.sleep(0.2)
        else:
            pytest.fail("thuvien serve did not start")
        yield base
    finally:
        os.killpg(os.getpgid(process.pid), signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(os.getpgid(process.pid), signal.SIGKILL)


def _opener():
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar)), jar


def _csrf(jar) -> str:
    return next(c.value for c in jar if c.name == "csrftoken")


def _total(base: str, q: str) -> int:
    with urllib.request.urlopen(base + "/api/v1/search?" + urllib.parse.urlencode({"q": q}), timeout=5) as r:
        return json.load(r)["total"]


def test_an_edit_is_findable_within_two_seconds(server):
    opener, jar = _opener()
    opener.open(server + "/staff/login/", timeout=5).read()
    login = urllib.parse.urlencode(
        {"username": "quantri", "password": "thuvien-demo", "csrfmiddlewaretoken": _csrf(jar)}
    ).encode()
    opener.open(
        urllib.request.Request(server + "/staff/login/", data=login, headers={"Referer": server}), timeout=5
    )
    page = opener.open(server + "/staff/records/", timeout=5).read().decode()
    record_id = re.search(r'href="/staff/records/(\d+)/"', page).group(1)
    word = "Kỳlânđộcbản"
    assert _total(server, word) == 0
    form = {
        "leader": "00000nam a2200000 i 4500",
        "tag": ["001", "245", "100"],
        "ind1": ["", "1", "0"],
        "ind2": ["", "0", "#"],
        "value": [f"EDIT{record_id}", f"$aSách {word} /$cNguyễn Văn Thử.", "$aNguyễn Văn Thử"],
        "csrfmiddlewaretoken": _csrf(jar),
    }
    body = urllib.parse.urlencode(form, doseq=True).encode()
    request = urllib.request.Request(
        f"{server}/staff/records/{record_id}/", data=body, headers={"Referer": server}
    )
    opener.open(request, timeout=10).read()
    saved = time.monotonic()
    while time.monotonic() - saved < 5:
        if _total(server, "kylandocban") == 1:
            break
        time.sleep(0.05)
    elapsed = time.monotonic() - saved
    assert _total(server, word) == 1
    assert elapsed < 2.0, f"the edit became findable after {elapsed:.2f} s"
    health = json.load(urllib.request.urlopen(server + "/health", timeout=5))
    assert health["search"]["pending"] == 0
