"""The /sru endpoint: SRU 1.1, 1.2 and 2.0 over GET and form-encoded POST, for anyone.

The catalogue it searches is what the OPAC shows to an anonymous reader, so the view asks nobody
who they are and touches neither session nor user: one index search and the page's records.
"""

from __future__ import annotations

from django.core.exceptions import DisallowedHost, RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.views.decorators.csrf import csrf_exempt

from . import operations
from .request import MAX_REQUEST_BYTES, read

_FORM = "application/x-www-form-urlencoded"


def _query_bytes(request: HttpRequest) -> bytes:
    query = request.META.get("QUERY_STRING", "")
    # WSGI hands over the raw query as latin-1 text; a test client may give any text.
    try:
        return query.encode("latin-1")
    except UnicodeEncodeError:
        return query.encode("utf-8", "surrogateescape")


def _site(request: HttpRequest) -> operations.Site:
    try:
        host = request.get_host()
    except DisallowedHost:
        host = "localhost"
    name, _colon, port = host.rpartition(":") if host.rpartition(":")[2].isdigit() else (host, "", "")
    if not port:
        port = "443" if request.is_secure() else "80"
    return operations.Site(host=name or host, port=port, database=request.path.strip("/") or "sru")


@csrf_exempt
def sru(request: HttpRequest) -> HttpResponse:
    """Answer one SRU request (searchRetrieve, scan or explain)."""
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    body = None
    too_long = False
    if request.method == "POST":
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_REQUEST_BYTES:
            too_long = True
        else:
            try:
                body = request.body
            except RequestDataTooBig:
                too_long = True
        content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
        if body and content_type != _FORM:
            # SRW (SOAP) and other bodies are not SRU: say so as SRU does, in an explain response.
            return _answer(request, read(_query_bytes(request), None, media=content_type or "?"))
    return _answer(request, read(_query_bytes(request), body, too_long=too_long))


def _answer(request: HttpRequest, sru_request) -> HttpResponse:
    document, media = operations.respond(sru_request, _site(request))
    return HttpResponse(document.encode("utf-8"), content_type=media)
