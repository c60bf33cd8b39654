"""Replicate the 5,349 real records to N records that differ: new 001, varied titles.

    python bench/make_corpus.py --size 1000000 --out bench/out/bib_1m.mrc

Each copy gets a fresh control number (001 = BENCH0000001 …, 003 = VN-BENCH) and a title variant
(a volume, part or edition word appended to 245 $a on every copy after the first), so the import
treats each as a new record and the index holds distinct titles. Vocabulary is duplicated, so use the
set for throughput, not relevance.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import pymarc

VARIANTS = ["tập", "phần", "quyển", "volume", "part", "band", "tome", "libro", "deel", "kniga", "bản", "kỳ"]


def corpus() -> Path:
    root = Path(os.environ.get("THUVIEN_CORPUS") or Path(__file__).resolve().parents[2] / "shared" / "corpus")
    return root / "marc" / "_derived" / "real_bib_5349_utf8.mrc"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    base = [r for r in pymarc.MARCReader(corpus().open("rb"), to_unicode=True, force_utf8=True) if r]
    originals: dict[int, str] = {}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with args.out.open("wb") as out:
        copy = 0
        while written < args.size:
            for n, record in enumerate(base):
                if written >= args.size:
                    break
                written += 1
                for field in record.get_fields("001", "003"):
                    record.remove_field(field)
                record.add_ordered_field(pymarc.Field(tag="001", data=f"BENCH{written:07d}"))
                record.add_ordered_field(pymarc.Field(tag="003", data="VN-BENCH"))
                titles = record.get_fields("245")
                if titles and titles[0].get_subfields("a"):
                    original = originals.setdefault(n, titles[0].get_subfields("a")[0])
                    if copy:
                        variant = f"{original.rstrip(' /:;,.')} {VARIANTS[copy % len(VARIANTS)]} {copy}"
                        titles[0].delete_subfield("a")
                        titles[0].subfields.insert(0, pymarc.Subfield("a", variant))
                try:
                    out.write(record.as_marc())
                except ValueError:  # a record too long for ISO 2709 once varied: skip it
                    written -= 1
            copy += 1
    print(f"wrote {written} records to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
