"""What the import does to each record before the database: derived columns, holdings, MARC-in-JSON, index fields.

No Django here (nor anything that imports it): ``importer`` runs this in worker processes, on stretches
of an ISO 2709 file cut at record terminators, and does the database work itself.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from json.encoder import encode_basestring

import pymarc

from thuvien.catalog.dedup import features, work_key
from thuvien.interop.dublin_core import marc_elements
from thuvien.interop.marc import (
    HoldingsMap,
    ParsedRecord,
    RecordError,
    extract,
    read_marc,
    record_to_json,
    split_holdings,
)
from thuvien.lib.vn_text import fold, sort_key
from thuvien.search.analysis import RecordFields, record_fields

logger = logging.getLogger(__name__)

__all__ = [
    "RECORD_COLUMNS",
    "Prepared",
    "Unreadable",
    "canonical",
    "derived_columns",
    "marc_json",
    "match_key",
    "prepare",
    "prepare_entries",
    "prepare_iso2709",
]


def derived_columns(record: pymarc.Record) -> tuple[dict, list[tuple[str, str]]]:
    """Return the Record columns derived from MARC RECORD, and its (kind, value) identifiers."""
    ex = extract(record)
    match = features(record)
    columns = {
        "control_number": (ex.control_number or "")[:64],
        "control_source": (ex.control_source or "")[:64],
        "title": ex.title or "",
        "author": (ex.author or "")[:500],
        "publisher": (ex.publisher or "")[:500],
        "place": (ex.place or "")[:300],
        "year": ex.year,
        "edition": (ex.edition or "")[:200],
        "language": (ex.language or "")[:3],
        "material_type": ex.material_type or "other",
        "call_number": (ex.call_number or "")[:100],
        # extract() gives the key already (non-filing characters skipped); keying it again would
        # sort the digits as a number, short titles first.
        "title_sort": (ex.title_sort or sort_key(ex.title or ""))[:255],
        "search_data": {
            "authors": ex.authors,
            "subjects": ex.subjects,
            "series": ex.series,
            "isbns": ex.isbns,
            "issns": ex.issns,
            "any": ex.any_text,
            "match": match,
        },
        "work_key": work_key(match),
    }
    identifiers = [("isbn", v) for v in dict.fromkeys(ex.isbns)] + [
        ("issn", v) for v in dict.fromkeys(ex.issns)
    ]
    columns["match_key"] = match_key(columns, identifiers)
    return columns, identifiers


def canonical(record: pymarc.Record) -> pymarc.Record:
    """Blank the leader's record length and base address: they belong to one serialisation, not the record."""
    leader = str(record.leader)
    if len(leader) == 24:
        record.leader = "00000" + leader[5:12] + "00000" + leader[17:]
    return record


def match_key(columns: dict, identifiers: list[tuple[str, str]]) -> str:
    """Return the key that says which stored record an incoming one updates.

    001+003 when the record has a control number; else its first ISBN/ISSN; else a fingerprint of
    title, author, year, publisher and edition, so re-importing a file never duplicates records.
    """
    if columns["control_number"]:
        return f"cn:{columns['control_source']}|{columns['control_number']}"[:200]
    if identifiers:
        kind, value = identifiers[0]
        return f"{kind}:{value}"
    parts = [
        columns["title"],
        columns["author"],
        str(columns["year"] or ""),
        columns["publisher"],
        columns["edition"],
    ]
    digest = hashlib.sha1("|".join(fold(p) for p in parts).encode("utf-8"), usedforsecurity=False).hexdigest()
    return f"fp:{digest}"


# The Record columns derived_columns() gives, search_data aside, in the order of Prepared.row.
RECORD_COLUMNS = (
    "control_number", "control_source", "title", "author", "publisher", "place", "year", "edition",
    "language", "material_type", "call_number", "title_sort", "match_key", "work_key",
)  # fmt: skip
_CONTROL_NUMBER, _TITLE, _MATCH_KEY, _WORK_KEY = (
    RECORD_COLUMNS.index(c) for c in ("control_number", "title", "match_key", "work_key")
)


@dataclass(slots=True)
class Prepared:
    """A record ready to store: ROW holds the values of RECORD_COLUMNS, SEARCH_JSON the search_data."""

    position: int
    row: tuple
    identifiers: list[tuple[str, str]]
    holdings: list
    marc: str
    search_json: str
    messages: list[str]
    fields: RecordFields | None  # of the record as stored
    # Set by the importer.
    existing_id: int | None = None
    status: str = ""
    # The record that receives the copies: the stored one itself, or the record it was merged into.
    target_id: int | None = None

    def __reduce__(self):
        # Positional arguments pickle smaller and faster than the default (a dict of the slots).
        args = (self.position, self.row, self.identifiers, self.holdings, self.marc, self.search_json)
        return Prepared, (*args, self.messages, self.fields)

    @property
    def control_number(self) -> str:
        return self.row[_CONTROL_NUMBER]

    @property
    def title(self) -> str:
        return self.row[_TITLE]

    @property
    def match_key(self) -> str:
        return self.row[_MATCH_KEY]

    @property
    def work_key(self) -> str:
        return self.row[_WORK_KEY]


_q = encode_basestring  # JSON string literal, non-ASCII as is (C)


def marc_json(record: pymarc.Record) -> str:
    """Return record_to_json(RECORD), the same text twice as fast (test_prepare compares them)."""
    try:
        parts = ['{"leader":', _q(str(record.leader)), ',"fields":[']
        add = parts.append
        for n, f in enumerate(record.fields):
            if n:
                add(",")
            if f.control_field:
                add(f"{{{_q(f.tag)}:{_q(f.data)}}}")
            else:
                ind = f.indicators
                i1 = _q(ind[0] if ind else " ")
                i2 = _q(ind[1] if ind else " ")
                subfields = ",".join([f"{{{_q(code)}:{_q(value)}}}" for code, value in f.subfields])
                add(f'{{{_q(f.tag)}:{{"ind1":{i1},"ind2":{i2},"subfields":[{subfields}]}}}}')
        add("]}")
    except TypeError:  # a value that is not a string (None, a number): the general encoder
        return record_to_json(record)
    return "".join(parts)


@dataclass(slots=True)
class Unreadable:
    """A record that is rejected: unreadable (REASON is the report message) or, if ERROR, not preparable."""

    position: int
    reason: str
    error: bool = False


def prepare(parsed: ParsedRecord, maps: list[HoldingsMap], fields: bool = True) -> Prepared | Unreadable:
    """Prepare PARSED for storing; with FIELDS, compute its index fields too."""
    try:
        holdings, bib = split_holdings(canonical(parsed.record), maps)
        columns, identifiers = derived_columns(bib)
        marc = marc_json(bib)
    except Exception as exc:  # a record pymarc accepted but we cannot make sense of
        logger.debug("cannot prepare record %s", parsed.position, exc_info=True)
        return Unreadable(parsed.position, str(exc), error=True)
    messages = list(parsed.warnings)
    for change in parsed.changes:
        where = change.tag + (f"${change.subfield}" if change.subfield else "")
        messages.append(f"{where}: «{change.before}» → «{change.after}» ({change.encoding})")
    # The Dublin Core elements read from the MARC itself: OAI-PMH then never parses the MARC.
    columns["search_data"]["dc"] = marc_elements(marc)
    # What the database gives the indexer back: these values, search_data through JSON.
    index_fields = record_fields(columns) if fields else None
    row = tuple([columns[c] for c in RECORD_COLUMNS])
    # json.dumps as Django's JSONField writes it (default separators, ASCII).
    search_json = json.dumps(columns["search_data"])
    return Prepared(parsed.position, row, identifiers, holdings, marc, search_json, messages, index_fields)


def unreadable(entry: RecordError, shift: int = 0) -> Unreadable:
    where = f"offset {entry.offset + shift}" if entry.offset >= 0 else ""
    return Unreadable(entry.position, f"{entry.reason} {where}".strip())


def prepare_entries(entries, maps: list[HoldingsMap], fields: bool = True) -> list[Prepared | Unreadable]:
    """Prepare what read_marc() yielded, in order."""
    return [unreadable(e) if isinstance(e, RecordError) else prepare(e, maps, fields) for e in entries]


def prepare_iso2709(task: tuple[bytes, int, str, list[HoldingsMap], bool]) -> list[Prepared | Unreadable]:
    """Read and prepare DATA, whole ISO 2709 records starting at file offset BASE (worker entry point).

    TASK is (DATA, BASE, encoding, holdings maps, whether to compute the index fields).
    DATA starts with a record terminator: read_marc() then skips it, and cannot take a record that
    begins like XML, JSON or gzip for the format of the file. Positions count from 1 in DATA.
    """
    data, base, encoding, maps, fields = task
    out: list[Prepared | Unreadable] = []
    for entry in read_marc(data, encoding=encoding):
        out.append(
            unreadable(entry, base) if isinstance(entry, RecordError) else prepare(entry, maps, fields)
        )
    return out


def serve(task_fd: int, result_fd: int) -> None:
    """Worker process loop: read pickled tasks for prepare_iso2709 from TASK_FD, write results to RESULT_FD.

    A result is ("ok", records) or ("error", traceback text); end of input ends the loop.
    """
    import gc
    import pickle
    import traceback

    # Each task makes and drops a few hundred thousand objects, few of them in cycles: collecting
    # less often saves about 7% (the modules imported by now are moved out of the collector's way).
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    with open(task_fd, "rb") as tasks, open(result_fd, "wb") as results:
        while True:
            try:
                task = pickle.load(tasks)  # noqa: S301 - from the importer that started us, over a pipe
            except EOFError:
                return
            try:
                result = ("ok", prepare_iso2709(task))
            except Exception:
                result = ("error", traceback.format_exc())
            pickle.dump(result, results, protocol=pickle.HIGHEST_PROTOCOL)
            results.flush()
