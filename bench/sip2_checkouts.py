"""Checkouts per second over SIP2, at concurrency 1, 8 and 32, with p50/p95 latency.

    python bench/sip2_checkouts.py --data-dir bench/out/data-sip2                 # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_sip2 \\
        python bench/sip2_checkouts.py --data-dir bench/out/data-sip2-pg           # PostgreSQL

1. Builds its own data (migrating the database first; PostgreSQL's database must exist): a library, a
   rule allowing many loans, a kiosk account and, on every run, fresh readers (about 20 loans each by
   the end of a level) and fresh copies.
2. Starts `thuvien sip2d` as a separate process on a free port (the daemon as deployed).
3. For each concurrency level: that many kiosk connections, each logged in, each serving its share of
   the level's readers, who prove their PIN once (63, not timed); then checkouts (11, with checksums)
   of copies taken from a shared queue until the level's quota is done. Latency is request to
   answer, as the kiosk sees it.
4. Prints a table; checks that every accepted checkout is one open loan through channel sip2.
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from _env import ROOT, peak_rss_mb, setup

LIBRARY = "VN-BENCH-SIP"
KIOSK, KIOSK_PASSWORD = "bench-kiosk", "bench-kiosk-password"
PIN = "2468"
DATE = "20261116    100000"
LOANS_PER_READER = 20


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def prepare(readers: int, copies: int, run_id: str) -> tuple[list[str], list[str]]:
    """Create what the run needs; return the cards of READERS new readers and COPIES new barcodes."""
    from django.db import transaction

    from thuvien.catalog.actions import save_record
    from thuvien.catalog.models import Item
    from thuvien.catalog.tests.factories import marc_record
    from thuvien.circulation.models import CirculationRule
    from thuvien.interop.sip2.actions import add_account
    from thuvien.interop.sip2.models import KioskAccount
    from thuvien.network.actions import add_library
    from thuvien.network.models import Library
    from thuvien.patrons.actions import register_reader

    library = Library.objects.filter(code=LIBRARY).first() or add_library(
        LIBRARY, "Thư viện đo SIP2", "provincial"
    )
    # One cell of the rules matrix: enough loans per reader whatever the run's size.
    CirculationRule.objects.update_or_create(
        library=library, category=None, item_type="",
        defaults={"max_loans_total": 1_000_000, "loan_days": 30},
    )  # fmt: skip
    if not KioskAccount.objects.filter(login=KIOSK).exists():
        add_account(KIOSK, KIOSK_PASSWORD, LIBRARY)
    # Fresh readers on every run, so that none holds more than a realistic number of loans.
    cards = [f"R{run_id}{n:05d}" for n in range(readers)]
    for n, card in enumerate(cards):
        register_reader(
            card=card, full_name=f"Bạn đọc đo {n}", home_library=library, category="adult", pin=PIN
        )
    # A few titles, many copies each. Copies are benchmark fixtures, written in bulk (the catalogue's
    # save_item would audit and reindex each one, which is not what is being measured).
    records = [
        save_record(None, marc_record(f"Sách đo SIP2 {run_id} {i}"), library=library) for i in range(20)
    ]
    barcodes = [f"S{run_id}{n:06d}" for n in range(copies)]
    with transaction.atomic():
        Item.objects.bulk_create(
            [
                Item(record=records[n % len(records)], library=library, current_library=library, barcode=code)
                for n, code in enumerate(barcodes)
            ],  # fmt: skip
            batch_size=1000,
        )
    return cards, barcodes


class Kiosk:
    """One kiosk connection speaking SIP2 with error detection."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.seq = 0

    def request(self, text: str) -> str:
        from thuvien.interop.sip2.messages import checksum

        self.seq = (self.seq + 1) % 10
        body = f"{text}AY{self.seq}AZ".encode()
        self.sock.sendall(body + checksum(body).encode() + b"\r")
        while b"\r" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("sip2d closed the connection")
            self.buf += chunk
        frame, _, self.buf = self.buf.partition(b"\r")
        return frame.decode("utf-8")

    def close(self) -> None:
        self.sock.close()


def run_level(port: int, concurrency: int, cards: list[str], barcodes: list[str]) -> dict:
    """CONCURRENCY kiosks lend BARCODES to CARDS (each kiosk serves its share of the readers in turn)."""
    work: queue.SimpleQueue[str] = queue.SimpleQueue()
    for code in barcodes:
        work.put(code)
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    refused: list[str] = []
    ready = threading.Barrier(concurrency + 1)

    def client(i: int) -> None:
        kiosk = Kiosk(port)
        try:
            assert kiosk.request(f"9300CN{KIOSK}|CO{KIOSK_PASSWORD}|").startswith("941"), "kiosk login failed"
            mine = cards[i::concurrency]
            for card in mine:  # each reader proves his PIN once in the kiosk session (not timed)
                info = kiosk.request(f"63000{DATE}          AO{LIBRARY}|AA{card}|AD{PIN}|")
                assert "|CQY|" in info, info
            ready.wait()
            for n in itertools.count():
                try:
                    code = work.get_nowait()
                except queue.Empty:
                    return
                card = mine[n % len(mine)]
                start = time.perf_counter()
                answer = kiosk.request(f"11NN{DATE}{' ' * 18}AO{LIBRARY}|AA{card}|AB{code}|AC|")
                latencies[i].append(time.perf_counter() - start)
                if not answer.startswith("121"):
                    refused.append(answer)
        finally:
            kiosk.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    ready.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    flat = [x for per in latencies for x in per]
    return {
        "concurrency": concurrency,
        "checkouts": len(flat),
        "refused": len(refused),
        "seconds": elapsed,
        "per_second": (len(flat) - len(refused)) / elapsed,
        "p50": percentile(flat, 50) * 1000,
        "p95": percentile(flat, 95) * 1000,
        "sample_refusal": refused[0][:200] if refused else "",
    }


def start_sip2d(data_dir: Path, threads: int, workers: int) -> tuple[subprocess.Popen, int]:
    env = {**os.environ, "THUVIEN_DATA_DIR": str(data_dir), "THUVIEN_LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "thuvien.cli", "sip2d", "--port", "0", "--threads", str(threads),
         "--workers", str(workers)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    line = proc.stdout.readline()
    if "listening on" not in line:
        proc.kill()
        raise SystemExit(f"sip2d did not start: {line!r}")
    return proc, int(line.split("127.0.0.1:")[1].split()[0])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", type=Path, default=ROOT / "bench" / "out" / "data-sip2")
    parser.add_argument("--levels", default="1,8,32", help="concurrency levels (default 1,8,32)")
    parser.add_argument("--checkouts", type=int, default=2000, help="checkouts per level (default 2000)")
    parser.add_argument("--server-threads", type=int, default=8, help="sip2d database threads (default 8)")
    parser.add_argument("--workers", type=int, default=1, help="sip2d processes sharing the port (default 1)")
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]

    setup(args.data_dir)
    from django.db import connection

    from thuvien.circulation.models import Loan

    run_id = uuid.uuid4().hex[:6].upper()
    # About LOANS_PER_READER loans each, and at least one reader per kiosk.
    per_level = max(max(levels), math.ceil(args.checkouts / LOANS_PER_READER))
    readers = per_level * len(levels)
    print(
        f"database: {connection.vendor}; preparing {args.checkouts * len(levels)} copies, {readers} readers…"
    )
    cards, barcodes = prepare(readers, args.checkouts * len(levels), run_id)
    loans_before = Loan.objects.filter(channel="sip2", returned_at__isnull=True).count()
    connection.close()

    proc, port = start_sip2d(args.data_dir, args.server_threads, args.workers)
    results = []
    try:
        for i, level in enumerate(levels):
            chunk = barcodes[i * args.checkouts : (i + 1) * args.checkouts]
            level_cards = cards[i * per_level : (i + 1) * per_level]
            results.append(run_level(port, level, level_cards, chunk))
        server_rss = peak_rss_mb(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)

    accepted = sum(r["checkouts"] - r["refused"] for r in results)
    loans_after = Loan.objects.filter(channel="sip2", returned_at__isnull=True).count()
    load = os.getloadavg()[0]
    print(f"\nSIP2 checkouts ({connection.vendor}; sip2d --threads {args.server_threads} --workers {args.workers}; "
          f"{os.cpu_count()} CPUs, load average {load:.1f})")  # fmt: skip
    print(
        f"{'concurrency':>11} {'checkouts':>9} {'refused':>7} {'seconds':>8} {'per second':>10} {'p50 ms':>7} {'p95 ms':>7}"
    )
    for r in results:
        print(f"{r['concurrency']:>11} {r['checkouts']:>9} {r['refused']:>7} {r['seconds']:>8.2f} "
              f"{r['per_second']:>10.1f} {r['p50']:>7.1f} {r['p95']:>7.1f}")  # fmt: skip
    for r in results:
        if r["sample_refusal"]:
            print(f"  refused at concurrency {r['concurrency']}: {r['sample_refusal']}")
    if args.workers == 1:
        print(f"sip2d peak memory: {server_rss:.0f} MB")
    print(f"open sip2 loans: {loans_before} before, {loans_after} after ({accepted} accepted checkouts)")
    if loans_after - loans_before != accepted:
        raise SystemExit("loan count does not match the accepted checkouts")


if __name__ == "__main__":
    main()
