"""Precision and recall of deduplication on a labelled set built from the real records (issue 4, acceptance 4).

    .venv/bin/python bench/dedup_quality.py [--seeds 1,2] [--per-kind 600] [--show 10] [--write]

The labelled pairs are rebuilt on every run, deterministically for each seed; how they are made
(which variations make a duplicate, which differences make a look-alike that is not one, how the real
corpus pairs are labelled) is written in ``bench/dedup_pairs.py``. Scores come from
``thuvien.catalog.dedup`` exactly as the importer uses it: ``features`` of each record, ``score`` of
the pair. A pair is predicted a duplicate when its score is at least ``AUTO_THRESHOLD`` (its copies
would attach automatically); between ``REVIEW_THRESHOLD`` and that it goes to the review queue.

Printed per seed: pairs of each kind with the share merged automatically and the share sent to
review, precision and recall at the automatic threshold (over all pairs, and for the Vietnamese and
the real corpus pairs apart), the share of all pairs sent to review, the blocking recall (true
duplicates the importer's candidate look-up finds: the same ``work_key``, a shared ISBN/ISSN as the
``Identifier`` table holds them, or the same 001+003), recall by variation, and the timings of
``features`` and ``score``. Tune on one seed and read the other: the second is the held-out check.
``--write`` saves each seed's pairs to ``bench/out/dedup/`` (MARC files and a labels JSON).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import dedup_pairs  # noqa: E402

from thuvien.catalog.dedup import AUTO_THRESHOLD, REVIEW_THRESHOLD, features, score, work_key  # noqa: E402
from thuvien.interop.marc import extract  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def corpus_dir() -> Path:
    path = Path(os.environ.get("THUVIEN_CORPUS") or ROOT.parent / "shared" / "corpus")
    if not path.is_dir():
        sys.exit(f"corpus not found at {path}: set THUVIEN_CORPUS")
    return path


def blocked(a, b, fa: dict, fb: dict) -> bool:
    """Return True if the importer's candidate look-up would put records A and B together."""
    ka, kb = work_key(fa), work_key(fb)
    if ka and ka == kb:
        return True
    ea, eb = extract(a), extract(b)
    if set(ea.isbns) & set(eb.isbns) or set(ea.issns) & set(eb.issns):
        return True
    return bool(ea.control_number) and (ea.control_source, ea.control_number) == (
        eb.control_source,
        eb.control_number,
    )


def quality(rows: list[tuple]) -> tuple[float, float, int, int, int]:
    """Return precision, recall, true positives, predicted positives and actual positives of ROWS."""
    tp = sum(1 for dup, s in rows if dup and s >= AUTO_THRESHOLD)
    predicted = sum(1 for _dup, s in rows if s >= AUTO_THRESHOLD)
    actual = sum(1 for dup, _s in rows if dup)
    precision = tp / predicted if predicted else 1.0
    recall = tp / actual if actual else 1.0
    return precision, recall, tp, predicted, actual


def run(corpus: Path, seed: int, args) -> dict:
    t0 = time.perf_counter()
    pairs = dedup_pairs.build(corpus, seed, per_kind=args.per_kind, vi_per_kind=args.vi_per_kind)
    built = time.perf_counter() - t0

    records = [r for p in pairs for r in (p.a, p.b)]
    t0 = time.perf_counter()
    feats = [features(r) for r in records]
    feature_time = time.perf_counter() - t0
    t0 = time.perf_counter()
    scores = [score(feats[2 * i], feats[2 * i + 1]) for i in range(len(pairs))]
    score_time = time.perf_counter() - t0
    size = sum(len(json.dumps(f, ensure_ascii=False)) for f in feats) / len(feats)

    by_kind: dict[str, list] = defaultdict(list)
    for p, m in zip(pairs, scores, strict=True):
        by_kind[p.kind].append((p.duplicate, m.score))
    print(f"\nseed {seed}: {len(pairs)} pairs built in {built:.1f} s")
    print(f"  {'kind':34} {'label':9} {'pairs':>6} {'auto':>7} {'review':>7} {'below':>7}")
    for kind in sorted(by_kind, key=lambda k: (not by_kind[k][0][0], k)):
        rows = by_kind[kind]
        auto = sum(1 for _d, s in rows if s >= AUTO_THRESHOLD) / len(rows)
        review = sum(1 for _d, s in rows if REVIEW_THRESHOLD <= s < AUTO_THRESHOLD) / len(rows)
        below = sum(1 for _d, s in rows if s < REVIEW_THRESHOLD) / len(rows)
        label = "duplicate" if rows[0][0] else "apart"
        print(f"  {kind:34} {label:9} {len(rows):6d} {auto:7.1%} {review:7.1%} {below:7.1%}")

    rows = [(p.duplicate, m.score) for p, m in zip(pairs, scores, strict=True)]
    results = {}
    for name, subset in (
        ("all", rows),
        (
            "synthetic",
            [r for p, r in zip(pairs, rows, strict=True) if not p.kind.startswith(("vi:", "real:"))],
        ),
        ("vietnamese", [r for p, r in zip(pairs, rows, strict=True) if p.kind.startswith("vi:")]),
        ("real corpus", [r for p, r in zip(pairs, rows, strict=True) if p.kind.startswith("real:")]),
    ):
        precision, recall, tp, predicted, actual = quality(subset)
        review = sum(1 for _d, s in subset if REVIEW_THRESHOLD <= s < AUTO_THRESHOLD) / len(subset)
        results[name] = (precision, recall)
        print(
            f"  {name:12} precision {precision:.4f} ({tp}/{predicted})  recall {recall:.4f} ({tp}/{actual})"
            f"  to review {review:.1%} of {len(subset)} pairs"
        )

    duplicates = [(p, 2 * i) for i, p in enumerate(pairs) if p.duplicate]
    found = sum(1 for p, i in duplicates if blocked(p.a, p.b, feats[i], feats[i + 1]))
    print(
        f"  blocking recall {found / len(duplicates):.4f} ({found}/{len(duplicates)} true duplicates found)"
    )

    variations: dict[str, list[bool]] = defaultdict(list)
    for p, m in zip(pairs, scores, strict=True):
        if p.duplicate:
            for change in p.changes:
                variations[change].append(m.score >= AUTO_THRESHOLD)
    print(
        "  recall by variation: "
        + ", ".join(f"{v} {sum(x) / len(x):.3f} ({len(x)})" for v, x in sorted(variations.items()))
    )
    print(
        f"  features {len(records) / feature_time:,.0f}/s, scores {len(pairs) / score_time:,.0f}/s, "
        f"features {size:.0f} bytes of JSON on average"
    )

    if args.show:
        errors = [
            (p, m, feats[2 * i], feats[2 * i + 1])
            for i, (p, m) in enumerate(zip(pairs, scores, strict=True))
            if p.duplicate != (m.score >= AUTO_THRESHOLD)
        ]
        reasons = Counter((p.kind, tuple(m.reasons)) for p, m, _a, _b in errors)
        print(f"  {len(errors)} errors; commonest: {reasons.most_common(5)}")
        for p, m, fa, fb in errors[: args.show]:
            print(f"\n  [{p.kind}] label {p.duplicate} score {m.score} {m.reasons} changes {p.changes}")
            print(f"    a {fa}\n    b {fb}")
    if args.write:
        write(pairs, seed)
    return results


def write(pairs, seed: int) -> None:
    from thuvien.interop.marc import write_iso2709

    out = ROOT / "bench" / "out" / "dedup"
    out.mkdir(parents=True, exist_ok=True)
    with open(out / f"pairs_seed{seed}_a.mrc", "wb") as fa, open(out / f"pairs_seed{seed}_b.mrc", "wb") as fb:
        write_iso2709([p.a for p in pairs], fa)
        write_iso2709([p.b for p in pairs], fb)
    labels = [{"kind": p.kind, "duplicate": p.duplicate, "changes": p.changes} for p in pairs]
    (out / f"pairs_seed{seed}.json").write_text(json.dumps(labels, ensure_ascii=False, indent=0))
    print(f"  written to {out}")


def blocks(corpus: Path) -> None:
    """Print how the work keys of the real records group them: the candidates one look-up returns."""
    sizes = Counter(work_key(features(r)) for r in dedup_pairs.real_records(corpus))
    sizes.pop("", None)
    shared = [n for n in sizes.values() if n > 1]
    over = sum(n for n in sizes.values() if n > 25)
    print(
        f"work keys of the {sum(sizes.values())} real records with a title: {len(sizes)} keys, "
        f"{len(shared)} shared by 2+ records (largest {max(sizes.values())}), "
        f"{over} records under keys shared by more than 25 (the importer's candidates per key)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1,2")
    parser.add_argument("--per-kind", type=int, default=600)
    parser.add_argument("--vi-per-kind", type=int, default=60)
    parser.add_argument("--show", type=int, default=0, help="print N misclassified pairs")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    corpus = corpus_dir()
    print(f"AUTO_THRESHOLD {AUTO_THRESHOLD}, REVIEW_THRESHOLD {REVIEW_THRESHOLD}")
    blocks(corpus)
    results = [run(corpus, int(seed), args) for seed in args.seeds.split(",")]
    worst = min(min(r["all"]) for r in results)
    print(f"\nworst of precision and recall over the seeds: {worst:.4f} (goal ≥ 0.95)")


if __name__ == "__main__":
    main()
