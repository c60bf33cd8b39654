"""Deduplication in the database: find stored records an incoming one may duplicate, attach or queue it.

The importer calls ``find`` for the records of a batch that match nothing of their own library
(``_match_existing``). Candidates are looked up three ways, each one indexed look-up per batch: the
same control number (001+003), a shared ISBN/ISSN, the same work key (``dedup.work_key``). Only
records contributed by *another* library are candidates: a library that catalogued two records for
one work meant them apart (and re-importing its own file updates them by their keys instead).
``dedup.score`` decides: at or above ``AUTO_THRESHOLD`` the incoming record is stored merged into the
candidate, so its copies join the one record readers see (and a cataloger can unmerge it); between the
thresholds the pair goes to the review queue.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection

from thuvien.catalog.dedup import AUTO_THRESHOLD, REVIEW_THRESHOLD, score
from thuvien.catalog.models import DuplicateCandidate, Identifier, Item, Record, RecordMerge
from thuvien.catalog.prepare import Prepared

__all__ = ["Found", "find", "queue_for_review", "record_attachments", "survivors"]

# Candidates kept per look-up key: a key shared by more records than this (a very common title, a
# set ISBN) is a poor signal, and scoring them all would make an import quadratic.
MAX_PER_KEY = 25
CHUNK = 500


@dataclass
class Found:
    record_id: int
    score: float
    reasons: list[str] = field(default_factory=list)

    @property
    def automatic(self) -> bool:
        return self.score >= AUTO_THRESHOLD


def _match_sql() -> str:
    if connection.vendor == "postgresql":
        return "r.search_data -> 'match'"
    return "json_extract(r.search_data, '$.match')"


def _features(value) -> dict:
    if value is None:
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def _lookup(sql: str, values: list, source_id: int | None) -> list[tuple]:
    """Run SQL (with {values} and {source} placeholders) over VALUES in chunks; rows of live records."""
    rows: list[tuple] = []
    if source_id is None:
        source_sql, source_args = "r.source_library_id IS NOT NULL", []
    else:
        source_sql, source_args = "(r.source_library_id IS NULL OR r.source_library_id <> %s)", [source_id]
    for i in range(0, len(values), CHUNK):
        part = values[i : i + CHUNK]
        query = sql.format(values=", ".join(["%s"] * len(part)), source=source_sql, match=_match_sql())
        with connection.cursor() as cursor:
            cursor.execute(query, [*part, *source_args])
            rows.extend(cursor.fetchall())
    return rows


# Every kind, so that the (kind, value) index is searched, not scanned.
_KINDS = ", ".join(f"'{kind}'" for kind in Identifier.Kind.values if kind.isalnum())


def _capped(inner: str, keys: str, record: str) -> str:
    """Keep, of INNER's rows (r.id, key columns, n: the row's rank in its key), each key's first MAX_PER_KEY.

    A key shared by many stored records (a popular ISBN, a work held everywhere) would otherwise bring
    them all, each with its match features read from the row: a union catalogue's import slowed with
    its size. The ranking reads indexes (and a row's first page); features are read for the kept rows.
    """
    return (
        f"SELECT c.id, {keys}, {{match}} FROM ({inner}) c JOIN {record} r ON r.id = c.id "  # noqa: S608
        f"WHERE c.n <= {MAX_PER_KEY} ORDER BY c.id"
    )


def find(incoming: list[Prepared], source_id: int | None) -> dict[int, Found]:
    """Return, by position, the best stored duplicate (score ≥ REVIEW_THRESHOLD) of each INCOMING record."""
    record = connection.ops.quote_name(Record._meta.db_table)
    identifier = connection.ops.quote_name(Identifier._meta.db_table)
    features: dict[int, dict] = {}
    keyed: dict[tuple[str, str], list[int]] = defaultdict(list)

    def keep(key: tuple[str, str], pk: int, match) -> None:
        if len(keyed[key]) < MAX_PER_KEY:
            keyed[key].append(pk)
            if pk not in features:
                features[pk] = _features(match)

    work_keys = sorted({p.work_key for p in incoming if p.work_key})
    for pk, key, match in _lookup(
        _capped(
            f"SELECT r.id, r.work_key AS k, ROW_NUMBER() OVER (PARTITION BY r.work_key ORDER BY r.id) AS n "  # noqa: S608
            f"FROM {record} r WHERE r.work_key IN ({{values}}) AND r.deleted_at IS NULL AND {{source}}",
            "c.k",
            record,
        ),
        work_keys,
        source_id,
    ):
        keep(("work", key), pk, match)
    numbers = sorted({value[:20] for p in incoming for _kind, value in p.identifiers})
    for pk, kind, value, match in _lookup(
        # CROSS JOIN keeps SQLite on the identifiers' (kind, value) index first: without statistics it
        # may start from the records' deleted_at index and read every live record.
        _capped(
            f"SELECT r.id, i.kind AS k, i.value AS v, "  # noqa: S608 - model tables
            "ROW_NUMBER() OVER (PARTITION BY i.kind, i.value ORDER BY r.id) AS n "
            f"FROM {identifier} i CROSS JOIN {record} r WHERE r.id = i.record_id AND i.kind IN ({_KINDS}) "
            "AND i.value IN ({values}) AND r.deleted_at IS NULL AND {source}",
            "c.k, c.v",
            record,
        ),
        numbers,
        source_id,
    ):
        keep((kind, value), pk, match)
    controls = sorted({p.match_key for p in incoming if p.match_key.startswith("cn:")})
    for pk, key, match in _lookup(
        _capped(
            f"SELECT r.id, r.match_key AS k, ROW_NUMBER() OVER (PARTITION BY r.match_key ORDER BY r.id) AS n "  # noqa: S608
            f"FROM {record} r WHERE r.match_key IN ({{values}}) AND r.deleted_at IS NULL AND {{source}}",
            "c.k",
            record,
        ),
        controls,
        source_id,
    ):
        keep(("control", key), pk, match)

    found: dict[int, Found] = {}
    if not features:
        return found
    for p in incoming:
        candidates = set(keyed.get(("work", p.work_key), ()))
        for kind, value in p.identifiers:
            candidates.update(keyed.get((kind, value[:20]), ()))
        candidates.update(keyed.get(("control", p.match_key), ()))
        if not candidates:
            continue
        mine = _features(json.loads(p.search_json).get("match"))
        best: Found | None = None
        for pk in sorted(candidates):
            match = score(mine, features[pk])
            if match.score >= REVIEW_THRESHOLD and (best is None or match.score > best.score):
                best = Found(pk, match.score, list(match.reasons))
        if best is not None:
            found[p.position] = best
    return found


def record_attachments(attached: list[Prepared], found: dict[int, Found], barcodes: dict, now) -> None:
    """Write the RecordMerge of each record ATTACHED on import, with the copies it brought (for unmerge)."""
    wanted = [b for p in attached for b in barcodes.get(p.position, ())]
    item_ids: dict[str, int] = {}
    for i in range(0, len(wanted), 5000):
        item_ids.update(Item.objects.filter(barcode__in=wanted[i : i + 5000]).values_list("barcode", "id"))
    RecordMerge.objects.bulk_create(
        [
            RecordMerge(
                survivor_id=p.target_id,
                merged_id=p.existing_id,
                automatic=True,
                score=found[p.position].score,
                reasons=found[p.position].reasons,
                moved={"items": [item_ids[b] for b in barcodes.get(p.position, ()) if b in item_ids]},
                created_at=now,
            )
            for p in attached
        ]
    )


def queue_for_review(created: list[Prepared], found: dict[int, Found]) -> int:
    """Put the new records that may duplicate a stored one (below the automatic threshold) in the review queue."""
    pairs = [
        DuplicateCandidate(
            record_id=p.existing_id,
            other_id=found[p.position].record_id,
            score=found[p.position].score,
            reasons=found[p.position].reasons,
        )
        for p in created
        if p.position in found and not found[p.position].automatic
    ]
    DuplicateCandidate.objects.bulk_create(pairs, ignore_conflicts=True)
    return len(pairs)


def survivors(ids: set[int]) -> dict[int, int | None]:
    """Map each record id to the live record it was (perhaps in steps) merged into, itself when live."""
    result: dict[int, int | None] = {}
    current = {pk: pk for pk in ids}
    for _step in range(10):
        if not current:
            break
        rows = Record.objects.filter(pk__in=set(current.values())).values_list(
            "pk", "merged_into_id", "deleted_at"
        )
        state = {pk: (into, deleted) for pk, into, deleted in rows}
        following = {}
        for start, pk in current.items():
            into, deleted = state.get(pk, (None, True))
            if into is not None:
                following[start] = into
            else:
                result[start] = pk if deleted is None else None
        current = following
    for start in current:
        result[start] = None
    return result
