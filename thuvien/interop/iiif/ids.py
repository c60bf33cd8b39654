"""The identifiers (absolute URLs) of IIIF resources: manifests, canvases and content search must agree on them.

Mirador matches content-search hits to canvases by comparing ids as strings, so every module that names a
canvas or a manifest builds it here and nowhere else.
"""

from __future__ import annotations


def base_url(request) -> str:
    """Return the scheme and host of REQUEST, without a trailing slash (e.g. ``https://thuvien.example``)."""
    return f"{request.scheme}://{request.get_host()}"


def manifest_id(base: str, object_id: int) -> str:
    """Return the id of the Presentation 3.0 manifest of object OBJECT_ID."""
    return f"{base}/iiif/presentation/{object_id}/manifest"


def canvas_id(base: str, object_id: int, seq: int) -> str:
    """Return the id of the canvas of page SEQ (1-based) of object OBJECT_ID."""
    return f"{base}/iiif/presentation/{object_id}/canvas/{seq}"


def annotation_page_id(base: str, object_id: int, seq: int) -> str:
    """Return the id of the annotation page that paints page SEQ's image on its canvas."""
    return f"{base}/iiif/presentation/{object_id}/page/{seq}"


def annotation_id(base: str, object_id: int, seq: int) -> str:
    """Return the id of the painting annotation of page SEQ's image."""
    return f"{base}/iiif/presentation/{object_id}/annotation/{seq}"


def image_service_id(base: str, object_id: int, seq: int) -> str:
    """Return the id of the Image API 3.0 service of page SEQ (its info.json is this id + ``/info.json``)."""
    return f"{base}/iiif/3/{object_id}-{seq}"


def search_service_id(base: str, object_id: int, version: int) -> str:
    """Return the id of the Content Search service (VERSION 1 or 2) of object OBJECT_ID."""
    if version not in (1, 2):
        raise ValueError(f"IIIF Content Search version {version!r}: 1 or 2")
    return f"{base}/iiif/search/{version}/{object_id}"


def search_services(base: str, object_id: int) -> list[dict]:
    """Return the ``service`` entries a manifest declares for its Content Search 1.0 and 2.0 services.

    Search 1.0 keeps the ``@id``/``@type`` names of its generation (Presentation 3.0 §3.2 allows them for
    older services); Mirador 3 finds it by its ``profile``.
    """
    return [
        {
            "@context": "http://iiif.io/api/search/1/context.json",
            "@id": search_service_id(base, object_id, 1),
            "@type": "SearchService1",
            "profile": "http://iiif.io/api/search/1/search",
        },
        {"id": search_service_id(base, object_id, 2), "type": "SearchService2"},
    ]
