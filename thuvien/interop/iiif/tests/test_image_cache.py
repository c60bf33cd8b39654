"""The IIIF tile cache: atomic entries per master version, purge, bounds, and cached answers over HTTP."""

import os
import threading
import time

import pytest
import pyvips

from thuvien.digital import storage
from thuvien.digital.render import render_page
from thuvien.digital.testing import make_object
from thuvien.interop.iiif import cache

KEY = "0,0,256,256/256,256/0/default.jpg"


def files_under(path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*") if p.is_file())


def test_put_and_get(settings):
    assert cache.get(7, 1, 100, KEY) is None
    cache.put(7, 1, 100, KEY, b"tile")
    assert cache.get(7, 1, 100, KEY) == b"tile"
    # Another version of the master (it was replaced): the old entry is not its answer.
    assert cache.get(7, 1, 101, KEY) is None
    assert cache.get(7, 2, 100, KEY) is None
    # Written under a temporary name and renamed: nothing else is left behind.
    assert files_under(settings.DIGITAL_CACHE_DIR) == ["iiif/7/1/v64/0,0,256,256_256,256_0_default.jpg"]


def test_purge(settings):
    for seq in (1, 2):
        cache.put(7, seq, 1, KEY, b"x")
    cache.put(8, 1, 1, KEY, b"y")
    cache.purge(7, 2)
    assert cache.get(7, 2, 1, KEY) is None and cache.get(7, 1, 1, KEY) == b"x"
    cache.purge(7)
    assert cache.get(7, 1, 1, KEY) is None
    assert cache.get(8, 1, 1, KEY) == b"y"
    cache.purge(999)  # nothing there: no error


def test_sweep_drops_old_entries_then_the_least_recently_used(settings):
    now = time.time()
    for n in range(10):
        cache.put(1, 1, 1, f"{n}/k", b"x" * 1000)
        os.utime(cache.entry_path(1, 1, 1, f"{n}/k"), (now - 1000 + n, now - 1000 + n))
    os.utime(cache.entry_path(1, 1, 1, "0/k"), (now - 40 * 86400,) * 2)
    tmp = cache.entry_path(1, 1, 1, "x").with_name(".tmp-dead")
    tmp.write_bytes(b"half")
    os.utime(tmp, (now - 3600,) * 2)
    result = cache.sweep(limit_bytes=5000, age=30 * 86400)
    # 0 is too old, the dead temporary file goes, then the oldest until 90% of 5,000 bytes.
    assert result["bytes"] <= 4500
    left = sorted(p.name for p in cache.entry_path(1, 1, 1, "x").parent.iterdir())
    assert left == ["6_k", "7_k", "8_k", "9_k"]
    assert result["removed"] == 7 and result["kept"] == 4


def test_sweep_removes_emptied_folders(settings):
    cache.put(3, 1, 1, KEY, b"x")
    os.utime(cache.entry_path(3, 1, 1, KEY), (time.time() - 100 * 86400,) * 2)
    cache.sweep()
    assert not storage.cache_dir(3).exists()


def test_the_cache_stays_within_its_budget(settings):
    settings.DIGITAL_IIIF_CACHE_MAX_MB = 1
    for n in range(30):
        cache.put(5, 1, 1, f"{n}/k", os.urandom(100_000))
    for thread in threading.enumerate():
        if thread.name == "iiif-cache-sweep":
            thread.join(timeout=30)
    cache.sweep()
    total = sum(p.stat().st_size for p in (settings.DIGITAL_CACHE_DIR / "iiif").rglob("*_k"))
    assert total <= 1024 * 1024


def test_big_responses_are_not_kept(settings):
    cache.put(1, 1, 1, KEY, b"x" * (cache.MAX_ENTRY_BYTES + 1))
    assert cache.get(1, 1, 1, KEY) is None


def test_an_unwritable_cache_costs_speed_not_service(settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    settings.DIGITAL_CACHE_DIR = blocker
    cache.put(1, 1, 1, KEY, b"x")  # logged, not raised
    assert cache.get(1, 1, 1, KEY) is None


# --- over HTTP -----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_cached_answers_come_without_reading_the_master(client, network):
    obj = make_object(network["prov"], texts=["Trang một."])
    tile = f"/iiif/3/{obj.pk}-1/0,0,256,256/256,256/0/default.jpg"
    first = client.get(tile)
    assert first.status_code == 200
    # Spoil the master but keep its time: the same version, so only a cache can still answer.
    path = storage.master_path(obj.pk, 1)
    stat = path.stat()
    path.write_bytes(b"not a TIFF any more")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    again = client.get(tile)
    assert again.status_code == 200 and again.content == first.content
    with pytest.raises(pyvips.Error):
        client.get(f"/iiif/3/{obj.pk}-1/0,0,200,200/200,200/0/default.jpg")


@pytest.mark.django_db
def test_a_replaced_master_is_served_anew(client, network):
    obj = make_object(network["prov"], texts=["Trang một."])
    tile = f"/iiif/3/{obj.pk}-1/0,0,256,256/256,256/0/default.png"
    before = client.get(tile)
    time.sleep(0.01)
    replacement = render_page("Trang khác hẳn, chữ khác, dòng khác.", dpi=72).invert()
    storage.write_master(replacement, storage.master_path(obj.pk, 1))
    after = client.get(tile)
    assert after.status_code == 200 and after.content != before.content
    assert after["ETag"] != before["ETag"]
    got = pyvips.Image.new_from_buffer(after.content, "")
    assert (got - replacement.crop(0, 0, 256, 256)).abs().avg() < 3
