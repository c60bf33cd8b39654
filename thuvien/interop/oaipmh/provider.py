"""The OAI-PMH 2.0 data provider: the six verbs over the public catalogue, written as XML text.

``respond(pairs, base_url=..., record_url=...)`` takes the request's arguments as (name, value) pairs
and returns the whole response document (UTF-8 bytes); the view only turns HTTP into pairs.

Decisions worth knowing:

* Only what the OPAC may show (``catalog.queries.public_records``) is disseminated. Every other
  record (suppressed, deleted, merged into another) is reported as a header with
  ``status="deleted"`` and never with metadata: deletions are persistent, because records are never
  removed from the table, only marked.
* Datestamps are ``Record.updated_at``; lists run in (updated_at, id) order and resume after the
  last pair (a keyset, ``record_datestamp_idx``), so the last page costs what the first does. The
  upper bound of a list is frozen at its first request (the request time when no ``until`` is
  given): a record changed during a harvest moves past that bound, so it is neither sent twice nor
  lost (the next incremental harvest, from this one's responseDate, gets it).
* Sets: ``lib`` and ``lib:<code>:<code>…`` (the codes along a library's path: the records a library
  of that subtree holds a copy of, withdrawn copies aside, or contributed), ``coll`` and
  ``coll:<code>`` (catalogue collections). Headers list the fewest setSpecs that imply the others.
* ``marc21`` is the stored MARC made valid against MARC21slim.xsd, plus one 852 per public copy in the
  layout ``interop.marc.holdings.MARC_852`` reads, so another thuvien re-creates the copies.
* Records are rendered as escaped strings from rows read with one query per page; set memberships
  and copies for the whole page take one more query each.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connections
from django.db.models import F, Func, Min, Q, TextField
from django.utils import timezone
from django.utils.translation import gettext as _

from thuvien.catalog.models import Collection, Item, ItemStatus, Record
from thuvien.interop.dublin_core import OAI_DC_NS, OAI_DC_SCHEMA, elements, escape, oai_dc_xml
from thuvien.interop.marc.holdings import MARC_852
from thuvien.interop.marc.writer import (
    _CODE_OK,
    _CONTROL_TAG,
    _DATA_TAG,
    _IND_OK,
    _LEADER_OK,
    _safe_leader,
)
from thuvien.network.models import Library

from . import tokens

logger = logging.getLogger(__name__)

__all__ = ["FORMATS", "OAI_NS", "page_size", "repository_identifier", "respond"]

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
MARC_NS = "http://www.loc.gov/MARC21/slim"
MARC_SCHEMA = "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd"
GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"


@dataclass(frozen=True)
class MetadataFormat:
    prefix: str
    schema: str
    namespace: str


FORMATS = {
    "oai_dc": MetadataFormat("oai_dc", OAI_DC_SCHEMA, OAI_DC_NS),
    "marc21": MetadataFormat("marc21", MARC_SCHEMA, MARC_NS),
}

# Arguments of each verb: (required, optional, takes a resumptionToken).
_VERBS: dict[str, tuple[tuple[str, ...], tuple[str, ...], bool]] = {
    "Identify": ((), (), False),
    "ListMetadataFormats": ((), ("identifier",), False),
    "ListSets": ((), (), True),
    "GetRecord": (("identifier", "metadataPrefix"), (), False),
    "ListIdentifiers": (("metadataPrefix",), ("from", "until", "set"), True),
    "ListRecords": (("metadataPrefix",), ("from", "until", "set"), True),
}

_PREFIX_RE = re.compile(r"[A-Za-z0-9\-_.!~*'()]+\Z")
_SET_PART = r"[A-Za-z0-9\-_.!~*'()]+"
_SETSPEC_RE = re.compile(rf"{_SET_PART}(?::{_SET_PART})*\Z")
_SET_PART_RE = re.compile(rf"{_SET_PART}\Z")
_DAY_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})\Z", re.ASCII)
_SECOND_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z\Z", re.ASCII)
# What a request attribute may echo as xsd:anyURI without a validator objecting.
_URI_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:(?:%[0-9A-Fa-f]{2}|[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=])+\Z")
_REPOSITORY_ID_RE = re.compile(r"[a-zA-Z][a-zA-Z0-9\-]*(?:\.[a-zA-Z][a-zA-Z0-9\-]*)+\Z")
_EMAIL_RE = re.compile(r"\S+@(?:\S+\.)+\S+\Z")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)
# SQLite caps the parameters of one statement (999 before 3.32): id lists go in slices.
_ID_SLICE = 900
_WITHDRAWN = ItemStatus.WITHDRAWN.value


# --- settings --------------------------------------------------------------------------------------


def page_size() -> int:
    """Return how many records or headers one list response carries."""
    return max(1, int(getattr(settings, "OAI_PAGE_SIZE", 500)))


def repository_identifier() -> str:
    """Return the repository part of the item identifiers (``oai:<this>:<record id>``)."""
    configured = getattr(settings, "OAI_REPOSITORY_IDENTIFIER", "")
    if configured:
        return configured
    # Default: the public host name when it is a domain name (as the oai-identifier scheme wants);
    # a bare address or "localhost" gives a placeholder domain.
    host = urlsplit(getattr(settings, "SITE_URL", "") or "").hostname or ""
    return host if _REPOSITORY_ID_RE.match(host) else "thuvien.local"


def _repository_name() -> str:
    return getattr(settings, "OAI_REPOSITORY_NAME", "") or getattr(settings, "SITE_NAME", "") or "thuvien"


def _admin_emails() -> list[str]:
    configured = getattr(settings, "OAI_ADMIN_EMAILS", None) or getattr(settings, "OAI_ADMIN_EMAIL", None)
    if isinstance(configured, str):
        configured = [configured]
    valid = [e for e in configured or () if isinstance(e, str) and _EMAIL_RE.match(e)]
    if valid:
        return valid
    # Else the site's administrators or sender; the schema wants an address with a dotted domain.
    fallbacks = [a[1] if isinstance(a, list | tuple) else a for a in getattr(settings, "ADMINS", ())]
    fallbacks.append(getattr(settings, "DEFAULT_FROM_EMAIL", ""))
    valid = [e for e in fallbacks if isinstance(e, str) and _EMAIL_RE.match(e)]
    if valid:
        return valid[:1]
    repository = repository_identifier()
    return [f"admin@{repository if _REPOSITORY_ID_RE.match(repository) else 'thuvien.local'}"]


# --- errors ----------------------------------------------------------------------------------------


class OAIError(Exception):
    """One or more OAI-PMH errors; ECHO says whether the request's arguments may be echoed."""

    def __init__(self, errors: list[tuple[str, str]], *, echo: bool = True):
        super().__init__(errors)
        self.errors = errors
        self.echo = echo


def _quote(text: str, limit: int = 60) -> str:
    """Return user text fit to appear inside an error message."""
    text = _XML_ILLEGAL.sub("", text)
    return text if len(text) <= limit else text[:limit] + "…"


# --- request -----------------------------------------------------------------------------------------


@dataclass
class Arguments:
    verb: str
    values: dict[str, str]
    start: datetime | None = None  # from, inclusive
    end: datetime | None = None  # until, exclusive (the second or day after)


def _parse_date(name: str, text: str) -> tuple[datetime, timedelta]:
    """Return the start of the second or day TEXT names and its length (raise ValueError)."""
    m = _SECOND_RE.match(text)
    if m:
        return datetime(*map(int, m.groups()), tzinfo=UTC), timedelta(seconds=1)
    m = _DAY_RE.match(text)
    if m:
        day = date(*map(int, m.groups()))
        return datetime(day.year, day.month, day.day, tzinfo=UTC), timedelta(days=1)
    raise ValueError(name)


def parse_arguments(pairs: list[tuple[str, str]]) -> Arguments:
    """Check the request's arguments against the verb's (raise OAIError badVerb/badArgument)."""
    verbs = [v for k, v in pairs if k == "verb"]
    if not verbs:
        raise OAIError([("badVerb", _("Thiếu tham số verb."))], echo=False)
    if len(verbs) > 1:
        raise OAIError([("badVerb", _("Tham số verb bị lặp lại."))], echo=False)
    verb = verbs[0]
    if verb not in _VERBS:
        raise OAIError(
            [("badVerb", _("Verb không hợp lệ: “%(verb)s”.") % {"verb": _quote(verb)})], echo=False
        )
    required, optional, takes_token = _VERBS[verb]
    allowed = set(required) | set(optional) | ({"resumptionToken"} if takes_token else set())
    values: dict[str, str] = {}
    errors: list[tuple[str, str]] = []
    for name, value in pairs:
        if name == "verb":
            continue
        if name not in allowed:
            errors.append(
                (
                    "badArgument",
                    _("Tham số không hợp lệ với %(verb)s: “%(name)s”.")
                    % {"verb": verb, "name": _quote(name)},
                )
            )
        elif name in values:
            errors.append(("badArgument", _("Tham số %(name)s bị lặp lại.") % {"name": name}))
        else:
            values[name] = value
    if errors:
        raise OAIError(errors, echo=False)
    if "resumptionToken" in values:
        if len(values) > 1:
            raise OAIError(
                [("badArgument", _("resumptionToken phải là tham số duy nhất đi kèm verb."))], echo=False
            )
        return Arguments(verb, values)
    for name in required:
        if name not in values:
            errors.append(("badArgument", _("Thiếu tham số bắt buộc %(name)s.") % {"name": name}))
    for name, value in values.items():
        if not value:
            errors.append(("badArgument", _("Tham số %(name)s để trống.") % {"name": name}))
    if errors:
        raise OAIError(errors, echo=False)
    args = Arguments(verb, values)
    prefix = values.get("metadataPrefix")
    if prefix is not None and not _PREFIX_RE.match(prefix):
        errors.append(("badArgument", _("metadataPrefix có ký tự không hợp lệ.")))
    set_spec = values.get("set")
    if set_spec is not None and not _SETSPEC_RE.match(set_spec):
        errors.append(
            ("badArgument", _("setSpec không đúng cú pháp: “%(set)s”.") % {"set": _quote(set_spec)})
        )
    spans = {}
    for name in ("from", "until"):
        if name in values:
            try:
                spans[name] = _parse_date(name, values[name])
            except (ValueError, OverflowError):
                errors.append(
                    (
                        "badArgument",
                        _(
                            "%(name)s phải có dạng YYYY-MM-DD hoặc YYYY-MM-DDThh:mm:ssZ và là một ngày có thật."
                        )
                        % {"name": name},
                    )
                )
    if len(spans) == 2 and not errors:
        (start, start_len), (until, until_len) = spans["from"], spans["until"]
        if start_len != until_len:
            errors.append(
                ("badArgument", _("from và until phải cùng độ chi tiết (cùng là ngày hoặc cùng là giây)."))
            )
        elif start > until:
            errors.append(("badArgument", _("from muộn hơn until.")))
    if errors:
        raise OAIError(errors, echo=False)
    if "from" in spans:
        args.start = spans["from"][0]
    if "until" in spans:
        until, length = spans["until"]
        try:
            args.end = until + length
        except OverflowError:
            args.end = None  # until 9999-12-31: no bound
    return args


def _echo(args: Arguments) -> dict[str, str]:
    """Return the request attributes to echo: the verb and the arguments whose values are well-formed."""
    echoed = {"verb": args.verb}
    for name, value in args.values.items():
        if name == "identifier":
            if not _URI_RE.match(value):
                continue
        elif name == "resumptionToken":
            if len(value) > tokens.MAX_LENGTH or _XML_ILLEGAL.search(value):
                continue
        echoed[name] = value
    return echoed


# --- datestamps ---------------------------------------------------------------------------------------


def _micros(value) -> int:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return (value - _EPOCH) // _MICRO


def _from_micros(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


def _stamp(value) -> str:
    """Return a stored datestamp as YYYY-MM-DDThh:mm:ssZ (SQLite gives UTC text, PostgreSQL datetimes)."""
    if isinstance(value, str):
        return f"{value[:10]}T{value[11:19]}Z"
    if value.tzinfo is not None and value.utcoffset():
        value = value.astimezone(UTC)
    # isoformat() is several times faster than strftime().
    return value.isoformat()[:19] + "Z"


def _format_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- sets -----------------------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def _library_spec(path: str) -> str | None:
    codes = [c for c in path.split("/") if c]
    if not codes or not all(_SET_PART_RE.match(c) for c in codes):
        return None
    return "lib:" + ":".join(codes)


@lru_cache(maxsize=8192)
def _collection_spec(code: str) -> str | None:
    return f"coll:{code}" if _SET_PART_RE.match(code) else None


def _has_sets() -> bool:
    return Library.objects.exists() or Collection.objects.exists()


def _set_filter(spec: str) -> Q | None:
    """Return the condition on Record for set SPEC, or None when no such set exists."""
    kind, _sep, rest = spec.partition(":")
    held = Item.objects.exclude(status=_WITHDRAWN)
    if kind == "lib":
        if not rest:
            return Q(source_library__isnull=False) | Q(pk__in=held.values("record_id"))
        path = "/" + "/".join(rest.split(":")) + "/"
        if not Library.objects.filter(path=path).exists():
            return None
        libraries = Library.objects.filter(path__startswith=path).values("id")
        return Q(source_library_id__in=libraries) | Q(
            pk__in=held.filter(library_id__in=libraries).values("record_id")
        )
    if kind == "coll":
        through = Collection.records.through.objects
        if not rest:
            return Q(pk__in=through.values("record_id"))
        collection = Collection.objects.filter(code=rest).values_list("id", flat=True).first()
        if collection is None:
            return None
        return Q(pk__in=through.filter(collection_id=collection).values("record_id"))
    return None


def _minimal(paths: set[str]) -> list[str]:
    # A library's set implies its ancestors' sets: keep only the deepest paths.
    if len(paths) == 1:
        return list(paths)
    return sorted(p for p in paths if not any(o != p and o.startswith(p) for o in paths))


# --- rows and pages ----------------------------------------------------------------------------------


class _Datestamp(Func):
    """updated_at as stored; SQLite's text is read as is (parsing it into datetimes costs more than the query)."""

    output_field = TextField()

    def __init__(self):
        super().__init__(F("updated_at"))

    def as_sql(self, compiler, connection, **extra_context):
        return compiler.compile(self.source_expressions[0])

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template="CAST(%(expressions)s AS TEXT)")


class _DublinCoreLists(Func):
    """search_data without its full text and match features: the lists Dublin Core reads, cheaper to read."""

    output_field = TextField()

    def __init__(self):
        super().__init__(F("search_data"))

    def as_sql(self, compiler, connection, **extra_context):
        return compiler.compile(self.source_expressions[0])

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler, connection, template="JSON_REMOVE(%(expressions)s, '$.any', '$.match')"
        )

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template="(%(expressions)s - 'any' - 'match')::text")


class _MarcUnlessPrepared(Func):
    """The MARC text, or NULL when search_data already holds what Dublin Core takes from it."""

    output_field = TextField()

    def __init__(self):
        super().__init__(F("search_data"), F("marc"))

    def as_sql(self, compiler, connection, **extra_context):
        return compiler.compile(self.source_expressions[1])

    def as_sqlite(self, compiler, connection, **extra_context):
        template = "CASE WHEN JSON_TYPE(%(expressions)s, '$.dc') = 'object' THEN NULL ELSE %(marc)s END"
        return self._with_marc(compiler, connection, template)

    def as_postgresql(self, compiler, connection, **extra_context):
        template = "CASE WHEN JSONB_TYPEOF(%(expressions)s -> 'dc') = 'object' THEN NULL ELSE %(marc)s END"
        return self._with_marc(compiler, connection, template)

    def _with_marc(self, compiler, connection, template):
        data_sql, data_params = compiler.compile(self.source_expressions[0])
        marc_sql, marc_params = compiler.compile(self.source_expressions[1])
        sql = template.replace("%(expressions)s", data_sql).replace("%(marc)s", marc_sql)
        return sql, (*data_params, *marc_params)


# Columns of a list row, then what each format is written from.
_ROW = ("id", "stamp", "suppressed", "deleted_at", "merged_into_id", "source_library__path")
_FORMAT_COLUMNS = {
    None: (),
    "marc21": ("marc",),
    "oai_dc": ("dc_marc", "title", "publisher", "year", "language", "material_type", "dc_lists"),
}


def _rows(queryset, prefix: str | None) -> list[tuple]:
    """Return the list rows of QUERYSET with the columns format PREFIX is written from."""
    queryset = queryset.annotate(stamp=_Datestamp())
    if prefix == "oai_dc":
        queryset = queryset.annotate(dc_lists=_DublinCoreLists(), dc_marc=_MarcUnlessPrepared())
    return _fetch(queryset, (*_ROW, *_FORMAT_COLUMNS[prefix]))


def _fetch(queryset, columns: tuple[str, ...]) -> list[tuple]:
    """Run QUERYSET's SQL for COLUMNS directly: the ORM's per-value converters cost more than the query."""
    qs = queryset.values_list(*columns)
    sql, params = qs.query.get_compiler(using=qs.db).as_sql()
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _slices(ids: list[int]):
    for i in range(0, len(ids), _ID_SLICE):
        yield ids[i : i + _ID_SLICE]


def _memberships_sql(connection, count: int, copies: bool) -> tuple[str, str]:
    """Return the SQL of the copies (or held-by paths) and of the collections of COUNT records.

    The ids are one array parameter on PostgreSQL, COUNT placeholders elsewhere.
    """
    q = connection.ops.quote_name
    item, library = q(Item._meta.db_table), q(Library._meta.db_table)
    through_model = Collection.records.through
    through, collection = q(through_model._meta.db_table), q(Collection._meta.db_table)
    t_record = q(through_model._meta.get_field("record").column)
    t_collection = q(through_model._meta.get_field("collection").column)
    marks = "= ANY(%s)" if connection.vendor == "postgresql" else f"IN ({','.join(['%s'] * count)})"
    held = (
        f"FROM {item} i JOIN {library} l ON l.id = i.library_id WHERE i.record_id {marks} AND i.status <> %s"
    )
    if copies:
        items = (
            f"SELECT i.record_id, l.path, l.code, i.location, i.call_number, i.barcode {held} "
            "ORDER BY i.record_id, l.path, i.call_number, i.barcode"
        )
    else:
        items = f"SELECT DISTINCT i.record_id, l.path {held}"
    collections = (
        f"SELECT t.{t_record}, c.code FROM {through} t JOIN {collection} c ON c.id = t.{t_collection} "  # noqa: S608 - model tables, placeholders
        f"WHERE t.{t_record} {marks} ORDER BY c.code"
    )
    return items, collections


class _Page:
    """Set memberships (and, for marc21, public copies) of the records of one page, in two queries."""

    def __init__(self, rows: list[tuple], *, copies: bool):
        self.paths: dict[int, set[str]] = {}
        self.copies: dict[int, list[tuple]] = {}
        self.collections: dict[int, list[str]] = {}
        for row in rows:
            if row[5]:
                self.paths[row[0]] = {row[5]}
        ids = [r[0] for r in rows]
        # Plain SQL: building an ORM query with hundreds of ids costs more than running it.
        connection = connections[Record.objects.db]
        with connection.cursor() as cursor:
            array = connection.vendor == "postgresql"
            for chunk in [ids] if array else _slices(ids):
                items_sql, collections_sql = _memberships_sql(connection, len(chunk), copies)
                params = [chunk] if array else chunk
                cursor.execute(items_sql, [*params, _WITHDRAWN])
                for item in cursor.fetchall():
                    self.paths.setdefault(item[0], set()).add(item[1])
                    if copies:
                        self.copies.setdefault(item[0], []).append(item[2:])
                cursor.execute(collections_sql, params)
                for record_id, code in cursor.fetchall():
                    self.collections.setdefault(record_id, []).append(code)

    def set_specs(self, record_id: int) -> str:
        """Return the <setSpec> elements of a record of the page."""
        paths = self.paths.get(record_id)
        codes = self.collections.get(record_id)
        if not paths and not codes:
            return ""
        return _set_specs_xml(frozenset(paths or ()), tuple(codes or ()))


@lru_cache(maxsize=4096)
def _set_specs_xml(paths: frozenset[str], codes: tuple[str, ...]) -> str:
    # Records share a few combinations of libraries and collections: each is worked out once.
    specs = [s for s in map(_library_spec, _minimal(set(paths))) if s] if paths else []
    specs += [s for s in map(_collection_spec, codes) if s]
    return "".join(f"<setSpec>{spec}</setSpec>" for spec in specs)


def _header(identifier: str, stamp: str, specs: str, deleted: bool) -> str:
    opening = '<header status="deleted">' if deleted else "<header>"
    return f"{opening}<identifier>{identifier}</identifier><datestamp>{stamp}</datestamp>{specs}</header>"


_EMPTY_MARC = {"leader": "00000nam a2200000 a 4500", "fields": []}


def _load(marc_text: str, record_id: int) -> dict:
    try:
        marc = json.loads(marc_text)
        if isinstance(marc, dict):
            return marc
    except ValueError:
        pass
    logger.warning("OAI-PMH: record %s has MARC that cannot be read; sent without fields", record_id)
    return _EMPTY_MARC


_MARC_OPEN = f'<record xmlns="{MARC_NS}" xsi:schemaLocation="{MARC_NS} {MARC_SCHEMA}">'
_CODE_ATTR = {c: escape(c) for c in _CODE_OK}
_852 = MARC_852.codes
_852_LIBRARY, _852_LOCATION = _852["home_library"][0], _852["location"][0]
_852_CALL, _852_BARCODE = _852["call_number"][0], _852["barcode"][0]


def _indicator(value) -> str:
    if isinstance(value, str) and value in _IND_OK and len(value) == 1:
        return value
    low = value.lower() if isinstance(value, str) else ""
    return low if low in _IND_OK and len(low) == 1 else " "


def _holding(copy: tuple) -> str:
    code, location, call_number, barcode = copy
    parts = [
        f'<datafield tag="852" ind1=" " ind2=" "><subfield code="{_852_LIBRARY}">{escape(code)}</subfield>'
    ]
    if location:
        parts.append(f'<subfield code="{_852_LOCATION}">{escape(location)}</subfield>')
    if call_number:
        parts.append(f'<subfield code="{_852_CALL}">{escape(call_number)}</subfield>')
    parts.append(f'<subfield code="{_852_BARCODE}">{escape(barcode)}</subfield></datafield>')
    return "".join(parts)


def _plain(text: str) -> str:
    return text


_SUBFIELD_OPEN = {c: f'<subfield code="{escape(c)}">' for c in _CODE_OK}


def marcxml(marc: dict, copies: list[tuple] = (), *, plain: bool = False) -> str:
    """Return MARC (MARC-in-JSON dict) as a MARCXML record valid against MARC21slim.xsd, with an 852 per copy.

    COPIES are (library code, location, call number, barcode). Values the schema does not allow are
    made valid the way ``interop.marc.writer`` does with ``schema_safe=True``. PLAIN says that no
    value holds &, < or > (the caller saw none in the JSON text), so nothing is escaped.
    """
    esc = _plain if plain else escape
    leader = marc.get("leader")
    if not isinstance(leader, str) or len(leader) != 24:
        leader = _EMPTY_MARC["leader"]
    leader = leader[:9] + "a" + leader[10:]
    if not _LEADER_OK.match(leader):
        leader = _safe_leader(leader, None)
    controls = [_MARC_OPEN, "<leader>", escape(leader), "</leader>"]
    data: list[str] = []
    holdings_at = None
    opens = _SUBFIELD_OPEN
    for field in marc.get("fields") or ():
        for tag, body in field.items():
            if type(body) is str:
                if _CONTROL_TAG.fullmatch(tag):
                    controls.append(f'<controlfield tag="{tag}">{esc(body)}</controlfield>')
                continue
            if type(body) is not dict or not _DATA_TAG.fullmatch(tag):
                continue
            subs = []
            for sf in body.get("subfields") or ():
                for code, value in sf.items():
                    if code in opens and type(value) is str:
                        subs.append(opens[code] + esc(value) + "</subfield>")
            if not subs:
                continue
            if holdings_at is None and tag > "852":
                holdings_at = len(data)
            i1, i2 = body.get("ind1", " "), body.get("ind2", " ")
            if type(i1) is not str or type(i2) is not str or i1 not in _IND_OK or i2 not in _IND_OK:
                i1, i2 = _indicator(i1), _indicator(i2)
            data.append(f'<datafield tag="{tag}" ind1="{i1}" ind2="{i2}">{"".join(subs)}</datafield>')
    if copies:
        fields = [_holding(c) for c in copies]
        if holdings_at is None:
            data.extend(fields)
        else:
            data[holdings_at:holdings_at] = fields
    text = "".join(controls) + "".join(data) + "</record>"
    # isprintable() is a fast scan that holds for nearly every record; only the others are searched.
    if not text.isprintable():
        text = _XML_ILLEGAL.sub("", text)
    return text


class Repository:
    """What one response needs to know about this repository and the request."""

    def __init__(self, base_url: str, record_url: str | None):
        self.base_url = base_url
        self.record_url = record_url
        self.repository_id = repository_identifier()
        self.id_prefix = f"oai:{self.repository_id}:"
        self._id_prefix_xml = escape(self.id_prefix)
        self.now = timezone.now()

    def identifier(self, record_id: int) -> str:
        """Return the OAI identifier of a record, escaped for XML."""
        return f"{self._id_prefix_xml}{record_id}"

    def record_id(self, identifier: str) -> int | None:
        if not identifier.startswith(self.id_prefix):
            return None
        local = identifier[len(self.id_prefix) :]
        # Record ids are positive database integers: anything longer cannot be one.
        if not (local.isascii() and local.isdigit()) or len(local) > 18 or local.startswith("0"):
            return None
        return int(local)

    def url_of(self, record_id: int) -> str | None:
        return self.record_url.replace("{id}", str(record_id)) if self.record_url else None

    def dublin_core(self, row: tuple) -> dict[str, list[str]]:
        marc, title, publisher, year, language, material_type, lists = row[6:13]
        # JSON comes as text from both databases (Django reads jsonb as text too).
        try:
            search_data = json.loads(lists) if isinstance(lists, str) else lists
        except ValueError:
            search_data = None
        return elements(
            title=title,
            publisher=publisher,
            year=year,
            language=language,
            material_type=material_type,
            search_data=search_data,
            marc=marc,
            record_url=self.url_of(row[0]),
        )

    def metadata(self, row: tuple, prefix: str, page: _Page) -> str:
        """Return the metadata of a public record in PREFIX."""
        marc = row[6]
        try:
            if prefix == "marc21":
                # The JSON text holds every value verbatim: without &, < or > in it, none needs escaping.
                plain = "&" not in marc and "<" not in marc and ">" not in marc
                return marcxml(_load(marc, row[0]), page.copies.get(row[0], ()), plain=plain)
            return oai_dc_xml(self.dublin_core(row), schema_location=False)
        except (AttributeError, TypeError, ValueError, KeyError):
            # Stored MARC of a shape no writer of ours makes: the record still goes out, with the
            # metadata of an empty record, rather than failing the whole page.
            logger.exception("OAI-PMH: record %s cannot be written as %s", row[0], prefix)
            return marcxml(_EMPTY_MARC) if prefix == "marc21" else oai_dc_xml({})

    def render(self, rows: list[tuple], prefix: str | None) -> list[str]:
        """Return ROWS as <record> elements (PREFIX given) or <header> elements (PREFIX None)."""
        page = _Page(rows, copies=prefix == "marc21")
        out = []
        append = out.append
        for row in rows:
            record_id, updated, suppressed, deleted_at, merged, _path = row[:6]
            gone = bool(suppressed or deleted_at or merged)
            header = _header(self.identifier(record_id), _stamp(updated), page.set_specs(record_id), gone)
            if prefix is None:
                append(header)
            elif gone:
                append(f"<record>{header}</record>")
            else:
                append(f"<record>{header}<metadata>{self.metadata(row, prefix, page)}</metadata></record>")
        return out


# --- verbs -------------------------------------------------------------------------------------------


def _identify(repo: Repository, args: Arguments) -> str:
    earliest = Record.objects.aggregate(first=Min("updated_at"))["first"] or repo.now
    description = ""
    # The oai-identifier scheme wants a domain name; another configured value is used as it is,
    # without claiming the scheme.
    if _REPOSITORY_ID_RE.match(repo.repository_id):
        description = (
            '<description><oai-identifier xmlns="http://www.openarchives.org/OAI/2.0/oai-identifier" '
            'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/oai-identifier '
            'http://www.openarchives.org/OAI/2.0/oai-identifier.xsd">'
            f"<scheme>oai</scheme><repositoryIdentifier>{repo.repository_id}</repositoryIdentifier>"
            f"<delimiter>:</delimiter><sampleIdentifier>{repo.identifier(1)}</sampleIdentifier>"
            "</oai-identifier></description>"
        )
    emails = "".join(f"<adminEmail>{escape(e)}</adminEmail>" for e in _admin_emails())
    return (
        f"<Identify><repositoryName>{escape(_repository_name())}</repositoryName>"
        f"<baseURL>{escape(repo.base_url)}</baseURL><protocolVersion>2.0</protocolVersion>{emails}"
        f"<earliestDatestamp>{_format_time(earliest)}</earliestDatestamp>"
        f"<deletedRecord>persistent</deletedRecord><granularity>{GRANULARITY}</granularity>"
        f"{description}</Identify>"
    )


def _record_exists(repo: Repository, identifier: str) -> int:
    record_id = repo.record_id(identifier)
    if record_id is None or not Record.objects.filter(pk=record_id).exists():
        raise OAIError([("idDoesNotExist", _("Không có biểu ghi nào có định danh này trong kho."))])
    return record_id


def _list_metadata_formats(repo: Repository, args: Arguments) -> str:
    if "identifier" in args.values:
        _record_exists(repo, args.values["identifier"])
    formats = "".join(
        f"<metadataFormat><metadataPrefix>{f.prefix}</metadataPrefix><schema>{f.schema}</schema>"
        f"<metadataNamespace>{f.namespace}</metadataNamespace></metadataFormat>"
        for f in FORMATS.values()
    )
    return f"<ListMetadataFormats>{formats}</ListMetadataFormats>"


def _set_element(spec: str, name: str, description: dict[str, list[str]] | None = None) -> str:
    extra = f"<setDescription>{oai_dc_xml(description)}</setDescription>" if description else ""
    name = _XML_ILLEGAL.sub("", name) or spec
    return f"<set><setSpec>{spec}</setSpec><setName>{escape(name)}</setName>{extra}</set>"


def _list_sets(repo: Repository, args: Arguments) -> str:
    if "resumptionToken" in args.values:
        # ListSets always answers in one response, so no token of it exists.
        raise OAIError([("badResumptionToken", _("Kho này không cấp resumptionToken cho ListSets."))])
    sets = []
    libraries = list(Library.objects.order_by("path").values_list("path", "code", "name", "address"))
    if libraries:
        sets.append(_set_element("lib", _("Thư viện (biểu ghi có bản sách hoặc do thư viện đóng góp)")))
    for path, code, name, address in libraries:
        spec = _library_spec(path)
        if spec:
            description = {"identifier": [code]}
            if address:
                description["description"] = [address]
            sets.append(_set_element(spec, name, description))
    collections = list(Collection.objects.order_by("code").values_list("code", "name", "description"))
    if collections:
        sets.append(_set_element("coll", _("Bộ sưu tập")))
    for code, name, text in collections:
        spec = _collection_spec(code)
        if spec:
            sets.append(
                _set_element(spec, name, {"identifier": [code], "description": [text]} if text else None)
            )
    if not sets:
        raise OAIError([("noSetHierarchy", _("Kho này không chia tập hợp."))])
    return f"<ListSets>{''.join(sets)}</ListSets>"


def _get_record(repo: Repository, args: Arguments) -> str:
    prefix = args.values["metadataPrefix"]
    errors = []
    record_id = repo.record_id(args.values["identifier"])
    rows = []
    if record_id is not None:
        rows = _rows(Record.objects.filter(pk=record_id), prefix if prefix in FORMATS else None)
    if not rows:
        errors.append(("idDoesNotExist", _("Không có biểu ghi nào có định danh này trong kho.")))
    if prefix not in FORMATS:
        errors.append(_cannot_disseminate(prefix))
    if errors:
        raise OAIError(errors)
    return f"<GetRecord>{''.join(repo.render(rows, prefix))}</GetRecord>"


def _cannot_disseminate(prefix: str) -> tuple[str, str]:
    return (
        "cannotDisseminateFormat",
        _("Kho không cung cấp định dạng “%(prefix)s”; hãy dùng %(formats)s.")
        % {"prefix": _quote(prefix), "formats": ", ".join(FORMATS)},
    )


def _list(repo: Repository, args: Arguments) -> str:
    verb = args.verb
    size = page_size()
    token_text = args.values.get("resumptionToken")
    queryset = Record.objects.all()
    if token_text is not None:
        try:
            position = tokens.read(token_text, verb)
        except tokens.BadToken as exc:
            raise OAIError(
                [
                    (
                        "badResumptionToken",
                        _("resumptionToken không hợp lệ (bị sửa, cắt ngắn hoặc không do kho này cấp)."),
                    )
                ]
            ) from exc
        prefix, set_spec = position.prefix, position.set_spec
        upper = _from_micros(position.upper)
        last = _from_micros(position.last_stamp)
        after = (last, position.last_id)
        cursor, total = position.cursor, position.total
    else:
        prefix, set_spec = args.values["metadataPrefix"], args.values.get("set")
        after = None
        if prefix not in FORMATS:
            raise OAIError([_cannot_disseminate(prefix)])
        # Frozen at the first request: what changes during the harvest is for the next one.
        upper = repo.now if args.end is None else min(repo.now, args.end - _MICRO)
        if args.start is not None:
            queryset = queryset.filter(updated_at__gte=args.start)
        cursor, total = 0, None
    if set_spec is not None:
        if not _has_sets():
            raise OAIError([("noSetHierarchy", _("Kho này không chia tập hợp."))])
        condition = _set_filter(set_spec)
        if condition is None:
            raise OAIError([("noRecordsMatch", _("Không có tập hợp “%(set)s”.") % {"set": set_spec})])
        queryset = queryset.filter(condition)
    queryset = queryset.filter(updated_at__lte=upper)
    if total is None:
        total = queryset.count()
    listed = None if verb == "ListIdentifiers" else prefix
    if after is None:
        rows = _rows(queryset.order_by("updated_at", "id")[: size + 1], listed)
    else:
        # Strictly after the last (datestamp, id) sent, in two index seeks: the rest of the records
        # sharing that datestamp (an import writes thousands with one), then the later ones. One
        # "(updated_at, id) > (…)" condition would make SQLite read the whole group again each page.
        stamp, last_id = after
        rows = _rows(queryset.filter(updated_at=stamp, id__gt=last_id).order_by("id")[: size + 1], listed)
        if len(rows) <= size:
            later = queryset.filter(updated_at__gt=stamp).order_by("updated_at", "id")[: size + 1 - len(rows)]
            rows += _rows(later, listed)
    if not rows:
        raise OAIError([("noRecordsMatch", _("Không có biểu ghi nào khớp với yêu cầu."))])
    more = len(rows) > size
    rows = rows[:size]
    parts = [f"<{verb}>"]
    parts.extend(repo.render(rows, None if verb == "ListIdentifiers" else prefix))
    sent = cursor + len(rows)
    # completeListSize was counted at the first page; records changed since may make it off by a few.
    size_attr = max(total, sent + (1 if more else 0))
    if more:
        last_id, last_stamp = rows[-1][0], _micros(rows[-1][1])
        token = tokens.issue(
            tokens.Position(
                verb=verb,
                prefix=prefix,
                set_spec=set_spec,
                upper=_micros(upper),
                last_stamp=last_stamp,
                last_id=last_id,
                cursor=sent,
                total=size_attr,
            )
        )
        parts.append(
            f'<resumptionToken completeListSize="{size_attr}" cursor="{cursor}">{token}</resumptionToken>'
        )
    elif cursor:
        parts.append(f'<resumptionToken completeListSize="{size_attr}" cursor="{cursor}"/>')
    parts.append(f"</{verb}>")
    return "".join(parts)


_HANDLERS = {
    "Identify": _identify,
    "ListMetadataFormats": _list_metadata_formats,
    "ListSets": _list_sets,
    "GetRecord": _get_record,
    "ListIdentifiers": _list,
    "ListRecords": _list,
}

_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    f'<OAI-PMH xmlns="{OAI_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    f'xsi:schemaLocation="{OAI_NS} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">'
)


def _document(repo: Repository, echo: dict[str, str] | None, body: str) -> bytes:
    attrs = "".join(f' {name}="{escape(value)}"' for name, value in (echo or {}).items())
    head = (
        f"{_HEAD}<responseDate>{_format_time(repo.now)}</responseDate>"
        f"<request{attrs}>{escape(repo.base_url)}</request>"
    )
    return (head + body + "</OAI-PMH>\n").encode("utf-8")


def _errors(errors: list[tuple[str, str]]) -> str:
    return "".join(
        f'<error code="{code}">{escape(_XML_ILLEGAL.sub("", message))}</error>' for code, message in errors
    )


def respond(
    pairs: list[tuple[str, str]],
    *,
    base_url: str,
    record_url: str | None = None,
    problem: str | None = None,
) -> bytes:
    """Answer an OAI-PMH request given as (name, value) PAIRS; return the XML document.

    RECORD_URL is the OPAC address of a record with ``{id}`` in place of its id (written as a dc
    identifier). PROBLEM, when the view could not read the arguments at all, is answered as a
    badArgument.
    """
    repo = Repository(base_url, record_url)
    if problem is not None:
        return _document(repo, None, _errors([("badArgument", problem)]))
    try:
        args = parse_arguments(pairs)
    except OAIError as exc:
        return _document(repo, None, _errors(exc.errors))
    try:
        body = _HANDLERS[args.verb](repo, args)
    except OAIError as exc:
        return _document(repo, _echo(args) if exc.echo else None, _errors(exc.errors))
    return _document(repo, _echo(args), body)
