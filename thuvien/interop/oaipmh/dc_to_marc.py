"""Simple Dublin Core (oai_dc) to MARC 21: the fifteen elements mapped to the fields a catalogue searches.

The mapping follows the Library of Congress Dublin Core to MARC crosswalk in spirit, with the
choices a union catalogue needs: the OAI identifier becomes 001 (with the contributing library in
003) so that a record harvested again updates itself; ISBN and ISSN found among the identifiers go
to 020/022 so that deduplication can match them; personal names in direct order (Vietnamese) stay
so. Text is NFC, whitespace collapsed. No Django here.
"""

from __future__ import annotations

import re
import unicodedata

import pymarc
from pymarc import Field, Indicators, Subfield

from thuvien.lib.isbn import is_valid_isbn, issn

__all__ = ["DC_NS", "dc_to_marc", "language_code"]

DC_NS = "http://purl.org/dc/elements/1.1/"
DCTERMS_NS = "http://purl.org/dc/terms/"
ELEMENTS = {
    "title", "creator", "subject", "description", "publisher", "contributor", "date", "type", "format",
    "identifier", "source", "language", "relation", "coverage", "rights",
}  # fmt: skip
# A subfield this long is cut: ISO 2709 allows 9,999 bytes a field, and a description is a summary.
MAX_TEXT = 4000

_SPACE = re.compile(r"\s+")
# A year standing alone: "c1978" and "2003-04-15" give one, "1950s" (a decade) does not.
_YEAR = re.compile(r"(?<!\d)(1[0-9]{3}|20[0-9]{2})(?![0-9A-Za-z])")
_URL = re.compile(r"^(https?|ftp)://\S+$", re.I)
_DOI = re.compile(r"^(?:doi:|https?://(?:dx\.)?doi\.org/)(10\.\d{4,9}/\S+)$", re.I)
_ISBN_HINT = re.compile(r"^(?:urn:isbn:|isbn[:\s]*)", re.I)
_ISSN_HINT = re.compile(r"^(?:urn:issn:|e?issn[:\s]*)", re.I)
_MIME = re.compile(r"^[a-z]+/[a-z0-9.+-]+$", re.I)
_SUBTITLE = re.compile(r"\s*:\s+")

# ISO 639-1 and common English/Vietnamese names → MARC language codes (639-2/B).
_LANGUAGES = {
    "vi": "vie", "vietnamese": "vie", "tiếng việt": "vie", "việt": "vie",
    "en": "eng", "english": "eng", "tiếng anh": "eng",
    "fr": "fre", "fra": "fre", "french": "fre", "tiếng pháp": "fre",
    "de": "ger", "deu": "ger", "german": "ger", "tiếng đức": "ger",
    "nl": "dut", "nld": "dut", "dutch": "dut",
    "zh": "chi", "zho": "chi", "chinese": "chi", "tiếng trung": "chi", "tiếng hán": "chi",
    "ja": "jpn", "japanese": "jpn", "tiếng nhật": "jpn",
    "ko": "kor", "korean": "kor", "tiếng hàn": "kor",
    "ru": "rus", "russian": "rus", "tiếng nga": "rus",
    "es": "spa", "spanish": "spa", "it": "ita", "italian": "ita", "pt": "por", "portuguese": "por",
    "lo": "lao", "lao": "lao", "km": "khm", "khmer": "khm", "th": "tha", "thai": "tha",
    "la": "lat", "latin": "lat", "cs": "cze", "ces": "cze", "da": "dan", "sv": "swe", "no": "nor",
    "fi": "fin", "pl": "pol", "el": "gre", "ell": "gre", "ar": "ara", "he": "heb", "hi": "hin",
}  # fmt: skip
_MARC_LANGUAGE = re.compile(r"^[a-z]{3}$")

# DCMI types (and common local words) → leader/06.
_TYPES = [
    ("moving", "g"), ("video", "g"), ("film", "g"), ("phim", "g"),
    ("sound", "i"), ("audio", "i"), ("ghi âm", "i"), ("music", "j"), ("nhạc", "j"),
    ("still", "k"), ("image", "k"), ("photograph", "k"), ("ảnh", "k"), ("hình", "k"),
    ("map", "e"), ("cartographic", "e"), ("bản đồ", "e"),
    ("software", "m"), ("dataset", "m"), ("interactive", "m"), ("dữ liệu", "m"),
    ("physical", "r"), ("object", "r"), ("hiện vật", "r"),
    ("collection", "p"), ("manuscript", "t"), ("thủ bút", "t"), ("viết tay", "t"),
]  # fmt: skip
_SERIAL_WORDS = ("journal", "periodical", "serial", "newspaper", "tạp chí", "báo", "ấn phẩm định kỳ")
# Words that make a name a body, not a person (English, Vietnamese, a few other languages).
_CORPORATE = re.compile(
    r"\b(company|corporation|inc|ltd|llc|university|college|institute|library|society|association|"
    r"council|committee|department|ministry|office|press|publishers?|foundation|center|centre|museum|"
    r"school|agency|group|data|universiteit|université|universität|"
    r"thư viện|nhà xuất bản|nxb|trường|viện|hội|công ty|bộ|sở|ủy ban|uỷ ban|ban|trung tâm|"
    r"học viện|đại học|tổng cục|cục|bảo tàng)\b",
    re.I,
)


def _clean(text: str | None) -> str:
    if not text:
        return ""
    text = _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()
    if len(text) > MAX_TEXT:
        text = text[: MAX_TEXT - 1].rstrip() + "…"
    return text


def language_code(value: str) -> str | None:
    """The MARC language code for VALUE (an ISO 639 code or a language name), or None."""
    key = _clean(value).lower().replace("_", "-")
    if not key:
        return None
    if key in _LANGUAGES:
        return _LANGUAGES[key]
    base = key.split("-", 1)[0]
    if base in _LANGUAGES:
        return _LANGUAGES[base]
    if _MARC_LANGUAGE.match(base):
        return base
    return None


def _elements(dc) -> dict[str, list[str]]:
    """The DC values of the element DC, by element name, in document order (empty values dropped)."""
    values: dict[str, list[str]] = {name: [] for name in ELEMENTS}
    for child in dc.iter():
        if child is dc or not isinstance(child.tag, str):
            continue
        ns, _sep, name = child.tag[1:].partition("}") if child.tag.startswith("{") else ("", "", child.tag)
        if ns not in (DC_NS, DCTERMS_NS, "") or name not in ELEMENTS:
            continue
        text = _clean("".join(child.itertext()))
        if text and text not in values[name]:
            values[name].append(text)
    return values


def _is_corporate(name: str) -> bool:
    return bool(_CORPORATE.search(name))


def _name_field(name: str, main: bool, role: str = "") -> Field:
    """A 100/700 (person) or 110/710 (body) for NAME; a comma means inverted order, else direct order."""
    subs = [Subfield("a", name)]
    if role:
        subs.append(Subfield("e", role))
    if _is_corporate(name):
        return Field(tag="110" if main else "710", indicators=Indicators("2", " "), subfields=subs)
    ind1 = "1" if "," in name else "0"
    return Field(tag="100" if main else "700", indicators=Indicators(ind1, " "), subfields=subs)


def _leader(types: list[str]) -> str:
    kind = "a"
    level = "m"
    for value in types:
        low = value.lower()
        if any(word in low for word in _SERIAL_WORDS):
            level = "s"
            break
        found = next((code for word, code in _TYPES if word in low), None)
        if found:
            kind = found
            break
    # Status new, UTF-8 (09 = a), abbreviated level (17 = 3): converted, not catalogued by hand.
    return f"00000n{kind}{level} a22000003u 4500"


def _008(datestamp: str, year: str | None, language: str | None, serial: bool) -> str:
    digits = re.sub(r"\D", "", datestamp or "")
    entered = digits[2:8] if len(digits) >= 8 else "000000"
    if year:
        dates = ("c" if serial else "s") + year + "    "
    else:
        dates = "n" + "uuuu" + "    "
    body = "xx " + "|" * 17
    # An unknown language is left blank, not "und": deduplication keeps records with two different
    # languages apart, and a Dublin Core record that does not say must still match its MARC twin.
    return (entered + dates + body + (language or "   ") + " d")[:40].ljust(40)


def dc_to_marc(dc, *, identifier: str = "", datestamp: str = "", source: str = "") -> pymarc.Record:
    """Return a MARC 21 record (NFC) for the oai_dc element DC; IDENTIFIER → 001 and SOURCE → 003."""
    v = _elements(dc)
    record = pymarc.Record(force_utf8=True)
    record.leader = _leader(v["type"])
    serial = record.leader[7] == "s"
    if identifier:
        record.add_field(Field(tag="001", data=_clean(identifier)))
    if source:
        record.add_field(Field(tag="003", data=_clean(source)))
    years = [m.group(1) for value in v["date"] for m in [_YEAR.search(value)] if m]
    year = years[0] if years else None
    languages = list(
        dict.fromkeys(code for value in v["language"] for code in [language_code(value)] if code)
    )
    record.add_field(
        Field(tag="008", data=_008(datestamp, year, languages[0] if languages else None, serial))
    )

    isbns, issns, urls, dois, others = [], [], [], [], []
    for value in v["identifier"]:
        bare = _ISBN_HINT.sub("", value)
        if _URL.match(value) and not _DOI.match(value):
            urls.append(value)
        elif m := _DOI.match(value):
            dois.append(m.group(1))
        elif _ISSN_HINT.match(value) and issn(_ISSN_HINT.sub("", value)):
            issns.append(issn(_ISSN_HINT.sub("", value)))
        elif re.fullmatch(r"\d{9}[\dXx]|\d{13}", compact := re.sub(r"[\s-]", "", bare)) and is_valid_isbn(
            compact
        ):
            isbns.append(compact.upper())
        else:
            others.append(value)
    for number in dict.fromkeys(isbns):
        record.add_field(Field(tag="020", indicators=Indicators(" ", " "), subfields=[Subfield("a", number)]))
    for number in dict.fromkeys(issns):
        record.add_field(Field(tag="022", indicators=Indicators(" ", " "), subfields=[Subfield("a", number)]))
    for doi in dict.fromkeys(dois):
        record.add_field(
            Field(
                tag="024",
                indicators=Indicators("7", " "),
                subfields=[Subfield("a", doi), Subfield("2", "doi")],
            )
        )
    for value in others:
        record.add_field(Field(tag="024", indicators=Indicators("8", " "), subfields=[Subfield("a", value)]))
    if languages:
        record.add_field(
            Field(tag="041", indicators=Indicators("0", " "), subfields=[Subfield("a", c) for c in languages])
        )

    creators = v["creator"]
    contributors = [c for c in v["contributor"] if c not in creators]
    if creators:
        record.add_field(_name_field(creators[0], main=True))

    titles = v["title"]
    if titles:
        parts = _SUBTITLE.split(titles[0], maxsplit=1)
        head, rest = parts[0], parts[1] if len(parts) > 1 else None
        subs = [Subfield("a", head + (" :" if rest else ""))]
        if rest:
            subs.append(Subfield("b", rest))
        ind1 = "1" if creators else "0"
        record.add_field(Field(tag="245", indicators=Indicators(ind1, "0"), subfields=subs))
        for other in titles[1:]:
            record.add_field(
                Field(tag="246", indicators=Indicators("3", " "), subfields=[Subfield("a", other)])
            )

    publication = []
    for publisher in v["publisher"][:1]:
        publication.append(Subfield("b", publisher))
    if v["date"]:
        publication.append(Subfield("c", year or v["date"][0]))
    if publication:
        record.add_field(Field(tag="264", indicators=Indicators(" ", "1"), subfields=publication))
    for publisher in v["publisher"][1:]:
        record.add_field(
            Field(tag="264", indicators=Indicators(" ", "1"), subfields=[Subfield("b", publisher)])
        )

    for value in v["format"]:
        if not _MIME.match(value) and not value.isdigit():
            record.add_field(
                Field(tag="300", indicators=Indicators(" ", " "), subfields=[Subfield("a", value)])
            )
    for value in v["coverage"]:
        record.add_field(Field(tag="500", indicators=Indicators(" ", " "), subfields=[Subfield("a", value)]))
    for value in v["description"]:
        record.add_field(Field(tag="520", indicators=Indicators(" ", " "), subfields=[Subfield("a", value)]))
    for value in v["rights"]:
        record.add_field(Field(tag="540", indicators=Indicators(" ", " "), subfields=[Subfield("a", value)]))
    for value in v["subject"]:
        record.add_field(Field(tag="650", indicators=Indicators(" ", "4"), subfields=[Subfield("a", value)]))
    for value in v["type"]:
        record.add_field(Field(tag="655", indicators=Indicators(" ", "4"), subfields=[Subfield("a", value)]))
    for name in creators[1:]:
        record.add_field(_name_field(name, main=False))
    for name in contributors:
        record.add_field(_name_field(name, main=False))
    for value in v["source"]:
        record.add_field(Field(tag="786", indicators=Indicators("0", " "), subfields=[Subfield("n", value)]))
    for value in v["relation"]:
        if _URL.match(value):
            record.add_field(
                Field(tag="856", indicators=Indicators("4", "2"), subfields=[Subfield("u", value)])
            )
        else:
            record.add_field(
                Field(tag="787", indicators=Indicators("0", " "), subfields=[Subfield("n", value)])
            )
    # The resource itself: its address, with the electronic format when the record gives one.
    mime = next((value for value in v["format"] if _MIME.match(value)), None)
    for url in dict.fromkeys(urls):
        subs = [Subfield("u", url)] + ([Subfield("q", mime)] if mime else [])
        record.add_field(Field(tag="856", indicators=Indicators("4", "0"), subfields=subs))
    return record
