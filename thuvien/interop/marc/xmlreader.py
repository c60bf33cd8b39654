"""MARCXML reading: a collection, a bare record, or MARC records wrapped in OAI-PMH (or SRU) XML.

Parsed with lxml ``iterparse`` (streaming; each record element is freed once read) with entity
resolution, DTD loading, network access and huge trees all off, so XXE and entity bombs fail safely:
entity references are simply not expanded.

A record element is any element named ``record`` in the MARC21 slim namespace, in no namespace or
in another non-OAI namespace (MarcXchange), that has leader/controlfield/datafield children.  OAI-PMH
``record`` wrappers are skipped; their MARC payload is read.

A record with a broken structure (no leader, a tag that is not three letters or digits, a subfield
without a code) is a RecordError and reading goes on.  A document that is not well-formed yields the
records before the error, then one RecordError naming the line and libxml2's message.  Then a second
pass with libxml2's recovery mode salvages the records that *start after* the error line, each with
a warning; records at or before that line are never taken from the recovered tree because recovery
can merge or truncate the record that holds the error.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from typing import BinaryIO

from lxml import etree
from pymarc import Subfield

from . import _legacy
from ._build import control_field, data_field, new_record
from .iso2709 import Reject
from .reader import _convert_text_fields, _norm, normalize_leader
from .types import FieldChange, ParsedRecord, RecordError

__all__ = ["read_marcxml", "record_from_xml_element"]

logger = logging.getLogger(__name__)

MARC_NS = "http://www.loc.gov/MARC21/slim"
_OAI_PREFIX = "http://www.openarchives.org/OAI/"
_MARC_CHILDREN = frozenset({"leader", "controlfield", "datafield"})
_TAG_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_MAX_SPOOL = 200 * 1024 * 1024  # beyond this, no salvage pass (the copy would cost too much)


def _local(tag) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def _ns(tag: str) -> str:
    return tag[1:].partition("}")[0] if tag.startswith("{") else ""


def _is_marc_record(el) -> bool:
    ns = _ns(el.tag)
    if ns == MARC_NS:
        return True
    if ns.startswith(_OAI_PREFIX):
        return False
    has_children = False
    for c in el:
        name = _local(c.tag)
        if name in _MARC_CHILDREN:
            return True
        has_children = has_children or bool(name)
    # An empty <record/> in no namespace is a (broken) MARC record; one with other children is not.
    return not has_children and not ns


def record_from_xml_element(el, warnings: list[str] | None = None):
    """Build a pymarc Record (NFC, leader/09 'a') from a MARCXML record element; raise Reject."""
    if warnings is None:
        warnings = []
    leader = None
    fields = []
    for child in el:
        name = _local(child.tag)
        if not name:
            continue  # comment or processing instruction
        if name == "leader":
            text = child.text or ""
            if len(text) != 24 and len(text.strip()) == 24:
                text = text.strip()
            if len(text) != 24:
                raise Reject(f"the leader is {len(text)} characters long, not 24: {text!r}")
            leader = text
        elif name == "controlfield":
            tag = child.get("tag")
            if tag is None:
                raise Reject(f"a controlfield (line {child.sourceline}) has no tag")
            _check_tag(tag, child)
            fields.append(control_field(tag, _norm(child.text or "")))
        elif name == "datafield":
            tag = child.get("tag")
            if tag is None:
                raise Reject(f"a datafield (line {child.sourceline}) has no tag")
            _check_tag(tag, child)
            i1 = _indicator(child, "ind1", tag, warnings)
            i2 = _indicator(child, "ind2", tag, warnings)
            subs = []
            for sf in child:
                if _local(sf.tag) != "subfield":
                    continue
                code = sf.get("code")
                if code is None or len(code) != 1 or not ("!" <= code <= "~"):
                    raise Reject(
                        f"a subfield of field {tag} (line {sf.sourceline}) has "
                        + ("no code" if code is None else f"the code {code!r}, not one printable character")
                    )
                subs.append(Subfield(code, _norm(sf.text or "")))
            fields.append(data_field(tag, i1, i2, subs))
    if leader is None:
        raise Reject("the record has no leader")
    leader = normalize_leader(leader, warnings)
    leader = leader[:9] + "a" + leader[10:]
    return new_record(leader, fields)


def _check_tag(tag: str, el) -> None:
    if len(tag) != 3 or not set(tag) <= _TAG_CHARS:
        raise Reject(f"the tag {tag!r} (line {el.sourceline}) is not three letters or digits")


def _indicator(el, name: str, tag: str, warnings: list[str]) -> str:
    value = el.get(name)
    if value is None or value == "":
        warnings.append(f"field {tag} has no {name}; blank used")
        return " "
    if len(value) != 1:
        warnings.append(f"field {tag} has {name}={value!r}; first character used")
        value = value[0]
    if not (" " <= value <= "~"):
        warnings.append(f"field {tag} has an unprintable {name}; blank used")
        return " "
    return value


def _parser_kwargs(recover: bool) -> dict:
    return {
        "events": ("end",),
        "tag": "{*}record",
        "resolve_entities": False,
        "no_network": True,
        "load_dtd": False,
        "huge_tree": False,
        "remove_comments": True,
        "remove_pis": True,
        "recover": recover,
    }


def _free(el) -> None:
    el.clear(keep_tail=False)
    parent = el.getparent()
    if parent is not None:
        while el.getprevious() is not None:
            del parent[0]


def _build(el, position: int, enc: str):
    warnings: list[str] = []
    changes: list[FieldChange] = []
    try:
        record = record_from_xml_element(el, warnings)
    except Reject as exc:
        raw = etree.tostring(el, encoding="utf-8")
        return RecordError(position, -1, f"record {position} (line {el.sourceline}): {exc}", raw)
    except Exception as exc:  # a bug must cost one record, not the whole import
        logger.exception("unexpected error reading XML record %d", position)
        raw = etree.tostring(el, encoding="utf-8")
        return RecordError(
            position, -1, f"record {position} could not be read ({type(exc).__name__}: {exc})", raw
        )
    used = "utf8"
    if enc in ("auto", "utf8", "marc8"):
        _convert_text_fields(record.fields, changes)
    elif enc in _legacy.encodings():
        used = enc
        _convert_legacy_text(record.fields, enc, changes)
    return ParsedRecord(record, position, -1, used, changes, warnings)


def _convert_legacy_text(fields, enc: str, changes: list[FieldChange]) -> None:
    """The user says the XML text is in a legacy encoding (read as Latin-1/cp1252 characters)."""
    for f in fields:
        if f.control_field:
            continue
        for idx, s in enumerate(f.subfields):
            if s.value.isascii() and enc != "viqr":
                continue
            new = _legacy.convert(s.value, enc)
            if new is not None:
                new = _norm(new)
                if new != s.value:
                    f.subfields[idx] = Subfield(s.code, new)
                    changes.append(FieldChange(f.tag, s.code, s.value, new, enc))


def read_marcxml(stream: BinaryIO, enc: str = "auto") -> Iterator[ParsedRecord | RecordError]:
    """Yield the MARC records of an XML document (see the module docstring)."""
    # The document may need a second, recovering pass: keep what was read (bounded).
    spool = _Spool(stream)
    position = 0
    events = etree.iterparse(spool, **_parser_kwargs(False))
    try:
        for _event, el in events:
            if _is_marc_record(el):
                position += 1
                yield _build(el, position, enc)
            _free(el)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or (exc.position[0] if exc.position else 0)
        msg = exc.msg or str(exc)
        if msg.startswith("Opening and ending tag mismatch"):
            msg = "mismatched tag: " + msg
        if msg.startswith("Extra content at the end of the document") and not spool.truncated:
            # Several records (or documents) one after the other without a collection element:
            # common in files glued together by hand.  Read them inside a wrapper element.
            wrapped = _wrap(spool.getvalue())
            skip = position
            try:
                for _event, el in etree.iterparse(io.BytesIO(wrapped), **_parser_kwargs(False)):
                    if _is_marc_record(el):
                        if skip:
                            skip -= 1
                        else:
                            position += 1
                            yield _build(el, position, enc)
                    _free(el)
                return
            except etree.XMLSyntaxError as exc2:
                line = exc2.lineno or line
                msg = exc2.msg or str(exc2)
        position += 1
        yield RecordError(position, -1, f"XML not well-formed at line {line}: {msg}", None)
        if not spool.truncated:
            yield from _salvage(spool.getvalue(), line, position, enc)
        return
    if position == 0:
        root = getattr(events, "root", None)
        what = f"root element <{_local(root.tag)}>" if root is not None else "empty document"
        yield RecordError(1, -1, f"the XML document holds no MARC record ({what})", None)


_DECL = re.compile(rb"<\?xml[^>]*\?>")


def _wrap(data: bytes) -> bytes:
    m = _DECL.match(data.lstrip(b"\xef\xbb\xbf \t\r\n"))
    head = m.group(0) if m else b""
    return head + b"<thuvien-wrapper>" + _DECL.sub(b"", data) + b"</thuvien-wrapper>"


def _salvage(data: bytes, error_line: int, position: int, enc: str):
    try:
        for _event, el in etree.iterparse(io.BytesIO(data), **_parser_kwargs(True)):
            if (el.sourceline or 0) > error_line and _is_marc_record(el):
                position += 1
                item = _build(el, position, enc)
                if isinstance(item, ParsedRecord):
                    item.warnings.append(
                        "recovered from an XML document that is not well-formed (after the error "
                        f"at line {error_line}); check the record"
                    )
                yield item
            _free(el)
    except etree.XMLSyntaxError:
        return


class _Spool(io.RawIOBase):
    """Pass-through reader that keeps a copy (up to a bound) for a recovering second pass."""

    def __init__(self, stream: BinaryIO):
        self._stream = stream
        self._buf = io.BytesIO()
        self.truncated = False

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        data = self._stream.read(len(b))
        n = len(data)
        b[:n] = data
        if not self.truncated:
            if self._buf.tell() + n > _MAX_SPOOL:
                self.truncated = True
                self._buf = io.BytesIO()
            else:
                self._buf.write(data)
        return n

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = 1 << 16
        buf = bytearray(size)
        n = self.readinto(buf)
        return bytes(buf[:n])

    def getvalue(self) -> bytes:
        return self._buf.getvalue()
