"""Apply the search outbox to the index, rebuild it, and check it against the database (DESIGN.md §6)."""

from __future__ import annotations

import logging
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import tantivy
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from thuvien.catalog.models import Record
from thuvien.search import documents, index
from thuvien.search.documents import LibraryPaths, build_documents
from thuvien.search.models import OutboxEntry

logger = logging.getLogger(__name__)

# A gap in outbox ids is usually a transaction still in flight (PostgreSQL hands out ids before
# commit). Wait for it this long before deciding it was rolled back and stepping over it.
GAP_TIMEOUT = timedelta(seconds=5)


def enqueue(record_ids) -> None:
    """Note that RECORD_IDS changed; call inside the transaction that changed them."""
    OutboxEntry.objects.bulk_create([OutboxEntry(record_id=rid) for rid in dict.fromkeys(record_ids)])


def _usable_prefix(rows: list[tuple[int, int, object]], last: int) -> list[tuple[int, int, object]]:
    """Keep the rows up to the first gap that may still be filled by a running transaction."""
    usable = []
    # An index that has applied nothing yet starts at the oldest entry there is.
    expected = last + 1 if last else (rows[0][0] if rows else 1)
    stale_before = timezone.now() - GAP_TIMEOUT
    for row in rows:
        if row[0] != expected and _created_at(row) > stale_before:
            break
        usable.append(row)
        expected = row[0] + 1
    return usable


def _created_at(row: tuple[int, int, object]):
    if row[2] is not None:
        return row[2]
    return (
        OutboxEntry.objects.filter(pk=row[0]).values_list("created_at", flat=True).first() or timezone.now()
    )


def _pending(last: int, batch: int) -> list[tuple[int, int, object]]:
    """Return the next outbox rows to apply (id, record id, None: created_at is read at a gap only)."""
    # Plain SQL: turning every created_at into a datetime cost more than the rest of the query.
    table = connection.ops.quote_name(OutboxEntry._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, record_id FROM {table} WHERE id > %s ORDER BY id LIMIT %s",  # noqa: S608 - a model's table
            [last, batch],
        )
        rows = [(outbox_id, record_id, None) for outbox_id, record_id in cursor.fetchall()]
    return _usable_prefix(rows, last)


def apply_outbox(batch: int = 5000, max_batches: int | None = None) -> int:
    """Apply pending outbox entries to the live index; return how many entries were applied."""
    applied = 0
    batches = 0
    libraries = None
    while max_batches is None or batches < max_batches:
        last = index.last_applied()
        rows = _pending(last, batch)
        if not rows:
            break
        libraries = libraries or LibraryPaths()
        with index.writer() as w:
            apply_rows(w, rows, libraries)
            index.set_last_applied(w, rows[-1][0])
            w.commit()
        applied += len(rows)
        batches += 1
        if len(rows) < batch:
            break
    return applied


class OutboxApplier:
    """Apply the outbox with the index writer held from call to call, committing when told.

    For an import in progress, which applies the outbox after each batch it stores. Raises IndexBusy
    when another process holds the writer.
    """

    def __init__(self, heap: int | None = None, threads: int = 0) -> None:
        """THREADS: Tantivy's indexing threads, 0 for its choice (one per core)."""
        self._stack = ExitStack()
        path = index.ensure_index()
        if threads:
            writer = _writer(path, heap or settings.SEARCH_WRITER_HEAP, threads)
        else:
            writer = index.writer(path, heap=heap)
        self.writer = self._stack.enter_context(writer)
        # Read from the index itself: nobody else can commit while the writer is held.
        self.last = index.last_applied(path=path)
        self.libraries = LibraryPaths()
        self.uncommitted = 0

    def apply(self, batch: int = 5000) -> int:
        """Apply what is pending, without committing; return how many entries were applied."""
        applied = 0
        while True:
            rows = _pending(self.last, batch)
            if not rows:
                break
            apply_rows(self.writer, rows, self.libraries)
            self.last = rows[-1][0]
            applied += len(rows)
            self.uncommitted += len(rows)
            if len(rows) < batch:
                break
        return applied

    def commit(self) -> None:
        index.set_last_applied(self.writer, self.last)
        self.writer.commit()
        self.uncommitted = 0

    def close(self, commit: bool = True) -> None:
        """Commit what was applied (or drop it) and release the writer."""
        try:
            if commit and self.uncommitted:
                self.commit()
            elif self.uncommitted:
                self.writer.rollback()
        finally:
            self._stack.close()


@contextmanager
def _writer(path: Path, heap: int, threads: int):
    """index.writer() with a given number of indexing threads."""
    try:
        w = tantivy.Index(index.SCHEMA, path=str(path)).writer(heap, num_threads=threads)
    except ValueError as exc:
        if "lock" in str(exc).lower() or "busy" in str(exc).lower():
            raise index.IndexBusy(str(exc)) from exc
        raise
    try:
        yield w
    except BaseException:
        w.rollback()
        raise
    finally:
        w.wait_merging_threads()
    index.refresh()


def apply_rows(w: tantivy.IndexWriter, rows, libraries: LibraryPaths) -> None:
    """Write the documents of the records of outbox ROWS (id, record id, …), in order, into W.

    A record the import created in this process since comes with its index fields prepared
    (``documents.prepared``); the others are read from the database.
    """
    newest: dict[int, int] = {}
    for outbox_id, record_id, *_rest in rows:
        newest.pop(record_id, None)
        newest[record_id] = outbox_id
    write_records(w, newest, libraries, documents.prepared.take(newest))


def write_records(w: tantivy.IndexWriter, record_ids, libraries: LibraryPaths, fields=None) -> int:
    """Replace the documents of RECORD_IDS in writer W; return how many are in the index after.

    FIELDS: see ``documents.build_documents``.
    """
    present = 0
    fields = fields or {}
    for record_id, doc in build_documents(dict.fromkeys(record_ids), libraries, fields):
        # A record with prepared fields was created since the last change the index saw: it has no
        # document to delete (and deletions are a good part of what a commit costs).
        if record_id not in fields:
            w.delete_documents_by_term("id", record_id)
        if doc is not None:
            w.add_document(doc)
            present += 1
    return present


def lag() -> dict:
    """Return how far the index is behind the outbox (for the health endpoint)."""
    last = index.last_applied()
    newest = OutboxEntry.objects.order_by("-id").values_list("id", "created_at").first()
    pending = OutboxEntry.objects.filter(id__gt=last).count() if newest and newest[0] > last else 0
    oldest_pending = (
        OutboxEntry.objects.filter(id__gt=last).order_by("id").values_list("created_at", flat=True).first()
        if pending
        else None
    )
    seconds = (timezone.now() - oldest_pending).total_seconds() if oldest_pending else 0.0
    return {
        "last_applied": last,
        "newest": newest[0] if newest else 0,
        "pending": pending,
        "lag_seconds": seconds,
    }


def reindex(batch: int = 20000, progress=None) -> int:
    """Rebuild the whole index in a new generation and swap it in; return the number of records indexed."""
    with transaction.atomic():
        # The outbox high-water mark is taken first: changes after it are applied by the worker later.
        high = OutboxEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    path = index.new_generation()
    libraries = LibraryPaths()
    total = 0
    ids = (
        Record.objects.filter(deleted_at__isnull=True, suppressed=False)
        .order_by("id")
        .values_list("id", flat=True)
    )
    with index.writer(path, heap=max(settings.SEARCH_WRITER_HEAP, 512 * 1024 * 1024)) as w:
        chunk: list[int] = []
        for record_id in ids.iterator(chunk_size=batch):
            chunk.append(record_id)
            if len(chunk) >= batch:
                total += write_records(w, chunk, libraries)
                chunk = []
                if progress:
                    progress(total)
        total += write_records(w, chunk, libraries)
        index.set_last_applied(w, high)
        w.commit()
    index.publish_generation(path)
    return total


@dataclass
class Drift:
    indexed: int = 0
    expected: int = 0
    missing: list[int] = field(default_factory=list)
    extra: list[int] = field(default_factory=list)
    pending_outbox: int = 0

    @property
    def ok(self) -> bool:
        return not self.missing and not self.extra


def verify(path: Path | None = None) -> Drift:
    """Compare the ids in the index with the records the OPAC may show; report what differs."""
    searcher = index.searcher() if path is None else tantivy.Index(index.SCHEMA, path=str(path)).searcher()
    query = tantivy.Query.term_query(index.SCHEMA, "doctype", "record")
    count = searcher.search(query, 1, count=True).count
    in_index: set[int] = set()
    if count:
        hits = searcher.search(query, count).hits
        in_index = set(searcher.fast_field_values("id", [address for _score, address in hits]))
    expected = set(
        Record.objects.filter(deleted_at__isnull=True, suppressed=False)
        .values_list("id", flat=True)
        .iterator()
    )
    drift = Drift(indexed=len(in_index), expected=len(expected))
    drift.missing = sorted(expected - in_index)
    drift.extra = sorted(in_index - expected)
    drift.pending_outbox = lag()["pending"]
    return drift
