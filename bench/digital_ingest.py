"""Ingest with derivatives: pages/min for page images (PNG, TIFF, JPEG, a ZIP of PNGs) and for a PDF.

.venv/bin/python bench/digital_ingest.py [--pages 50] [--rounds 2] [--dpi 300] [--data-dir bench/out/data-ingest]

Pages are A4 at 300 dpi (2480 × 3508, grey), rendered from Vietnamese text with render.py before the clock
starts. Each run is one call of ingest_paths, the path the CLI and the staff page take: the inputs copied
to staging and hashed, type sniffing and header checks, every page decoded and written as a tiled
pyramidal TIFF master, the originals kept, the rows committed; no ClamAV, no OCR. The PDF carries the
same pages as 300-dpi images (as a scanner makes it) and is rendered back with pdfium at that resolution.
Each format runs ROUNDS times; the best round counts.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import time
import zipfile
from pathlib import Path

from _env import ROOT, peak_rss_mb, setup

TEXT = (
    "Trang {n}. Làng Phú Lộc nằm bên tả ngạn sông Đáy, cách thị trấn chừng bảy cây số. Theo lời các cụ cao "
    "niên, tổ tiên của dân làng vốn là những người đi khai hoang từ thời Lê sơ, dựng nhà trên những gò đất cao "
    "để tránh lũ. Đình làng được dựng lại vào năm Tự Đức thứ mười hai, gồm ba gian hai chái, mái lợp ngói mũi "
    "hài; các đầu bẩy chạm rồng mây và hoa lá rất tinh xảo.\n\n"
    "Hằng năm, vào ngày mười tháng Giêng âm lịch, dân làng mở hội rước nước từ giữa dòng sông về đình. Đoàn "
    "rước gồm kiệu bát cống, cờ ngũ sắc, phường bát âm và các cụ mặc áo the khăn xếp. Nghề truyền thống của "
    "làng là dệt chiếu cói; tiếng khung cửi lách cách vang lên từ sáng sớm đến khuya."
)


def make_inputs(out: Path, pages: int, dpi: int) -> dict[str, list[Path]]:
    """Render the pages once (cached in OUT) as PNG, TIFF (LZW), JPEG, a ZIP of the PNGs and a PDF."""
    from thuvien.digital.render import render_page

    out.mkdir(parents=True, exist_ok=True)
    stamp = out / f"done-{pages}-{dpi}"
    dirs = {fmt: out / fmt for fmt in ("png", "tif", "jpg")}
    if not stamp.exists():
        for d in dirs.values():
            shutil.rmtree(d, ignore_errors=True)
            d.mkdir()
        images = []
        for n in range(1, pages + 1):
            image = render_page(TEXT.format(n=n), dpi=dpi, width_mm=210, height_mm=297, points=11)
            image.pngsave(str(dirs["png"] / f"trang{n}.png"))
            image.tiffsave(str(dirs["tif"] / f"trang{n}.tif"), compression="lzw")
            image.jpegsave(str(dirs["jpg"] / f"trang{n}.jpg"), Q=90)
            images.append(image)
        with zipfile.ZipFile(out / "trang.zip", "w", compression=zipfile.ZIP_STORED) as z:
            for path in sorted(dirs["png"].iterdir()):
                z.write(path, f"scan/{path.name}")
        _write_pdf(images, out / "sach.pdf", dpi)
        stamp.touch()
    return {
        "PNG": [dirs["png"]],
        "TIFF (LZW)": [dirs["tif"]],
        "JPEG": [dirs["jpg"]],
        "ZIP of PNG": [out / "trang.zip"],
        "PDF (300 dpi images)": [out / "sach.pdf"],
    }


def _write_pdf(images, path: Path, dpi: int) -> None:
    import io

    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    pdf = None
    for image in images:
        w_pt, h_pt = image.width * 72 / dpi, image.height * 72 / dpi
        if pdf is None:
            pdf = canvas.Canvas(str(path), pagesize=(w_pt, h_pt))
        pdf.setPageSize((w_pt, h_pt))
        pdf.drawImage(ImageReader(io.BytesIO(image.pngsave_buffer())), 0, 0, w_pt, h_pt)
        pdf.showPage()
    pdf.save()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--dpi", type=int, default=300)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "bench" / "out" / "data-ingest")
    args = parser.parse_args()
    setup(args.data_dir)
    logging.getLogger("thuvien.digital.ingest").setLevel(logging.WARNING)

    from django.conf import settings

    from thuvien.digital import storage
    from thuvien.digital.ingest import ingest_paths
    from thuvien.digital.models import DigitalObject
    from thuvien.network.actions import add_library
    from thuvien.network.queries import library_by_code

    library = library_by_code("VN-BENCH-ING") or add_library(
        "VN-BENCH-ING", "Thư viện đo nhập tài liệu số", "provincial"
    )
    inputs = make_inputs(ROOT / "bench" / "out" / "ingest-inputs", args.pages, args.dpi)
    print(f"{args.pages} A4 pages at {args.dpi} dpi, grey; DIGITAL_ROOT={settings.DIGITAL_ROOT}")
    print(f"{'input':<22} {'best s':>8} {'pages/min':>10} {'ms/page':>8}   rounds (s)")
    for label, paths in inputs.items():
        times = []
        for _ in range(args.rounds):
            started = time.perf_counter()
            result = ingest_paths(paths, library=library, actor=None, title=f"Đo nhập {label}", ocr=False)
            times.append(time.perf_counter() - started)
            assert result.pages_added == args.pages, result.pages_added
            # Keep the disk from filling over rounds: the measured work is done.
            obj_id = result.object.pk
            DigitalObject.objects.filter(pk=obj_id).delete()
            shutil.rmtree(storage.object_dir(obj_id), ignore_errors=True)
        best = min(times)
        rounds = ", ".join(f"{t:.1f}" for t in times)
        print(
            f"{label:<22} {best:>8.1f} {args.pages / best * 60:>10.0f} {best / args.pages * 1000:>8.0f}   {rounds}"
        )
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"peak memory {peak_rss_mb():.0f} MB; load average {load} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
