"""The IIIF tile cache: rendered image responses on disk, under ``storage.cache_dir(object, seq)``.

An entry lives at ``<cache_dir(object, seq)>/v<master mtime>/<key>``, the key being the planned request
(``image.Plan.key``). Naming the master's version in the path means a replaced master is never answered from
its old tiles, even by a render that was under way while it was replaced. Access is never decided here:
the views check it on every request before they ask the cache.

Bounded two ways (docs/digital/iiif-image.md): entries unused for ``DIGITAL_IIIF_CACHE_MAX_AGE_DAYS`` are
dropped, and when the cache grows past ``DIGITAL_IIIF_CACHE_MAX_MB`` the least recently used go first. A
sweep runs in the background after each twentieth of the budget written by this process.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

from django.conf import settings

from thuvien.digital import storage

log = logging.getLogger(__name__)

# A hit refreshes its entry's time (what the sweep ranks by) at most this often: one write per hour per
# hot tile, not one per request.
TOUCH_AFTER = 3600
# Responses bigger than this are served, not kept: one full-size TIFF would push out thousands of tiles.
MAX_ENTRY_BYTES = 16 * 1024 * 1024

_lock = threading.Lock()
_written = 0
_sweeping = False


def max_bytes() -> int:
    return int(settings.DIGITAL_IIIF_CACHE_MAX_MB) * 1024 * 1024


def max_age() -> float:
    return float(settings.DIGITAL_IIIF_CACHE_MAX_AGE_DAYS) * 86400


def root() -> Path:
    return Path(settings.DIGITAL_CACHE_DIR) / "iiif"


def entry_path(object_id: int, seq: int, version: int, key: str) -> Path:
    """Return where the response KEY of page SEQ's master at VERSION (its mtime in ns) is kept."""
    # Keys are built by image.Plan from numbers and fixed words; "/" is their only separator.
    name = key.replace("/", "_")
    return storage.cache_dir(object_id, seq) / f"v{version:x}" / name


def get(object_id: int, seq: int, version: int, key: str) -> bytes | None:
    """Return the cached response KEY for the master at VERSION, or None."""
    path = entry_path(object_id, seq, version, key)
    try:
        with path.open("rb") as f:
            data = f.read()
            mtime = os.fstat(f.fileno()).st_mtime
    except (FileNotFoundError, NotADirectoryError):
        return None
    if time.time() - mtime > TOUCH_AFTER:
        with contextlib.suppress(OSError):
            os.utime(path)
    return data


def put(object_id: int, seq: int, version: int, key: str, data: bytes) -> None:
    """Keep DATA as the response KEY (written to a temporary name, then renamed: readers never see half)."""
    if len(data) > MAX_ENTRY_BYTES:
        return
    path = entry_path(object_id, seq, version, key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError as exc:
        # A full or read-only disk costs speed, not service.
        log.warning("IIIF cache: cannot write %s: %s", path, exc)
        return
    _count(len(data))


def purge(object_id: int, seq: int | None = None) -> None:
    """Drop the cached responses of page SEQ of object OBJECT_ID (all its pages when SEQ is None)."""
    shutil.rmtree(storage.cache_dir(object_id, seq), ignore_errors=True)


def _count(n: int) -> None:
    global _written, _sweeping
    with _lock:
        _written += n
        if _written < max_bytes() // 20 or _sweeping:
            return
        _written = 0
        _sweeping = True
    threading.Thread(target=_sweep_in_background, name="iiif-cache-sweep", daemon=True).start()


def _sweep_in_background() -> None:
    global _sweeping
    try:
        sweep()
    except Exception:
        log.exception("IIIF cache sweep failed")
    finally:
        with _lock:
            _sweeping = False


def sweep(limit_bytes: int | None = None, age: float | None = None) -> dict:
    """Drop entries older than AGE seconds, then the least recently used until the cache fits LIMIT_BYTES.

    Only one process sweeps at a time (a lock file); another one asking meanwhile returns at once.
    Return {"removed": files, "kept": files, "bytes": bytes kept}.
    """
    limit_bytes = max_bytes() if limit_bytes is None else limit_bytes
    age = max_age() if age is None else age
    base = root()
    base.mkdir(parents=True, exist_ok=True)
    with (base / ".sweep.lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return {"removed": 0, "kept": 0, "bytes": 0, "skipped": True}
        now = time.time()
        entries = []
        removed = 0
        for dirpath, _dirnames, filenames in os.walk(base):
            for name in filenames:
                if name == ".sweep.lock":
                    continue
                path = os.path.join(dirpath, name)
                try:
                    st = os.stat(path)
                except FileNotFoundError:
                    continue
                # A temporary file older than a minute was left by a process that died while writing.
                stale_tmp = name.startswith(".tmp-") and now - st.st_mtime > 60
                if stale_tmp or now - st.st_mtime > age:
                    removed += _unlink(path)
                elif not name.startswith(".tmp-"):
                    entries.append((st.st_mtime, st.st_size, path))
        total = sum(size for _, size, _ in entries)
        entries.sort()
        # Down to 90% of the budget, so that the next sweep is not due at the next write.
        target = limit_bytes * 9 // 10 if total > limit_bytes else total
        kept = len(entries)
        for _mtime, size, path in entries:
            if total <= target:
                break
            removed += _unlink(path)
            total -= size
            kept -= 1
        _remove_empty_dirs(base)
    return {"removed": removed, "kept": kept, "bytes": total}


def _unlink(path: str) -> int:
    try:
        os.unlink(path)
        return 1
    except FileNotFoundError:
        return 0


def _remove_empty_dirs(base: Path) -> None:
    # Bottom up, so a folder emptied of its emptied folders goes too; a folder in use refuses rmdir.
    for dirpath, _dirnames, _filenames in os.walk(base, topdown=False):
        if dirpath != str(base):
            with contextlib.suppress(OSError):
                os.rmdir(dirpath)
