"""Public open-data pages: the list of dumps, the DCAT catalogue, the downloads. Read-only, for anyone."""

from __future__ import annotations

import json

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.formats import get_format
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from thuvien.interop.opendata import dcat
from thuvien.interop.opendata.dumps import dump_dir
from thuvien.interop.opendata.models import NETWORK, Dump


def _grouped(number: int) -> str:
    """Return NUMBER with the language's thousands separator (5.349 in Vietnamese, 5,349 in English)."""
    return f"{number:,}".replace(",", get_format("THOUSAND_SEPARATOR"))


# Everything here is public catalogue data: no page needs a signed-in user, none shows anything else.


@require_safe
def index(request):
    """List the published datasets with their files, the licence, OAI-PMH and the DCAT link."""
    datasets = []
    for dataset in dcat.published():
        dumps = sorted(dataset.dumps.all(), key=lambda d: list(dcat.MEDIA_TYPES).index(d.format))
        datasets.append(
            {
                "dataset": dataset,
                "title": dcat.dataset_title(dataset),
                "description": dcat.dataset_description(dataset),
                "dumps": dumps,
                "records_display": _grouped(max(d.records for d in dumps)),
                "updated": max(d.created_at for d in dumps),
            }
        )
    oai = settings.SITE_URL + dcat.OAI_PATH
    return render(
        request,
        "opendata/index.html",
        {
            "datasets": datasets,
            "library_datasets": [d for d in datasets if d["dataset"].key != NETWORK],
            "license_url": dcat.license_url(),
            "license_name": dcat.license_name(),
            "license_is_cc0": dcat.license_url() == dcat.CC0,
            "oai_url": oai,
        },
    )


@require_safe
def dcat_view(request):
    """Serve the DCAT catalogue as JSON-LD."""
    body = json.dumps(dcat.catalogue(), ensure_ascii=False, indent=1)
    response = HttpResponse(body, content_type="application/ld+json; charset=utf-8")
    response["Access-Control-Allow-Origin"] = "*"
    patch_cache_control(response, public=True, max_age=300)
    return response


@require_safe
def download(request, name: str):
    """Serve a published dump by its public name; anything else is 404 (names come from the database)."""
    dump = Dump.objects.filter(file_name=name).first()
    if dump is None:
        raise Http404
    directory = dump_dir().resolve()
    path = (directory / dump.stored_name).resolve()
    if path.parent != directory:
        raise Http404
    etag = f'"{dump.sha256}"'
    modified = int(dump.created_at.timestamp())
    response = get_conditional_response(request, etag=etag, last_modified=modified)
    if response is None:
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(
            handle, as_attachment=True, filename=dump.file_name, content_type="application/gzip"
        )
    response["ETag"] = etag
    response["Last-Modified"] = http_date(modified)
    response["Access-Control-Allow-Origin"] = "*"
    patch_cache_control(response, public=True, max_age=3600)
    return response
