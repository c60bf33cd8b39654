"""Type-1 (RPN) queries: their tree, their BER form, and PQF, the text form YAZ and its users write.

PQF (YAZ's Prefix Query Format) as the client and the tests write it::

    @attr 1=4 "truyện kiều"                   a term with attributes (type=value)
    @and @attr 1=4 kieu @attr 1=1003 "nguyen du"
    @or, @not (and-not), @prox ...           operators, prefix form
    @set name                                a result set as an operand
    @attrset bib-1 ...                        the attribute set of the whole query
    @attr gils 1=2000 x, @attr 1.2.3 1=4 x    an attribute set for one attribute
    @attr 1=4 @and a b                        attributes before an operator apply to both operands
    @term string "x"                          the term's type (general, numeric, string, null)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import ber
from .ber import CONTEXT, UNIVERSAL, BERError
from .diagnostics import (
    COMPLEX_ATTRIBUTE_UNSUPPORTED,
    MALFORMED_QUERY,
    QUERY_TYPE_UNSUPPORTED,
    Diagnostic,
)

BIB1 = (1, 2, 840, 10003, 3, 1)
ATTRIBUTE_SETS = {
    "bib-1": BIB1,
    "bib1": BIB1,
    "exp-1": (1, 2, 840, 10003, 3, 2),
    "ext-1": (1, 2, 840, 10003, 3, 3),
    "ccl-1": (1, 2, 840, 10003, 3, 4),
    "gils": (1, 2, 840, 10003, 3, 5),
    "zthes": (1, 2, 840, 10003, 3, 13),
    "idxpath": (1, 2, 840, 10003, 3, 1000, 81, 2),
}
MAX_PQF = 10_000


@dataclass(frozen=True)
class Attribute:
    type: int
    value: int | str  # a string only when the client sent a complex (string) value
    set: tuple[int, ...] | None = None  # None: the query's attribute set


@dataclass(frozen=True)
class AttrTerm:
    attributes: tuple[Attribute, ...]
    term: bytes | int | None  # general/characterString octets, numeric, or None (null)
    kind: str = "general"  # general | numeric | string | null

    def attribute(self, type_: int) -> Attribute | None:
        """Return the first attribute of TYPE_ (Bib-1 allows one of each type)."""
        return next((a for a in self.attributes if a.type == type_), None)


@dataclass(frozen=True)
class SetRef:
    name: str


@dataclass(frozen=True)
class Operation:
    op: str  # and | or | not | prox
    left: AttrTerm | SetRef | Operation
    right: AttrTerm | SetRef | Operation


@dataclass(frozen=True)
class RPNQuery:
    attribute_set: tuple[int, ...]
    root: AttrTerm | SetRef | Operation


# --- BER -> tree ---------------------------------------------------------------------------------

_OPERATORS = {0: "and", 1: "or", 2: "not", 3: "prox"}


def decode_query(element: ber.Element, charset: str = "utf-8") -> RPNQuery:
    """Read a Query CHOICE (the content of SearchRequest's [21]); raise Diagnostic for what cannot be read."""
    try:
        if element.cls == CONTEXT and element.tag in (1, 101) and element.constructed:
            return _rpn_query(element, charset)
    except BERError as exc:
        raise Diagnostic(MALFORMED_QUERY, str(exc)) from None
    raise Diagnostic(QUERY_TYPE_UNSUPPORTED, str(element.tag))


def _rpn_query(element: ber.Element, charset: str) -> RPNQuery:
    kids = element.kids()
    if len(kids) != 2 or not kids[0].is_(UNIVERSAL, ber.OID):
        raise BERError("RPNQuery needs an attribute set and a structure")
    return RPNQuery(kids[0].oid(), _structure(kids[1], charset))


def _structure(element: ber.Element, charset: str):
    if element.is_(CONTEXT, 0):
        return _operand(element.only(), charset)
    if element.is_(CONTEXT, 1):
        kids = element.kids()
        if len(kids) != 3 or not kids[2].is_(CONTEXT, 46):
            raise BERError("rpnRpnOp needs two structures and an operator")
        operator = kids[2].only()
        if operator.cls != CONTEXT or operator.tag not in _OPERATORS:
            raise BERError(f"unknown operator [{operator.tag}]")
        return Operation(_OPERATORS[operator.tag], _structure(kids[0], charset), _structure(kids[1], charset))
    raise BERError(f"unknown RPN structure [{element.tag}]")


def decode_attributes_plus_term(element: ber.Element) -> AttrTerm:
    """Read an AttributesPlusTerm ([102]: attributes and a term, as in a query or a Scan)."""
    kids = element.kids()
    if len(kids) != 2 or not kids[0].is_(CONTEXT, 44):
        raise BERError("AttributesPlusTerm needs attributes and a term")
    return _attr_term(kids[0], kids[1])


def _operand(element: ber.Element, charset: str):
    if element.is_(CONTEXT, 102):
        return decode_attributes_plus_term(element)
    if element.is_(CONTEXT, 31):
        return SetRef(element.text(charset))
    if element.is_(CONTEXT, 214):
        raise Diagnostic(245, "resultAttr")  # restriction operand not supported
    raise BERError(f"unknown operand [{element.tag}]")


def _attr_term(attributes: ber.Element, term: ber.Element) -> AttrTerm:
    attrs = tuple(_attribute(a) for a in attributes.kids())
    if term.is_(CONTEXT, 45) or term.is_(CONTEXT, 216):
        return AttrTerm(attrs, term.octets(), "general" if term.tag == 45 else "string")
    if term.is_(CONTEXT, 215):
        return AttrTerm(attrs, term.integer(), "numeric")
    if term.is_(CONTEXT, 221):
        return AttrTerm(attrs, None, "null")
    raise Diagnostic(229, str(term.tag))  # term type not supported


def _attribute(element: ber.Element) -> Attribute:
    fields = element.fields()
    type_ = fields.get((CONTEXT, 120))
    if type_ is None:
        raise BERError("attribute without a type")
    attr_set = fields.get((CONTEXT, 1))
    numeric = fields.get((CONTEXT, 121))
    if numeric is not None:
        value: int | str = numeric.integer()
    else:
        complex_ = fields.get((CONTEXT, 224))
        if complex_ is None:
            raise BERError("attribute without a value")
        value = _complex_value(complex_)
    return Attribute(type_.integer(), value, attr_set.oid() if attr_set is not None else None)


def _complex_value(element: ber.Element) -> int | str:
    listed = element.find(CONTEXT, 1)
    if listed is None or not listed.kids():
        raise BERError("complex attribute value without a list")
    first = listed.kids()[0]
    if first.is_(CONTEXT, 2):
        return first.integer()
    if first.is_(CONTEXT, 1):
        return first.text()
    raise Diagnostic(COMPLEX_ATTRIBUTE_UNSUPPORTED, "")


# --- tree -> BER ---------------------------------------------------------------------------------


def encode_query(query: RPNQuery, charset: str = "utf-8") -> bytes:
    """Return QUERY as a type-1 Query CHOICE ([1] IMPLICIT RPNQuery)."""
    return ber.cons(CONTEXT, 1, ber.oid(query.attribute_set), _encode_structure(query.root, charset))


def _encode_structure(node, charset: str) -> bytes:
    if isinstance(node, Operation):
        tag = {v: k for k, v in _OPERATORS.items()}[node.op]
        if node.op == "prox":
            raise ValueError("prox is not encoded by this client")
        return ber.cons(
            CONTEXT,
            1,
            _encode_structure(node.left, charset),
            _encode_structure(node.right, charset),
            ber.ctx(46, ber.null(tag, CONTEXT)),
        )
    if isinstance(node, SetRef):
        return ber.ctx(0, ber.string(node.name, 31, CONTEXT, charset))
    return ber.ctx(0, encode_attributes_plus_term(node, charset))


def encode_attributes_plus_term(node: AttrTerm, charset: str = "utf-8") -> bytes:
    """Return NODE as an AttributesPlusTerm ([102])."""
    attrs = []
    for a in node.attributes:
        value = (
            ber.integer(a.value, 121, CONTEXT)
            if isinstance(a.value, int)
            else ber.cons(CONTEXT, 224, ber.cons(CONTEXT, 1, ber.string(a.value, 1, CONTEXT, charset)))
        )
        attrs.append(
            ber.seq(
                ber.oid(a.set, 1, CONTEXT) if a.set else None,
                ber.integer(a.type, 120, CONTEXT),
                value,
            )
        )
    if node.kind == "numeric":
        term = ber.integer(int(node.term), 215, CONTEXT)
    elif node.kind == "null":
        term = ber.null(221, CONTEXT)
    else:
        data = node.term if isinstance(node.term, bytes) else str(node.term).encode(charset)
        term = ber.octets(data, 45 if node.kind == "general" else 216, CONTEXT)
    return ber.cons(CONTEXT, 102, ber.cons(CONTEXT, 44, *attrs), term)


# --- PQF -----------------------------------------------------------------------------------------


class PQFError(ValueError):
    """The PQF text cannot be read; the message says where."""


_TOKEN = re.compile(r'\s*(?:"((?:[^"\\]|\\.)*)"|(\S+))', re.S)


def _tokens(text: str) -> list[tuple[str, bool]]:
    """Split PQF into (token, quoted) pairs."""
    out = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            if text[pos:].strip():
                raise PQFError(f"unterminated quote at {pos}")
            break
        if match.group(1) is not None:
            out.append((re.sub(r"\\(.)", r"\1", match.group(1)), True))
        else:
            if match.group(2).startswith('"'):
                raise PQFError(f"unterminated quote at {pos}")
            out.append((match.group(2), False))
        pos = match.end()
    return out


def _attribute_set(name: str) -> tuple[int, ...] | None:
    if re.fullmatch(r"\d+(\.\d+)+", name):
        return tuple(int(x) for x in name.split("."))
    return ATTRIBUTE_SETS.get(name.lower())


def parse_pqf(text: str, charset: str = "utf-8") -> RPNQuery:
    """Parse PQF TEXT into an RPN query; raise PQFError when it is not well formed."""
    if len(text) > MAX_PQF:
        raise PQFError("query too long")
    tokens = _tokens(text)
    pos = 0
    attribute_set = BIB1
    if tokens and tokens[0] == ("@attrset", False):
        if len(tokens) < 2 or (found := _attribute_set(tokens[1][0])) is None:
            raise PQFError("@attrset needs a known attribute set")
        attribute_set = found
        pos = 2

    def structure(inherited: tuple[Attribute, ...], depth: int):
        nonlocal pos
        if depth > 40:
            raise PQFError("query nested too deeply")
        attrs: list[Attribute] = []
        kind = "general"
        while pos < len(tokens) and not tokens[pos][1]:
            word = tokens[pos][0]
            if word == "@attr":
                pos += 1
                attrs.append(_pqf_attribute())
            elif word == "@term":
                if pos + 1 >= len(tokens) or tokens[pos + 1][0] not in (
                    "general",
                    "numeric",
                    "string",
                    "null",
                ):
                    raise PQFError("@term needs general, numeric, string or null")
                kind = tokens[pos + 1][0]
                pos += 2
            else:
                break
        # Attributes given here replace inherited ones of the same type.
        types = {a.type for a in attrs}
        merged = tuple(attrs) + tuple(a for a in inherited if a.type not in types)
        if pos >= len(tokens):
            raise PQFError("query ends where a term or operator was expected")
        word, quoted = tokens[pos]
        if not quoted and word in ("@and", "@or", "@not"):
            pos += 1
            left = structure(merged, depth + 1)
            right = structure(merged, depth + 1)
            return Operation(word[1:], left, right)
        if not quoted and word == "@prox":
            raise PQFError("@prox is not supported by this client")
        if not quoted and word == "@set":
            if pos + 1 >= len(tokens):
                raise PQFError("@set needs a result set name")
            pos += 2
            return SetRef(tokens[pos - 1][0])
        if not quoted and word.startswith("@"):
            raise PQFError(f"unknown operator {word}")
        pos += 1
        if kind == "numeric":
            try:
                return AttrTerm(merged, int(word), "numeric")
            except ValueError:
                raise PQFError(f"numeric term expected, got {word!r}") from None
        if kind == "null":
            return AttrTerm(merged, None, "null")
        return AttrTerm(merged, word.encode(charset), kind)

    def _pqf_attribute() -> Attribute:
        nonlocal pos
        if pos >= len(tokens):
            raise PQFError("@attr needs type=value")
        attr_set = None
        if "=" not in tokens[pos][0]:
            attr_set = _attribute_set(tokens[pos][0])
            if attr_set is None:
                raise PQFError(f"unknown attribute set {tokens[pos][0]!r}")
            pos += 1
            if pos >= len(tokens):
                raise PQFError("@attr needs type=value")
        spec = tokens[pos][0]
        pos += 1
        match = re.fullmatch(r"(\d+)=(.+)", spec)
        if match is None:
            raise PQFError(f"attribute {spec!r} is not type=value")
        value: int | str = int(match.group(2)) if match.group(2).isdigit() else match.group(2)
        return Attribute(int(match.group(1)), value, attr_set)

    root = structure((), 0)
    if pos != len(tokens):
        raise PQFError(f"unexpected {tokens[pos][0]!r} after the query")
    return RPNQuery(attribute_set, root)
