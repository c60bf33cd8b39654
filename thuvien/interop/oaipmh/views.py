"""The /oai endpoint: read the arguments of a GET or form-encoded POST and let the provider answer."""

from __future__ import annotations

from urllib.parse import parse_qsl

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from . import provider

# A legal request has at most four arguments and a token of a few hundred bytes; anything far
# bigger is refused before it is parsed (badArgument), so hostile requests cost nothing.
MAX_ARGUMENTS = 16
MAX_QUERY_BYTES = 8 * 1024
MAX_VALUE_CHARS = 4 * 1024
_FORM = "application/x-www-form-urlencoded"


class _Unreadable(ValueError):
    pass


def _pairs(raw: bytes) -> list[tuple[str, str]]:
    """Return the (name, value) pairs of a query string or form body (raise _Unreadable)."""
    if len(raw) > MAX_QUERY_BYTES:
        raise _Unreadable(_("Yêu cầu quá dài."))
    if not raw:
        return []
    try:
        text = raw.decode("utf-8")
        decoded = parse_qsl(
            text, keep_blank_values=True, max_num_fields=MAX_ARGUMENTS, encoding="utf-8", errors="strict"
        )
    except UnicodeDecodeError as exc:
        raise _Unreadable(_("Tham số không phải văn bản UTF-8.")) from exc
    except ValueError as exc:
        raise _Unreadable(_("Yêu cầu có quá nhiều tham số.")) from exc
    if any(len(k) > MAX_VALUE_CHARS or len(v) > MAX_VALUE_CHARS for k, v in decoded):
        raise _Unreadable(_("Giá trị tham số quá dài."))
    return decoded


def _query_bytes(request: HttpRequest) -> bytes:
    query = request.META.get("QUERY_STRING", "")
    # WSGI hands over the raw query as latin-1 text; a test client may give any text.
    try:
        return query.encode("latin-1")
    except UnicodeEncodeError:
        return query.encode("utf-8", "surrogateescape")


def _arguments(request: HttpRequest) -> list[tuple[str, str]]:
    pairs = _pairs(_query_bytes(request))
    if request.method == "POST":
        content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
        try:
            body = request.body
        except RequestDataTooBig as exc:
            raise _Unreadable(_("Yêu cầu quá dài.")) from exc
        if body:
            if content_type != _FORM:
                raise _Unreadable(_("Yêu cầu POST phải mã hoá kiểu application/x-www-form-urlencoded."))
            pairs += _pairs(body)
        if len(pairs) > MAX_ARGUMENTS:
            raise _Unreadable(_("Yêu cầu có quá nhiều tham số."))
    return pairs


def _record_url(request: HttpRequest) -> str | None:
    try:
        path = reverse("opac:record", kwargs={"record_id": 987654321})
    except NoReverseMatch:
        return None
    return request.build_absolute_uri(path).replace("987654321", "{id}")


@csrf_exempt
def oai(request: HttpRequest) -> HttpResponse:
    """Answer one OAI-PMH request (GET or form-encoded POST)."""
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    problem = None
    pairs: list[tuple[str, str]] = []
    try:
        pairs = _arguments(request)
    except _Unreadable as exc:
        problem = str(exc)
    body = provider.respond(
        pairs,
        base_url=request.build_absolute_uri(request.path),
        record_url=_record_url(request),
        problem=problem,
    )
    return HttpResponse(body, content_type="text/xml; charset=utf-8")
