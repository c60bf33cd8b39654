"""IIIF tile latency and throughput: 256-pixel tiles of large pages, cold (empty cache) and warm, at concurrency 1 and 8.

    python bench/iiif_tiles.py                                   # SQLite in bench/out/data-iiif
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_iiif python bench/iiif_tiles.py

1. Builds (once; --rebuild to start again) an open, published object of --pages pages, each an A4 page of
   Vietnamese text rendered at --dpi (2480 × 3508 pixels at 300 dpi) and written as the app writes masters
   (tiled pyramidal TIFF).
2. Starts `thuvien serve --workers W --threads T` (granian, as in production) on a free port.
3. Asks for every page's info.json, then every tile of every zoom level the info.json offers, as
   OpenSeadragon (Mirador's deep-zoom viewer) asks for them: ``/x,y,w,h/tw,th/0/default.jpg``.
   Each concurrency runs twice: cold, after emptying the tile cache (every tile rendered by pyvips), then
   warm (every tile from the cache). Prints p50/p95/p99 latency and requests/s for each.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from _env import ROOT, peak_rss_mb, setup

OUT = ROOT / "bench" / "out"
TEXT = (
    "Hoa Lư là kinh đô đầu tiên của nhà nước phong kiến trung ương tập quyền Việt Nam. Năm 968, Đinh Bộ "
    "Lĩnh dẹp loạn mười hai sứ quân, lên ngôi hoàng đế, đặt quốc hiệu là Đại Cồ Việt, đóng đô ở Hoa Lư. "
    "Chùa Bái Đính nằm ở phía tây bắc cố đô, trên sườn núi đá vôi; dân làng quanh vùng sống bằng nghề "
    "trồng lúa, chạm khắc đá và dệt chiếu cói. "
)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build(pages: int, dpi: int) -> int:
    """Create the library and the object with its page masters; return the object's id (reused when present)."""
    from django.db import transaction

    from thuvien.digital import actions, storage
    from thuvien.digital.models import AccessLevel, DigitalObject, Page, Stage
    from thuvien.digital.render import render_page
    from thuvien.lib.vn_text import fold
    from thuvien.network.actions import add_library
    from thuvien.network.models import Library

    existing = DigitalObject.objects.filter(title="Đo tải IIIF", page_count=pages).first()
    if existing is not None and all(
        storage.master_path(existing.pk, s).exists() for s in range(1, pages + 1)
    ):
        print(f"reusing object {existing.pk}: {pages} pages")
        return existing.pk
    library = Library.objects.filter(code="VN-BENCH-IIIF").first() or add_library(
        "VN-BENCH-IIIF", "Thư viện tỉnh Đo Tải Ảnh", "provincial"
    )
    started = time.perf_counter()
    with transaction.atomic():
        obj = actions.create_object(
            library=library, actor=None, record=None, title="Đo tải IIIF", dc={"title": "Đo tải IIIF"},
            access=AccessLevel.OPEN, embargo_until=None, collections=(),
        )  # fmt: skip
        for seq in range(1, pages + 1):
            text = f"Trang {seq}\n\n" + TEXT * 12
            image = render_page(text, dpi=dpi, width_mm=210, height_mm=297)
            storage.write_master(image, storage.master_path(obj.pk, seq))
            Page.objects.create(
                object=obj, seq=seq, label=str(seq), width=image.width, height=image.height,
                text=text, text_folded=fold(text),
            )  # fmt: skip
        DigitalObject.objects.filter(pk=obj.pk).update(page_count=pages, stage=Stage.PUBLISHED)
        obj.refresh_from_db()
        actions.sync_visibility(obj)
    print(
        f"built object {obj.pk}: {pages} pages of {image.width} × {image.height} in {time.perf_counter() - started:.0f} s"
    )
    return obj.pk


def tiles_of(info: dict) -> list[str]:
    """The image requests a deep-zoom viewer makes for one page, coarse levels first (OpenSeadragon's form)."""
    width, height = info["width"], info["height"]
    tile = info["tiles"][0]
    size = tile["width"]
    paths = []
    for scale in sorted(tile["scaleFactors"], reverse=True):
        step = size * scale
        for y in range(0, height, step):
            for x in range(0, width, step):
                w, h = min(step, width - x), min(step, height - y)
                paths.append(f"{x},{y},{w},{h}/{math.ceil(w / scale)},{math.ceil(h / scale)}/0/default.jpg")
    return paths


def fetch(port: int, paths: list[str], concurrency: int) -> tuple[list[float], float]:
    times: list[float] = []
    lock = threading.Lock()
    errors: list[str] = []

    def client(worker: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine = []
        for n in range(worker, len(paths), concurrency):
            started = time.perf_counter()
            conn.request("GET", paths[n])
            response = conn.getresponse()
            body = response.read()
            mine.append((time.perf_counter() - started) * 1000)
            if response.status != 200 or not body:
                errors.append(f"HTTP {response.status} for {paths[n]}")
        conn.close()
        with lock:
            times.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(w,)) for w in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"{len(errors)} failed requests, first: {errors[0]}")
    return times, len(paths) / (time.perf_counter() - started)


def get_json(port: int, path: str) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"HTTP {response.status} for {path}: {body[:200]!r}")
    return json.loads(body)


def report(label: str, times: list[float], rate: float) -> None:
    print(
        f"{label:<24} n={len(times):>5}  p50={percentile(times, 50):6.1f} ms  p95={percentile(times, 95):6.1f} ms  "
        f"p99={percentile(times, 99):6.1f} ms  {rate:7,.0f} requests/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=OUT / "data-iiif")
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--dpi", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--rebuild", action="store_true", help="start from an empty data directory")
    args = parser.parse_args()
    if args.rebuild and args.data_dir.exists():
        shutil.rmtree(args.data_dir)
    setup(args.data_dir)
    object_id = build(args.pages, args.dpi)

    from django.conf import settings

    from thuvien.interop.iiif import cache

    port = free_port()
    thuvien = Path(sys.executable).with_name("thuvien")
    server = subprocess.Popen(
        [str(thuvien), "serve", "--port", str(port), "--workers", str(args.workers),
         "--threads", str(args.threads), "--no-worker"],
        env={**os.environ, "THUVIEN_DATA_DIR": str(args.data_dir)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        for _ in range(150):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.2)
        paths: list[str] = []
        for seq in range(1, args.pages + 1):
            base = f"/iiif/3/{object_id}-{seq}"
            info = get_json(port, base + "/info.json")
            paths += [f"{base}/{tile}" for tile in tiles_of(info)]
        print(
            f"thuvien serve --workers {args.workers} --threads {args.threads}; {args.pages} pages of "
            f"{info['width']} × {info['height']}, scale factors {info['tiles'][0]['scaleFactors']}: "
            f"{len(paths):,} tiles"
        )
        # Warm-up (each web process opens its database connection, libvips loads): one thumbnail per page.
        fetch(
            port,
            [f"/iiif/3/{object_id}-{seq}/full/!200,200/0/default.jpg" for seq in range(1, args.pages + 1)],
            2,
        )
        for concurrency in (1, 8):
            # Cold: the cache emptied, as after a purge: every tile is rendered by pyvips from its master.
            cache.purge(object_id)
            report(f"cold, concurrency {concurrency}", *fetch(port, paths, concurrency))
            report(f"warm, concurrency {concurrency}", *fetch(port, paths, concurrency))
        size = sum(
            p.stat().st_size for p in (Path(settings.DIGITAL_CACHE_DIR) / "iiif").rglob("*") if p.is_file()
        )
        print(f"tile cache: {size / 1e6:,.1f} MB for {len(paths):,} tiles")
        children = subprocess.run(
            ["pgrep", "-g", str(os.getpgid(server.pid))], capture_output=True, text=True
        )
        peaks = [peak_rss_mb(pid) for pid in children.stdout.split() if Path(f"/proc/{pid}").exists()]
        print(f"peak memory of the web process(es): {' + '.join(f'{p:,.0f}' for p in peaks)} MB")
    finally:
        os.killpg(os.getpgid(server.pid), signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
