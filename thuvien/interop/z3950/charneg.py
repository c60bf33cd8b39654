"""Character-set negotiation (Z39.50 charneg-3): read a proposal or a response, write either.

It travels in the Init APDUs' otherInfo, as an EXTERNAL (OID 1.2.840.10003.15.3). YAZ proposes UTF-8
as ISO 10646 with the UTF-8 form OID and other sets by name (a private EXTERNAL of YAZ's own OID).
"""

from __future__ import annotations

from . import ber
from .ber import CONTEXT, Element

Z3950 = (1, 2, 840, 10003)
CHARSET_3 = (*Z3950, 15, 3)
CHARSET_ID = (*Z3950, 15, 1000, 81, 1)  # YAZ's "charset by name" for private character sets
UTF8_OID = (1, 0, 10646, 1, 0, 8)
ISO10646_FORMS = {2: "UCS-2", 4: "UCS-4", 5: "UTF-16", 8: "UTF-8"}


def read_proposal(element: Element) -> tuple[list[str], bool | None]:
    """Read an OriginProposal: the proposed character set names and recordsInSelectedCharSets."""
    names: list[str] = []
    in_records = None
    for kid in element.kids():
        if kid.is_(CONTEXT, 1):
            for choice in kid.kids():
                if choice.is_(CONTEXT, 2):  # iso10646
                    level = choice.find(CONTEXT, 2)
                    if level is not None:
                        arcs = level.oid()
                        if arcs[:5] == (1, 0, 10646, 1, 0) and len(arcs) == 6:
                            names.append(ISO10646_FORMS.get(arcs[5], "ISO10646"))
                elif choice.is_(CONTEXT, 3):  # private
                    names.extend(_private_charset(choice.only()))
                elif choice.is_(CONTEXT, 1):
                    names.append("ISO2022")
        elif kid.is_(CONTEXT, 3):
            in_records = kid.boolean()
    return names, in_records


def _private_charset(element: Element) -> list[str]:
    if element.is_(CONTEXT, 2):  # externallySpecified: YAZ names the character set here
        external = ber.read_external(element)
        if external.octet_aligned is not None:
            return [external.octet_aligned.decode("ascii", errors="replace")]
        if external.single is not None and not external.single.constructed:
            return [external.single.text("ascii")]
    return []


def read_response(element: Element) -> tuple[str | None, bool | None]:
    charset = None
    in_records = None
    for kid in element.kids():
        if kid.is_(CONTEXT, 1):
            choice = kid.only()
            if choice.is_(CONTEXT, 2):
                level = choice.find(CONTEXT, 2)
                if level is not None and level.oid()[:5] == (1, 0, 10646, 1, 0):
                    charset = ISO10646_FORMS.get(level.oid()[-1], "ISO10646")
            elif choice.is_(CONTEXT, 3):
                names = _private_charset(choice.only())
                charset = names[0] if names else None
        elif kid.is_(CONTEXT, 3):
            in_records = kid.boolean()
    return charset, in_records


def find(other_info: Element | None) -> Element | None:
    """Return the CharSetandLanguageNegotiation inside an OtherInformation, if any."""
    if other_info is None:
        return None
    for unit in other_info.kids():
        if not unit.constructed:
            continue
        info = unit.find(CONTEXT, 4)
        if info is None:
            continue
        external = ber.read_external(info)
        if external.direct == CHARSET_3 and external.single is not None:
            return external.single
    return None


def other_info(negotiation: bytes) -> bytes:
    """Wrap an encoded CharSetandLanguageNegotiation in the OtherInformation that carries it."""
    return ber.cons(CONTEXT, 201, ber.seq(ber.external(CHARSET_3, single=negotiation, tag=4, cls=CONTEXT)))


def _iso10646(form_oid: tuple[int, ...]) -> bytes:
    return ber.cons(CONTEXT, 2, ber.oid(form_oid, 2, CONTEXT))


def _private_name(name: str) -> bytes:
    return ber.ctx(3, ber.external(CHARSET_ID, octet_aligned=name.encode("ascii"), tag=2, cls=CONTEXT))


def charset_choice(name: str) -> bytes:
    forms = {v: k for k, v in ISO10646_FORMS.items()}
    if name.upper() in forms:
        return _iso10646((1, 0, 10646, 1, 0, forms[name.upper()]))
    return _private_name(name)
