"""Read an SRU request: its parameters (bytes checked as UTF-8), the version to answer in, the operation.

Nothing here raises: every problem becomes the diagnostic the response will carry, and the request
is still read far enough to know which response (version, operation) should carry it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote_to_bytes

from django.utils.translation import gettext_lazy as _

from .diagnostics import Diagnostic

# The largest request read (query string or form body): a CQL query of 4,096 characters fits with
# room to spare even percent-encoded Vietnamese.
MAX_REQUEST_BYTES = 64 * 1024
MAX_PARAMETERS = 40
OPERATIONS = {"searchretrieve": "searchRetrieve", "scan": "scan", "explain": "explain"}
COMMON = {"version", "operation", "stylesheet", "extraRequestData"}
SEARCH = {
    "query",
    "startRecord",
    "maximumRecords",
    "recordPacking",
    "recordSchema",
    "recordXPath",
    "resultSetTTL",
    "sortKeys",
}
SCAN = {"scanClause", "responsePosition", "maximumTerms"}
KNOWN_1 = COMMON | SEARCH | SCAN
KNOWN_2 = KNOWN_1 | {
    "queryType",
    "recordXMLEscaping",
    "httpAccept",
    "renderedBy",
    "responseType",
    "facetLimit",
    "facetStart",
    "facetSort",
    "facetCount",
}
# C0 controls but tab, newline and carriage return, DEL, and the two non-characters XML refuses.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_VERSION = re.compile(r"([0-9]{1,4})\.([0-9]{1,4})")


@dataclass
class Request:
    version: str = "2.0"  # the version of the response: "1.1", "1.2" or "2.0"
    operation: str = "explain"
    args: dict[str, str] = field(default_factory=dict)
    problems: list[Diagnostic] = field(default_factory=list)


def _pairs(raw: bytes, request: Request) -> list[tuple[str, str]]:
    out = []
    for part in raw.split(b"&"):
        if not part:
            continue
        name, _eq, value = part.partition(b"=")
        name = unquote_to_bytes(name.replace(b"+", b" "))
        value = unquote_to_bytes(value.replace(b"+", b" "))
        try:
            name_text = name.decode("utf-8")
        except UnicodeDecodeError:
            request.problems.append(Diagnostic(8, name.decode("utf-8", "replace")[:40]))
            continue
        try:
            value_text = value.decode("utf-8")
        except UnicodeDecodeError:
            request.problems.append(
                Diagnostic(6, name_text[:40], _("Giá trị tham số không phải văn bản UTF-8."))
            )
            continue
        out.append((name_text, value_text))
    return out


def read(query: bytes, body: bytes | None = None, *, too_long: bool = False, media: str = "") -> Request:
    """Return the SRU request made of the query string QUERY and the form BODY; MEDIA names a body that is no form."""
    request = Request()
    if media:
        request.problems.append(
            Diagnostic(
                6, "Content-Type", _("Yêu cầu POST phải mã hoá kiểu application/x-www-form-urlencoded.")
            )
        )
    if too_long or len(query) > MAX_REQUEST_BYTES or (body and len(body) > MAX_REQUEST_BYTES):
        request.problems.append(Diagnostic(6, "request", _("Yêu cầu quá dài.")))
        return request
    pairs = _pairs(query, request)
    if body:
        pairs += _pairs(body, request)
    if len(pairs) > MAX_PARAMETERS:
        request.problems.append(Diagnostic(6, "request", _("Yêu cầu có quá nhiều tham số.")))
        pairs = pairs[:MAX_PARAMETERS]
    args = request.args
    for name, value in pairs:
        if _CONTROL.search(name):
            request.problems.append(Diagnostic(8, _CONTROL.sub("?", name)[:40]))
            continue
        if name in args:
            request.problems.append(Diagnostic(6, name[:40], _("Tham số lặp lại.")))
            continue
        if _CONTROL.search(value):
            code = 10 if name in ("query", "scanClause") else 6
            request.problems.append(Diagnostic(code, name[:40], _("Giá trị có ký tự điều khiển.")))
            continue
        args[name] = value
    _version(request, bool(pairs))
    _operation(request, bool(pairs))
    known = KNOWN_2 if request.version == "2.0" else KNOWN_1
    for name in args:
        # Extensions (x-...) may be ignored; SRU 2.0 lets other query types bring their own
        # parameters, so only 1.x refuses a name it does not know.
        if name not in known and not name.startswith("x-") and request.version != "2.0":
            request.problems.append(Diagnostic(8, name[:40]))
    return request


def _version(request: Request, any_parameter: bool) -> None:
    written = request.args.get("version")
    if written is None:
        # An SRU 2.0 request carries no version parameter; a 1.x one must.
        return
    match = _VERSION.fullmatch(written.strip())
    if match is None:
        request.problems.append(Diagnostic(5, "2.0", _("Phiên bản không hợp lệ.")))
        return
    number = (int(match.group(1)), int(match.group(2)))
    if number >= (2, 0):
        request.version = "2.0"
    elif number >= (1, 2):
        request.version = "1.2"
    elif number == (1, 1):
        request.version = "1.1"
    else:
        # Nothing at or below the version asked for: say so in the oldest version spoken.
        request.version = "1.1"
        request.problems.append(Diagnostic(5, "1.1"))


def _operation(request: Request, any_parameter: bool) -> None:
    args = request.args
    written = args.get("operation")
    if written is None:
        if request.version == "2.0":
            # SRU 2.0 names no operation: a query asks for a search, a scan clause for a scan.
            if "query" in args:
                request.operation = "searchRetrieve"
            elif "scanClause" in args:
                request.operation = "scan"
        elif any_parameter:
            request.problems.append(Diagnostic(7, "operation"))
        return
    operation = OPERATIONS.get(written.strip().lower())
    if operation is None:
        request.problems.append(Diagnostic(4, written[:40]))
        return
    request.operation = operation
