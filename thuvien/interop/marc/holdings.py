"""Holdings fields (Koha 952, MARC 21 852, ...) <-> items, so export -> import round-trips.

On import, ``split_holdings`` turns each holdings field that has a barcode into a ``Holding`` (the
item's columns plus the original field) and removes it from the bibliographic record; fields without
a barcode stay in the record.  On export, ``render_holding`` rebuilds the original field with the
item's current values and ``merge_holdings_fields`` puts it back in tag order.

Choices worth knowing:

* An attribute may map to several subfields ("call_number=h+i"): their values are joined with a
  space.  When such a value changes, the new value goes into the first code's subfield and the other
  codes' subfields are removed (the split cannot be guessed back).
* A price or date that still means the same thing as the original text keeps the original text
  ("120.000đ" stays "120.000đ" while the item's price is 120000).
* Prices: "120.000đ", "120 000 VND", "1.200.000", "25.00", "$12.95", "12,95 €", "$1,500".  A dot
  or comma followed by exactly three digits separates thousands (no library prices in mills); with
  both, the last one is the decimal point.  The currency itself is not kept.
* Dates: "2019-05-02", "20190502", "2019/05/02", "02/05/2019" (day first, as written in Vietnam).
* Merging puts a field after the last field whose tag is not greater; holdings fields that were in
  the middle of a record come back after the fields of the same tag that stayed in the record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

import pymarc
from pymarc import Subfield

from ._build import data_field, new_record

__all__ = [
    "ATTRIBUTES",
    "Holding",
    "HoldingsMap",
    "KOHA_952",
    "MARC_852",
    "merge_holdings_fields",
    "parse_date",
    "parse_price",
    "render_holding",
    "split_holdings",
]

ATTRIBUTES = (
    "barcode",
    "home_library",
    "current_library",
    "call_number",
    "item_type",
    "location",
    "price",
    "acquired_on",
)


@dataclass(frozen=True)
class HoldingsMap:
    """Which subfield(s) of holdings field ``tag`` hold each item attribute."""

    tag: str
    codes: dict[str, tuple[str, ...]]

    @classmethod
    def parse(cls, spec: str, tag: str = "952") -> HoldingsMap:
        """Parse "home_library=a,barcode=p,call_number=h+i,..." (raise ValueError if malformed)."""
        if len(tag) != 3 or not tag.isalnum():
            raise ValueError(f"tag {tag!r} is not three letters or digits")
        codes: dict[str, tuple[str, ...]] = {}
        for part in spec.split(","):
            part = part.strip()
            if not part:
                continue
            name, sep, value = part.partition("=")
            name = name.strip()
            if not sep or name not in ATTRIBUTES:
                raise ValueError(f"{part!r}: expected one of {', '.join(ATTRIBUTES)} followed by =code")
            subcodes = tuple(c.strip() for c in value.split("+"))
            if not subcodes or any(len(c) != 1 or not ("!" <= c <= "~") for c in subcodes):
                raise ValueError(f"{part!r}: subfield codes are single characters, joined with +")
            if name in codes:
                raise ValueError(f"{name} is mapped twice")
            codes[name] = subcodes
        if "barcode" not in codes:
            raise ValueError("the map needs a barcode subfield")
        used = [c for cs in codes.values() for c in cs]
        if len(used) != len(set(used)):
            raise ValueError("a subfield code is mapped to two attributes")
        return cls(tag=tag, codes=codes)

    def spec(self) -> str:
        """Return the map in the form ``parse`` reads."""
        return ",".join(f"{name}={'+'.join(cs)}" for name, cs in self.codes.items())


KOHA_952 = HoldingsMap.parse(
    "home_library=a,current_library=b,barcode=p,call_number=o,item_type=y,location=c,price=g,acquired_on=d",
    tag="952",
)
# MARC 21 holdings: $a location (institution), $b sublocation, $c shelving location, $h/$i
# classification and item part of the call number, $p piece designation (barcode).  852 has no
# price, item type or acquisition date (those live in 876-878 in MARC 21).
MARC_852 = HoldingsMap.parse("home_library=a,location=b+c,call_number=h+i,barcode=p", tag="852")


@dataclass
class Holding:
    barcode: str
    home_library: str | None = None
    current_library: str | None = None
    call_number: str | None = None
    item_type: str | None = None
    location: str | None = None
    price: Decimal | None = None
    acquired_on: date | None = None
    field: list = field(default_factory=list)  # [tag, ind1, ind2, [[code, value], ...]]


# --- values --------------------------------------------------------------------------------------

_NUMBER = re.compile(r"\d(?:[\d.,\s\u00a0]*\d)?")


def parse_price(text: str | None) -> Decimal | None:
    """Read a price written the way libraries write them; None when there is no number."""
    if not text:
        return None
    m = _NUMBER.search(text)
    if m is None:
        return None
    number = re.sub(r"[\s\u00a0]", "", m.group(0))
    if "." in number or "," in number:
        last = max(number.rfind("."), number.rfind(","))
        if "." in number and "," in number:
            decimal_sep = number[last]  # "1,234.56" / "1.234,56": the last one is the decimal point
        elif len(number) - last - 1 == 3:
            decimal_sep = None  # "120.000", "1.200.000", "$1,500": thousands (nobody prices in mills)
        elif number.count(number[last]) > 1:
            return None  # "1.2.3"
        else:
            decimal_sep = number[last]
        if decimal_sep is None:
            number = number.replace(".", "").replace(",", "")
        else:
            thousands = "," if decimal_sep == "." else "."
            number = number.replace(thousands, "").replace(decimal_sep, ".")
    try:
        return Decimal(number)
    except InvalidOperation:
        return None


_DATE_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_DATE_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_DATE_DMY = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")


def parse_date(text: str | None) -> date | None:
    """Read "2019-05-02", "20190502", "2019/05/02" or "02/05/2019" (day first); else None."""
    if not text:
        return None
    text = text.strip()
    for pattern, order in ((_DATE_ISO, "ymd"), (_DATE_COMPACT, "ymd"), (_DATE_DMY, "dmy")):
        m = pattern.fullmatch(text) or (pattern.match(text) if pattern is not _DATE_COMPACT else None)
        if m is None:
            continue
        a, b, c = (int(g) for g in m.groups())
        y, mo, d = (a, b, c) if order == "ymd" else (c, b, a)
        try:
            return date(y, mo, d)
        except ValueError:
            return None
    return None


def _format(name: str, value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _same(name: str, original: str, value) -> bool:
    if name == "price":
        return parse_price(original) == (
            value if isinstance(value, Decimal) else parse_price(_format(name, value))
        )
    if name == "acquired_on":
        return parse_date(original) == (
            value if isinstance(value, date) else parse_date(_format(name, value))
        )
    return original == _format(name, value)


# --- split / render / merge ----------------------------------------------------------------------


def _field_list(f: pymarc.Field) -> list:
    ind = f.indicators or (" ", " ")
    return [f.tag, ind[0], ind[1], [[c, v] for c, v in f.subfields]]


def _attribute_text(subfields, codes: tuple[str, ...]) -> str | None:
    values = [v.strip() for c, v in subfields if c in codes and v.strip()]
    return " ".join(values) if values else None


def split_holdings(record: pymarc.Record, maps: list[HoldingsMap]) -> tuple[list[Holding], pymarc.Record]:
    """Take the holdings fields with a barcode out of ``record``; return them and the rest.

    ``record`` itself is not changed; the returned record shares its other Field objects.
    """
    by_tag = {m.tag: m for m in maps}
    holdings: list[Holding] = []
    kept: list[pymarc.Field] = []
    for f in record.fields:
        hmap = by_tag.get(f.tag)
        if hmap is None or f.control_field:
            kept.append(f)
            continue
        subs = f.subfields
        barcode = _attribute_text(subs, hmap.codes["barcode"])
        if not barcode:
            kept.append(f)
            continue
        h = Holding(barcode=barcode, field=_field_list(f))
        for name, codes in hmap.codes.items():
            if name == "barcode":
                continue
            text = _attribute_text(subs, codes)
            if name == "price":
                h.price = parse_price(text)
            elif name == "acquired_on":
                h.acquired_on = parse_date(text)
            else:
                setattr(h, name, text)
        holdings.append(h)
    return holdings, new_record(str(record.leader), kept)


def render_holding(field: list, values: dict, hmap: HoldingsMap) -> pymarc.Field:
    """Rebuild a holdings field from its original form and the item's current ``values``.

    Unmapped subfields and the order are kept; a mapped subfield takes the current value (left as
    written when it means the same), is removed when the value is now empty, and is appended when
    it was absent and is now set.  Attributes missing from ``values`` are left as they were.
    """
    tag, ind1, ind2, raw_subs = field if field else [hmap.tag, " ", " ", []]
    subs: list[list[str]] = [[c, v] for c, v in raw_subs]
    for name, codes in hmap.codes.items():
        if name not in values:
            continue
        value = values[name]
        new_text = _format(name, value).strip()
        present = [i for i, (c, _) in enumerate(subs) if c in codes]
        original = " ".join(subs[i][1].strip() for i in present if subs[i][1].strip())
        if not new_text:
            subs = [s for i, s in enumerate(subs) if i not in set(present)]
            continue
        if present and _same(name, original, value):
            continue
        if present:
            first = present[0]
            subs[first] = [subs[first][0], new_text]
            drop = set(present[1:])
            subs = [s for i, s in enumerate(subs) if i not in drop]
        else:
            subs.append([codes[0], new_text])
    return data_field(tag, ind1 or " ", ind2 or " ", [Subfield(c, v) for c, v in subs])


def merge_holdings_fields(record: pymarc.Record, fields: list[pymarc.Field]) -> pymarc.Record:
    """Return a copy of ``record`` with ``fields`` inserted in tag order."""
    merged = list(record.fields)
    for f in fields:
        pos = len(merged)
        while pos > 0 and merged[pos - 1].tag > f.tag:
            pos -= 1
        merged.insert(pos, f)
    return new_record(str(record.leader), merged)
