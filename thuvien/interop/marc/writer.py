"""Write records as ISO 2709 (UTF-8 or MARC-8) and as MARCXML.

Decisions a caller should know:

* ISO 2709 cannot hold a field over 9,999 bytes or a record over 99,999 bytes (the directory and
  leader have 4 and 5 digits).  Such a record is not split (MARC 21 defines no way to split a
  field, and splitting records breaks their identity): ``encode_iso2709`` raises ``RecordTooLong``;
  ``write_iso2709`` raises it too, or with ``on_error="skip"`` leaves the record out and notes it in
  the ``WriteReport`` so the caller can offer MARCXML instead (which has no limit).
* The ISO 2709 delimiters 0x1D/0x1E/0x1F inside data cannot be written in UTF-8 ISO 2709: they are
  dropped and counted.  In MARC-8 they become ``&#x1F;``-style references (lossless).
* Characters XML 1.0 forbids (C0 controls other than tab/newline/return, U+FFFE/U+FFFF, lone
  surrogates) are dropped from MARCXML and counted in ``WriteReport.dropped_chars``: XML has no
  escape for them, and an invalid document would lose every record in it.
* ``schema_safe=True`` also makes each record valid against MARC21slim.xsd (control fields moved
  before data fields, upper-case indicators lower-cased, other indicators and leader characters the
  schema does not allow blanked, fields with tags or subfields with codes it does not allow left
  out), counting every change in ``WriteReport.schema_fixes``.  Use it where others validate
  (OAI-PMH, SRU).  By default the data is written exactly as stored, so that export and re-import
  change nothing: well-formed always, schema-valid whenever the record's own values are (83 of
  the 5,349 real test records use '#' or '-' as indicators, '^' in the leader and the like).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import BinaryIO

import pymarc
from lxml import etree

from .marc8 import encode_marc8

__all__ = [
    "MARC_NS",
    "RecordTooLong",
    "WriteReport",
    "encode_iso2709",
    "record_to_xml_element",
    "write_iso2709",
    "write_marcxml",
]

MARC_NS = "http://www.loc.gov/MARC21/slim"
_NSMAP = {None: MARC_NS}
_Q_RECORD = f"{{{MARC_NS}}}record"
_Q_LEADER = f"{{{MARC_NS}}}leader"
_Q_CONTROL = f"{{{MARC_NS}}}controlfield"
_Q_DATA = f"{{{MARC_NS}}}datafield"
_Q_SUB = f"{{{MARC_NS}}}subfield"
_Q_COLLECTION = f"{{{MARC_NS}}}collection"
_RECORD_NS_DECL = f'<record xmlns="{MARC_NS}">'.encode()

_nfc = unicodedata.normalize


class RecordTooLong(ValueError):
    """The record (or one of its fields) does not fit the ISO 2709 length fields."""


@dataclass
class WriteReport:
    """What a writer had to leave out or change, for the caller to show."""

    written: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (0-based index, reason)
    dropped_chars: int = 0
    schema_fixes: int = 0


def _norm(text: str) -> str:
    if text.isascii() or unicodedata.is_normalized("NFC", text):
        return text
    return _nfc("NFC", text)


# --- ISO 2709 --------------------------------------------------------------------------------------

_DELIMS = re.compile("[\x1d\x1e\x1f]")


def _clean_utf8(text: str, report: WriteReport | None) -> bytes:
    text = _norm(text)
    if "\x1d" in text or "\x1e" in text or "\x1f" in text:
        text, n = _DELIMS.subn("", text)
        if report is not None:
            report.dropped_chars += n
    return text.encode("utf-8", "surrogatepass")


def encode_iso2709(record: pymarc.Record, charset: str = "utf8", report: WriteReport | None = None) -> bytes:
    """Return ``record`` in ISO 2709 ("utf8": leader/09 'a', NFC; "marc8": leader/09 blank)."""
    if charset not in ("utf8", "marc8"):
        raise ValueError(f"charset must be 'utf8' or 'marc8', not {charset!r}")
    marc8 = charset == "marc8"
    enc = encode_marc8 if marc8 else None
    directory = []
    chunks = []
    pos = 0
    for f in record.fields:
        tag = f.tag
        if len(tag) != 3 or not tag.isascii():
            raise ValueError(f"tag {tag!r} cannot be written in ISO 2709")
        if f.control_field:
            data = (enc(_norm(f.data or "")) if enc else _clean_utf8(f.data or "", report)) + b"\x1e"
        else:
            ind = f.indicators or (" ", " ")
            parts = [(ind[0] + ind[1]).encode("ascii", "replace")]
            for code, value in f.subfields:
                if len(code) != 1 or not code.isascii():
                    raise ValueError(f"field {tag} has the subfield code {code!r}, not one ASCII character")
                parts.append(b"\x1f" + code.encode("ascii"))
                parts.append(enc(_norm(value)) if enc else _clean_utf8(value, report))
            parts.append(b"\x1e")
            data = b"".join(parts)
        n = len(data)
        if n > 9999:
            raise RecordTooLong(f"field {tag} is {n} bytes long; ISO 2709 allows 9,999 (use MARCXML)")
        directory.append(f"{tag}{n:04d}{pos:05d}")
        chunks.append(data)
        pos += n
    base = 24 + 12 * len(directory) + 1
    total = base + pos + 1
    if total > 99999:
        raise RecordTooLong(f"the record is {total} bytes long; ISO 2709 allows 99,999 (use MARCXML)")
    leader = str(record.leader)
    if len(leader) != 24 or not leader.isascii():
        raise ValueError(f"the leader {leader!r} is not 24 ASCII characters")
    leader = f"{total:05d}{leader[5:9]}{' ' if marc8 else 'a'}22{base:05d}{leader[17:20]}4500"
    return b"".join([leader.encode("ascii"), "".join(directory).encode("ascii"), b"\x1e", *chunks, b"\x1d"])


def encode_iso2709_json(marc: dict, extra: list[tuple[str, dict]] = ()) -> bytes:
    """Return MARC-in-JSON MARC as ISO 2709 in UTF-8 (leader/09 'a', NFC), with EXTRA data fields in tag order.

    The same bytes ``encode_iso2709(record_from_dict(marc))`` gives, without building pymarc objects
    (a Z39.50 present spends much of its time there). Tags of other than three ASCII characters are
    left out.
    """
    directory: list[str] = []
    chunks: list[bytes] = []
    pos = 0
    pending = sorted(extra, key=lambda e: e[0])

    def add(tag: str, data: bytes) -> None:
        nonlocal pos
        n = len(data)
        if n > 9999:
            raise RecordTooLong(f"field {tag} is {n} bytes long; ISO 2709 allows 9,999 (use MARCXML)")
        directory.append(f"{tag}{n:04d}{pos:05d}")
        chunks.append(data)
        pos += n

    def data_field(tag: str, body: dict) -> None:
        i1, i2 = body.get("ind1", " "), body.get("ind2", " ")
        i1 = i1 if type(i1) is str and len(i1) == 1 and i1.isascii() else " "
        i2 = i2 if type(i2) is str and len(i2) == 1 and i2.isascii() else " "
        parts = [(i1 + i2).encode("ascii")]
        for subfield in body.get("subfields") or ():
            if type(subfield) is not dict:
                continue
            for code, value in subfield.items():
                if type(value) is str and len(code) == 1 and code.isascii() and code not in "\x1d\x1e\x1f":
                    parts.append(b"\x1f" + code.encode("ascii"))
                    parts.append(_clean_utf8(value, None))
        parts.append(b"\x1e")
        add(tag, b"".join(parts))

    for entry in marc.get("fields") or ():
        if type(entry) is not dict:
            continue
        for tag, body in entry.items():
            if len(tag) != 3 or not tag.isascii() or "\x1d" in tag or "\x1e" in tag or "\x1f" in tag:
                continue
            while pending and pending[0][0] < tag and not tag.startswith("00"):
                data_field(*pending.pop(0))
            if type(body) is str:
                add(tag, _clean_utf8(body, None) + b"\x1e")
            elif type(body) is dict:
                data_field(tag, body)
    while pending:
        data_field(*pending.pop(0))
    base = 24 + 12 * len(directory) + 1
    total = base + pos + 1
    if total > 99999:
        raise RecordTooLong(f"the record is {total} bytes long; ISO 2709 allows 99,999 (use MARCXML)")
    leader = marc.get("leader")
    if type(leader) is not str or len(leader) != 24 or not leader.isascii():
        leader = "00000nam a2200000 a 4500"
    leader = f"{total:05d}{leader[5:9]}a22{base:05d}{leader[17:20]}4500"
    return b"".join([leader.encode("ascii"), "".join(directory).encode("ascii"), b"\x1e", *chunks, b"\x1d"])


def write_iso2709(
    records: Iterable[pymarc.Record],
    out: BinaryIO,
    charset: str = "utf8",
    *,
    on_error: str = "raise",
    report: WriteReport | None = None,
) -> int:
    """Write ``records`` to ``out`` as ISO 2709; return how many were written.

    ``on_error="skip"`` leaves out records that cannot be written (too long, bad tag) and lists
    them in ``report``; the default raises.
    """
    if on_error not in ("raise", "skip"):
        raise ValueError("on_error must be 'raise' or 'skip'")
    count = 0
    for index, record in enumerate(records):
        try:
            data = encode_iso2709(record, charset, report)
        except ValueError as exc:
            if on_error == "raise":
                raise
            if report is not None:
                report.skipped.append((index, str(exc)))
            continue
        out.write(data)
        count += 1
    if report is not None:
        report.written += count
    return count


# --- MARCXML ---------------------------------------------------------------------------------------

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_IND_OK = frozenset("0123456789abcdefghijklmnopqrstuvwxyz ")
_CODE_OK = frozenset(
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!\"#$%&'()*+,-./:;<=>?{}_^`~[]\\"
)
_CONTROL_TAG = re.compile(r"00[1-9A-Za-z]")
_DATA_TAG = re.compile(r"0[1-9A-Z][0-9A-Z]|0[1-9a-z][0-9a-z]|[1-9A-Z][0-9A-Z]{2}|[1-9a-z][0-9a-z]{2}")
_LEADER_OK = re.compile(
    r"[\d ]{5}[\dA-Za-z ][\dA-Za-z][\dA-Za-z ]{3}(2| )(2| )[\d ]{5}[\dA-Za-z ]{3}(4500|    )"
)


def _xml_text(text: str, report: WriteReport | None) -> str:
    text = _norm(text)
    if text.isascii():
        if text.isprintable():
            return text
    elif not _XML_ILLEGAL.search(text):
        return text
    text, n = _XML_ILLEGAL.subn("", text)
    if report is not None:
        report.dropped_chars += n
    return text


def _safe_leader(leader: str, report: WriteReport | None) -> str:
    if _LEADER_OK.fullmatch(leader):
        return leader
    chars = list((leader + " " * 24)[:24])
    for i, c in enumerate(chars):
        if i < 5 or 12 <= i < 17:
            ok = c.isdigit() or c == " "
        elif i == 6:
            ok = c.isascii() and c.isalnum()
        elif i in (10, 11):
            ok = c in "2 "
        elif i >= 20:
            ok = True
        else:
            ok = (c.isascii() and c.isalnum()) or c == " "
        if not ok:
            chars[i] = "a" if i == 6 else ("0" if i < 5 or 12 <= i < 17 else " ")
    fixed = "".join(chars[:20]) + "4500"
    if report is not None:
        report.schema_fixes += 1
    return fixed


def record_to_xml_element(
    record: pymarc.Record, *, schema_safe: bool = False, report: WriteReport | None = None
) -> etree._Element:
    """Return ``record`` as a MARCXML ``<record>`` element (namespace MARC21 slim, NFC text)."""
    el = etree.Element(_Q_RECORD, nsmap=_NSMAP)
    sub = etree.SubElement
    leader = str(record.leader)
    leader = leader[:9] + "a" + leader[10:]
    if schema_safe:
        leader = _safe_leader(leader, report)
    sub(el, _Q_LEADER).text = _xml_text(leader, report)
    fields = record.fields
    if schema_safe:
        # The schema wants every controlfield before the first datafield.
        ordered = [f for f in fields if f.control_field] + [f for f in fields if not f.control_field]
        if ordered != fields:
            fields = ordered
            if report is not None:
                report.schema_fixes += 1
    for f in fields:
        tag = f.tag
        if f.control_field:
            if schema_safe and not _CONTROL_TAG.fullmatch(tag):
                if report is not None:
                    report.schema_fixes += 1
                continue
            c = sub(el, _Q_CONTROL, tag=tag)
            c.text = _xml_text(f.data or "", report)
            continue
        if schema_safe and not _DATA_TAG.fullmatch(tag):
            if report is not None:
                report.schema_fixes += 1
            continue
        ind = f.indicators or (" ", " ")
        i1, i2 = ind[0], ind[1]
        if schema_safe:
            i1, i2 = _safe_indicator(i1, report), _safe_indicator(i2, report)
        d = sub(el, _Q_DATA, tag=tag, ind1=_xml_text(i1, report) or " ", ind2=_xml_text(i2, report) or " ")
        for code, value in f.subfields:
            if schema_safe and code not in _CODE_OK:
                if report is not None:
                    report.schema_fixes += 1
                continue
            s = sub(d, _Q_SUB, code=_xml_text(code, report))
            s.text = _xml_text(value, report)
        if schema_safe and len(d) == 0:
            # The schema wants at least one subfield per datafield.
            el.remove(d)
            if report is not None:
                report.schema_fixes += 1
    return el


def _safe_indicator(value: str, report: WriteReport | None) -> str:
    if value in _IND_OK:
        return value
    if report is not None:
        report.schema_fixes += 1
    low = value.lower()
    return low if low in _IND_OK else " "


def write_marcxml(
    records: Iterable[pymarc.Record],
    out: BinaryIO,
    *,
    schema_safe: bool = False,
    report: WriteReport | None = None,
) -> int:
    """Write a MARCXML collection of ``records`` to ``out`` (UTF-8); return how many were written."""
    count = 0
    out.write(b'<?xml version="1.0" encoding="UTF-8"?>\n<collection xmlns="' + MARC_NS.encode() + b'">\n')
    tostring = etree.tostring
    for record in records:
        el = record_to_xml_element(record, schema_safe=schema_safe, report=report)
        # Each record declares the namespace it was built with; inside the collection it is
        # inherited, so the declaration is dropped (it is the first attribute written).
        out.write(tostring(el, encoding="utf-8").replace(_RECORD_NS_DECL, b"<record>", 1))
        out.write(b"\n")
        count += 1
    out.write(b"</collection>\n")
    if report is not None:
        report.written += count
    return count
