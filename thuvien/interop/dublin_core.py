"""A catalogue record as simple Dublin Core (the 15 elements of DCMES 1.1), for OAI-PMH, SRU and dumps.

A full OAI-PMH harvest runs this on every record, so it reads what the catalogue already derived from
the MARC record when it was stored (the Record columns and ``search_data``: cleaned title, names,
subjects, normalised ISBNs …) and takes only the few remaining fields from the MARC-in-JSON text,
decoding just those fields: parsing a whole record costs more than everything else here together.

The mapping follows the Library of Congress MARC-to-DC crosswalk, kept simple:

=============  =================================================================================
title          245 $a $b $n $p (else 246, 240, 130): ``Record.title``
creator        1XX and 7XX names in direct order as written (``search_data["authors"]``)
subject        6XX headings, subdivisions joined with " -- " (``search_data["subjects"]``)
description    500 $a, 505 $a (or $t), 520 $a $b
publisher      260 $b or 264 $b (``Record.publisher``)
date           the year of publication (``Record.year``)
type           a DCMI Type term from the material type (Text, StillImage, Sound …)
format         300 $a $b $c (extent and dimensions)
identifier     the record's OPAC address, ISBNs as URN:ISBN (ISBN-13), ISSNs as URN:ISSN, 856 $u
language       ISO 639-2 codes of 008/35–37 and 041 $a $d
relation       series (490 / 830 $a)
coverage       651 $a (places)
rights         506 $a, 540 $a
=============  =================================================================================

The MARC fields are found by their opening ``{"TAG":`` in the stored JSON: a double quote inside a
JSON string is always escaped, so that sequence only ever starts a field. Records are stored in the
compact form ``interop.marc.record_to_json`` writes; JSON written with spaces would just lose these
few elements.
"""

from __future__ import annotations

import json
import re

from thuvien.lib.vn_text import strip_isbd

__all__ = [
    "DC_NS",
    "ELEMENTS",
    "OAI_DC_NS",
    "OAI_DC_SCHEMA",
    "elements",
    "escape",
    "escape_text",
    "marc_elements",
    "oai_dc_xml",
    "record_elements",
]

OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
DC_NS = "http://purl.org/dc/elements/1.1/"

ELEMENTS = (
    "title", "creator", "subject", "description", "publisher", "contributor", "date", "type",
    "format", "identifier", "source", "language", "relation", "coverage", "rights",
)  # fmt: skip

# Record.material_type → DCMI Type Vocabulary.
DCMI_TYPES = {
    "book": "Text", "serial": "Text", "manuscript": "Text", "music": "Text", "map": "Image",
    "image": "StillImage", "video": "MovingImage", "audio": "Sound", "computer": "Software",
    "kit": "Collection",
}  # fmt: skip

_LANGUAGE = re.compile(r"[a-z]{3}")
# Characters XML 1.0 cannot carry at all (no escape exists for them).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_decode = json.JSONDecoder(strict=False).raw_decode


def escape(text: str) -> str:
    """Return TEXT escaped for XML character data and double-quoted attributes."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if '"' in text:
        text = text.replace('"', "&quot;")
    return text


def escape_text(text: str) -> str:
    """Return TEXT escaped for XML character data."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _clean(text: str) -> str:
    # MARC-8 non-sort marks are display noise; runs of spaces and line breaks become one space.
    if "\u0098" in text or "\u009c" in text:
        text = text.replace("\u0098", "").replace("\u009c", "")
    return strip_isbd(" ".join(text.split()))


# The MARC fields the columns do not cover, found in one pass over the JSON text.
_FIELD_START = re.compile(r'\{"(041|300|50[056]|520|540|651|856)":')
# Which element each of those fields feeds, from which subfields, and whether they make one value.
_FIELD_ELEMENT = {
    "500": ("description", "a", False),
    "505": ("description", "a", True),
    "520": ("description", "ab", True),
    "300": ("format", "abc", True),
    "506": ("rights", "a", False),
    "540": ("rights", "a", False),
    "651": ("coverage", "a", False),
    "856": ("identifier", "u", False),
    "041": ("language", "ad", False),
}


def _note(text: str) -> str:
    # Notes are prose: their closing period stays; only spacing and a dangling ISBD mark go.
    if "  " in text or "\n" in text or "\t" in text or "\r" in text:
        text = " ".join(text.split())
    else:
        text = text.strip()
    return text.rstrip(" /:;,=") if text[-1:] in " /:;,=" else text


def marc_elements(marc: str) -> dict[str, list[str]]:
    """Return the elements taken from MARC (JSON text) itself: description, format, rights, coverage …

    Stored as ``search_data["dc"]`` when the record is prepared, it spares ``elements`` the MARC.
    """
    found: dict[str, list[str]] = {}
    contents: list[str] = []
    for m in _FIELD_START.finditer(marc):
        try:
            body, _end = _decode(marc, m.end())
            subfields = body["subfields"]
        except (ValueError, KeyError, TypeError):
            continue
        tag = m.group(1)
        element, codes, joined = _FIELD_ELEMENT[tag]
        values = [v for sf in subfields for c, v in sf.items() if c in codes and v and type(v) is str]
        if not values:
            # Formatted contents notes may have titles ($t) and no $a.
            if tag == "505":
                values = [v for sf in subfields for c, v in sf.items() if c in "gtr" and v and type(v) is str]
                if values:
                    contents.append(_note(" ".join(values)))
            continue
        if joined:
            values = [_note(" ".join(values))]
        elif tag == "041":
            values = _language_codes(values)
        elif tag == "651":
            values = [_clean(v) for v in values]
        elif tag == "856":
            values = [v.strip() for v in values]
        else:
            values = [_note(v) for v in values]
        if element in found:
            found[element] += values
        else:
            found[element] = values
    if contents and "description" not in found:
        found["description"] = contents
    return found


def _language_codes(values: list[str]) -> list[str]:
    codes = []
    for value in values:
        value = value.strip().lower()
        # Old records pack several codes into one subfield: "vieeng".
        for i in range(0, len(value) - 2, 3):
            chunk = value[i : i + 3]
            if _LANGUAGE.fullmatch(chunk):
                codes.append(chunk)
    return codes


def elements(
    *,
    title: str,
    publisher: str = "",
    year: int | None = None,
    language: str = "",
    material_type: str = "",
    search_data: dict | None = None,
    marc: str | None = "",
    record_url: str | None = None,
) -> dict[str, list[str]]:
    """Return the Dublin Core elements of a record given its derived columns and MARC-in-JSON text.

    The elements MARC gives beyond the columns come from ``search_data["dc"]`` when the record was
    prepared with them (``marc_elements``), else from MARC, which may then be left out.
    """
    data = search_data or {}
    extra = data.get("dc")
    if not isinstance(extra, dict):
        extra = marc_elements(marc) if marc else {}
    found: dict[str, list[str]] = {}
    if title:
        found["title"] = [title]
    values = data.get("authors")
    if values:
        found["creator"] = values
    values = data.get("subjects")
    if values:
        found["subject"] = values
    if "description" in extra:
        found["description"] = extra["description"]
    if publisher:
        found["publisher"] = [publisher]
    if year:
        found["date"] = [str(year)]
    dcmi = DCMI_TYPES.get(material_type)
    if dcmi:
        found["type"] = [dcmi]
    if "format" in extra:
        found["format"] = extra["format"]
    identifiers = [record_url] if record_url else []
    for prefix, key in (("URN:ISBN:", "isbns"), ("URN:ISSN:", "issns")):
        values = data.get(key)
        if values:
            identifiers += [prefix + n for n in values]
    if "identifier" in extra:
        identifiers += extra["identifier"]
    if identifiers:
        found["identifier"] = identifiers
    if "language" in extra:
        found["language"] = [language, *extra["language"]] if language else extra["language"]
    elif language:
        found["language"] = [language]
    values = data.get("series")
    if values:
        found["relation"] = values
    for element in ("coverage", "rights"):
        if element in extra:
            found[element] = extra[element]
    # Values repeat (a 651 place also in 500, an ISBN twice): each is written once.
    for name, values in found.items():
        if len(values) > 1:
            found[name] = [v for v in dict.fromkeys(values) if v]
    return found


def record_elements(record, *, record_url: str | None = None) -> dict[str, list[str]]:
    """Return the Dublin Core elements of a catalogue Record."""
    return elements(
        title=record.title,
        publisher=record.publisher,
        year=record.year,
        language=record.language,
        material_type=record.material_type,
        search_data=record.search_data,
        marc=record.marc,
        record_url=record_url,
    )


_DC_OPEN = (
    f'<oai_dc:dc xmlns:oai_dc="{OAI_DC_NS}" xmlns:dc="{DC_NS}" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    f'xsi:schemaLocation="{OAI_DC_NS} {OAI_DC_SCHEMA}">'
)
# Inside a document that declares the schema already (an OAI-PMH response), the namespaces suffice:
# a fifth of the bytes of a usual record less to send and parse.
_DC_OPEN_INNER = f'<oai_dc:dc xmlns:oai_dc="{OAI_DC_NS}" xmlns:dc="{DC_NS}">'
_TAGS = {name: (f"<dc:{name}>", f"</dc:{name}><dc:{name}>", f"</dc:{name}>") for name in ELEMENTS}


def oai_dc_xml(found: dict[str, list[str]], *, schema_location: bool = True) -> str:
    """Return FOUND (element name → values) as an ``<oai_dc:dc>`` element, a self-contained XML fragment.

    SCHEMA_LOCATION=False leaves out xsi:schemaLocation, for a fragment inside a document that gives it.
    """
    parts = []
    count = 0
    for name, values in found.items():
        tags = _TAGS.get(name)
        if tags and values:
            parts.append(tags[0] + tags[1].join(values) + tags[2])
            count += len(values)
    body = "".join(parts)
    # Most records need no escaping. The tags hold no "&" and exactly two "<" and ">" per value,
    # so three scans of the whole text tell whether any value holds one.
    if "&" in body or body.count("<") != 2 * count or body.count(">") != 2 * count:
        body = "".join(
            _TAGS[name][0] + _TAGS[name][1].join(map(escape_text, values)) + _TAGS[name][2]
            for name, values in found.items()
            if name in _TAGS and values
        )
    text = (_DC_OPEN if schema_location else _DC_OPEN_INNER) + body + "</oai_dc:dc>"
    # isprintable() is a fast scan that is true for nearly every record; only the others are searched.
    if not text.isprintable():
        text = _XML_ILLEGAL.sub("", text)
    return text
