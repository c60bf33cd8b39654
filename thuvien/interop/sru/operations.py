"""The three SRU operations: searchRetrieve, scan and explain, each answering a read request with a document."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from thuvien.lib.vn_text import fold, tokens
from thuvien.search import structured as sq

from . import cql, explain, responses
from .diagnostics import Diagnostic, from_query_error
from .request import Request

DEFAULT_TERMS = 20
MAX_TERMS = 100
# Past this offset a page is only searched once the count says it exists: a search engine collects
# offset + limit hits, so an absurd startRecord must never reach it.
COUNT_FIRST_OFFSET = 1000
# ASCII digits only: \d would take other scripts' digits, which int() reads but XML integers refuse.
_NUMBER = re.compile(r"[0-9]{1,18}")
_STYLESHEET = re.compile(r"[^\s\"'<>\\]{1,512}")
_MEDIA = {
    "application/sru+xml": "application/sru+xml; charset=utf-8",
    "text/xml": "text/xml; charset=utf-8",
    "application/xml": "application/xml; charset=utf-8",
    "*/*": "text/xml; charset=utf-8",
    "application/*": "application/xml; charset=utf-8",
    "text/*": "text/xml; charset=utf-8",
}
DEFAULT_MEDIA = "text/xml; charset=utf-8"


@dataclass
class Site:
    """Where the server is reached, for the explain record."""

    host: str
    port: str
    database: str = "sru"


class _Refused(Exception):
    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.code)
        self.diagnostic = diagnostic


def respond(request: Request, site: Site) -> tuple[str, str]:
    """Return (document, content type) answering REQUEST."""
    shape = responses.SHAPES[request.version]
    media = _media(request)
    stylesheet = None
    problems = list(request.problems)
    if isinstance(media, Diagnostic):
        problems.append(media)
        media = DEFAULT_MEDIA
    try:
        stylesheet = _stylesheet(request)
    except _Refused as refused:
        problems.append(refused.diagnostic)
    if request.operation == "searchRetrieve":
        body = search_retrieve(request, shape, problems, stylesheet)
    elif request.operation == "scan":
        body = scan(request, shape, problems, stylesheet)
    else:
        body = explain_response(request, shape, site, problems, stylesheet)
    return body, media


def _media(request: Request) -> str | Diagnostic:
    accept = request.args.get("httpAccept")
    if not accept or request.version != "2.0":
        return DEFAULT_MEDIA
    for part in accept.split(","):
        media = _MEDIA.get(part.split(";", 1)[0].strip().lower())
        if media:
            return media
    return Diagnostic(6, "httpAccept", _("Máy chủ chỉ trả lời dạng XML."))


def _stylesheet(request: Request) -> str | None:
    value = request.args.get("stylesheet")
    if not value:
        return None
    if not _STYLESHEET.fullmatch(value) or "?>" in value:
        raise _Refused(Diagnostic(111, value[:80]))
    return value


def _integer(args: dict, name: str, default: int, *, minimum: int) -> int:
    value = args.get(name)
    if value is None or value == "":
        return default
    value = value.strip()
    if not _NUMBER.fullmatch(value):
        if name == "maximumRecords" and value.startswith("-") and _NUMBER.fullmatch(value[1:]):
            raise _Refused(Diagnostic(62, value[:40]))
        raise _Refused(Diagnostic(6, name, _("«%(name)s» phải là một số nguyên.") % {"name": name}))
    number = int(value)
    if number < minimum:
        raise _Refused(Diagnostic(6, name, _("«%(name)s» nhỏ hơn %(min)d.") % {"name": name, "min": minimum}))
    return number


def _schema(args: dict) -> str:
    written = args.get("recordSchema") or "marcxml"
    short = explain.SCHEMA_NAMES.get(written.lower())
    if short is None:
        raise _Refused(Diagnostic(66, written[:200]))
    return short


def _escaping(request: Request) -> tuple[str, str]:
    """Return (XML escaping "xml"|"string", 2.0 packing "packed"|"unpacked") asked for."""
    args = request.args
    packing = args.get("recordPacking") or ""
    if request.version != "2.0":
        if packing not in ("", "xml", "string"):
            raise _Refused(Diagnostic(71, packing[:40]))
        return packing or "xml", "packed"
    escaping = args.get("recordXMLEscaping") or ""
    if escaping not in ("", "xml", "string"):
        raise _Refused(Diagnostic(71, escaping[:40]))
    if packing in ("xml", "string"):
        # A 1.x client speaking 2.0 means by recordPacking what 2.0 calls recordXMLEscaping.
        return escaping or packing, "packed"
    if packing not in ("", "packed", "unpacked"):
        raise _Refused(Diagnostic(71, packing[:40]))
    return escaping or "xml", packing or "packed"


def _sort_keys(value: str) -> str | None:
    """Return the sort of sq.run for an SRU 1.x sortKeys parameter ("path,schema,ascending,case,missing ...")."""
    keys = value.split()
    if not keys:
        return None
    if len(keys) > 1:
        raise _Refused(Diagnostic(84, str(len(keys))))
    path, schema, ascending, case, missing, *rest = [*keys[0].split(","), "", "", "", ""]
    if rest and any(rest):
        raise _Refused(Diagnostic(6, "sortKeys"))
    if schema and explain.SCHEMA_NAMES.get(schema.lower()) is None:
        raise _Refused(Diagnostic(87, schema[:80]))
    if ascending not in ("", "0", "1", "true", "false"):
        raise _Refused(Diagnostic(90, ascending[:40]))
    if case not in ("", "0", "false"):
        raise _Refused(Diagnostic(91, case[:40]))
    if missing not in ("", "omit", "highValue", "lowValue"):
        raise _Refused(Diagnostic(92, missing[:40]))
    try:
        return cql.sort_key(
            path, cql.DEFAULT_PREFIXES.get(path.split(".", 1)[0].lower()), ascending in ("0", "false")
        )
    except cql.CQLError as error:
        raise _Refused(Diagnostic(error.code, error.details, error.message)) from None


# --- searchRetrieve -----------------------------------------------------------------------------


def search_retrieve(request: Request, shape, problems: list, stylesheet) -> str:
    """Answer a searchRetrieve request."""
    args = request.args
    root = None
    try:
        if problems:
            raise _Refused(problems[0])
        query = args.get("query")
        if not query:
            raise _Refused(Diagnostic(7, "query"))
        if args.get("queryType", "cql") != "cql":
            raise _Refused(Diagnostic(11, args["queryType"][:40]))
        if args.get("recordXPath"):
            raise _Refused(Diagnostic(72))
        if args.get("renderedBy", "client") != "client":
            raise _Refused(Diagnostic(6, "renderedBy"))
        start = _integer(args, "startRecord", 1, minimum=1)
        limit = min(
            _integer(args, "maximumRecords", settings.SRU_DEFAULT_RECORDS, minimum=0),
            settings.SRU_MAX_RECORDS,
        )
        _integer(args, "resultSetTTL", 0, minimum=0)
        schema = _schema(args)
        escaping, packing = _escaping(request)
        try:
            parsed = cql.parse(query)
            root = parsed.root
            node, sort = cql.to_structured(parsed)
        except cql.CQLError as error:
            raise _Refused(Diagnostic(error.code, error.details, error.message)) from None
        if sort is None and args.get("sortKeys"):
            sort = _sort_keys(args["sortKeys"])
        total, ids = _search(node, start, limit, sort)
    except _Refused as refused:
        echo = responses.echoed_search(shape, args, root) if root is not None and not shape.v2 else ""
        return responses.search_retrieve(
            shape, total=0, diagnostics=[refused.diagnostic], echo=echo, stylesheet=stylesheet
        )
    echo = responses.echoed_search(shape, args, root) if not shape.v2 else ""
    if start > total and (total or start > 1):
        # Past the end: the count stands, no records, and a diagnostic that is not fatal to it.
        return responses.search_retrieve(
            shape, total=total, diagnostics=[Diagnostic(61, str(start))], echo=echo, stylesheet=stylesheet
        )
    found = []
    if ids:
        render = _marcxml if schema == "marcxml" else _dc
        identifier = explain.SCHEMAS[schema][0]
        for n, record in enumerate(sq.records(ids)):
            found.append(responses.Found(identifier, render(record), start + n))
    end = start + len(ids)
    return responses.search_retrieve(
        shape,
        total=total,
        records=found,
        next_position=end if ids and end <= total else None,
        escaping=escaping,
        packing=packing,
        echo=echo,
        stylesheet=stylesheet,
    )


def _search(node, start: int, limit: int, sort: str | None) -> tuple[int, list[int]]:
    try:
        if limit == 0:
            return sq.count(node), []
        offset = start - 1
        if offset >= COUNT_FIRST_OFFSET:
            total = sq.count(node)
            if offset >= total:
                return total, []
        return sq.run(node, offset=offset, limit=limit, sort=sort)
    except sq.QueryError as error:
        raise _Refused(from_query_error(error)) from None


def _marcxml(record) -> str:
    return sq.marcxml(record)


_DC_OPEN = (
    '<srw_dc:dc xmlns:srw_dc="info:srw/schema/1/dc-schema" xmlns:dc="http://purl.org/dc/elements/1.1/">'
)


def _dc(record) -> str:
    parts = [_DC_OPEN]
    for name, values in sq.dc(record).items():
        for value in values:
            parts.append(f"<dc:{name}>{responses.esc(value)}</dc:{name}>")
    parts.append("</srw_dc:dc>")
    return "".join(parts)


# --- scan ---------------------------------------------------------------------------------------


def scan(request: Request, shape, problems: list, stylesheet) -> str:
    """Answer a scan request: index terms around the scan clause's term, with their record counts."""
    args = request.args
    try:
        if problems:
            raise _Refused(problems[0])
        clause = args.get("scanClause")
        if not clause:
            raise _Refused(Diagnostic(7, "scanClause"))
        count = min(_integer(args, "maximumTerms", DEFAULT_TERMS, minimum=1), MAX_TERMS)
        position = _integer(args, "responsePosition", 1, minimum=0)
        if position > count + 1:
            raise _Refused(Diagnostic(120, str(position)))
        try:
            index, term = cql.scan_clause(clause)
        except cql.CQLError as error:
            raise _Refused(Diagnostic(error.code, error.details, error.message)) from None
        terms = _scan(index, term, count, position)
    except _Refused as refused:
        return responses.scan(shape, diagnostics=[refused.diagnostic], stylesheet=stylesheet)
    return responses.scan(shape, terms=terms, stylesheet=stylesheet)


def _scan(index: str, term: str, count: int, position: int) -> list[tuple[str, int]]:
    try:
        if position == 0:
            # The term itself falls just before the list: ask for one more and drop it if present.
            key = " ".join(tokens(fold(term)))
            found = sq.scan(index, term, count + 1, 1)
            if found and found[0][0] == key:
                found = found[1:]
            found = found[:count]
        else:
            found = sq.scan(index, term, count, position)
    except sq.QueryError as error:
        raise _Refused(from_query_error(error)) from None
    # The term dictionary still counts records deleted from the index until its segments merge
    # (hidden, deleted, merged ones): each term is counted again by the search a client would
    # send for it, which sees only public records, and a term left with none is not shown.
    counted = [(value, _count(index, value)) for value, _n in found]
    return [(value, n) for value, n in counted if n]


def _count(index: str, value: str) -> int:
    try:
        return sq.count(sq.Term(index, value))
    except sq.QueryError:
        # A term the index holds but a search cannot take as it is (an ISBN listed under ISSN).
        return 0


# --- explain ------------------------------------------------------------------------------------


def explain_response(request: Request, shape, site: Site, problems: list, stylesheet) -> str:
    """Answer an explain request (and any request whose operation is unknown, with its diagnostic)."""
    escaping = "xml"
    try:
        escaping, _packing = _escaping(request)
    except _Refused as refused:
        problems = [*problems, refused.diagnostic]
    record = explain.record(
        shape.version,
        site.host,
        site.port,
        site.database,
        settings.SRU_DEFAULT_RECORDS,
        settings.SRU_MAX_RECORDS,
    )
    return responses.explain(
        shape, record, escaping=escaping, diagnostics=problems[:1], stylesheet=stylesheet
    )
