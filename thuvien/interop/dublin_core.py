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


def _clean(text: str) -> str:
    # MARC-8 non-sort marks are display noise; runs of spaces and line breaks become one space.
    if "\u0098" in text or "\u009c" in text:
        text = text.replace("\u0098", "").replace("\u009c", "")
    return strip_isbd(" ".join(text.split()))


# The MARC fields the columns do not cover, found in one pass over the JSON text.
_FIELD_START = re.compile(r'\{"(041|300|50[056]|520|540|651|856)":')


def _marc_fields(marc: str) -> dict[str, list[list[tuple[str, str]]]]:
    """Return the fields of MARC (JSON text) that this crosswalk reads: tag → [(code, value), …] per field."""
    found: dict[str, list[list[tuple[str, str]]]] = {}
    for m in _FIELD_START.finditer(marc):
        try:
            body, _end = _decode(marc, m.end())
        except ValueError:
            continue
        if type(body) is dict:
            subs = [
                (c, v) for sf in body.get("subfields") or () for c, v in sf.items() if type(v) is str and v
            ]
            found.setdefault(m.group(1), []).append(subs)
    return found


def _note(text: str) -> str:
    # Notes are prose: their closing period stays; only spacing and a dangling ISBD mark go.
    text = " ".join(text.split())
    return text.rstrip(" /:;,=") if text[-1:] in " /:;,=" else text


def _values(fields, tag: str, codes: str, joined: bool = False) -> list[str]:
    out = []
    for subs in fields.get(tag, ()):
        values = [v for c, v in subs if c in codes]
        if joined:
            if values:
                out.append(_note(" ".join(values)))
        else:
            out.extend(_note(v) for v in values)
    return out


def _languages(fields, primary: str) -> list[str]:
    found = [primary] if primary else []
    for subs in fields.get("041", ()):
        for code, value in subs:
            if code not in ("a", "d"):
                continue
            value = value.strip().lower()
            # Old records pack several codes into one subfield: "vieeng".
            for i in range(0, len(value) - 2, 3):
                chunk = value[i : i + 3]
                if _LANGUAGE.fullmatch(chunk):
                    found.append(chunk)
    return found


def _unique(values: list[str]) -> list[str]:
    return values if len(values) < 2 else list(dict.fromkeys(values))


def elements(
    *,
    title: str,
    publisher: str = "",
    year: int | None = None,
    language: str = "",
    material_type: str = "",
    search_data: dict | None = None,
    marc: str = "",
    record_url: str | None = None,
) -> dict[str, list[str]]:
    """Return the Dublin Core elements of a record given its derived columns and MARC-in-JSON text."""
    data = search_data or {}
    fields = _marc_fields(marc) if marc else {}
    found: dict[str, list[str]] = {}
    if title:
        found["title"] = [title]
    for element, key in (("creator", "authors"), ("subject", "subjects")):
        values = data.get(key)
        if values:
            found[element] = _unique([v for v in values if v])
    if fields:
        description = _values(fields, "500", "a") + _values(fields, "505", "a", True)
        description += _values(fields, "520", "ab", True)
        if "505" in fields and not description:
            description = _values(fields, "505", "gtr", True)
        if description:
            found["description"] = _unique(description)
    if publisher:
        found["publisher"] = [publisher]
    if year:
        found["date"] = [str(year)]
    dcmi = DCMI_TYPES.get(material_type)
    if dcmi:
        found["type"] = [dcmi]
    if "300" in fields:
        found["format"] = _unique(_values(fields, "300", "abc", True))
    identifiers = [record_url] if record_url else []
    identifiers += ["URN:ISBN:" + n for n in data.get("isbns") or ()]
    identifiers += ["URN:ISSN:" + n for n in data.get("issns") or ()]
    if "856" in fields:
        identifiers += [v.strip() for subs in fields["856"] for c, v in subs if c == "u"]
    if identifiers:
        found["identifier"] = _unique([v for v in identifiers if v])
    languages = _languages(fields, language) if "041" in fields else [language] if language else []
    if languages:
        found["language"] = _unique(languages)
    if data.get("series"):
        found["relation"] = _unique([v for v in data["series"] if v])
    if "651" in fields:
        found["coverage"] = _unique([_clean(v) for subs in fields["651"] for c, v in subs if c == "a"])
    if "506" in fields or "540" in fields:
        found["rights"] = _unique(_values(fields, "506", "a") + _values(fields, "540", "a"))
    return {name: values for name, values in found.items() if values}


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
_TAGS = {name: (f"<dc:{name}>", f"</dc:{name}><dc:{name}>", f"</dc:{name}>") for name in ELEMENTS}


def oai_dc_xml(found: dict[str, list[str]]) -> str:
    """Return FOUND (element name → values) as an ``<oai_dc:dc>`` element, a self-contained XML fragment."""
    parts = [_DC_OPEN]
    for name, values in found.items():
        tags = _TAGS.get(name)
        if tags and values:
            parts.append(tags[0] + tags[1].join(map(escape, values)) + tags[2])
    parts.append("</oai_dc:dc>")
    text = "".join(parts)
    # isprintable() is a fast scan that is true for nearly every record; only the others are searched.
    if not text.isprintable():
        text = _XML_ILLEGAL.sub("", text)
    return text
