"""IIIF Presentation API 3.0 documents: the manifest of a digital object, and collections of manifests.

The builders are given only what the requester may see (``queries.visible_pages``, ``listed_collections``),
so a manifest never names a canvas its reader may not open. Ids come from ``ids`` (content search hits
name these canvases). The OPAC's digital library lists collections and thumbnails with the same reads.
"""

from __future__ import annotations

from django.db.models import Count, Min
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from thuvien.catalog.models import Collection
from thuvien.digital import export, queries
from thuvien.digital.models import AccessLevel, DigitalObject, Page
from thuvien.digital.policies import Viewer
from thuvien.interop.iiif import ids, image

CONTEXT = "http://iiif.io/api/presentation/3/context.json"
IMAGE_PROFILE = "level2"
METS_PROFILE = "http://www.loc.gov/METS/"
OAI_DC_PROFILE = "http://www.openarchives.org/OAI/2.0/oai_dc/"
ALTO_PROFILE = "http://www.loc.gov/standards/alto/v4/alto.xsd"
THUMBNAIL_SIZE = 200  # pixels: the page fitted in a square of this side
# What each access level means for the reader, in a word or two (the manifest's metadata, the OPAC page).
ACCESS_NOTICES = {
    AccessLevel.OPEN: gettext_noop("Mở: mọi người được đọc và tải về"),
    AccessLevel.RESTRICTED: gettext_noop("Tài liệu hạn chế: chỉ đọc trực tuyến"),
    AccessLevel.SECRET: gettext_noop("Tài liệu mật: chỉ nhân viên có quyền được xem"),
}
# ISO 639-2 (MARC 008/35-37, Dublin Core) → BCP 47 for language maps; anything else is "none".
LANGUAGES = {"vie": "vi", "eng": "en", "fre": "fr", "fra": "fr", "chi": "zh", "zho": "zh", "rus": "ru",
             "ger": "de", "deu": "de", "jpn": "ja", "kor": "ko", "lao": "lo", "khm": "km", "tha": "th",
             "vi": "vi", "en": "en", "fr": "fr"}  # fmt: skip


def text_language(obj: DigitalObject) -> str:
    """Return the BCP 47 language of OBJ's text for language maps ("none" when unknown)."""
    for code in export.describe(obj).get("language", []):
        tag = LANGUAGES.get(code.strip().lower())
        if tag:
            return tag
    return "none"


def both(message: str) -> dict[str, list[str]]:
    """Return MESSAGE (a Vietnamese msgid) as a language map in Vietnamese and English."""
    out = {}
    for code in ("vi", "en"):
        with translation.override(code):
            out[code] = [gettext(message)]
    return out


def _entry(label: str, values: list[str], lang: str = "none") -> dict | None:
    values = [v for v in values if v]
    return {"label": both(label), "value": {lang: values}} if values else None


def image_service(base: str, object_id: int, seq: int) -> list[dict]:
    return [
        {"id": ids.image_service_id(base, object_id, seq), "type": "ImageService3", "profile": IMAGE_PROFILE}
    ]


def thumbnail(base: str, object_id: int, seq: int) -> dict:
    """Return a thumbnail (an Image with its image service) of page SEQ."""
    return {
        "id": image.thumbnail_url(base, object_id, seq, THUMBNAIL_SIZE),
        "type": "Image",
        "format": "image/jpeg",
        "service": image_service(base, object_id, seq),
    }


def canvas(base: str, obj: DigitalObject, page: Page, *, full_size: bool) -> dict:
    """Return the Canvas of PAGE: its image painted by one annotation, its plain text as a rendering.

    FULL_SIZE: the requester may have the full-size image, so the image's size is the page's (a restricted
    object's images are capped by the image server, whose ``max`` size the body then does not state).
    """
    oid, seq = obj.pk, page.seq
    target = ids.canvas_id(base, oid, seq)
    body = {"id": export.image_url(base, oid, seq), "type": "Image", "format": "image/jpeg"}
    if full_size:
        body |= {"width": page.width, "height": page.height}
    body["service"] = image_service(base, oid, seq)
    item = {
        "id": target,
        "type": "Canvas",
        "label": {"none": [page.label or str(seq)]},
        "width": page.width,
        "height": page.height,
        "thumbnail": [thumbnail(base, oid, seq)],
        "items": [
            {
                "id": ids.annotation_page_id(base, oid, seq),
                "type": "AnnotationPage",
                "items": [
                    {
                        "id": ids.annotation_id(base, oid, seq),
                        "type": "Annotation",
                        "motivation": "painting",
                        "body": body,
                        "target": target,
                    }
                ],
            }
        ],
        "rendering": [
            {
                "id": export.text_url(base, oid, seq),
                "type": "Text",
                "label": both(gettext_noop("Văn bản của trang")),
                "format": "text/html",
            }
        ],
    }
    if page.alto:
        item["seeAlso"] = [
            {"id": export.alto_url(base, oid, seq), "type": "Dataset", "label": both(gettext_noop("Văn bản nhận dạng (ALTO)")),
             "format": "application/xml", "profile": ALTO_PROFILE}
        ]  # fmt: skip
    return item


def range_id(base: str, object_id: int, n: int) -> str:
    return f"{base}/iiif/presentation/{int(object_id)}/range/{int(n)}"


def structures(base: str, obj: DigitalObject, pages: list[Page]) -> list[dict]:
    """Return OBJ's table of contents as Ranges, each covering its pages up to the next entry's."""
    lang = text_language(obj)
    return [
        {
            "id": range_id(base, obj.pk, n),
            "type": "Range",
            "label": {lang: [label]},
            "items": [{"id": ids.canvas_id(base, obj.pk, seq), "type": "Canvas"} for seq in seqs],
        }
        for n, (label, seqs) in enumerate(export.toc_ranges(obj, pages), 1)
    ]


def manifest(obj: DigitalObject, pages: list[Page], *, base: str, downloadable: bool) -> dict:
    """Return the Presentation 3.0 manifest of OBJ with one canvas per page of PAGES.

    DOWNLOADABLE: the requester may download OBJ (``queries.may_download``): the PDF is offered as a rendering.
    """
    dc = export.describe(obj)
    lang = text_language(obj)
    library = obj.library
    library_page = base + reverse("opac:library", args=[library.code])
    metadata = [
        _entry(gettext_noop("Tác giả"), [n.name for n in export.names(obj)]),
        _entry(gettext_noop("Năm xuất bản"), dc.get("date", [])),
        _entry(gettext_noop("Nhà xuất bản"), dc.get("publisher", [])),
        _entry(gettext_noop("Chủ đề"), dc.get("subject", []), lang),
        _entry(gettext_noop("Địa danh"), dc.get("coverage", []), lang),
        _entry(gettext_noop("Ngôn ngữ"), dc.get("language", [])),
        _entry(gettext_noop("Bộ sưu tập"), [c.name for c in obj.collections.all()], "vi"),
        _entry(gettext_noop("Thư viện"), [library.name], "vi"),
        {"label": both(gettext_noop("Mức truy cập")), "value": both(ACCESS_NOTICES[obj.access])},
        _entry(gettext_noop("Số trang"), [str(len(pages))]),
    ]
    doc = {
        "@context": CONTEXT,
        "id": ids.manifest_id(base, obj.pk),
        "type": "Manifest",
        "label": {lang: [obj.title]},
        "metadata": [m for m in metadata if m],
    }
    if dc.get("description"):
        doc["summary"] = {lang: dc["description"]}
    doc["requiredStatement"] = {"label": both(gettext_noop("Ghi công")), "value": {"vi": [library.name]}}
    doc["rights"] = obj.rights
    doc["provider"] = [
        {
            "id": library_page,
            "type": "Agent",
            "label": {"vi": [library.name]},
            "homepage": [
                {"id": library.website or library_page, "type": "Text", "label": {"vi": [library.name]},
                 "format": "text/html"}
            ],
        }
    ]  # fmt: skip
    doc["homepage"] = [
        {
            "id": export.object_url(base, obj),
            "type": "Text",
            "label": {lang: [obj.title]},
            "format": "text/html",
        }
    ]
    if pages:
        doc["thumbnail"] = [thumbnail(base, obj.pk, pages[0].seq)]
    doc["seeAlso"] = [
        {"id": base + reverse("digital:mets", args=[obj.pk]), "type": "Dataset", "label": both(gettext_noop("Mô tả METS/MODS")),
         "format": "application/xml", "profile": METS_PROFILE},
        {"id": base + reverse("digital:dc", args=[obj.pk]), "type": "Dataset", "label": both(gettext_noop("Mô tả Dublin Core")),
         "format": "application/xml", "profile": OAI_DC_PROFILE},
    ]  # fmt: skip
    if downloadable and pages:
        doc["rendering"] = [
            {"id": base + reverse("digital:pdf", args=[obj.pk]), "type": "Text", "label": both(gettext_noop("Tải về PDF")),
             "format": "application/pdf"}
        ]  # fmt: skip
    doc["service"] = ids.search_services(base, obj.pk)
    if export.is_book(obj):
        doc["behavior"] = ["paged"]
    doc["items"] = [canvas(base, obj, page, full_size=downloadable) for page in pages]
    ranges = structures(base, obj, pages)
    if ranges:
        doc["structures"] = ranges
    return doc


def top_collection(collections, *, base: str) -> dict:
    """Return the top Collection: one reference per catalogue collection in COLLECTIONS."""
    return {
        "@context": CONTEXT,
        "id": base + reverse("iiif_presentation:top"),
        "type": "Collection",
        "label": both(gettext_noop("Thư viện số")),
        "summary": both(gettext_noop("Các bộ sưu tập tài liệu số của mạng lưới thư viện")),
        "homepage": [
            {
                "id": base + reverse("digital:index"),
                "type": "Text",
                "label": both(gettext_noop("Thư viện số")),
                "format": "text/html",
            }
        ],  # fmt: skip
        "items": [
            {
                "id": base + reverse("iiif_presentation:collection", args=[c.code]),
                "type": "Collection",
                "label": {"vi": [c.name]},
            }
            for c in collections
        ],  # fmt: skip
    }


def collection(coll, objects, *, base: str) -> dict:
    """Return the Collection COLL listing OBJECTS (each with ``thumbnail_seq``, or None) as manifest references."""
    doc = {
        "@context": CONTEXT,
        "id": base + reverse("iiif_presentation:collection", args=[coll.code]),
        "type": "Collection",
        "label": {"vi": [coll.name]},
    }
    if coll.description:
        doc["summary"] = {"vi": [coll.description]}
    doc["homepage"] = [
        {"id": f"{base}{reverse('digital:index')}?collection={coll.code}", "type": "Text",
         "label": {"vi": [coll.name]}, "format": "text/html"}
    ]  # fmt: skip
    doc["partOf"] = [{"id": base + reverse("iiif_presentation:top"), "type": "Collection"}]
    items = []
    for obj in objects:
        ref = {"id": ids.manifest_id(base, obj.pk), "type": "Manifest", "label": {"none": [obj.title]}}
        if getattr(obj, "thumbnail_seq", None):
            ref["thumbnail"] = [thumbnail(base, obj.pk, obj.thumbnail_seq)]
        items.append(ref)
    doc["items"] = items
    return doc


# --- what a requester may list --------------------------------------------------------------------------


def listed_collections(viewer: Viewer) -> list[Collection]:
    """Return the catalogue collections holding objects VIEWER may see, each with ``object_count`` of those."""
    visible = queries.visible_objects(viewer).values("pk")
    through = DigitalObject.collections.through
    counts = dict(
        through.objects.filter(digitalobject__in=visible)
        .order_by()
        .values("collection")
        .annotate(n=Count("digitalobject", distinct=True))
        .values_list("collection", "n")
    )
    collections = list(Collection.objects.filter(pk__in=counts).order_by("name", "code"))
    for coll in collections:
        coll.object_count = counts[coll.pk]
    return collections


def add_thumbnails(viewer: Viewer, objects: list[DigitalObject]) -> list[DigitalObject]:
    """Set ``thumbnail_seq`` on each of OBJECTS (visible to VIEWER): its first page VIEWER may see, or None.

    A page with an access override counts only when the override is one VIEWER may read (the rule of
    ``queries.visible_pages``, without its exception for staff: their thumbnail is then a public page).
    """
    hidden = (
        [AccessLevel.SECRET] if viewer.may_read_restricted else [AccessLevel.SECRET, AccessLevel.RESTRICTED]
    )
    firsts = dict(
        Page.objects.filter(object__in=[o.pk for o in objects])
        .exclude(access_override__in=hidden)
        .order_by()
        .values("object")
        .annotate(first=Min("seq"))
        .values_list("object", "first")
    )
    for obj in objects:
        obj.thumbnail_seq = firsts.get(obj.pk)
    return objects
