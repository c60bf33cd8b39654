"""Desk reader page for a reader with 300 open loans: p50/p95 over 50 requests (goal: under 100 ms).

    python bench/desk_reader_page.py [--data-dir DIR] [--loans 300] [--requests 50] [--http]

Builds a fresh data directory (a temporary one unless --data-dir names a new folder): the test province,
a circulation librarian, 300 titles catalogued from MARC with one copy each, and one reader who borrowed
them all through the checkout action (a third of them overdue, their fines assessed by the daily job),
plus a hold and a postal delivery. Then fetches /staff/desk/readers/<id>/ signed in as the librarian:

1. through Django's test client in this process (the whole request: middleware, session, view, template;
   the template instrumentation of the test runner is not installed), after 5 warm-up requests;
2. with --http, over keep-alive HTTP against `thuvien serve` (one connection, requests in sequence).

Prints the number of SQL queries of one page too (it must not grow with the number of loans) and the CPU
time of each request, which stays meaningful when the machine is shared. SQLite in the data directory
unless DATABASE_URL names an empty PostgreSQL database. The p95 of a long-running process includes the
garbage collector's full collections over Django's own objects (see the closing notes of issue 3).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _env import setup

PASSWORD = "mat-khau-bench-1"  # noqa: S105


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def build(loans: int):
    """Create the network, the librarian and a reader with LOANS open loans; return (user, reader)."""
    from django.utils import timezone

    from thuvien.accounts.models import StaffRole, User
    from thuvien.catalog.actions import save_item, save_record
    from thuvien.catalog.models import Item
    from thuvien.catalog.tests.factories import marc_record
    from thuvien.circulation import actions
    from thuvien.network.actions import add_library
    from thuvien.patrons.actions import register_reader

    prov = add_library("VN-TST", "Thư viện tỉnh Thử Nghiệm", "provincial")
    commune = add_library("VN-TST-XA", "Thư viện xã Hòa Bình", "commune", "VN-TST")
    user = User.objects.create_user("bench-desk", password=PASSWORD)
    StaffRole.objects.create(user=user, library=prov, role="circulation")
    reader = register_reader(card="BENCH0001", full_name="Nguyễn Thị Hoà", home_library=prov, category="adult",
                             pin="1234", email="hoa@example.vn", phone="0901234567", address="12 Lê Lợi")  # fmt: skip
    other = register_reader(card="BENCH0002", full_name="Trần Văn Bình", home_library=commune,
                            category="student", pin="5678")  # fmt: skip
    now = timezone.now()
    started = time.perf_counter()
    # A hold and a postal delivery first: once he has overdue loans he is blocked from both.
    wanted = save_record(None, marc_record("Truyện Kiều", "Nguyễn Du"), library=prov)
    copy = Item(record=wanted, library=prov, current_library=prov, barcode="BENCH-KIEU")
    save_item(copy)
    actions.checkout(item=copy, reader=other, library=prov)
    actions.place_hold(reader=reader, record=wanted, pickup_library=commune)
    posted = save_record(None, marc_record("Tắt đèn", "Ngô Tất Tố"), library=prov)
    save_item(Item(record=posted, library=prov, current_library=prov, barcode="BENCH-POST"))
    actions.request_delivery(reader=reader, record=posted, address="12 Lê Lợi", phone="0901234567")
    for n in range(loans):
        record = save_record(
            None,
            marc_record(f"Lịch sử địa phương tập {n + 1}", "Nguyễn Văn An", subjects=["Lịch sử", "Địa chí"],
                        year=1990 + n % 30),
            library=prov,
        )  # fmt: skip
        item = Item(record=record, library=prov, current_library=prov, barcode=f"BENCH{n:05d}",
                    call_number=f"959.7 L{n}")  # fmt: skip
        save_item(item)
        when = now - dt.timedelta(days=20) if n % 3 == 0 else now
        # Override: past the loan limit of the default rule, and past the blocks the overdue ones raise.
        actions.checkout(item=item, reader=reader, library=prov, now=when, override=True)
    actions.assess_overdue_fines()
    print(f"built {loans} loans in {time.perf_counter() - started:.1f} s")
    return user, reader


def client_run(user, reader, requests: int) -> None:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    url = f"/staff/desk/readers/{reader.pk}/"
    for _ in range(5):
        response = client.get(url)
        assert response.status_code == 200, response.status_code
    reset_queries()  # every request resets the log: start the capture from an empty one
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    queries = len(captured)  # now: the next request empties the log it reads from
    times, cpu = [], []
    for _ in range(requests):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200
    body = response.content.decode()
    rows = body.count('name="loan"')
    print(f"page: {len(body) / 1024:.0f} KiB, {rows} loan rows, {queries} SQL queries")
    print(f"reader page, test client, {requests} requests: p50={percentile(times, 50):.1f} ms "
          f"p95={percentile(times, 95):.1f} ms max={max(times):.1f} ms")  # fmt: skip
    # CPU time of this process: what the page costs when the machine is shared with other work.
    print(f"  CPU time per request: p50={percentile(cpu, 50):.1f} ms p95={percentile(cpu, 95):.1f} ms")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cookies(response, jar: dict) -> None:
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            name, _, rest = value.partition("=")
            jar[name] = rest.split(";", 1)[0]


def http_run(data_dir: Path, reader, requests: int) -> None:
    port = free_port()
    env = {**os.environ, "THUVIEN_DATA_DIR": str(data_dir)}
    thuvien = Path(sys.executable).with_name("thuvien")
    server = subprocess.Popen(
        [str(thuvien), "serve", "--port", str(port), "--workers", "1", "--no-worker"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        for _ in range(150):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.2)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        jar: dict[str, str] = {}

        def call(method, path, body=None):
            headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()), "Host": f"127.0.0.1:{port}"}
            if body is not None:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
                headers["Referer"] = f"http://127.0.0.1:{port}/staff/login/"
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            _cookies(response, jar)
            return response.status, data

        _status, page = call("GET", "/staff/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        from urllib.parse import urlencode

        status, _ = call("POST", "/staff/login/",
                         urlencode({"username": "bench-desk", "password": PASSWORD, "csrfmiddlewaretoken": token}))  # fmt: skip
        if status != 302:
            raise RuntimeError(f"sign-in failed: HTTP {status}")
        url = f"/staff/desk/readers/{reader.pk}/"
        for _ in range(5):
            status, _ = call("GET", url)
            if status != 200:
                raise RuntimeError(f"HTTP {status} for {url}")
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            status, _ = call("GET", url)
            times.append((time.perf_counter() - started) * 1000)
            if status != 200:
                raise RuntimeError(f"HTTP {status} for {url}")
        print(f"reader page, HTTP against thuvien serve, {requests} requests: p50={percentile(times, 50):.1f} ms "
              f"p95={percentile(times, 95):.1f} ms max={max(times):.1f} ms")  # fmt: skip
    finally:
        os.killpg(os.getpgid(server.pid), signal.SIGTERM)
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, help="a new, empty folder (default: a temporary one)")
    parser.add_argument("--loans", type=int, default=300)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--http", action="store_true")
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="thuvien-desk-bench-"))
    if data_dir.exists() and any(data_dir.iterdir()):
        parser.error(f"{data_dir} is not empty: the benchmark builds its own data")
    setup(data_dir)
    from django.db import connection

    print(f"data directory: {data_dir} ({connection.vendor})")
    user, reader = build(args.loans)
    client_run(user, reader, args.requests)
    if args.http:
        http_run(data_dir, reader, args.requests)


if __name__ == "__main__":
    main()
