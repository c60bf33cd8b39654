"""The DCAT catalogue (JSON-LD) of the published dumps, and the licence they are published under."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from thuvien.interop.opendata.dumps import MEDIA_TYPES
from thuvien.interop.opendata.models import NETWORK, Dataset, Dump
from thuvien.network.models import Library

CC0 = "https://creativecommons.org/publicdomain/zero/1.0/"
# Names of the licences a network is likely to choose; any other is shown by its URL.
LICENSE_NAMES = {
    CC0: "CC0 1.0",
    "https://creativecommons.org/licenses/by/4.0/": "CC BY 4.0",
    "https://creativecommons.org/licenses/by-sa/4.0/": "CC BY-SA 4.0",
    "https://opendatacommons.org/licenses/pddl/1-0/": "ODC PDDL 1.0",
    "https://opendatacommons.org/licenses/by/1-0/": "ODC-By 1.0",
    "https://opendatacommons.org/licenses/odbl/1-0/": "ODbL 1.0",
}
# Where the OAI-PMH provider answers (issue 4 fixes the address).
OAI_PATH = "/oai"
OAI_PMH = "http://www.openarchives.org/OAI/2.0/"
GZIP = "http://www.iana.org/assignments/media-types/application/gzip"

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "locn": "http://www.w3.org/ns/locn#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "spdx": "http://spdx.org/rdf/terms#",
    "void": "http://rdfs.org/ns/void#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


def license_url() -> str:
    """Return the licence of the catalogue metadata (setting OPEN_DATA_LICENSE, CC0 1.0 by default)."""
    return getattr(settings, "OPEN_DATA_LICENSE", "") or CC0


def license_name() -> str:
    url = license_url()
    return LICENSE_NAMES.get(url, url)


def _both(text_vi: str, text_en: str) -> list[dict]:
    """Return a text in Vietnamese and, when it is translated, in English, as JSON-LD language strings."""
    values = [{"@value": text_vi, "@language": "vi"}]
    if text_en != text_vi:
        values.append({"@value": text_en, "@language": "en"})
    return values


def _in_both(make) -> list[dict]:
    """Call MAKE (building a text with gettext) in Vietnamese and in English."""
    with translation.override("vi"):
        text_vi = make()
    with translation.override("en"):
        text_en = make()
    return _both(text_vi, text_en)


def _iri(value: str) -> dict:
    return {"@id": value}


def _date_time(value) -> dict:
    return {"@value": value.isoformat(timespec="seconds"), "@type": "xsd:dateTime"}


def _library_url(library: Library) -> str:
    return settings.SITE_URL + reverse("opac:library", args=[library.code])


def _organization(library: Library | None) -> dict:
    if library is None:
        name = getattr(settings, "OPEN_DATA_PUBLISHER", "") or "thuvien"
        return {
            "@type": "foaf:Organization",
            "foaf:name": name,
            "foaf:homepage": _iri(settings.SITE_URL + "/"),
        }
    node = {
        "@id": _library_url(library),
        "@type": "foaf:Organization",
        "foaf:name": library.name,
        "dct:identifier": library.code,
        "foaf:homepage": _iri(library.website or _library_url(library)),
    }
    return node


def _location(library: Library | None) -> dict | None:
    """Return the area LIBRARY serves (its administrative unit, its position) as a dct:Location."""
    if library is None:
        return None
    node: dict = {"@type": "dct:Location"}
    unit = library.admin_unit
    if unit is not None:
        node["skos:prefLabel"] = {"@value": unit.name, "@language": "vi"}
        node["dct:identifier"] = f"{unit.scheme}:{unit.code}"
    if library.latitude is not None and library.longitude is not None:
        node["dcat:centroid"] = {
            "@value": f"POINT({library.longitude} {library.latitude})",
            "@type": "http://www.opengis.net/ont/geosparql#wktLiteral",
        }
    return node if len(node) > 1 else None


def _root_library() -> Library | None:
    """Return the root of the network when there is one (a provincial library), else None."""
    roots = list(Library.objects.filter(parent__isnull=True, active=True).select_related("admin_unit")[:2])
    return roots[0] if len(roots) == 1 else None


def _publisher_library(dataset: Dataset) -> Library | None:
    """Return the library publishing DATASET: its own, or for the network its root library."""
    return dataset.library if dataset.key != NETWORK else _root_library()


def page_url() -> str:
    return settings.SITE_URL + reverse("opendata:index")


def download_url(dump: Dump) -> str:
    return settings.SITE_URL + reverse("opendata:download", args=[dump.file_name])


def published() -> list[Dataset]:
    """Return the datasets that have published files, the network first, then libraries in tree order."""
    datasets = [
        d
        for d in Dataset.objects.select_related("library", "library__admin_unit").prefetch_related("dumps")
        if d.dumps.all()
    ]
    return sorted(datasets, key=lambda d: (d.key != NETWORK, d.library.path if d.library else ""))


def dataset_title(dataset: Dataset) -> str:
    if dataset.key == NETWORK:
        return _("Mục lục liên thông của mạng lưới thư viện")
    return _("Mục lục của %(library)s") % {"library": dataset.library.name}


def dataset_description(dataset: Dataset) -> str:
    if dataset.key == NETWORK:
        return _("Mọi biểu ghi công khai của mục lục liên thông, kèm các thư viện có bản.")
    return _(
        "Các biểu ghi công khai mà %(library)s (%(code)s) và các thư viện trực thuộc có bản hoặc đã biên mục, "
        "kèm các bản của những thư viện này."
    ) % {"library": dataset.library.name, "code": dataset.library.code}


def catalogue() -> dict:
    """Return the DCAT catalogue of the published dumps as a JSON-LD document."""
    page = page_url()
    licence = _iri(license_url())
    datasets = []
    modified = None
    for dataset in published():
        dumps = sorted(dataset.dumps.all(), key=lambda d: list(MEDIA_TYPES).index(d.format))
        latest = max(d.created_at for d in dumps)
        modified = latest if modified is None or latest > modified else modified
        library = _publisher_library(dataset)
        node = {
            "@id": f"{page}#{dataset.key}",
            "@type": "dcat:Dataset",
            "dct:identifier": dataset.key,
            "dct:title": _in_both(lambda d=dataset: dataset_title(d)),
            "dct:description": _in_both(lambda d=dataset: dataset_description(d)),
            "dct:publisher": _organization(library),
            "dct:license": licence,
            "dct:modified": _date_time(latest),
            "dct:language": _iri("http://id.loc.gov/vocabulary/iso639-1/vi"),
            "dcat:landingPage": _iri(page),
            "dcat:keyword": ["MARC 21", "thư mục", "thư viện", "library catalogue"],
            "void:entities": max(d.records for d in dumps),
            "dcat:distribution": [_distribution(dump, page, licence) for dump in dumps],
        }
        location = _location(library)
        if location is not None:
            node["dct:spatial"] = location
        datasets.append(node)
    oai = settings.SITE_URL + OAI_PATH
    document = {
        "@context": CONTEXT,
        "@id": f"{page}#catalog",
        "@type": "dcat:Catalog",
        "dct:title": _in_both(lambda: _("Dữ liệu mở của mục lục liên thông")),
        "dct:description": _in_both(
            lambda: _(
                "Các tệp kết xuất (MARCXML, CSV, JSON-LD theo schema.org) của mục lục liên thông và của từng "
                "thư viện, cùng cổng thu thập OAI-PMH."
            )
        ),
        "dct:publisher": _organization(_root_library()),
        "dct:license": licence,
        "foaf:homepage": _iri(page),
        "dcat:dataset": datasets,
        "dcat:service": [
            {
                "@id": oai,
                "@type": "dcat:DataService",
                "dct:title": _in_both(lambda: _("Cổng thu thập OAI-PMH")),
                "dcat:endpointURL": _iri(oai),
                "dcat:endpointDescription": _iri(f"{oai}?verb=Identify"),
                "dct:conformsTo": _iri(OAI_PMH),
                "dct:license": licence,
                "dcat:servesDataset": [_iri(d["@id"]) for d in datasets if d["dct:identifier"] == NETWORK],
            }
        ],
    }
    if modified is not None:
        document["dct:modified"] = _date_time(modified)
    return document


def _distribution(dump: Dump, page: str, licence: dict) -> dict:
    url = download_url(dump)
    return {
        "@id": f"{page}#{dump.file_name}",
        "@type": "dcat:Distribution",
        "dct:title": f"{dump.get_format_display()} (gzip)",
        "dcat:downloadURL": _iri(url),
        "dcat:accessURL": _iri(url),
        "dcat:mediaType": _iri(f"http://www.iana.org/assignments/media-types/{MEDIA_TYPES[dump.format]}"),
        "dcat:compressFormat": _iri(GZIP),
        "dcat:byteSize": {"@value": str(dump.size), "@type": "xsd:nonNegativeInteger"},
        "spdx:checksum": {
            "@type": "spdx:Checksum",
            "spdx:algorithm": _iri("spdx:checksumAlgorithm_sha256"),
            "spdx:checksumValue": {"@value": dump.sha256, "@type": "xsd:hexBinary"},
        },
        "dct:license": licence,
        "dct:issued": _date_time(dump.created_at),
        "void:entities": dump.records,
    }
