"""The public digital library: browse collections, read an object in Mirador, its exports and downloads.

Every read asks ``digital.queries`` as the requester; what he may not see answers 404, as if it did not exist.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import F
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_GET

from thuvien.catalog.models import Collection
from thuvien.digital import export, policies, queries, usage
from thuvien.digital.models import AccessLevel
from thuvien.digital.policies import Viewer
from thuvien.interop.iiif import ids, image, presentation
from thuvien.interop.iiif.presentation_views import respond, shared_by_all
from thuvien.lib.vn_text import fold, tokens
from thuvien.opac.reader_auth import sign_in_url

PER_PAGE = 24
THUMBNAIL = presentation.THUMBNAIL_SIZE
# Someone signed in to the OPAC: whom a restricted object is readable by (the record page's sign-in prompt).
A_READER = Viewer(reader_id=0)
XML = "application/xml; charset=utf-8"


def thumbnail_src(object_id: int, seq: int | None) -> str:
    """Return the site-relative address of a thumbnail of page SEQ ("" when there is no page to show)."""
    return image.thumbnail_url("", object_id, seq, THUMBNAIL) if seq else ""


def _with_thumbnails(viewer: Viewer, objects) -> list:
    objects = presentation.add_thumbnails(viewer, list(objects))
    for obj in objects:
        obj.thumbnail_src = thumbnail_src(obj.pk, obj.thumbnail_seq)
    return objects


@require_GET
def index_view(request):
    viewer = queries.viewer_for(request)
    objects = queries.visible_objects(viewer).order_by(F("published_at").desc(nulls_last=True), "-pk")
    collection = None
    code = request.GET.get("collection", "").strip()
    if code:
        collection = get_object_or_404(Collection, code=code)
        objects = objects.filter(collections=collection)
    query = " ".join(request.GET.get("q", "").split())[:200]
    words = [fold(w) for w in tokens(query)]
    for word in words[:10]:
        # Each word at the start of a word of the title (title_folded has a space before every word).
        objects = objects.filter(title_folded__contains=" " + word)
    pks = objects.values_list("pk", flat=True)
    page = Paginator(pks, PER_PAGE).get_page(request.GET.get("page"))
    found = {o.pk: o for o in queries.visible_objects(viewer).filter(pk__in=list(page.object_list))}
    shown = _with_thumbnails(viewer, [found[pk] for pk in page.object_list if pk in found])
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "opac/digital/index.html",
        {
            "collections": presentation.listed_collections(viewer),
            "collection": collection,
            "query": query,
            "objects": shown,
            "page": page,
            "total": page.paginator.count,
            "page_query": params.urlencode(),
            "top_collection": reverse("iiif_presentation:top"),
        },
    )


def _public_record(obj):
    record = obj.record if obj.record_id else None
    if record is None or record.suppressed or record.deleted_at is not None:
        return None
    return record


@require_GET
def object_view(request, object_id: int):
    viewer = queries.viewer_for(request)
    obj = queries.visible_object(viewer, object_id)
    if obj is None:
        raise Http404
    pages = list(queries.visible_pages(viewer, obj))
    level = policies.public_level(obj.access, obj.stage, obj.embargo_until, timezone.localdate())
    downloadable = bool(pages) and queries.may_download(viewer, obj)
    for page in pages:
        page.text_url = export.text_url("", obj.pk, page.seq)
        page.download_url = (
            export.image_url("", obj.pk, page.seq) if queries.may_download(viewer, obj, page) else ""
        )
    base = ids.base_url(request)
    # ?trang=N (a search hit's page): the viewer opens there, if N is a page this visitor may see.
    start = request.GET.get("trang", "")
    shown = {p.seq for p in pages}
    canvas = ids.canvas_id(base, obj.pk, int(start)) if start.isdigit() and int(start) in shown else ""
    language = "vi" if (get_language() or "vi").startswith("vi") else "en"
    dc = export.describe(obj)
    response = render(
        request,
        "opac/digital/object.html",
        {
            "obj": obj,
            "pages": pages,
            "dc": dc,
            "names": export.names(obj),
            "collections": obj.collections.all(),
            "record": _public_record(obj),
            "level": level,
            # Read online only: said to whoever may not download (staff of the library may).
            "restricted": level == AccessLevel.RESTRICTED and not downloadable,
            "staff_only": not level,
            "access_label": gettext(presentation.ACCESS_NOTICES[obj.access]),
            "downloadable": downloadable,
            "may_request_copy": bool(level),
            "copy_url": f"/so-hoa/sao-chup/yeu-cau/{obj.pk}/",
            "manifest": ids.manifest_id(base, obj.pk),
            "rights_label": export.rights_label(obj),
            "mirador": {
                "id": "mirador",
                "manifest": ids.manifest_id(base, obj.pk),
                "canvas": canvas,
                "query": " ".join(request.GET.get("q", "").split())[:100],
                "language": language,
                "paged": export.is_book(obj) and len(pages) > 2,
            },
        },
    )
    if not shared_by_all(obj, pages):
        response["Cache-Control"] = "private, no-store"
    return usage.count_view(request, response, obj)


@require_GET
def pdf_view(request, object_id: int):
    viewer = queries.viewer_for(request)
    obj = queries.visible_object(viewer, object_id)
    if obj is None:
        raise Http404
    pages = [p for p in queries.visible_pages(viewer, obj) if queries.may_download(viewer, obj, p)]
    if not queries.may_download(viewer, obj) or not pages:
        body = render_to_string("opac/digital/refused.html", {"obj": obj}, request=request)
        return HttpResponse(body, status=403)
    response = FileResponse(
        export.pdf_path(obj, pages).open("rb"), content_type="application/pdf", as_attachment=True,
        filename=f"thuvien-so-hoa-{obj.pk}.pdf",
    )  # fmt: skip
    public = shared_by_all(obj, pages) and viewer.is_anonymous
    response["Cache-Control"] = "public, max-age=3600" if public else "private, no-store"
    return usage.count_download(request, response, obj)


def _object_and_pages(request, object_id: int):
    viewer = queries.viewer_for(request)
    obj = queries.visible_object(viewer, object_id)
    if obj is None:
        raise Http404
    return obj, list(queries.visible_pages(viewer, obj))


@require_GET
def mets_view(request, object_id: int):
    obj, pages = _object_and_pages(request, object_id)
    body = export.mets_xml(obj, pages, base=ids.base_url(request))
    return respond(body, XML, public=shared_by_all(obj, pages))


@require_GET
def dc_view(request, object_id: int):
    obj, pages = _object_and_pages(request, object_id)
    body = export.dc_xml(obj, base=ids.base_url(request))
    return respond(body, XML, public=shared_by_all(obj, pages))


@require_GET
def alto_view(request, object_id: int, seq: int):
    viewer = queries.viewer_for(request)
    page = queries.visible_page(viewer, object_id, seq)
    if page is None or not page.alto:
        raise Http404
    return respond(page.alto.encode(), XML, public=shared_by_all(page.object, [page]))


def record_digital(request, record) -> dict:
    """Return the record page's digital block: the objects of RECORD the requester may read, and whether
    signing in would open a restricted one (only a prompt, no thumbnail: DESIGN.md §7)."""
    viewer = queries.viewer_for(request)
    readable = _with_thumbnails(viewer, queries.public_objects_of_record(record.pk, viewer))
    sign_in = ""
    if not viewer.may_read_restricted:
        seen = [o.pk for o in readable]
        if queries.public_objects_of_record(record.pk, A_READER).exclude(pk__in=seen).exists():
            sign_in = sign_in_url(request.get_full_path())
    return {"objects": readable, "sign_in_url": sign_in}
