"""What every APDU is made of: strings, option bits, required fields, diagnostics (shared by pdu and init)."""

from __future__ import annotations

from . import ber
from .ber import CONTEXT, UNIVERSAL, BERError, Element
from .diagnostics import BIB1_DIAG, Diagnostic

OPTIONS = [
    "search", "present", "delSet", "resourceReport", "triggerResourceCtrl", "resourceCtrl", "accessCtrl",
    "scan", "sort", "", "extendedServices", "level-1Segmentation", "level-2Segmentation",
    "concurrentOperations", "namedResultSets", "encapsulation", "resultCount", "negotiationModel",
    "duplicateDetection", "queryType104", "pQESCorrection", "stringSchema",
]  # fmt: skip


class ProtocolError(Exception):
    """The message is BER but not an APDU this package can read (answered with a Close)."""


def text(element: Element) -> str:
    return element.text("utf-8")


def string(tag: int, value: str) -> bytes:
    return ber.string(value, tag, CONTEXT)


def ref(reference_id: bytes | None) -> bytes | None:
    return ber.octets(reference_id, 2, CONTEXT) if reference_id is not None else None


def bits_to_set(element: Element, names: list[str]) -> set[str]:
    return {names[i] for i, on in enumerate(element.bits()) if on and i < len(names)}


def options_bits(options: set[str]) -> bytes:
    flags = [name in options and bool(name) for name in OPTIONS]
    return ber.bits(flags, 4, CONTEXT)


def version_bits(versions: set[int]) -> bytes:
    return ber.bits([v in versions for v in (1, 2, 3)], 3, CONTEXT)


def versions(element: Element) -> set[int]:
    return {i + 1 for i, on in enumerate(element.bits()) if on}


def required(fields: dict, tag: int, what: str) -> Element:
    found = fields.get((CONTEXT, tag))
    if found is None:
        raise ProtocolError(f"{what} missing")
    return found


def optional_int(fields: dict, tag: int) -> int | None:
    found = fields.get((CONTEXT, tag))
    return found.integer() if found is not None else None


def esn(element: Element | None) -> str | None:
    """Read ElementSetNames (explicitly tagged by the caller): the generic name or the first database's."""
    if element is None:
        return None
    choice = element.only()
    if choice.is_(CONTEXT, 0):
        return text(choice)
    if choice.is_(CONTEXT, 1):
        for pair in choice.kids():
            kids = pair.kids()
            if len(kids) == 2:
                return text(kids[1])
        return None
    raise ProtocolError("bad ElementSetNames")


def database_names(element: Element) -> list[str]:
    return [text(k) for k in element.kids() if k.is_(CONTEXT, 105)]


# --- diagnostics ---------------------------------------------------------------------------------


def encode_diag(diagnostic: Diagnostic, tag: int | None = None, v3: bool = True) -> bytes:
    """Encode a DefaultDiagFormat (as a SEQUENCE, or implicitly tagged TAG)."""
    parts = (
        ber.oid(BIB1_DIAG),
        ber.integer(diagnostic.code),
        ber.string(diagnostic.addinfo or "", ber.GENERAL_STRING if v3 else ber.VISIBLE_STRING),
    )
    return ber.cons(CONTEXT, tag, *parts) if tag is not None else ber.seq(*parts)


def read_default_diag(element: Element) -> Diagnostic:
    code = 0
    addinfo = ""
    for kid in element.kids():
        if kid.is_(UNIVERSAL, ber.INTEGER):
            code = kid.integer()
        elif kid.cls == UNIVERSAL and kid.tag in (ber.VISIBLE_STRING, ber.GENERAL_STRING, 12, 19, 20, 22):
            addinfo = text(kid)
    return Diagnostic(code, addinfo)


def read_diag_rec(element: Element) -> Diagnostic:
    """Read a DiagRec: the default format, or an external one (reported as code 0 with its OID)."""
    if element.is_(UNIVERSAL, ber.SEQUENCE):
        return read_default_diag(element)
    if element.is_(UNIVERSAL, ber.EXTERNAL):
        external = ber.read_external(element)
        return Diagnostic(0, ".".join(map(str, external.direct or ())))
    raise BERError(f"unexpected DiagRec {element!r}")


def reference_id(fields: dict) -> bytes | None:
    found = fields.get((CONTEXT, 2))
    return found.octets()[:512] if found is not None else None
