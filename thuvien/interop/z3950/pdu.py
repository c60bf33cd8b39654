"""The Z39.50-1995 APDUs this package speaks, both ways: Init, Search, Present, Scan, Delete, Close.

Each request or response is a dataclass; `decode_pdu` reads any of them from one BER message and
`encode` writes one. Fields this target does not use (resource reports, segmentation, otherInfo other
than character-set negotiation) are read past and never sent. A message that is BER but not a
well-formed APDU raises `ProtocolError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import ber
from . import fields as wire
from .ber import CONTEXT, UNIVERSAL, BERError, Element
from .diagnostics import Diagnostic
from .fields import OPTIONS, ProtocolError, encode_diag, read_default_diag, read_diag_rec  # noqa: F401 - re-exported
from .init import (  # noqa: F401 - re-exported
    INIT_REQUEST,
    INIT_RESPONSE,
    Auth,
    InitRequest,
    InitResponse,
    decode_init_request,
    decode_init_response,
    encode_init_request,
    encode_init_response,
)

Z3950 = (1, 2, 840, 10003)
USMARC = (*Z3950, 5, 10)
SUTRS = (*Z3950, 5, 101)
XML = (*Z3950, 5, 109, 10)
APPLICATION_XML = (*Z3950, 5, 109, 11)
UNIMARC = (*Z3950, 5, 1)
OPAC = (*Z3950, 5, 102)

SEARCH_REQUEST, SEARCH_RESPONSE = 22, 23
PRESENT_REQUEST, PRESENT_RESPONSE = 24, 25
DELETE_REQUEST, DELETE_RESPONSE = 26, 27
SCAN_REQUEST, SCAN_RESPONSE = 35, 36
CLOSE = 48

# Close reasons.
FINISHED, SHUTDOWN, SYSTEM_PROBLEM, RESOURCES, SECURITY_VIOLATION, PROTOCOL_ERROR, LACK_OF_ACTIVITY = (
    0, 1, 2, 4, 5, 6, 7,
)  # fmt: skip

# Present status.
SUCCESS, PARTIAL_MESSAGE_SIZE, FAILURE = 0, 2, 5


@dataclass
class SearchRequest:
    query: Element | bytes  # the Query CHOICE: decoded element (server) or its encoding (client)
    reference_id: bytes | None = None
    small_set_upper_bound: int = 0
    large_set_lower_bound: int = 1
    medium_set_present_number: int = 0
    replace: bool = True
    result_set_name: str = "default"
    databases: list[str] = field(default_factory=lambda: ["Default"])
    small_set_element_set: str | None = None
    medium_set_element_set: str | None = None
    syntax: tuple[int, ...] | None = None


@dataclass
class NamePlusRecord:
    database: str | None = None
    syntax: tuple[int, ...] | None = None
    data: bytes | None = None
    diagnostic: Diagnostic | None = None  # a surrogate diagnostic instead of the record


@dataclass
class SearchResponse:
    reference_id: bytes | None = None
    count: int = 0
    returned: int = 0
    next_position: int = 1
    status: bool = True
    result_set_status: int | None = None
    present_status: int | None = None
    records: list[NamePlusRecord] | None = None
    diagnostics: list[Diagnostic] | None = None


@dataclass
class PresentRequest:
    result_set: str = "default"
    start: int = 1
    count: int = 10
    reference_id: bytes | None = None
    element_set: str | None = None
    syntax: tuple[int, ...] | None = None
    refusal: Diagnostic | None = None  # a part of the request this target does not support


@dataclass
class PresentResponse:
    reference_id: bytes | None = None
    returned: int = 0
    next_position: int = 0
    present_status: int = SUCCESS
    records: list[NamePlusRecord] | None = None
    diagnostics: list[Diagnostic] | None = None


@dataclass
class ScanRequest:
    term: Element | bytes  # AttributesPlusTerm: decoded element (server) or its encoding (client)
    reference_id: bytes | None = None
    databases: list[str] = field(default_factory=lambda: ["Default"])
    attribute_set: tuple[int, ...] | None = None
    step_size: int | None = None
    count: int = 20
    position: int | None = None


@dataclass
class ScanResponse:
    reference_id: bytes | None = None
    step_size: int | None = None
    status: int = 0  # 0 success, 6 failure
    returned: int = 0
    position: int | None = None
    entries: list[tuple[bytes, int]] = field(default_factory=list)
    diagnostics: list[Diagnostic] | None = None


@dataclass
class DeleteRequest:
    reference_id: bytes | None = None
    all: bool = False
    names: list[str] = field(default_factory=list)


@dataclass
class DeleteResponse:
    reference_id: bytes | None = None
    status: int = 0
    statuses: list[tuple[str, int]] | None = None


@dataclass
class Close:
    reason: int = FINISHED
    reference_id: bytes | None = None
    message: str | None = None


# --- Search --------------------------------------------------------------------------------------


def decode_search_request(element: Element) -> SearchRequest:
    fields = element.fields()
    syntax = fields.get((CONTEXT, 104))
    return SearchRequest(
        query=wire.required(fields, 21, "query").only(),
        reference_id=wire.reference_id(fields),
        small_set_upper_bound=wire.required(fields, 13, "smallSetUpperBound").integer(),
        large_set_lower_bound=wire.required(fields, 14, "largeSetLowerBound").integer(),
        medium_set_present_number=wire.required(fields, 15, "mediumSetPresentNumber").integer(),
        replace=wire.required(fields, 16, "replaceIndicator").boolean(),
        result_set_name=wire.text(wire.required(fields, 17, "resultSetName")),
        databases=wire.database_names(wire.required(fields, 18, "databaseNames")),
        small_set_element_set=wire.esn(fields.get((CONTEXT, 100))),
        medium_set_element_set=wire.esn(fields.get((CONTEXT, 101))),
        syntax=syntax.oid() if syntax is not None else None,
    )


def encode_search_request(request: SearchRequest) -> bytes:
    esn = request.small_set_element_set
    return ber.cons(
        CONTEXT,
        SEARCH_REQUEST,
        wire.ref(request.reference_id),
        ber.integer(request.small_set_upper_bound, 13, CONTEXT),
        ber.integer(request.large_set_lower_bound, 14, CONTEXT),
        ber.integer(request.medium_set_present_number, 15, CONTEXT),
        ber.boolean(request.replace, 16, CONTEXT),
        wire.string(17, request.result_set_name),
        ber.cons(CONTEXT, 18, *(wire.string(105, db) for db in request.databases)),
        ber.ctx(100, wire.string(0, esn)) if esn else None,
        ber.ctx(101, wire.string(0, request.medium_set_element_set))
        if request.medium_set_element_set
        else None,
        ber.oid(request.syntax, 104, CONTEXT) if request.syntax else None,
        ber.ctx(21, request.query),
    )


def _encode_records(
    records: list[NamePlusRecord] | None, diagnostics: list[Diagnostic] | None
) -> bytes | None:
    if diagnostics:
        if len(diagnostics) == 1:
            return encode_diag(diagnostics[0], tag=130)
        return ber.cons(CONTEXT, 205, *(encode_diag(d) for d in diagnostics))
    if records is None:
        return None
    return ber.cons(CONTEXT, 28, *(encode_name_plus_record(r) for r in records))


def encode_name_plus_record(record: NamePlusRecord) -> bytes:
    name = wire.string(0, record.database) if record.database else None
    if record.diagnostic is not None:
        return ber.seq(name, ber.ctx(1, ber.ctx(2, encode_diag(record.diagnostic))))
    if record.syntax == SUTRS:
        # SUTRS is an InternationalString, so it travels as one ASN.1 value rather than as octets.
        external = ber.external(record.syntax, single=ber.octets(record.data, ber.GENERAL_STRING))
    else:
        external = ber.external(record.syntax, octet_aligned=record.data)
    return ber.seq(name, ber.ctx(1, ber.ctx(1, external)))


def _decode_records(fields: dict) -> tuple[list[NamePlusRecord] | None, list[Diagnostic] | None]:
    if (CONTEXT, 130) in fields:
        return None, [read_default_diag(fields[(CONTEXT, 130)])]
    if (CONTEXT, 205) in fields:
        return None, [read_diag_rec(d) for d in fields[(CONTEXT, 205)].kids()]
    if (CONTEXT, 28) not in fields:
        return None, None
    records = []
    for entry in fields[(CONTEXT, 28)].kids():
        parts = entry.fields()
        name = parts.get((CONTEXT, 0))
        record = NamePlusRecord(database=wire.text(name) if name is not None else None)
        choice = wire.required(parts, 1, "record").only()
        if choice.is_(CONTEXT, 1):
            external = ber.read_external(choice.only())
            record.syntax = external.direct
            if external.octet_aligned is not None:
                record.data = external.octet_aligned
            elif external.single is not None and not external.single.constructed:
                record.data = external.single.octets()
            else:
                # A structured record (GRS-1, OPAC, Explain): passed on as its BER bytes is not
                # possible from the tree; callers ask for MARC or XML, so this is a diagnostic.
                record.diagnostic = Diagnostic(238, "structured record")
        elif choice.is_(CONTEXT, 2):
            record.diagnostic = read_diag_rec(choice.only())
        else:
            record.diagnostic = Diagnostic(14, "fragment")
        records.append(record)
    return records, None


def encode_search_response(response: SearchResponse) -> bytes:
    return ber.cons(
        CONTEXT,
        SEARCH_RESPONSE,
        wire.ref(response.reference_id),
        ber.integer(response.count, 23, CONTEXT),
        ber.integer(response.returned, 24, CONTEXT),
        ber.integer(response.next_position, 25, CONTEXT),
        ber.boolean(response.status, 22, CONTEXT),
        ber.integer(response.result_set_status, 26, CONTEXT)
        if response.result_set_status is not None
        else None,
        ber.integer(response.present_status, 27, CONTEXT) if response.present_status is not None else None,
        _encode_records(response.records, response.diagnostics),
    )


def decode_search_response(element: Element) -> SearchResponse:
    fields = element.fields()
    records, diagnostics = _decode_records(fields)
    return SearchResponse(
        reference_id=wire.reference_id(fields),
        count=wire.required(fields, 23, "resultCount").integer(),
        returned=wire.required(fields, 24, "numberOfRecordsReturned").integer(),
        next_position=wire.required(fields, 25, "nextResultSetPosition").integer(),
        status=wire.required(fields, 22, "searchStatus").boolean(),
        result_set_status=wire.optional_int(fields, 26),
        present_status=wire.optional_int(fields, 27),
        records=records,
        diagnostics=diagnostics,
    )


# --- Present -------------------------------------------------------------------------------------


def decode_present_request(element: Element) -> PresentRequest:
    fields = element.fields()
    syntax = fields.get((CONTEXT, 104))
    refusal = None
    if (CONTEXT, 209) in fields:
        refusal = Diagnostic(244, "")  # comp-spec not supported
    elif (CONTEXT, 212) in fields:
        refusal = Diagnostic(243, "")  # additional ranges not supported
    return PresentRequest(
        refusal=refusal,
        result_set=wire.text(wire.required(fields, 31, "resultSetId")),
        start=wire.required(fields, 30, "resultSetStartPoint").integer(),
        count=wire.required(fields, 29, "numberOfRecordsRequested").integer(),
        reference_id=wire.reference_id(fields),
        element_set=wire.esn(fields.get((CONTEXT, 19))),
        syntax=syntax.oid() if syntax is not None else None,
    )


def encode_present_request(request: PresentRequest) -> bytes:
    return ber.cons(
        CONTEXT,
        PRESENT_REQUEST,
        wire.ref(request.reference_id),
        wire.string(31, request.result_set),
        ber.integer(request.start, 30, CONTEXT),
        ber.integer(request.count, 29, CONTEXT),
        ber.ctx(19, wire.string(0, request.element_set)) if request.element_set else None,
        ber.oid(request.syntax, 104, CONTEXT) if request.syntax else None,
    )


def encode_present_response(response: PresentResponse) -> bytes:
    return ber.cons(
        CONTEXT,
        PRESENT_RESPONSE,
        wire.ref(response.reference_id),
        ber.integer(response.returned, 24, CONTEXT),
        ber.integer(response.next_position, 25, CONTEXT),
        ber.integer(response.present_status, 27, CONTEXT),
        _encode_records(response.records, response.diagnostics),
    )


def decode_present_response(element: Element) -> PresentResponse:
    fields = element.fields()
    records, diagnostics = _decode_records(fields)
    return PresentResponse(
        reference_id=wire.reference_id(fields),
        returned=wire.required(fields, 24, "numberOfRecordsReturned").integer(),
        next_position=wire.required(fields, 25, "nextResultSetPosition").integer(),
        present_status=wire.required(fields, 27, "presentStatus").integer(),
        records=records,
        diagnostics=diagnostics,
    )


# --- Scan ----------------------------------------------------------------------------------------


def decode_scan_request(element: Element) -> ScanRequest:
    fields = element.fields()
    attribute_set = fields.get((UNIVERSAL, ber.OID))
    return ScanRequest(
        term=wire.required(fields, 102, "termListAndStartPoint"),
        reference_id=wire.reference_id(fields),
        databases=wire.database_names(wire.required(fields, 3, "databaseNames")),
        attribute_set=attribute_set.oid() if attribute_set is not None else None,
        step_size=wire.optional_int(fields, 5),
        count=wire.required(fields, 6, "numberOfTermsRequested").integer(),
        position=wire.optional_int(fields, 7),
    )


def encode_scan_request(request: ScanRequest) -> bytes:
    return ber.cons(
        CONTEXT,
        SCAN_REQUEST,
        wire.ref(request.reference_id),
        ber.cons(CONTEXT, 3, *(wire.string(105, db) for db in request.databases)),
        ber.oid(request.attribute_set) if request.attribute_set else None,
        request.term,
        ber.integer(request.step_size, 5, CONTEXT) if request.step_size is not None else None,
        ber.integer(request.count, 6, CONTEXT),
        ber.integer(request.position, 7, CONTEXT) if request.position is not None else None,
    )


def encode_scan_response(response: ScanResponse) -> bytes:
    entries = None
    if response.entries or response.diagnostics:
        terms = [
            ber.cons(CONTEXT, 1, ber.octets(term, 45, CONTEXT), ber.integer(count, 2, CONTEXT))
            for term, count in response.entries
        ]
        entries = ber.cons(
            CONTEXT,
            7,
            ber.cons(CONTEXT, 1, *terms) if response.entries else None,
            ber.cons(CONTEXT, 2, *(encode_diag(d) for d in response.diagnostics))
            if response.diagnostics
            else None,
        )
    return ber.cons(
        CONTEXT,
        SCAN_RESPONSE,
        wire.ref(response.reference_id),
        ber.integer(response.step_size, 3, CONTEXT) if response.step_size is not None else None,
        ber.integer(response.status, 4, CONTEXT),
        ber.integer(response.returned, 5, CONTEXT),
        ber.integer(response.position, 6, CONTEXT) if response.position is not None else None,
        entries,
    )


def decode_scan_response(element: Element) -> ScanResponse:
    fields = element.fields()
    response = ScanResponse(
        reference_id=wire.reference_id(fields),
        step_size=wire.optional_int(fields, 3),
        status=wire.required(fields, 4, "scanStatus").integer(),
        returned=wire.required(fields, 5, "numberOfEntriesReturned").integer(),
        position=wire.optional_int(fields, 6),
    )
    entries = fields.get((CONTEXT, 7))
    if entries is not None:
        listed = entries.find(CONTEXT, 1)
        for entry in listed.kids() if listed is not None else []:
            if entry.is_(CONTEXT, 1):
                parts = entry.fields()
                term = parts.get((CONTEXT, 45))
                occurrences = parts.get((CONTEXT, 2))
                response.entries.append(
                    (term.octets() if term else b"", occurrences.integer() if occurrences else 0)
                )
        diagnostics = entries.find(CONTEXT, 2)
        if diagnostics is not None:
            response.diagnostics = [read_diag_rec(d) for d in diagnostics.kids()]
    return response


# --- Delete and Close ----------------------------------------------------------------------------


def decode_delete_request(element: Element) -> DeleteRequest:
    fields = element.fields()
    names_list = fields.get((UNIVERSAL, ber.SEQUENCE))
    return DeleteRequest(
        reference_id=wire.reference_id(fields),
        all=wire.required(fields, 32, "deleteFunction").integer() == 1,
        names=[wire.text(k) for k in names_list.kids() if k.is_(CONTEXT, 31)]
        if names_list is not None
        else [],
    )


def encode_delete_response(response: DeleteResponse) -> bytes:
    statuses = None
    if response.statuses:
        statuses = ber.cons(
            CONTEXT,
            1,
            *(
                ber.seq(wire.string(31, name), ber.integer(status, 33, CONTEXT))
                for name, status in response.statuses
            ),
        )
    return ber.cons(
        CONTEXT,
        DELETE_RESPONSE,
        wire.ref(response.reference_id),
        ber.integer(response.status, 0, CONTEXT),
        statuses,
    )


def encode_close(close: Close) -> bytes:
    return ber.cons(
        CONTEXT,
        CLOSE,
        wire.ref(close.reference_id),
        ber.integer(close.reason, 211, CONTEXT),
        wire.string(3, close.message) if close.message else None,
    )


def decode_close(element: Element) -> Close:
    fields = element.fields()
    message = fields.get((CONTEXT, 3))
    return Close(
        reason=wire.required(fields, 211, "closeReason").integer(),
        reference_id=wire.reference_id(fields),
        message=wire.text(message)[:500] if message is not None else None,
    )


# --- dispatch ------------------------------------------------------------------------------------

DECODERS = {
    INIT_REQUEST: decode_init_request,
    INIT_RESPONSE: decode_init_response,
    SEARCH_REQUEST: decode_search_request,
    SEARCH_RESPONSE: decode_search_response,
    PRESENT_REQUEST: decode_present_request,
    PRESENT_RESPONSE: decode_present_response,
    SCAN_REQUEST: decode_scan_request,
    SCAN_RESPONSE: decode_scan_response,
    DELETE_REQUEST: decode_delete_request,
    CLOSE: decode_close,
}


def decode_pdu(data: bytes, *, max_depth: int = ber.MAX_DEPTH):
    """Decode one APDU; raise BERError (not BER), ProtocolError (not an APDU we read) or Diagnostic."""
    element = ber.decode(data, max_depth=max_depth)
    if element.cls != CONTEXT or not element.constructed:
        raise ProtocolError(f"not an APDU: {element.cls}/{element.tag}")
    decoder = DECODERS.get(element.tag)
    if decoder is None:
        raise ProtocolError(f"unsupported APDU [{element.tag}]")
    try:
        return decoder(element)
    except BERError as exc:
        raise ProtocolError(str(exc)) from None


def apdu_tag(data: bytes) -> int | None:
    """Return the context tag of the APDU in DATA without decoding it (for logs), or None."""
    if not data or data[0] & 0xC0 != 0x80:
        return None
    tag = data[0] & 0x1F
    if tag != 0x1F:
        return tag
    return data[1] & 0x7F if len(data) > 1 and not data[1] & 0x80 else None
