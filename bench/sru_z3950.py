"""SRU and Z39.50: thuvien against Zebra on the same records and the 320 queries, side by side in one run.

    python bench/sru_z3950.py                                  # 100k records, SQLite
    python bench/sru_z3950.py --sizes 100000,1000000 --reuse   # resumable: reuses files, indexes, databases
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_sru python bench/sru_z3950.py --reuse

For each size N:

1. Data: ``bench/out/bib_<N>.mrc`` from make_corpus.py (the 5,349 real records replicated), made once.
2. Zebra (``shared/peers/zebra``, diacritic folding) indexes it into ``bench/out/zebra-<N>/`` and
   thuvien imports it (bench/import_rate.py: parse, store, index) into ``bench/out/data-sru-<N>/``
   (SQLite there; with DATABASE_URL, PostgreSQL database ``<name>_<N>``, whose name must contain
   "bench", dropped and created again). Both load rates are printed; ``--reuse`` keeps what a previous
   run loaded completely (a marker file is written last).
3. Serves both: ``zebrasrv`` (SRU and Z39.50 on one port), ``thuvien serve`` (SRU at /sru, granian,
   ``--workers``/``--threads``, no background worker) and ``thuvien z3950d``, each on a free port.
4. Hit counts: how many of the 320 queries give the same number of hits on both engines, by kind,
   and a few differences (the tokenisations differ: informative, not a failure).
5. For each protocol (SRU, Z39.50) and concurrency (1, 2, 8), Zebra then thuvien back to back (all
   servers stay up; an idle one uses no CPU), so both see the same machine: every client thread
   opens one connection (SRU: one keep-alive ``http.client`` connection; Z39.50: one
   ``Z3950Client`` session, Init not timed), runs its share of an untimed warm-up round of the 320
   queries, then walks the 320 queries from its own offset for ``--seconds`` (or ``--requests``).
   A timed request is one SRU searchRetrieve returning up to 10 MARCXML records (status, hit count
   and number of records checked) or one Z39.50 search + present of up to 10 USMARC records. Prints
   p50, p95, requests/s, server and client CPU per request, the load average before and after, and
   the ratio thuvien/Zebra of requests/s and p95.
6. ``--profile``: where thuvien's SRU time goes at concurrency 2 — py-spy (if installed) sampling the
   web workers during a run (time by phase and the busiest functions), and an in-process timing of
   the /sru view through Django's test client (index search, record fetch, MARCXML rendering).

Zebra is served as its README says (``zebrasrv -f yazgfs.xml -l srv.log``: one process, requests
logged), with SRU version 1.1 and ``recordSchema=F`` (MARCXML); thuvien with SRU 1.2 and
``recordSchema=marcxml``. Both parse the same CQL; the Z39.50 side sends each query's PQF.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.client
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from _env import ROOT, peak_rss_mb
from checkouts_http import free_port, percentile

OUT = ROOT / "bench" / "out"
PEER = ROOT.parent / "shared" / "peers" / "zebra"
THUVIEN = Path(sys.executable).with_name("thuvien")
PAGE = 10  # records asked for in each request
MARKER = "bench-loaded.json"

# Per-record costs seen on this machine, for the estimates printed before a size is built.
ZEBRA_BYTES_PER_RECORD = 4_000
THUVIEN_BYTES_PER_RECORD = {"sqlite": 6_500, "postgresql": 8_000}
MRC_BYTES_PER_RECORD = 1_200
ZEBRA_RATE = 2_500  # records/s (shared/peers/zebra/README.md)
THUVIEN_RATE = 1_700  # records/s (bench/import_rate.py, 20k records on a quiet machine: 1,808)

NUMBER = re.compile(rb"<(?:\w+:)?numberOfRecords>\s*(\d+)\s*<")
RECORD = re.compile(rb"<(?:\w+:)?recordData[\s>]")
DIAGNOSTIC = re.compile(rb"<(?:\w+:)?message>([^<]*)<")


def label(size: int) -> str:
    if size % 1_000_000 == 0:
        return f"{size // 1_000_000}m"
    return f"{size // 1000}k" if size % 1000 == 0 else str(size)


def load_queries() -> list[dict]:
    corpus = Path(os.environ.get("THUVIEN_CORPUS") or ROOT.parent / "shared" / "corpus")
    return json.loads((corpus / "bench" / "queries_320.json").read_text())


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def gb(n: float) -> str:
    return f"{n / 1e9:,.1f} GB"


def duration(seconds: float) -> str:
    return f"{seconds / 60:,.0f} min" if seconds >= 90 else f"{seconds:,.0f} s"


# --- data -----------------------------------------------------------------------------------------


def ensure_corpus(size: int) -> Path:
    path = OUT / f"bib_{label(size)}.mrc"
    if path.exists():
        return path
    partial = path.with_suffix(".mrc.partial")
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "make_corpus.py"), "--size", str(size), "--out", str(partial)],
        check=True,
    )
    partial.rename(path)
    print(f"made {path.name} in {duration(time.perf_counter() - started)}")
    return path


def read_marker(directory: Path) -> dict | None:
    with contextlib.suppress(OSError, ValueError):
        return json.loads((directory / MARKER).read_text())
    return None


def write_marker(directory: Path, **facts) -> None:
    (directory / MARKER).write_text(json.dumps(facts))


def thuvien_database(size: int) -> str | None:
    """Return the DATABASE_URL for SIZE (one PostgreSQL database per size), or None for SQLite."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return None
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"refusing to use database {name!r}: its name must contain 'bench'")
    return urlunsplit(parts._replace(path=f"/{name}_{label(size)}"))


def public_url(url: str | None) -> str:
    if not url:
        return "sqlite"
    parts = urlsplit(url)
    return f"postgresql {parts.hostname}:{parts.port or 5432}{parts.path}"


def zebra_dir(size: int) -> Path:
    return OUT / f"zebra-{label(size)}"


def thuvien_dir(size: int, url: str | None) -> Path:
    return OUT / f"data-sru-{label(size)}{'-pg' if url else ''}"


def loaded(directory: Path, size: int, url: str | None = None, thuvien: bool = False) -> dict | None:
    marker = read_marker(directory)
    if not marker or marker.get("records") != size:
        return None
    return marker if not thuvien or marker.get("database") == public_url(url) else None


def measured_rate(pattern: str) -> float | None:
    """Records/s of the largest load done here before (from the markers), for the estimates."""
    loads = [m for d in OUT.glob(pattern) if (m := read_marker(d)) and m.get("seconds")]
    if not loads:
        return None
    largest = max(loads, key=lambda m: m["records"])
    rate = re.search(r"IMPORT_RATE end to end: ([\d,]+) records/s", largest.get("report", ""))
    return float(rate.group(1).replace(",", "")) if rate else largest["records"] / largest["seconds"]


def estimates(sizes: list[int], args) -> None:
    """Print the disk, memory and time a run needs, and stop if the disk cannot hold it."""
    vendor = "postgresql" if os.environ.get("DATABASE_URL") else "sqlite"
    zebra_rate = measured_rate("zebra-*") or ZEBRA_RATE
    thuvien_rate = measured_rate("data-sru-*") or THUVIEN_RATE
    levels = len(args.concurrency) * len(args.protocols) * 2
    per_level = (args.requests / 150 if args.requests else args.seconds) + 5  # + warm-up round, connections
    measuring = levels * per_level + (3 * (args.seconds + 10) if args.profile else 0)
    need = 0.0
    print(
        f"estimates (load rates: Zebra {zebra_rate:,.0f}, thuvien {thuvien_rate:,.0f} records/s, "
        f"{'measured here before' if measured_rate('zebra-*') else 'typical of this machine'}):"
    )
    for size in sizes:
        url = thuvien_database(size)
        corpus = (OUT / f"bib_{label(size)}.mrc").exists()
        zebra = args.reuse and loaded(zebra_dir(size), size)
        thuvien = args.reuse and loaded(thuvien_dir(size, url), size, url, thuvien=True)
        disk = (
            (0 if corpus else size * MRC_BYTES_PER_RECORD)
            + (0 if zebra else size * ZEBRA_BYTES_PER_RECORD)
            + (0 if thuvien else size * THUVIEN_BYTES_PER_RECORD[vendor])
        )
        need += disk
        load = (0 if corpus else size / 5_000) + (0 if zebra else size / zebra_rate)
        load += 0 if thuvien else size / thuvien_rate
        reused = [name for name, done in (("corpus", corpus), ("Zebra", zebra), ("thuvien", thuvien)) if done]
        print(
            f"  {label(size)}: disk {gb(disk)}, build ≈ {duration(load)}"
            f"{' (reusing ' + ', '.join(reused) + ')' if reused else ''}, measuring ≈ {duration(measuring)}"
        )
    free = shutil.disk_usage(OUT).free
    print(
        f"  disk needed {gb(need)} of {gb(free)} free; memory: zebraidx ≤ 0.6 GB (memMax 512), the import "
        f"≈ 0.3 GB and its preparing processes, each server < 1 GB (peaks printed below)"
    )
    if need > free * 0.9:
        sys.exit("not enough free disk for these sizes")


def build_zebra(size: int, mrc: Path, reuse: bool) -> tuple[Path, dict]:
    directory = zebra_dir(size)
    marker = loaded(directory, size)
    if reuse and marker:
        return directory, marker
    if directory.exists():
        shutil.rmtree(directory)
    shutil.copytree(PEER, directory)
    for sub in ("reg", "lock", "tmp", "records"):
        (directory / sub).mkdir(exist_ok=True)
    (directory / "records" / mrc.name).symlink_to(mrc.resolve())
    log = directory / "zebraidx.log"
    print(f"indexing {mrc.name} with Zebra into {directory.name}/ (log: zebraidx.log) …", flush=True)
    started = time.perf_counter()
    for step in (["init"], ["update", "records"], ["commit"]):
        with log.open("a") as out:
            done = subprocess.run(
                ["zebraidx", "-c", "zebra.cfg", *step], cwd=directory, stdout=out, stderr=out, check=False
            )
        if done.returncode:
            sys.exit(f"zebraidx {' '.join(step)} failed: see {log}")
    seconds = time.perf_counter() - started
    write_marker(directory, records=size, seconds=seconds)
    return directory, read_marker(directory)


def build_thuvien(size: int, mrc: Path, reuse: bool, url: str | None) -> tuple[Path, dict]:
    directory = thuvien_dir(size, url)
    marker = loaded(directory, size, url, thuvien=True)
    if reuse and marker:
        reindex_if_stale(directory, url, size)
        return directory, marker
    env = {**os.environ}
    if url:
        env["DATABASE_URL"] = url
        name = urlsplit(url).path.lstrip("/")
        import psycopg

        admin = url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    if directory.exists():
        shutil.rmtree(directory)
    print(f"importing {mrc.name} into thuvien ({public_url(url)}, {directory.name}/) …", flush=True)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "import_rate.py"), str(mrc), "--data-dir", str(directory)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode:
        sys.exit(f"import failed:\n{done.stdout}\n{done.stderr[-3000:]}")
    found = re.search(r"records=(\d+)", done.stdout)
    records = int(found.group(1)) if found else 0
    if records != size:
        sys.exit(f"thuvien imported {records} records, not {size}:\n{done.stdout}")
    write_marker(directory, records=size, seconds=seconds, database=public_url(url), report=done.stdout)
    return directory, read_marker(directory)


def reindex_if_stale(directory: Path, url: str | None, size: int) -> None:
    """Rebuild a reused data directory's index when it is missing, empty or of another index schema.

    The servers run without a worker: a web process finding an index of an older schema starts an empty
    one, and every query would then count 0 hits.
    """
    import tantivy

    wanted = re.search(r'SCHEMA_VERSION = "(\w+)"', (ROOT / "thuvien/search/index.py").read_text()).group(1)
    index_dir = directory / "index"
    have, documents = "", 0
    try:
        live = index_dir / (index_dir / "CURRENT").read_text().strip()
        have = (live / "SCHEMA_VERSION").read_text().strip()
        documents = tantivy.Index.open(str(live)).searcher().num_docs
    except (OSError, ValueError):
        pass
    # Merged duplicates leave fewer documents than records, never half as many in these corpora.
    if have == wanted and documents >= size // 2:
        return
    print(f"{directory.name}: index schema {have or '-'} with {documents:,} documents, this code's schema "
          f"is {wanted}: thuvien reindex …", flush=True)  # fmt: skip
    started = time.perf_counter()
    subprocess.run(
        [str(Path(sys.executable).with_name("thuvien")), "reindex"],
        env=thuvien_env(directory, url),
        check=True,
    )
    print(f"{directory.name}: reindexed in {duration(time.perf_counter() - started)}", flush=True)


# --- servers --------------------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    command: list[str]
    cwd: Path | None = None
    env: dict | None = None
    port: int = 0
    process: subprocess.Popen | None = None
    log: Path | None = None

    def start(self) -> None:
        out = self.log.open("w") if self.log else subprocess.DEVNULL
        self.process = subprocess.Popen(
            self.command,
            cwd=self.cwd,
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"{self.name} stopped at start (exit {self.process.returncode}); see {self.log}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.2)
        sys.exit(f"{self.name} did not listen on port {self.port}")

    def pids(self) -> list[int]:
        if self.process is None or self.process.poll() is not None:
            return []
        found = subprocess.run(["pgrep", "-g", str(self.process.pid)], capture_output=True, text=True)
        return [int(p) for p in found.stdout.split()]

    def cpu_seconds(self) -> float:
        """CPU time (user + system) of the server's processes, with the children they reaped.

        zebrasrv forks a process per connection: its CPU time moves to the parent's when it ends.
        """
        total = 0
        for pid in self.pids():
            with contextlib.suppress(OSError, IndexError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += sum(int(f) for f in fields[11:15])
        return total / os.sysconf("SC_CLK_TCK")

    def peak_mb(self) -> str:
        peaks = []
        for pid in self.pids():
            with contextlib.suppress(OSError):
                peaks.append(peak_rss_mb(pid))
        return " + ".join(f"{p:,.0f}" for p in peaks if p) + " MB" if any(peaks) else "–"

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def zebra_server(directory: Path) -> Server:
    port = free_port()
    config = (directory / "yazgfs.xml").read_text()
    (directory / "yazgfs-bench.xml").write_text(
        re.sub(r"tcp:127\.0\.0\.1:\d+", f"tcp:127.0.0.1:{port}", config)
    )
    return Server(
        "zebrasrv",
        ["zebrasrv", "-f", "yazgfs-bench.xml", "-l", "srv.log"],
        cwd=directory,
        port=port,
        log=directory / "zebrasrv.out",
    )


def thuvien_env(data_dir: Path, url: str | None) -> dict:
    env = {**os.environ, "THUVIEN_DATA_DIR": str(data_dir)}
    env.pop("DATABASE_URL", None)
    if url:
        env["DATABASE_URL"] = url
    return env


def thuvien_servers(data_dir: Path, url: str | None, args) -> tuple[Server, Server | None]:
    env = thuvien_env(data_dir, url)
    port = free_port()
    web = Server(
        "thuvien serve",
        [
            str(THUVIEN),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--no-worker",
        ],  # fmt: skip
        env=env,
        port=port,
        log=data_dir / "serve.log",
    )
    z3950 = None
    if "z3950" in args.protocols:
        port = free_port()
        z3950 = Server(
            "thuvien z3950d",
            [str(THUVIEN), "z3950d", "--host", "127.0.0.1", "--port", str(port)]
            + ["--workers", str(args.z3950_workers)],
            env=env,
            port=port,
            log=data_dir / "z3950d.log",
        )
    return web, z3950


# --- clients --------------------------------------------------------------------------------------


class Failure(Exception):
    pass


class SruClient:
    """One keep-alive HTTP connection; request(cql) runs one searchRetrieve and returns the hit count."""

    def __init__(self, port: int, path: str, fixed: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.prefix = f"{path}?{fixed}&query="

    def request(self, query: dict) -> int:
        self.conn.request("GET", self.prefix + quote(query["cql"], safe=""))
        response = self.conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise Failure(f"HTTP {response.status}")
        found = NUMBER.search(body)
        if found is None:
            message = DIAGNOSTIC.search(body)
            raise Failure(f"diagnostic {message.group(1).decode()[:60]}" if message else "no numberOfRecords")
        hits = int(found.group(1))
        got = len(RECORD.findall(body))
        if got != min(hits, PAGE):
            raise Failure(f"{got} records for {hits} hits")
        return hits

    def close(self) -> None:
        self.conn.close()


class Z3950Session:
    """One Z39.50 session (Init done here, untimed); request(query) runs search + present of up to 10 records."""

    def __init__(self, port: int, database: str) -> None:
        from thuvien.interop.z3950.client import Z3950Client, Z3950Error

        self.error = Z3950Error
        self.client = Z3950Client("127.0.0.1", port, database, allow_private=True, timeout=120)
        self.client.open()

    def request(self, query: dict) -> int:
        try:
            hits = self.client.search(query["pqf"])
            if hits:
                records = self.client.present(start=1, count=min(hits, PAGE), syntax="usmarc")
                if len(records) != min(hits, PAGE):
                    raise Failure(f"{len(records)} records for {hits} hits")
        except self.error as exc:
            if self.client._sock is None:  # the session is over: the caller opens another
                raise OSError(exc.message) from exc
            raise Failure(f"diagnostic {exc.code}: {exc.message[:60]}") from exc
        return hits

    def close(self) -> None:
        self.client.close()


def client_django() -> None:
    """The Z39.50 client translates its messages: Django settings, with a scratch data directory."""
    if os.environ.get("DJANGO_SETTINGS_MODULE"):
        return
    os.environ["THUVIEN_DATA_DIR"] = str(OUT / "sru-z3950-client")
    os.environ["DJANGO_SETTINGS_MODULE"] = "thuvien.settings"
    import django

    django.setup()


@dataclass
class Level:
    times: list[float] = field(default_factory=list)
    rate: float = 0.0
    errors: Counter = field(default_factory=Counter)
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    load_before: str = ""
    load_after: str = ""
    hits: dict[int, int | str] = field(default_factory=dict)  # from the warm-up round


def run_level(make_client, queries: list[dict], concurrency: int, args, servers: list[Server]) -> Level:
    """Warm up (the 320 queries once, shared out), then time every thread walking the queries."""
    level = Level(load_before=loadavg())
    n = len(queries)
    barrier = threading.Barrier(concurrency + 1)
    lock = threading.Lock()
    per_thread = (args.requests + concurrency - 1) // concurrency if args.requests else 0
    problems: list[BaseException] = []

    def one(client, q: int):
        try:
            return client, client.request(queries[q])
        except Failure as exc:
            return client, f"error: {exc}"
        except (OSError, http.client.HTTPException, ValueError, EOFError) as exc:
            # The connection is gone or unusable: a new one, not timed.
            client.close()
            return make_client(), f"error: {type(exc).__name__} {exc}"[:80]

    def worker(t: int) -> None:
        mine: list[float] = []
        errors: Counter = Counter()
        try:
            client = make_client()
            for q in range(t, n, concurrency):
                client, hits = one(client, q)
                with lock:
                    level.hits[q] = hits
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            problems.append(exc)
            barrier.abort()
            return
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            return
        deadline = time.perf_counter() + args.seconds
        q = t * n // concurrency
        done = 0
        while (done < per_thread) if per_thread else (time.perf_counter() < deadline):
            started = time.perf_counter()
            client, hits = one(client, q % n)
            mine.append((time.perf_counter() - started) * 1000)
            if isinstance(hits, str):
                errors[hits] += 1
            q += 1
            done += 1
        client.close()
        with lock:
            level.times.extend(mine)
            level.errors.update(errors)

    threads = [threading.Thread(target=worker, args=(t,), daemon=True) for t in range(concurrency)]
    for t in threads:
        t.start()
    try:
        barrier.wait()
    except threading.BrokenBarrierError:
        for t in threads:
            t.join()
        raise RuntimeError(f"a client failed during the warm-up: {problems[0]!r}") from problems[0]
    cpu0 = sum(s.cpu_seconds() for s in servers)
    own0 = time.process_time()
    started = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    level.client_cpu = time.process_time() - own0
    level.server_cpu = sum(s.cpu_seconds() for s in servers) - cpu0
    level.rate = len(level.times) / elapsed
    level.load_after = loadavg()
    return level


# --- report ---------------------------------------------------------------------------------------


def compare_hits(queries: list[dict], zebra: dict, thuvien: dict, protocol: str) -> None:
    same = [
        q for q in range(len(queries)) if zebra.get(q) == thuvien.get(q) and isinstance(zebra.get(q), int)
    ]
    by_kind: dict[str, list[int]] = {}
    for q, query in enumerate(queries):
        by_kind.setdefault(query["kind"], [0, 0])
        by_kind[query["kind"]][1] += 1
        if q in same:
            by_kind[query["kind"]][0] += 1
    kinds = ", ".join(f"{kind} {a}/{b}" for kind, (a, b) in by_kind.items())
    print(f"{protocol}: same hit count on both engines for {len(same)}/{len(queries)} queries ({kinds})")
    shown: set[str] = set()
    examples = []
    for q, query in enumerate(queries):
        if q in same or query["kind"] in shown:
            continue
        shown.add(query["kind"])
        examples.append(
            f"    {query['cql']}  ({query['kind']}): Zebra {zebra.get(q)}, thuvien {thuvien.get(q)}"
        )
    if examples:
        print("  differences, one per kind:")
        print("\n".join(examples[:8]))


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "–"


def print_tables(results: dict, args, size: int) -> None:
    print(
        f"\n{label(size)} records — each level: warm-up, then {describe(args)}; per engine. Server CPU: "
        f"zebrasrv with its forked children, thuvien's web workers or z3950d (never PostgreSQL's)\n"
    )
    print("| protocol | conc | engine | requests | p50 ms | p95 ms | requests/s | server CPU ms/req "
          "| client CPU ms/req | errors | load before | load after |")  # fmt: skip
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|---|---|---|")
    for (protocol, concurrency, engine), level in results.items():
        if not level.times:
            continue
        count = len(level.times)
        errors = ", ".join(f"{k}: {v}" for k, v in level.errors.most_common(3)) or "0"
        print(
            f"| {protocol} | {concurrency} | {engine} | {count:,} | {percentile(level.times, 50):.2f} | "
            f"{percentile(level.times, 95):.2f} | {level.rate:,.0f} | {level.server_cpu * 1000 / count:.2f} | "
            f"{level.client_cpu * 1000 / count:.2f} | {errors} | {level.load_before} | {level.load_after} |"
        )
    print(
        f"\nside by side, {label(size)} records (ratio thuvien/Zebra: requests/s above 1 and p95 below 1 are better)\n"
    )
    print("| protocol | conc | Zebra p50 | Zebra p95 | Zebra req/s | thuvien p50 | thuvien p95 | thuvien req/s "
          "| req/s thuvien/Zebra | p95 thuvien/Zebra |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for protocol in args.protocols:
        for concurrency in args.concurrency:
            z = results.get((protocol, concurrency, "Zebra"))
            t = results.get((protocol, concurrency, "thuvien"))
            if not (z and z.times and t and t.times):
                continue
            zp95, tp95 = percentile(z.times, 95), percentile(t.times, 95)
            print(
                f"| {protocol} | {concurrency} | {percentile(z.times, 50):.2f} | {zp95:.2f} | {z.rate:,.0f} | "
                f"{percentile(t.times, 50):.2f} | {tp95:.2f} | {t.rate:,.0f} | {ratio(t.rate, z.rate)} | "
                f"{ratio(tp95, zp95)} |"
            )


def describe(args) -> str:
    if args.requests:
        return f"{args.requests:,} timed requests"
    return f"{args.seconds:g} s timed"


# --- profile --------------------------------------------------------------------------------------

# Phases of a request, recognised in the sampled stacks (root to leaf): the deepest frame that matches
# one wins, except that work done for the record fetch or the rendering stays theirs.
CONNECT = "database connection opened and closed (per request)"
FETCH = "record fetch (ORM, database)"
MARCXML = "MARCXML rendering"
ISO2709 = "ISO 2709 rendering"
PHASES = [
    (CONNECT, re.compile(r"^\S*(get_new_connection|_close|init_connection_state|close_if_unusable_or_obsolete|connect) .*django/db/")),
    (FETCH, re.compile(r"^(records|_copies) .*search/structured\.py|django/db/|sqlite3|psycopg")),
    (MARCXML, re.compile(r"^(marcxml|_marc_dict) |oaipmh/provider\.py|/lxml/")),
    (ISO2709, re.compile(r"^(iso2709|encode_iso2709|record_from_dict) |interop/marc/|/pymarc/")),
    ("index search (compile, Tantivy, ids)", re.compile(r"^(run|count|compile|_\w+) .*search/(structured|index|query)\.py|lib/vn_text")),
    ("CQL parsing", re.compile(r"interop/sru/cql\.py")),
    ("SRU parameters and envelope", re.compile(r"interop/sru/")),
    ("Z39.50 BER, APDUs, RPN", re.compile(r"interop/z3950/(ber|pdu|rpn|bib1|charneg)\.py")),
    ("Z39.50 session and service", re.compile(r"interop/z3950/")),
]  # fmt: skip
REST = "the rest: server loop (granian / asyncio, threads), WSGI, Django"
# Leaf frames of threads blocked in C (select, an empty work queue) that py-spy still counts as busy.
WAITING = "waiting: event-loop select, idle pool threads"
BLOCKED = re.compile(r"^(\w*Selector\.select|_worker) \((selectors|concurrent/futures/thread)\.py")
# Granian's Python frame while its Rust side iterates the Django response and writes it out.
RESPONSE = "granian: handing the response to its Rust side (response_iter)"
HANDOVER = re.compile(r"^(_callback_wrapper\.<locals>\._runner|ResponseIterWrap\.\w+) \(granian/wsgi\.py")


def classify(frames: list[str]) -> str:
    if frames and BLOCKED.search(frames[-1]):
        return WAITING
    if frames and HANDOVER.search(frames[-1]):
        return RESPONSE
    phase = REST
    for frame in frames:
        for name, pattern in PHASES:
            if pattern.search(frame):
                if phase in (FETCH, MARCXML, ISO2709) and name not in (CONNECT, FETCH):
                    break
                phase = name
                break
    return phase


def find_py_spy() -> str | None:
    beside = Path(sys.executable).with_name("py-spy")
    return shutil.which("py-spy") or (str(beside) if beside.exists() else None)


def profile_server(server: Server, make_client, what: str, queries: list[dict], args) -> None:
    """Sample SERVER's processes with py-spy while clients run WHAT at concurrency 2; print where time goes."""
    spy = find_py_spy()
    if spy is None:
        print("py-spy is not installed (pip install py-spy): no sampling of the server's processes")
        return
    raw = Path(tempfile.mkstemp(prefix="spy-", suffix=".txt", dir=OUT)[1])
    seconds = max(5, int(args.seconds))
    spy_run = subprocess.Popen(
        [
            spy,
            "record",
            "--pid",
            str(server.process.pid),
            "--subprocesses",
            "--format",
            "raw",
            "--rate",
            "250",
            "--nonblocking",
            "--duration",
            str(seconds + 2),
            "--output",
            str(raw),
        ],  # fmt: skip
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1)
    profile_args = argparse.Namespace(**{**vars(args), "seconds": seconds, "requests": 0})
    level = run_level(make_client, queries, 2, profile_args, [server])
    _, err = spy_run.communicate(timeout=300)
    samples: Counter = Counter()
    leaves: Counter = Counter()
    native = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = [f for f in stack.split(";") if not f.startswith(("process ", "thread "))]
        if not frames:  # a thread with no Python frame (granian's Rust threads): py-spy cannot tell idle
            native += int(count)
            continue
        samples[classify(frames)] += int(count)
        leaves[re.sub(r":\d+\)$", ")", frames[-1])] += int(count)
    raw.unlink()
    total = sum(samples.values())
    if not total or not level.times:
        print(f"py-spy gathered no samples: {err.strip()[-500:]}")
        return
    n = len(level.times)
    print(
        f"\nwhere thuvien's {what} time goes at concurrency 2 (py-spy in {server.name}: {total:,} samples of "
        f"threads in Python code over {seconds} s, {native:,} more in threads without a Python frame left "
        f"out; while sampled {level.rate:,.0f} requests/s, p95 {percentile(level.times, 95):.1f} ms, "
        f"server CPU {level.server_cpu * 1000 / n:.2f} ms/request)\n"
    )
    print("| phase | share of samples |\n|---|---:|")
    for name, count in samples.most_common():
        print(f"| {name} | {count / total:.0%} |")
    print("\nbusiest functions (self time):\n\n| function | share |\n|---|---:|")
    for name, count in leaves.most_common(12):
        print(f"| `{name}` | {count / total:.1%} |")


def sru_thuvien(port: int) -> SruClient:
    return SruClient(
        port, "/sru", f"version=1.2&operation=searchRetrieve&maximumRecords={PAGE}&recordSchema=marcxml"
    )


def sru_zebra(port: int) -> SruClient:
    return SruClient(
        port, "/Default", f"version=1.1&operation=searchRetrieve&maximumRecords={PAGE}&recordSchema=F"
    )


def profile_in_process(data_dir: Path, url: str | None) -> None:
    """Run the in-process timing (Django test client) in a child process pointed at DATA_DIR."""
    done = subprocess.run(
        [sys.executable, __file__, "--in-process", str(data_dir)], env=thuvien_env(data_dir, url), check=False
    )
    if done.returncode:
        print(f"(the in-process timing failed: exit {done.returncode})")


def in_process(data_dir: Path) -> None:
    """Time /sru through Django's test client, and the shared search layer's steps inside it."""
    os.environ["THUVIEN_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "thuvien.settings")
    import django

    django.setup()
    from django.test import Client

    from thuvien.search import structured

    spent: Counter = Counter()
    calls: Counter = Counter()
    wrapped = {}
    steps = {
        "run": "index search (structured.run: compile, Tantivy, ids)",
        "records": "record fetch (structured.records: ORM, database)",
        "marcxml": "MARCXML rendering (structured.marcxml)",
    }
    for name, title in steps.items():
        original = getattr(structured, name)

        def timed(*a, _original=original, _title=title, **kw):
            started = time.perf_counter()
            try:
                return _original(*a, **kw)
            finally:
                spent[_title] += time.perf_counter() - started
                calls[_title] += 1

        wrapped[original] = timed
        setattr(structured, name, timed)
    # The SRU view may have imported the functions by name: wrap them there too.
    for module_name, module in list(sys.modules.items()):
        if module_name.startswith("thuvien.interop.sru") and module is not None:
            for attr, value in list(vars(module).items()):
                if value in wrapped:
                    setattr(module, attr, wrapped[value])
    queries = load_queries()
    client = Client()
    path = "/sru?" + f"version=1.2&operation=searchRetrieve&maximumRecords={PAGE}&recordSchema=marcxml&query="
    for query in queries:  # warm-up
        client.get(path + quote(query["cql"], safe=""))
    spent.clear()
    calls.clear()
    times = []
    rounds = 2
    for _ in range(rounds):
        for query in queries:
            started = time.perf_counter()
            response = client.get(path + quote(query["cql"], safe=""))
            times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                print(f"HTTP {response.status_code} for {query['cql']}")
    total = sum(times)
    n = len(times)
    print(
        f"\nin-process /sru (Django test client, one thread, {n} requests; the test client keeps its "
        f"database connection between requests): p50 {percentile(times, 50):.2f} ms, "
        f"p95 {percentile(times, 95):.2f} ms, mean {total / n:.2f} ms\n"
    )
    print("| step | ms per request | share | calls per request |\n|---|---:|---:|---:|")
    inside = 0.0
    for title in steps.values():
        ms = spent[title] * 1000 / n
        inside += ms
        print(f"| {title} | {ms:.2f} | {ms / (total / n):.0%} | {calls[title] / n:.1f} |")
    rest = total / n - inside
    print(f"| the rest: Django, CQL parsing, SRU envelope | {rest:.2f} | {rest / (total / n):.0%} | |")


# --- main -----------------------------------------------------------------------------------------


def measure(servers: dict, engines: list[str], queries: list[dict], args, results: dict) -> None:
    """Each protocol and level, Zebra then thuvien back to back (the idle servers use no CPU meanwhile)."""
    failed: set[tuple[str, str]] = set()
    for protocol in args.protocols:
        for concurrency in args.concurrency:
            for engine in engines:
                server = servers[engine].get(protocol)
                if server is None or (protocol, engine) in failed:
                    continue
                if protocol == "sru":
                    make = functools.partial(sru_zebra if engine == "Zebra" else sru_thuvien, server.port)
                else:
                    database = "Default" if engine == "Zebra" else args.database
                    make = functools.partial(Z3950Session, server.port, database)
                try:
                    level = run_level(make, queries, concurrency, args, [server])
                except RuntimeError as exc:
                    print(f"  {engine} {protocol} at concurrency {concurrency}: {exc}")
                    failed.add((protocol, engine))
                    continue
                results[(protocol, concurrency, engine)] = level
                print(
                    f"  {engine:8} {protocol:6} c={concurrency}: {level.rate:7,.0f} requests/s, p95 "
                    f"{percentile(level.times, 95):6.2f} ms, {sum(level.errors.values())} errors; "
                    f"load {level.load_before} → {level.load_after}"
                    if level.times
                    else f"  {engine} {protocol} c={concurrency}: no requests",
                    flush=True,
                )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100000", help="record counts, comma-separated (100000,1000000)")
    parser.add_argument(
        "--reuse", action="store_true", help="reuse corpora, Zebra indexes and thuvien databases"
    )
    parser.add_argument("--concurrency", default="1,2,8")
    parser.add_argument("--protocols", default="sru,z3950")
    parser.add_argument("--seconds", type=float, default=15, help="timed seconds per engine and level")
    parser.add_argument(
        "--requests", type=int, default=0, help="timed requests per level instead of --seconds"
    )
    parser.add_argument("--workers", type=int, default=2, help="thuvien serve: web worker processes")
    parser.add_argument("--threads", type=int, default=4, help="thuvien serve: threads per web worker")
    parser.add_argument(
        "--z3950-workers", type=int, default=2, help="thuvien z3950d: processes sharing the port"
    )
    parser.add_argument(
        "--build-only", action="store_true", help="make the corpora and load both engines, then stop"
    )
    parser.add_argument("--database", default="Default", help="the Z39.50 database name of thuvien")
    parser.add_argument("--engines", default="Zebra,thuvien", help="measure only these (Zebra,thuvien)")
    parser.add_argument(
        "--profile", action="store_true", help="where thuvien's SRU time goes at concurrency 2"
    )
    parser.add_argument(
        "--estimate", action="store_true", help="print the estimates (disk, memory, time) and stop"
    )
    parser.add_argument("--in-process", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.in_process:
        in_process(args.in_process)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    args.concurrency = [int(c) for c in args.concurrency.split(",")]
    args.protocols = [p.strip().lower().replace(".", "") for p in args.protocols.split(",")]
    engines = [e.strip() for e in args.engines.split(",")]
    OUT.mkdir(parents=True, exist_ok=True)
    if "z3950" in args.protocols:
        try:
            client_django()
            import thuvien.interop.z3950.client  # noqa: F401
        except ImportError:
            print("thuvien.interop.z3950.client is not there yet: Z39.50 left out")
            args.protocols.remove("z3950")
    queries = load_queries()
    print(
        f"{len(queries)} queries; {os.cpu_count()} CPU cores shared by servers and clients; "
        f"thuvien serve --workers {args.workers} --threads {args.threads} --no-worker; "
        f"thuvien z3950d --workers {args.z3950_workers}; "
        f"zebrasrv as in shared/peers/zebra (one process); load average {loadavg()}"
    )
    estimates(sizes, args)
    if args.estimate:
        return
    for size in sizes:
        print(f"\n=== {size:,} records ===")
        mrc = ensure_corpus(size)
        url = thuvien_database(size)
        zebra_dir, zmark = build_zebra(size, mrc, args.reuse)
        print(
            f"Zebra index: {size / zmark['seconds']:,.0f} records/s ({duration(zmark['seconds'])}), "
            f"{gb(sum(f.stat().st_size for f in (zebra_dir / 'reg').iterdir()))} in {zebra_dir.name}/reg"
        )
        data_dir, tmark = build_thuvien(size, mrc, args.reuse, url)
        rate = re.search(r"IMPORT_RATE end to end: ([\d,]+) records/s", tmark.get("report", ""))
        print(
            f"thuvien import ({public_url(url)}): {rate.group(1) if rate else '?'} records/s end to end "
            f"({duration(tmark['seconds'])} with start-up), data directory {data_dir.name}"
            + "".join(f"; {m}" for m in re.findall(r"peak memory: [^\n]*", tmark.get("report", "")))
        )
        if args.build_only:
            continue
        results: dict = {}
        zebra = zebra_server(zebra_dir)
        web, z3950 = thuvien_servers(data_dir, url, args)
        try:
            if "Zebra" in engines:
                zebra.start()
            if "thuvien" in engines:
                web.start()
                if z3950:
                    z3950.start()
            servers = {"Zebra": {"sru": zebra, "z3950": zebra}, "thuvien": {"sru": web, "z3950": z3950}}
            measure(servers, engines, queries, args, results)
            print(
                f"  peak memory: zebrasrv {zebra.peak_mb()}; thuvien serve {web.peak_mb()}"
                + (f"; z3950d {z3950.peak_mb()}" if z3950 else "")
            )
            zebra.stop()
            print()
            for protocol in args.protocols:
                z = results.get((protocol, args.concurrency[0], "Zebra"))
                t = results.get((protocol, args.concurrency[0], "thuvien"))
                if z and t:
                    compare_hits(queries, z.hits, t.hits, "SRU" if protocol == "sru" else "Z39.50")
            print_tables(results, args, size)
            if args.profile and "thuvien" in engines:
                if "sru" in args.protocols:
                    profile_server(web, functools.partial(sru_thuvien, web.port), "SRU", queries, args)
                if z3950 and "z3950" in args.protocols:
                    opener = functools.partial(Z3950Session, z3950.port, args.database)
                    profile_server(z3950, opener, "Z39.50", queries, args)
                web.stop()
                if "sru" in args.protocols:
                    profile_in_process(data_dir, url)
        finally:
            for server in (zebra, web, z3950):
                if server:
                    server.stop()
    own = resource.getrusage(resource.RUSAGE_SELF)
    print(
        f"\nload average at the end: {loadavg()}; this client used {own.ru_utime + own.ru_stime:,.0f} s of CPU"
    )


if __name__ == "__main__":
    main()
