"""Fielded queries for the protocols: SRU's CQL and Z39.50's RPN become this tree and run on the OPAC's index.

A term is compiled with the OPAC's own word compiler (``query.compile_word``), so a protocol query and
the OPAC query ``opac_query()`` gives for it find the same records, folded the same Vietnamese way.
What the OPAC syntax cannot say (whole-field matches, left truncation, masks, year ranges by relation)
is compiled here on the same fields. Only public records are ever found or returned.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import tantivy
from tantivy import Occur, Query

from thuvien.catalog.models import Item, Record
from thuvien.lib.vn_text import fold, tokens
from thuvien.search import index
from thuvien.search.query import FIELD_TARGETS, Word, compile_word
from thuvien.search.service import HIDDEN_ITEM_STATUSES

__all__ = [
    "INDEXES",
    "RELATIONS",
    "TRUNCATIONS",
    "Bool",
    "QueryError",
    "Term",
    "count",
    "dc",
    "iso2709",
    "marcxml",
    "opac_query",
    "records",
    "run",
    "scan",
]

INDEXES = {
    "any": "mọi trường",
    "title": "nhan đề",
    "author": "tác giả",
    "subject": "chủ đề",
    "publisher": "nhà xuất bản",
    "series": "tùng thư",
    "isbn": "ISBN",
    "issn": "ISSN",
    "date": "năm xuất bản",
    "localno": "số biểu ghi thuvien",
    "language": "mã ngôn ngữ (MARC)",
    "all": "mọi biểu ghi",
}
ORDERING = {"<", "<=", ">", ">=", "<>"}
RELATIONS = {"=", "==", "adj", "all", "any", *ORDERING}
TRUNCATIONS = {"none", "right", "left", "both", "mask"}
SORTS = {
    "title": ("s_title", tantivy.Order.Asc),
    "-title": ("s_title", tantivy.Order.Desc),
    "author": ("s_author", tantivy.Order.Asc),
    "-author": ("s_author", tantivy.Order.Desc),
    "date": ("year", tantivy.Order.Asc),
    "-date": ("year", tantivy.Order.Desc),
}
KEY_FIELD = {"title": "k_title", "author": "k_author", "subject": "k_subject"}
MAX_TERMS = 64
MAX_DEPTH = 64
MAX_TERM_CHARS = 500
# A regular expression on the term dictionary must hold this many literal characters: ".*a.*" would
# walk every term of the index for every search.
MIN_LITERAL = 2


@dataclass(frozen=True)
class Term:
    index: str
    text: str
    relation: str = "="
    truncation: str = "none"


@dataclass(frozen=True)
class Bool:
    op: str  # "and" | "or" | "not" (left AND NOT right)
    left: Term | Bool
    right: Term | Bool


class QueryError(Exception):
    """A query this server cannot run; REASON says which kind (each protocol maps it to its diagnostic)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


# --- compilation --------------------------------------------------------------------------------


def _all_records() -> Query:
    return Query.term_query(index.SCHEMA, "doctype", "record")


def _words(text: str) -> list[str]:
    return tokens(fold(text))


def _opac_field(name: str) -> str | None:
    return None if name == "any" else name


def _year(text: str) -> int:
    text = text.strip()
    if not re.fullmatch(r"-?\d{1,4}", text):
        raise QueryError("term", text)
    return int(text)


def _range(field: str, relation: str, value: int, kind=tantivy.FieldType.Integer) -> Query:
    if relation in ("=", "==", "adj", "all", "any"):
        return Query.range_query(index.SCHEMA, field, kind, value, value)
    if relation == "<":
        return Query.range_query(index.SCHEMA, field, kind, None, value - 1)
    if relation == "<=":
        return Query.range_query(index.SCHEMA, field, kind, None, value)
    if relation == ">":
        return Query.range_query(index.SCHEMA, field, kind, value + 1, None)
    if relation == ">=":
        return Query.range_query(index.SCHEMA, field, kind, value, None)
    # "<>": every record but those.
    return Query.boolean_query(
        [
            (Occur.Must, _all_records()),
            (Occur.MustNot, Query.range_query(index.SCHEMA, field, kind, value, value)),
        ]
    )


def _date(term: Term) -> Query:
    if term.truncation != "none":
        raise QueryError("truncation", term.truncation)
    text = term.text.strip()
    span = re.fullmatch(r"(\d{1,4})\s*(?:-|–|\.\.|/)\s*(\d{1,4})", text)
    if span and term.relation in ("=", "==", "adj", "all", "any"):
        low, high = int(span.group(1)), int(span.group(2))
        return Query.range_query(index.SCHEMA, "year", tantivy.FieldType.Integer, low, high)
    # A full date (2024-05-01, 20240501) searches its year: the index keeps years only.
    full = re.fullmatch(r"(\d{4})(?:-?\d{2}(?:-?\d{2})?)?", text)
    return _range("year", term.relation, int(full.group(1)) if full else _year(text))


def _localno(term: Term) -> Query:
    if term.truncation != "none":
        raise QueryError("truncation", term.truncation)
    text = term.text.strip()
    if not re.fullmatch(r"\d{1,18}", text):
        raise QueryError("term", text)
    return _range("id", term.relation, int(text))


def _mask_regex(raw: str) -> str:
    """Turn RAW (masks ``?`` and ``*``/``#`` kept) into a regex over folded index terms."""
    parts = re.split(r"([?*#])", raw)
    out = []
    literal = 0
    for part in parts:
        if part == "?" or part == "#":
            out.append(".")
        elif part == "*":
            out.append(".*")
        elif part:
            folded = "".join(_words(part)) if part.strip() else ""
            folded = folded or fold(part).strip()
            literal += len(folded)
            out.append(re.escape(folded))
    if literal < MIN_LITERAL:
        raise QueryError("too_complex", raw)
    return "".join(out)


def _truncated(raw_word: str, truncation: str) -> str:
    if truncation == "mask":
        return _mask_regex(raw_word)
    body = "".join(_words(raw_word))
    if len(body) < MIN_LITERAL:
        raise QueryError("too_complex", raw_word)
    body = re.escape(body)
    return {"right": body + ".*", "left": ".*" + body, "both": ".*" + body + ".*"}[truncation]


def _phrase_pattern(raw_word: str, truncation: str, i: int, n: int) -> str:
    """Return the regex of word I of N in a truncated phrase: left truncation opens it, right closes it."""
    if truncation == "mask":
        return (
            _mask_regex(raw_word) if re.search(r"[?*#]", raw_word) else re.escape("".join(_words(raw_word)))
        )
    body = re.escape("".join(_words(raw_word)))
    if truncation in ("left", "both") and i == 0:
        body = ".*" + body
    if truncation in ("right", "both") and i == n - 1:
        body += ".*"
    return body


def _folded_fields(name: str) -> list[str]:
    if name == "any":
        return ["title", "author", "subject", "any"]
    return [FIELD_TARGETS[name][0]]


def _regex_word(name: str, raw_word: str, truncation: str) -> Query:
    pattern = _truncated(raw_word, truncation)
    queries = [Query.regex_query(index.SCHEMA, f, pattern) for f in _folded_fields(name)]
    return queries[0] if len(queries) == 1 else Query.boolean_query([(Occur.Should, q) for q in queries])


def _raw_words(text: str, truncation: str) -> list[str]:
    """Split TEXT into the words a reader typed, keeping masks inside a word when they are masks."""
    if truncation == "mask":
        return [w for w in re.split(r"\s+", text.strip()) if w]
    return [w for w in re.split(r"\s+", text.strip()) if _words(w)]


def _text(term: Term) -> Query:
    name, relation, truncation = term.index, term.relation, term.truncation
    if relation in ORDERING:
        raise QueryError("relation", relation)
    text = term.text.strip()
    if name in ("isbn", "issn"):
        if truncation != "none":
            raise QueryError("truncation", truncation)
        query = compile_word(Word(text, field=name))
        if query is None:
            raise QueryError("term", text)
        return query
    if name == "language":
        if truncation != "none":
            raise QueryError("truncation", truncation)
        code = text.lower()
        if not re.fullmatch(r"[a-z]{2,3}", code):
            raise QueryError("term", text)
        return Query.term_query(index.SCHEMA, "f_lang", code)
    if not _words(text.replace("?", " ").replace("#", " ")):
        raise QueryError("term", text)
    if relation == "==":
        return _whole_field(term)
    if truncation in ("left", "both", "mask"):
        words = _raw_words(text, truncation)
        if relation in ("=", "adj") and len(words) > 1:
            patterns = [_phrase_pattern(w, truncation, i, len(words)) for i, w in enumerate(words)]
            return _should(
                [Query.regex_phrase_query(index.SCHEMA, f, patterns) for f in _folded_fields(name)]
            )
        clauses = [_regex_word(name, w, truncation) for w in words]
        occur = Occur.Should if relation == "any" else Occur.Must
        return clauses[0] if len(clauses) == 1 else Query.boolean_query([(occur, q) for q in clauses])
    field = _opac_field(name)
    prefix = truncation == "right"
    if relation in ("=", "adj"):
        query = compile_word(Word(text, field=field, prefix=prefix, phrase=True))
    else:
        words = [w for w in re.split(r"\s+", text) if _words(w)]
        compiled = [compile_word(Word(w, field=field, prefix=prefix, phrase=True)) for w in words]
        compiled = [q for q in compiled if q is not None]
        if not compiled:
            raise QueryError("term", text)
        occur = Occur.Should if relation == "any" else Occur.Must
        query = compiled[0] if len(compiled) == 1 else Query.boolean_query([(occur, q) for q in compiled])
    if query is None:
        raise QueryError("term", text)
    return query


def _whole_field(term: Term) -> Query:
    field = KEY_FIELD.get(term.index)
    if field is None:
        # Fields without a whole-field key (publisher, series, any): the words in that order.
        return _text(Term(term.index, term.text, "adj", term.truncation))
    key = " ".join(_words(term.text))
    if term.truncation == "none":
        return Query.term_query(index.SCHEMA, field, key)
    if term.truncation == "mask":
        pattern = _mask_regex(term.text)
    else:
        if len(key) < MIN_LITERAL:
            raise QueryError("too_complex", term.text)
        body = re.escape(key)
        pattern = {"right": body + ".*", "left": ".*" + body, "both": ".*" + body + ".*"}[term.truncation]
    return Query.regex_query(index.SCHEMA, field, pattern)


def _should(queries: list[Query]) -> Query:
    return queries[0] if len(queries) == 1 else Query.boolean_query([(Occur.Should, q) for q in queries])


def _compile_term(term: Term) -> Query:
    if term.index not in INDEXES:
        raise QueryError("index", term.index)
    if term.relation not in RELATIONS:
        raise QueryError("relation", term.relation)
    if term.truncation not in TRUNCATIONS:
        raise QueryError("truncation", term.truncation)
    if len(term.text) > MAX_TERM_CHARS:
        raise QueryError("too_complex", term.text[:60])
    if term.index == "all":
        return _all_records()
    if term.index == "date":
        return _date(term)
    if term.index == "localno":
        return _localno(term)
    return _text(term)


def compile(node: Term | Bool) -> Query:  # noqa: A001 - the module's verb
    """Return the Tantivy query for NODE; raise QueryError for what cannot be run."""
    terms = 0

    def walk(n, depth: int) -> Query:
        nonlocal terms
        if depth > MAX_DEPTH:
            raise QueryError("too_complex", "depth")
        if isinstance(n, Term):
            terms += 1
            if terms > MAX_TERMS:
                raise QueryError("too_complex", "terms")
            return _compile_term(n)
        if not isinstance(n, Bool) or n.op not in ("and", "or", "not"):
            raise QueryError("operator", getattr(n, "op", type(n).__name__))
        left, right = walk(n.left, depth + 1), walk(n.right, depth + 1)
        if n.op == "and":
            return Query.boolean_query([(Occur.Must, left), (Occur.Must, right)])
        if n.op == "or":
            return Query.boolean_query([(Occur.Should, left), (Occur.Should, right)])
        return Query.boolean_query([(Occur.Must, left), (Occur.MustNot, right)])

    return walk(node, 0)


# --- running ------------------------------------------------------------------------------------


def run(
    node: Term | Bool, offset: int = 0, limit: int = 10, sort: str | None = None
) -> tuple[int, list[int]]:
    """Return (number of hits, ids of the records from OFFSET, at most LIMIT) for NODE, best first or by SORT."""
    if sort is not None and sort not in SORTS:
        raise QueryError("sort", sort)
    query = compile(node)
    searcher = index.searcher()
    kwargs = {"count": True, "offset": max(0, offset)}
    if sort is not None:
        field, order = SORTS[sort]
        kwargs.update(order_by_field=field, order=order)
    found = searcher.search(query, max(1, limit), **kwargs)
    if limit <= 0:
        return found.count or 0, []
    addresses = [address for _key, address in found.hits]
    ids = searcher.fast_field_values("id", addresses) if addresses else []
    return found.count or 0, [int(i) for i in ids]


def count(node: Term | Bool) -> int:
    """Return the number of public records NODE finds."""
    return run(node, 0, 0)[0]


_RECORD_COLUMNS = ("id", "marc", "title", "publisher", "year", "language", "material_type")


def _tables(connection) -> tuple[str, str, str]:
    q = connection.ops.quote_name
    library = Item._meta.get_field("library").related_model._meta.db_table
    return q(Record._meta.db_table), q(Item._meta.db_table), q(library)


def records(ids: list[int]) -> list[Record]:
    """Return the public records of IDS in that order, each with its public copies (vanished ones skipped)."""
    from django.db import connection

    ids = [int(i) for i in dict.fromkeys(ids)]
    if not ids:
        return []
    record_table, item_table, library_table = _tables(connection)
    # Two plain statements: through the ORM, building them cost more than running them.
    found: dict[int, Record] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(_RECORD_COLUMNS)}, search_data FROM {record_table} "  # noqa: S608 - model tables, placeholders
            f"WHERE id IN ({', '.join(['%s'] * len(ids))}) AND suppressed = %s "
            "AND deleted_at IS NULL AND merged_into_id IS NULL",
            [*ids, False],
        )
        for row in cursor.fetchall():
            record = Record.from_db("default", _RECORD_COLUMNS, row[:-1])
            # search_data is read as JSON only when someone asks for Dublin Core (see dc()).
            record._search_json = row[-1]
            record.public_copies = []
            found[record.pk] = record
        if found:
            hidden = sorted(HIDDEN_ITEM_STATUSES)
            cursor.execute(
                f"SELECT i.record_id, l.code, i.location, i.call_number, i.barcode FROM {item_table} i "  # noqa: S608
                f"JOIN {library_table} l ON l.id = i.library_id "
                f"WHERE i.record_id IN ({', '.join(['%s'] * len(found))}) "
                f"AND i.status NOT IN ({', '.join(['%s'] * len(hidden))}) "
                "ORDER BY i.record_id, l.path, i.call_number, i.barcode",
                [*found, *hidden],
            )
            for record_id, *copy in cursor.fetchall():
                found[record_id].public_copies.append(tuple(copy))
    return [found[pk] for pk in ids if pk in found]


def _copies(record: Record) -> list[tuple]:
    copies = getattr(record, "public_copies", None)
    if copies is None:
        copies = list(
            Item.objects.filter(record=record)
            .exclude(status__in=HIDDEN_ITEM_STATUSES)
            .order_by("library__path", "call_number", "barcode")
            .values_list("library__code", "location", "call_number", "barcode")
        )
    return copies


def _marc_dict(record: Record) -> dict:
    try:
        marc = json.loads(record.marc)
    except (TypeError, ValueError):
        marc = None
    return marc if isinstance(marc, dict) else {"leader": "00000nam a2200000 a 4500", "fields": []}


_RECORD_XSI = '<record xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '


def marcxml(record: Record) -> str:
    """Return RECORD as a MARCXML <record> valid against MARC21slim.xsd, with an 852 per public copy."""
    from thuvien.interop.oaipmh.provider import marcxml as render

    # The provider's records sit inside an envelope that declares xsi; standing alone, this one must.
    return render(_marc_dict(record), _copies(record)).replace("<record ", _RECORD_XSI, 1)


def iso2709(record: Record) -> bytes:
    """Return RECORD as ISO 2709 in UTF-8 (leader/09 "a"), with an 852 per public copy."""
    from thuvien.interop.marc.holdings import MARC_852
    from thuvien.interop.marc.writer import encode_iso2709_json

    codes = MARC_852.codes
    holdings = []
    for code, location, call_number, barcode in _copies(record):
        subfields = [{codes["home_library"][0]: code}]
        if location:
            subfields.append({codes["location"][0]: location})
        if call_number:
            subfields.append({codes["call_number"][0]: call_number})
        subfields.append({codes["barcode"][0]: barcode})
        holdings.append(("852", {"ind1": " ", "ind2": " ", "subfields": subfields}))
    return encode_iso2709_json(_marc_dict(record), holdings)


def dc(record: Record) -> dict[str, list[str]]:
    """Return the Dublin Core elements of RECORD."""
    from thuvien.interop.dublin_core import record_elements

    raw = record.__dict__.pop("_search_json", None)
    if raw is not None:
        record.search_data = json.loads(raw) if isinstance(raw, str | bytes) else raw
    return record_elements(record)


# --- scan ---------------------------------------------------------------------------------------

SCAN_FIELDS = {
    "any": "any",
    "title": "title",
    "author": "author",
    "subject": "subject",
    "publisher": "publisher",
    "series": "series",
    "isbn": "isbn",
    "issn": "isbn",
}


def scan(name: str, term: str, count: int = 20, position: int = 1) -> list[tuple[str, int]]:
    """Return up to COUNT (index term, number of records) in alphabetical order, TERM's place at POSITION."""
    if name not in INDEXES:
        raise QueryError("index", name)
    field = SCAN_FIELDS.get(name)
    if field is None:
        raise QueryError("index", name)
    count = max(1, min(count, 200))
    position = max(1, min(position, count + 1))
    key = " ".join(_words(term)) if name not in ("isbn", "issn") else re.sub(r"[^0-9x]", "", term.lower())
    searcher = index.searcher()
    before_needed, after_needed = position - 1, count - position + 1
    # Widen the prefix until enough terms lie on both sides of KEY: the term dictionary is only
    # reachable by prefix here, and a one-letter prefix is usually plenty.
    for prefix in dict.fromkeys([key[:2], key[:1], ""]):
        # Document frequencies count deleted documents until segments merge: count live ones only.
        terms = sorted(searcher.terms_with_prefix(field, prefix, filter_query=_all_records()))
        cut = next((i for i, (t, _n) in enumerate(terms) if t >= key), len(terms))
        enough = cut >= before_needed and len(terms) - cut >= after_needed
        if enough or prefix == "":
            start = max(0, cut - before_needed)
            return [(t, int(n)) for t, n in terms[start : cut + after_needed] if n]
    return []


# --- the OPAC's words for a query ---------------------------------------------------------------


def _quote(text: str) -> str:
    return '"' + text.replace('"', " ").strip() + '"'


def opac_query(node: Term | Bool) -> str:
    """Return OPAC search text finding what NODE finds (for the parts the OPAC syntax can say)."""
    if isinstance(node, Bool):
        left, right = opac_query(node.left), opac_query(node.right)
        if node.op == "and":
            return f"({left}) ({right})"
        if node.op == "or":
            return f"({left}) OR ({right})"
        return f"({left}) -({right})"
    prefix = "" if node.index in ("any", "all") else f"{node.index}:"
    if node.index == "all":
        return ""
    if node.index == "date":
        prefix = "year:"
    if node.truncation == "right" and node.relation in ("=", "adj"):
        words = node.text.split()
        if len(words) == 1:
            return f"{prefix}{words[0]}*"
    if node.relation in ("all", "any"):
        parts = [f"{prefix}{_quote(w)}" for w in node.text.split()]
        return (" OR " if node.relation == "any" else " ").join(parts)
    return f"{prefix}{_quote(node.text)}"
