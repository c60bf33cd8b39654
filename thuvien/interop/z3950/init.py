"""The Init APDUs: protocol version, options, sizes, authentication, implementation, charset negotiation.

A refused Init carries its Bib-1 diagnostic as YAZ and ZOOM clients look for it: a UserInfo-1
userInformationField holding one diag-1 DiagnosticFormat.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import ber, charneg
from . import fields as wire
from .ber import CONTEXT, UNIVERSAL, BERError, Element
from .diagnostics import Diagnostic
from .fields import OPTIONS, encode_diag, read_default_diag

Z3950 = (1, 2, 840, 10003)
USERINFO_1 = (*Z3950, 10, 3)
DIAG_1 = (*Z3950, 4, 2)
INIT_REQUEST, INIT_RESPONSE = 20, 21


@dataclass
class Auth:
    kind: str  # open | idPass | anonymous | other
    user: str = ""
    password: str = ""
    group: str = ""


@dataclass
class InitRequest:
    reference_id: bytes | None = None
    versions: set[int] = field(default_factory=lambda: {1, 2, 3})
    options: set[str] = field(default_factory=set)
    preferred_message_size: int = 1024 * 1024
    exceptional_record_size: int = 1024 * 1024
    auth: Auth | None = None
    implementation_id: str = ""
    implementation_name: str = ""
    implementation_version: str = ""
    charsets: list[str] | None = None  # the proposed character sets, in order; None: no negotiation
    records_in_selected_charsets: bool | None = None


@dataclass
class InitResponse:
    reference_id: bytes | None = None
    versions: set[int] = field(default_factory=lambda: {1, 2, 3})
    options: set[str] = field(default_factory=set)
    preferred_message_size: int = 1024 * 1024
    exceptional_record_size: int = 1024 * 1024
    result: bool = True
    implementation_id: str = ""
    implementation_name: str = ""
    implementation_version: str = ""
    charset: str | None = None  # the selected character set; None: no negotiation in force
    records_in_selected_charsets: bool | None = None
    diagnostic: Diagnostic | None = None  # why the Init was refused (userInformationField)


def _auth(element: Element) -> Auth:
    choice = element.only()
    if choice.is_(UNIVERSAL, ber.VISIBLE_STRING) or choice.is_(UNIVERSAL, ber.GENERAL_STRING):
        text = wire.text(choice)
        # "user/password" is how YAZ and most clients send an open authentication string.
        user, _sep, password = text.partition("/")
        return Auth("open", user, password)
    if choice.is_(UNIVERSAL, ber.SEQUENCE):
        fields = choice.fields()
        get = {tag: wire.text(fields[(CONTEXT, tag)]) for tag in (0, 1, 2) if (CONTEXT, tag) in fields}
        return Auth("idPass", get.get(1, ""), get.get(2, ""), get.get(0, ""))
    if choice.is_(UNIVERSAL, ber.NULL):
        return Auth("anonymous")
    return Auth("other")


def decode_init_request(element: Element) -> InitRequest:
    fields = element.fields()
    request = InitRequest(
        reference_id=wire.reference_id(fields),
        versions=wire.versions(wire.required(fields, 3, "protocolVersion")),
        options=wire.bits_to_set(wire.required(fields, 4, "options"), OPTIONS) - {""},
        preferred_message_size=wire.required(fields, 5, "preferredMessageSize").integer(),
        exceptional_record_size=wire.required(fields, 6, "exceptionalRecordSize").integer(),
    )
    if (CONTEXT, 7) in fields:
        request.auth = _auth(fields[(CONTEXT, 7)])
    for tag, name in (
        (110, "implementation_id"),
        (111, "implementation_name"),
        (112, "implementation_version"),
    ):
        if (CONTEXT, tag) in fields:
            setattr(request, name, wire.text(fields[(CONTEXT, tag)])[:200])
    negotiation = charneg.find(fields.get((CONTEXT, 201)))
    if negotiation is not None and negotiation.is_(CONTEXT, 1):
        request.charsets, request.records_in_selected_charsets = charneg.read_proposal(negotiation)
    return request


def encode_init_request(request: InitRequest) -> bytes:
    auth = None
    if request.auth is not None:
        a = request.auth
        if a.kind == "open":
            inner = ber.string(f"{a.user}/{a.password}" if a.password else a.user, ber.VISIBLE_STRING)
        elif a.kind == "anonymous":
            inner = ber.null()
        else:
            inner = ber.seq(
                wire.string(0, a.group) if a.group else None,
                wire.string(1, a.user) if a.user else None,
                wire.string(2, a.password) if a.password else None,
            )
        auth = ber.ctx(7, inner)
    other = None
    if request.charsets:
        proposal = ber.cons(
            CONTEXT,
            1,
            ber.cons(CONTEXT, 1, *(charneg.charset_choice(name) for name in request.charsets)),
            ber.boolean(True, 3, CONTEXT) if request.records_in_selected_charsets else None,
        )
        other = charneg.other_info(proposal)
    return ber.cons(
        CONTEXT,
        INIT_REQUEST,
        wire.ref(request.reference_id),
        wire.version_bits(request.versions),
        wire.options_bits(request.options),
        ber.integer(request.preferred_message_size, 5, CONTEXT),
        ber.integer(request.exceptional_record_size, 6, CONTEXT),
        auth,
        wire.string(110, request.implementation_id) if request.implementation_id else None,
        wire.string(111, request.implementation_name) if request.implementation_name else None,
        wire.string(112, request.implementation_version) if request.implementation_version else None,
        other,
    )


def encode_init_response(response: InitResponse) -> bytes:
    other = None
    if response.charset is not None:
        negotiation = ber.cons(
            CONTEXT,
            2,
            ber.ctx(1, charneg.charset_choice(response.charset)),
            ber.boolean(bool(response.records_in_selected_charsets), 3, CONTEXT)
            if response.records_in_selected_charsets is not None
            else None,
        )
        other = charneg.other_info(negotiation)
    user_info = None
    if response.diagnostic is not None:
        # UserInfo-1 (an OtherInformation) holding one diag-1 DiagnosticFormat: how YAZ and ZOOM
        # clients learn why an Init was refused.
        diag_format = ber.seq(
            ber.seq(
                ber.ctx(1, encode_diag(response.diagnostic, tag=1)),
                wire.string(2, response.diagnostic.addinfo),
            )
        )
        unit = ber.seq(ber.external(DIAG_1, single=diag_format, tag=4, cls=CONTEXT))
        # userInformationField is [11] EXTERNAL without IMPLICIT: the tag wraps a whole EXTERNAL.
        user_info = ber.ctx(11, ber.external(USERINFO_1, single=ber.cons(CONTEXT, 201, unit)))
    return ber.cons(
        CONTEXT,
        INIT_RESPONSE,
        wire.ref(response.reference_id),
        wire.version_bits(response.versions),
        wire.options_bits(response.options),
        ber.integer(response.preferred_message_size, 5, CONTEXT),
        ber.integer(response.exceptional_record_size, 6, CONTEXT),
        ber.boolean(response.result, 12, CONTEXT),
        wire.string(110, response.implementation_id) if response.implementation_id else None,
        wire.string(111, response.implementation_name) if response.implementation_name else None,
        wire.string(112, response.implementation_version) if response.implementation_version else None,
        user_info,
        other,
    )


def _init_diagnostic(user_info: Element) -> Diagnostic | None:
    try:
        external = ber.read_external(user_info)
        if external.direct != USERINFO_1 or external.single is None:
            return None
        for unit in external.single.kids():
            info = unit.find(CONTEXT, 4)
            if info is None:
                continue
            diag = ber.read_external(info)
            if diag.direct == DIAG_1 and diag.single is not None:
                for entry in diag.single.kids():
                    wrapped = entry.find(CONTEXT, 1)
                    if wrapped is not None and wrapped.only().is_(CONTEXT, 1):
                        return read_default_diag(wrapped.only())
    except BERError:
        return None
    return None


def decode_init_response(element: Element) -> InitResponse:
    fields = element.fields()
    response = InitResponse(
        reference_id=wire.reference_id(fields),
        versions=wire.versions(wire.required(fields, 3, "protocolVersion")),
        options=wire.bits_to_set(wire.required(fields, 4, "options"), OPTIONS) - {""},
        preferred_message_size=wire.required(fields, 5, "preferredMessageSize").integer(),
        exceptional_record_size=wire.required(fields, 6, "exceptionalRecordSize").integer(),
        result=wire.required(fields, 12, "result").boolean(),
    )
    for tag, name in (
        (110, "implementation_id"),
        (111, "implementation_name"),
        (112, "implementation_version"),
    ):
        if (CONTEXT, tag) in fields:
            setattr(response, name, wire.text(fields[(CONTEXT, tag)])[:200])
    negotiation = charneg.find(fields.get((CONTEXT, 201)))
    if negotiation is not None and negotiation.is_(CONTEXT, 2):
        response.charset, response.records_in_selected_charsets = charneg.read_response(negotiation)
    if (CONTEXT, 11) in fields:
        response.diagnostic = _init_diagnostic(fields[(CONTEXT, 11)].only())
    return response
