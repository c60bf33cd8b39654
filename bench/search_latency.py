"""Search latency for the 320 queries of shared/corpus/bench/queries_320.json.

    python bench/search_latency.py --data-dir bench/out/data-100k [--http]

1. Server side: each query through the OPAC's search function with facets (the work a results page
   does minus HTML), p50/p95/max over 3 rounds after one warm-up round.
2. With --http: starts `thuvien serve` on a free port and fetches /search?q=… (the full OPAC results
   page) at concurrency 1 and 8 over keep-alive connections: p50, p95, requests/s, and the peak
   memory of the web process.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from _env import ROOT, peak_rss_mb, setup

CQL_FIELDS = {"dc.title": "title", "dc.creator": "author", "dc.subject": "subject", "cql.serverChoice": None}


def cql_to_opac(cql: str) -> str:
    """Translate the benchmark's CQL forms into what a reader would type in the OPAC box."""
    parts = []
    for index, value in re.findall(r'([\w.]+)="([^"]*)"', cql):
        field = CQL_FIELDS.get(index)
        if value.endswith("*"):
            term = value
        elif " " in value:
            term = f'"{value}"'
        else:
            term = value
        parts.append(f"{field}:{term}" if field else term)
    return " ".join(parts)


def load_queries() -> list[str]:
    corpus = Path(os.environ.get("THUVIEN_CORPUS") or ROOT.parent / "shared" / "corpus")
    return [cql_to_opac(q["cql"]) for q in json.loads((corpus / "bench" / "queries_320.json").read_text())]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def server_side(queries: list[str], rounds: int = 3) -> None:
    from thuvien.search.service import SearchRequest, search

    for q in queries:
        search(SearchRequest(q=q))
    times, totals = [], []
    for _ in range(rounds):
        for q in queries:
            started = time.perf_counter()
            result = search(SearchRequest(q=q))
            times.append((time.perf_counter() - started) * 1000)
            totals.append(result.total)
    print(
        f"server-side search with facets: n={len(times)} p50={percentile(times, 50):.2f} ms "
        f"p95={percentile(times, 95):.2f} ms max={max(times):.1f} ms mean={statistics.mean(times):.2f} ms "
        f"(queries with hits: {sum(1 for t in totals[: len(queries)] if t)}/{len(queries)})"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_run(port: int, queries: list[str], concurrency: int, rounds: int = 2) -> tuple[list[float], float]:
    work = [q for _ in range(rounds) for q in queries]
    lock = threading.Lock()
    times: list[float] = []

    def client(worker: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for n in range(worker, len(work), concurrency):
            started = time.perf_counter()
            conn.request("GET", "/search?" + urlencode({"q": work[n]}))
            response = conn.getresponse()
            response.read()
            elapsed = (time.perf_counter() - started) * 1000
            if response.status != 200:
                raise RuntimeError(f"HTTP {response.status} for {work[n]!r}")
            with lock:
                times.append(elapsed)
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(w,)) for w in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times, len(work) / (time.perf_counter() - started)


def http_bench(data_dir: Path, queries: list[str]) -> None:
    port = free_port()
    env = {**os.environ, "THUVIEN_DATA_DIR": str(data_dir)}
    thuvien = Path(sys.executable).with_name("thuvien")
    server = subprocess.Popen(
        [str(thuvien), "serve", "--port", str(port), "--workers", "2", "--threads", "8", "--no-worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.2)
        http_run(port, queries[:50], 2, rounds=1)  # warm-up
        for concurrency in (1, 8):
            times, rate = http_run(port, queries, concurrency)
            print(
                f"OPAC results page, concurrency {concurrency}: p50={percentile(times, 50):.1f} ms "
                f"p95={percentile(times, 95):.1f} ms {rate:,.0f} requests/s"
            )
        children = subprocess.run(
            ["pgrep", "-g", str(os.getpgid(server.pid))], capture_output=True, text=True
        )
        peaks = [peak_rss_mb(pid) for pid in children.stdout.split() if Path(f"/proc/{pid}").exists()]
        print(f"peak memory of the web process(es): {' + '.join(f'{p:,.0f}' for p in peaks)} MB")
    finally:
        os.killpg(os.getpgid(server.pid), signal.SIGTERM)
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--http", action="store_true")
    args = parser.parse_args()
    setup(args.data_dir)
    from thuvien.catalog.models import Record

    print(f"records in the catalogue: {Record.objects.count():,}")
    queries = load_queries()
    server_side(queries)
    if args.http:
        http_bench(args.data_dir, queries)


if __name__ == "__main__":
    main()
