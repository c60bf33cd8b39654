"""Open-data dump rate (records/s), file sizes and peak memory, for the network and for one library.

    python bench/make_corpus.py --size 100000 --out bench/out/bib_100k.mrc
    python bench/opendata_dump.py bench/out/bib_100k.mrc --data-dir bench/out/data-opendata

Builds a province (VN-BENCH) with four member libraries, imports FILE into it and gives each record
one or two copies in member libraries (one in ten also a withdrawn copy, which the dumps leave out).
Then each measurement runs in a fresh process, so that its peak memory is the dump's own: the three
formats written in one pass (what `thuvien dump` does), each format alone, and one member library's
dataset (a quarter of the records, found through its copies). ``--keep`` reuses a data directory
that already holds the records.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from _env import peak_rss_mb, setup

MEMBERS = ["VN-BENCH-A", "VN-BENCH-B", "VN-BENCH-C", "VN-BENCH-D"]


def prepare(file: Path) -> None:
    from thuvien.catalog.actions import import_marc
    from thuvien.catalog.models import Item, ItemStatus, Record
    from thuvien.network.actions import add_library
    from thuvien.network.models import Library

    province = Library.objects.filter(code="VN-BENCH").first() or add_library(
        "VN-BENCH", "Bench", "provincial"
    )
    members = [
        Library.objects.filter(code=code).first()
        or add_library(code, f"Thư viện {code}", "commune", "VN-BENCH")
        for code in MEMBERS
    ]
    started = time.perf_counter()
    report = import_marc(file, library=province, batch_size=2000)
    print(f"imported {report.imported} records in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    ids = list(Record.objects.filter(items__isnull=True).values_list("pk", flat=True))
    batch = []
    for n, pk in enumerate(ids):
        batch.append(
            Item(record_id=pk, barcode=f"BB{pk}-1", library=members[n % 4], call_number=f"{n % 1000:03d}")
        )
        if n % 2:
            batch.append(
                Item(record_id=pk, barcode=f"BB{pk}-2", library=members[(n + 1) % 4], call_number="895")
            )
        if n % 10 == 0:
            batch.append(
                Item(
                    record_id=pk,
                    barcode=f"BB{pk}-3",
                    library=members[(n + 2) % 4],
                    status=ItemStatus.WITHDRAWN,
                )
            )
        if len(batch) >= 5000:
            Item.objects.bulk_create(batch)
            batch = []
    Item.objects.bulk_create(batch)


def measure(scope_key: str, formats: list[str], out: Path) -> None:
    from thuvien.interop.opendata.dumps import Scope, write_to
    from thuvien.network.models import Library

    scope = Scope.network() if scope_key == "network" else Scope.of(Library.objects.get(code=scope_key))
    started = time.perf_counter()
    written = write_to(scope, formats, out)
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "seconds": seconds,
                "records": written[0].records,
                "sizes": {w.format: w.size for w in written},
                "peak_mb": peak_rss_mb(),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("file", type=Path, nargs="?")
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--keep", action="store_true", help="reuse the records of an existing data directory")
    parser.add_argument("--measure", nargs=2, metavar=("SCOPE", "FORMATS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    out = args.data_dir / "dumps"
    if args.measure:
        setup(args.data_dir)
        measure(args.measure[0], args.measure[1].split(","), out)
        return
    if args.data_dir.exists() and not args.keep:
        shutil.rmtree(args.data_dir)
    setup(args.data_dir)
    from thuvien.catalog.queries import public_records

    if not public_records().exists():
        if args.file is None:
            parser.error("FILE is needed to fill a new data directory")
        prepare(args.file)
    print(
        f"public records: {public_records().count():,}  (database: {os.environ.get('DATABASE_URL') or 'SQLite'})"
    )
    print(
        f"{'dataset':<12} {'formats':<20} {'records':>9} {'seconds':>8} {'records/s':>10} {'peak MB':>8}  sizes (gzip)"
    )
    runs = [("network", "marcxml,csv,jsonld"), ("network", "marcxml"), ("network", "csv"), ("network", "jsonld"),
            (MEMBERS[0], "marcxml,csv,jsonld")]  # fmt: skip
    for scope, formats in runs:
        child = subprocess.run(
            [sys.executable, __file__, "--data-dir", str(args.data_dir), "--measure", scope, formats],
            check=True,
            capture_output=True,
            text=True,
        )
        result = json.loads(child.stdout.strip().splitlines()[-1])
        sizes = " ".join(f"{k}={v / 1e6:.1f}MB" for k, v in result["sizes"].items())
        rate = result["records"] / result["seconds"]
        print(
            f"{scope:<12} {formats:<20} {result['records']:>9,} {result['seconds']:>8.1f} {rate:>10,.0f} "
            f"{result['peak_mb']:>8,.0f}  {sizes}"
        )


if __name__ == "__main__":
    main()
