"""Read MARC records from ISO 2709, MARCXML (also inside OAI-PMH) or MARC-in-JSON.

``read_marc`` yields a ``ParsedRecord`` per readable record and a ``RecordError`` per unreadable
one, in file order, and never raises for bad data (only for a bad ``encoding`` argument or an
unreadable source).  Every record comes out as Unicode NFC with leader/09 = 'a'.

Character sets, ``encoding="auto"`` (documented choices).  "Sound MARC-8" below means: every byte
maps to a MARC-8 character and no ANSEL combining mark stands before a space, punctuation or the
end of a subfield (where VNI puts its marks, after the vowel, and where MARC-8 never does).

* leader/09 'a' -> UTF-8.  If the bytes are not valid UTF-8 and the record holds no valid UTF-8
  multibyte sequence at all, the leader is taken to lie, and in this order: sound MARC-8 (warning);
  a Vietnamese legacy encoding recognised by ``vn_legacy.detect`` on the bytes read as Latin-1
  (warning, every converted subfield a FieldChange); MARC-8 that merely decodes; Windows-1252 /
  Latin-1 when every non-ASCII byte reads as a letter or usual symbol and accented letters are a
  minority (FieldChanges showing the raw bytes).  Otherwise the record is rejected ("invalid UTF-8
  in field 245 with leader/09='a'"): replacement characters would silently lose letters.  A record
  mixing valid UTF-8 sequences with broken bytes is rejected the same way.
* leader/09 blank (or any other value, with a warning) -> MARC-8, except when the data is valid
  UTF-8 with multibyte sequences and no MARC-8 escape (read as UTF-8, warning), or is not sound
  MARC-8 and is recognised as a Vietnamese legacy encoding, or as Windows-1252 (converted,
  FieldChanges).  MARC-8 bytes that map to nothing become U+FFFD with a warning naming the fields.
  Known limit: legacy Vietnamese bytes that happen to be sound MARC-8 (short VNI text without a
  word-final mark) are read as MARC-8; pass ``encoding="vni"`` when the source is known.
* after decoding, every subfield that could be mis-decoded text (see ``_worth_detecting``: the
  Latin-1/cp1252 characters legacy bytes or UTF-8 read as cp1252 turn into, or the VIQR shape for
  ASCII) goes through ``vn_legacy.detect``; a hit is converted and reported as a FieldChange.  An
  8-bit legacy hit must yield two converted words of two letters or more (``_plausible_conversion``).

``encoding`` may also name the source encoding: "utf8", "marc8" or one of ``vn_legacy.ENCODINGS``
(data-field bytes decoded with ``vn_legacy.decode``, each non-ASCII subfield reported); no guessing
then, and invalid UTF-8 under "utf8" rejects the record.

Structure: see ``iso2709`` (ISO 2709) and ``xmlreader`` (MARCXML); JSON in ``json_form``.  Files are
read in 8 MB blocks, never whole; records, not files, are held in memory.
"""

from __future__ import annotations

import gzip
import io
import logging
import os
import re
import unicodedata
from collections.abc import Iterator
from typing import BinaryIO

from pymarc import Field, Subfield

from . import _legacy
from ._build import CONTROL_TAGS, FAST, INDICATORS, control_field, data_field, indicators, new_record
from .iso2709 import (
    BLOCK_SIZE,
    MAX_RAW_KEPT,
    Chunk,
    RawRecord,
    Reject,
    embedded_start,
    normalize_leader,
    parse_structure,
    split_records,
)
from .marc8 import decode_marc8_counted
from .types import FieldChange, ParsedRecord, RecordError

logger = logging.getLogger(__name__)

__all__ = ["read_marc", "detect_format", "decode_iso2709_record", "normalize_leader", "ENCODINGS"]

ENCODINGS = ("auto", "utf8", "marc8", *_legacy.LEGACY_ENCODINGS)
_ALIASES = {"utf-8": "utf8", "utf_8": "utf8", "marc-8": "marc8", "marc_8": "marc8", "ansel": "marc8"}

_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_WS = b" \t\r\n"

_VIQR_SPECIAL = re.compile(rb"[\^+`~]")
_VOWELS_B = frozenset(b"AaEeOoUuYy")
_LETTERS_B = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_TONES_B = frozenset(b"`'?~.")


def _viqr_hint(data: bytes) -> bool:
    """Cheap test for VIQR-looking bytes: a vowel followed by ^ + (then a letter, maybe after a
    tone) or by ` ~ (then a letter or space), not right after a subfield delimiter.

    Real VIQR text always carries one of ^ ` ~ +; those characters are rare elsewhere, so only
    their positions are examined.
    """
    if not (b"^" in data or b"`" in data or b"~" in data or b"+" in data):
        return False
    n = len(data)
    for m in _VIQR_SPECIAL.finditer(data):
        i = m.start()
        if i == 0 or data[i - 1] not in _VOWELS_B or (i > 1 and data[i - 2] == 0x1F):
            continue
        nxt = data[i + 1] if i + 1 < n else -1
        if data[i] in b"^+":
            if nxt in _TONES_B and i + 2 < n:
                nxt = data[i + 2]
            if nxt in _LETTERS_B:
                return True
        elif nxt in _LETTERS_B or nxt == 0x20:
            return True
    return False


_UTF8_MULTI = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")

_nfc = unicodedata.normalize
_is_nfc = unicodedata.is_normalized


def _norm(text: str) -> str:
    if text.isascii() or _is_nfc("NFC", text):
        return text
    return _nfc("NFC", text)


def detect_format(head: bytes) -> str:
    """Tell "marcxml" (first non-blank byte '<') from "iso2709"; "json" for '{' or '['."""
    i = 0
    for bom in _BOMS:
        if head.startswith(bom):
            i = len(bom)
            break
    n = len(head)
    while i < n and head[i] in _WS:
        i += 1
    if i < n:
        c = head[i]
        if c == 0x3C:  # '<'
            return "marcxml"
        if c in (0x7B, 0x5B):  # '{' '['
            return "json"
        if head[i : i + 2] == b"\x00<" or head[i : i + 2] == b"<\x00":  # UTF-16 without BOM
            return "marcxml"
    return "iso2709"


# --- sources -------------------------------------------------------------------------------------


class _Prefixed(io.RawIOBase):
    """A read-only stream that first returns bytes already peeked at."""

    def __init__(self, prefix: bytes, rest: BinaryIO):
        self._prefix = prefix
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        if self._prefix:
            n = min(len(b), len(self._prefix))
            b[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            return n
        data = self._rest.read(len(b))
        n = len(data)
        b[:n] = data
        return n


def _open(source) -> tuple[bytes, BinaryIO | None, BinaryIO | None]:
    """Return (first bytes, stream for the rest or None, stream to close or None)."""
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source), None, None
    if isinstance(source, str | os.PathLike):
        fh = open(source, "rb")  # noqa: SIM115 - closed by the generator
        return fh.read(BLOCK_SIZE), fh, fh
    if hasattr(source, "read"):
        first = source.read(BLOCK_SIZE)
        if isinstance(first, str):
            raise TypeError("read_marc needs a binary file object, not a text one")
        return first, source, None
    raise TypeError(f"read_marc cannot read from {type(source).__name__}")


def _check_encoding(encoding: str) -> str:
    enc = _ALIASES.get(encoding.lower(), encoding.lower())
    if enc not in ENCODINGS:
        raise ValueError(f"unknown encoding {encoding!r}; use one of {', '.join(ENCODINGS)}")
    return enc


def read_marc(source, encoding: str = "auto") -> Iterator[ParsedRecord | RecordError]:
    """Yield each record of ``source`` (path, bytes or binary file) as ParsedRecord or RecordError.

    Arguments are checked at once (ValueError, TypeError); the source is opened on first iteration
    and closed when the iteration ends (a file object passed in is left open).
    """
    enc = _check_encoding(encoding)
    if not isinstance(source, bytes | bytearray | memoryview | str | os.PathLike) and not hasattr(
        source, "read"
    ):
        raise TypeError(f"read_marc cannot read from {type(source).__name__}")
    return _read(source, enc)


def _read(source, enc: str) -> Iterator[ParsedRecord | RecordError]:
    first, rest, to_close = _open(source)
    try:
        if first[:2] == b"\x1f\x8b":
            stream = gzip.GzipFile(fileobj=_Prefixed(first, rest or io.BytesIO(b"")))
            first = stream.read(BLOCK_SIZE)
            rest = stream
        fmt = detect_format(first[:4096])
        if fmt == "marcxml":
            from .xmlreader import read_marcxml

            stream = _Prefixed(first, rest) if rest is not None else io.BytesIO(first)
            yield from read_marcxml(stream, enc)
        elif fmt == "json":
            from .json_form import read_json_records

            source_json = _json_source(first, rest)
            if source_json is None:
                yield RecordError(
                    1,
                    -1,
                    f"JSON document over {MAX_JSON // 2**20} MB; split it or use JSON Lines",
                    first[:1024],
                )
            else:
                yield from read_json_records(source_json, enc)
        else:
            yield from _read_iso2709(first, rest, enc)
    finally:
        if to_close is not None:
            to_close.close()


MAX_JSON = 200 * 1024 * 1024


def _json_source(first: bytes, rest: BinaryIO | None):
    """Whole JSON text when small; a line iterator for JSON Lines; None when too big to parse."""
    if rest is None or len(first) < BLOCK_SIZE:
        return first if rest is None else first + rest.read()
    head, sep, _ = first.partition(b"\n")
    if sep and head.strip().startswith(b"{") and head.rstrip().endswith(b"}"):
        return _lines(first, rest)
    data = first + rest.read(MAX_JSON + 1 - len(first))
    return data if len(data) <= MAX_JSON else None


def _lines(first: bytes, rest: BinaryIO) -> Iterator[bytes]:
    stream = io.BufferedReader(_Prefixed(first, rest), BLOCK_SIZE)
    yield from stream


def _read_iso2709(first: bytes, rest: BinaryIO | None, enc: str) -> Iterator[ParsedRecord | RecordError]:
    read = rest.read if rest is not None else None
    position = 0
    for whole in split_records(first, read):
        cut = embedded_start(whole.data)
        if cut:  # a record cut short, then a whole one, with no terminator between them
            parts = (
                Chunk(whole.offset, whole.data[:cut], False),
                Chunk(whole.offset + cut, whole.data[cut:], whole.terminated),
            )
        else:
            parts = (whole,)
        for chunk in parts:
            position += 1
            try:
                raw = parse_structure(chunk.data, chunk.terminated)
                record, used, changes, warnings = decode_iso2709_record(raw, enc)
            except Reject as exc:
                yield RecordError(position, chunk.offset, str(exc), chunk.data[:MAX_RAW_KEPT])
                continue
            except Exception as exc:  # a bug must cost one record, not the whole import
                logger.exception("unexpected error reading record %d at byte %d", position, chunk.offset)
                reason = f"the record could not be read ({type(exc).__name__}: {exc})"
                yield RecordError(position, chunk.offset, reason, chunk.data[:MAX_RAW_KEPT])
                continue
            yield ParsedRecord(record, position, chunk.offset, used, changes, warnings)


# --- decoding one record ---------------------------------------------------------------------------


class _BadUTF8(Reject):
    pass


def decode_iso2709_record(raw: RawRecord, enc: str = "auto"):
    """Decode a structurally parsed record; return (record, encoding used, changes, warnings)."""
    warnings = raw.warnings
    changes: list[FieldChange] = []
    leader = raw.leader
    fields_raw = raw.fields
    ld9 = leader[9]

    fields = None
    text: list = []  # the record's decoded text, when it was decoded in one piece
    if enc == "auto":
        if ld9 == "a":
            used = "utf8"
            try:
                fields = _fields_utf8(raw, warnings, text)
            except _BadUTF8:
                used = _utf8_fallback(fields_raw, warnings)
        elif raw.packed.isascii() if raw.packed is not None else all(fb.isascii() for _, fb in fields_raw):
            used = "marc8"
            if not _has_marc8_syntax(fields_raw):
                fields = _fields_utf8(raw, warnings)  # plain ASCII reads the same; this path is faster
        else:
            used = _guess_non_utf8_leader(fields_raw, ld9, warnings)
    else:
        used = enc

    if fields is None:
        if used == "utf8":
            fields = _fields_utf8(raw, warnings)
        elif used == "marc8":
            fields = _fields_marc8(fields_raw, warnings)
        else:
            fields = _fields_legacy(fields_raw, used, changes, warnings)

    if used in ("utf8", "marc8"):
        _convert_text(fields, changes, raw, text[0] if text else None, text[1] if text else None)

    return new_record(leader[:9] + "a" + leader[10:], fields), used, changes, warnings


def _has_marc8_syntax(fields_raw) -> bool:
    return any(b"\x1b" in fb or b"&#x" in fb for _, fb in fields_raw)


def _valid_utf8(fields_raw) -> bool:
    try:
        for _, fb in fields_raw:
            fb.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _first_bad_utf8(fields_raw) -> str:
    for tag, fb in fields_raw:
        try:
            fb.decode("utf-8")
        except UnicodeDecodeError:
            return tag
    return "?"


def _latin1_view(fields_raw) -> str:
    return " ".join(fb.decode("latin-1") for _, fb in fields_raw if not fb.isascii())


def _legacy_guess(fields_raw) -> str | None:
    if any(b"\x1b" in fb for _, fb in fields_raw):
        return None
    view = _latin1_view(fields_raw).replace("\x1f", " ")
    kind = _legacy.detect(view)
    if kind and kind != "mojibake" and kind != "viqr" and kind in _legacy.encodings():
        after = _legacy.from_latin1_text(view, kind)
        if after is not None and _plausible_conversion(kind, view, after):
            return kind
    return None


def _marc8_clean(fields_raw) -> bool:
    for tag, fb in fields_raw:
        if tag < "010" and tag.isdigit():
            if decode_marc8_counted(fb)[1]:
                return False
            continue
        for part in fb.split(b"\x1f")[1:]:
            if decode_marc8_counted(part[1:])[1]:
                return False
    return True


# An ANSEL combining mark (0xE0-0xFE) must come before the letter it sits on.  Before a space,
# punctuation or the end of a subfield it is out of place in MARC-8, but it is exactly where VNI
# puts its tone and vowel marks (after the vowel: "Ha\xf8 No\xe4i" is "Hà Nội").
_MARK_MISPLACED = re.compile(rb"[\xe0-\xfe](?=[^A-Za-z\x80-\xff]|$)")


def _marc8_anomalies(fields_raw) -> int:
    """Count ANSEL combining marks that no letter follows (see ``_MARK_MISPLACED``)."""
    n = 0
    for tag, fb in fields_raw:
        if fb.isascii() or (tag < "010" and tag.isdigit()):
            continue
        for part in fb.split(b"\x1f")[1:]:
            if b"\x1b" not in part:
                n += len(_MARK_MISPLACED.findall(part, 1))
    return n


def _utf8_fallback(fields_raw, warnings: list[str]) -> str:
    bad_tag = _first_bad_utf8(fields_raw)
    if not any(_UTF8_MULTI.search(fb) for _, fb in fields_raw):
        clean = _marc8_clean(fields_raw)
        if clean and not _marc8_anomalies(fields_raw):
            warnings.append("leader/09 says UTF-8 but the data is not UTF-8; read as MARC-8")
            return "marc8"
        kind = _legacy_guess(fields_raw)
        if kind:
            warnings.append(f"leader/09 says UTF-8 but the text is {kind}; converted (see changes)")
            return kind
        if clean:
            warnings.append("leader/09 says UTF-8 but the data is not UTF-8; read as MARC-8")
            return "marc8"
        if _cp1252_plausible(fields_raw):
            warnings.append(
                "leader/09 says UTF-8 but the data is Windows-1252/Latin-1; converted (see changes)"
            )
            return "cp1252"
    raise Reject(f"invalid UTF-8 in field {bad_tag} with leader/09='a'")


# Non-ASCII characters a Western European Windows-1252/Latin-1 text is made of, besides letters.
_CP1252_SYMBOLS = frozenset("\u00a0«»°§£¥¢©®¿¡·²³¹½¼¾ºª¶µ€‘’‚“”„–—…†‡•‰‹›™×÷±")


def _cp1252_plausible(fields_raw) -> bool:
    """Tell whether the record reads as Western European Windows-1252/Latin-1 text.

    All non-ASCII bytes must read as letters or usual symbols, control fields must be ASCII, no
    MARC-8 escape may appear, and accented letters must be a minority of the letters (text in
    another 8-bit code page, e.g. Cyrillic cp1251, reads as a wall of accented Latin letters).
    """
    letters = high = 0
    for tag, fb in fields_raw:
        if b"\x1b" in fb:
            return False
        if fb.isascii():
            continue
        if tag < "010" and tag.isdigit():
            return False
        try:
            text = fb.decode("cp1252")
        except UnicodeDecodeError:
            return False
        for ch in text:
            if ch >= "\x80":
                if ch.isalpha():
                    high += 1
                elif ch not in _CP1252_SYMBOLS:
                    return False
            elif ch.isalpha():
                letters += 1
    return high <= 0.3 * (letters + high)


def _guess_non_utf8_leader(fields_raw, ld9: str, warnings: list[str]) -> str:
    if ld9 != " ":
        warnings.append(f"leader/09={ld9!r} is not a known character coding; guessed from the data")
    if not _has_marc8_syntax(fields_raw) and _valid_utf8(fields_raw):
        if any(_UTF8_MULTI.search(fb) for _, fb in fields_raw):
            warnings.append("leader/09 says MARC-8 but the data is UTF-8; read as UTF-8")
            return "utf8"
    # Bytes that read as sound MARC-8 are MARC-8: Vietnamese legacy bytes are looked for only when
    # MARC-8 cannot explain them (the detector alone would take a MARC-8 French "H\xe1a" for VNI).
    clean = _marc8_clean(fields_raw)
    if clean and not _marc8_anomalies(fields_raw):
        return "marc8"
    kind = _legacy_guess(fields_raw)
    if kind:
        warnings.append(f"leader/09 says MARC-8 but the text is {kind}; converted (see changes)")
        return kind
    if clean:
        return "marc8"
    if _cp1252_plausible(fields_raw):
        warnings.append("leader/09 says MARC-8 but the data is Windows-1252/Latin-1; converted (see changes)")
        return "cp1252"
    return "marc8"


def _indicators(head: str, tag: str, warnings: list[str]) -> tuple[str, str]:
    if len(head) == 2:
        i1, i2 = head
    elif not head:
        warnings.append(f"field {tag} has no indicators; blanks used")
        return " ", " "
    elif len(head) == 1:
        warnings.append(f"field {tag} has only one indicator; the second is blank")
        i1, i2 = head, " "
    elif len(head) <= 4 and head.isascii():
        # Common in exports from some systems (a third "indicator", a stray backslash): the
        # subfields are intact, only the extra characters go.
        warnings.append(f"field {tag} has {head!r} where two indicators belong; kept {head[:2]!r}")
        i1, i2 = head[0], head[1]
    else:
        raise Reject(
            f"field {tag} has {len(head)} characters where its two indicators and a subfield delimiter "
            f"should be: {head[:20]!r}"
        )
    if not (" " <= i1 <= "~") or not (" " <= i2 <= "~"):
        warnings.append(f"field {tag} has an unprintable indicator; blank used")
        i1 = i1 if " " <= i1 <= "~" else " "
        i2 = i2 if " " <= i2 <= "~" else " "
    return i1, i2


def _code(c: str, tag: str, warnings: list[str] | None = None) -> str:
    if "!" <= c <= "~":
        return c
    if c == " " and warnings is not None:
        warnings.append(f"field {tag} has a subfield with a blank code")
        return c
    raise Reject(f"field {tag} has a subfield with an unreadable code {c!r}")


_BAD_CODE = re.compile(rb"\x1f[^\x21-\x7e\x1e\x1f]")
_new_tuple = tuple.__new__


def _fields_utf8(raw: RawRecord, warnings: list[str], holder: list | None = None):
    fields_raw = raw.fields
    pieces = None
    text = None
    packed = raw.packed
    if packed is not None:
        # One decode and one normalisation for the whole record: the usual, fast case.
        try:
            text = packed.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            if not text.isascii() and not _is_nfc("NFC", text):
                text = _nfc("NFC", text)
            pieces = text.split("\x1e")
            if len(pieces) != len(fields_raw) + 1:
                pieces = text = None
        odd_codes = _BAD_CODE.search(packed) is not None
    else:
        odd_codes = any(_BAD_CODE.search(fb) for _, fb in fields_raw)
    if pieces is None:
        pieces = []
        for tag, fb in fields_raw:
            try:
                pieces.append(_norm(fb.decode("utf-8")))
            except UnicodeDecodeError:
                raise _BadUTF8(f"invalid UTF-8 in field {tag}") from None
    fields = []
    append = fields.append
    sf_cls = Subfield
    new = object.__new__
    field_cls = Field
    ind_table = INDICATORS
    control_tags = CONTROL_TAGS
    fast = FAST
    for (tag, _), piece in zip(fields_raw, pieces, strict=False):
        if tag in control_tags:
            append(control_field(tag, piece))
            continue
        parts = piece.split("\x1f")
        ind = ind_table.get(parts[0])
        if ind is None:
            ind = indicators(*_indicators(parts[0], tag, warnings))
        del parts[0]
        subs = [_new_tuple(sf_cls, (p[0], p[1:])) for p in parts if p]
        if odd_codes:
            for sf in subs:
                if not ("!" <= sf.code <= "~"):
                    _code(sf.code, tag, warnings)
        if fast:
            f = new(field_cls)
            f.tag = tag
            f.data = None
            f._indicators = ind
            f.subfields = subs
            f.control_field = False
            f._Field__pos = 0
            append(f)
        else:  # pragma: no cover
            append(data_field(tag, ind[0], ind[1], subs))
    if holder is not None and text is not None:
        holder.append(text)
        holder.append(pieces)
    return fields


def _fields_marc8(fields_raw, warnings: list[str]):
    fields = []
    bad_tags: list[str] = []
    for tag, fb in fields_raw:
        if tag < "010" and tag.isdigit():
            text, bad = decode_marc8_counted(fb)
            if bad:
                bad_tags.append(tag)
            fields.append(control_field(tag, text))
            continue
        parts = fb.split(b"\x1f")
        i1, i2 = _indicators(parts[0].decode("latin-1"), tag, warnings)
        subs = []
        for p in parts[1:]:
            if not p:
                continue
            code = _code(chr(p[0]), tag, warnings)
            text, bad = decode_marc8_counted(p[1:])
            if bad:
                bad_tags.append(f"{tag}${code}")
            subs.append(Subfield(code, text))
        fields.append(data_field(tag, i1, i2, subs))
    if bad_tags:
        warnings.append(
            "MARC-8 bytes with no character (shown as U+FFFD) in " + ", ".join(dict.fromkeys(bad_tags))
        )
    return fields


def _fields_legacy(fields_raw, enc: str, changes: list[FieldChange], warnings: list[str]):
    if enc == "cp1252":

        def decode(value: bytes) -> str:
            return value.decode("cp1252", "replace")

        def shown(value: bytes) -> str:
            return value.decode("ascii", "backslashreplace")

    else:

        def decode(value: bytes) -> str:
            return _legacy.decode(value, enc)

        def shown(value: bytes) -> str:
            return value.decode("latin-1")

    fields = []
    for tag, fb in fields_raw:
        if tag < "010" and tag.isdigit():
            fields.append(control_field(tag, _norm(fb.decode("latin-1"))))
            continue
        parts = fb.split(b"\x1f")
        i1, i2 = _indicators(parts[0].decode("latin-1"), tag, warnings)
        subs = []
        for p in parts[1:]:
            if not p:
                continue
            code = _code(chr(p[0]), tag, warnings)
            value = p[1:]
            if value.isascii() and enc != "viqr":
                text = value.decode("ascii")
            else:
                try:
                    text = _norm(decode(value))
                except (ValueError, LookupError) as exc:
                    raise Reject(f"field {tag}${code} cannot be read as {enc}: {exc}") from None
                before = shown(value)
                if text != before:
                    changes.append(FieldChange(tag, code, before, text, enc))
            subs.append(Subfield(code, text))
        fields.append(data_field(tag, i1, i2, subs))
    return fields


def _convert_text(
    fields, changes: list[FieldChange], raw: RawRecord, text: str | None, pieces: list[str] | None
) -> None:
    packed = raw.packed
    if packed is not None:
        viqr = _viqr_hint(packed)
        if not viqr:
            if packed.isascii():
                return
            if text is not None and not _two_latin1_high(text) and not _MOJIBAKE_HINT.search(text):
                return  # then no subfield can pass _worth_detecting
    else:
        viqr = any(_viqr_hint(fb) for _, fb in raw.fields)
    if viqr:
        _convert_text_fields(fields, changes, True)
        return
    if pieces is not None:
        # A subfield passes _worth_detecting only if its field's text passes these two tests.
        suspects = [
            f
            for f, piece in zip(fields, pieces, strict=False)
            if not piece.isascii() and (_two_latin1_high(piece) or _MOJIBAKE_HINT.search(piece))
        ]
    else:
        suspects = [f for f, (_, fb) in zip(fields, raw.fields, strict=False) if not fb.isascii()]
    if suspects:
        _convert_text_fields(suspects, changes, False)


# cp1252 characters outside Latin-1 (what bytes 0x80-0x9F become).
_CP1252_EXTRA = (
    "\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018\u2019"
    "\u201a\u201c\u201d\u201e\u2020\u2021\u2022\u2026\u2030\u2039\u203a\u20ac\u2122"
)
# UTF-8 read as cp1252/Latin-1 always shows a lead byte character followed by a continuation one.
_MOJIBAKE_HINT = re.compile(f"[\u00c2-\u00f4][\u0080-\u00bf{_CP1252_EXTRA}]")
# Text that is not plausibly legacy bytes read as Latin-1/cp1252: has a character beyond those.
_BEYOND_CP1252 = re.compile(f"[^\u0000-\u00ff{_CP1252_EXTRA}]")
_HIGH = re.compile("[^\u0000-\u007f]")
_VI_WORD = re.compile(r"\w{2,}")


_TOKEN_SPLIT = re.compile(r"[\s,.;:/()\[\]\"'!?=+&*<>|-]+")
_NOT_VIETNAMESE = re.compile(r"[fjwzFJWZ0-9]")
_BAD_FINAL = re.compile(r"[bdklqrsvxBDKLQRSVX]$")
_LATIN1_HIGH = re.compile(f"[\u0080-\u00ff{_CP1252_EXTRA}]")


def _two_latin1_high(text: str) -> bool:
    m = _LATIN1_HIGH.search(text)
    return m is not None and _LATIN1_HIGH.search(text, m.end()) is not None


def _syllable_shaped(value: str) -> int:
    """Count words (at most 2) that could be a Vietnamese syllable in a legacy encoding."""
    n = 0
    for word in _TOKEN_SPLIT.split(value):
        if word.isascii() or len(word) > 9 or _NOT_VIETNAMESE.search(word) or _BAD_FINAL.search(word):
            continue
        n += 1
        if n >= 2:
            break
    return n


def _worth_detecting(value: str) -> bool:
    """Cheap necessary condition for ``vn_legacy.detect`` to find something in non-ASCII text.

    Mojibake needs a lead/continuation character pair.  An 8-bit legacy encoding read as
    Latin-1/cp1252 gives only characters of that range, and the detector wants at least two
    Vietnamese syllables out of it: two words that hold such a character, are at most 9
    characters long (VNI spells "Nguyễn" in 7), use no f/j/w/z/digit and do not end in a
    consonant Vietnamese never ends a syllable with.  French, Spanish or German text mostly
    fails this, which spares the detector ~70% of its calls on Western European records.
    """
    if _MOJIBAKE_HINT.search(value):
        return True
    if _BEYOND_CP1252.search(value):
        return False
    return _syllable_shaped(value) >= 2


def _plausible_conversion(kind: str, before: str, after: str) -> bool:
    """Refuse 8-bit legacy conversions without two converted words of two letters or more.

    Stray symbols in romanised or damaged data ("   æ þ.") otherwise turn into lone Vietnamese
    letters ("   ổ ỵ.").
    """
    if kind in ("mojibake", "viqr"):
        return True
    words = [w for w in _VI_WORD.findall(after) if not w.isascii()]
    return len(words) >= 2


def _convert_text_fields(fields, changes: list[FieldChange], viqr: bool = True) -> None:
    """Run legacy/mojibake detection over subfields that could be mis-decoded text.

    Only subfields whose characters could come from legacy bytes or UTF-8 read as cp1252 (see
    ``_worth_detecting``), or ASCII with the VIQR shape, are looked at: CJK, Cyrillic, plain
    English or correctly encoded Vietnamese never cost a detector call.
    """
    if _legacy.module() is None:
        return
    for f in fields:
        if f.control_field:
            continue
        subs = f.subfields
        for idx, s in enumerate(subs):
            value = s.value
            if value.isascii():
                if not viqr or not _legacy.VIQR_HINT.search(value):
                    continue
            elif not _worth_detecting(value):
                continue
            kind = _legacy.detect(value)
            if not kind:
                continue
            new = _legacy.convert(value, kind)
            if new is None:
                continue
            new = _norm(new)
            if new != value and _plausible_conversion(kind, value, new):
                subs[idx] = Subfield(s.code, new)
                changes.append(FieldChange(f.tag, s.code, value, new, kind))
