"""schema.org JSON-LD for record pages."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

SCHEMA_TYPES = {"book": "Book", "serial": "Periodical", "map": "Map", "music": "MusicComposition",
                "audio": "AudioObject", "video": "VideoObject", "manuscript": "Manuscript", "image": "VisualArtwork"}  # fmt: skip


def record_jsonld(record, details, canonical: str) -> dict:
    data = {
        "@context": "https://schema.org",
        "@type": SCHEMA_TYPES.get(record.material_type, "CreativeWork"),
        "@id": canonical,
        "url": canonical,
        "name": record.title,
    }
    if details.authors or record.author:
        data["author"] = [{"@type": "Person", "name": n} for n in (details.authors or [record.author])]
    if record.publisher:
        data["publisher"] = {"@type": "Organization", "name": record.publisher}
    if record.year:
        data["datePublished"] = str(record.year)
    if record.language:
        data["inLanguage"] = record.language
    if details.isbns:
        data["isbn"] = details.isbns
    if details.subjects:
        data["about"] = details.subjects
    if record.edition:
        data["bookEdition"] = record.edition
    offers = []
    for item in getattr(record, "public_items", []):
        offers.append({
            "@type": "Offer",
            "availability": "https://schema.org/InStoreOnly" if item.on_shelf else "https://schema.org/OutOfStock",
            "offeredBy": {"@type": "Library", "name": item.library.name,
                          "url": settings.SITE_URL + reverse("opac:library", args=[item.library.code])},
            "sku": item.barcode,
        })  # fmt: skip
    if offers:
        data["offers"] = offers
    return data
