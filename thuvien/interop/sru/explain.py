"""The ZeeRex record that explain returns: indexes (Vietnamese and English titles), relations, schemas, limits."""

from __future__ import annotations

import datetime
import functools

from django.conf import settings

from . import cql
from .responses import attr, esc

ZEEREX = "http://explain.z3950.org/dtd/2.0/"

# Record schemas: short name -> (identifier, location of its XML schema, Vietnamese title, English title).
SCHEMAS = {
    "marcxml": (
        "info:srw/schema/1/marcxml-v1.1",
        "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd",
        "MARC 21 dạng XML (MARCXML), kèm trường 852 cho mỗi bản sách",
        "MARC 21 in XML (MARCXML), with an 852 field per copy",
    ),
    "dc": (
        "info:srw/schema/1/dc-v1.1",
        "http://www.loc.gov/standards/sru/recordSchemas/dc-schema.xsd",
        "Dublin Core",
        "Dublin Core",
    ),
}
# The names a request may give a schema by (compared in lower case) -> short name.
SCHEMA_NAMES = {
    "marcxml": "marcxml",
    "marc21": "marcxml",
    "marc": "marcxml",
    "info:srw/schema/1/marcxml-v1.1": "marcxml",
    "info:srw/schema/1/marcxml-v1.1-light": "marcxml",
    "http://www.loc.gov/marc21/slim": "marcxml",
    "dc": "dc",
    "info:srw/schema/1/dc-v1.1": "dc",
    "info:srw/schema/1/dc-schema": "dc",
    "http://purl.org/dc/elements/1.1/": "dc",
}

# Index of the shared query layer -> (Vietnamese title, English title, relations, scan, sort).
# The explain record is bilingual by design (ZeeRex titles carry their language), so both are
# written here rather than translated per request.
_TEXT = ("=", "==", "adj", "all", "any")
_ORDERED = ("=", "<", "<=", ">", ">=", "<>")
INDEX_INFO = {
    "any": ("Mọi trường", "Any field", _TEXT, True, False),
    "title": ("Nhan đề", "Title", _TEXT, True, True),
    "author": ("Tác giả", "Author", _TEXT, True, True),
    "subject": ("Chủ đề", "Subject", _TEXT, True, False),
    "publisher": ("Nhà xuất bản", "Publisher", _TEXT, True, False),
    "series": ("Tùng thư", "Series", _TEXT, True, False),
    "date": ("Năm xuất bản", "Year of publication", _ORDERED, False, True),
    "language": ("Mã ngôn ngữ (MARC, ví dụ vie)", "Language code (MARC, e.g. vie)", ("=",), False, False),
    "isbn": ("ISBN", "ISBN", ("=",), True, False),
    "issn": ("ISSN", "ISSN", ("=",), True, False),
    "localno": ("Số biểu ghi thuvien", "thuvien record number", _ORDERED, False, False),
    "all": ("Mọi biểu ghi", "All records", ("=",), False, False),
}
# The name a map gives first: the one a client should prefer.
PRIMARY = {
    "any": ("cql", "serverchoice"),
    "title": ("dc", "title"),
    "author": ("dc", "creator"),
    "subject": ("dc", "subject"),
    "publisher": ("dc", "publisher"),
    "series": (None, "series"),
    "date": ("dc", "date"),
    "language": ("dc", "language"),
    "isbn": ("bath", "isbn"),
    "issn": ("bath", "issn"),
    "localno": ("rec", "identifier"),
    "all": ("cql", "allrecords"),
}
# Index names as the context sets spell them (the mapping tables keep them in lower case).
_SPELLING = {
    "serverchoice": "serverChoice",
    "allrecords": "allRecords",
    "allindexes": "allIndexes",
    "personalname": "personalName",
    "corporatename": "corporateName",
    "conferencename": "conferenceName",
    "topicalsubject": "topicalSubject",
}
EXAMPLES = (
    'dc.title = "truyện kiều"',
    'dc.creator = "nguyen du" and dc.date > 1990',
    'cql.anywhere all "lịch sử việt nam" sortBy dc.date/sort.descending',
    "bath.isbn = 9786041234567",
    "dc.subject = văn*",
)


def _titles(vi: str, en: str) -> str:
    return f'<title lang="vi" primary="true">{esc(vi)}</title><title lang="en">{esc(en)}</title>'


def _index(target: str) -> str:
    vi, en, relations, scan, sort = INDEX_INFO[target]
    names = [key for key, value in cql.INDEXES.items() if value == target]
    names.sort(key=lambda k: (k != PRIMARY[target], k[0] is None, k[0] or "", k[1]))
    maps = []
    for n, (context, name) in enumerate(names):
        spelled = _SPELLING.get(name, name)
        primary = ' primary="true"' if n == 0 else ""
        named = f'<name set="{context}">{spelled}</name>' if context else f"<name>{spelled}</name>"
        maps.append(f"<map{primary}>{named}</map>")
    supports = "".join(f'<supports type="relation">{esc(r)}</supports>' for r in relations)
    flags = f'search="true" scan="{str(scan).lower()}" sort="{str(sort).lower()}"'
    return (
        f'<index id="{target}" {flags}>{_titles(vi, en)}{"".join(maps)}'
        f"<configInfo>{supports}</configInfo></index>"
    )


@functools.lru_cache(maxsize=16)
def record(version: str, host: str, port: str, database: str, default_records: int, max_records: int) -> str:
    """Return the ZeeRex <explain> record of this server as seen at HOST:PORT/DATABASE (built once per key)."""
    name = settings.OAI_REPOSITORY_NAME or "thuvien"
    sets = "".join(
        f'<set name="{prefix}" identifier="{attr(uri)}"/>' for prefix, uri in cql.DEFAULT_PREFIXES.items()
    )
    indexes = "".join(_index(target) for target in INDEX_INFO)
    examples = "".join(f"<queryExample>{esc(e)}</queryExample>" for e in EXAMPLES)
    schemas = "".join(
        f'<schema identifier="{ident}" name="{short}" location="{location}" sort="false" retrieve="true">'
        f"{_titles(vi, en)}</schema>"
        for short, (ident, location, vi, en) in SCHEMAS.items()
    )
    relations = "".join(f'<supports type="relation">{esc(r)}</supports>' for r in cql.RELATIONS)
    modifiers = "".join(
        f'<supports type="relationModifier">{m}</supports>'
        for m in ("ignoreCase", "ignoreAccents", "masked", "unmasked", "word", "relevant")
    )
    return (
        f'<explain xmlns="{ZEEREX}" authoritative="true">'
        f'<serverInfo protocol="SRU" version="{version}" transport="http">'
        f"<host>{esc(host)}</host><port>{esc(port)}</port><database>{esc(database)}</database></serverInfo>"
        f"<databaseInfo>{_titles(name, f'{name} (library catalogue)')}"
        '<description lang="vi" primary="true">Mục lục các thư viện trong mạng thuvien: chỉ những biểu ghi '
        "công khai, tìm theo cách gấp dấu tiếng Việt của OPAC (gõ không dấu vẫn tìm thấy).</description>"
        '<description lang="en">The catalogue of the libraries of the thuvien network: public records only, '
        "searched with the OPAC's Vietnamese folding (a query typed without diacritics finds them).</description>"
        '<implementation identifier="thuvien" version="1"><title>thuvien</title></implementation>'
        "</databaseInfo>"
        f"<metaInfo><dateModified>{_STARTED}</dateModified></metaInfo>"
        f"<indexInfo>{sets}{indexes}</indexInfo>"
        f"<searchInfo>{examples}</searchInfo>"
        f"<schemaInfo>{schemas}</schemaInfo>"
        "<configInfo>"
        f'<default type="numberOfRecords">{default_records}</default>'
        f'<setting type="maximumRecords">{max_records}</setting>'
        '<default type="retrieveSchema">marcxml</default>'
        '<default type="index">cql.serverChoice</default>'
        '<default type="relation">=</default>'
        f"{relations}{modifiers}"
        '<supports type="maskingCharacter">*</supports><supports type="maskingCharacter">?</supports>'
        '<supports type="sort">sortBy</supports>'
        '<supports type="scan">true</supports>'
        "</configInfo>"
        "</explain>"
    )


_STARTED = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
