"""MARC-8 <-> Unicode, built on pymarc's LC mapping tables.

Decoding follows pymarc's ``MARC8ToUnicode`` (same tables, same escape handling) with four
deliberate differences, all in the direction of losing less:

* control bytes other than ESC are kept (pymarc drops them); the writers decide what to do with them;
* ANSEL 0x88/0x89/0x8D/0x8E (non-sort begin/end, ZWJ, ZWNJ) are decoded per the LC table
  (pymarc silently drops every byte in 0x81-0x9F);
* a byte with no mapping becomes U+FFFD (pymarc: a space) and is counted, so the caller can warn;
* combining marks left over at the end of a string are kept (pymarc drops them), and a lone 0x20
  inside an EACC (CJK) run is read as a space instead of the first byte of a 3-byte character.

Numeric character references ``&#xXXXX;`` (the LC "lossless" convention for characters that
MARC-8 cannot hold) are turned back into characters.  The result is NFC.

Encoding (``encode_marc8``) inverts the same tables: NFD first, then each base character together
with as many of its combining marks as one MARC-8 character holds (so o + U+031B becomes the ANSEL
letter ơ 0xBC, И + U+0306 the Cyrillic Й), remaining marks written *before* the base (MARC-8 order),
escape sequences only when the character is not in the current G0/G1 set, a return to ASCII/ANSEL at
the end of the string, and ``&#xXXXX;`` for anything MARC-8 cannot represent.  An ``&`` that would
otherwise read back as a reference is itself written as ``&#x26;``.
"""

from __future__ import annotations

import re
import unicodedata

from pymarc.marc8_mapping import CODESETS, ODD_MAP

__all__ = ["decode_marc8", "decode_marc8_counted", "encode_marc8"]

ESC = 0x1B
BASIC_LATIN = 0x42  # 'B'
ANSEL = 0x45  # 'E'
EACC = 0x31  # '1', the only multibyte set
GREEK_SYMBOLS = 0x67  # 'g' (technique 1)
SUBSCRIPT = 0x62  # 'b' (technique 1)
SUPERSCRIPT = 0x70  # 'p' (technique 1)
TECHNIQUE_1 = frozenset({GREEK_SYMBOLS, SUBSCRIPT, SUPERSCRIPT})
# Sets whose code points live in the 0xA1-0xFE half and are therefore designated as G1.
G1_SETS = frozenset(final for final, table in CODESETS.items() if final != EACC and min(table) >= 0x80)

REPLACEMENT = "\ufffd"

_NCR_RE = re.compile(r"&#x([0-9A-Fa-f]{1,6});")


def _ncr_sub(match: re.Match) -> str:
    cp = int(match.group(1), 16)
    if cp > 0x10FFFF or 0xD800 <= cp <= 0xDFFF:
        return match.group(0)
    return chr(cp)


def _unescape_ncr(text: str) -> str:
    if "&#x" not in text:
        return text
    return _NCR_RE.sub(_ncr_sub, text)


# --- decoding tables -------------------------------------------------------------------------------

# Single-byte sets: final -> 256-entry list of (char, combining) or None.
_SINGLE: dict[int, list[tuple[str, bool] | None]] = {}
for _final, _table in CODESETS.items():
    if _final == EACC:
        continue
    _row: list[tuple[str, bool] | None] = [None] * 256
    for _code, (_uni, _comb) in _table.items():
        if 0 <= _code < 256:
            _row[_code] = (chr(_uni), bool(_comb))
    _SINGLE[_final] = _row
_EACC: dict[int, tuple[str, bool]] = {
    code: (chr(uni), bool(comb)) for code, (uni, comb) in CODESETS[EACC].items()
}
for _code, _uni in ODD_MAP.items():
    _EACC.setdefault(_code, (chr(_uni), False))
_EMPTY_ROW: list[tuple[str, bool] | None] = [None] * 256

# Bytes that may need the slow path: anything non-ASCII, ESC, and '&' (possible reference).
_FAST_OK = re.compile(rb"[\x00-\x1a\x1c-\x7f]*")


def decode_marc8_counted(data: bytes) -> tuple[str, int]:
    """Decode one MARC-8 string (one subfield); return (NFC text, number of undecodable bytes)."""
    if not data:
        return "", 0
    if _FAST_OK.fullmatch(data):
        text = data.decode("ascii")
        if "&#x" in text:
            text = unicodedata.normalize("NFC", _unescape_ncr(text))
        return text, 0

    out: list[str] = []
    pending: list[str] = []  # combining marks wait for their base character
    bad = 0
    g0 = BASIC_LATIN
    g1 = ANSEL
    row0 = _SINGLE[BASIC_LATIN]
    row1 = _SINGLE[ANSEL]
    i = 0
    n = len(data)
    while i < n:
        b = data[i]
        if b == ESC:
            nxt = data[i + 1] if i + 1 < n else -1
            if nxt in (0x28, 0x2C, 0x29, 0x2D) and i + 2 < n:
                # ESC ( F / ESC , F designate G0; ESC ) F / ESC - F designate G1.  The LC table
                # also allows a '!' intermediate for ANSEL (ESC ) ! E).
                step = 3
                final = data[i + 2]
                if final == 0x21 and i + 3 < n:
                    final = data[i + 3]
                    step = 4
                if nxt in (0x28, 0x2C):
                    g0 = final
                else:
                    g1 = final
                if final not in CODESETS:
                    bad += 1
                i += step
            elif nxt == 0x24 and i + 2 < n:  # ESC $ ...: multibyte
                nxt2 = data[i + 2]
                if nxt2 in (0x28, 0x2C) and i + 3 < n:
                    g0 = data[i + 3]
                    i += 4
                elif nxt2 in (0x29, 0x2D) and i + 3 < n:
                    g1 = data[i + 3]
                    i += 4
                else:
                    g0 = nxt2
                    i += 3
            elif nxt in TECHNIQUE_1:
                g0 = nxt
                i += 2
            elif nxt == 0x73:  # ESC s: back to ASCII
                g0 = BASIC_LATIN
                i += 2
            else:  # not an escape sequence we know: drop the ESC, read on
                bad += 1
                i += 1
                continue
            row0 = _SINGLE.get(g0, _EMPTY_ROW)
            row1 = _SINGLE.get(g1, _EMPTY_ROW)
            continue

        if b < 0x20:
            out.append(chr(b))
            i += 1
            continue
        if b == 0x20:
            ch = " "
            comb = False
            i += 1
        elif g0 == EACC and b < 0x80:
            if i + 3 > n:
                bad += n - i
                out.append(REPLACEMENT)
                break
            code = (b << 16) | (data[i + 1] << 8) | data[i + 2]
            i += 3
            entry = _EACC.get(code)
            if entry is None:
                bad += 3
                ch, comb = REPLACEMENT, False
            else:
                ch, comb = entry
        else:
            entry = row0[b] if b < 0x80 else row1[b]
            if entry is None and b < 0x80 and g0 != BASIC_LATIN:
                # Sets such as Hebrew leave some positions empty; ASCII there is the usual intent.
                entry = _SINGLE[BASIC_LATIN][b]
            i += 1
            if entry is None:
                bad += 1
                ch, comb = REPLACEMENT, False
            else:
                ch, comb = entry
        if comb:
            pending.append(ch)
        else:
            out.append(ch)
            if pending:
                out.extend(pending)
                pending.clear()
    if pending:
        out.extend(pending)
    text = "".join(out)
    if "&#x" in text:
        text = _unescape_ncr(text)
    return unicodedata.normalize("NFC", text), bad


def decode_marc8(data: bytes) -> str:
    """Decode one MARC-8 string to NFC Unicode (undecodable bytes become U+FFFD)."""
    return decode_marc8_counted(data)[0]


# --- encoding tables -------------------------------------------------------------------------------

# Preferred set when a character is in several (and not in the current G0/G1).
_PREFERENCE = [
    BASIC_LATIN,
    ANSEL,
    0x53,  # Basic Greek
    0x4E,  # Basic Cyrillic
    0x51,  # Extended Cyrillic
    0x32,  # Basic Hebrew
    0x33,  # Basic Arabic
    0x34,  # Extended Arabic
    SUPERSCRIPT,
    SUBSCRIPT,
    GREEK_SYMBOLS,
    EACC,
]
_PREFERENCE += [f for f in CODESETS if f not in _PREFERENCE]

# NFD form of a spacing (non-combining) character -> [(final, bytes)] in preference order.
_BASE: dict[str, list[tuple[int, bytes]]] = {}
# combining mark -> [(final, bytes)]
_MARK: dict[str, list[tuple[int, bytes]]] = {}
# per set: char -> bytes (for "is it in the current set?")
_IN_SET: dict[int, dict[str, bytes]] = {}
_MAX_KEY = 1

for _final in _PREFERENCE:
    _table = CODESETS[_final]
    _inv: dict[str, bytes] = {}
    # Lowest code first (the main EACC plane before variant planes), but never a code with a 0x20
    # byte when another exists (LC writes the ideographic space as 0x212321, not 0x212320).
    for _code in sorted(_table, key=lambda c: (0x20 in c.to_bytes(3, "big"), c)):
        _uni, _comb = _table[_code]
        if _final == EACC:
            _bytes = bytes(((_code >> 16) & 0xFF, (_code >> 8) & 0xFF, _code & 0xFF))
        else:
            if _code < 0x20 or _code == 0x20:
                continue  # controls and space are handled outside the tables
            _bytes = bytes((_code,))
        _nfd = unicodedata.normalize("NFD", chr(_uni))
        _target = _MARK if _comb else _BASE
        for _key in dict.fromkeys((_nfd, unicodedata.normalize("NFC", chr(_uni)))):
            _target.setdefault(_key, []).append((_final, _bytes))
            _inv.setdefault(_key, _bytes)
        if not _comb:
            _MAX_KEY = max(_MAX_KEY, len(_nfd))
    _IN_SET[_final] = _inv

# Characters that must never appear raw in MARC-8 field data: ESC and the ISO 2709 delimiters.
_FORCE_NCR = frozenset("\x1b\x1d\x1e\x1f")


def _designate(final: int, g0: int) -> bytes:
    if final == BASIC_LATIN:
        return b"\x1bs" if g0 in TECHNIQUE_1 else b"\x1b(B"
    if final in TECHNIQUE_1:
        return bytes((ESC, final))
    if final == EACC:
        return b"\x1b$1"
    if final in G1_SETS:
        return bytes((ESC, 0x29, final))
    return bytes((ESC, 0x28, final))


def _ncr(text: str) -> str:
    return "".join(f"&#x{ord(c):04X};" for c in text)


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch)[0] == "M"


_ASCII_SAFE = re.compile(r"[\x00-\x1a\x1c\x20-\x7f]*")
_LITERAL_NCR = re.compile(r"&(?=#x[0-9A-Fa-f]{1,6};)")


def encode_marc8(text: str) -> bytes:
    """Encode one string (one subfield or control field) as MARC-8, ending in ASCII/ANSEL."""
    if not text:
        return b""
    if _ASCII_SAFE.fullmatch(text):
        if "&#x" in text:
            text = _LITERAL_NCR.sub("&#x26;", text)
        return text.encode("ascii")

    s = unicodedata.normalize("NFC", text)
    # A literal "&#x41;" must not come back as "A": its "&" is written as a reference.
    literal_amp = {m.start() for m in _LITERAL_NCR.finditer(s)} if "&#x" in s else set()
    out = bytearray()
    g0 = BASIC_LATIN
    g1 = ANSEL

    def emit(final: int, code: bytes) -> None:
        nonlocal g0, g1
        if final in G1_SETS:
            if g1 != final:
                out.extend(_designate(final, g0))
                g1 = final
        elif g0 != final:
            out.extend(_designate(final, g0))
            g0 = final
        out.extend(code)

    def pick(options: list[tuple[int, bytes]], key: str) -> tuple[int, bytes]:
        # Stay in the current sets when possible: fewer escapes, like LC's own records.
        if key in _IN_SET.get(g0, ()):
            return g0, _IN_SET[g0][key]
        if key in _IN_SET.get(g1, ()):
            return g1, _IN_SET[g1][key]
        return options[0]

    def emit_ascii_run(run: str) -> None:
        nonlocal g0
        # ASCII characters are written in ASCII even when the current G0 set (Hebrew, Arabic,
        # Cyrillic, Greek) has a look-alike at the same position: that is what LC's own records
        # do, and decoders such as pymarc warn about a space read in a non-Latin set.
        for ch in run:
            if ch in _FORCE_NCR:
                run_ncr = _ncr(ch)
                if g0 != BASIC_LATIN:
                    out.extend(_designate(BASIC_LATIN, g0))
                    g0 = BASIC_LATIN
                out.extend(run_ncr.encode("ascii"))
                continue
            if g0 != BASIC_LATIN:
                out.extend(_designate(BASIC_LATIN, g0))
                g0 = BASIC_LATIN
            out.append(ord(ch))

    i = 0
    n = len(s)
    while i < n:
        ch = s[i]
        if ch == "&" and i in literal_amp:
            emit_ascii_run("&#x26;")
            i += 1
            continue
        # Gather the cluster: a character and the combining marks NFC left after it.
        j = i + 1
        while j < n and _is_mark(s[j]):
            j += 1
        if _is_mark(ch):
            # A mark with no base before it (start of the string): keep it exact as a reference.
            emit_ascii_run(_ncr(s[i:j]))
            i = j
            continue
        if j == i + 1 and ch < "\x80":
            emit_ascii_run(ch)
            i = j
            continue

        chosen = None
        rest = ""
        options = _BASE.get(ch)
        if options is not None:  # a MARC-8 character as it stands (ơ, Й, 함, ...)
            chosen = pick(options, ch)
            rest = s[i + 1 : j]
        else:  # decompose: the longest base + marks that MARC-8 has, the other marks separately
            d = unicodedata.normalize("NFD", s[i:j])
            base, marks = d[0], d[1:]
            k = min(len(marks), _MAX_KEY - 1)
            while k >= 0:
                key = base + marks[:k]
                options = _BASE.get(key)
                if options is not None:
                    chosen = pick(options, key)
                    rest = marks[k:]
                    break
                k -= 1
        if chosen is None or ch in _FORCE_NCR:
            emit_ascii_run(_ncr(s[i:j]))
            i = j
            continue
        encodable: list[tuple[int, bytes]] = []
        tail = ""
        for m_index, mark in enumerate(rest):
            options = _MARK.get(mark)
            if options is None:
                tail = rest[m_index:]
                break
            encodable.append(options[0] if len(options) == 1 else pick(options, mark))
        for final, code in encodable:
            emit(final, code)
        emit(*chosen)
        if tail:
            emit_ascii_run(_ncr(tail))
        i = j

    if g0 != BASIC_LATIN:
        out.extend(_designate(BASIC_LATIN, g0))
    if g1 != ANSEL:
        out.extend(b"\x1b)E")
    return bytes(out)
