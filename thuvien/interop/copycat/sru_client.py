"""An SRU searchRetrieve client (versions 1.1, 1.2 and 2.0) for copy cataloguing: MARCXML records out.

Requests go through the harvester's guarded GET (no private addresses unless allowed, bounded size
and time) and responses are parsed with entity resolution, DTDs and the network off. Each record
comes back as the bytes of one MARCXML ``record`` element, whether the server packed it as XML or
as an escaped string; records the server could not give (surrogate diagnostics) are listed apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from django.utils.translation import gettext as _
from lxml import etree

from thuvien.interop.oaipmh.fetch import FetchError, HTTPStatusError, fetch

__all__ = ["SRUDiagnostic", "SRUError", "SRUResult", "search_retrieve"]

MARC_NS = "http://www.loc.gov/MARC21/slim"
VERSIONS = ("1.1", "1.2", "2.0")
MAX_RECORDS = 100
MAX_BYTES = 16 * 1024 * 1024
# A record packed as a string is parsed again: bounded like the response itself.
MAX_RECORD_BYTES = 1024 * 1024


class SRUError(Exception):
    """The search could not be made or the server refused it; the message says why, for staff."""

    def __init__(self, message: str, diagnostics: list[SRUDiagnostic] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.diagnostics = diagnostics or []


@dataclass
class SRUDiagnostic:
    uri: str
    message: str = ""
    details: str = ""
    position: int | None = None

    @property
    def code(self) -> str:
        """The diagnostic's number (the last part of info:srw/diagnostic/1/N), or its whole URI."""
        return self.uri.rstrip("/").rpartition("/")[2] or self.uri

    def __str__(self) -> str:
        text = self.message or self.uri
        if self.details:
            text += f" ({self.details})"
        return f"[{self.code}] {text}"


@dataclass
class SRUResult:
    number_of_records: int
    records: list[bytes] = field(default_factory=list)
    diagnostics: list[SRUDiagnostic] = field(default_factory=list)
    # Records the server listed but could not give in the schema asked (surrogate diagnostics).
    record_diagnostics: list[SRUDiagnostic] = field(default_factory=list)
    next_position: int | None = None
    version: str = ""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_pis=True,
        remove_comments=True,
    )


def _local(tag) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _child(el, name: str):
    for c in el:
        if _local(c.tag) == name:
            return c
    return None


def _text(el, name: str) -> str:
    c = _child(el, name)
    return (c.text or "").strip() if c is not None else ""


def request_url(
    base_url: str,
    query: str,
    *,
    version: str = "1.2",
    schema: str = "marcxml",
    start: int = 1,
    maximum: int = 10,
) -> str:
    """Return the searchRetrieve URL for QUERY (CQL) at BASE_URL."""
    if version not in VERSIONS:
        raise ValueError(f"SRU version {version!r}: use one of {', '.join(VERSIONS)}")
    params: list[tuple[str, str]] = []
    # SRU 2.0 has no operation parameter (a query means searchRetrieve) and calls the packing
    # recordXMLEscaping; 1.x needs operation and calls it recordPacking.
    if version != "2.0":
        params.append(("operation", "searchRetrieve"))
    params += [
        ("version", version),
        ("query", query),
        ("startRecord", str(max(1, start))),
        ("maximumRecords", str(max(0, min(maximum, MAX_RECORDS)))),
    ]
    if schema:
        params.append(("recordSchema", schema))
    params.append(("recordXMLEscaping" if version == "2.0" else "recordPacking", "xml"))
    separator = "&" if "?" in base_url else "?"
    if base_url.endswith(("?", "&")):
        separator = ""
    return base_url + separator + urlencode(params, quote_via=quote)


def search_retrieve(
    base_url: str,
    query: str,
    *,
    version: str = "1.2",
    schema: str = "marcxml",
    start: int = 1,
    maximum: int = 10,
    timeout: float = 15.0,
    allow_private: bool = False,
    max_bytes: int = MAX_BYTES,
) -> SRUResult:
    """Search BASE_URL with the CQL QUERY; return the hit count and records, or raise SRUError.

    TIMEOUT bounds the whole exchange. A response holding only diagnostics (bad query, unknown
    index) raises SRUError naming them.
    """
    url = request_url(base_url, query, version=version, schema=schema, start=start, maximum=maximum)
    try:
        response = fetch(
            url, allow_private=allow_private, max_bytes=max_bytes, timeout=timeout, deadline=timeout
        )
    except HTTPStatusError as exc:
        # Some servers send their diagnostics with an HTTP error status: they say more than the status.
        diagnostics = _diagnostics_in(exc.body)
        if diagnostics:
            raise SRUError(_diagnostic_message(diagnostics), diagnostics) from None
        raise SRUError(exc.message) from None
    except FetchError as exc:
        raise SRUError(exc.message) from None
    return parse_response(response.body)


def _diagnostics_in(body: bytes) -> list[SRUDiagnostic]:
    try:
        root = etree.fromstring(body, _parser())
    except (etree.XMLSyntaxError, ValueError):
        return []
    return _diagnostics(root) if root is not None else []


def _diagnostic_message(diagnostics: list[SRUDiagnostic]) -> str:
    return _("Máy chủ SRU báo lỗi: %(diagnostics)s") % {
        "diagnostics": "; ".join(str(d) for d in diagnostics[:3])
    }


def _diagnostic(el) -> SRUDiagnostic:
    return SRUDiagnostic(uri=_text(el, "uri"), message=_text(el, "message"), details=_text(el, "details"))


def _diagnostics(root) -> list[SRUDiagnostic]:
    box = _child(root, "diagnostics")
    if box is None:
        return [_diagnostic(root)] if _local(root.tag) == "diagnostic" else []
    return [_diagnostic(d) for d in box if _local(d.tag) == "diagnostic"]


def parse_response(body: bytes) -> SRUResult:
    """Read a searchRetrieveResponse (any SRU version); raise SRUError if it is not one."""
    try:
        root = etree.fromstring(body, _parser())
    except etree.XMLSyntaxError as exc:
        raise SRUError(
            _("Trả lời của máy chủ SRU không phải XML hợp lệ (dòng %(line)s: %(error)s).")
            % {"line": exc.lineno, "error": exc.msg}
        ) from None
    except ValueError as exc:
        raise SRUError(_("Trả lời của máy chủ SRU không đọc được: %(error)s") % {"error": exc}) from None
    if root is None or _local(root.tag) != "searchRetrieveResponse":
        diagnostics = _diagnostics(root) if root is not None else []
        if diagnostics:
            raise SRUError(_diagnostic_message(diagnostics), diagnostics)
        raise SRUError(
            _("Máy chủ không trả lời bằng searchRetrieveResponse của SRU (nhận được «%(tag)s»).")
            % {"tag": _local(root.tag) if root is not None else ""}
        )
    count_text = _text(root, "numberOfRecords")
    diagnostics = _diagnostics(root)
    if not count_text.isdigit():
        if diagnostics:
            raise SRUError(_diagnostic_message(diagnostics), diagnostics)
        raise SRUError(_("Trả lời SRU thiếu số biểu ghi tìm được (numberOfRecords)."))
    result = SRUResult(
        number_of_records=int(count_text), diagnostics=diagnostics, version=_text(root, "version")
    )
    records = _child(root, "records")
    for n, record in enumerate(records if records is not None else [], start=1):
        if _local(record.tag) != "record":
            continue
        _read_record(record, n, result)
    if diagnostics and not result.records and not result.number_of_records:
        raise SRUError(_diagnostic_message(diagnostics), diagnostics)
    following = _text(root, "nextRecordPosition")
    result.next_position = int(following) if following.isdigit() else None
    return result


def _read_record(record, n: int, result: SRUResult) -> None:
    position_text = _text(record, "recordPosition")
    position = int(position_text) if position_text.isdigit() else n
    schema = _text(record, "recordSchema")
    packing = (_text(record, "recordPacking") or _text(record, "recordXMLEscaping") or "xml").lower()
    data = _child(record, "recordData")
    if data is None:
        result.record_diagnostics.append(
            SRUDiagnostic(uri="", message=_("bản ghi không có recordData"), position=position)
        )
        return
    if packing == "string":
        text = (data.text or "").strip()
        if len(text) > MAX_RECORD_BYTES:
            result.record_diagnostics.append(
                SRUDiagnostic(uri="", message=_("biểu ghi quá lớn"), position=position)
            )
            return
        try:
            payload = etree.fromstring(text.encode("utf-8"), _parser())
        except (etree.XMLSyntaxError, ValueError) as exc:
            result.record_diagnostics.append(
                SRUDiagnostic(
                    uri="", message=_("biểu ghi không phải XML hợp lệ"), details=str(exc), position=position
                )
            )
            return
    else:
        payload = next((c for c in data if isinstance(c.tag, str)), None)
    if payload is None:
        result.record_diagnostics.append(SRUDiagnostic(uri="", message=_("bản ghi rỗng"), position=position))
        return
    if "diagnostic" in schema or _local(payload.tag) == "diagnostic":
        found = _diagnostic(payload)
        found.position = position
        result.record_diagnostics.append(found)
        return
    marc = _marc_record(payload)
    if marc is None:
        result.record_diagnostics.append(
            SRUDiagnostic(
                uri="",
                message=_("không phải biểu ghi MARCXML (lược đồ «%(schema)s»)") % {"schema": schema},
                position=position,
            )
        )
        return
    result.records.append(etree.tostring(marc, encoding="utf-8"))


def _marc_record(el):
    """The MARCXML record element in EL (itself, or the first one inside), or None."""
    if _local(el.tag) == "record" and (el.tag == f"{{{MARC_NS}}}record" or _child(el, "leader") is not None):
        return el
    for found in el.iter(f"{{{MARC_NS}}}record"):
        return found
    return None
