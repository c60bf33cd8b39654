"""A strict, bounded BER codec (X.690) for Z39.50: enough ASN.1 for its PDUs, and nothing a peer can abuse.

Decoding builds a small tree of `Element`s. Every length is checked against the bytes received,
nesting depth and the number of elements are capped, and anything malformed raises `BERError`
(the one error type), so a server can answer with a diagnostic or a Close and carry on.
Encoding always uses definite lengths (DER-like), which every Z39.50 peer reads.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "APPLICATION",
    "CONTEXT",
    "PRIVATE",
    "UNIVERSAL",
    "BERError",
    "Element",
    "Framer",
    "decode",
    "frame_length",
]

UNIVERSAL, APPLICATION, CONTEXT, PRIVATE = 0, 1, 2, 3

# Universal tag numbers used by Z39.50.
BOOLEAN, INTEGER, BIT_STRING, OCTET_STRING, NULL, OID = 1, 2, 3, 4, 5, 6
EXTERNAL, SEQUENCE, SET = 8, 16, 17
VISIBLE_STRING, GENERAL_STRING, GENERALIZED_TIME = 26, 27, 24

MAX_DEPTH = 48
MAX_ELEMENTS = 200_000
# A tag number above this is nonsense in Z39.50 (the largest used is 5xx) and would cost bignums.
MAX_TAG = 1 << 28
# Integers in Z39.50 are counts, positions and codes; 8 bytes covers anything meaningful.
MAX_INTEGER_BYTES = 8
MAX_OID_ARCS = 64


class BERError(ValueError):
    """The bytes are not well-formed BER, or exceed a limit."""


@dataclass(slots=True)
class Element:
    """One TLV: its tag (class, number, constructed) and either content octets or children."""

    cls: int
    tag: int
    constructed: bool
    content: bytes = b""
    children: list[Element] | None = None

    def is_(self, cls: int, tag: int) -> bool:
        return self.cls == cls and self.tag == tag

    def __repr__(self) -> str:
        name = "UACP"[self.cls] + str(self.tag)
        if self.constructed:
            return f"<{name} {self.children!r}>"
        return f"<{name} {self.content[:40]!r}>"

    # --- children -------------------------------------------------------------------------------

    def kids(self) -> list[Element]:
        """Return the children of a constructed element; raise BERError on a primitive one."""
        if not self.constructed or self.children is None:
            raise BERError(f"expected a constructed element, got {self!r}")
        return self.children

    def only(self) -> Element:
        """Return the single child of an explicitly tagged element."""
        kids = self.kids()
        if len(kids) != 1:
            raise BERError(f"expected one element inside [{self.tag}], got {len(kids)}")
        return kids[0]

    def find(self, cls: int, tag: int) -> Element | None:
        for kid in self.kids():
            if kid.cls == cls and kid.tag == tag:
                return kid
        return None

    def fields(self) -> dict[tuple[int, int], Element]:
        """Map the children of a SEQUENCE by (class, tag): the first of each wins."""
        out: dict[tuple[int, int], Element] = {}
        for kid in self.kids():
            out.setdefault((kid.cls, kid.tag), kid)
        return out

    # --- primitive values -----------------------------------------------------------------------

    def _primitive(self) -> bytes:
        if self.constructed:
            raise BERError(f"expected a primitive element, got {self!r}")
        return self.content

    def integer(self) -> int:
        data = self._primitive()
        if not data:
            raise BERError("empty INTEGER")
        if len(data) > MAX_INTEGER_BYTES:
            raise BERError("INTEGER too long")
        return int.from_bytes(data, "big", signed=True)

    def boolean(self) -> bool:
        data = self._primitive()
        if len(data) != 1:
            raise BERError("BOOLEAN must be one octet")
        return data[0] != 0

    def octets(self) -> bytes:
        """Return an OCTET STRING's (or a string type's) value, primitive or constructed in segments."""
        if not self.constructed:
            return self.content
        # BER allows a string in constructed form: the concatenation of its primitive segments.
        parts: list[bytes] = []
        for kid in self.kids():
            if kid.cls != UNIVERSAL:
                raise BERError("a segmented string may only contain string segments")
            parts.append(kid.octets())
        return b"".join(parts)

    def text(self, encoding: str = "utf-8") -> str:
        """Return a string value decoded with ENCODING (invalid bytes replaced: strings are informative)."""
        return self.octets().decode(encoding, errors="replace")

    def oid(self) -> tuple[int, ...]:
        return decode_oid(self._primitive())

    def null(self) -> None:
        if self._primitive():
            raise BERError("NULL with content")

    def bits(self) -> list[bool]:
        """Return a BIT STRING as a list of booleans, bit 0 first."""
        data = self.octets()
        if not data:
            raise BERError("empty BIT STRING")
        unused = data[0]
        if unused > 7 or (unused and len(data) == 1):
            raise BERError("bad BIT STRING padding")
        out: list[bool] = []
        for byte in data[1:]:
            out.extend(bool(byte & (0x80 >> i)) for i in range(8))
        return out[: len(out) - unused] if unused else out


def decode_oid(data: bytes) -> tuple[int, ...]:
    if not data:
        raise BERError("empty OBJECT IDENTIFIER")
    if data[-1] & 0x80:
        raise BERError("truncated OBJECT IDENTIFIER")
    arcs: list[int] = []
    value = 0
    length = 0
    for byte in data:
        if length == 0 and byte == 0x80:
            raise BERError("OBJECT IDENTIFIER arc with a leading 0x80")
        value = (value << 7) | (byte & 0x7F)
        length += 1
        if length > 5:
            raise BERError("OBJECT IDENTIFIER arc too large")
        if not byte & 0x80:
            arcs.append(value)
            value = length = 0
            if len(arcs) > MAX_OID_ARCS:
                raise BERError("OBJECT IDENTIFIER too long")
    first = arcs[0]
    head = (first // 40, first % 40) if first < 80 else (2, first - 80)
    return (*head, *arcs[1:])


# --- decoding ------------------------------------------------------------------------------------


def _header(
    buf: bytes | bytearray | memoryview, pos: int, end: int
) -> tuple[int, int, bool, int, int] | None:
    """Read a tag and length at POS: (cls, tag, constructed, length or -1 if indefinite, content start).

    Return None when the header itself runs past END (more bytes are needed).
    """
    if pos >= end:
        return None
    first = buf[pos]
    cls = first >> 6
    constructed = bool(first & 0x20)
    tag = first & 0x1F
    pos += 1
    if tag == 0x1F:
        tag = 0
        count = 0
        while True:
            if pos >= end:
                return None
            byte = buf[pos]
            pos += 1
            if count == 0 and byte == 0x80:
                raise BERError("tag number with a leading 0x80")
            tag = (tag << 7) | (byte & 0x7F)
            count += 1
            if tag >= MAX_TAG:
                raise BERError("tag number too large")
            if not byte & 0x80:
                break
    if pos >= end:
        return None
    byte = buf[pos]
    pos += 1
    if byte < 0x80:
        return cls, tag, constructed, byte, pos
    if byte == 0x80:
        if not constructed:
            raise BERError("indefinite length on a primitive element")
        return cls, tag, constructed, -1, pos
    count = byte & 0x7F
    if count == 0x7F:
        raise BERError("reserved length octet 0xFF")
    if count > 4:
        raise BERError("length field longer than 4 octets")
    if pos + count > end:
        return None
    length = int.from_bytes(bytes(buf[pos : pos + count]), "big")
    return cls, tag, constructed, length, pos + count


class _Decoder:
    __slots__ = ("buf", "count", "max_depth", "max_elements")

    def __init__(self, buf: bytes, max_depth: int, max_elements: int) -> None:
        self.buf = buf
        self.count = 0
        self.max_depth = max_depth
        self.max_elements = max_elements

    def element(self, pos: int, end: int, depth: int) -> tuple[Element, int]:
        if depth > self.max_depth:
            raise BERError("nesting too deep")
        self.count += 1
        if self.count > self.max_elements:
            raise BERError("too many elements")
        head = _header(self.buf, pos, end)
        if head is None:
            raise BERError("truncated tag or length")
        cls, tag, constructed, length, pos = head
        if cls == UNIVERSAL and tag == 0 and not constructed and length == 0:
            raise BERError("unexpected end-of-contents")
        if length >= 0:
            stop = pos + length
            if stop > end:
                raise BERError("length runs past the end of its container")
            if not constructed:
                return Element(cls, tag, False, bytes(self.buf[pos:stop])), stop
            children = []
            while pos < stop:
                child, pos = self.element(pos, stop, depth + 1)
                children.append(child)
            return Element(cls, tag, True, children=children), stop
        children = []
        while True:
            if pos + 2 > end:
                raise BERError("indefinite length without end-of-contents")
            if self.buf[pos] == 0 and self.buf[pos + 1] == 0:
                return Element(cls, tag, True, children=children), pos + 2
            child, pos = self.element(pos, end, depth + 1)
            children.append(child)


def decode(data: bytes, *, max_depth: int = MAX_DEPTH, max_elements: int = MAX_ELEMENTS) -> Element:
    """Decode exactly one element filling DATA; raise BERError on anything malformed or over a limit."""
    decoder = _Decoder(bytes(data), max_depth, max_elements)
    element, end = decoder.element(0, len(data), 0)
    if end != len(data):
        raise BERError("trailing bytes after the element")
    return element


def _skip(buf: bytearray, pos: int, end: int, depth: int) -> int | None:
    """Return where the element at POS ends, or None if BUF does not hold all of it yet."""
    if depth > MAX_DEPTH:
        raise BERError("nesting too deep")
    head = _header(buf, pos, end)
    if head is None:
        return None
    _cls, _tag, _constructed, length, pos = head
    if length >= 0:
        return pos + length if pos + length <= end else None
    while True:
        if pos + 2 > end:
            return None
        if buf[pos] == 0 and buf[pos + 1] == 0:
            return pos + 2
        pos = _skip(buf, pos, end, depth + 1)
        if pos is None:
            return None


def frame_length(buf: bytearray, max_message: int) -> int | None:
    """Return the size of the complete element at the start of BUF, or None if more bytes are needed.

    Raise BERError as soon as the header announces more than MAX_MESSAGE bytes, before reading them,
    or when an indefinite-length element has already grown past it.
    """
    head = _header(buf, 0, len(buf))
    if head is None:
        if len(buf) > 16:
            raise BERError("tag too long")
        return None
    _cls, _tag, _constructed, length, start = head
    if length >= 0:
        if start + length > max_message:
            raise BERError(f"message of {start + length} bytes is over the limit of {max_message}")
        return start + length if start + length <= len(buf) else None
    end = _skip(buf, 0, min(len(buf), max_message), 0)
    if end is None and len(buf) >= max_message:
        raise BERError(f"message over the limit of {max_message} bytes")
    return end


class Framer:
    """Cut a byte stream into complete PDUs (top-level elements), each at most MAX_MESSAGE bytes."""

    def __init__(self, max_message: int) -> None:
        self.max_message = max_message
        self.buffer = bytearray()

    def feed(self, data: bytes) -> None:
        self.buffer += data

    def next(self) -> bytes | None:
        """Return the next complete PDU, or None; raise BERError if the stream cannot be framed."""
        if not self.buffer:
            return None
        size = frame_length(self.buffer, self.max_message)
        if size is None:
            return None
        pdu = bytes(self.buffer[:size])
        del self.buffer[:size]
        return pdu

    @property
    def pending(self) -> bool:
        return bool(self.buffer)


# --- encoding ------------------------------------------------------------------------------------


def _tag_octets(cls: int, tag: int, constructed: bool) -> bytes:
    first = (cls << 6) | (0x20 if constructed else 0)
    if tag < 0x1F:
        return bytes([first | tag])
    arcs = [tag & 0x7F]
    tag >>= 7
    while tag:
        arcs.append(0x80 | (tag & 0x7F))
        tag >>= 7
    return bytes([first | 0x1F, *reversed(arcs)])


def _length_octets(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    body = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def tlv(cls: int, tag: int, content: bytes, constructed: bool = False) -> bytes:
    """Encode one element with a definite length."""
    return _tag_octets(cls, tag, constructed) + _length_octets(len(content)) + content


def cons(cls: int, tag: int, *parts: bytes | None) -> bytes:
    """Encode a constructed element from encoded children (None ones are left out)."""
    return tlv(cls, tag, b"".join(p for p in parts if p), constructed=True)


def ctx(tag: int, *parts: bytes | None) -> bytes:
    """An explicit (constructed) context tag around PARTS."""
    return cons(CONTEXT, tag, *parts)


def seq(*parts: bytes | None) -> bytes:
    return cons(UNIVERSAL, SEQUENCE, *parts)


def int_content(value: int) -> bytes:
    return value.to_bytes(max(1, (value + (value < 0)).bit_length() // 8 + 1), "big", signed=True)


def integer(value: int, tag: int = INTEGER, cls: int = UNIVERSAL) -> bytes:
    return tlv(cls, tag, int_content(value))


def boolean(value: bool, tag: int = BOOLEAN, cls: int = UNIVERSAL) -> bytes:
    return tlv(cls, tag, b"\xff" if value else b"\x00")


def octets(value: bytes, tag: int = OCTET_STRING, cls: int = UNIVERSAL) -> bytes:
    return tlv(cls, tag, value)


def string(value: str, tag: int = GENERAL_STRING, cls: int = UNIVERSAL, encoding: str = "utf-8") -> bytes:
    return tlv(cls, tag, value.encode(encoding, errors="replace"))


def null(tag: int = NULL, cls: int = UNIVERSAL) -> bytes:
    return tlv(cls, tag, b"")


def oid_content(arcs: tuple[int, ...]) -> bytes:
    if len(arcs) < 2 or arcs[0] > 2 or (arcs[0] < 2 and arcs[1] >= 40):
        raise ValueError(f"invalid OBJECT IDENTIFIER {arcs}")
    out = bytearray()
    for arc in (arcs[0] * 40 + arcs[1], *arcs[2:]):
        if arc < 0:
            raise ValueError(f"invalid OBJECT IDENTIFIER {arcs}")
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out.extend(reversed(chunk))
    return bytes(out)


def oid(arcs: tuple[int, ...], tag: int = OID, cls: int = UNIVERSAL) -> bytes:
    return tlv(cls, tag, oid_content(arcs))


def bits(flags: list[bool], tag: int = BIT_STRING, cls: int = UNIVERSAL) -> bytes:
    """Encode a BIT STRING from booleans, bit 0 first."""
    count = len(flags)
    body = bytearray((count + 7) // 8)
    for i, flag in enumerate(flags):
        if flag:
            body[i // 8] |= 0x80 >> (i % 8)
    unused = (8 - count % 8) % 8
    return tlv(cls, tag, bytes([unused]) + bytes(body))


def external(direct: tuple[int, ...] | None, *, octet_aligned: bytes | None = None, single: bytes | None = None,
             tag: int = EXTERNAL, cls: int = UNIVERSAL) -> bytes:  # fmt: skip
    """Encode an EXTERNAL: a direct-reference OID and either octet-aligned data or one ASN.1 value."""
    if (octet_aligned is None) == (single is None):
        raise ValueError("an EXTERNAL holds exactly one of octet_aligned and single")
    encoding = tlv(CONTEXT, 1, octet_aligned) if octet_aligned is not None else ctx(0, single)
    return cons(cls, tag, oid(direct) if direct else None, encoding)


@dataclass(slots=True)
class External:
    """A decoded EXTERNAL: its direct reference and its encoding (octet-aligned bytes or one element)."""

    direct: tuple[int, ...] | None
    octet_aligned: bytes | None = None
    single: Element | None = None


def read_external(element: Element) -> External:
    """Read an EXTERNAL (whatever its outer tag); raise BERError if it is not one."""
    direct = None
    result = External(None)
    for kid in element.kids():
        if kid.is_(UNIVERSAL, OID):
            direct = kid.oid()
        elif kid.is_(UNIVERSAL, INTEGER) or kid.is_(UNIVERSAL, 7):
            continue  # indirect-reference, data-value-descriptor: unused by Z39.50
        elif kid.is_(CONTEXT, 0):
            result.single = kid.only()
        elif kid.is_(CONTEXT, 1):
            result.octet_aligned = kid.octets()
        elif kid.is_(CONTEXT, 2):
            result.octet_aligned = kid.octets()[1:] if kid.octets() else b""
        else:
            raise BERError(f"unexpected element in EXTERNAL: {kid!r}")
    if result.single is None and result.octet_aligned is None:
        raise BERError("EXTERNAL without an encoding")
    result.direct = direct
    return result
