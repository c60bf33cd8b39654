"""IIIF Content Search 1.0 (Mirador 3) and 2.0 inside one digital object, with hit boxes from the OCR words.

A query's words are matched against the page words in reading order: a word typed without diacritics
matches with or without them (``fold``), one typed with diacritics matches those diacritics only;
case and punctuation never count. Words of the query found next to each other make one hit (a phrase,
boxed line by line); on a page where they are all found but apart, each occurrence is a hit of its own.
Only the pages the requester may see are searched; an object he may not see answers 404.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import require_GET

from thuvien.digital import policies, queries
from thuvien.digital.models import AccessLevel
from thuvien.interop.iiif import ids
from thuvien.lib.vn_text import exact_key, fold, has_diacritics, nfc, tokens

HITS_PER_PAGE = 100
CONTEXT_WORDS = 6  # words of text before and after a hit, for the snippet
MAX_QUERY_WORDS = 10
MAX_QUERY_CHARS = 200
PUBLIC_MAX_AGE = 60  # a librarian's correction shows within a minute
# Parameters of the specifications this service does not implement: named in the response's "ignored".
IGNORABLE = ("motivation", "date", "user", "box")
CONTEXT_1 = ["http://iiif.io/api/presentation/2/context.json", "http://iiif.io/api/search/1/context.json"]
CONTEXT_2 = "http://iiif.io/api/search/2/context.json"
MEDIA_FRAGMENTS = "http://www.w3.org/TR/media-frags/"


@dataclass(frozen=True)
class Term:
    key: str
    exact: bool  # typed with diacritics: compare exact_key, else fold


@dataclass
class Hit:
    seq: int
    start: int  # index of the first matched word on the page
    end: int  # one past the last
    boxes: list[tuple[int, int, int, int]]  # x, y, w, h: one per line the hit runs over
    texts: list[str]  # the words inside each box
    match: str
    before: str
    after: str


def parse_query(q: str) -> list[Term]:
    """Split a query into its terms (at most MAX_QUERY_WORDS words)."""
    out = []
    for token in tokens(nfc(q or "")[:MAX_QUERY_CHARS])[:MAX_QUERY_WORDS]:
        exact = has_diacritics(token)
        out.append(Term(exact_key(token) if exact else fold(token), exact))
    return out


def _same_line(a, b) -> bool:
    top, bottom = max(a[1], b[1]), min(a[1] + a[3], b[1] + b[3])
    return bottom - top > 0.5 * min(a[3], b[3])


def _boxes(words: list, start: int, end: int) -> tuple[list, list]:
    """The boxes of words START..END, merged per line, and the words inside each."""
    boxes: list[list[int]] = []
    texts: list[list[str]] = []
    for entry in words[start:end]:
        word, x, y, w, h = entry[:5]
        if w <= 0 or h <= 0:
            continue
        box = [x, y, w, h]
        if boxes and _same_line(boxes[-1], box):
            last = boxes[-1]
            x0, y0 = min(last[0], x), min(last[1], y)
            x1, y1 = max(last[0] + last[2], x + w), max(last[1] + last[3], y + h)
            boxes[-1] = [x0, y0, x1 - x0, y1 - y0]
            texts[-1].append(word)
        else:
            boxes.append(box)
            texts.append([word])
    return [tuple(b) for b in boxes], [" ".join(t) for t in texts]


def _hit(seq: int, words: list, start: int, end: int) -> Hit | None:
    boxes, texts = _boxes(words, start, end)
    if not boxes:
        return None  # words a librarian added where nothing was read: found, but nowhere to point
    before = " ".join(w[0] for w in words[max(0, start - CONTEXT_WORDS) : start])
    after = " ".join(w[0] for w in words[end : end + CONTEXT_WORDS])
    return Hit(
        seq=seq, start=start, end=end, boxes=boxes, texts=texts,
        match=" ".join(w[0] for w in words[start:end]),
        before=before + " " if before else "", after=" " + after if after else "",
    )  # fmt: skip


def page_hits(seq: int, words: list, terms: list[Term]) -> list[Hit]:
    """Find TERMS among WORDS ([[word, x, y, w, h], ...]) of page SEQ."""
    if not terms or not words:
        return []
    # One entry per token: a word such as "Bắc-Nam" or "968," holds one or two.
    flat: list[tuple[int, str, str]] = []
    for i, entry in enumerate(words):
        for token in tokens(entry[0]):
            flat.append((i, fold(token), exact_key(token) if any(t.exact for t in terms) else ""))

    def matches(pos: int, term: Term) -> bool:
        _i, folded, exact = flat[pos]
        return exact == term.key if term.exact else folded == term.key

    n = len(terms)
    spans: list[tuple[int, int]] = []
    for p in range(len(flat) - n + 1):
        if all(matches(p + k, terms[k]) for k in range(n)):
            spans.append((flat[p][0], flat[p + n - 1][0] + 1))
    if not spans and n > 1:
        found = [[p for p in range(len(flat)) if matches(p, t)] for t in terms]
        if all(found):
            positions = sorted({p for ps in found for p in ps})
            spans = [(flat[p][0], flat[p][0] + 1) for p in positions]
    hits = []
    for start, end in dict.fromkeys(spans):
        hit = _hit(seq, words, start, end)
        if hit is not None:
            hits.append(hit)
    return hits


def find_hits(viewer, obj, q: str) -> list[Hit]:
    """Return the hits of query Q in the pages of OBJ that VIEWER may see, in page and reading order."""
    terms = parse_query(q)
    if not terms:
        return []
    pages = queries.visible_pages(viewer, obj)
    # The folded page text narrows the pages down in the database (a superset: substrings match too).
    for term in terms:
        pages = pages.filter(text_folded__contains=fold(term.key))
    hits: list[Hit] = []
    for seq, words in pages.order_by("seq").values_list("seq", "words"):
        hits.extend(page_hits(seq, words or [], terms))
    return hits


# --- responses ---------------------------------------------------------------------------------------


@dataclass
class Paging:
    service: str
    q: str
    page: int
    pages: int
    total: int

    def url(self, page: int | None = None) -> str:
        params = {"q": self.q}
        if page is not None:
            params["page"] = page
        return f"{self.service}?{urlencode(params)}"

    @property
    def start(self) -> int:
        return (self.page - 1) * HITS_PER_PAGE


def _paging(request, service: str, total: int) -> Paging:
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    pages = max(1, math.ceil(total / HITS_PER_PAGE))
    return Paging(service=service, q=request.GET.get("q", ""), page=page, pages=pages, total=total)


def _ignored(request) -> list[str]:
    return [name for name in IGNORABLE if name in request.GET]


def _anno_id(service: str, hit: Hit, k: int) -> str:
    return f"{service}/annotation/{hit.seq}-{hit.start}-{hit.end}-{k}"


def _xywh(box) -> str:
    return "xywh={},{},{},{}".format(*box)


def response_1(request, obj, hits: list[Hit]) -> dict:
    """Build the Search 1.0 AnnotationList of HITS (one page of them, with links to the others)."""
    base = ids.base_url(request)
    service = ids.search_service_id(base, obj.pk, 1)
    paging = _paging(request, service, len(hits))
    doc: dict = {
        "@context": CONTEXT_1,
        "@id": paging.url(paging.page if "page" in request.GET else None),
        "@type": "sc:AnnotationList",
        "within": {
            "@type": "sc:Layer",
            "total": paging.total,
            "first": paging.url(1),
            "last": paging.url(paging.pages),
        },  # fmt: skip
        "startIndex": paging.start,
    }
    if paging.page < paging.pages:
        doc["next"] = paging.url(paging.page + 1)
    if paging.page > 1:
        doc["prev"] = paging.url(min(paging.page - 1, paging.pages))
    if ignored := _ignored(request):
        doc["ignored"] = ignored
    resources, hit_list = [], []
    for hit in hits[paging.start : paging.start + HITS_PER_PAGE]:
        canvas = ids.canvas_id(base, obj.pk, hit.seq)
        names = []
        for k, (box, text) in enumerate(zip(hit.boxes, hit.texts, strict=True)):
            names.append(_anno_id(service, hit, k))
            resources.append({
                "@id": names[-1], "@type": "oa:Annotation", "motivation": "sc:painting",
                "resource": {"@type": "cnt:ContentAsText", "chars": text},
                "on": f"{canvas}#{_xywh(box)}",
            })  # fmt: skip
        hit_list.append({"@type": "search:Hit", "annotations": names, "match": hit.match,
                         "before": hit.before, "after": hit.after})  # fmt: skip
    doc["resources"] = resources
    doc["hits"] = hit_list
    return doc


def response_2(request, obj, hits: list[Hit]) -> dict:
    """Build the Search 2.0 AnnotationPage of HITS: highlighting annotations, and their text in context."""
    base = ids.base_url(request)
    service = ids.search_service_id(base, obj.pk, 2)
    manifest = ids.manifest_id(base, obj.pk)
    paging = _paging(request, service, len(hits))
    doc: dict = {
        "@context": CONTEXT_2,
        "id": paging.url(paging.page),
        "type": "AnnotationPage",
        "partOf": {
            "id": paging.url(),
            "type": "AnnotationCollection",
            "total": paging.total,
            "first": {"id": paging.url(1), "type": "AnnotationPage"},
            "last": {"id": paging.url(paging.pages), "type": "AnnotationPage"},
        },
        "startIndex": paging.start,
    }
    if paging.page < paging.pages:
        doc["next"] = {"id": paging.url(paging.page + 1), "type": "AnnotationPage"}
    if paging.page > 1:
        doc["prev"] = {"id": paging.url(min(paging.page - 1, paging.pages)), "type": "AnnotationPage"}
    if ignored := _ignored(request):
        doc["ignored"] = ignored
    items, contexts = [], []
    for hit in hits[paging.start : paging.start + HITS_PER_PAGE]:
        canvas = {"id": ids.canvas_id(base, obj.pk, hit.seq), "type": "Canvas",
                  "partOf": [{"id": manifest, "type": "Manifest"}]}  # fmt: skip
        names = []
        for k, (box, text) in enumerate(zip(hit.boxes, hit.texts, strict=True)):
            names.append(_anno_id(service, hit, k))
            items.append({
                "id": names[-1], "type": "Annotation", "motivation": "highlighting",
                "body": {"type": "TextualBody", "value": text, "format": "text/plain", "language": "vi"},
                "target": {"type": "SpecificResource", "source": canvas,
                           "selector": [{"type": "FragmentSelector", "conformsTo": MEDIA_FRAGMENTS,
                                         "value": _xywh(box)}]},
            })  # fmt: skip
        # A hit over several lines quotes its whole text against all of its line annotations.
        quote = {"type": "TextQuoteSelector", "exact": hit.match}
        if hit.before:
            quote["prefix"] = hit.before
        if hit.after:
            quote["suffix"] = hit.after
        targets = [{"type": "SpecificResource", "source": name, "selector": [quote]} for name in names]
        contexts.append({
            "id": f"{service}/match/{hit.seq}-{hit.start}-{hit.end}", "type": "Annotation",
            "motivation": "contextualizing", "target": targets[0] if len(targets) == 1 else targets,
        })  # fmt: skip
    doc["items"] = items
    doc["annotations"] = [{"type": "AnnotationPage", "items": contexts}]
    return doc


def _shared_by_all(obj) -> bool:
    """Would anyone get this answer: an open object none of whose pages is stricter by an override?"""
    level = policies.public_level(obj.access, obj.stage, obj.embargo_until, timezone.localdate())
    return level == AccessLevel.OPEN and not obj.pages.exclude(access_override="").exists()


def _respond(request, doc: dict, obj, version: int) -> HttpResponse:
    profile = f"http://iiif.io/api/search/{version}/context.json"
    if "application/ld+json" in request.headers.get("Accept", ""):
        content_type = f'application/ld+json;profile="{profile}"'
    else:
        content_type = "application/json"
    response = HttpResponse(json.dumps(doc, ensure_ascii=False).encode(), content_type=content_type)
    if _shared_by_all(obj):
        patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
        response["Access-Control-Allow-Origin"] = "*"
    else:
        # Another requester may see fewer pages: neither shared caches nor other sites get this answer.
        patch_cache_control(response, private=True, no_store=True)
    patch_vary_headers(response, ["Cookie", "Accept"])
    return response


def _search(request, object_id: int, version: int) -> HttpResponse:
    viewer = queries.viewer_for(request)
    obj = queries.visible_object(viewer, object_id)
    if obj is None:
        raise Http404
    hits = find_hits(viewer, obj, request.GET.get("q", ""))
    doc = response_1(request, obj, hits) if version == 1 else response_2(request, obj, hits)
    return _respond(request, doc, obj, version)


@require_GET
def search_1(request, object_id: int) -> HttpResponse:
    return _search(request, object_id, 1)


@require_GET
def search_2(request, object_id: int) -> HttpResponse:
    return _search(request, object_id, 2)
