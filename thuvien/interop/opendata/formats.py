"""The three dump formats, each written record by record to a binary stream: MARCXML, CSV, JSON-LD.

A writer gets ``Row``s (a record's columns and its public copies) and never touches the database,
so one pass over the catalogue can feed every format at once.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

from thuvien.interop.marc.fields import clean
from thuvien.interop.marc.writer import MARC_NS
from thuvien.interop.oaipmh.provider import marcxml
from thuvien.interop.opendata.languages import bcp47
from thuvien.lib.vn_text import fold
from thuvien.opac.jsonld import SCHEMA_TYPES

# Separator of several values in one CSV cell (ISBNs, subjects, libraries).
CSV_JOIN = " | "
CSV_COLUMNS = ("id", "title", "author", "publisher", "place", "year", "edition", "language", "isbns",
               "issns", "subjects", "libraries", "opac_url")  # fmt: skip
# Spreadsheets run a cell that starts with one of these as a formula; harvested records are
# untrusted, so such a cell gets a leading apostrophe (what spreadsheets themselves use to say "text").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# schema.org says a library lends a copy this way (the GoodRelations business function).
LEASE_OUT = "http://purl.org/goodrelations/v1#LeaseOut"


@dataclass(frozen=True, slots=True)
class LibraryInfo:
    id: int
    code: str
    name: str
    path: str
    url: str


@dataclass(frozen=True, slots=True)
class Copy:
    library_id: int
    call_number: str
    location: str
    barcode: str


@dataclass(slots=True)
class Row:
    """One public record as the writers need it."""

    id: int
    marc: str
    title: str
    author: str
    publisher: str
    place: str
    year: int | None
    edition: str
    language: str
    material_type: str
    isbns: list[str] | None
    issns: list[str] | None
    subjects: list[str] | None
    copies: list[Copy] = field(default_factory=list)


@dataclass
class Context:
    libraries: dict[int, LibraryInfo]
    record_url: Callable[[int], str]

    def holders(self, row: Row) -> list[LibraryInfo]:
        """Return the libraries holding a public copy of ROW, in tree order."""
        found = {
            c.library_id: self.libraries[c.library_id] for c in row.copies if c.library_id in self.libraries
        }
        return sorted(found.values(), key=lambda lib: lib.path)


class Writer:
    """Write one format: ``begin``, ``add`` for each row (False when the row cannot be written), ``end``."""

    def __init__(self, out: BinaryIO, context: Context) -> None:
        self.out = out
        self.context = context
        self.count = 0

    def begin(self) -> None:
        pass

    def add(self, row: Row) -> bool:
        raise NotImplementedError

    def end(self) -> None:
        pass


# --- MARCXML ------------------------------------------------------------------------------------


class MarcXmlWriter(Writer):
    """A MARCXML collection valid against MARC21slim.xsd, holdings as one 852 per public copy."""

    def __init__(self, out: BinaryIO, context: Context, holdings_tags: set[str]) -> None:
        super().__init__(out, context)
        # The stored record may keep holdings fields without a barcode (prices, internal notes):
        # the dump shows the live public copies instead.
        self.holdings_tags = frozenset(holdings_tags | {"852"})

    def begin(self) -> None:
        self.out.write(
            b'<?xml version="1.0" encoding="UTF-8"?>\n'
            b'<collection xmlns="' + MARC_NS.encode() + b'" '
            b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            b'xsi:schemaLocation="' + MARC_NS.encode() + b" "
            b'http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd">\n'
        )

    def add(self, row: Row) -> bool:
        try:
            marc = json.loads(row.marc)
        except ValueError:
            marc = None
        if not isinstance(marc, dict):  # a stored record that no longer parses: left out, not counted
            return False
        tags = self.holdings_tags
        fields = [f for f in marc.get("fields") or () if not (isinstance(f, dict) and not tags.isdisjoint(f))]
        libraries = self.context.libraries
        copies = [
            (libraries[c.library_id].code, c.location, c.call_number, c.barcode)
            for c in sorted(
                row.copies, key=lambda c: (libraries[c.library_id].path, c.call_number, c.barcode)
            )
        ]
        # The OAI-PMH provider's serializer: the same MARCXML (schema-safe values, 852 per copy) as
        # marc21 over OAI-PMH, and about ten times faster than building pymarc and lxml objects.
        text = marcxml({"leader": marc.get("leader"), "fields": fields}, copies)
        self.out.write(text.encode("utf-8", "surrogatepass"))
        self.out.write(b"\n")
        self.count += 1
        return True

    def end(self) -> None:
        self.out.write(b"</collection>\n")


# --- CSV -----------------------------------------------------------------------------------------


def _cell(value) -> str:
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


class CsvWriter(Writer):
    """UTF-8 CSV with a byte order mark, so that spreadsheets show Vietnamese; one row per record."""

    def begin(self) -> None:
        # newline="" lets the csv module end rows with \r\n, as RFC 4180 and spreadsheets expect.
        self.text = io.TextIOWrapper(self.out, encoding="utf-8-sig", newline="", write_through=False)
        self.csv = csv.writer(self.text)
        self.csv.writerow(CSV_COLUMNS)

    def add(self, row: Row) -> bool:
        self.csv.writerow(
            [
                row.id,
                _cell(row.title),
                _cell(row.author),
                _cell(row.publisher),
                _cell(row.place),
                "" if row.year is None else row.year,
                _cell(row.edition),
                row.language,
                CSV_JOIN.join(row.isbns or ()),
                CSV_JOIN.join(row.issns or ()),
                _cell(CSV_JOIN.join(row.subjects or ())),
                CSV_JOIN.join(lib.code for lib in self.context.holders(row)),
                self.context.record_url(row.id),
            ]
        )
        self.count += 1
        return True

    def end(self) -> None:
        self.text.flush()
        self.text.detach()


# --- JSON-LD (schema.org) ------------------------------------------------------------------------

# Name fields: (schema.org type, subfields that make the name).
_NAME_FIELDS = {
    "100": ("Person", "abcq"),
    "700": ("Person", "abcq"),
    "110": ("Organization", "ab"),
    "710": ("Organization", "ab"),
    "111": ("Organization", "andc"),
    "711": ("Organization", "andc"),
}


def _is_translator(relators: list[str]) -> bool:
    for value in relators:
        key = fold(value).strip(" .,;:")
        if key == "trl" or key.startswith(("dich", "nguoi dich", "translat")):
            return True
    return False


def contributors(marc: str) -> tuple[list[dict], list[dict]]:
    """Return the authors and the translators named in MARC-in-JSON MARC, as schema.org Person/Organization."""
    try:
        fields = json.loads(marc).get("fields") or []
    except (ValueError, AttributeError):
        return [], []
    authors: dict[tuple, dict] = {}
    translators: dict[tuple, dict] = {}
    for entry in fields:
        if not isinstance(entry, dict) or len(entry) != 1:
            continue
        ((tag, value),) = entry.items()
        spec = _NAME_FIELDS.get(tag)
        if spec is None or not isinstance(value, dict):
            continue
        kind, codes = spec
        subfields = [
            (code, text)
            for sub in value.get("subfields") or ()
            if isinstance(sub, dict)
            for code, text in sub.items()
            if isinstance(text, str)
        ]
        name = clean(" ".join(text for code, text in subfields if code in codes and text))
        if not name:
            continue
        target = translators if _is_translator([t for c, t in subfields if c in "e4"]) else authors
        target.setdefault((kind, name), {"@type": kind, "name": name})
    return list(authors.values()), list(translators.values())


def record_node(row: Row, context: Context) -> dict:
    """Return ROW as a schema.org node (Book, Periodical … or CreativeWork) with its holding libraries."""
    url = context.record_url(row.id)
    schema_type = SCHEMA_TYPES.get(row.material_type, "CreativeWork")
    node: dict = {"@id": url, "@type": schema_type, "identifier": str(row.id), "name": row.title, "url": url}
    authors, translators = contributors(row.marc)
    if not authors and row.author:
        authors = [{"@type": "Person", "name": row.author}]
    if authors:
        node["author"] = authors
    if translators:
        node["translator"] = translators
    if row.publisher:
        publisher = {"@type": "Organization", "name": row.publisher}
        if row.place:
            publisher["location"] = row.place
        node["publisher"] = publisher
    if row.year is not None:
        node["datePublished"] = str(row.year)
    if row.edition:
        node["bookEdition" if schema_type == "Book" else "version"] = row.edition
    if row.isbns:
        node["isbn"] = list(row.isbns)
    if row.issns:
        node["issn"] = list(row.issns)
    language = bcp47(row.language)
    if language:
        node["inLanguage"] = language
    if row.subjects:
        node["about"] = [{"@type": "Thing", "name": s} for s in row.subjects]
    counts: dict[int, int] = {}
    for copy in row.copies:
        counts[copy.library_id] = counts.get(copy.library_id, 0) + 1
    offers = []
    for library in context.holders(row):
        offers.append(
            {
                "@type": "Offer",
                "businessFunction": LEASE_OUT,
                "offeredBy": {"@type": "Library", "@id": library.url, "name": library.name,
                              "identifier": library.code},
                "inventoryLevel": {"@type": "QuantitativeValue", "value": counts[library.id]},
            }
        )  # fmt: skip
    if offers:
        node["offers"] = offers
    return node


class JsonLdWriter(Writer):
    """One JSON-LD document: the schema.org context and a @graph of the records, written as it goes."""

    def begin(self) -> None:
        self.out.write(b'{"@context": "https://schema.org", "@graph": [\n')

    def add(self, row: Row) -> bool:
        text = json.dumps(record_node(row, self.context), ensure_ascii=False, separators=(",", ":"))
        self.out.write((b",\n" if self.count else b"") + text.encode("utf-8"))
        self.count += 1
        return True

    def end(self) -> None:
        self.out.write(b"\n]}\n")
