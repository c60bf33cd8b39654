"""The Tantivy index: schema, generations on disk, one writer at a time, readers that follow commits.

Layout of ``SEARCH_INDEX_DIR``: one folder per generation (``gen-<timestamp>``) and a file ``CURRENT``
naming the live one. ``thuvien reindex`` builds a new generation beside the live one and swaps
``CURRENT`` atomically, so searches never see a half-built index.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import tantivy
from django.conf import settings

SCHEMA_VERSION = "6"

# Text fields carry pre-tokenised text (our own Vietnamese analysis joined by spaces), hence "whitespace".
FOLDED_FIELDS = ("title", "author", "subject", "publisher", "series", "any")
EXACT_FIELDS = ("title_x", "author_x", "subject_x", "any_x")
FACET_FIELDS = ("f_library", "f_scope", "f_type", "f_lang", "f_subject", "f_author", "f_avail")
KEY_FIELDS = ("k_title", "k_author", "k_subject")
# Full text of a record's digital objects, one pair (folded, exact) per reader tier (ADR 0006): "ft" what
# anyone may read, "ftr" what signed-in readers and library networks may read. Secret, unpublished and
# embargoed text is never indexed; the query decides which tiers a search may touch.
FULLTEXT_FIELDS = ("ft", "ft_x", "ftr", "ftr_x")
META_KEY = "outbox"


class IndexBusy(Exception):
    """Another process holds the index writer."""


def build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", stored=True, indexed=True, fast=True)
    builder.add_text_field("doctype", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("meta", tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("meta_value", stored=True)
    builder.add_text_field("meta_text", stored=True, tokenizer_name="raw", index_option="basic")
    for name in FOLDED_FIELDS + EXACT_FIELDS + FULLTEXT_FIELDS:
        builder.add_text_field(name, tokenizer_name="whitespace", index_option="position")
    builder.add_text_field("isbn", tokenizer_name="whitespace", index_option="basic")
    builder.add_text_field("callno", tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("year", indexed=True, fast=True)
    builder.add_integer_field("acquired", indexed=False, fast=True)
    for name in FACET_FIELDS:
        builder.add_text_field(name, tokenizer_name="raw", fast=True, index_option="basic")
    builder.add_text_field("s_title", tokenizer_name="raw", fast=True, index_option="basic")
    builder.add_text_field("s_author", tokenizer_name="raw", fast=True, index_option="basic")
    for name in KEY_FIELDS:
        builder.add_text_field(name, tokenizer_name="raw", index_option="basic")
    return builder.build()


SCHEMA = build_schema()


def root_dir() -> Path:
    return Path(settings.SEARCH_INDEX_DIR)


def current_generation() -> Path | None:
    pointer = root_dir() / "CURRENT"
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    path = root_dir() / name
    if not path.is_dir() or (path / "SCHEMA_VERSION").read_text().strip() != SCHEMA_VERSION:
        return None
    return path


def new_generation() -> Path:
    """Create an empty index generation folder (not yet live) and return it."""
    root_dir().mkdir(parents=True, exist_ok=True)
    path = root_dir() / f"gen-{time.time_ns()}"
    path.mkdir()
    tantivy.Index(SCHEMA, path=str(path), reuse=False)
    (path / "SCHEMA_VERSION").write_text(SCHEMA_VERSION)
    return path


def publish_generation(path: Path) -> None:
    """Make generation PATH the live one and remove older generations."""
    pointer = root_dir() / "CURRENT"
    tmp = root_dir() / f"CURRENT.{os.getpid()}.tmp"
    tmp.write_text(path.name, encoding="utf-8")
    os.replace(tmp, pointer)
    for old in root_dir().glob("gen-*"):
        if old != path and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
    _reader.invalidate()


def ensure_index() -> Path:
    """Return the live generation, creating an empty one on first use."""
    path = current_generation()
    if path is None:
        with _create_lock:
            path = current_generation()
            if path is None:
                path = new_generation()
                publish_generation(path)
    return path


_create_lock = threading.Lock()


class _Reader:
    """A per-process reader that notices new commits and generation swaps, cheaply."""

    RELOAD_EVERY = 0.25

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._index: tantivy.Index | None = None
        self._path: Path | None = None
        self._checked = 0.0

    def invalidate(self) -> None:
        with self._lock:
            self._index = None
            self._path = None

    def searcher(self) -> tantivy.Searcher:
        now = time.monotonic()
        with self._lock:
            if self._index is None or now - self._checked > self.RELOAD_EVERY:
                path = ensure_index()
                if self._index is None or path != self._path:
                    self._index = tantivy.Index(SCHEMA, path=str(path))
                    self._path = path
                else:
                    self._index.reload()
                self._checked = now
            return self._index.searcher()


_reader = _Reader()
_left_behind: list[_Reader] = []


def _after_fork_in_child() -> None:
    """A forked child must not reuse the parent's open index: its native locks and threads stay behind."""
    global _reader, _create_lock
    _left_behind.append(_reader)  # never dropped: dropping could wait on threads the child does not have
    _reader = _Reader()
    _create_lock = threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)


def searcher() -> tantivy.Searcher:
    return _reader.searcher()


def refresh() -> None:
    """Make the next search see the latest commit (used after writes in the same process)."""
    _reader._checked = 0.0


@contextmanager
def writer(path: Path | None = None, heap: int | None = None):
    """Yield the writer of generation PATH (default: the live one); raise IndexBusy if held elsewhere."""
    path = path or ensure_index()
    index = tantivy.Index(SCHEMA, path=str(path))
    try:
        w = index.writer(heap or settings.SEARCH_WRITER_HEAP, num_threads=0)
    except ValueError as exc:
        if "lock" in str(exc).lower() or "busy" in str(exc).lower():
            raise IndexBusy(str(exc)) from exc
        raise
    try:
        yield w
    except BaseException:
        w.rollback()
        raise
    finally:
        w.wait_merging_threads()
    refresh()


def last_applied(searcher_: tantivy.Searcher | None = None, path: Path | None = None) -> int:
    """Return the id of the last outbox entry this index generation has applied (0 if none)."""
    if searcher_ is None:
        if path is None:
            searcher_ = searcher()
        else:
            searcher_ = tantivy.Index(SCHEMA, path=str(path)).searcher()
    result = searcher_.search(tantivy.Query.term_query(SCHEMA, "meta", META_KEY), 1)
    if not result.hits:
        return 0
    doc = searcher_.doc(result.hits[0][1])
    return int(doc["meta_value"][0])


def set_last_applied(w: tantivy.IndexWriter, outbox_id: int) -> None:
    w.delete_documents_by_term("meta", META_KEY)
    w.add_document(tantivy.Document(meta=META_KEY, meta_value=outbox_id))
