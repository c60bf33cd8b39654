"""Bib-1 attributes -> the shared fielded query (`thuvien.search.structured`), with the diagnostic for each refusal.

Decisions (documented for librarians in docs/z3950.md):

* Use (1): the access points below; a missing Use searches every field ("any").
* Relation (2): 1-6 as ordering relations (years and record numbers only), 102 (relevance) as equality.
* Position (3): 1 (first in field), 2 (first in subfield) and 3 (any position) are all accepted and
  searched as "any position". The index does not keep where a word falls in its field, and the clients
  librarians use (Koha, MarcEdit, Libol) send 3=1 with ordinary title searches: refusing them (119)
  would break copy cataloguing for no gain. Whole-field matching is asked for with completeness 3.
* Structure (4): 1 phrase, 2 word, 3 key (whole field), 4/5 year and date (the date index only),
  6/105/106 word lists (every word), 107/109 local number and numeric string, 108 string (phrase).
* Truncation (5): 1 right, 2 left, 3 both, 100 none, 101 (# is any run of characters), 104 (Z39.58:
  # one character, ? any run); regular expressions (102, 103) are refused (120).
* Completeness (6): 1 as is; 2 and 3 the whole field (a heading or title exactly).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from thuvien.search import structured as sq

from .diagnostics import (
    ILLEGAL_TERM_VALUE,
    MALFORMED_TERM,
    OPERATOR_UNSUPPORTED,
    RESULT_SET_MISSING,
    TOO_MANY_TRUNCATED_WORDS,
    UNSUPPORTED_ATTRIBUTE_SET,
    UNSUPPORTED_ATTRIBUTE_TYPE,
    UNSUPPORTED_COMPLETENESS,
    UNSUPPORTED_POSITION,
    UNSUPPORTED_RELATION,
    UNSUPPORTED_STRUCTURE,
    UNSUPPORTED_TRUNCATION,
    UNSUPPORTED_USE,
    Diagnostic,
)
from .rpn import BIB1, AttrTerm, Operation, RPNQuery, SetRef

USE = {
    1: "author",  # personal name
    2: "author",  # corporate name
    3: "author",  # conference name
    4: "title",
    5: "series",
    6: "title",  # uniform title
    7: "isbn",
    8: "issn",
    12: "localno",
    21: "subject",
    30: "date",
    31: "date",  # date of publication
    54: "language",  # code-language
    1003: "author",
    1004: "author",  # author, personal name
    1005: "author",  # author, corporate name
    1006: "author",  # author, conference name
    1016: "any",
    1018: "publisher",
    1035: "any",  # anywhere
}
# Complex (string) Use values some clients send: our index names and the Bib-1 names.
USE_NAMES = {name: name for name in sq.INDEXES} | {
    "anywhere": "any",
    "serverchoice": "any",
    "title-series": "series",
    "date-of-publication": "date",
    "local-number": "localno",
    "code-language": "language",
    "name": "author",
    "subject-heading": "subject",
}
RELATION = {1: "<", 2: "<=", 3: "=", 4: ">=", 5: ">", 6: "<>", 102: "="}
ORDERED_INDEXES = {"date", "localno"}
TRUNCATION = {1: "right", 2: "left", 3: "both", 100: "none", 101: "mask", 104: "mask"}
# Structure -> relation when the Relation attribute is equality (or absent).
STRUCTURE = {1: "adj", 2: "=", 3: "==", 4: "=", 5: "=", 6: "all", 105: "all", 106: "all", 107: "=", 108: "adj", 109: "="}  # fmt: skip
DATE_STRUCTURES = {4, 5}
KNOWN_TYPES = {1, 2, 3, 4, 5, 6}


def _value(attr, diagnostic: int) -> int:
    if not isinstance(attr.value, int):
        raise Diagnostic(diagnostic, str(attr.value))
    return attr.value


def _index(term: AttrTerm) -> str:
    use = term.attribute(1)
    if use is None:
        return "any"
    if isinstance(use.value, str):
        name = USE_NAMES.get(use.value.lower())
        if name is None or name == "all":
            raise Diagnostic(UNSUPPORTED_USE, use.value)
        return name
    name = USE.get(use.value)
    if name is None:
        raise Diagnostic(UNSUPPORTED_USE, str(use.value))
    return name


def _text(term: AttrTerm, charset: str) -> str:
    if term.kind == "numeric":
        return str(term.term)
    if term.kind == "null" or term.term is None:
        raise Diagnostic(MALFORMED_TERM, "null")
    try:
        text = term.term.decode(charset)
    except (UnicodeDecodeError, LookupError):
        raise Diagnostic(MALFORMED_TERM, "not " + charset) from None
    if not text.strip() or "\x00" in text:
        raise Diagnostic(MALFORMED_TERM, text[:60])
    return text


def _masked(text: str, truncation_value: int) -> str:
    """Rewrite TEXT's masking characters as the shared layer's (? one character, * any run)."""
    if truncation_value == 101:
        return text.replace("?", "").replace("*", "").replace("#", "*")
    # Z39.58: # is exactly one character, ? (optionally with a digit limit) any run.
    return re.sub(r"\?\d*", "*", text.replace("*", "")).replace("#", "?")


def term_node(term: AttrTerm, default_set: tuple[int, ...], charset: str = "utf-8") -> sq.Term:
    """Return the shared-layer Term for one Bib-1 AttributesPlusTerm; raise Diagnostic when it cannot be."""
    for attr in term.attributes:
        attr_set = attr.set or default_set
        if attr_set != BIB1:
            raise Diagnostic(UNSUPPORTED_ATTRIBUTE_SET, ".".join(map(str, attr_set)))
        if attr.type not in KNOWN_TYPES:
            raise Diagnostic(UNSUPPORTED_ATTRIBUTE_TYPE, str(attr.type))
    name = _index(term)
    text = _text(term, charset)

    relation = "="
    relation_attr = term.attribute(2)
    if relation_attr is not None:
        value = _value(relation_attr, UNSUPPORTED_RELATION)
        relation = RELATION.get(value, "")
        if not relation or (relation not in ("=",) and name not in ORDERED_INDEXES):
            raise Diagnostic(UNSUPPORTED_RELATION, str(value))

    position = term.attribute(3)
    if position is not None and _value(position, UNSUPPORTED_POSITION) not in (1, 2, 3):
        raise Diagnostic(UNSUPPORTED_POSITION, str(position.value))

    structure = term.attribute(4)
    if structure is not None:
        value = _value(structure, UNSUPPORTED_STRUCTURE)
        mapped = STRUCTURE.get(value)
        if mapped is None or (value in DATE_STRUCTURES and name != "date"):
            raise Diagnostic(UNSUPPORTED_STRUCTURE, str(value))
        if relation == "=":
            relation = mapped

    truncation = "none"
    truncation_attr = term.attribute(5)
    if truncation_attr is not None:
        value = _value(truncation_attr, UNSUPPORTED_TRUNCATION)
        truncation = TRUNCATION.get(value, "")
        if not truncation:
            raise Diagnostic(UNSUPPORTED_TRUNCATION, str(value))
        if truncation == "mask":
            text = _masked(text, value)
            if not re.search(r"[?*]", text):
                truncation = "none"

    completeness = term.attribute(6)
    if completeness is not None:
        value = _value(completeness, UNSUPPORTED_COMPLETENESS)
        if value not in (1, 2, 3):
            raise Diagnostic(UNSUPPORTED_COMPLETENESS, str(value))
        if value in (2, 3) and relation in ("=", "adj", "all", "any", "=="):
            relation = "=="
    return sq.Term(name, text, relation, truncation)


def to_node(
    query: RPNQuery,
    result_set: Callable[[str], sq.Term | sq.Bool] | None = None,
    charset: str = "utf-8",
) -> sq.Term | sq.Bool:
    """Return the shared-layer tree for QUERY; RESULT_SET(name) gives the tree of a named result set."""

    def walk(node) -> sq.Term | sq.Bool:
        if isinstance(node, AttrTerm):
            return term_node(node, query.attribute_set, charset)
        if isinstance(node, SetRef):
            found = result_set(node.name) if result_set is not None else None
            if found is None:
                raise Diagnostic(RESULT_SET_MISSING, node.name)
            return found
        if isinstance(node, Operation):
            if node.op not in ("and", "or", "not"):
                raise Diagnostic(OPERATOR_UNSUPPORTED, node.op)
            return sq.Bool(node.op, walk(node.left), walk(node.right))
        raise Diagnostic(OPERATOR_UNSUPPORTED, type(node).__name__)

    return walk(query.root)


def diagnostic_for(error: sq.QueryError, node: sq.Term | sq.Bool) -> Diagnostic:
    """Return the Bib-1 diagnostic for a QueryError raised while running NODE."""
    detail = error.detail[:200]
    if error.reason == "index":
        return Diagnostic(UNSUPPORTED_USE, detail)
    if error.reason == "relation":
        return Diagnostic(UNSUPPORTED_RELATION, detail)
    if error.reason == "truncation":
        return Diagnostic(UNSUPPORTED_TRUNCATION, detail)
    if error.reason == "term":
        return Diagnostic(ILLEGAL_TERM_VALUE if detail.strip() else MALFORMED_TERM, detail)
    if error.reason == "too_complex":
        return Diagnostic(TOO_MANY_TRUNCATED_WORDS if _truncated(node) else 6, detail)
    if error.reason == "operator":
        return Diagnostic(OPERATOR_UNSUPPORTED, detail)
    return Diagnostic(3, f"{error.reason} {detail}".strip())


def _truncated(node) -> bool:
    if isinstance(node, sq.Term):
        return node.truncation != "none"
    return _truncated(node.left) or _truncated(node.right)
