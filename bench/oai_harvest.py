"""Full OAI-PMH harvest rate at 100k records, oai_dc and marc21, and the last page against the first.

    python bench/oai_harvest.py                              # SQLite in bench/out/data-oai-100k
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_oai python bench/oai_harvest.py

1. Builds the catalogue once and reuses it on later runs (``--rebuild`` starts again): the records of
   ``bench/out/bib_100k.mrc`` (made by make_corpus.py when missing) imported at a provincial library
   with four member libraries, 0–3 copies per record spread over those libraries (a few withdrawn),
   two collections, and 1% of the records suppressed. On PostgreSQL the database named in
   DATABASE_URL must exist and contain "bench" in its name.
2. Serves it with ``thuvien serve --workers 1 --no-worker`` on a free port.
3. Harvests ListRecords in full for each format over one keep-alive HTTP connection, parsing every
   response with lxml (as a harvester would), following resumption tokens; checks that every public
   record came exactly once. Prints records/s, the time of the first and last page (request sent to
   response parsed) and their ratio. ``--sickle`` also times the same harvests with Sickle.

The page size is the provider's (OAI_PAGE_SIZE, 500 by default). The first page also counts the list
(completeListSize); every later page resumes after the last (datestamp, id) through an index.

The first and the last full page are then requested again alternately, 15 times each: their medians
compare the two costs without the noise of whatever else ran during one page of the harvest. CPU
columns: the CPU time of the thuvien server processes (not PostgreSQL's) and of this client, per
record (granian's threads may spin while idle, so the server's figure is an upper bound).
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from _env import ROOT, peak_rss_mb

OUT = ROOT / "bench" / "out"
OAI = "{http://www.openarchives.org/OAI/2.0/}"
NS = {"o": "http://www.openarchives.org/OAI/2.0/"}
MEMBERS = ("VN-BENCH-OAI-A", "VN-BENCH-OAI-B", "VN-BENCH-OAI-C", "VN-BENCH-OAI-D")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def setup_django(data_dir: Path, rebuild: bool) -> None:
    if rebuild and data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    url = os.environ.get("DATABASE_URL")
    if url and "bench" not in urlsplit(url).path:
        sys.exit("DATABASE_URL must name a database whose name contains 'bench'")
    os.environ["THUVIEN_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "thuvien.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def build(size: int, rebuild: bool) -> None:
    """Create the catalogue unless a big enough one is there already."""
    from django.db import connection, transaction

    from thuvien.catalog.importer import import_marc
    from thuvien.catalog.models import Collection, Item, Record
    from thuvien.network.actions import add_library
    from thuvien.network.models import Library

    have = Record.objects.count()
    if have >= size and not rebuild:
        print(f"reusing the catalogue of {have:,} records")
        return
    if have and connection.vendor == "postgresql":
        sys.exit("the PostgreSQL database is not empty: dropdb/createdb it first (or drop --rebuild)")
    source = OUT / f"bib_{size // 1000}k.mrc"
    if not source.exists():
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "bench" / "make_corpus.py"),
                "--size",
                str(size),
                "--out",
                str(source),
            ],
            check=True,
        )
    province = Library.objects.filter(code="VN-BENCH-OAI").first() or add_library(
        "VN-BENCH-OAI", "Thư viện tỉnh (bench OAI)", "provincial"
    )
    members = [
        Library.objects.filter(code=code).first()
        or add_library(code, f"Thư viện xã {code[-1]}", "commune", province.code)
        for code in MEMBERS
    ]
    started = time.perf_counter()
    report = import_marc(source, library=province, batch_size=2000, index=False)
    print(f"imported {report.imported:,} records in {time.perf_counter() - started:.0f} s")
    rng = random.Random(4)
    ids = list(Record.objects.order_by("id").values_list("id", flat=True))
    items = []
    for record_id in ids:
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            n = len(items)
            items.append(
                Item(
                    record_id=record_id,
                    barcode=f"OAI{n:08d}",
                    library=members[rng.randrange(len(members))],
                    call_number=f"895.922 {n % 997}",
                    location="Kho mượn",
                    status="withdrawn" if n % 50 == 0 else "available",
                )
            )
    with transaction.atomic():
        Item.objects.bulk_create(items, batch_size=5000)
        for code, share in (("dia-chi", 20), ("thieu-nhi", 25)):
            collection, _ = Collection.objects.get_or_create(code=code, defaults={"name": code})
            collection.records.add(*ids[::share])
        # Suppressed records are harvested as deleted headers.
        Record.objects.filter(id__in=ids[::100]).update(suppressed=True)
    print(f"added {len(items):,} copies, 2 collections, {len(ids[::100]):,} suppressed records")


def harvest(port: int, prefix: str) -> tuple[int, float, list[float], list[int], int, list[dict]]:
    """Harvest ListRecords in PREFIX; return records, seconds, per-page seconds, counts and queries, deletions."""
    from lxml import etree

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    query = {"verb": "ListRecords", "metadataPrefix": prefix}
    seen: set[str] = set()
    pages: list[float] = []
    counts: list[int] = []
    queries: list[dict] = []
    deleted = sent = 0
    started = time.perf_counter()
    while True:
        t0 = time.perf_counter()
        queries.append(query)
        conn.request("GET", "/oai?" + urlencode(query))
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}")
        root = etree.fromstring(body)
        error = root.find(f"{OAI}error")
        if error is not None:
            raise RuntimeError(f"OAI error {error.get('code')}: {error.text}")
        # What any harvester does with a page, in lxml's C code: the identifiers and the deletions.
        found = root.xpath("o:ListRecords/o:record/o:header/o:identifier/text()", namespaces=NS)
        seen.update(found)
        if len(seen) != sent + len(found):
            raise RuntimeError("a record was harvested twice")
        sent = len(seen)
        n = len(found)
        deleted += int(root.xpath("count(o:ListRecords/o:record/o:header[@status='deleted'])", namespaces=NS))
        token = root.findtext(f"{OAI}ListRecords/{OAI}resumptionToken")
        pages.append(time.perf_counter() - t0)
        counts.append(n)
        if not token:
            break
        query = {"verb": "ListRecords", "resumptionToken": token}
    elapsed = time.perf_counter() - started
    conn.close()
    return len(seen), elapsed, pages, counts, deleted, queries


def replay(port: int, first: dict, last: dict, rounds: int = 15) -> tuple[float, float]:
    """Request the first and the last page alternately; return the median seconds of each.

    Alternating cancels out what else the machine does meanwhile, which a single page of a harvest
    cannot: this is how the last page's cost compares with the first's.
    """
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    times: dict[str, list[float]] = {"first": [], "last": []}
    for _ in range(rounds):
        for name, query in (("first", first), ("last", last)):
            t0 = time.perf_counter()
            conn.request("GET", "/oai?" + urlencode(query))
            response = conn.getresponse()
            response.read()
            times[name].append(time.perf_counter() - t0)
    conn.close()
    return statistics.median(times["first"]), statistics.median(times["last"])


def group_cpu(pgid: int) -> float:
    """Return the CPU seconds (user + system) used so far by the processes of group PGID."""
    pids = subprocess.run(["pgrep", "-g", str(pgid)], capture_output=True, text=True).stdout.split()
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def harvest_sickle(port: int, prefix: str) -> tuple[int, float]:
    from sickle import Sickle

    started = time.perf_counter()
    client = Sickle(f"http://127.0.0.1:{port}/oai", max_retries=0, timeout=300)
    n = sum(1 for _ in client.ListRecords(metadataPrefix=prefix, ignore_deleted=False))
    return n, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--data-dir", type=Path, default=OUT / "data-oai-100k")
    parser.add_argument("--rebuild", action="store_true", help="build the catalogue again")
    parser.add_argument("--formats", default="oai_dc,marc21")
    parser.add_argument("--rounds", type=int, default=1, help="harvests per format (best is shown too)")
    parser.add_argument("--sickle", action="store_true", help="also harvest with Sickle")
    args = parser.parse_args()
    setup_django(args.data_dir, args.rebuild)
    build(args.size, args.rebuild)
    from django.db import connection

    from thuvien.catalog.models import Record
    from thuvien.catalog.queries import public_records

    total = Record.objects.count()
    public = public_records().count()
    vendor = connection.vendor
    connection.close()

    port = free_port()
    thuvien = Path(sys.executable).with_name("thuvien")
    server = subprocess.Popen(
        [str(thuvien), "serve", "--port", str(port), "--workers", "1", "--no-worker"],
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        for _ in range(150):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.2)
        print(
            f"\n{vendor}; {total:,} records ({public:,} public, the rest as deleted headers); "
            f"thuvien serve --workers 1; {os.cpu_count()} CPU cores shared by server, database and client; "
            f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}\n"
        )
        print(
            "| format | records | pages | seconds | records/s | first page ms | last full page ms "
            "| median page ms | first / last full page replayed, median ms | last/first "
            "| server CPU µs/record | client CPU µs/record |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        pgid = os.getpgid(server.pid)
        for prefix in args.formats.split(","):
            for _ in range(args.rounds):
                server_cpu, client_cpu = group_cpu(pgid), time.process_time()
                n, elapsed, pages, counts, deleted, queries = harvest(port, prefix)
                server_cpu, client_cpu = group_cpu(pgid) - server_cpu, time.process_time() - client_cpu
                if n != total or deleted != total - public:
                    raise RuntimeError(
                        f"harvested {n} records ({deleted} deleted), expected {total} ({total - public})"
                    )
                full = [i for i, c in enumerate(counts) if c == counts[0]]
                first_ms, last_ms = pages[0] * 1000, pages[full[-1]] * 1000
                first, last = replay(port, queries[0], queries[full[-1]])
                print(
                    f"| {prefix} | {n:,} | {len(pages)} | {elapsed:.1f} | {n / elapsed:,.0f} | {first_ms:.0f} | "
                    f"{last_ms:.0f} | {statistics.median(pages) * 1000:.0f} | {first * 1000:.0f} / {last * 1000:.0f} | "
                    f"{last / first:.2f} | {server_cpu / n * 1e6:.0f} | {client_cpu / n * 1e6:.0f} |",
                    flush=True,
                )
            if args.sickle:
                n, elapsed = harvest_sickle(port, prefix)
                print(
                    f"| {prefix} (Sickle) | {n:,} | | {elapsed:.1f} | {n / elapsed:,.0f} | | | | |",
                    flush=True,
                )
        children = subprocess.run(
            ["pgrep", "-g", str(os.getpgid(server.pid))], capture_output=True, text=True
        )
        peaks = [peak_rss_mb(pid) for pid in children.stdout.split() if Path(f"/proc/{pid}").exists()]
        print(f"\npeak memory of the server process(es): {' + '.join(f'{p:,.0f}' for p in peaks)} MB")
        print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    finally:
        os.killpg(os.getpgid(server.pid), signal.SIGTERM)
        server.wait(timeout=60)


if __name__ == "__main__":
    main()
