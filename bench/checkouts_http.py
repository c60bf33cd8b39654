"""Checkouts per second over HTTP: POST /api/v1/circulation/checkout at concurrency 1, 8 and 32.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_checkouts python bench/checkouts_http.py
    python bench/checkouts_http.py                       # SQLite in bench/out/data-checkouts

1. Builds a fresh database: a province with 4 member libraries, a rules matrix, --readers readers and
   --items copies (10 per title) at the provincial library, a circulation librarian and his API token.
   On PostgreSQL the database named in DATABASE_URL is dropped and created again, so its name must
   contain "bench".
2. Starts `thuvien serve --workers W --threads T` on a free port (with its background worker, which
   applies the search outbox each checkout writes to).
3. Drives checkouts from C client threads, each on its own keep-alive connection: every request lends a
   copy never lent before, to the next reader in turn, so no loan limit refuses. Prints checkouts/s and
   the latency p50/p95/p99 for each concurrency (a warm-up round is not counted).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from _env import ROOT

OUT = ROOT / "bench" / "out"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fresh_database(data_dir: Path) -> None:
    """Drop and recreate the benchmark database (PostgreSQL) or data directory (SQLite)."""
    url = os.environ.get("DATABASE_URL")
    if url:
        name = urlsplit(url).path.lstrip("/")
        if "bench" not in name:
            sys.exit(f"refusing to drop database {name!r}: its name must contain 'bench'")
        import psycopg

        admin = url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    if data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)


def build(readers: int, items: int) -> str:
    """Create the network, rules, readers, copies and the librarian; return his API token."""
    import pymarc
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    call_command("migrate", verbosity=0, interactive=False)
    from thuvien.accounts.models import StaffRole, User
    from thuvien.api.auth import issue_token
    from thuvien.catalog.actions import save_record
    from thuvien.catalog.models import Item
    from thuvien.circulation.models import CirculationRule
    from thuvien.lib.vn_text import fold
    from thuvien.network.actions import add_library
    from thuvien.patrons.models import Reader, ReaderCategory

    prov = add_library("VN-BENCH", "Thư viện tỉnh Đo Tải", "provincial")
    for n in range(1, 5):
        add_library(f"VN-BENCH-X{n}", f"Thư viện xã số {n}", "commune", "VN-BENCH")
    adult, _ = ReaderCategory.objects.get_or_create(code="adult", defaults={"name": "Người lớn"})
    pupil, _ = ReaderCategory.objects.get_or_create(code="pupil", defaults={"name": "Học sinh"})
    CirculationRule.objects.create(library=prov, max_loans_total=20, loan_days=21)
    CirculationRule.objects.create(library=prov, category=pupil, max_loans_total=10, loan_days=14)
    CirculationRule.objects.create(library=prov, item_type="reference", loan_days=3, max_loans_type=2)
    expires = timezone.localdate().replace(year=timezone.localdate().year + 1)
    libraries = list(prov.subtree().order_by("path"))
    Reader.objects.bulk_create(
        [
            Reader(
                card=f"B{n:07d}",
                home_library=libraries[n % len(libraries)],
                category=(adult, pupil)[n % 2],
                full_name=f"Bạn đọc số {n}",
                name_key=fold(f"Bạn đọc số {n}"),
                expires_on=expires,
            )  # fmt: skip
            for n in range(readers)
        ],
        batch_size=2000,
    )
    titles = max(1, items // 10)
    started = time.perf_counter()
    with transaction.atomic():
        for n in range(titles):
            marc = pymarc.Record(leader="00000nam a2200000 i 4500", force_utf8=True)
            marc.add_field(pymarc.Field(tag="001", data=f"BENCH{n:07d}"))
            marc.add_field(pymarc.Field(tag="003", data="VN-BENCH"))
            marc.add_field(pymarc.Field(tag="245", indicators=["1", "0"],
                                        subfields=[pymarc.Subfield("a", f"Sách đo tải số {n}")]))  # fmt: skip
            record = save_record(None, marc, library=prov)
            Item.objects.bulk_create(
                Item(record=record, library=prov, current_library=prov, barcode=f"BB{n * 10 + k:08d}")
                for k in range(10)
                if n * 10 + k < items
            )
    print(
        f"built {readers:,} readers and {items:,} copies of {titles:,} titles in {time.perf_counter() - started:.0f} s"
    )
    user = User.objects.create_user("bench-desk")
    StaffRole.objects.create(user=user, library=prov, role="circulation")
    _token, secret = issue_token(user, name="bench")
    return secret


class Driver:
    """Hands out (barcode, card) pairs never used before; each checkout lends a fresh copy."""

    def __init__(self, items: int, readers: int) -> None:
        self.next = 0
        self.items, self.readers = items, readers
        self.lock = threading.Lock()

    def take(self) -> tuple[str, str] | None:
        with self.lock:
            n = self.next
            if n >= self.items:
                return None
            self.next += 1
        return f"BB{n:08d}", f"B{n % self.readers:07d}"


def run(
    port: int, token: str, driver: Driver, concurrency: int, count: int
) -> tuple[list[float], float, dict]:
    times: list[float] = []
    failures: dict[str, int] = {}
    lock = threading.Lock()
    per_client = [count // concurrency + (1 if i < count % concurrency else 0) for i in range(concurrency)]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine: list[float] = []
        for _ in range(n):
            pair = driver.take()
            if pair is None:
                break
            body = json.dumps({"item_barcode": pair[0], "card": pair[1], "library": "VN-BENCH"})
            started = time.perf_counter()
            conn.request("POST", "/api/v1/circulation/checkout", body, headers)
            response = conn.getresponse()
            answer = response.read()
            mine.append((time.perf_counter() - started) * 1000)
            if response.status != 200:
                code = f"{response.status} {json.loads(answer).get('code', '') if answer else ''}"
                with lock:
                    failures[code] = failures.get(code, 0) + 1
        conn.close()
        with lock:
            times.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in per_client]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times, len(times) / (time.perf_counter() - started), failures


def check(expected: int) -> None:
    """Every accepted checkout is exactly one open loan, made through the API; no copy lent twice."""
    from django.db.models import Count

    from thuvien.circulation.models import Loan

    loans = Loan.objects.filter(returned_at__isnull=True)
    made = loans.filter(channel=Loan.Channel.API).count()
    doubled = loans.values("item_id").annotate(n=Count("pk")).filter(n__gt=1).count()
    print(
        f"open loans made through the API: {made:,} (accepted checkouts: {expected:,}); copies lent twice: {doubled}"
    )
    if made != expected or doubled:
        sys.exit("MISMATCH between accepted checkouts and loans")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--readers", type=int, default=5000)
    parser.add_argument("--items", type=int, default=20000)
    parser.add_argument("--workers", type=int, default=2, help="web worker processes of thuvien serve")
    parser.add_argument("--threads", type=int, default=8, help="threads per web worker")
    parser.add_argument("--concurrency", default="1,8,32")
    parser.add_argument("--requests", type=int, default=0,
                        help="checkouts per concurrency (default: 1,000 at concurrency 1, 5,000 above)")  # fmt: skip
    parser.add_argument("--data-dir", type=Path, default=OUT / "data-checkouts")
    parser.add_argument("--no-worker", action="store_true", help="serve without the background worker")
    parser.add_argument("--serve-only", action="store_true", help="build, serve and wait (for profiling)")
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    wanted = [args.requests or (1000 if c == 1 else 5000) for c in levels]
    warmup = 300
    if sum(wanted) + warmup > args.items:
        sys.exit(f"--items {args.items} is fewer than the {sum(wanted) + warmup} checkouts to make")

    fresh_database(args.data_dir)
    os.environ["THUVIEN_DATA_DIR"] = str(args.data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "thuvien.settings")
    import django

    django.setup()
    from django.db import connection

    token = build(args.readers, args.items)
    vendor = f"{connection.vendor} {connection.Database.__name__}"
    connection.close()

    port = free_port()
    thuvien = Path(sys.executable).with_name("thuvien")
    command = [str(thuvien), "serve", "--port", str(port), "--workers", str(args.workers),
               "--threads", str(args.threads)] + (["--no-worker"] if args.no_worker else [])  # fmt: skip
    server = subprocess.Popen(
        command, env=os.environ.copy(), stdout=subprocess.DEVNULL, start_new_session=True
    )
    try:
        for _ in range(150):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.2)
        driver = Driver(args.items, args.readers)
        if args.serve_only:
            print(f"serving on http://127.0.0.1:{port}/ — token {token}; Ctrl-C to stop")
            server.wait()
            return
        times, _rate, failures = run(port, token, driver, 8, warmup)
        warm = len(times) - sum(failures.values())
        print(
            f"\n{vendor}; thuvien serve --workers {args.workers} --threads {args.threads}"
            f"{' --no-worker' if args.no_worker else ' (with its background worker)'}; "
            f"{os.cpu_count()} CPU cores shared by server, database and client; "
            f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}\n"
        )
        print("| concurrency | checkouts | checkouts/s | p50 ms | p95 ms | p99 ms | mean ms | refused |")
        print("|---:|---:|---:|---:|---:|---:|---:|---|")
        accepted = 0
        for concurrency, count in zip(levels, wanted, strict=True):
            times, rate, failures = run(port, token, driver, concurrency, count)
            accepted += len(times) - sum(failures.values())
            refused = ", ".join(f"{k}: {v}" for k, v in sorted(failures.items())) or "0"
            print(
                f"| {concurrency} | {len(times):,} | {rate:,.0f} | {percentile(times, 50):.1f} | "
                f"{percentile(times, 95):.1f} | {percentile(times, 99):.1f} | {statistics.mean(times):.1f} | "
                f"{refused} |",
                flush=True,
            )
        print(f"\nload average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        check(accepted + warm)
    finally:
        os.killpg(os.getpgid(server.pid), signal.SIGTERM)
        server.wait(timeout=60)


if __name__ == "__main__":
    main()
