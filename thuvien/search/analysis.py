"""The index fields of a record that follow from its own columns: the analysis of DESIGN.md §5 and ADR 0002.

Pure Python, no Django and no Tantivy, so that the import can run it in worker processes next to the
MARC parsing (``thuvien.catalog.importer``) and hand the result to the indexer; ``documents`` adds
what comes from the items and builds the Tantivy document.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

from thuvien.lib.vn_text import _MARKS, _char_class, exact_key, fold, sort_key, tokens

__all__ = [
    "RECORD_FIELDS",
    "RecordFields",
    "exact",
    "folded",
    "folded_exact",
    "fulltext",
    "normalise_call_number",
    "record_fields",
]

# vn_text.tokens() takes runs of letters, digits and combining marks. Text without a combining mark
# (nearly all text once in NFC) splits the same on letters and digits alone, twice as fast; ASCII
# text even on [A-Za-z0-9] (test_analysis checks both against tokens() over the corpus).
_ASCII_WORD = re.compile(r"[A-Za-z0-9]+")
_WORD = re.compile(r"[^\W_]+")
_MARK = re.compile(_char_class(_MARKS))
_nfc = unicodedata.normalize


def _tokens(text: str) -> list[str]:
    if text.isascii():
        return _ASCII_WORD.findall(text)
    text = _nfc("NFC", text)
    if _MARK.search(text) is None:
        return _WORD.findall(text)
    return tokens(text)


def _folded(text: str) -> str:
    return " ".join(_tokens(fold(text))) if text else ""


def _exact(text: str) -> str:
    return " ".join(_tokens(exact_key(text))) if text else ""


def _both(text: str) -> tuple[str, str]:
    if text.isascii():  # fold() and exact_key() both lower-case ASCII text, and that is all
        same = " ".join(_ASCII_WORD.findall(text.lower()))
        return same, same
    return _folded(text), _exact(text)


# Names, subjects, publishers and series repeat from record to record; titles and the any-field
# text rarely do (nor do their words often enough to pay for a cache per word), so they bypass it.
_both_short = lru_cache(maxsize=32768)(_both)
SHORT = 160


def folded_exact(text: str) -> tuple[str, str]:
    """Return TEXT as the space-joined tokens the index stores: (folded, exact with diacritics)."""
    return _both_short(text) if len(text) <= SHORT else _both(text)


def folded(text: str) -> str:
    """Return TEXT as the space-joined folded tokens the index stores."""
    return folded_exact(text)[0]


def exact(text: str) -> str:
    """Return TEXT as the space-joined diacritic-keeping tokens the index stores."""
    return folded_exact(text)[1]


def fulltext(texts) -> tuple[str, str]:
    """Return the page TEXTS as one pair of index values (folded, exact), like the any-field's."""
    joined = "\n".join(t for t in texts if t)
    return _both(joined) if joined else ("", "")


@lru_cache(maxsize=32768)
def _author_sort(author: str) -> str:
    return sort_key(author, max_len=128)


def normalise_call_number(value: str) -> str:
    return "".join(value.split()).lower()


# The Record columns record_fields() reads.
RECORD_FIELDS = (
    "title", "author", "publisher", "year", "language", "material_type", "call_number", "search_data",
)  # fmt: skip


class RecordFields(NamedTuple):
    """The index fields that follow from a record's own columns (items add the rest)."""

    title: str
    title_x: str
    author: str
    author_x: str
    subject: str
    subject_x: str
    publisher: str
    series: str
    any: str
    any_x: str
    isbn: str | None  # None: no field
    callno: str  # normalised, maybe empty: the items' call numbers join it
    year: int | None
    f_type: str
    f_lang: str  # empty: no field
    f_subject: tuple[str, ...]
    f_author: tuple[str, ...]
    s_title: str
    s_author: str
    # Whole-field keys (folded words joined by one space) for exact matches: SRU "==", Bib-1 completeness.
    k_title: str
    k_author: tuple[str, ...]
    k_subject: tuple[str, ...]


def record_fields(row) -> RecordFields:
    """Return the index fields that follow from ROW, a mapping of RECORD_FIELDS."""
    data = row["search_data"] or {}
    title = row["title"] or ""
    author = row["author"]
    publisher = row["publisher"] or ""
    authors = data.get("authors") or ([author] if author else [])
    subjects = data.get("subjects") or []
    any_text = data.get("any") or " ".join([title, *authors, *subjects, publisher])
    isbns = [*(data.get("isbns") or []), *(i.replace("-", "").lower() for i in data.get("issns") or [])]
    return RecordFields(
        *_both(title),
        *folded_exact(" ; ".join(authors)),
        *folded_exact(" ; ".join(subjects)),
        folded(publisher),
        folded(" ; ".join(data.get("series") or [])),
        *_both(any_text),
        " ".join(isbns) if isbns else None,
        normalise_call_number(row["call_number"] or ""),
        row["year"],
        row["material_type"] or "other",
        row["language"] or "",
        tuple(dict.fromkeys(s.split(" -- ")[0].strip() for s in subjects if s.strip())),
        tuple(dict.fromkeys(a for a in authors[:5] if a)),
        sort_key(title, max_len=128) or "9",
        # Records without an author sort after all others.
        _author_sort(author) if author else "99",
        _folded(title),
        tuple(dict.fromkeys(k for k in map(folded, authors) if k)),
        tuple(dict.fromkeys(k for k in map(folded, subjects) if k)),
    )
