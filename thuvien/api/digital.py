"""Digital objects over the API: the objects the caller may read, their pages and IIIF addresses.

The caller is whoever the request says: a staff API token (his libraries' secret and unpublished objects
too), a reader token (restricted objects, read online), a signed-in session, a library network, or
nobody (the public). An object the caller may not read answers 404, exactly as one that does not exist.
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from ninja.security import HttpBearer

from thuvien.api.auth import TOKEN_PREFIX, reader_for_token, user_for_token
from thuvien.api.auth import errors as error_schemas
from thuvien.digital import queries
from thuvien.digital.models import DigitalObject
from thuvien.digital.policies import Viewer
from thuvien.interop.iiif import ids

MAX_LIMIT = 100


class Caller(HttpBearer):
    """Optional «Authorization: Bearer …»: a staff API token (thv_…) or a reader token; without it, the public.

    Resolves to the request's Viewer (digital.policies); a token that is sent but not valid is refused (401)
    rather than taken as the public, so a client never mistakes an expired token for missing material.
    """

    def __call__(self, request) -> Viewer:
        header = request.headers.get("Authorization") or ""
        if not header:
            return queries.viewer_for(request)
        scheme, _sep, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise HttpError(401, _("Tiêu đề Authorization không hợp lệ: gửi «Bearer <mã>»."))
        secret = secret.strip()
        address = request.META.get("REMOTE_ADDR", "")
        if secret.startswith(TOKEN_PREFIX):
            user = user_for_token(secret)
            if user is None:
                raise HttpError(401, _("Mã API không hợp lệ hoặc đã bị thu hồi."))
            return queries.viewer_for_user(user, None, address)
        reader = reader_for_token(secret)
        if reader is None:
            raise HttpError(401, _("Phiên đăng nhập đã hết hạn hoặc không hợp lệ; hãy đăng nhập lại."))
        # Only a reader whose card is in use reads restricted material (viewer_for_user checks it).
        return queries.viewer_for_user(None, reader, address)

    def authenticate(self, request, token):  # pragma: no cover - __call__ does it all
        return None


caller = Caller()
router = Router(auth=caller, tags=["Tài liệu số"])


class ObjectSummaryOut(Schema):
    id: int
    title: str
    library: str
    record: int | None  # the catalogue record (for a standalone object, its surrogate record)
    standalone: bool
    access: str  # open | restricted | secret
    stage: str
    rights: str  # a rightsstatements.org URI
    embargo_until: dt.date | None
    page_count: int
    collections: list[str]
    url: str  # the page of the object in the OPAC (the viewer)
    manifest: str  # IIIF Presentation 3.0
    thumbnail: str | None


class PageOut(Schema):
    seq: int
    label: str
    width: int
    height: int
    image_service: str  # IIIF Image API 3.0 service id; its info.json is this + "/info.json"
    text_url: str


class ObjectOut(ObjectSummaryOut):
    rights_label: str
    rights_note: str
    dc: dict
    toc: list
    downloadable: bool  # full-size images and PDF: open material only (restricted is read online)
    search_service: str  # IIIF Content Search 2.0
    pages: list[PageOut]


class ObjectListOut(Schema):
    total: int
    page: int
    limit: int
    objects: list[ObjectSummaryOut]


class ListParams(Schema):
    collection: str = ""  # a collection's code
    record: int | None = None
    page: int = 1
    limit: int = 20


def _summary(request, obj: DigitalObject, collections: list[str]) -> dict:
    base = ids.base_url(request)
    return {
        "id": obj.pk, "title": obj.title, "library": obj.library.code, "record": obj.record_id,
        "standalone": obj.owns_record, "access": obj.access, "stage": obj.stage, "rights": obj.rights,
        "embargo_until": obj.embargo_until, "page_count": obj.page_count, "collections": collections,
        "url": f"{base}/so-hoa/{obj.pk}/", "manifest": ids.manifest_id(base, obj.pk),
        "thumbnail": None,
    }  # fmt: skip


@router.get(
    "/objects",
    response={200: ObjectListOut, **error_schemas(401)},
    summary="Các tài liệu số bạn được đọc",
    description="Lọc theo bộ sưu tập (mã) hoặc biểu ghi; phân trang bằng page và limit (tối đa 100).",
)
def objects_view(request, params: Query[ListParams]):
    viewer: Viewer = request.auth
    limit = max(1, min(params.limit, MAX_LIMIT))
    page = max(1, min(params.page, 10**6))
    objects = queries.visible_objects(viewer)
    if params.collection:
        objects = objects.filter(collections__code=params.collection[:40])
    if params.record is not None:
        objects = objects.filter(record_id=params.record)
    total = objects.count()
    chosen = list(objects.prefetch_related("collections")[(page - 1) * limit : page * limit])
    thumbnails = _first_visible_pages(viewer, chosen)
    base = ids.base_url(request)
    out = []
    for obj in chosen:
        summary = _summary(request, obj, [c.code for c in obj.collections.all()])
        if obj.pk in thumbnails:
            summary["thumbnail"] = _thumbnail(base, obj.pk, thumbnails[obj.pk])
        out.append(summary)
    return {"total": total, "page": page, "limit": limit, "objects": out}


def _first_visible_pages(viewer: Viewer, objects) -> dict[int, int]:
    """Object id → its first page VIEWER may see (the thumbnail), for OBJECTS."""
    first = {}
    for obj in objects:
        seq = queries.visible_pages(viewer, obj).order_by("seq").values_list("seq", flat=True).first()
        if seq is not None:
            first[obj.pk] = seq
    return first


def _thumbnail(base: str, object_id: int, seq: int) -> str:
    return f"{ids.image_service_id(base, object_id, seq)}/full/!200,200/0/default.jpg"


@router.get(
    "/objects/{object_id}",
    response={200: ObjectOut, **error_schemas(401)},
    summary="Một tài liệu số: mô tả, quyền, các trang và địa chỉ IIIF",
)
def object_view(request, object_id: int):
    viewer: Viewer = request.auth
    obj = queries.visible_object(viewer, object_id)
    if obj is None:
        raise Http404
    base = ids.base_url(request)
    pages = list(queries.visible_pages(viewer, obj).order_by("seq").only("seq", "label", "width", "height"))
    out = _summary(request, obj, list(obj.collections.values_list("code", flat=True)))
    if pages:
        out["thumbnail"] = _thumbnail(base, obj.pk, pages[0].seq)
    out.update(
        rights_label=str(obj.get_rights_display()),
        rights_note=obj.rights_note,
        dc=obj.dc if obj.owns_record else {},
        # A contents entry names a page: entries for pages hidden from this caller go with them.
        toc=[entry for entry in obj.toc if entry.get("page") in {p.seq for p in pages}],
        downloadable=queries.may_download(viewer, obj),
        search_service=ids.search_service_id(base, obj.pk, 2),
        pages=[
            {
                "seq": p.seq, "label": p.label or str(p.seq), "width": p.width, "height": p.height,
                "image_service": ids.image_service_id(base, obj.pk, p.seq),
                "text_url": f"{base}/so-hoa/{obj.pk}/trang/{p.seq}/",
            }
            for p in pages
        ],
    )  # fmt: skip
    return out
