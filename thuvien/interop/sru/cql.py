"""CQL 1.2, the query language of SRU: parse a query into a tree, then map that tree onto the shared query layer.

Parsing is syntax only (``parse``): any CQL 1.2 query is read, whatever it asks for. Mapping
(``to_structured``) decides what this server can run and names what it cannot with the SRU
diagnostic that says why. Both raise only ``CQLError``; nothing here recurses deeper than the
limits below allow, whatever the input.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from thuvien.search import structured as sq

# A query longer than this is refused before it is read (diagnostic 12).
MAX_QUERY_CHARS = 4096
# Nested parentheses (diagnostic 13) and search clauses (diagnostic 38): far above what a person or
# a copy-cataloguing client writes, far below what would make a tree too deep to walk.
MAX_DEPTH = 24
MAX_CLAUSES = 48

# Context sets this server knows, by the identifiers a prefix assignment may give them.
CONTEXT_SETS = {
    "info:srw/cql-context-set/1/cql-v1.2": "cql",
    "info:srw/cql-context-set/1/cql-v1.1": "cql",
    "info:srw/cql-context-set/1/dc-v1.1": "dc",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://zing.z3950.org/cql/bath/2.0/": "bath",
    "info:srw/cql-context-set/2/rec-1.1": "rec",
    "info:srw/cql-context-set/2/rec-1.0": "rec",
}
# The identifier each usual prefix stands for until a query assigns it otherwise.
DEFAULT_PREFIXES = {
    "cql": "info:srw/cql-context-set/1/cql-v1.2",
    "dc": "info:srw/cql-context-set/1/dc-v1.1",
    "bath": "http://zing.z3950.org/cql/bath/2.0/",
    "rec": "info:srw/cql-context-set/2/rec-1.1",
}
# (context set, index name in lower case) -> index of the shared query layer. Context set None is an
# index written without a prefix.
INDEXES = {
    ("cql", "anywhere"): "any",
    ("cql", "serverchoice"): "any",
    ("cql", "keywords"): "any",
    ("cql", "allindexes"): "any",
    ("cql", "allrecords"): "all",
    ("dc", "title"): "title",
    ("dc", "creator"): "author",
    ("dc", "author"): "author",
    ("dc", "contributor"): "author",
    ("dc", "subject"): "subject",
    ("dc", "date"): "date",
    ("dc", "publisher"): "publisher",
    ("dc", "language"): "language",
    ("bath", "title"): "title",
    ("bath", "author"): "author",
    ("bath", "name"): "author",
    ("bath", "personalname"): "author",
    ("bath", "corporatename"): "author",
    ("bath", "conferencename"): "author",
    ("bath", "subject"): "subject",
    ("bath", "topicalsubject"): "subject",
    ("bath", "isbn"): "isbn",
    ("bath", "issn"): "issn",
    ("rec", "identifier"): "localno",
    (None, "any"): "any",
    (None, "anywhere"): "any",
    (None, "serverchoice"): "any",
    (None, "keywords"): "any",
    (None, "allrecords"): "all",
    (None, "title"): "title",
    (None, "author"): "author",
    (None, "creator"): "author",
    (None, "subject"): "subject",
    (None, "publisher"): "publisher",
    (None, "series"): "series",
    (None, "date"): "date",
    (None, "year"): "date",
    (None, "language"): "language",
    (None, "isbn"): "isbn",
    (None, "issn"): "issn",
}
# Relations as written (lower case, without a "cql." prefix) -> relation of the shared query layer.
RELATIONS = {
    "=": "=",
    "scr": "=",
    "==": "==",
    "exact": "==",  # CQL 1.1's name for ==
    "adj": "adj",
    "all": "all",
    "any": "any",
    "<": "<",
    "<=": "<=",
    ">": ">",
    ">=": ">=",
    "<>": "<>",
}
# Relation modifiers that ask for what the OPAC's matching does anyway (accents and case folded,
# words, masks, ranking): accepted and without effect. "unmasked" turns masking characters off.
NEUTRAL_MODIFIERS = {"ignorecase", "ignoreaccents", "masked", "word", "relevant"}
# Sort keys: index of the shared query layer -> sort name of sq.run.
SORTABLE = {"title": "title", "author": "author", "date": "date"}
SORT_MODIFIERS_NEUTRAL = {"ignorecase", "ignoreaccents", "missinglow", "missinghigh", "missingomit"}

_BOOLEANS = {"and", "or", "not", "prox"}
_KEYWORDS = _BOOLEANS | {"sortby"}
_SPECIAL = frozenset('()=<>"/')
_MASKS = "*?"


class CQLError(Exception):
    """A query this server cannot read or run, with the SRU diagnostic number that says why."""

    def __init__(self, code: int, details: str = "", message: str = "") -> None:
        super().__init__(f"{code}: {details}")
        self.code = code
        self.details = details
        self.message = message


@dataclass(frozen=True, slots=True)
class Modifier:
    name: str
    comparison: str = ""
    value: str = ""


@dataclass(frozen=True, slots=True)
class Clause:
    index: str  # as written, e.g. "dc.title"
    relation: str  # as written: a symbol or a name
    modifiers: tuple[Modifier, ...]
    term: str  # as written inside the quotes, backslash escapes kept
    context: str | None  # identifier of the index's context set (None: no prefix and no default)


@dataclass(frozen=True, slots=True)
class Boolean:
    op: str  # "and" | "or" | "not" | "prox"
    modifiers: tuple[Modifier, ...]
    left: Clause | Boolean
    right: Clause | Boolean


@dataclass(frozen=True, slots=True)
class SortKey:
    index: str
    context: str | None
    modifiers: tuple[Modifier, ...]


@dataclass(frozen=True, slots=True)
class Query:
    root: Clause | Boolean
    sort: tuple[SortKey, ...] = ()


# --- reading ------------------------------------------------------------------------------------

_EOF = ("eof", "", False)


def _tokens(text: str) -> list[tuple[str, str, bool]]:
    """Split TEXT into (kind, value, quoted) tokens; kinds are ( ) / rel word eof."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c in "()/":
            out.append((c, c, False))
            i += 1
        elif c in "=<>":
            two = text[i : i + 2]
            if two in ("==", "<=", ">=", "<>"):
                out.append(("rel", two, False))
                i += 2
            else:
                out.append(("rel", c, False))
                i += 1
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            if j >= n:
                raise CQLError(14, text[i : i + 40], _("Thiếu dấu ngoặc kép đóng."))
            out.append(("word", text[i + 1 : j], True))
            i = j + 1
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in _SPECIAL:
                # A backslash keeps the next character in the word, whatever it is.
                j += 2 if text[j] == "\\" and j + 1 < n else 1
            out.append(("word", text[i:j], False))
            i = j
    return out


def unescape(raw: str) -> str:
    """Return RAW with CQL's backslash escapes resolved."""
    if "\\" not in raw:
        return raw
    out = []
    i = 0
    while i < len(raw):
        if raw[i] == "\\" and i + 1 < len(raw):
            out.append(raw[i + 1])
            i += 2
        else:
            out.append(raw[i])
            i += 1
    return "".join(out)


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.pos = 0
        self.clauses = 0

    def peek(self) -> tuple[str, str, bool]:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else _EOF

    def take(self) -> tuple[str, str, bool]:
        token = self.peek()
        self.pos += 1
        return token

    def word(self, after: str) -> str:
        kind, value, _quoted = self.take()
        if kind != "word":
            raise CQLError(10, after, _("Thiếu một từ sau «%(after)s».") % {"after": after})
        return value

    def query(self) -> Query:
        root, prefixes = self.cql_query(DEFAULT_PREFIXES, 0)
        sort: tuple[SortKey, ...] = ()
        kind, value, quoted = self.peek()
        if kind == "word" and not quoted and value.lower() == "sortby":
            self.pos += 1
            sort = self.sort_spec(prefixes)
        kind, value, _quoted = self.peek()
        if kind == ")":
            raise CQLError(13, ")", _("Dấu ngoặc đóng không có ngoặc mở."))
        if kind != "eof":
            raise CQLError(10, value, _("Không hiểu «%(token)s» ở đây.") % {"token": value})
        return Query(root, sort)

    def cql_query(self, prefixes: dict, depth: int):
        while self.peek() == ("rel", ">", False):
            self.pos += 1
            first = unescape(self.word(">"))
            if self.peek() == ("rel", "=", False):
                self.pos += 1
                prefixes = {**prefixes, first.lower(): unescape(self.word("="))}
            else:
                prefixes = {**prefixes, "": first}
        return self.scoped_clause(prefixes, depth), prefixes

    def scoped_clause(self, prefixes: dict, depth: int):
        left = self.search_clause(prefixes, depth)
        while True:
            kind, value, quoted = self.peek()
            if kind != "word" or quoted or value.lower() not in _BOOLEANS:
                return left
            self.pos += 1
            modifiers = self.modifiers()
            right = self.search_clause(prefixes, depth)
            left = Boolean(value.lower(), modifiers, left, right)

    def search_clause(self, prefixes: dict, depth: int):
        kind, value, quoted = self.peek()
        if kind == "(":
            if depth >= MAX_DEPTH:
                raise CQLError(13, str(MAX_DEPTH), _("Quá nhiều ngoặc lồng nhau."))
            self.pos += 1
            node, _prefixes = self.cql_query(prefixes, depth + 1)
            if self.take()[0] != ")":
                raise CQLError(13, "(", _("Thiếu dấu ngoặc đóng."))
            return node
        if kind == ")":
            raise CQLError(13, ")", _("Dấu ngoặc đóng không có ngoặc mở."))
        if kind == "eof":
            raise CQLError(10, "", _("Câu hỏi kết thúc khi còn thiếu từ tìm."))
        if kind != "word":
            raise CQLError(10, value, _("Thiếu từ tìm trước «%(token)s».") % {"token": value})
        self.pos += 1
        self.clauses += 1
        if self.clauses > MAX_CLAUSES:
            raise CQLError(38, str(MAX_CLAUSES), _("Câu hỏi có quá nhiều điều kiện."))
        next_kind, next_value, next_quoted = self.peek()
        named = next_kind == "word" and not next_quoted and next_value.lower() not in _KEYWORDS
        if next_kind != "rel" and not named:
            return Clause("cql.serverChoice", "=", (), value, DEFAULT_PREFIXES["cql"])
        index = unescape(value)
        self.pos += 1
        relation = next_value if next_kind == "rel" else unescape(next_value)
        modifiers = self.modifiers()
        kind, term, _quoted = self.take()
        if kind != "word":
            raise CQLError(
                10,
                f"{index} {relation}",
                _(
                    "Thiếu từ tìm sau «%(clause)s»; cụm nhiều từ phải đặt trong ngoặc kép, "
                    'ví dụ dc.title = "truyện kiều".'
                )
                % {"clause": f"{index} {relation}"},
            )
        return Clause(index, relation, modifiers, term, self.context(index, prefixes))

    def modifiers(self) -> tuple[Modifier, ...]:
        found = []
        while self.peek()[0] == "/":
            self.pos += 1
            name = unescape(self.word("/"))
            if self.peek()[0] == "rel":
                comparison = self.take()[1]
                found.append(Modifier(name, comparison, unescape(self.word(comparison))))
            else:
                found.append(Modifier(name))
        return tuple(found)

    def sort_spec(self, prefixes: dict) -> tuple[SortKey, ...]:
        keys = []
        while self.peek()[0] == "word":
            index = unescape(self.take()[1])
            keys.append(SortKey(index, self.context(index, prefixes), self.modifiers()))
        if not keys:
            raise CQLError(10, "sortBy", _("Thiếu chỉ mục sắp xếp sau sortBy."))
        return tuple(keys)

    @staticmethod
    def context(index: str, prefixes: dict) -> str | None:
        prefix = index.split(".", 1)[0].lower() if "." in index else ""
        return prefixes.get(prefix)


def parse(text: str) -> Query:
    """Return the tree of the CQL query TEXT; raise CQLError (syntax, length, nesting) when it cannot be read."""
    if len(text) > MAX_QUERY_CHARS:
        raise CQLError(12, str(MAX_QUERY_CHARS), _("Câu hỏi dài quá %(n)d ký tự.") % {"n": MAX_QUERY_CHARS})
    if not text.strip():
        raise CQLError(10, "", _("Câu hỏi trống."))
    return _Parser(text).query()


# --- mapping onto the shared query layer --------------------------------------------------------


def _name(index: str) -> str:
    return index.split(".", 1)[1] if "." in index else index


def _index(index: str, context: str | None) -> str:
    """Return the shared layer's index for INDEX written in CONTEXT; raise 15 or 16."""
    if "." in index:
        if context is None:
            raise CQLError(15, index.split(".", 1)[0], _("Tiền tố chỉ mục không được khai báo."))
        name = CONTEXT_SETS.get(context)
        if name is None:
            raise CQLError(15, context, _("Máy chủ không hỗ trợ tập ngữ cảnh này."))
        found = INDEXES.get((name, _name(index).lower()))
    else:
        found = None
        if context is not None and CONTEXT_SETS.get(context):
            found = INDEXES.get((CONTEXT_SETS[context], index.lower()))
        if found is None:
            found = INDEXES.get((None, index.lower()))
    if found is None:
        raise CQLError(16, index, _("Máy chủ không hỗ trợ chỉ mục «%(index)s».") % {"index": index})
    return found


def relation(written: str) -> str:
    """Return the shared layer's relation for WRITTEN; raise 19."""
    name = written.lower()
    found = RELATIONS.get(name.removeprefix("cql."))
    if found is None:
        raise CQLError(19, written, _("Máy chủ không hỗ trợ quan hệ «%(rel)s».") % {"rel": written})
    return found


def term(raw: str, *, masked: bool = True) -> tuple[str, str]:
    """Return (text, truncation) for the term RAW as written; raise 31 for an anchoring character."""
    chars: list[tuple[str, bool]] = []  # (character, is an unescaped masking character)
    i, n = 0, len(raw)
    while i < n:
        c = raw[i]
        if c == "\\" and i + 1 < n:
            chars.append((raw[i + 1], False))
            i += 2
            continue
        if c == "^" and masked:
            raise CQLError(31, raw, _("Máy chủ không hỗ trợ ký tự neo ^."))
        chars.append((c, masked and c in _MASKS))
        i += 1
    # An escaped * or ? means the character itself, which the index does not keep anyway: a space
    # keeps it from being read as a mask.
    if not any(special for _c, special in chars):
        return "".join(" " if c in _MASKS else c for c, _s in chars), "none"
    lead = 0
    while lead < len(chars) and chars[lead] == ("*", True):
        lead += 1
    trail = 0
    while trail < len(chars) - lead and chars[len(chars) - 1 - trail] == ("*", True):
        trail += 1
    middle = chars[lead : len(chars) - trail]
    if not middle:
        raise CQLError(29, raw, _("Từ tìm chỉ có ký tự đại diện."))
    if not any(special for _c, special in middle):
        text = "".join(" " if c in _MASKS else c for c, _s in middle)
        truncation = "both" if lead and trail else ("left" if lead else "right")
        return text, truncation
    return "".join(c if special or c not in _MASKS else " " for c, special in chars), "mask"


def _clause(clause: Clause) -> sq.Term:
    index = _index(clause.index, clause.context)
    rel = relation(clause.relation)
    masked = True
    for modifier in clause.modifiers:
        name = modifier.name.lower().removeprefix("cql.")
        if name == "unmasked" and not modifier.comparison:
            masked = False
        elif name not in NEUTRAL_MODIFIERS or modifier.comparison:
            raise CQLError(
                20,
                modifier.name,
                _("Máy chủ không hỗ trợ bổ ngữ quan hệ «%(mod)s».") % {"mod": modifier.name},
            )
    if index == "all":
        return sq.Term("all", "", "=")
    text, truncation = term(clause.term, masked=masked)
    if not text.strip():
        raise CQLError(27, clause.index, _("Từ tìm trống."))
    if len(text) > sq.MAX_TERM_CHARS:
        raise CQLError(
            23, str(sq.MAX_TERM_CHARS), _("Từ tìm dài quá %(n)d ký tự.") % {"n": sq.MAX_TERM_CHARS}
        )
    return sq.Term(index, text, rel, truncation)


def _node(node: Clause | Boolean):
    if isinstance(node, Clause):
        return _clause(node)
    if node.op == "prox":
        raise CQLError(37, "prox", _("Máy chủ không hỗ trợ toán tử prox."))
    if node.modifiers:
        raise CQLError(
            46,
            node.modifiers[0].name,
            _("Máy chủ không hỗ trợ bổ ngữ của toán tử «%(op)s».") % {"op": node.op},
        )
    return sq.Bool(node.op, _node(node.left), _node(node.right))


def sort_key(index: str, context: str | None, descending: bool) -> str:
    """Return the sort of sq.run for INDEX (ascending unless DESCENDING); raise 16 or 88."""
    name = SORTABLE.get(_index(index, context))
    if name is None:
        raise CQLError(88, index, _("Không sắp xếp được theo «%(index)s».") % {"index": index})
    return "-" + name if descending else name


def _sort(keys: tuple[SortKey, ...]) -> str | None:
    if not keys:
        return None
    if len(keys) > 1:
        raise CQLError(84, str(len(keys)), _("Máy chủ chỉ sắp xếp theo một khoá."))
    key = keys[0]
    descending = False
    for modifier in key.modifiers:
        name = modifier.name.lower().removeprefix("sort.")
        if name in ("ascending", "descending") and not modifier.comparison:
            descending = name == "descending"
        elif name == "respectcase":
            raise CQLError(91, modifier.name, _("Máy chủ chỉ sắp xếp không phân biệt hoa thường."))
        elif name not in SORT_MODIFIERS_NEUTRAL or modifier.comparison:
            raise CQLError(
                82,
                modifier.name,
                _("Máy chủ không hỗ trợ bổ ngữ sắp xếp «%(mod)s».") % {"mod": modifier.name},
            )
    return sort_key(key.index, key.context, descending)


def to_structured(query: Query) -> tuple[sq.Term | sq.Bool, str | None]:
    """Return (query tree of the shared layer, sort of sq.run) for QUERY; raise CQLError for what this server cannot run."""
    return _node(query.root), _sort(query.sort)


def scan_clause(text: str) -> tuple[str, str]:
    """Return (index of the shared layer, term) for an SRU scanClause; raise CQLError."""
    query = parse(text)
    if query.sort or not isinstance(query.root, Clause):
        raise CQLError(10, text[:80], _("Mệnh đề duyệt phải là một điều kiện đơn."))
    clause = query.root
    index = _index(clause.index, clause.context)
    if relation(clause.relation) not in ("=", "==", "adj", "all", "any"):
        raise CQLError(19, clause.relation, _("Duyệt chỉ mục chỉ dùng quan hệ =."))
    if clause.modifiers:
        raise CQLError(20, clause.modifiers[0].name, _("Duyệt chỉ mục không dùng bổ ngữ quan hệ."))
    text, truncation = term(clause.term)
    if truncation != "none":
        raise CQLError(28, clause.term, _("Duyệt chỉ mục không dùng ký tự đại diện."))
    return index, text
