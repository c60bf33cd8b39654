"""Render Vietnamese text into page images (and PDFs) with a free font: demo documents, OCR tests, benchmarks.

What OCR reads back from these pages is compared with the text they were rendered from, so the character
error rate of the pipeline can be measured (bench/ocr_pipeline.py).
"""

from __future__ import annotations

import os
from pathlib import Path

import pyvips

# Free fonts with Vietnamese glyphs, in order of preference (Debian: fonts-dejavu-core, fonts-noto-core).
FONT_CANDIDATES = (
    ("DejaVu Serif", "dejavu/DejaVuSerif.ttf"),
    ("Noto Serif", "noto/NotoSerif-Regular.ttf"),
    ("DejaVu Sans", "dejavu/DejaVuSans.ttf"),
    ("Noto Sans", "noto/NotoSans-Regular.ttf"),
    ("Liberation Serif", "liberation/LiberationSerif-Regular.ttf"),
)
FONT_DIRS = ("/usr/share/fonts/truetype", "/usr/share/fonts/TTF", "/usr/local/share/fonts")


class NoFont(RuntimeError):
    """No free font with Vietnamese glyphs is installed (Debian: apt-get install fonts-dejavu-core)."""


def find_font() -> tuple[str, Path]:
    """Return (family, path) of the first installed free font with Vietnamese glyphs."""
    override = os.environ.get("THUVIEN_RENDER_FONT")
    if override and Path(override).is_file():
        return Path(override).stem, Path(override)
    for family, rel in FONT_CANDIDATES:
        for base in FONT_DIRS:
            path = Path(base) / rel
            if path.is_file():
                return family, path
    raise NoFont("no free font with Vietnamese glyphs: install fonts-dejavu-core")


def mm_to_px(mm: float, dpi: int) -> int:
    return round(mm / 25.4 * dpi)


def render_page(
    text: str,
    *,
    dpi: int = 300,
    width_mm: float = 148,
    height_mm: float = 210,
    margin_mm: float = 15,
    points: float = 12,
    heading: str = "",
) -> pyvips.Image:
    """Render TEXT (paragraphs separated by blank lines) on a white page: a 1-band 8-bit image at DPI."""
    family, path = find_font()
    width, height = mm_to_px(width_mm, dpi), mm_to_px(height_mm, dpi)
    margin = mm_to_px(margin_mm, dpi)
    markup = ""
    if heading:
        markup += f"<span size='{int(points * 1.5 * 1024)}' weight='bold'>{_escape(heading)}</span>\n\n"
    markup += _escape(text.strip())
    ink = pyvips.Image.text(
        markup,
        font=f"{family} {points}",
        fontfile=str(path),
        dpi=dpi,
        width=width - 2 * margin,
        height=height - 2 * margin,
        justify=True,
        wrap="word",
        spacing=round(points * dpi / 72 * 0.45),
    )
    page = pyvips.Image.black(width, height).invert()
    return (
        page.insert(ink.invert(), margin, margin, background=[255])
        .cast("uchar")
        .copy(xres=dpi / 25.4, yres=dpi / 25.4)
    )


def _escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_pages(texts: list[str], out_dir: Path, *, fmt: str = "png", dpi: int = 300, **kwargs) -> list[Path]:
    """Render each of TEXTS to OUT_DIR/0001.<fmt> …; return the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for n, text in enumerate(texts, 1):
        path = out_dir / f"{n:04d}.{fmt}"
        render_page(text, dpi=dpi, **kwargs).write_to_file(str(path))
        paths.append(path)
    return paths


def write_pdf(texts: list[str], path: Path, *, dpi: int = 200, **kwargs) -> Path:
    """Render each of TEXTS as one page of a PDF (page images, as a scanner makes them) at PATH."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    pdf = None
    for text in texts:
        image = render_page(text, dpi=dpi, **kwargs)
        w_pt, h_pt = image.width * 72 / dpi, image.height * 72 / dpi
        if pdf is None:
            pdf = canvas.Canvas(str(path), pagesize=(w_pt, h_pt))
        else:
            pdf.setPageSize((w_pt, h_pt))
        import io

        buf = io.BytesIO(image.write_to_buffer(".png"))
        pdf.drawImage(ImageReader(buf), 0, 0, w_pt, h_pt)
        pdf.showPage()
    if pdf is None:
        raise ValueError("no pages")
    pdf.save()
    return path
