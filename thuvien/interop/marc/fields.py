"""Derived columns of a bibliographic record, for display, sorting and search.

``extract(record)`` is pure and cheap (one pass over the fields); the catalogue stores its result
next to the canonical MARC-in-JSON and recomputes it whenever the record changes.

Choices worth knowing:

* ``title`` keeps the punctuation *inside* 245 $a $b $n $p ("Truyện Kiều : tiểu thuyết") and drops
  only the trailing ISBD mark; ``title_sort`` skips the non-filing characters given by 245 ind2 and
  text between the MARC-8 non-sort marks (U+0098 ... U+009C).
* ``author`` is the main entry in display form without dates: 100 $a $b $c $q, 110 $a $b, 111 $a $n
  $d $c; else the first 700/710/711; else 245 $c.  ``authors`` lists every 1XX/7XX name the same way.
* ``any_text`` is the text of data fields 020-899 (880 vernacular script included) except holdings
  information 850-899 other than 880 (852 locations, 856 links, 863-878 enumeration) and code-only
  fields (040-048, 066), and without
  the coded subfields $0 $1 $2 $4 $5 $6 $7 $8 (identifiers, sources, linkage).  Call numbers reach
  search through ``call_number``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pymarc

from thuvien.lib.isbn import isbn13, issn
from thuvien.lib.vn_text import nfc, sort_key, strip_isbd

__all__ = ["Extracted", "extract", "clean", "UNTITLED"]

UNTITLED = "[Không nhan đề]"

_NONSORT = re.compile("\u0098.*?\u009c", re.S)
_SPACES = re.compile(r"\s+")
_YEAR = re.compile(r"(?<!\d)(1[0-9]{3}|20[0-9]{2})(?!\d)")
_LETTERS3 = re.compile(r"[a-z]{3}")


def clean(value: str | None) -> str:
    """Return display text: NFC, one space between words, no trailing ISBD punctuation."""
    if not value:
        return ""
    value = value.replace("\u0098", "").replace("\u009c", "")
    value = _SPACES.sub(" ", nfc(value)).strip()
    return strip_isbd(value)


@dataclass(slots=True)
class Extracted:
    title: str
    title_full: str
    title_sort: str
    statement: str | None = None
    author: str | None = None
    authors: list[str] = field(default_factory=list)
    publisher: str | None = None
    place: str | None = None
    year: int | None = None
    edition: str | None = None
    language: str | None = None
    languages: list[str] = field(default_factory=list)
    material_type: str = "other"
    call_number: str | None = None
    isbns: list[str] = field(default_factory=list)
    issns: list[str] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)
    series: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    summary: str | None = None
    control_number: str | None = None
    control_source: str | None = None
    any_text: str = ""
    contents: str | None = None


def _values(f: pymarc.Field, codes: str) -> list[str]:
    return [v for c, v in f.subfields if c in codes and v]


def _joined(f: pymarc.Field, codes: str) -> str:
    return clean(" ".join(_values(f, codes)))


def _first(fields: dict[str, list[pymarc.Field]], tag: str) -> pymarc.Field | None:
    found = fields.get(tag)
    return found[0] if found else None


def _dedup(items) -> list[str]:
    return [x for x in dict.fromkeys(i for i in items if i)]


_NAME_CODES = {"100": "abcq", "700": "abcq", "110": "ab", "710": "ab", "111": "andc", "711": "andc"}
_SUBJECT_MAIN_SKIP = set("0123456789")
_SUBDIVISIONS = set("vxyz")
_CODED = set("01245678")
_HOLDINGS_TAGS = {f"{n}" for n in range(850, 900)} - {"880"}
# Fields made of codes only (cataloguing source, language and area codes): noise for search.
_CODE_TAGS = {"040", "041", "042", "043", "044", "045", "046", "047", "048", "066"}
_SKIP_TEXT = _HOLDINGS_TAGS | _CODE_TAGS


def _material_type(leader: str) -> str:
    t, level = leader[6:7], leader[7:8]
    if t in ("a", "t"):
        if level == "s":
            return "serial"
        return "manuscript" if t == "t" else "book"
    return {
        "e": "map",
        "f": "map",
        "c": "music",
        "d": "music",
        "i": "audio",
        "j": "audio",
        "g": "video",
        "k": "image",
        "m": "computer",
        "o": "kit",
        "p": "kit",
    }.get(t, "other")


def _subject(f: pymarc.Field) -> str:
    parts: list[str] = []
    current: list[str] = []
    for code, value in f.subfields:
        if code in _SUBJECT_MAIN_SKIP or not value:
            continue
        if code in _SUBDIVISIONS:
            if current:
                parts.append(clean(" ".join(current)))
                current = []
            parts.append(clean(value))
        else:
            current.append(value)
    if current:
        parts.append(clean(" ".join(current)))
    return " -- ".join(p for p in parts if p)


def _nonfiling(f: pymarc.Field | None) -> int:
    if f is None or not f.indicators:
        return 0
    ind2 = f.indicators[1]
    return int(ind2) if ind2.isdigit() else 0


def _languages(c008: str | None, fields: dict[str, list[pymarc.Field]]) -> tuple[str | None, list[str]]:
    found: list[str] = []
    primary = None
    if c008 and len(c008) >= 38:
        code = c008[35:38].lower()
        if _LETTERS3.fullmatch(code) and code not in ("und", "zxx"):
            primary = code
            found.append(code)
    for f in fields.get("041", ()):
        for code, value in f.subfields:
            if code not in "ad":
                continue
            value = value.strip().lower()
            # Old records pack several codes into one subfield: "engfre".
            for i in range(0, len(value) - 2, 3):
                chunk = value[i : i + 3]
                if _LETTERS3.fullmatch(chunk):
                    found.append(chunk)
                    if primary is None and code == "a":
                        primary = chunk
    return primary, _dedup(found)


def _year(c008: str | None, fields: dict[str, list[pymarc.Field]]) -> int | None:
    if c008 and len(c008) >= 11:
        date1 = c008[7:11]
        if date1.isdigit() and date1 not in ("0000", "9999"):
            return int(date1)
    imprints = [f for f in fields.get("264", ()) if f.indicators and f.indicators[1] == "1"]
    imprints += fields.get("260", []) + fields.get("264", [])
    for f in imprints:
        for value in _values(f, "c"):
            m = _YEAR.search(value)
            if m:
                return int(m.group(1))
    return None


def extract(record: pymarc.Record) -> Extracted:
    """Compute the derived columns of ``record``."""
    fields: dict[str, list[pymarc.Field]] = {}
    for f in record.fields:
        fields.setdefault(f.tag, []).append(f)
    leader = str(record.leader)

    def control(tag: str) -> str | None:
        f = _first(fields, tag)
        return f.data if f is not None and f.data else None

    c008 = control("008")

    # Title.
    f245 = _first(fields, "245")
    title = _joined(f245, "abnp") if f245 else ""
    title_field = f245 if title else None
    if not title:
        for tag, codes in (("246", "abnp"), ("240", "anp"), ("130", "anp")):
            f = _first(fields, tag)
            if f is not None:
                title = _joined(f, codes)
                if title:
                    title_field = f if tag != "246" else None
                    break
    title = title or UNTITLED
    title_full = _joined(f245, "abnpc") if f245 else ""
    statement = _joined(f245, "c") if f245 else ""
    raw_title = " ".join(_values(title_field, "abnp")) if title_field is not None else title
    skip = _nonfiling(title_field) if title_field is not None and title_field.tag in ("245", "240") else 0
    if title_field is not None and title_field.tag == "130":
        ind1 = title_field.indicators[0] if title_field.indicators else " "
        skip = int(ind1) if ind1.isdigit() else 0
    sortable = _NONSORT.sub("", raw_title) if "\u0098" in raw_title else raw_title[skip:]
    title_sort = sort_key(clean(sortable) or title)

    # Names.
    authors = []
    for tag in ("100", "110", "111", "700", "710", "711"):
        for f in fields.get(tag, ()):
            authors.append(_joined(f, _NAME_CODES[tag]))
    authors = _dedup(authors)
    author = None
    for tag in ("100", "110", "111", "700", "710", "711"):
        f = _first(fields, tag)
        if f is not None:
            author = _joined(f, _NAME_CODES[tag]) or None
            if author:
                break
    if author is None and statement:
        author = statement

    # Imprint.
    publisher = place = None
    imprint = next((f for f in fields.get("264", ()) if f.indicators and f.indicators[1] == "1"), None)
    for f in [imprint, *fields.get("260", ()), *fields.get("264", ())]:
        if f is None:
            continue
        publisher = publisher or (clean(next(iter(_values(f, "b")), "")) or None)
        place = place or (clean(next(iter(_values(f, "a")), "")) or None)
        if publisher and place:
            break

    f250 = _first(fields, "250")
    edition = (_joined(f250, "a") or None) if f250 else None

    language, languages = _languages(c008, fields)

    call_number = None
    for tag, codes in (("082", "a"), ("080", "a"), ("090", "ab"), ("050", "ab"), ("852", "hi")):
        f = _first(fields, tag)
        if f is not None:
            values = _values(f, codes)
            if tag in ("082", "080"):
                values = values[:1]
            call_number = _SPACES.sub(" ", " ".join(values)).strip() or None
            if call_number:
                break

    isbns = _dedup(isbn13(v) for f in fields.get("020", ()) for v in _values(f, "az"))
    issns = _dedup(issn(v) for f in fields.get("022", ()) for v in _values(f, "ayz"))

    subjects = []
    for tag in sorted(t for t in fields if t.startswith("6") and t.isdigit()):
        for f in fields[tag]:
            if tag == "653":
                subjects.extend(clean(v) for v in _values(f, "a"))
            else:
                subjects.append(_subject(f))
    subjects = _dedup(subjects)

    series = _dedup(clean(v) for tag in ("490", "830") for f in fields.get(tag, ()) for v in _values(f, "a"))

    notes = []
    for tag in sorted(t for t in fields if t.startswith("5") and t.isdigit()):
        if tag in ("505", "520"):
            continue
        for f in fields[tag]:
            notes.extend(clean(v) for v in _values(f, "a"))
    notes = _dedup(notes)
    summary = "\n".join(_dedup(clean(v) for f in fields.get("520", ()) for v in _values(f, "a"))) or None
    contents = "\n".join(_dedup(_joined(f, "agrt") for f in fields.get("505", ()))) or None

    texts = []
    for f in record.fields:
        tag = f.tag
        if f.control_field or not ("020" <= tag <= "899") or tag in _SKIP_TEXT:
            continue
        for code, value in f.subfields:
            if code not in _CODED and value:
                texts.append(value)
    any_text = nfc(_SPACES.sub(" ", " ".join(texts)).strip())

    return Extracted(
        title=title,
        title_full=title_full or title,
        title_sort=title_sort,
        statement=statement or None,
        author=author,
        authors=authors,
        publisher=publisher,
        place=place,
        year=_year(c008, fields),
        edition=edition,
        language=language,
        languages=languages,
        material_type=_material_type(leader),
        call_number=call_number,
        isbns=isbns,
        issns=issns,
        subjects=subjects,
        series=series,
        notes=notes,
        summary=summary,
        control_number=control("001"),
        control_source=control("003"),
        any_text=any_text,
        contents=contents,
    )
