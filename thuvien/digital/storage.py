"""Where the files of digital objects live: ``settings.DIGITAL_ROOT`` (a private folder, never served as is).

<root>/objects/<object id>/pages/<seq:04d>.tif   master: tiled pyramidal TIFF (lossless or Q95 JPEG tiles)
<root>/objects/<object id>/source/...            the uploaded files, as received (for preservation)
<root>/staging/<token>/                          an ingest in progress (moved into objects/ on success)
<root>/quarantine/<timestamp>-<name>             uploads ClamAV found infected
<root>/copies/<request id>.pdf                   a reader's watermarked copy
<root>/cache/iiif/<object id>/<seq>/...          derived IIIF responses (safe to delete at any time)
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings


def root() -> Path:
    return Path(settings.DIGITAL_ROOT)


def object_dir(object_id: int) -> Path:
    return root() / "objects" / str(int(object_id))


def master_path(object_id: int, seq: int) -> Path:
    return object_dir(object_id) / "pages" / f"{int(seq):04d}.tif"


def source_dir(object_id: int) -> Path:
    return object_dir(object_id) / "source"


def staging_dir() -> Path:
    return root() / "staging"


def quarantine_dir() -> Path:
    return root() / "quarantine"


def copy_path(request_id: int) -> Path:
    return root() / "copies" / f"{int(request_id)}.pdf"


def cache_dir(object_id: int, seq: int | None = None) -> Path:
    base = Path(settings.DIGITAL_CACHE_DIR) / "iiif" / str(int(object_id))
    return base if seq is None else base / str(int(seq))


def write_master(image, path: Path) -> None:
    """Write IMAGE (a pyvips.Image) as a page master: a tiled pyramidal TIFF, written to a temporary name first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    compression = "jpeg" if image.bands in (1, 3) and image.format == "uchar" else "deflate"
    kwargs = {"Q": 92} if compression == "jpeg" else {}
    image.tiffsave(str(tmp), tile=True, pyramid=True, tile_width=256, tile_height=256,
                   compression=compression, **kwargs)  # fmt: skip
    tmp.replace(path)
