"""The one search every interface runs: the OPAC, ``thuvien search``, the REST API."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import tantivy
from django.utils.translation import gettext_lazy as _
from tantivy import Occur, Query

from thuvien.catalog.models import ON_SHELF_STATUSES, Item, ItemStatus, MaterialType, Record
from thuvien.network.models import Library
from thuvien.search import index
from thuvien.search.documents import AVAILABLE_ANYWHERE
from thuvien.search.query import FULLTEXT_TIERS, compile_query

MAX_PAGE = 500
MAX_PER_PAGE = 100
SORTS = {
    "relevance": (None, None),
    "title": ("s_title", tantivy.Order.Asc),
    "author": ("s_author", tantivy.Order.Asc),
    "year": ("year", tantivy.Order.Desc),
    "year_asc": ("year", tantivy.Order.Asc),
    "new": ("acquired", tantivy.Order.Desc),
}
SORT_LABELS = {
    "relevance": _("Phù hợp nhất"),
    "title": _("Nhan đề (A–Z)"),
    "author": _("Tác giả (A–Z)"),
    "year": _("Năm xuất bản (mới trước)"),
    "year_asc": _("Năm xuất bản (cũ trước)"),
    "new": _("Mới bổ sung"),
}
FILTER_FIELDS = {
    "type": "f_type",
    "lang": "f_lang",
    "subject": "f_subject",
    "author": "f_author",
    "library": "f_scope",
}
YEAR_BUCKETS = [
    (None, 1900),
    (1900, 1950),
    (1950, 1975),
    (1975, 2000),
    (2000, 2010),
    (2010, 2020),
    (2020, None),
]
HIDDEN_ITEM_STATUSES = {ItemStatus.WITHDRAWN}
LANGUAGE_NAMES = {
    "vie": _("Tiếng Việt"), "eng": _("Tiếng Anh"), "fre": _("Tiếng Pháp"), "chi": _("Tiếng Trung"),
    "rus": _("Tiếng Nga"), "ger": _("Tiếng Đức"), "jpn": _("Tiếng Nhật"), "kor": _("Tiếng Hàn"),
    "spa": _("Tiếng Tây Ban Nha"), "ita": _("Tiếng Ý"), "lat": _("Tiếng Latinh"), "heb": _("Tiếng Do Thái"),
    "ara": _("Tiếng Ả Rập"), "pol": _("Tiếng Ba Lan"), "und": _("Không xác định"),
}  # fmt: skip


@dataclass
class SearchRequest:
    q: str = ""
    library: str = ""
    page: int = 1
    per_page: int = 20
    sort: str = "relevance"
    filters: dict[str, list[str]] = field(default_factory=dict)
    available: bool = False
    year_from: int | None = None
    year_to: int | None = None
    facets: bool = True
    # Which full text of digital objects the words also search (ADR 0006): "open" (what anyone may
    # read), "restricted" (also what signed-in readers and library networks may read) or "" (none).
    fulltext: str = "open"


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool = False
    depth: int = 0


@dataclass
class Hit:
    record: Record
    score: float
    items: list[Item]
    # Passages of the record's digital objects matching the words (fulltext.attach_snippets), if asked.
    snippets: list = field(default_factory=list)

    @property
    def available_here(self) -> int:
        return sum(1 for item in self.items if item.status in ON_SHELF_STATUSES)

    def as_json(self) -> dict:
        return {
            "id": self.record.pk,
            "title": self.record.title,
            "author": self.record.author,
            "year": self.record.year,
            "score": round(self.score, 4),
            "items": [
                {"barcode": i.barcode, "library": i.library.code, "status": i.status} for i in self.items
            ],
            "snippets": [s.as_json() for s in self.snippets],
        }


@dataclass
class SearchResult:
    request: SearchRequest
    total: int = 0
    hits: list[Hit] = field(default_factory=list)
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    error: str = ""
    scope: Library | None = None

    @property
    def pages(self) -> int:
        return min(MAX_PAGE, math.ceil(self.total / self.request.per_page)) if self.total else 0

    def as_json(self) -> dict:
        return {"total": self.total, "hits": [h.as_json() for h in self.hits]}


def clamp_request(req: SearchRequest) -> SearchRequest:
    req.page = max(1, min(int(req.page or 1), MAX_PAGE))
    req.per_page = max(1, min(int(req.per_page or 20), MAX_PER_PAGE))
    if req.sort not in SORTS:
        req.sort = "relevance"
    req.library = (req.library or "").strip().upper()[:40]
    if req.fulltext not in FULLTEXT_TIERS:
        req.fulltext = ""
    return req


def build_query(req: SearchRequest, scope: Library | None) -> Query | None:
    """Return the full query (words + scope + filters), or None when the words hold nothing searchable."""
    words = (
        compile_query(req.q, req.fulltext)
        if req.q.strip()
        else Query.term_query(index.SCHEMA, "doctype", "record")
    )
    if words is None:
        return None
    clauses = [(Occur.Must, words)]
    if scope is not None:
        clauses.append((Occur.Must, Query.term_query(index.SCHEMA, "f_scope", scope.code)))
    for key, values in req.filters.items():
        field_name = FILTER_FIELDS.get(key)
        if not field_name:
            continue
        for value in values[:10]:
            if value:
                clauses.append((Occur.Must, Query.term_query(index.SCHEMA, field_name, value[:300])))
    if req.available:
        code = scope.code if scope is not None else AVAILABLE_ANYWHERE
        clauses.append((Occur.Must, Query.term_query(index.SCHEMA, "f_avail", code)))
    if req.year_from is not None or req.year_to is not None:
        clauses.append(
            (
                Occur.Must,
                Query.range_query(
                    index.SCHEMA, "year", tantivy.FieldType.Integer, req.year_from, req.year_to
                ),
            )
        )
    if len(clauses) == 1:
        return words
    return Query.boolean_query(clauses)


def _aggregations(scope: Library | None) -> dict:
    aggs = {
        "f_scope": {"terms": {"field": "f_scope", "size": 200}},
        "f_type": {"terms": {"field": "f_type", "size": 20}},
        "f_lang": {"terms": {"field": "f_lang", "size": 15}},
        "f_subject": {"terms": {"field": "f_subject", "size": 15}},
        "f_author": {"terms": {"field": "f_author", "size": 15}},
        "f_avail": {"terms": {"field": "f_avail", "size": 200}},
        "years": {
            "range": {
                "field": "year",
                "ranges": [
                    {k: v for k, v in (("from", a), ("to", b)) if v is not None} for a, b in YEAR_BUCKETS
                ],
            }
        },
    }
    return aggs


def _buckets(result: dict, name: str) -> list[tuple[str, int]]:
    return [(b["key"], int(b["doc_count"])) for b in result.get(name, {}).get("buckets", [])]


def _facets(searcher: tantivy.Searcher, query: Query, req: SearchRequest, scope: Library | None) -> dict:
    raw = searcher.aggregate(query, _aggregations(scope))
    facets: dict[str, list[FacetValue]] = {}
    selected = {k: set(v) for k, v in req.filters.items()}
    libraries = {
        lib.code: lib for lib in Library.objects.filter(code__in=[k for k, _c in _buckets(raw, "f_scope")])
    }
    library_values = []
    for code, count in _buckets(raw, "f_scope"):
        lib = libraries.get(code)
        if lib is None or (scope is not None and not lib.path.startswith(scope.path)):
            continue
        library_values.append(
            FacetValue(
                code,
                lib.name,
                count,
                code in selected.get("library", ()) or (scope and code == scope.code),
                lib.depth,
            )
        )
    library_values.sort(key=lambda v: libraries[v.value].path)
    facets["library"] = library_values
    type_labels = dict(MaterialType.choices)
    facets["type"] = [
        FacetValue(k, str(type_labels.get(k, k)), c, k in selected.get("type", ()))
        for k, c in _buckets(raw, "f_type")
    ]
    facets["lang"] = [
        FacetValue(k, str(LANGUAGE_NAMES.get(k, k)), c, k in selected.get("lang", ()))
        for k, c in _buckets(raw, "f_lang")
    ]
    for name in ("subject", "author"):
        facets[name] = [
            FacetValue(k, k, c, k in selected.get(name, ())) for k, c in _buckets(raw, f"f_{name}")
        ]
    avail_code = scope.code if scope is not None else AVAILABLE_ANYWHERE
    avail_count = dict(_buckets(raw, "f_avail")).get(avail_code, 0)
    facets["available"] = [FacetValue("1", str(_("Có sẵn trên giá")), avail_count, req.available)]
    years = []
    for bucket in raw.get("years", {}).get("buckets", []):
        count = int(bucket["doc_count"])
        if not count:
            continue
        low, high = bucket.get("from"), bucket.get("to")
        low = int(low) if low is not None else None
        high = int(high) - 1 if high is not None else None
        label = f"{low or ''}–{high or ''}" if low and high else (f"< {high + 1}" if high else f"≥ {low}")
        years.append(
            FacetValue(
                f"{low or ''}-{high or ''}", label, count, req.year_from == low and req.year_to == high
            )
        )
    facets["year"] = years
    return facets


def load_hits(pairs: list[tuple[int, float]], scope: Library | None) -> list[Hit]:
    """Fetch records and their items from the database, live, for (record id, score) PAIRS in order."""
    ids = [rid for rid, _score in pairs]
    records = Record.objects.filter(pk__in=ids, suppressed=False, deleted_at__isnull=True).only(
        "id",
        "title",
        "author",
        "year",
        "publisher",
        "material_type",
        "language",
        "call_number",
        "place",
        "edition",
    )
    by_id = {r.pk: r for r in records}
    items_by_record: dict[int, list[Item]] = {rid: [] for rid in ids}
    items = (
        Item.objects.filter(record_id__in=ids)
        .exclude(status__in=HIDDEN_ITEM_STATUSES)
        .select_related("library", "current_library")
        .order_by("library__path", "barcode")
    )
    if scope is not None:
        items = items.filter(library__path__startswith=scope.path)
    for item in items:
        items_by_record[item.record_id].append(item)
    return [Hit(by_id[rid], score, items_by_record[rid]) for rid, score in pairs if rid in by_id]


def search(req: SearchRequest) -> SearchResult:
    """Run REQ: only records the OPAC may show, their full text searched at the tier REQ.fulltext names."""
    req = clamp_request(req)
    result = SearchResult(request=req)
    scope = None
    if req.library:
        scope = Library.objects.filter(code=req.library, active=True).first()
        if scope is None:
            result.error = str(_("Không có thư viện mã %(code)s.") % {"code": req.library})
            return result
    result.scope = scope
    query = build_query(req, scope)
    if query is None:
        return result
    searcher = index.searcher()
    order_field, order = SORTS[req.sort]
    offset = (req.page - 1) * req.per_page
    kwargs = {"count": True, "offset": offset}
    if order_field:
        kwargs.update(order_by_field=order_field, order=order)
    found = searcher.search(query, req.per_page, **kwargs)
    result.total = found.count or 0
    addresses = [address for _key, address in found.hits]
    ids = searcher.fast_field_values("id", addresses) if addresses else []
    scores = [float(key) if not order_field else 0.0 for key, _address in found.hits]
    result.hits = load_hits(list(zip(ids, scores, strict=True)), scope)
    if req.facets:
        result.facets = _facets(searcher, query, req, scope)
    return result


def similar_records(record: Record, limit: int = 6) -> list[Record]:
    """Return public records sharing subjects or the author with RECORD, best first."""
    data = record.search_data or {}
    clauses = []
    for subject in (data.get("subjects") or [])[:5]:
        clauses.append(
            (Occur.Should, Query.term_query(index.SCHEMA, "f_subject", subject.split(" -- ")[0].strip()))
        )
    for author in (data.get("authors") or [])[:2]:
        clauses.append((Occur.Should, Query.term_query(index.SCHEMA, "f_author", author)))
    if not clauses:
        return []
    query = Query.boolean_query(
        [
            (Occur.Must, Query.boolean_query(clauses)),
            (Occur.MustNot, Query.term_query(index.SCHEMA, "id", record.pk)),
        ]
    )
    searcher = index.searcher()
    hits = searcher.search(query, limit).hits
    ids = searcher.fast_field_values("id", [address for _score, address in hits]) if hits else []
    by_id = {r.pk: r for r in Record.objects.filter(pk__in=ids, suppressed=False, deleted_at__isnull=True)}
    return [by_id[i] for i in ids if i in by_id]
