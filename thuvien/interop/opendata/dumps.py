"""Open-data dumps of the public catalogue: the network and each library, as MARCXML, CSV and JSON-LD.

What a dump holds is what the OPAC may show (``public_records()``, copies not withdrawn). A library's
dataset is every public record held (a copy) or contributed (``source_library``) by a library of its
subtree, with the copies of that subtree only; the network's has every public record and copy.

Records are read in keyset chunks of ids and written to every requested format in one pass, each
into a gzip file under a temporary name; only when all are complete are they renamed to new file
names and the ``Dump`` rows pointed at them in one transaction. The download URL keeps the same name
(``thuvien-VN-NB.csv.gz``); a failed dump leaves the previous files and rows as they were.
"""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import logging
import os
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from thuvien.audit import actions as audit
from thuvien.catalog.importer import holdings_maps
from thuvien.catalog.models import Item, Record
from thuvien.catalog.queries import PUBLIC_ITEM_EXCLUDE, public_records
from thuvien.interop.opendata.formats import (
    Context,
    Copy,
    CsvWriter,
    JsonLdWriter,
    LibraryInfo,
    MarcXmlWriter,
    Row,
    Writer,
)
from thuvien.interop.opendata.models import NETWORK, Dataset, Dump, DumpFormat
from thuvien.network.models import Library

logger = logging.getLogger(__name__)

FORMATS = tuple(DumpFormat.values)
SUFFIXES = {"marcxml": ".marc.xml.gz", "csv": ".csv.gz", "jsonld": ".jsonld.gz"}
# The media type of what is inside the gzip file (DCAT: mediaType, with compressFormat gzip).
MEDIA_TYPES = {"marcxml": "application/marcxml+xml", "csv": "text/csv", "jsonld": "application/ld+json"}
CHUNK = 1000
# A scope whose last dump failed is tried again after this long (or the interval, if shorter).
RETRY_AFTER = timedelta(hours=1)
_TEMP_PREFIX = ".tmp-"
# The identifiers and subjects are read out of search_data by the database: the whole of it holds the
# record's full text too, several times what a dump needs.
_RECORD_COLUMNS = ("id", "marc", "title", "author", "publisher", "place", "year", "edition", "language",
                   "material_type", "search_data__isbns", "search_data__issns", "search_data__subjects")  # fmt: skip
_ROW_FIELDS = tuple(c.removeprefix("search_data__") for c in _RECORD_COLUMNS)


class DumpBusy(RuntimeError):
    """Another process is writing dumps into the same directory."""


def dump_dir() -> Path:
    """Return the directory the published dumps live in (setting OPEN_DATA_DIR)."""
    configured = getattr(settings, "OPEN_DATA_DIR", None)
    return Path(configured) if configured else Path(settings.DATA_DIR) / "opendata"


def interval() -> timedelta:
    """Return how often scheduled dumps run (setting OPEN_DATA_DUMP_INTERVAL_HOURS, default 24; 0 = never)."""
    return timedelta(hours=float(getattr(settings, "OPEN_DATA_DUMP_INTERVAL_HOURS", 24)))


def public_name(key: str, fmt: str) -> str:
    """Return the file name a dataset's dump in FMT is downloaded as."""
    return f"thuvien-{'mang-luoi' if key == NETWORK else key}{SUFFIXES[fmt]}"


# --- scopes -------------------------------------------------------------------------------------


@dataclass
class Scope:
    """The network (LIBRARY None) or a library with the ids of its subtree."""

    key: str
    library: Library | None = None
    library_ids: list[int] | None = None

    @classmethod
    def network(cls) -> Scope:
        return cls(NETWORK)

    @classmethod
    def of(cls, library: Library) -> Scope:
        ids = list(Library.objects.filter(path__startswith=library.path).values_list("id", flat=True))
        return cls(library.code, library, ids)

    def public_copies(self):
        items = Item.objects.exclude(status__in=PUBLIC_ITEM_EXCLUDE)
        return items if self.library_ids is None else items.filter(library_id__in=self.library_ids)

    def contributed(self):
        """Return the ids of the records a library of the scope gave, and of those they were merged into."""
        given = Record.objects.filter(source_library_id__in=self.library_ids)
        return given.values("pk"), given.filter(merged_into__isnull=False).values("merged_into_id")

    def records(self):
        """Return the public records of the scope (a query; for counting and existence)."""
        if self.library_ids is None:
            return public_records()
        given, merged = self.contributed()
        return public_records().filter(
            Q(pk__in=self.public_copies().values("record_id")) | Q(pk__in=given) | Q(pk__in=merged)
        )

    def id_chunks(self, size: int = CHUNK) -> Iterator[list[int]]:
        """Yield the ids of the scope's candidate records in ascending chunks (keyset: no OFFSET, no id list)."""
        after = 0
        while True:
            if self.library_ids is None:
                ids = list(
                    public_records().filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:size]
                )
                if not ids:
                    return
                yield ids
                after = ids[-1]
                continue
            # Ordered streams (held, given, given and merged into another) merged: the ids up to the
            # smallest last id of a full page are complete; the rest come with the next page.
            held = self.public_copies().filter(record_id__gt=after).order_by("record_id")
            given = Record.objects.filter(source_library_id__in=self.library_ids)
            merged = given.filter(merged_into_id__gt=after).order_by("merged_into_id")
            pages = [
                list(held.values_list("record_id", flat=True).distinct()[:size]),
                list(public_records().filter(source_library_id__in=self.library_ids, pk__gt=after)
                     .order_by("pk").values_list("pk", flat=True)[:size]),
                list(merged.values_list("merged_into_id", flat=True).distinct()[:size]),
            ]  # fmt: skip
            if not any(pages):
                return
            bound = min([page[-1] for page in pages if len(page) == size], default=None)
            yield sorted({i for page in pages for i in page if bound is None or i <= bound})
            if bound is None:
                return
            after = bound


def scopes() -> list[Scope]:
    """Return the network and every active library with at least one public record in its dataset."""
    found = [Scope.network()]
    for library in Library.objects.filter(active=True).order_by("path"):
        scope = Scope.of(library)
        if scope.records().exists():
            found.append(scope)
    return found


def rows(scope: Scope, *, with_marc: bool = True, size: int = CHUNK) -> Iterator[Row]:
    """Yield the public records of SCOPE with their public copies (of the scope), in id order."""
    columns = _RECORD_COLUMNS if with_marc else tuple(c for c in _RECORD_COLUMNS if c != "marc")
    names = _ROW_FIELDS if with_marc else tuple(c for c in _ROW_FIELDS if c != "marc")
    for ids in scope.id_chunks(size):
        copies = defaultdict(list)
        for record_id, *copy in (
            scope.public_copies()
            .filter(record_id__in=ids)
            .order_by("record_id", "id")
            .values_list("record_id", "library_id", "call_number", "location", "barcode")
        ):
            copies[record_id].append(Copy(*copy))
        for values in public_records().filter(pk__in=ids).order_by("pk").values_list(*columns):
            data = dict(zip(names, values, strict=True))
            data.setdefault("marc", "")
            data["copies"] = copies.get(data["id"], [])
            yield Row(**data)


def context() -> Context:
    site = settings.SITE_URL
    libraries = {
        pk: LibraryInfo(pk, code, name, path, site + reverse("opac:library", args=[code]))
        for pk, code, name, path in Library.objects.values_list("id", "code", "name", "path")
    }
    prefix = site + reverse("opac:record", args=[0])[: -len("0/")]
    return Context(libraries=libraries, record_url=lambda pk: f"{prefix}{pk}/")


# --- writing files ------------------------------------------------------------------------------


class _Output:
    """A gzip file written under a temporary name in DIRECTORY, its compressed bytes hashed as they go."""

    def __init__(self, directory: Path, inner_name: str) -> None:
        fd, name = tempfile.mkstemp(dir=directory, prefix=_TEMP_PREFIX)
        self.path = Path(name)
        # mkstemp makes the file private; a dump is public, and a front server may serve the directory.
        os.fchmod(fd, 0o644)
        self.raw = os.fdopen(fd, "wb")
        self.hash = hashlib.sha256()
        self.size = 0
        self.gzip = gzip.GzipFile(filename=inner_name, mode="wb", fileobj=self, compresslevel=6)

    # The file object GzipFile writes its compressed bytes to.
    def write(self, data) -> int:
        self.hash.update(data)
        self.size += len(data)
        return self.raw.write(data)

    def flush(self) -> None:
        self.raw.flush()

    def finish(self) -> None:
        self.gzip.close()
        self.raw.flush()
        os.fsync(self.raw.fileno())
        self.raw.close()

    def discard(self) -> None:
        with suppress(Exception):
            self.gzip.close()
        with suppress(Exception):
            self.raw.close()
        self.path.unlink(missing_ok=True)


@dataclass
class Written:
    format: str
    path: Path
    records: int
    size: int
    sha256: str
    seconds: float


def write_files(
    scope: Scope, formats: Iterable[str], directory: Path, ctx: Context | None = None
) -> list[Written]:
    """Write SCOPE's dumps in FORMATS to temporary files in DIRECTORY; remove them all if anything fails."""
    formats = [f for f in FORMATS if f in set(formats)]
    ctx = ctx or context()
    directory.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    outputs: dict[str, _Output] = {}
    writers: dict[str, Writer] = {}
    try:
        for fmt in formats:
            output = outputs[fmt] = _Output(directory, public_name(scope.key, fmt)[: -len(".gz")])
            writers[fmt] = _writer(fmt, output.gzip, ctx)
        for writer in writers.values():
            writer.begin()
        for row in rows(scope, with_marc=bool({"marcxml", "jsonld"} & set(formats))):
            for writer in writers.values():
                writer.add(row)
        for writer in writers.values():
            writer.end()
        for output in outputs.values():
            output.finish()
    except BaseException:
        for output in outputs.values():
            output.discard()
        raise
    seconds = time.perf_counter() - started
    return [
        Written(
            fmt,
            outputs[fmt].path,
            writers[fmt].count,
            outputs[fmt].size,
            outputs[fmt].hash.hexdigest(),
            seconds,
        )
        for fmt in formats
    ]


def _writer(fmt: str, out, ctx: Context) -> Writer:
    if fmt == "marcxml":
        return MarcXmlWriter(out, ctx, {m.tag for m in holdings_maps()})
    if fmt == "csv":
        return CsvWriter(out, ctx)
    return JsonLdWriter(out, ctx)


def write_to(scope: Scope, formats: Iterable[str], directory: Path) -> list[Written]:
    """Write SCOPE's dumps into DIRECTORY under their public names (not published: nothing recorded)."""
    written = write_files(scope, formats, directory)
    for w in written:
        final = directory / public_name(scope.key, w.format)
        os.replace(w.path, final)
        w.path = final
    return written


# --- publishing ---------------------------------------------------------------------------------


@contextmanager
def dump_lock(directory: Path | None = None):
    """Hold the dump directory's lock; raise DumpBusy if another process holds it."""
    directory = directory or dump_dir()
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / ".lock").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DumpBusy(str(directory)) from None
        try:
            yield directory
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def publish(scope: Scope, formats: Iterable[str] = FORMATS, *, actor=None) -> list[Dump]:
    """Write SCOPE's dumps and make them the published ones; on failure the previous ones stay."""
    directory = dump_dir()
    dataset = _dataset(scope)
    Dataset.objects.filter(pk=dataset.pk).update(attempted_at=timezone.now())
    try:
        written = write_files(scope, formats, directory)
    except Exception as exc:
        with transaction.atomic():
            Dataset.objects.filter(pk=dataset.pk).update(error=f"{type(exc).__name__}: {exc}"[:2000])
            audit.record("opendata.dump.failed", actor=actor, library=scope.library, dataset=scope.key,
                         error=f"{type(exc).__name__}: {exc}"[:500])  # fmt: skip
        raise
    stamp = timezone.now()
    for w in written:
        stem = public_name(scope.key, w.format)[: -len(SUFFIXES[w.format])]
        stored = directory / f"{stem}.{stamp:%Y%m%dT%H%M%S}-{w.sha256[:10]}{SUFFIXES[w.format]}"
        os.replace(w.path, stored)
        w.path = stored
    try:
        dumps, superseded = _record(dataset, scope, written, stamp, actor)
    except BaseException:
        for w in written:
            w.path.unlink(missing_ok=True)
        raise
    for name in superseded:
        (directory / name).unlink(missing_ok=True)
    return dumps


def _dataset(scope: Scope) -> Dataset:
    dataset, _created = Dataset.objects.get_or_create(key=scope.key, defaults={"library": scope.library})
    return dataset


@transaction.atomic
def _record(
    dataset: Dataset, scope: Scope, written: list[Written], stamp, actor
) -> tuple[list[Dump], list[str]]:
    superseded = []
    dumps = []
    for w in written:
        old = Dump.objects.select_for_update().filter(dataset=dataset, format=w.format).first()
        if old is not None and old.stored_name != w.path.name:
            superseded.append(old.stored_name)
        dump, _created = Dump.objects.update_or_create(
            dataset=dataset,
            format=w.format,
            defaults={
                "file_name": public_name(scope.key, w.format),
                "stored_name": w.path.name,
                "records": w.records,
                "size": w.size,
                "sha256": w.sha256,
                "created_at": stamp,
                "seconds": round(w.seconds, 3),
            },
        )
        dumps.append(dump)
    Dataset.objects.filter(pk=dataset.pk).update(published_at=stamp, error="", library=scope.library)
    audit.record(
        "opendata.dump.published",
        actor=actor,
        library=scope.library,
        obj=dataset,
        dataset=scope.key,
        files={w.format: {"records": w.records, "size": w.size, "sha256": w.sha256} for w in written},
    )
    return dumps, superseded


def remove_stale(keep: Iterable[str], *, actor=None) -> int:
    """Unpublish the datasets not in KEEP (libraries closed or left without records); return how many."""
    stale = list(Dataset.objects.exclude(key__in=set(keep)))
    names = list(Dump.objects.filter(dataset__in=stale).values_list("stored_name", flat=True))
    with transaction.atomic():
        for dataset in stale:
            audit.record("opendata.dump.removed", actor=actor, obj=dataset, dataset=dataset.key)
        Dataset.objects.filter(pk__in=[d.pk for d in stale]).delete()
    directory = dump_dir()
    for name in names:
        (directory / name).unlink(missing_ok=True)
    return len(stale)


def _ours(name: str) -> bool:
    """Say whether NAME is a file dumps write (a dump or a temporary one), so nothing else is ever deleted."""
    return name.startswith(_TEMP_PREFIX) or (
        name.startswith("thuvien-") and name.endswith(tuple(SUFFIXES.values()))
    )


def sweep(directory: Path | None = None) -> int:
    """Delete dump files no Dump row points at (left by a crash or a closed library); call with the lock held."""
    directory = directory or dump_dir()
    if not directory.is_dir():
        return 0
    current = set(Dump.objects.values_list("stored_name", flat=True))
    removed = 0
    for path in directory.iterdir():
        if path.is_file() and _ours(path.name) and path.name not in current:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def run_dumps(library: Library | None = None, formats: Iterable[str] = FORMATS, *, actor=None) -> list[Dump]:
    """Publish the dumps of LIBRARY, or of the network and every library; raise DumpBusy if one is running."""
    formats = list(formats)
    with dump_lock():
        if library is not None:
            return publish(Scope.of(library), formats, actor=actor)
        dumps = []
        found = scopes()
        for scope in found:
            dumps.extend(publish(scope, formats, actor=actor))
        remove_stale([s.key for s in found], actor=actor)
        sweep()
        return dumps


def _due(scope: Scope, datasets: dict[str, Dataset], latest: dict[str, list], now, every: timedelta) -> bool:
    dataset = datasets.get(scope.key)
    if dataset is not None and dataset.error and dataset.attempted_at:
        if now - dataset.attempted_at < min(every, RETRY_AFTER):
            return False
    times = latest.get(scope.key, [])
    return len(times) < len(FORMATS) or now - min(times) >= every


def run_due_dumps() -> int:
    """Publish the dumps that are older than the interval (or missing); return how many files were written."""
    every = interval()
    if every <= timedelta(0):
        return 0
    try:
        with dump_lock():
            now = timezone.now()
            datasets = {d.key: d for d in Dataset.objects.all()}
            latest: dict[str, list] = defaultdict(list)
            for key, created in Dump.objects.values_list("dataset__key", "created_at"):
                latest[key].append(created)
            found = scopes()
            written = 0
            for scope in found:
                if not _due(scope, datasets, latest, now, every):
                    continue
                try:
                    written += len(publish(scope, FORMATS))
                except Exception:
                    logger.exception("open data: the dump of %s failed; the previous files stay", scope.key)
            remove_stale([s.key for s in found])
            sweep()
            return written
    except DumpBusy:
        logger.info("open data: another process is writing dumps")
        return 0
