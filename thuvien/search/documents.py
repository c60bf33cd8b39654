"""Turn database rows into index documents, with the Vietnamese analysis of DESIGN.md §5."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping

import tantivy
from django.db.models import Q
from django.utils import timezone

from thuvien.catalog.models import ON_SHELF_STATUSES, Item, Record
from thuvien.digital import policies
from thuvien.digital.models import AccessLevel, Page, Stage
from thuvien.network.models import Library
from thuvien.search.analysis import (
    RECORD_FIELDS,
    RecordFields,
    exact,
    folded,
    fulltext,
    normalise_call_number,
    record_fields,
)

__all__ = [
    "AVAILABLE_ANYWHERE",
    "LibraryPaths",
    "PreparedDocuments",
    "build_documents",
    "exact",
    "folded",
    "fulltext_texts",
    "normalise_call_number",
    "prepared",
    "record_document",
]

AVAILABLE_ANYWHERE = "*"
# Tantivy refuses terms past 65,530 bytes; a whole-field key that long is no key anyone types.
KEY_LIMIT = 2000


class LibraryPaths:
    """Library id → (code, codes of it and its ancestors), loaded once per indexing batch."""

    def __init__(self) -> None:
        self.code: dict[int, str] = {}
        self.scope: dict[int, list[str]] = {}
        for pk, code, path in Library.objects.values_list("id", "code", "path"):
            self.code[pk] = code
            self.scope[pk] = [c for c in path.strip("/").split("/") if c]


RECORD_COLUMNS = ("id", *RECORD_FIELDS, "suppressed", "deleted_at")


class PreparedDocuments:
    """Index fields the import already computed for the records it created, until the indexer takes them.

    Process-local and bounded: an entry is (outbox id, fields of ``analysis.record_fields``), put
    after the transaction that wrote the record and its outbox entry commits. The indexer uses an
    entry only when that outbox entry is the newest one for the record it is applying (nothing
    changed the record since), and reads the database otherwise. Entries nobody takes (the worker
    of another process applied the outbox) are dropped oldest first beyond ``limit``.
    """

    def __init__(self, limit: int = 50_000) -> None:
        self.limit = limit
        self._entries: dict[int, tuple[int, RecordFields]] = {}
        self._lock = threading.Lock()

    def put(self, entries: Iterable[tuple[int, int, RecordFields]]) -> None:
        """Remember (record id, outbox id, fields) ENTRIES."""
        with self._lock:
            for record_id, outbox_id, fields in entries:
                self._entries.pop(record_id, None)
                self._entries[record_id] = (outbox_id, fields)
            excess = len(self._entries) - self.limit
            if excess > 0:
                for record_id in list(self._entries)[:excess]:
                    del self._entries[record_id]

    def take(self, newest: Mapping[int, int]) -> dict[int, RecordFields]:
        """Return the fields of the records whose entry is for their NEWEST outbox id (record id → id).

        Those entries are removed, and so are older ones (the record changed since); an entry for
        an outbox id beyond NEWEST stays for later.
        """
        found: dict[int, RecordFields] = {}
        if not self._entries:
            return found
        entries = self._entries
        with self._lock:
            for record_id, outbox_id in newest.items():
                entry = entries.get(record_id)
                if entry is None or entry[0] > outbox_id:
                    continue
                del entries[record_id]
                if entry[0] == outbox_id:
                    found[record_id] = entry[1]
        return found

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


prepared = PreparedDocuments()


def build_documents(
    record_ids: Iterable[int],
    libraries: LibraryPaths | None = None,
    fields: Mapping[int, RecordFields] | None = None,
):
    """Yield (record_id, document or None) for RECORD_IDS; None means the record must leave the index.

    FIELDS (record id → ``analysis.record_fields``, for records known to be visible and unchanged
    since) spare reading and analysing those records again; items always come from the database.
    """
    ids = list(record_ids)
    if not ids:
        return
    libraries = libraries or LibraryPaths()
    fields = fields or {}
    items: dict[int, list[tuple]] = defaultdict(list)
    for row in Item.objects.filter(record_id__in=ids).values_list(
        "record_id", "library_id", "current_library_id", "status", "acquired_on", "call_number"
    ):
        items[row[0]].append(row[1:])
    found = set()
    for record_id in ids:
        known = fields.get(record_id)
        if known is not None:
            found.add(record_id)
            yield record_id, _document(record_id, known, items.get(record_id, ()), libraries)
    to_read = [record_id for record_id in ids if record_id not in found]
    if to_read:
        # Prepared records are new and unchanged since (any later change, a digital object linked to
        # one included, queues it again), so only the records read here can have full text.
        texts = fulltext_texts(to_read)
        for row in Record.objects.filter(pk__in=to_read).values(*RECORD_COLUMNS):
            found.add(row["id"])
            if row["suppressed"] or row["deleted_at"] is not None:
                yield row["id"], None
            else:
                yield (
                    row["id"],
                    record_document(row, items.get(row["id"], ()), libraries, texts.get(row["id"])),
                )
    for missing in set(ids) - found:
        yield missing, None


def fulltext_texts(record_ids, today=None) -> dict[int, tuple[list[str], list[str]]]:
    """Return record id → (page texts anyone may read, page texts signed-in readers may read), in one query.

    Only text the public may read at some tier is read at all: secret, unpublished and embargoed
    objects, and pages overridden to secret, stay out of the index (DESIGN.md §7, ADR 0006).
    """
    today = today or timezone.localdate()
    rows = (
        Page.objects.filter(
            object__record_id__in=record_ids,
            object__stage=Stage.PUBLISHED,
            object__access__in=(AccessLevel.OPEN, AccessLevel.RESTRICTED),
        )
        .filter(Q(object__embargo_until__isnull=True) | Q(object__embargo_until__lte=today))
        .exclude(access_override=AccessLevel.SECRET)
        .exclude(text="")
        .order_by("object__record_id", "object_id", "seq")
        .values_list(
            "object__record_id", "object__access", "object__stage", "object__embargo_until",
            "access_override", "text",
        )
    )  # fmt: skip
    texts: dict[int, tuple[list[str], list[str]]] = {}
    for record_id, access, stage, embargo_until, override, text in rows:
        # The filter above already says this; the policy decides, so the two can never disagree.
        level = policies.public_level(access, stage, embargo_until, today)
        if not level:
            continue
        level = policies.page_level(level, override)
        tiers = texts.setdefault(record_id, ([], []))
        if level == AccessLevel.OPEN:
            tiers[0].append(text)
        elif level == AccessLevel.RESTRICTED:
            tiers[1].append(text)
    return texts


def record_document(row: dict, items, libraries: LibraryPaths, texts=None) -> tantivy.Document:
    """Build the document of record ROW; TEXTS: its (open, restricted) page texts (see fulltext_texts)."""
    return _document(row["id"], record_fields(row), items, libraries, texts)


def _document(
    record_id: int, fields: RecordFields, items, libraries: LibraryPaths, texts=None
) -> tantivy.Document:
    holding: dict[str, None] = {}
    scope: dict[str, None] = {}
    avail: dict[str, None] = {}
    call_numbers = {fields.callno: None}
    acquired = 0
    for library_id, current_id, status, acquired_on, call_number in items:
        holding[libraries.code.get(library_id, "")] = None
        scope.update(dict.fromkeys(libraries.scope.get(library_id, ())))
        if status in ON_SHELF_STATUSES:
            avail.update(dict.fromkeys(libraries.scope.get(current_id or library_id, ())))
            avail[AVAILABLE_ANYWHERE] = None
        if acquired_on is not None:
            acquired = max(acquired, acquired_on.year * 10000 + acquired_on.month * 100 + acquired_on.day)
        if call_number:
            call_numbers[normalise_call_number(call_number)] = None
    holding.pop("", None)
    call_numbers.pop("", None)
    doc = tantivy.Document(id=record_id, doctype="record")
    add = doc.add_text
    for name, value in zip(_TEXT_FIELDS, fields, strict=False):  # the first ten, always there
        add(name, value)
    if fields.isbn is not None:
        add("isbn", fields.isbn)
    if fields.year is not None:
        doc.add_integer("year", fields.year)
    add("f_type", fields.f_type)
    if fields.f_lang:
        add("f_lang", fields.f_lang)
    for name, values in (
        ("f_subject", fields.f_subject),
        ("f_author", fields.f_author),
        ("f_library", holding),
        ("f_scope", scope),
        ("f_avail", avail),
        ("callno", call_numbers),
    ):
        for value in values:
            add(name, value)
    doc.add_integer("acquired", acquired)
    add("s_title", fields.s_title)
    add("s_author", fields.s_author)
    if fields.k_title:
        add("k_title", fields.k_title[:KEY_LIMIT])
    for value in fields.k_author:
        add("k_author", value[:KEY_LIMIT])
    for value in fields.k_subject:
        add("k_subject", value[:KEY_LIMIT])
    if texts:
        for names, tier in ((("ft", "ft_x"), texts[0]), (("ftr", "ftr_x"), texts[1])):
            if tier:
                for name, value in zip(names, fulltext(tier), strict=True):
                    add(name, value)
    return doc


_TEXT_FIELDS = RecordFields._fields[: RecordFields._fields.index("any_x") + 1]
