"""IIIF Presentation 3.0 endpoints: a manifest per digital object, the top collection and one per collection.

What a requester may not see answers 404, whether it exists or not. A document anyone may fetch is
cacheable by anyone and open to other sites (CORS); one that depends on who asks is private.
"""

from __future__ import annotations

import json

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import require_GET

from thuvien.catalog.models import Collection
from thuvien.digital import policies, queries
from thuvien.digital.models import AccessLevel
from thuvien.interop.iiif import ids, presentation

CONTENT_TYPE = 'application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"'
PUBLIC_MAX_AGE = 300


def shared_by_all(obj, pages) -> bool:
    """Is what this requester got of OBJ (PAGES) what anyone gets: an open object, no page with an override?"""
    level = policies.public_level(obj.access, obj.stage, obj.embargo_until, timezone.localdate())
    return level == AccessLevel.OPEN and not any(p.access_override for p in pages)


def respond(body: bytes, content_type: str, *, public: bool) -> HttpResponse:
    """Return BODY with the caching and CORS headers of a public or a per-requester document."""
    response = HttpResponse(body, content_type=content_type)
    if public:
        patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
        response["Access-Control-Allow-Origin"] = "*"
    else:
        patch_cache_control(response, private=True, no_store=True)
    patch_vary_headers(response, ["Cookie"])
    return response


def _json(doc: dict, *, public: bool) -> HttpResponse:
    return respond(json.dumps(doc, ensure_ascii=False).encode(), CONTENT_TYPE, public=public)


@require_GET
def manifest_view(request, object_id: int):
    viewer = queries.viewer_for(request)
    obj = queries.visible_object(viewer, object_id)
    if obj is None:
        raise Http404
    pages = list(queries.visible_pages(viewer, obj))
    if not pages:
        # A manifest needs a canvas; an object none of whose pages this requester may see is not there for him.
        raise Http404
    doc = presentation.manifest(
        obj, pages, base=ids.base_url(request), downloadable=queries.may_download(viewer, obj)
    )
    return _json(doc, public=shared_by_all(obj, pages))


@require_GET
def top_view(request):
    viewer = queries.viewer_for(request)
    doc = presentation.top_collection(presentation.listed_collections(viewer), base=ids.base_url(request))
    return _json(doc, public=viewer.is_anonymous)


@require_GET
def collection_view(request, code: str):
    viewer = queries.viewer_for(request)
    coll = get_object_or_404(Collection, code=code)
    objects = list(queries.visible_objects(viewer).filter(collections=coll).order_by("title", "pk"))
    presentation.add_thumbnails(viewer, objects)
    doc = presentation.collection(coll, objects, base=ids.base_url(request))
    return _json(doc, public=viewer.is_anonymous)
