"""Parse what a reader types into a Tantivy query, leniently: garbage never raises.

Syntax: words (all must match), "phrases", ``field:value`` (title, author, subject, publisher, series,
isbn, issn, year, callno, any — and Vietnamese aliases), ``word*`` right truncation, ``OR``,
``-word`` or ``NOT word``, parentheses, ``year:1990-2000``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import tantivy
from tantivy import Occur, Query

from thuvien.lib.isbn import isbn13, issn, looks_like_isbn
from thuvien.lib.vn_text import exact_key, fold, has_diacritics, tokens
from thuvien.search.index import SCHEMA

MAX_CLAUSES = 32
MAX_QUERY_CHARS = 1000

FIELD_ALIASES = {
    "title": "title", "ti": "title", "nhande": "title", "tieude": "title", "ten": "title",
    "author": "author", "au": "author", "creator": "author", "tacgia": "author",
    "subject": "subject", "su": "subject", "chude": "subject",
    "publisher": "publisher", "pb": "publisher", "nxb": "publisher", "nhaxuatban": "publisher",
    "series": "series", "tungthu": "series",
    "isbn": "isbn", "issn": "issn",
    "year": "year", "date": "year", "nam": "year",
    "callno": "callno", "callnumber": "callno", "call": "callno", "kyhieu": "callno",
    "any": None, "all": None, "kw": None,
}  # fmt: skip

# Per field: (folded field, exact field, boost) used when a word has no field.
ANY_FIELDS = (
    ("title", "title_x", 3.0),
    ("author", "author_x", 2.0),
    ("subject", "subject_x", 1.5),
    ("any", "any_x", 1.0),
)
# The full text of digital objects, per reader tier (index.FULLTEXT_FIELDS, ADR 0006): what a search
# may touch is named by its caller, and nothing (protocol searches, unknown values) touches none.
# Full text is long and says less about what a document is than its title, hence the low boost.
FULLTEXT_BOOST = 0.5
FULLTEXT_TIERS = {
    "": (),
    "open": (("ft", "ft_x", FULLTEXT_BOOST),),
    "restricted": (("ft", "ft_x", FULLTEXT_BOOST), ("ftr", "ftr_x", FULLTEXT_BOOST)),
}
FIELD_TARGETS = {
    "title": ("title", "title_x"),
    "author": ("author", "author_x"),
    "subject": ("subject", "subject_x"),
    "publisher": ("publisher", None),
    "series": ("series", None),
}
# Exact-diacritic matches must outrank folded ones when the reader typed diacritics.
EXACT_BOOST = 4.0


@dataclass
class Word:
    text: str
    field: str | None = None
    prefix: bool = False
    phrase: bool = False


@dataclass
class Group:
    op: str  # "and" | "or"
    children: list = field(default_factory=list)


@dataclass
class Not:
    child: object


_LEX = re.compile(
    r"""(?P<lparen>\()|(?P<rparen>\))
      |(?P<field>[^\W\d_]\w{0,15}):(?=\S)
      |(?P<quote>"[^"]*"?)
      |(?P<neg>-(?=[\w"(]))
      |(?P<word>[^\s()"]+)""",
    re.VERBOSE,
)


def parse(text: str) -> Group:
    """Parse TEXT into a tree of groups and words; unknown syntax is taken as words."""
    text = (text or "")[:MAX_QUERY_CHARS]
    stack: list[Group] = [Group("and")]
    pending_field: str | None = None
    negate = False
    count = 0

    def add(node) -> None:
        nonlocal negate, count
        count += 1
        stack[-1].children.append(Not(node) if negate else node)
        negate = False

    for match in _LEX.finditer(text):
        if count >= MAX_CLAUSES:
            break
        kind = match.lastgroup
        value = match.group(kind)
        if kind == "lparen":
            group = Group("and")
            stack[-1].children.append(Not(group) if negate else group)
            negate = False
            stack.append(group)
        elif kind == "rparen":
            if len(stack) > 1:
                stack.pop()
        elif kind == "field":
            name = fold(value)
            if name in FIELD_ALIASES:
                pending_field = FIELD_ALIASES[name] or "any"
            else:
                add(Word(value))
        elif kind == "quote":
            inner = value.strip('"').strip()
            if inner:
                add(Word(inner, field=_take(pending_field), phrase=True))
            pending_field = None
        elif kind == "neg":
            negate = True
        else:
            upper = value.upper()
            if upper in ("OR", "|", "HOẶC") and stack[-1].children:
                stack[-1].children.append("OR")
                continue
            if upper in ("AND", "&", "VÀ") and pending_field is None:
                continue
            if upper == "NOT" and pending_field is None:
                negate = True
                continue
            prefix = value.endswith("*") and len(value.rstrip("*")) >= 2
            add(Word(value.rstrip("*") if prefix else value, field=_take(pending_field), prefix=prefix))
            pending_field = None
    return _resolve_or(stack[0])


def _take(name: str | None) -> str | None:
    return None if name in (None, "any") else name


def _resolve_or(group: Group) -> Group:
    """Turn the OR markers of a group into nested or-groups (AND binds tighter than OR)."""
    children = [_resolve_or(c) if isinstance(c, Group) else c for c in group.children]
    if "OR" not in children:
        group.children = children
        return group
    alternatives: list[list] = [[]]
    for child in children:
        if child == "OR":
            alternatives.append([])
        else:
            alternatives[-1].append(child)
    alternatives = [a for a in alternatives if a]
    ors = Group("or", [a[0] if len(a) == 1 else Group("and", a) for a in alternatives])
    return Group("and", [ors])


# --- compilation ----------------------------------------------------------------------------


def _term(field_name: str, value: str) -> Query:
    return Query.term_query(SCHEMA, field_name, value)


def _match(field_name: str, words: list[str], prefix: bool = False) -> Query | None:
    if not words:
        return None
    if prefix:
        last = Query.regex_query(SCHEMA, field_name, re.escape(words[-1]) + ".*")
        if len(words) == 1:
            return last
        return Query.phrase_prefix_query(SCHEMA, field_name, words)
    if len(words) == 1:
        return _term(field_name, words[0])
    return Query.phrase_query(SCHEMA, field_name, words)


def _should(queries: list[Query]) -> Query | None:
    queries = [q for q in queries if q is not None]
    if not queries:
        return None
    if len(queries) == 1:
        return queries[0]
    return Query.boolean_query([(Occur.Should, q) for q in queries])


def _boost(query: Query | None, boost: float) -> Query | None:
    if query is None or boost == 1.0:
        return query
    return Query.boost_query(query, boost)


def compile_word(word: Word, fulltext: str = "") -> Query | None:
    """Compile one word or phrase, with its field, into a query (None if nothing searchable is left).

    An unfielded word also searches the full-text tier FULLTEXT ("open", "restricted"; "" for none).
    """
    raw = word.text
    if word.field == "year":
        return _year_query(raw)
    if word.field in ("isbn", "issn"):
        number = isbn13(raw) if word.field == "isbn" else issn(raw)
        if number is None:
            return Query.empty_query()
        return _term("isbn", number.replace("-", "").lower())
    if word.field == "callno":
        value = "".join(raw.split()).lower()
        if not value:
            return None
        return Query.regex_query(SCHEMA, "callno", re.escape(value) + ".*")
    folded_words = tokens(fold(raw))
    if not folded_words:
        return None
    exact_words = tokens(exact_key(raw)) if has_diacritics(raw) else []
    if word.field in FIELD_TARGETS:
        folded_field, exact_field = FIELD_TARGETS[word.field]
        alternatives = [_match(folded_field, folded_words, word.prefix)]
        if exact_field and exact_words and not word.prefix:
            alternatives.append(_boost(_match(exact_field, exact_words), EXACT_BOOST))
        return _should(alternatives)
    alternatives = []
    for folded_field, exact_field, boost in ANY_FIELDS + FULLTEXT_TIERS.get(fulltext, ()):
        alternatives.append(_boost(_match(folded_field, folded_words, word.prefix), boost))
        if exact_words and not word.prefix:
            alternatives.append(_boost(_match(exact_field, exact_words), boost * EXACT_BOOST))
    if not word.phrase and looks_like_isbn(raw):
        number = isbn13(raw) or issn(raw)
        if number:
            alternatives.append(_boost(_term("isbn", number.replace("-", "").lower()), 10.0))
    elif not word.phrase and re.fullmatch(r"\d{4}-?\d{3}[\dxX]", raw) and issn(raw):
        alternatives.append(_boost(_term("isbn", issn(raw).replace("-", "").lower()), 10.0))
    return _should(alternatives)


_YEAR_RANGE = re.compile(r"^\s*(\d{1,4})?\s*(?:-|–|\.\.)\s*(\d{1,4})?\s*$")


def _year_query(raw: str) -> Query:
    raw = raw.strip()
    if raw.isdigit() and len(raw) <= 4:
        return Query.range_query(SCHEMA, "year", tantivy.FieldType.Integer, int(raw), int(raw))
    match = _YEAR_RANGE.match(raw)
    if match and (match.group(1) or match.group(2)):
        low = int(match.group(1)) if match.group(1) else None
        high = int(match.group(2)) if match.group(2) else None
        return Query.range_query(SCHEMA, "year", tantivy.FieldType.Integer, low, high)
    return Query.empty_query()


def compile_node(node, fulltext: str = "") -> tuple[Query | None, bool]:
    """Return (query, negated) for NODE; unfielded words also search the full-text tier FULLTEXT."""
    if isinstance(node, Not):
        query, _negated = compile_node(node.child, fulltext)
        return query, True
    if isinstance(node, Word):
        return compile_word(node, fulltext), False
    positives, negatives = [], []
    for child in node.children:
        query, negated = compile_node(child, fulltext)
        if query is not None:
            (negatives if negated else positives).append(query)
    if not positives:
        return None, False
    if node.op == "or":
        clauses = [(Occur.Should, q) for q in positives]
    else:
        clauses = [(Occur.Must, q) for q in positives]
    clauses += [(Occur.MustNot, q) for q in negatives]
    if len(clauses) == 1:
        return clauses[0][1], False
    return Query.boolean_query(clauses), False


def compile_query(text: str, fulltext: str = "") -> Query | None:
    """Return the Tantivy query for TEXT, or None when TEXT holds nothing searchable.

    FULLTEXT names the full-text tier unfielded words also search: "open", "restricted" or "" (none).
    """
    query, _negated = compile_node(parse(text), fulltext)
    return query


def highlight_terms(text: str) -> list[str]:
    """Return the folded words of TEXT, for highlighting matches in results."""
    return [w for w in tokens(fold(text or "")) if len(w) > 1][:MAX_CLAUSES]


def fulltext_words(text: str) -> list[tuple[str, bool]]:
    """Return (folded word, is a prefix) for the words of TEXT that search full text (unfielded, not negated)."""
    found: dict[tuple[str, bool], None] = {}

    def walk(node) -> None:
        if isinstance(node, Not):
            return
        if isinstance(node, Word):
            if node.field is None:
                words = tokens(fold(node.text))
                for i, w in enumerate(words):
                    found[(w, node.prefix and i == len(words) - 1)] = None
            return
        for child in node.children:
            if child != "OR":
                walk(child)

    walk(parse(text))
    return list(found)[:MAX_CLAUSES]
