"""Import MARC records into the catalogue: read and prepare in worker processes, store in batches, index.

The work per record that needs no database (reading, holdings, derived columns, MARC-in-JSON and the
index analysis, ``prepare``) runs in a pool of worker processes when the file is big enough, on
stretches of the file cut at record terminators; results come back in file order. This process
matches them with stored records and writes each batch in one transaction (records, identifiers,
items, outbox entries: all or nothing) with plain ``executemany`` statements, which cost a fraction
of what the ORM spends building SQL for ``bulk_create``/``bulk_update``.

With ``index=True`` (and outside any transaction) the import also holds the index writer and applies
the outbox after each batch, giving the indexer the fields it prepared for the records it created
(``documents.prepared``) so they are neither read back nor analysed again.
"""

from __future__ import annotations

import gc
import gzip
import io
import logging
import os
import pickle
import queue
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.db.models.constants import OnConflict
from django.utils import timezone
from django.utils.translation import gettext as _

from thuvien.audit import actions as audit
from thuvien.catalog import matching
from thuvien.catalog.models import Identifier, Item, Record
from thuvien.catalog.prepare import RECORD_COLUMNS, Prepared, Unreadable, prepare_entries
from thuvien.interop.marc import KOHA_952, MARC_852, HoldingsMap, detect_format, read_marc
from thuvien.interop.marc.iso2709 import BLOCK_SIZE, MAX_UNTERMINATED
from thuvien.network.models import Library
from thuvien.search import documents
from thuvien.search.index import IndexBusy
from thuvien.search.models import OutboxEntry

logger = logging.getLogger(__name__)

__all__ = ["ImportReport", "ReportLine", "holdings_maps", "import_marc"]

# Files smaller than this are read in this process: starting worker processes costs more.
PARALLEL_MIN_BYTES = 4 * 1024 * 1024
# Bytes of records per task sent to a worker (about 800 records of a usual catalogue).
PIECE_BYTES = 1024 * 1024
# Records stored when PostgreSQL is first asked to ANALYZE the tables; then after four times as many.
ANALYZE_FIRST = 2000
# SQLite page cache during an import (KiB).
IMPORT_CACHE_KB = 128 * 1024
# Files from this size are indexed with one thread (see import_marc).
ONE_INDEX_THREAD_BYTES = 256 * 1024 * 1024
# Records the import's own indexing leaves uncommitted in the index at most.
INDEX_COMMIT_EVERY = 200_000


def holdings_maps() -> list[HoldingsMap]:
    """Return the configured holdings layouts: the main one (Koha 952 by default) and MARC 852."""
    main = HoldingsMap.parse(settings.MARC_HOLDINGS_MAP, tag=settings.MARC_HOLDINGS_TAG)
    maps = [main]
    if main.tag != KOHA_952.tag or settings.MARC_HOLDINGS_TAG == "952":
        maps.append(MARC_852)
    return maps


@dataclass
class ReportLine:
    position: int
    status: str  # imported | updated | rejected
    record_id: int | None = None
    control_number: str = ""
    title: str = ""
    message: str = ""
    # Set when deduplication attached the record to an existing one (it is stored, merged into it).
    attached_to: int | None = None


@dataclass
class ImportReport:
    imported: int = 0
    updated: int = 0
    rejected: int = 0
    items_created: int = 0
    items_updated: int = 0
    # New records found to describe a work already in the catalogue: attached to it automatically,
    # or left for a cataloger's review queue.
    attached: int = 0
    review: int = 0
    lines: list[ReportLine] = field(default_factory=list)
    # Seconds this process spent waiting for prepared records, storing them and indexing them.
    timings: dict[str, float] = field(default_factory=lambda: {"prepare": 0.0, "store": 0.0, "index": 0.0})

    def summary(self) -> str:
        text = f"imported={self.imported} updated={self.updated} rejected={self.rejected}"
        if self.attached or self.review:
            text += f" attached={self.attached} review={self.review}"
        return text

    def add(self, line: ReportLine) -> None:
        self.lines.append(line)
        if line.status == "imported":
            self.imported += 1
        elif line.status == "updated":
            self.updated += 1
        else:
            self.rejected += 1


def import_marc(
    source,
    *,
    library: Library | None = None,
    encoding: str = "auto",
    actor=None,
    batch_size: int = 1000,
    report: ImportReport | None = None,
    filename: str = "",
    index: bool = False,
    origins: dict[int, str] | None = None,
) -> ImportReport:
    """Import ISO 2709, MARCXML or MARC-in-JSON SOURCE into the catalogue, batch by batch; broken records are reported.

    SOURCE is a path, bytes or a binary file. With INDEX, the records are also indexed as they are
    stored (when the index writer is free and no transaction is open; else the worker indexes them).
    ORIGINS maps a record's position in SOURCE (from 1) to the identifier it had where it came from
    (the OAI-PMH harvester gives each record's OAI identifier); without one, the record's 001.
    """
    entries = read_marc(source, encoding=encoding)  # checks the arguments now
    report = report or ImportReport()
    store = _Store(library, report)
    store.origins = origins or {}
    applier = None
    if index and not connection.in_atomic_block:
        # One indexing thread for a big file: each thread's segments are more to merge, and the
        # other cores are busy preparing records. Several for a small one: the commit at the end,
        # when nothing else runs, then goes faster.
        size = _size(source)
        applier = _open_applier(threads=1 if size is None or size >= ONE_INDEX_THREAD_BYTES else 0)
    store.keep_fields = applier is not None
    try:
        reading = _Prepared(source, encoding, store.maps, entries, fields=store.keep_fields)
        with _bulk_session(), reading as results:
            timings = report.timings
            batch: list[Prepared | Unreadable] = []
            ready = 0
            waited = time.perf_counter()
            for chunk in results:
                timings["prepare"] += time.perf_counter() - waited
                for entry in chunk:
                    batch.append(entry)
                    if type(entry) is Prepared:
                        ready += 1
                        if ready >= batch_size:
                            applier = _store_and_index(store, batch, applier, timings)
                            batch, ready = [], 0
                waited = time.perf_counter()
            timings["prepare"] += time.perf_counter() - waited
            if batch:
                applier = _store_and_index(store, batch, applier, timings)
        if applier is not None:
            started = time.perf_counter()
            _close(applier)
            applier = None
            timings["index"] += time.perf_counter() - started
    finally:
        if applier is not None:
            applier.close(commit=False)
    with transaction.atomic():
        audit.record(
            "catalog.import.completed",
            actor=actor,
            library=library,
            file=filename,
            imported=report.imported,
            updated=report.updated,
            rejected=report.rejected,
            attached=report.attached,
            review=report.review,
        )
    return report


@contextmanager
def _bulk_session():
    """Tune SQLite and the garbage collector for the import's duration."""
    # A page cache that holds the indexes written to, and fewer collections: batches make and drop
    # millions of objects, few of them in cycles.
    thresholds = gc.get_threshold()
    gc.set_threshold(max(thresholds[0], 50_000), *thresholds[1:])
    before = None
    try:
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size")
                before = cursor.fetchone()[0]
                cursor.execute(f"PRAGMA cache_size = {-IMPORT_CACHE_KB}")
        yield
    finally:
        gc.set_threshold(*thresholds)
        if before is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {int(before)}")


# --- indexing as the import goes ---------------------------------------------------------------


def _store_and_index(store: _Store, batch: list, applier, timings: dict):
    started = time.perf_counter()
    store.write(batch)
    stored = time.perf_counter()
    applier = _apply(applier)
    timings["store"] += stored - started
    timings["index"] += time.perf_counter() - stored
    return applier


def _open_applier(threads: int):
    from thuvien.search.indexer import OutboxApplier

    try:
        return OutboxApplier(threads=threads)
    except IndexBusy:
        logger.info("import: the index writer is busy; the worker will index the records")
        return None


def _close(applier) -> None:
    try:
        applier.close()
    except Exception:
        logger.exception("import: committing the index failed; the worker will index the records")
        documents.prepared.clear()


def _apply(applier):
    """Apply the outbox with APPLIER; on failure, leave the rest to the worker (the import goes on)."""
    if applier is None:
        return None
    try:
        applier.apply()
        if applier.uncommitted >= INDEX_COMMIT_EVERY:
            applier.commit()
    except Exception:
        logger.exception("import: indexing failed; the worker will index the records")
        applier.close(commit=False)
        documents.prepared.clear()
        return None
    return applier


# --- reading and preparing --------------------------------------------------------------------


def _workers() -> int:
    configured = getattr(settings, "IMPORT_WORKERS", None)
    if configured is not None:
        return int(configured)
    # Under a server that embeds Python (uWSGI …) sys.executable is not an interpreter to run.
    if not os.path.basename(sys.executable or "").lower().startswith("python"):
        return 1
    return min(os.cpu_count() or 1, 4)


class _Prepared:
    """The prepared records of SOURCE, as lists in file order with positions counted over the file.

    ISO 2709 of PARALLEL_MIN_BYTES or more (a path or bytes, gzipped or not) goes to worker
    processes in pieces of whole records; everything else is read and prepared here.
    """

    def __init__(self, source, encoding: str, maps: list[HoldingsMap], entries, fields: bool) -> None:
        self.source = source
        self.encoding = encoding
        self.maps = maps
        self.entries = entries
        self.fields = fields
        self.pool = None
        self.close_stream = None

    def __enter__(self) -> Iterator[list[Prepared | Unreadable]]:
        workers = _workers()
        opened = _open_iso2709(self.source) if workers > 1 else None
        if opened is None:
            return self._here()
        first, read, self.close_stream = opened
        return self._parallel(first, read, workers)

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool = None
        if self.close_stream is not None:
            self.close_stream()
            self.close_stream = None

    def _here(self) -> Iterator[list[Prepared | Unreadable]]:
        chunk = []
        for entry in self.entries:
            chunk.append(entry)
            if len(chunk) >= 500:
                yield prepare_entries(chunk, self.maps, self.fields)
                chunk = []
        if chunk:
            yield prepare_entries(chunk, self.maps, self.fields)

    def _parallel(self, first: bytes, read, workers: int) -> Iterator[list[Prepared | Unreadable]]:
        self.pool = _WorkerPool(workers)
        pending: deque = deque()
        position = 0
        for n, (data, base) in enumerate(_pieces(first, read, PIECE_BYTES)):
            self.pool.submit(n, (data, base, self.encoding, self.maps, self.fields))
            pending.append(n)
            if len(pending) >= 2 * workers:  # bounded memory: a few pieces in flight
                results = self._result(pending.popleft(), position)
                if results is None:  # the workers did not start: read here, from the start
                    yield from self._here()
                    return
                position = yield from _renumber(results, position)
        while pending:
            results = self._result(pending.popleft(), position)
            if results is None:
                yield from self._here()
                return
            position = yield from _renumber(results, position)
        self.pool.close()

    def _result(self, n: int, position: int) -> list | None:
        try:
            return self.pool.result(n)
        except WorkerGone:
            if position:
                raise
            # Nothing is stored yet: an interpreter that cannot run the workers (an embedding
            # server's sys.executable) costs speed, not the import.
            logger.warning("import: worker processes unavailable; reading in this process", exc_info=True)
            self.pool.terminate()
            self.pool = None
            return None


class _WorkerPool:
    """Worker processes running ``prepare.serve``; task n goes to worker n mod size, results come in order.

    Plain processes started with ``python -c``, not multiprocessing: spawn and forkserver would run the
    parent's main script again in each worker (scripts that call the import at top level), and fork
    is not safe in a process with open connections and Tantivy's or the driver's threads.
    """

    def __init__(self, size: int) -> None:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
        self.workers = []
        for _n in range(size):
            task_r, task_w = os.pipe()
            result_r, result_w = os.pipe()
            code = f"from thuvien.catalog.prepare import serve; serve({task_r}, {result_w})"
            proc = subprocess.Popen(  # noqa: S603 - our own interpreter and code
                [sys.executable, "-c", code],
                pass_fds=(task_r, result_w),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                env=env,
            )
            os.close(task_r)
            os.close(result_w)
            tasks: queue.SimpleQueue = queue.SimpleQueue()
            feeder = threading.Thread(
                target=_feed, args=(tasks, os.fdopen(task_w, "wb")), name="thuvien-import-feed", daemon=True
            )
            feeder.start()
            self.workers.append((proc, tasks, feeder, os.fdopen(result_r, "rb")))

    def submit(self, n: int, task) -> None:
        self.workers[n % len(self.workers)][1].put(task)

    def result(self, n: int):
        proc, _tasks, _feeder, results = self.workers[n % len(self.workers)]
        try:
            status, value = pickle.load(results)  # noqa: S301 - from our own worker, over a pipe
        except (EOFError, pickle.UnpicklingError):
            raise WorkerGone(f"an import worker ended unexpectedly (exit code {proc.wait()})") from None
        if status != "ok":
            raise RuntimeError(f"an import worker failed:\n{value}")
        return value

    def close(self) -> None:
        """Let the workers finish (they end when their input does)."""
        for proc, tasks, feeder, results in self.workers:
            tasks.put(None)
            feeder.join()
            results.close()
            proc.wait()
        self.workers = []

    def terminate(self) -> None:
        for proc, tasks, _feeder, results in self.workers:
            proc.kill()
            tasks.put(None)
            proc.wait()
            results.close()
        self.workers = []


class WorkerGone(RuntimeError):
    """An import worker process ended (or never started) without answering."""


def _feed(tasks: queue.SimpleQueue, out) -> None:
    try:
        with out:
            while (task := tasks.get()) is not None:
                pickle.dump(task, out, protocol=pickle.HIGHEST_PROTOCOL)
                out.flush()
    except OSError:  # the worker is gone; the reader of its results says so
        pass


def _renumber(results: list, position: int):
    for entry in results:
        entry.position += position
    yield results
    return position + len(results)


def _size(source) -> int | None:
    if isinstance(source, bytes | bytearray | memoryview):
        return len(source)
    if isinstance(source, str | os.PathLike):
        try:
            return os.path.getsize(source)
        except OSError:
            return None
    return None


def _open_iso2709(source):
    """Return (first block, read, close) for a big enough ISO 2709 path or bytes SOURCE, else None."""
    size = _size(source)
    if size is None or size < PARALLEL_MIN_BYTES:
        return None  # small, a file object, or a path read_marc will report as unreadable
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        if data[:2] == b"\x1f\x8b":
            stream = gzip.GzipFile(fileobj=io.BytesIO(data))
            first, read, close = stream.read(BLOCK_SIZE), stream.read, stream.close
        else:
            first, read, close = data, None, None
    else:
        fh = open(source, "rb")  # noqa: SIM115 - closed by _Prepared.__exit__
        first = fh.read(BLOCK_SIZE)
        if first[:2] == b"\x1f\x8b":
            fh.seek(0)
            stream = gzip.GzipFile(fileobj=fh)
            first, read = stream.read(BLOCK_SIZE), stream.read

            def close():
                stream.close()
                fh.close()

        else:
            read, close = fh.read, fh.close
    if detect_format(first[:4096]) != "iso2709":
        if close is not None:
            close()
        return None
    return first, read, close


def _pieces(first: bytes, read, size: int) -> Iterator[tuple[bytes, int]]:
    """Cut a stream into runs of whole records of about SIZE bytes: (0x1D + run, offset of the run - 1).

    The cuts fall where ``iso2709.split_records`` ends records (at terminators, and where it gives up
    on a stretch without one), so each record is read exactly as read_marc reads it from the file.
    """
    buf, base, pos = first, 0, 0
    while True:
        end = buf.rfind(b"\x1d", pos)
        if end == -1:
            more = read(BLOCK_SIZE) if read is not None else b""
            if not more:
                break
            if len(buf) - pos > MAX_UNTERMINATED:
                yield b"\x1d" + buf[pos:], base + pos - 1
                base += len(buf)
                buf, pos = more, 0
                continue
            base += pos
            buf, pos = buf[pos:] + more, 0
            continue
        while pos <= end:
            cut = buf.find(b"\x1d", min(pos + size, end))
            yield b"\x1d" + buf[pos : cut + 1], base + pos - 1
            pos = cut + 1
    if pos < len(buf):
        yield b"\x1d" + buf[pos:], base + pos - 1


# --- storing ----------------------------------------------------------------------------------

ITEM_COLUMNS = (
    "record_id", "library_id", "current_library_id", "location", "call_number", "item_type", "price",
    "acquired_on", "marc_field",
)  # fmt: skip


class _Store:
    """Writes batches of prepared records; remembers what pairs repeated keys across batches."""

    def __init__(self, library: Library | None, report: ImportReport) -> None:
        self.library = library
        self.report = report
        self.libraries = {code: pk for code, pk in Library.objects.values_list("code", "id")}
        self.maps = holdings_maps()
        self.occurrences: Counter = Counter()
        self.keep_fields = False
        self.written = 0
        self.analyze_at = ANALYZE_FIRST
        # Record position in the file -> the identifier the record had where it came from (set by the
        # OAI-PMH harvester); without one, the record's own 001.
        self.origins: dict[int, str] = {}

    def origin(self, p: Prepared) -> str:
        return (self.origins.get(p.position) or p.control_number)[:255]

    def _analyze(self) -> None:
        """Let PostgreSQL see how the tables grew, as after any bulk load.

        Without statistics (a new database: autovacuum takes a minute to come round) it plans the
        look-ups of match keys and barcodes as scans of the whole table, once per batch.
        """
        self.analyze_at = self.written * 4
        if connection.vendor != "postgresql":
            return
        tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in (Record, Identifier, Item))
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {tables}")

    def write(self, entries: list[Prepared | Unreadable]) -> None:
        ready = [e for e in entries if type(e) is Prepared]
        if ready:
            with transaction.atomic():
                self._write(ready)
            self.written += len(ready)
            if self.written >= self.analyze_at:
                self._analyze()
        for e in entries:
            if type(e) is Prepared:
                line = ReportLine(
                    e.position,
                    e.status,
                    e.existing_id,
                    e.control_number,
                    e.title[:200],
                    " | ".join(e.messages),
                    attached_to=e.target_id if e.target_id != e.existing_id else None,
                )
            elif e.error:
                line = ReportLine(
                    e.position,
                    "rejected",
                    message=_("không đọc được biểu ghi: %(error)s") % {"error": e.reason},
                )
            else:
                line = ReportLine(e.position, "rejected", message=e.reason)
            self.report.add(line)

    def _write(self, ready: list[Prepared]) -> None:
        now = timezone.now()
        source_id = self.library.pk if self.library else None
        _match_existing(ready, self.occurrences, source_id, self.origins)
        creates = [p for p in ready if p.existing_id is None]
        updates = [p for p in ready if p.existing_id is not None]
        stamp = connection.ops.adapt_datetimefield_value(now)
        duplicates = matching.find(creates, source_id) if creates else {}
        if creates:
            for p, pk in zip(creates, reserve_ids(Record, len(creates)), strict=True):
                p.existing_id = pk
                p.status = "imported"
            rows = []
            for p in creates:
                found = duplicates.get(p.position)
                attach = found is not None and found.automatic
                if attach:
                    p.target_id = found.record_id
                    self.report.attached += 1
                    p.messages.append(
                        _("trùng với biểu ghi #%(id)s (điểm %(score).2f): gộp bản sách vào biểu ghi đó")
                        % {"id": found.record_id, "score": found.score}
                    )
                rows.append(
                    (p.existing_id, p.marc, source_id, *p.row, p.search_json, self.origin(p), False,
                     stamp, stamp, stamp if attach else None, found.record_id if attach else None)
                )  # fmt: skip
            insert_rows(
                Record,
                ("id", "marc", "source_library_id", *RECORD_COLUMNS, "search_data", "origin_identifier",
                 "suppressed", "created_at", "updated_at", "deleted_at", "merged_into_id"),
                rows,
            )  # fmt: skip
        if updates:
            for p in updates:
                p.status = "updated"
            update_rows(
                Record,
                ("marc", "updated_at", *RECORD_COLUMNS, "search_data"),
                [(p.marc, stamp, *p.row, p.search_json, p.existing_id) for p in updates],
            )  # fmt: skip
            Identifier.objects.filter(record_id__in=[p.existing_id for p in updates]).delete()
        identifiers = [(p.existing_id, kind, value[:20]) for p in ready for kind, value in p.identifiers]
        if identifiers:
            insert_rows(Identifier, ("record_id", "kind", "value"), identifiers, ignore_conflicts=True)
        for p in ready:
            if p.target_id is None:
                p.target_id = p.existing_id
        moved_from, barcodes = self._save_items(ready, now)
        attached = [p for p in creates if p.target_id != p.existing_id]
        if attached:
            matching.record_attachments(attached, duplicates, barcodes, now)
        if duplicates:
            self.report.review += matching.queue_for_review(creates, duplicates)
        # Records that received copies from this file (their own, or those of records merged into
        # them) get a new datestamp, so that harvesters fetch them again with their holdings.
        targets = [p.target_id for p in ready if p.target_id != p.existing_id]
        if targets:
            update_rows(Record, ("updated_at",), [(stamp, pk) for pk in dict.fromkeys(targets)])
        # Records that lost a copy to this file change in the index too.
        changed = list(dict.fromkeys([p.existing_id for p in ready] + targets + moved_from))
        outbox_ids = reserve_ids(OutboxEntry, len(changed))
        insert_rows(
            OutboxEntry,
            ("id", "record_id", "created_at"),
            [(o, r, stamp) for o, r in zip(outbox_ids, changed, strict=True)],
        )
        if self.keep_fields and creates:
            outbox_of = dict(zip(changed, outbox_ids, strict=True))
            entries = [
                (p.existing_id, outbox_of[p.existing_id], p.fields)
                for p in creates
                if p.target_id == p.existing_id
            ]
            transaction.on_commit(partial(documents.prepared.put, entries))
        for p in ready:
            p.fields = None  # not needed any more: memory

    def _save_items(self, ready: list[Prepared], now) -> tuple[list[int], dict[int, list[str]]]:
        """Create or update the items of the holdings in READY (on each one's target record).

        Return the records copies moved from, and the barcodes each record's holdings gave (by position).
        """
        given: dict[int, list[str]] = defaultdict(list)
        if not any(p.holdings for p in ready):
            return [], given
        library = self.library
        libraries = self.libraries
        barcodes = list({h.barcode.strip()[:64] for p in ready for h in p.holdings})
        existing: dict[str, list] = {}
        for i in range(0, len(barcodes), 5000):
            for pk, barcode, record_id, owner in Item.objects.filter(
                barcode__in=barcodes[i : i + 5000]
            ).values_list("id", "barcode", "record_id", "library_id"):
                existing[barcode] = [pk, record_id, owner]
        new_items: dict[str, tuple] = {}
        changed: dict[int, tuple] = {}
        moved_from: list[int] = []
        for p in ready:
            for holding in p.holdings:
                home = libraries.get((holding.home_library or "").strip().upper())
                if home is None:
                    if library is None:
                        p.messages.append(
                            _("bản %(barcode)s: không có thư viện mã «%(code)s», bỏ qua")
                            % {"barcode": holding.barcode, "code": holding.home_library}
                        )
                        continue
                    home = library.pk
                current = libraries.get((holding.current_library or "").strip().upper(), home)
                values = (
                    p.target_id,
                    home,
                    current,
                    (holding.location or "")[:100],
                    (holding.call_number or "")[:100],
                    (holding.item_type or "")[:40],
                    holding.price if isinstance(holding.price, Decimal) else None,
                    holding.acquired_on,
                    holding.field,
                )
                barcode = holding.barcode.strip()[:64]
                item = existing.get(barcode)
                if item is not None and item[2] != home:
                    # Barcodes are unique per library, not across a network of libraries that each
                    # numbered their own copies: another library's copy is never taken over.
                    p.messages.append(
                        _("bản %(barcode)s: mã vạch đã thuộc bản của thư viện khác, bỏ qua")
                        % {"barcode": barcode}
                    )
                    continue
                given[p.position].append(barcode)
                if item is not None:
                    pk, record_id, _owner = item
                    if record_id != p.target_id:
                        p.messages.append(
                            _(
                                "bản %(barcode)s: mã vạch đã thuộc biểu ghi khác (#%(other)s), chuyển sang biểu ghi này"
                            )
                            % {"barcode": barcode, "other": record_id}
                        )
                        moved_from.append(record_id)
                        item[1] = p.target_id
                    changed[pk] = values
                elif barcode in new_items:
                    p.messages.append(
                        _("bản %(barcode)s: mã vạch lặp lại trong tệp, bỏ qua") % {"barcode": barcode}
                    )
                else:
                    new_items[barcode] = values
        if new_items:
            stamp = connection.ops.adapt_datetimefield_value(now)
            insert_rows(
                Item,
                ("barcode", *ITEM_COLUMNS, "status", "created_at", "updated_at"),
                [(barcode, *_item_values(values), "available", stamp, stamp) for barcode, values in new_items.items()],
            )  # fmt: skip
            self.report.items_created += len(new_items)
        if changed:
            update_rows(Item, ITEM_COLUMNS, [(*_item_values(values), pk) for pk, values in changed.items()])
            self.report.items_updated += len(changed)
        return moved_from, given


_ITEM_FIELDS = {name: Item._meta.get_field(name) for name in ("price", "acquired_on", "marc_field")}


def _item_values(values: tuple) -> tuple:
    record_id, home, current, location, call_number, item_type, price, acquired_on, marc_field = values
    prep = connection
    return (
        record_id,
        home,
        current,
        location,
        call_number,
        item_type,
        _ITEM_FIELDS["price"].get_db_prep_save(price, prep),
        _ITEM_FIELDS["acquired_on"].get_db_prep_save(acquired_on, prep),
        _ITEM_FIELDS["marc_field"].get_db_prep_save(marc_field, prep),
    )


def _match_existing(
    incoming: list[Prepared],
    occurrences: Counter,
    source_id: int | None,
    origins: dict[int, str] | None = None,
) -> None:
    """Pair each incoming record with the stored one it updates: same key, contributed by the same library.

    Another library's record with the same key is a duplicate for deduplication to attach, not one
    to overwrite. A stored record that was merged into another is still updated (it stays hidden);
    its copies go to the record it was merged into (``target_id``).

    A file may carry the same key twice for records that differ (test fixtures and merged exports
    do): the n-th occurrence of a key in the file pairs with the n-th stored record with that key,
    so both are kept and re-importing the file pairs them again the same way.

    With ORIGINS (position -> identifier at the source, given by the harvester, one call per page)
    the identifier decides first: a record harvested before is the one with its identifier, and a
    record that another identifier brought is never taken for it, whatever their keys.
    """
    origins = origins or {}
    table = connection.ops.quote_name(Record._meta.db_table)
    by_origin: dict[str, int] = {}
    merged_into: dict[int, int] = {}
    wanted = sorted({origins[i.position][:255] for i in incoming if origins.get(i.position)})
    source_sql = "source_library_id IS NULL" if source_id is None else "source_library_id = %s"
    source_args = [] if source_id is None else [source_id]
    for i in range(0, len(wanted), 1000):
        part = wanted[i : i + 1000]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, origin_identifier, deleted_at, merged_into_id FROM {table} "  # noqa: S608 - a model's table
                f"WHERE {source_sql} AND origin_identifier IN ({', '.join(['%s'] * len(part))}) ORDER BY id",
                [*source_args, *part],
            )
            for pk, origin, deleted, into in cursor.fetchall():
                if (deleted is None or into is not None) and origin not in by_origin:
                    by_origin[origin] = pk
                    if into is not None:
                        merged_into[pk] = into
    rest = []
    for inc in incoming:
        pk = by_origin.get((origins.get(inc.position) or "")[:255])
        if pk is None:
            rest.append(inc)
        else:
            inc.existing_id = pk
    keys = list({i.match_key for i in rest})
    stored: dict[str, list[int]] = defaultdict(list)
    rows = []
    for i in range(0, len(keys), 1000):
        part = keys[i : i + 1000]
        # Plain SQL: the ORM spends longer building an IN of a thousand values than the database
        # takes to answer. Deleted records are left out here, not in SQL, or SQLite (without
        # statistics) may scan the deleted_at index rather than look the keys up.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, match_key, deleted_at, merged_into_id, source_library_id, origin_identifier, "  # noqa: S608
                f"control_number FROM {table} WHERE match_key IN ({', '.join(['%s'] * len(part))})",
                part,
            )
            rows.extend(
                row[:4]
                for row in cursor.fetchall()
                if (row[2] is None or row[3] is not None)
                and row[4] == source_id
                # In a harvest, a record that came with an identifier of its own is another record.
                and not (origins and row[5] and row[5] != row[6])
            )
    merged_into.update({pk: into for pk, _key, _deleted, into in rows if into is not None})
    for pk, key, *_rest in sorted(rows):
        stored[key].append(pk)
    survivors = matching.survivors(set(merged_into.values())) if merged_into else {}
    for inc in incoming:
        if inc.existing_id is not None:
            if inc.existing_id in merged_into:
                inc.target_id = survivors.get(merged_into[inc.existing_id])
            continue
        key = inc.match_key
        n = occurrences[key]
        occurrences[key] += 1
        if n < len(stored[key]):
            inc.existing_id = stored[key][n]
            if inc.existing_id in merged_into:
                inc.target_id = survivors.get(merged_into[inc.existing_id])
        elif n:
            inc.messages.append(_("khoá %(key)s lặp lại trong tệp: nhập thành biểu ghi riêng") % {"key": key})


# --- plain SQL ----------------------------------------------------------------------------------


def reserve_ids(model, n: int) -> list[int]:
    """Return N new primary keys for MODEL, inside the transaction that will use them."""
    if n <= 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, n]
            )
            return sorted(row[0] for row in cursor.fetchall())
        if connection.vendor == "sqlite":
            # The transaction holds the write lock (IMMEDIATE): nobody else takes ids until it ends.
            # AUTOINCREMENT keeps the highest id ever used in sqlite_sequence, so deleted ids stay unused.
            cursor.execute(
                "SELECT max(seq) FROM (SELECT seq FROM sqlite_sequence WHERE name = %s "  # noqa: S608 - a model's table
                f"UNION ALL SELECT max(id) FROM {connection.ops.quote_name(table)})",
                [table],
            )
            start = (cursor.fetchone()[0] or 0) + 1
            return list(range(start, start + n))
    raise NotImplementedError(f"the import supports SQLite and PostgreSQL, not {connection.vendor}")


def _columns(model, names) -> str:
    qn = connection.ops.quote_name
    return ", ".join(qn(model._meta.get_field(name).column) for name in names)


def insert_rows(model, names, rows, *, ignore_conflicts: bool = False) -> None:
    """INSERT ROWS (tuples of database values for the fields NAMES) into MODEL's table."""
    if not rows:
        return
    if connection.vendor == "postgresql" and not ignore_conflicts:
        _copy_rows(model, names, rows)
        return
    on_conflict = OnConflict.IGNORE if ignore_conflicts else None
    ops = connection.ops
    sql = (
        f"{ops.insert_statement(on_conflict=on_conflict)} {ops.quote_name(model._meta.db_table)} "
        f"({_columns(model, names)}) VALUES ({', '.join(['%s'] * len(names))})"
    )
    suffix = ops.on_conflict_suffix_sql(None, on_conflict, None, None) if on_conflict else ""
    if suffix:
        sql += " " + suffix
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _copy_rows(model, names, rows) -> None:
    # COPY costs PostgreSQL a fraction of the same rows as INSERT statements.
    table = connection.ops.quote_name(model._meta.db_table)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({_columns(model, names)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def update_rows(model, names, rows) -> None:
    """UPDATE MODEL's rows: each of ROWS holds the database values for the fields NAMES, then the id."""
    if not rows:
        return
    qn = connection.ops.quote_name
    sets = ", ".join(f"{qn(model._meta.get_field(name).column)} = %s" for name in names)
    sql = f"UPDATE {qn(model._meta.db_table)} SET {sets} WHERE {qn(model._meta.pk.column)} = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
