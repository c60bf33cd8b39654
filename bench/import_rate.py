"""Import rate end to end (parse, store, index), records/s, into a fresh data directory.

    python bench/import_rate.py bench/out/bib_100k.mrc --data-dir bench/out/data-100k

Prints one line per phase and the overall rate. The import indexes as it stores (``index=True``, as
``thuvien import-marc`` does); ``--index-after`` imports first and applies the outbox afterwards.
The phases are the time the importing process spent waiting for prepared records (reading and
preparing run in worker processes, overlapping the rest), storing batches and indexing them.
Reference: Zebra indexes about 2,500 records/s on the same 2-core machine
(shared/peers/zebra/README.md).

With DATABASE_URL (PostgreSQL) the database must be empty: ``dropdb``/``createdb`` it between runs.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import time
from pathlib import Path

from _env import peak_rss_mb, setup


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("file", type=Path)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--keep", action="store_true", help="reuse an existing data directory")
    parser.add_argument("--index-after", action="store_true", help="apply the outbox after the import")
    args = parser.parse_args()
    if args.data_dir.exists() and not args.keep:
        shutil.rmtree(args.data_dir)
    setup(args.data_dir)
    from thuvien.catalog.actions import import_marc
    from thuvien.network.actions import add_library
    from thuvien.network.models import Library
    from thuvien.search.indexer import apply_outbox

    library = Library.objects.filter(code="VN-BENCH").first() or add_library(
        "VN-BENCH", "Bench", "provincial"
    )
    started = time.perf_counter()
    report = import_marc(args.file, library=library, batch_size=2000, index=not args.index_after)
    stored = time.perf_counter()
    applied = apply_outbox(batch=20000)
    done = time.perf_counter()
    total = report.imported + report.updated
    timings = report.timings
    timings["index"] += done - stored
    print(f"records={total} rejected={report.rejected}")
    for phase in ("prepare", "store", "index"):
        seconds = timings[phase]
        print(f"{phase}: {seconds:.1f} s ({total / max(seconds, 1e-9):,.0f} records/s)")
    print(f"(outbox entries applied after the import: {applied})")
    print(f"IMPORT_RATE end to end: {total / (done - started):,.0f} records/s ({done - started:.1f} s)")
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        f"CPU: {own.ru_utime + own.ru_stime:.1f} s this process, "
        f"{workers.ru_utime + workers.ru_stime:.1f} s worker processes"
    )
    print(f"peak memory: {peak_rss_mb():,.0f} MB (this process)")


if __name__ == "__main__":
    main()
