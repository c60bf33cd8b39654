"""Public read API: the same search as the OPAC, records, items with live availability, libraries."""

from __future__ import annotations

from django.http import Http404
from ninja import Query, Router, Schema

from thuvien.api.digital import caller
from thuvien.catalog.queries import public_record
from thuvien.interop.marc import record_from_json
from thuvien.network.queries import public_libraries
from thuvien.search.fulltext import attach_snippets
from thuvien.search.service import SearchRequest, search

router = Router()


class ItemOut(Schema):
    barcode: str
    library: str
    status: str


class SnippetOut(Schema):
    object: int
    object_title: str
    page: int
    label: str
    html: str  # the page's words around the match, matched words in <mark>, the rest HTML-escaped
    text: str
    viewer_url: str
    text_url: str


class HitOut(Schema):
    id: int
    title: str
    author: str
    year: int | None
    score: float
    items: list[ItemOut]
    snippets: list[SnippetOut]  # passages of the record's digital objects the caller may read


class SearchOut(Schema):
    total: int
    hits: list[HitOut]


class SearchParams(Schema):
    q: str = ""
    library: str = ""
    page: int = 1
    limit: int = 20
    sort: str = "relevance"


@router.get(
    "/search",
    response=SearchOut,
    auth=caller,
    summary="Tìm kiếm (giống OPAC)",
    description="Như khách vãng lai; với mã bạn đọc hoặc mã API của nhân viên, tìm cả toàn văn tài liệu số "
    "hạn chế mà người đó được đọc.",
)
def search_view(request, params: Query[SearchParams]):
    viewer = request.auth
    page = params.page if -(10**9) < params.page < 10**9 else 1
    result = search(
        SearchRequest(
            q=params.q,
            library=params.library,
            page=page,
            per_page=params.limit,
            sort=params.sort,
            facets=False,
            fulltext="restricted" if viewer.may_read_restricted else "open",
        )
    )
    attach_snippets(result.hits, viewer, result.request.q)
    return result.as_json()


class ItemDetailOut(Schema):
    barcode: str
    library: str
    library_name: str
    location: str
    call_number: str
    status: str
    status_label: str
    available: bool


class RecordOut(Schema):
    id: int
    title: str
    author: str
    publisher: str
    place: str
    year: int | None
    language: str
    material_type: str
    call_number: str
    isbns: list[str]
    subjects: list[str]
    marc: dict
    items: list[ItemDetailOut]


def _items(record) -> list[dict]:
    return [
        {
            "barcode": i.barcode, "library": i.library.code, "library_name": i.library.name, "location": i.location,
            "call_number": i.call_number, "status": i.status, "status_label": str(i.get_status_display()),
            "available": i.on_shelf,
        }
        for i in record.public_items
    ]  # fmt: skip


@router.get("/records/{record_id}", response=RecordOut, summary="Một biểu ghi với bản sách")
def record_view(request, record_id: int):
    record = public_record(record_id)
    if record is None:
        raise Http404
    data = record.search_data or {}
    return {
        "id": record.pk, "title": record.title, "author": record.author, "publisher": record.publisher,
        "place": record.place, "year": record.year, "language": record.language,
        "material_type": record.material_type, "call_number": record.call_number,
        "isbns": data.get("isbns", []), "subjects": data.get("subjects", []),
        "marc": record_from_json(record.marc).as_dict(), "items": _items(record),
    }  # fmt: skip


@router.get(
    "/records/{record_id}/items", response=list[ItemDetailOut], summary="Bản sách và tình trạng hiện tại"
)
def items_view(request, record_id: int):
    record = public_record(record_id)
    if record is None:
        raise Http404
    return _items(record)


class LibraryOut(Schema):
    code: str
    name: str
    kind: str
    parent: str | None
    address: str
    latitude: float | None
    longitude: float | None
    website: str
    opening_hours: str


@router.get("/libraries", response=list[LibraryOut], summary="Các thư viện của mạng lưới")
def libraries_view(request):
    return [
        {
            "code": lib.code, "name": lib.name, "kind": lib.kind, "parent": lib.parent.code if lib.parent else None,
            "address": lib.address, "latitude": lib.latitude, "longitude": lib.longitude, "website": lib.website,
            "opening_hours": lib.opening_hours,
        }
        for lib in public_libraries()
    ]  # fmt: skip
