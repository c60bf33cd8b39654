"""IIIF Image API 3.0: URLs of page images, and image requests parsed and planned (pure: no files, no pyvips).

A request ``{region}/{size}/{rotation}/{quality}.{format}`` is parsed into a ``Parsed`` request, then planned
against the page's pixel size and the viewer's limits into a ``Plan``: the region in master pixels, the
output size, the rotation, quality and format, and the key the tile cache stores the result under. Every
invalid request raises ``IIIFError`` with the HTTP status and a reason the client can read.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from thuvien.interop.iiif import ids

# --- for other modules: manifests, OPAC pages, search results -------------------------------------------


def image_service_id(request_or_base, object_id: int, seq: int) -> str:
    """Return the absolute id of page SEQ's image service (an HttpRequest or a base like ``https://host``)."""
    base = request_or_base if isinstance(request_or_base, str) else ids.base_url(request_or_base)
    return ids.image_service_id(base.rstrip("/"), int(object_id), int(seq))


def thumbnail_url(request_or_base, object_id: int, seq: int, size: int = 200) -> str:
    """Return the URL of page SEQ's thumbnail: the whole page fitted in SIZE × SIZE pixels, as JPEG."""
    return f"{image_service_id(request_or_base, object_id, seq)}/full/!{int(size)},{int(size)}/0/default.jpg"


# --- what this server does --------------------------------------------------------------------------------

CONTEXT = "http://iiif.io/api/image/3/context.json"
PROTOCOL = "http://iiif.io/api/image"
PROFILE = "level2"
PROFILE_URI = "http://iiif.io/api/image/3/level2.json"
TILE = 256  # the masters' tile size (storage.write_master), so a viewer's tile is one stored tile

QUALITIES = ("default", "color", "gray", "bitonal")
FORMATS = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "gif": "image/gif",
    "tif": "image/tiff",
}
# Formats of the specification this build cannot write (libvips here has no JPEG 2000, and no PDF writer).
KNOWN_UNSUPPORTED = ("jp2", "pdf")
EXTRA_FORMATS = ["webp", "gif", "tif"]  # jpg and png belong to level 2
EXTRA_QUALITIES = ["color", "gray", "bitonal"]
# Features beyond level 2. "cors" only where anyone may read the image (see image_views).
EXTRA_FEATURES = [
    "baseUriRedirect",
    "canonicalLinkHeader",
    "jsonldMediaType",
    "mirroring",
    "profileLinkHeader",
    "rotationArbitrary",
    "sizeUpscaling",
]
# WebP cannot hold more than 16,383 pixels a side: one limit for every format keeps info.json truthful.
MAX_SIDE = 16383


class IIIFError(Exception):
    """An image request this server refuses: STATUS (400, 403 or 501) and a reason for the client."""

    def __init__(self, reason: str, status: int = 400, *, limit: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.limit = limit  # refused only for its size: a viewer allowed to download might get it


@dataclass(frozen=True)
class Limits:
    """The largest image one response may hold (info.json's maxWidth, maxHeight, maxArea)."""

    max_width: int = MAX_SIDE
    max_height: int = MAX_SIDE
    max_area: int = MAX_SIDE * MAX_SIDE

    def scale_for(self, width: int, height: int) -> float:
        """Return the largest scale at which a WIDTH × HEIGHT image stays within these limits."""
        return min(
            self.max_width / width,
            self.max_height / height,
            math.sqrt(self.max_area / (width * height)),
        )

    def allows(self, width: int, height: int) -> bool:
        return width <= self.max_width and height <= self.max_height and width * height <= self.max_area


def pyramid_levels(width: int, height: int, tile: int = TILE) -> list[tuple[int, int]]:
    """Return the sizes of the levels of a master's pyramid, full size first (as libvips writes it)."""
    levels = [(width, height)]
    while width > tile or height > tile:
        width, height = width // 2, height // 2
        if width < 1 or height < 1:
            break
        levels.append((width, height))
    return levels


# --- parsing ----------------------------------------------------------------------------------------------

_INT = r"(\d{1,9})"
_NUM = r"(\d{1,9}(?:\.\d{0,12})?|\.\d{1,12})"
_REGION_PX = re.compile(rf"^{_INT},{_INT},{_INT},{_INT}$")
_REGION_PCT = re.compile(rf"^pct:{_NUM},{_NUM},{_NUM},{_NUM}$")
_SIZE_WH = re.compile(rf"^(!)?{_INT}?,{_INT}?$")
_SIZE_PCT = re.compile(rf"^pct:{_NUM}$")
_ROTATION = re.compile(rf"^(!)?{_NUM}$")


@dataclass(frozen=True)
class Parsed:
    """An image request, syntax checked; sizes still relative to whatever region the image has."""

    region: tuple  # ("full",) | ("square",) | ("px", x, y, w, h) | ("pct", x, y, w, h)
    size: tuple  # ("max",) | ("w", w) | ("h", h) | ("wh", w, h) | ("fit", w, h) | ("pct", n)
    upscale: bool
    mirror: bool
    rotation: float
    quality: str
    format: str


def parse(region: str, size: str, rotation: str, quality: str, fmt: str) -> Parsed:
    """Parse the five parameters of an image request; raise IIIFError (400 or 501) naming the bad one."""
    return Parsed(
        region=_parse_region(region),
        **_parse_size(size),
        **_parse_rotation(rotation),
        quality=_parse_quality(quality),
        format=_parse_format(fmt),
    )


def split_filename(filename: str) -> tuple[str, str]:
    """Split ``quality.format`` at its last dot; raise IIIFError when there is no format."""
    quality, dot, fmt = filename.rpartition(".")
    if not dot or not quality:
        raise IIIFError(_("Thiếu định dạng ảnh: phần cuối phải có dạng chất-lượng.định-dạng (default.jpg)."))
    return quality, fmt


def _parse_region(text: str) -> tuple:
    if text in ("full", "square"):
        return (text,)
    if m := _REGION_PX.match(text):
        x, y, w, h = (int(g) for g in m.groups())
        if w == 0 or h == 0:
            raise IIIFError(_("Vùng ảnh có chiều rộng hoặc chiều cao bằng 0."))
        return ("px", x, y, w, h)
    if m := _REGION_PCT.match(text):
        x, y, w, h = (float(g) for g in m.groups())
        if w <= 0 or h <= 0:
            raise IIIFError(_("Vùng ảnh có chiều rộng hoặc chiều cao bằng 0."))
        if x >= 100 or y >= 100:
            raise IIIFError(_("Vùng ảnh nằm ngoài ảnh."))
        return ("pct", x, y, w, h)
    raise IIIFError(
        _("Vùng ảnh không hợp lệ: dùng full, square, x,y,w,h hoặc pct:x,y,w,h (nhận được “%(value)s”).")
        % {"value": text[:40]}
    )


def _parse_size(text: str) -> dict:
    upscale = text.startswith("^")
    body = text[1:] if upscale else text
    if body == "max":
        return {"size": ("max",), "upscale": upscale}
    if m := _SIZE_PCT.match(body):
        n = float(m.group(1))
        if n <= 0:
            raise IIIFError(_("Kích thước theo phần trăm phải lớn hơn 0."))
        return {"size": ("pct", n), "upscale": upscale}
    if m := _SIZE_WH.match(body):
        confined, w, h = m.group(1), m.group(2), m.group(3)
        if (w is not None and int(w) == 0) or (h is not None and int(h) == 0):
            raise IIIFError(_("Kích thước ảnh phải lớn hơn 0."))
        if confined:
            if w is None or h is None:
                raise IIIFError(_("Kích thước !w,h cần cả chiều rộng và chiều cao."))
            return {"size": ("fit", int(w), int(h)), "upscale": upscale}
        if w is not None and h is not None:
            return {"size": ("wh", int(w), int(h)), "upscale": upscale}
        if w is not None:
            return {"size": ("w", int(w)), "upscale": upscale}
        if h is not None:
            return {"size": ("h", int(h)), "upscale": upscale}
    raise IIIFError(
        _(
            "Kích thước không hợp lệ: dùng max, w,, ,h, pct:n, w,h hoặc !w,h, có thể thêm ^ phía trước "
            "để phóng to (nhận được “%(value)s”)."
        )
        % {"value": text[:40]}
    )


def _parse_rotation(text: str) -> dict:
    m = _ROTATION.match(text)
    if not m:
        raise IIIFError(
            _(
                "Góc xoay không hợp lệ: một số từ 0 đến 360, có thể có ! phía trước để lật ảnh (nhận được “%(value)s”)."
            )
            % {"value": text[:40]}
        )
    degrees = float(m.group(2))
    if degrees > 360:
        raise IIIFError(_("Góc xoay phải từ 0 đến 360 độ."))
    return {"mirror": bool(m.group(1)), "rotation": degrees % 360}


def _parse_quality(text: str) -> str:
    if text not in QUALITIES:
        raise IIIFError(
            _("Chất lượng không hợp lệ: dùng default, color, gray hoặc bitonal (nhận được “%(value)s”).")
            % {"value": text[:40]}
        )
    return text


def _parse_format(text: str) -> str:
    if text in FORMATS:
        return text
    if text in KNOWN_UNSUPPORTED:
        raise IIIFError(_("Máy chủ này không cung cấp ảnh định dạng %(format)s.") % {"format": text}, 501)
    raise IIIFError(
        _("Định dạng không hợp lệ: dùng jpg, png, webp, gif hoặc tif (nhận được “%(value)s”).")
        % {"value": text[:40]}
    )


# --- planning ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """What to render: REGION (x, y, w, h) of the master, scaled to SIZE (w, h), then mirrored and rotated."""

    region: tuple[int, int, int, int]
    size: tuple[int, int]
    mirror: bool
    rotation: float
    quality: str
    format: str
    full: bool  # the region is the whole image
    is_max: bool  # the size is the largest this viewer may have of the region
    upscaled: bool

    @property
    def key(self) -> str:
        """The cache key: every pixel of the response follows from it and the master."""
        x, y, w, h = self.region
        return (
            f"{x},{y},{w},{h}/{self.size[0]},{self.size[1]}/{self._rotation()}/{self.quality}.{self.format}"
        )

    @property
    def canonical(self) -> str:
        """The canonical form of the request (Image API 3.0 §4.7), for the Link header."""
        region = "full" if self.full else ",".join(str(v) for v in self.region)
        if self.is_max and not self.upscaled:
            size = "max"
        else:
            size = ("^" if self.upscaled else "") + f"{self.size[0]},{self.size[1]}"
        return f"{region}/{size}/{self._rotation()}/{self.quality}.{self.format}"

    @property
    def media_type(self) -> str:
        return FORMATS[self.format]

    def _rotation(self) -> str:
        degrees = f"{self.rotation:.6f}".rstrip("0").rstrip(".")
        return ("!" if self.mirror else "") + degrees


def plan(parsed: Parsed, width: int, height: int, limits: Limits = Limits()) -> Plan:
    """Plan PARSED against an image of WIDTH × HEIGHT pixels within LIMITS; raise IIIFError when it cannot be."""
    x, y, w, h = _region(parsed.region, width, height)
    out_w, out_h, is_max = _size(parsed, w, h, limits)
    return Plan(
        region=(x, y, w, h),
        size=(out_w, out_h),
        mirror=parsed.mirror,
        rotation=parsed.rotation,
        quality=parsed.quality,
        format=parsed.format,
        full=(x, y, w, h) == (0, 0, width, height),
        is_max=is_max,
        upscaled=out_w > w or out_h > h,
    )


def _region(region: tuple, width: int, height: int) -> tuple[int, int, int, int]:
    kind = region[0]
    if kind == "full":
        return 0, 0, width, height
    if kind == "square":
        side = min(width, height)
        return (width - side) // 2, (height - side) // 2, side, side
    if kind == "px":
        x, y, w, h = region[1:]
    else:
        px, py, pw, ph = region[1:]
        x, y = round(px * width / 100), round(py * height / 100)
        w, h = round(pw * width / 100), round(ph * height / 100)
    if x >= width or y >= height:
        raise IIIFError(
            _("Vùng ảnh nằm ngoài ảnh (ảnh rộng %(w)d, cao %(h)d điểm ảnh).") % {"w": width, "h": height}
        )
    # A region reaching past the edge is cut at the edge (the specification's rule).
    w, h = min(w, width - x), min(h, height - y)
    if w <= 0 or h <= 0:
        raise IIIFError(_("Vùng ảnh có chiều rộng hoặc chiều cao bằng 0."))
    return x, y, w, h


def _fit(width: int, height: int, scale: float) -> tuple[int, int]:
    """Scale WIDTH × HEIGHT down by SCALE (≤ 1 of the limits), never rounding past them."""
    return max(1, math.floor(width * scale + 1e-9)), max(1, math.floor(height * scale + 1e-9))


def _size(parsed: Parsed, rw: int, rh: int, limits: Limits) -> tuple[int, int, bool]:
    kind, upscale = parsed.size[0], parsed.upscale
    limit_scale = limits.scale_for(rw, rh)
    max_w, max_h = (rw, rh) if limit_scale >= 1 else _fit(rw, rh, limit_scale)
    if kind == "max":
        # ^max is max: upscaling needs a size to upscale to, and the limits are not one (see the docs).
        return max_w, max_h, True
    if kind == "fit":
        bw, bh = parsed.size[1:]
        scale = min(bw / rw, bh / rh)
        if scale > 1 and not upscale:
            raise IIIFError(_("Kích thước lớn hơn vùng ảnh: muốn phóng to, thêm ^ phía trước (^!w,h)."))
        if scale > limit_scale:
            out_w, out_h = _fit(rw, rh, limit_scale)
        else:
            out_w, out_h = max(1, min(bw, round(rw * scale))), max(1, min(bh, round(rh * scale)))
        return out_w, out_h, (out_w, out_h) == (max_w, max_h)
    if kind == "w":
        out_w = parsed.size[1]
        out_h = max(1, round(rh * out_w / rw))
    elif kind == "h":
        out_h = parsed.size[1]
        out_w = max(1, round(rw * out_h / rh))
    elif kind == "pct":
        n = parsed.size[1]
        if n > 100 and not upscale:
            raise IIIFError(_("Kích thước lớn hơn 100 phần trăm cần ^ phía trước (^pct:n)."))
        out_w, out_h = round(rw * n / 100), round(rh * n / 100)
        if out_w < 1 or out_h < 1:
            raise IIIFError(_("Kích thước quá nhỏ: ảnh trả về sẽ rộng hoặc cao 0 điểm ảnh."))
    else:
        out_w, out_h = parsed.size[1:]
    if (out_w > rw or out_h > rh) and not upscale:
        raise IIIFError(_("Kích thước lớn hơn vùng ảnh: muốn phóng to, thêm ^ phía trước kích thước."))
    if not limits.allows(out_w, out_h):
        raise IIIFError(
            _(
                "Kích thước %(w)d × %(h)d vượt giới hạn của máy chủ cho ảnh này (rộng tối đa %(mw)d, "
                "cao tối đa %(mh)d, tối đa %(ma)d điểm ảnh)."
            )
            % {
                "w": out_w,
                "h": out_h,
                "mw": limits.max_width,
                "mh": limits.max_height,
                "ma": limits.max_area,
            },
            limit=True,
        )
    return out_w, out_h, (out_w, out_h) == (max_w, max_h)
