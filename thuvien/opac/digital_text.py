"""The plain-text view of one page of a digitised document: its OCR'd (or corrected) text, readable without images.

For screen readers, slow phones and copying a quotation. Whoever may read the page online may read its
text; what he may not see answers 404, as if it did not exist.
"""

from __future__ import annotations

import re

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import require_GET

from thuvien.digital import policies, queries, usage
from thuvien.digital.models import AccessLevel

PUBLIC_MAX_AGE = 300
_BLANK_LINES = re.compile(r"\n\s*\n")


PROSE_LINE = 40  # characters: lines of verse (lục bát: 6 and 8 syllables) are shorter, printed prose longer


def _is_prose(lines: list[str]) -> bool:
    """Do LINES look like a paragraph of prose the page's width broke, rather than verse or a list?"""
    body = lines[:-1]  # a paragraph's last line may be short
    if not body:
        return False
    longest = max(len(line) for line in lines)
    return sum(len(line) for line in body) / len(body) >= PROSE_LINE and all(
        len(line) >= 0.6 * longest for line in body
    )


def paragraphs(text: str) -> list[list[str]]:
    """Split a page text into paragraphs (blank lines apart), each a list of the lines to show.

    Prose is reflowed into one line (the printed page's line breaks mean nothing on a phone or to a
    screen reader); verse and lists keep theirs.
    """
    out = []
    for block in _BLANK_LINES.split(text or ""):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        if lines:
            out.append([" ".join(lines)] if _is_prose(lines) else lines)
    return out


def _public(obj, page) -> bool:
    """Would anyone get this page: open object, no stricter override on it?"""
    level = policies.public_level(obj.access, obj.stage, obj.embargo_until, timezone.localdate())
    return level == AccessLevel.OPEN and not page.access_override


def _headers(response: HttpResponse, public: bool) -> HttpResponse:
    if public:
        patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    else:
        patch_cache_control(response, private=True, no_store=True)
    patch_vary_headers(response, ["Cookie"])
    return response


@require_GET
def page_view(request, object_id: int, seq: int):
    viewer = queries.viewer_for(request)
    page = queries.visible_page(viewer, object_id, seq)
    if page is None:
        raise Http404
    obj = page.object
    public = _public(obj, page)
    if request.GET.get("format") == "txt":
        body = page.text + ("\n" if page.text else "")
        response = HttpResponse(body, content_type="text/plain; charset=utf-8")
        response["Content-Language"] = "vi"
        return _headers(response, public)
    visible = queries.visible_pages(viewer, obj).only("pk", "seq", "label")
    prev = visible.filter(seq__lt=page.seq).order_by("-seq").first()
    nxt = visible.filter(seq__gt=page.seq).order_by("seq").first()
    context = {
        "obj": obj,
        "page": page,
        "paragraphs": paragraphs(page.text),
        "prev": prev,
        "next": nxt,
        "public": public,
    }
    response = _headers(render(request, "opac/digital/page_text.html", context), public)
    return usage.count_page_view(request, response, obj)
