"""Read and write rates of the MARC package on the 5,349 real records (records/s, best of 3).

python bench/marc_rates.py
"""

from __future__ import annotations

import io
import time

from _env import ROOT  # noqa: F401  (puts the repository on sys.path)
from make_corpus import corpus

from thuvien.interop.marc import read_marc, record_from_json, record_to_json, write_iso2709, write_marcxml


def rate(label: str, fn, n: int) -> None:
    best = 0.0
    for _ in range(3):
        started = time.perf_counter()
        fn()
        best = max(best, n / (time.perf_counter() - started))
    print(f"{label:<34} {best:>10,.0f} records/s")


def main() -> None:
    data = corpus().read_bytes()
    records = [p.record for p in read_marc(data)]
    n = len(records)
    rate("read ISO 2709 UTF-8", lambda: sum(1 for _ in read_marc(data)), n)
    for charset in ("utf8", "marc8"):
        rate(f"write ISO 2709 {charset}", lambda c=charset: write_iso2709(records, io.BytesIO(), c), n)
    marc8 = io.BytesIO()
    write_iso2709(records, marc8, "marc8")
    rate("read ISO 2709 MARC-8", lambda: sum(1 for _ in read_marc(marc8.getvalue())), n)
    xml = io.BytesIO()
    write_marcxml(records, xml)
    rate("write MARCXML", lambda: write_marcxml(records, io.BytesIO()), n)
    rate("read MARCXML", lambda: sum(1 for _ in read_marc(xml.getvalue())), n)
    texts = [record_to_json(r) for r in records]
    rate("record_to_json", lambda: [record_to_json(r) for r in records], n)
    rate("record_from_json", lambda: [record_from_json(t) for t in texts], n)


if __name__ == "__main__":
    main()
