"""Full reindex time (database → new index generation → swap) and peak memory.

python bench/reindex_time.py --data-dir bench/out/data-1m
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from _env import peak_rss_mb, setup


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, required=True)
    args = parser.parse_args()
    setup(args.data_dir)
    from thuvien.search.indexer import reindex, verify

    started = time.perf_counter()
    count = reindex()
    elapsed = time.perf_counter() - started
    print(
        f"REINDEX: {count:,} records in {elapsed:.1f} s ({count / elapsed:,.0f} records/s); "
        f"peak memory {peak_rss_mb():,.0f} MB"
    )
    drift = verify()
    print(f"verify: indexed={drift.indexed:,} expected={drift.expected:,} ok={drift.ok}")


if __name__ == "__main__":
    main()
