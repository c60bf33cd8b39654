"""Deduplication: do two bibliographic records describe the same work (same edition, same volume)?

Pure functions, no Django: ``features`` reads what matters from a MARC record into a small JSON-able
dict (stored with the record in ``search_data["match"]``), ``work_key`` gives the blocking key that
finds candidates with one index look-up, and ``score`` compares two feature dicts.

The score is a number in [0, 1]: at or above ``AUTO_THRESHOLD`` the incoming record's copies attach
to the existing record; between ``REVIEW_THRESHOLD`` and it, the pair waits for a cataloger.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pymarc

from thuvien.lib.isbn import isbn13, issn
from thuvien.lib.vn_text import fold, tokens

__all__ = ["AUTO_THRESHOLD", "REVIEW_THRESHOLD", "Match", "features", "score", "work_key"]

AUTO_THRESHOLD = 0.9
REVIEW_THRESHOLD = 0.6

_DIGITS = re.compile(r"\d+")


def _sub(f: pymarc.Field | None, codes: str) -> str:
    if f is None:
        return ""
    return " ".join(v for c, v in f.subfields if c in codes and v)


def _first(record: pymarc.Record, tag: str) -> pymarc.Field | None:
    for f in record.get_fields(tag):
        return f
    return None


def _key(text: str) -> str:
    return " ".join(tokens(fold(text)))


def _number(text: str) -> str:
    """The first number in TEXT (an edition or volume statement), '' when there is none."""
    m = _DIGITS.search(text or "")
    return str(int(m.group())) if m else ""


def features(record: pymarc.Record) -> dict:
    """Return the match features of RECORD: folded title proper, subtitle, author, year, edition …"""
    f245 = _first(record, "245")
    title = _key(_sub(f245, "a"))
    subtitle = _key(_sub(f245, "b"))
    part = _key(_sub(f245, "np"))
    author_field = _first(record, "100") or _first(record, "110") or _first(record, "111")
    author = _key(_sub(author_field, "a"))
    if not author:
        f700 = _first(record, "700") or _first(record, "710")
        author = _key(_sub(f700, "a"))
    c008 = _first(record, "008")
    data = c008.data if c008 is not None and c008.data else ""
    year = data[7:11] if len(data) >= 11 and data[7:11].isdigit() else ""
    if not year:
        for tag in ("264", "260"):
            m = re.search(r"\d{4}", _sub(_first(record, tag), "c"))
            if m:
                year = m.group()
                break
    language = data[35:38].strip().lower() if len(data) >= 38 else ""
    isbns = sorted({n for f in record.get_fields("020") for n in [isbn13(_sub(f, "a"))] if n})
    issns = sorted({n for f in record.get_fields("022") for n in [issn(_sub(f, "a"))] if n})
    publisher = ""
    for tag in ("264", "260"):
        publisher = _key(_sub(_first(record, tag), "b"))
        if publisher:
            break
    control = _first(record, "001")
    source = _first(record, "003")
    return {
        "title": title,
        "subtitle": subtitle,
        "part": part,
        "author": author,
        "year": year,
        "edition": _number(_sub(_first(record, "250"), "a")),
        "language": language,
        "isbns": isbns,
        "issns": issns,
        "publisher": publisher,
        "control": f"{source.data if source is not None else ''}|{control.data}"
        if control is not None and control.data
        else "",
    }


def work_key(feat: dict) -> str:
    """The blocking key: the first words of the title proper and the author's first word."""
    title = " ".join(feat.get("title", "").split()[:6])
    author = (feat.get("author", "").split() or [""])[0]
    return f"{title}|{author}"[:200] if title else ""


@dataclass
class Match:
    score: float
    reasons: list[str] = field(default_factory=list)


def score(a: dict, b: dict) -> Match:
    """Compare two feature dicts; conflicts on edition, volume, year or language keep works apart."""
    reasons: list[str] = []
    if a.get("control") and a.get("control") == b.get("control"):
        return Match(1.0, ["control"])
    s = 0.0
    if set(a.get("isbns", [])) & set(b.get("isbns", [])):
        s += 0.6
        reasons.append("isbn")
    if set(a.get("issns", [])) & set(b.get("issns", [])):
        s += 0.5
        reasons.append("issn")
    if a.get("title") and a.get("title") == b.get("title"):
        s += 0.35
        reasons.append("title")
    if a.get("author") and a.get("author") == b.get("author"):
        s += 0.2
        reasons.append("author")
    if a.get("year") and a.get("year") == b.get("year"):
        s += 0.15
        reasons.append("year")
    # Conflicts.
    for key in ("edition", "part", "language"):
        if a.get(key) and b.get(key) and a[key] != b[key]:
            return Match(min(s, REVIEW_THRESHOLD - 0.01) * 0.5, [*reasons, f"{key}-differs"])
    if a.get("year") and b.get("year") and a["year"] != b["year"]:
        s -= 0.3
        reasons.append("year-differs")
    return Match(max(0.0, min(1.0, s)), reasons)
