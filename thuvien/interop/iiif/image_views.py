"""IIIF Image API 3.0 level 2: info.json and images of pages, rendered with pyvips from the pyramidal masters.

Every request resolves the page through ``queries.visible_page`` first — before the tile cache is asked — so
an object that is secret, unpublished, embargoed or unknown answers the same 404, cached or not. A page the
viewer may only read online (restricted material) is capped at ``DIGITAL_RESTRICTED_MAX_AREA`` pixels.
Responses anyone may read are public (CORS, shared caches); all others are private and never stored.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from dataclasses import dataclass

import pyvips
from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date
from django.utils.translation import gettext as _

from thuvien.digital import queries, storage
from thuvien.digital.models import Page
from thuvien.digital.policies import ANONYMOUS
from thuvien.interop.iiif import cache
from thuvien.interop.iiif import image as iiif

log = logging.getLogger(__name__)

METHODS = ("GET", "HEAD", "OPTIONS")
JSON_LD = f'application/ld+json;profile="{iiif.CONTEXT}"'
JPEG_QUALITY = 85


def max_age() -> int:
    """How long browsers and shared caches may keep an open page's responses (seconds)."""
    return int(settings.DIGITAL_IIIF_MAX_AGE)


def open_limits() -> iiif.Limits:
    area = int(settings.DIGITAL_IIIF_MAX_AREA)
    return iiif.Limits(iiif.MAX_SIDE, iiif.MAX_SIDE, min(area, iiif.MAX_SIDE * iiif.MAX_SIDE))


@dataclass(frozen=True)
class Access:
    """A page the viewer may see, and what else the viewer may do with it."""

    page: Page
    downloadable: bool  # may have it at any size (open material, or staff managing it)
    public: bool  # anyone may: public caching and CORS

    @property
    def limits(self) -> iiif.Limits:
        limits = open_limits()
        if self.downloadable:
            return limits
        area = min(limits.max_area, int(settings.DIGITAL_RESTRICTED_MAX_AREA))
        return iiif.Limits(limits.max_width, limits.max_height, area)


def resolve(request, object_id, seq) -> Access:
    """Return the Access of the requester to page SEQ of object OBJECT_ID; raise Http404 when it is not visible."""
    viewer = queries.viewer_for(request)
    page = queries.visible_page(viewer, object_id, seq, light=True)
    if page is None:
        raise Http404
    downloadable = queries.may_download(viewer, page.object, page)
    public = downloadable and queries.may_download(ANONYMOUS, page.object, page)
    return Access(page=page, downloadable=downloadable, public=public)


def _finish(response: HttpResponse, access: Access) -> HttpResponse:
    if access.public:
        response["Access-Control-Allow-Origin"] = "*"
        response["Cache-Control"] = f"public, max-age={max_age()}"
    else:
        # Restricted or secret: neither another site's scripts nor a shared cache may read it.
        response["Cache-Control"] = "private, no-store"
        patch_vary_headers(response, ("Cookie",))
    return response


def _preflight(access: Access) -> HttpResponse:
    response = HttpResponse(status=204)
    response["Allow"] = ", ".join(METHODS)
    if access.public:
        response["Access-Control-Allow-Methods"] = ", ".join(METHODS)
        response["Access-Control-Allow-Headers"] = "Accept, If-None-Match, If-Modified-Since"
        response["Access-Control-Max-Age"] = "86400"
    return _finish(response, access)


def _error(exc: iiif.IIIFError, access: Access) -> HttpResponse:
    status, reason = exc.status, exc.reason
    if exc.limit and not access.downloadable and open_limits() != access.limits:
        status = 403  # a size the viewer could have with the right to download
        reason = (
            _(
                "Tài liệu này chỉ được đọc trực tuyến: mỗi ảnh tối đa %(area)d điểm ảnh. "
                "Muốn có bản sao, hãy gửi yêu cầu sao chụp."
            )
            % {"area": access.limits.max_area}
            + "\n"
            + reason
        )
    response = HttpResponse(reason, status=status, content_type="text/plain; charset=utf-8")
    return _finish(response, access)


def service(request, object_id, seq):
    """Answer the image service's own URL with a 303 to its info.json (baseUriRedirect)."""
    if request.method not in METHODS:
        return HttpResponseNotAllowed(METHODS)
    access = resolve(request, object_id, seq)
    response = HttpResponseRedirect(iiif.image_service_id(request, object_id, seq) + "/info.json")
    response.status_code = 303
    return _finish(response, access)


def info(request, object_id, seq):
    """Answer the image information (info.json) of a page, as JSON or JSON-LD as the client asks."""
    if request.method not in METHODS:
        return HttpResponseNotAllowed(METHODS)
    access = resolve(request, object_id, seq)
    if request.method == "OPTIONS":
        return _preflight(access)
    doc = info_document(request, access)
    body = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
    as_ld = "application/ld+json" in request.headers.get("Accept", "")
    content_type = JSON_LD if as_ld else "application/json"
    etag = '"' + hashlib.sha256(body + content_type.encode()).hexdigest()[:32] + '"'
    response = get_conditional_response(request, etag=etag)
    if response is None:
        response = HttpResponse(b"" if request.method == "HEAD" else body, content_type=content_type)
        response["Content-Length"] = str(len(body))
    if not as_ld:
        # JSON-LD 1.1 §6.1: plain JSON points at its context with a Link header.
        response["Link"] = (
            f'<{iiif.CONTEXT}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"'
        )
    response["ETag"] = etag
    patch_vary_headers(response, ("Accept",))
    return _finish(response, access)


def info_document(request, access: Access) -> dict:
    """Return the info.json of ACCESS's page for ACCESS's viewer (their limits, their features)."""
    page = access.page
    limits = access.limits
    levels = iiif.pyramid_levels(page.width, page.height)
    sizes = [{"width": w, "height": h} for w, h in reversed(levels) if limits.allows(w, h)]
    features = sorted(iiif.EXTRA_FEATURES + (["cors"] if access.public else []))
    return {
        "@context": iiif.CONTEXT,
        "id": iiif.image_service_id(request, page.object.pk, page.seq),
        "type": "ImageService3",
        "protocol": iiif.PROTOCOL,
        "profile": iiif.PROFILE,
        "width": page.width,
        "height": page.height,
        "maxWidth": limits.max_width,
        "maxHeight": limits.max_height,
        "maxArea": limits.max_area,
        "sizes": sizes,
        "tiles": [
            {"width": iiif.TILE, "height": iiif.TILE, "scaleFactors": [2**k for k in range(len(levels))]}
        ],
        "rights": page.object.rights,
        "preferredFormats": ["jpg"],
        "extraFormats": iiif.EXTRA_FORMATS,
        "extraQualities": iiif.EXTRA_QUALITIES,
        "extraFeatures": features,
    }


def image(request, object_id, seq, region, size, rotation, filename):
    """Answer an image request {region}/{size}/{rotation}/{quality}.{format} of a page."""
    if request.method not in METHODS:
        return HttpResponseNotAllowed(METHODS)
    # Access first, on every request: what the cache holds is never an answer to "may I?".
    access = resolve(request, object_id, seq)
    if request.method == "OPTIONS":
        return _preflight(access)
    page = access.page
    try:
        quality, fmt = iiif.split_filename(filename)
        plan = iiif.plan(
            iiif.parse(region, size, rotation, quality, fmt), page.width, page.height, access.limits
        )
    except iiif.IIIFError as exc:
        return _error(exc, access)

    object_id, seq = page.object.pk, page.seq
    master = storage.master_path(object_id, seq)
    try:
        stat = master.stat()
    except FileNotFoundError:
        log.error("IIIF: the master of page %s of object %s is missing: %s", seq, object_id, master)
        raise Http404 from None
    version = stat.st_mtime_ns
    etag = f'"{version:x}-{hashlib.sha256(plan.key.encode()).hexdigest()[:24]}"'
    response = get_conditional_response(request, etag=etag, last_modified=int(stat.st_mtime))
    if response is None:
        data = cache.get(object_id, seq, version, plan.key)
        if data is None:
            data = render(master, page.width, page.height, plan)
            cache.put(object_id, seq, version, plan.key, data)
        response = HttpResponse(b"" if request.method == "HEAD" else data, content_type=plan.media_type)
        response["Content-Length"] = str(len(data))
    response["ETag"] = etag
    response["Last-Modified"] = http_date(int(stat.st_mtime))
    base = iiif.image_service_id(request, object_id, seq)
    response["Link"] = f'<{base}/{plan.canonical}>;rel="canonical", <{iiif.PROFILE_URI}>;rel="profile"'
    return _finish(response, access)


# --- rendering ----------------------------------------------------------------------------------------------


def render(master, width: int, height: int, plan: iiif.Plan) -> bytes:
    """Render PLAN from the pyramidal MASTER of a WIDTH × HEIGHT page; return the encoded image."""
    img = _extract(master, width, height, plan)
    img = _normalise(img)
    if plan.mirror:
        img = img.flip("horizontal")
    img = _rotate(img, plan)
    img = _quality(img, plan.quality)
    return _encode(img, plan)


def _level_for(plan: iiif.Plan, levels: list[tuple[int, int]]) -> int:
    """Pick the smallest pyramid level that still holds every output pixel (one pixel of slack at edges)."""
    x, y, w, h = plan.region
    out_w, out_h = plan.size
    for k in range(len(levels) - 1, 0, -1):
        f = 2**k
        if w / f >= out_w - 1 and h / f >= out_h - 1:
            return k
    return 0


def _extract(master, width: int, height: int, plan: iiif.Plan) -> pyvips.Image:
    levels = iiif.pyramid_levels(width, height)
    k = _level_for(plan, levels)
    # revalidate: libvips caches opened files by name, and a master may have been replaced under its name.
    try:
        img = pyvips.Image.new_from_file(str(master), page=k, revalidate=True)
    except pyvips.Error:
        if k == 0:
            raise
        img = None  # fewer levels than expected
    if img is None or (img.width, img.height) != levels[k]:
        # Not the pyramid storage.write_master writes: read the full-size image and scale from there.
        log.warning(
            "IIIF: %s is not the pyramid storage.write_master writes (no level %s)", master, levels[k]
        )
        k = 0
        img = pyvips.Image.new_from_file(str(master), revalidate=True)
        if (img.width, img.height) != (width, height):
            img = img.resize(width / img.width, vscale=height / img.height)
    # Level k's pixel i covers full-size pixels [i·2^k, (i+1)·2^k): map the region exactly, round outwards.
    f = 2**k
    x, y, w, h = plan.region
    left, top = min(x // f, img.width - 1), min(y // f, img.height - 1)
    right = min(img.width, max(left + 1, math.ceil((x + w) / f)))
    bottom = min(img.height, max(top + 1, math.ceil((y + h) / f)))
    img = img.crop(left, top, right - left, bottom - top)
    out_w, out_h = plan.size
    if (img.width, img.height) != (out_w, out_h):
        img = img.resize(out_w / img.width, vscale=out_h / img.height)
        if (img.width, img.height) != (out_w, out_h):
            # resize rounds its output size; settle the last pixel by cropping or repeating the edge.
            img = img.crop(0, 0, min(img.width, out_w), min(img.height, out_h))
            img = img.embed(0, 0, out_w, out_h, extend="copy")
    return img


def _normalise(img: pyvips.Image) -> pyvips.Image:
    """Bring IMG to 8-bit grey or sRGB (with or without alpha): what every output format takes."""
    if img.interpretation == "cmyk":
        img = img.colourspace("srgb")
    if img.format != "uchar":
        img = img.colourspace("srgb" if img.bands >= 3 else "b-w")
        if img.format != "uchar":
            img = img.cast("uchar")
    if img.bands <= 2 and img.interpretation != "b-w":
        img = img.copy(interpretation="b-w")
    elif img.bands >= 3 and img.interpretation != "srgb":
        img = img.copy(interpretation="srgb")
    return img


def _rotate(img: pyvips.Image, plan: iiif.Plan) -> pyvips.Image:
    degrees = plan.rotation
    if degrees == 0:
        return img
    if degrees == 90:
        return img.rot90()
    if degrees == 180:
        return img.rot180()
    if degrees == 270:
        return img.rot270()
    # Any other angle: the corners are transparent where the format allows it, black in JPEG.
    if plan.format != "jpg" and not img.hasalpha():
        img = img.bandjoin_const([255])
    return img.rotate(degrees)


def _quality(img: pyvips.Image, quality: str) -> pyvips.Image:
    if quality == "default":
        return img
    alpha = None
    if img.hasalpha():
        img, alpha = img[:-1], img[-1]
    if quality == "color":
        if img.bands < 3:
            img = img.colourspace("srgb")
    else:
        if img.bands >= 3:
            img = img.colourspace("b-w")
        if quality == "bitonal":
            img = (img >= 128).copy(interpretation="b-w")
    return img if alpha is None else img.bandjoin(alpha)


def _encode(img: pyvips.Image, plan: iiif.Plan) -> bytes:
    # Colour profiles stay with colour output; grey and bitonal output is plain.
    keep = "icc" if plan.quality in ("default", "color") else "none"
    one_bit = plan.quality == "bitonal" and not img.hasalpha()
    fmt = plan.format
    if fmt == "jpg":
        if img.hasalpha():
            img = img.flatten(background=255)
        return img.jpegsave_buffer(Q=JPEG_QUALITY, keep=keep)
    if fmt == "png":
        return img.pngsave_buffer(compression=4, keep=keep, **({"bitdepth": 1} if one_bit else {}))
    if fmt == "webp":
        return img.webpsave_buffer(Q=80, effort=2, keep=keep)
    if fmt == "gif":
        return img.gifsave_buffer(keep="none", **({"bitdepth": 1} if one_bit else {}))
    return img.tiffsave_buffer(compression="deflate", keep=keep)
