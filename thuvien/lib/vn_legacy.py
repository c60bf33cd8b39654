"""Legacy Vietnamese encodings (TCVN3, VNI, VISCII, VIQR, cp1258) and UTF-8 mojibake (DESIGN §5).

The 8-bit encodings are tables from byte to text, applied with ``str.translate`` to the bytes read
as Latin-1; combining marks they produce are composed by a final NFC. Detection converts the text
with every candidate and keeps one only when the result reads as Vietnamese syllables clearly
better than the text as given: wrongly "fixing" good French or German data is worse than a miss.

What does not round-trip:
- TCVN3 (TCVN 5712:1993 VN3, the ABC fonts) has no capital letters with tones: its fonts render the
  small-letter codes as capitals (.VnTimeH), so ``encode`` writes "Ấ" as the code of "ấ". ``decode``
  gives "ấ", except in a word whose other letters are all capitals (two at least): "TRUYỆN" comes
  back whole, "HÀ" comes back "Hà". Capitals without tone (Ă Â Ê Ô Ơ Ư Đ and A-Z) are kept.
- Bytes an 8-bit table leaves unassigned read as Windows-1252 (TCVN3 and VNI fonts were Windows
  fonts, so typed quotes and dashes land there), else as Latin-1.
- VIQR is ambiguous by nature ("ba?" is "bả" or a question); see ``_viqr_decode``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from thuvien.lib.vn_text import fold, tokens

__all__ = [
    "ENCODINGS",
    "convert",
    "decode",
    "detect",
    "encode",
    "fix_mojibake",
    "from_latin1_text",
    "is_vietnamese_syllable",
]

ENCODINGS = ("tcvn3", "vni", "viscii", "viqr", "cp1258")

_GRAVE, _HOOK, _TILDE, _ACUTE, _DOT = "\u0300", "\u0309", "\u0303", "\u0301", "\u0323"
_CIRCUMFLEX, _BREVE, _HORN = "\u0302", "\u0306", "\u031b"
_TONE_MARKS = frozenset((_GRAVE, _HOOK, _TILDE, _ACUTE, _DOT))


def _nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


# --- Vietnamese syllables -------------------------------------------------------------------------

# Initial consonants, with the spelling rules that tell real syllables from look-alikes: k/gh/ngh
# before i e ê (y), c/g/ng elsewhere.
_INITIAL = (
    "(?:ngh(?=[ieê])|ng(?![ieê])|nh|gh(?=[ieê])|gi|g(?![eê])|kh|k(?=[ieêy])|ch|c(?![ieêy])"
    "|ph|qu|th|tr|[bdđhlmnprstvx])?"
)
# Vowel groups that end a syllable (the last letter may be a glide: ai, ao, ươu, uyu ...).
_OPEN_RHYMES = (
    "a e ê i o ô ơ u ư y ai ao au ay âu ây eo êu ia iu oa oe oi ôi ơi ua uê ui uơ ưa ưi ưu uy "
    "oai oao oay oeo iêu yêu uôi ươi ươu uya uyu uây"
).split()
# Vowel groups followed by a final consonant, with the finals each one takes.
_CLOSED_RHYMES = {
    "a": "c ch m n ng nh p t",
    "ă": "c k m n ng p t",  # k: highland names (Đắk Lắk)
    "â": "c m n ng p t",
    "e": "c m n ng p t",
    "ê": "ch m n nh p t",
    "i": "ch m n nh p t",
    "o": "c m n ng p t",
    "ô": "c m n ng p t",
    "ơ": "m n p t",
    "u": "c m n ng p t",
    "ư": "c m n ng t",
    "y": "ch nh t",  # after qu: quýt, quỳnh
    "iê": "c m n ng p t",
    "yê": "c m n ng p t",
    "oa": "c ch m n ng nh p t",
    "oă": "c m n ng t",
    "oe": "n t",
    "oo": "c ng",
    "uâ": "n ng t",
    "uê": "ch nh",
    "uô": "c m n ng t",
    "ươ": "c m n ng p t",
    "uy": "ch nh t",
    "uyê": "n t",
}
_RHYMES = "|".join(
    _OPEN_RHYMES + [f"{nucleus}(?:{'|'.join(finals.split())})" for nucleus, finals in _CLOSED_RHYMES.items()]
)
_SYLLABLE_RE = re.compile(f"({_INITIAL})({_RHYMES})")
_FINAL_RE = re.compile("[cmnptghk]*$")
_MARKED_VOWELS = "ăâêôơư"


@lru_cache(maxsize=16384)
def is_vietnamese_syllable(word: str) -> bool:
    """Return True if WORD spells one Vietnamese syllable (initial, vowels, final, tone where it goes)."""
    letters, tone, tone_at = [], None, -1
    for ch in unicodedata.normalize("NFD", word.lower()):
        if ch in _TONE_MARKS:
            if tone is not None:
                return False
            tone, tone_at = ch, len(letters) - 1
        elif unicodedata.combining(ch) and letters:
            letters[-1] += ch
        else:
            letters.append(ch)
    bare = _nfc("".join(letters))
    m = _SYLLABLE_RE.fullmatch(bare)
    if m is None:
        return False
    initial, rhyme = m.groups()
    final = _FINAL_RE.search(rhyme).group()
    # A syllable closed by a stop (c, ch, p, t) carries only the sắc or nặng tone.
    if final in ("c", "ch", "k", "p", "t") and tone not in (_ACUTE, _DOT):
        return False
    return tone is None or tone_at - len(initial) in _tone_positions(rhyme[: len(rhyme) - len(final)], final)


def _tone_positions(vowels: str, final: str) -> tuple[int, ...]:
    """Return where in VOWELS the tone may sit (both the old hòa and the new hoà style)."""
    marked = [i for i, v in enumerate(vowels) if v in _MARKED_VOWELS]
    if marked:
        return (marked[-1],)  # on the ê of "tiếng", the ơ of "người"
    if len(vowels) == 1:
        return (0,)
    if vowels in ("oa", "oe", "uy"):
        return (1,) if final else (0, 1)
    if len(vowels) == 3 or final:
        return (1,) if len(vowels) == 3 else (len(vowels) - 1,)
    return (0,)  # "hai", "của", "mía": the second letter is a glide


# --- the 8-bit tables ------------------------------------------------------------------------------

_CP1252_FALLBACK = {b: bytes([b]).decode("cp1252", "ignore") or chr(b) for b in range(0x80, 0x100)}

# TCVN 5712:1993 VN3: runs of consecutive byte values starting at the given byte.
_TCVN3_RUNS = (
    (0xA1, "ĂÂÊÔƠƯĐăâêôơưđ"),
    (0xB5, "àảãáạ"),
    (0xBB, "ằẳẵắ"),
    (0xC6, "ặầẩẫấậè"),
    (0xCE, "ẻẽéẹềểễếệìỉ"),
    (0xDC, "ĩíịò"),
    (0xE1, "ỏõóọồổỗốộờởỡớợù"),
    (0xF1, "ủũúụừửữứựỳỷỹýỵ"),
)

# VISCII (RFC 1456): every byte from 0x80, plus six C0 controls, is a letter.
_VISCII_RUNS = (
    (0x02, "Ẳ"),
    (0x05, "ẴẪ"),
    (0x14, "Ỷ"),
    (0x19, "Ỹ"),
    (0x1E, "Ỵ"),
    (0x80, "ẠẮẰẶẤẦẨẬẼẸẾỀỂỄỆỐ"),
    (0x90, "ỒỔỖỘỢỚỜỞỊỎỌỈỦŨỤỲ"),
    (0xA0, "Õắằặấầẩậẽẹếềểễệố"),
    (0xB0, "ồổỗỠƠộờởịỰỨỪỬơớƯ"),
    (0xC0, "ÀÁÂÃẢĂẳẵÈÉÊẺÌÍĨỳ"),
    (0xD0, "ĐứÒÓÔạỷừửÙÚỹỵÝỡư"),
    (0xE0, "àáâãảăữẫèéêẻìíĩỉ"),
    (0xF0, "đựòóôõỏọụùúũủýợỮ"),
)

# VNI-Windows: a base letter followed by one mark byte (small-letter bytes; the capital forms are
# 0x20 lower). A few letters are single bytes.
_VNI_MARKS = {
    0xF9: _ACUTE,
    0xF8: _GRAVE,
    0xFB: _HOOK,
    0xF5: _TILDE,
    0xEF: _DOT,
    0xE2: _CIRCUMFLEX,
    0xE1: _CIRCUMFLEX + _ACUTE,
    0xE0: _CIRCUMFLEX + _GRAVE,
    0xE5: _CIRCUMFLEX + _HOOK,
    0xE3: _CIRCUMFLEX + _TILDE,
    0xE4: _CIRCUMFLEX + _DOT,
    0xEA: _BREVE,
    0xE9: _BREVE + _ACUTE,
    0xE8: _BREVE + _GRAVE,
    0xFA: _BREVE + _HOOK,
    0xFC: _BREVE + _TILDE,
    0xEB: _BREVE + _DOT,
}
_VNI_LETTERS = {
    0xF4: "ơ",
    0xF6: "ư",
    0xF1: "đ",
    0xEC: "ì",
    0xED: "í",
    0xE6: "ỉ",
    0xF3: "ĩ",
    0xF2: "ị",
    0xEE: "ỵ",
}


def _from_runs(runs: tuple[tuple[int, str], ...]) -> dict[int, str]:
    return {start + i: ch for start, chars in runs for i, ch in enumerate(chars)}


def _table(assigned: dict[int, str]) -> dict[int, str]:
    """Return a full byte -> text table: ASSIGNED over the Windows-1252 fallback."""
    return {**_CP1252_FALLBACK, **assigned}


_VNI_ASSIGNED = {
    **_VNI_MARKS,
    **{b - 0x20: marks for b, marks in _VNI_MARKS.items()},
    **_VNI_LETTERS,
    **{b - 0x20: ch.upper() for b, ch in _VNI_LETTERS.items()},
}

_DECODE_TABLES: dict[str, dict[int, str]] = {
    "tcvn3": _table(_from_runs(_TCVN3_RUNS)),
    "vni": _table(_VNI_ASSIGNED),
    "viscii": _from_runs(_VISCII_RUNS),
    "cp1258": _table({b: ch for b in range(0x80, 0x100) if (ch := bytes([b]).decode("cp1258", "ignore"))}),
}
# Bytes each table gives a meaning of its own; a letter read from any other byte of an 8-bit
# encoding is a hint that the guess is wrong.
_ASSIGNED = {
    "tcvn3": frozenset(_from_runs(_TCVN3_RUNS)),
    "vni": frozenset(_VNI_ASSIGNED),
    "viscii": frozenset(range(0x80, 0x100)) | frozenset(_from_runs(_VISCII_RUNS)),
    "cp1258": frozenset(range(0x100)),
}


def _inverse(encoding: str, assigned: bool) -> dict[str, int]:
    """Return char -> byte for the bytes ENCODING assigns (or for its fallback bytes)."""
    table = _DECODE_TABLES[encoding]
    chosen = sorted(b for b in table if (b in _ASSIGNED[encoding]) == assigned)
    # Where two bytes give one character (VNI's mark bytes), the later, small-letter one wins.
    inverse = {table[b]: b for b in chosen if len(table[b]) == 1}
    if assigned:
        inverse |= {chr(b): b for b in range(0x80) if b not in table}
    return inverse


_ENCODE_TABLES = {name: _inverse(name, assigned=True) for name in _DECODE_TABLES}
# Reached only after a letter could not be spelled the encoding's own way (see encode).
_ENCODE_FALLBACK = {name: _inverse(name, assigned=False) for name in _DECODE_TABLES}
_VNI_MARK_BYTE = {marks: b for b, marks in _VNI_MARKS.items()}


def _check(encoding: str) -> None:
    if encoding not in ENCODINGS:
        raise ValueError(f"unknown Vietnamese legacy encoding {encoding!r}; expected one of {ENCODINGS}")


def decode(data: bytes, encoding: str) -> str:
    """Return DATA, bytes in one of ENCODINGS, as NFC Unicode."""
    _check(encoding)
    return from_latin1_text(data.decode("latin-1"), encoding)


def from_latin1_text(text: str, encoding: str) -> str:
    """Return TEXT, legacy bytes read as Latin-1, as NFC Unicode; characters above U+00FF pass through."""
    _check(encoding)
    if encoding == "viqr":
        return _viqr_decode(text)
    decoded = _nfc(text.translate(_DECODE_TABLES[encoding]))
    return _TCVN3_WORD_RE.sub(_restore_capitals, decoded) if encoding == "tcvn3" else decoded


_TCVN3_WORD_RE = re.compile(r"[^\W\d_]{2,}")
_TCVN3_CAPITALS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZĂÂÊÔƠƯĐ")


def _restore_capitals(m: re.Match[str]) -> str:
    """Capitalise a TCVN3 word written in capitals but for the toned letters TCVN3 lacks ("TRUYệN")."""
    word = m.group()
    capitals = sum(ch in _TCVN3_CAPITALS for ch in word)
    writable = sum(ch.upper() in _TCVN3_CAPITALS for ch in word)
    return word.upper() if capitals >= 2 and capitals == writable and capitals < len(word) else word


def encode(text: str, encoding: str) -> bytes:
    """Return TEXT in ENCODING; raise UnicodeEncodeError for a character it cannot write."""
    _check(encoding)
    if encoding == "viqr":
        return _viqr_encode(_nfc(text)).encode("ascii")
    table = _ENCODE_TABLES[encoding]
    out = bytearray()
    text = _nfc(text)
    for i, ch in enumerate(text):
        b = table.get(ch)
        if b is not None:
            out.append(b)
            continue
        spelled = _spell(ch, encoding, table)
        if spelled is None:
            b = _ENCODE_FALLBACK[encoding].get(ch)
            if b is None:
                raise UnicodeEncodeError(encoding, text, i, i + 1, "not representable")
            spelled = bytes([b])
        out += spelled
    return bytes(out)


def _spell(ch: str, encoding: str, table: dict[str, int]) -> bytes | None:
    """Return the bytes writing CH as a letter plus separate marks, or None."""
    base, *marks = unicodedata.normalize("NFD", ch)
    if encoding == "tcvn3":  # no capitals with tones: the small letter's code (see module doc)
        b = table.get(ch.lower())
        return None if b is None else bytes([b])
    if encoding == "cp1258":  # Windows writes the tone as a combining byte after ă â ê ô ơ ư
        tones = [m for m in marks if m in _TONE_MARKS]
        letter = _nfc(base + "".join(m for m in marks if m not in _TONE_MARKS))
        if len(tones) == 1 and letter in table and tones[0] in table:
            return bytes([table[letter], table[tones[0]]])
        return None
    if encoding == "vni":
        if _HORN in marks and base in "oOuU":  # ơ ư are letters of their own in VNI
            base = {"o": "ơ", "O": "Ơ", "u": "ư", "U": "Ư"}[base]
            marks.remove(_HORN)
        if not marks or base not in table:
            return None
        mark = _VNI_MARK_BYTE.get("".join(sorted(marks, key=lambda m: m in _TONE_MARKS)))
        if mark is None:
            return None
        return bytes([table[base], mark - 0x20 if base.isupper() else mark])
    return None


# --- VIQR -----------------------------------------------------------------------------------------

_VIQR_MODIFIERS = {"(": (_BREVE, "aA"), "^": (_CIRCUMFLEX, "aAeEoO"), "+": (_HORN, "oOuU")}
_VIQR_TONES = {"`": _GRAVE, "?": _HOOK, "~": _TILDE, "'": _ACUTE, ".": _DOT}
_VIQR_WEAK = "?.'"  # also everyday punctuation, so trusted only where a tone makes sense
_VIQR_VOWELS = "aeiouyAEIOUY"
_VIQR_SPECIAL = set(_VIQR_MODIFIERS) | set(_VIQR_TONES) | {"\\"}
_VIQR_RUN_RE = re.compile(r"(?:\\.|[A-Za-z0-9(^+`?~'.])+")
_VIQR_MARK_OF = {mark: key for key, (mark, _) in _VIQR_MODIFIERS.items()} | {
    mark: key for key, mark in _VIQR_TONES.items()
}


def _viqr_decode(text: str) -> str:
    """Return VIQR TEXT as NFC Unicode.

    Follows RFC 1456 (vowel, then ( ^ +, then the tone; "dd" is đ; a backslash makes the next
    character literal) with three guards for unescaped text: one tone per word, so "No^.i." keeps
    its full stop; a final ? . ' counts as a tone only on the vowel that carries the tone
    ("ba?" = "bả", "to^i." = "tôi."); a word whose only mnemonics are ? . ' or a "dd" inside it
    is converted only if it then spells a Vietnamese syllable, so "you're", "O'Brien" and "address"
    stay. "dd" starting a word, and "DD", are always đ/Đ ("DDi", "HDDND").
    """
    return _nfc(_VIQR_RUN_RE.sub(lambda m: _viqr_word(m.group())[0], text))


def _viqr_word(run: str) -> tuple[str, bool]:
    """Return the decoded RUN and whether it is clear VIQR evidence (a syllable only VIQR explains).

    "dd" is no evidence: codes and names ("DDO", "Addis") have it too. It is always đ at the start
    of a word and in capitals ("HDDND"), elsewhere only in a syllable, so "address" stays.
    """
    out, literal = [], []
    sure = toned = doubtful = False  # sure: ( ^ + ` ~, which plain text hardly puts after a vowel
    i, n = 0, len(run)
    escaped = -1  # index of the last character written literally by a backslash
    while i < n:
        ch = run[i]
        if ch == "\\" and i + 1 < n:
            out.append(run[i + 1])
            literal.append(run[i + 1])
            escaped = i + 1
            i += 2
        elif ch in "dD" and run[i + 1 : i + 2] in ("d", "D"):
            out.append("Đ" if ch == "D" else "đ")
            literal.append(run[i : i + 2])
            word_start = i == 0 or not run[i - 1].isalpha() or escaped == i - 1
            doubtful = doubtful or not (word_start or run[i : i + 2] == "DD")
            i += 2
        elif ch in _VIQR_VOWELS:
            j = i + 1
            letter = ch
            if j < n and run[j] in _VIQR_MODIFIERS and ch in _VIQR_MODIFIERS[run[j]][1]:
                letter += _VIQR_MODIFIERS[run[j]][0]
                sure = True
                j += 1
            if j < n and run[j] in _VIQR_TONES and not toned and _viqr_tone_here(run, i, j):
                letter += _VIQR_TONES[run[j]]
                toned = True
                sure = sure or run[j] not in _VIQR_WEAK
                doubtful = doubtful or run[j] in _VIQR_WEAK
                j += 1
            out.append(letter)
            literal.append(run[i:j])
            i = j
        else:
            out.append(ch)
            literal.append(ch)
            i += 1
    decoded = _nfc("".join(out))
    syllables = all(is_vietnamese_syllable(w) for w in tokens(decoded) if not w.isascii())
    if doubtful and not (sure or syllables):
        return "".join(literal), False
    return decoded, sure and syllables


def _viqr_tone_here(run: str, vowel: int, mark: int) -> bool:
    """Return False for a word-final ? . ' after a vowel that cannot carry the syllable's tone."""
    if run[mark] not in _VIQR_WEAK or run[mark + 1 : mark + 2].isalpha() or mark - vowel == 2:
        return True  # inside the word, or on ê ô ơ ..., which always carry the tone
    prev = run[vowel - 1 : vowel].lower()
    if not prev:
        return True
    if prev in _VIQR_MODIFIERS or prev in _VIQR_TONES:  # "to^i.": the tone belongs on ô
        return False
    if prev not in "aeiouy":
        return True
    pair = prev + run[vowel].lower()
    before = run[max(vowel - 2, 0) : vowel - 1].lower()
    # New-style oà oè uỳ, and the u of qu / i of gi, which are consonants, not vowels.
    return pair in ("oa", "oe", "uy") or (before, prev) in (("q", "u"), ("g", "i"))


def _viqr_encode(text: str) -> str:
    out: list[str] = []
    for i, ch in enumerate(text):
        nxt = text[i + 1 : i + 2]
        if ch == "\\":
            out.append("\\\\")
        elif ch in _VIQR_SPECIAL:
            # Escape a literal mark wherever the decoder would attach it to the letter before.
            out.append("\\" + ch if out and out[-1][-1:] in _VIQR_VOWELS + "(^+`?~'." else ch)
        elif ch in "đĐ":
            out.append("dd" if ch == "đ" else "DD")
        elif ch in "dD" and nxt in ("d", "D", "đ", "Đ"):
            out.append("\\" + ch)
        elif ch.isascii():
            out.append(ch)
        else:
            base, *marks = unicodedata.normalize("NFD", ch)
            keys = [_VIQR_MARK_OF.get(m) for m in marks]
            if not base.isascii() or None in keys:
                raise UnicodeEncodeError("viqr", text, i, i + 1, "not representable")
            # Modifier before tone, as NFD orders dot below (class 220) before breve/circumflex.
            out.append(base + "".join(sorted(keys, key=lambda k: k in _VIQR_TONES)))
    return "".join(out)


# --- mojibake ------------------------------------------------------------------------------------

# Each character that UTF-8 bytes turn into when read as Windows-1252 (or Latin-1), to its byte.
_MOJIBAKE_BYTE = {chr(b): b for b in range(0x100)} | {
    ch: b for b, ch in _CP1252_FALLBACK.items() if len(ch) == 1
}


def _byte_class(lo: int, hi: int) -> str:
    chars = sorted({ch for ch, b in _MOJIBAKE_BYTE.items() if lo <= b <= hi})
    return "[" + "".join(re.escape(ch) for ch in chars) + "]"


_CONT = _byte_class(0x80, 0xBF)
_MOJIBAKE_RE = re.compile(
    f"{_byte_class(0xC2, 0xDF)}{_CONT}|{_byte_class(0xE0, 0xEF)}{_CONT}{{2}}|{_byte_class(0xF0, 0xF4)}{_CONT}{{3}}"
)
# What a repaired sequence may decode to: scripts and symbols library data really holds. Rarer
# blocks (NKo, Samaritan ...) are where Vietnamese legacy bytes land by accident.
_PLAUSIBLE_RANGES = (
    (0x0080, 0x009F),  # only on the way through double encoding; fix_mojibake checks none is left
    (0x00A0, 0x017F),
    (0x01A0, 0x01A1),  # ơ
    (0x01AF, 0x01B0),  # ư
    (0x01CD, 0x01DC),  # pinyin ǎ ǐ ǒ ǔ ǖ
    (0x0218, 0x021B),  # Romanian ș ț
    (0x02B0, 0x036F),  # modifier letters (romanisation ʹ ʻ) and combining marks
    (0x0370, 0x058F),
    (0x0590, 0x06FF),
    (0x0900, 0x097F),
    (0x0E00, 0x0E7F),
    (0x1E00, 0x1FFF),
    (0x2000, 0x2BFF),
    (0x2E80, 0x9FFF),
    (0xAC00, 0xD7AF),
    (0xFE20, 0xFE2F),  # combining half marks of ALA-LC romanisation (t︠s︡)
    (0xFF00, 0xFFEF),
    (0x1F300, 0x1FAFF),
)


def _plausible(ch: str) -> bool:
    if ch in _MOJIBAKE_BYTE:  # e.g. "ƒ": what the first of two passes over double mojibake yields
        return True
    cp = ord(ch)
    in_range = any(lo <= cp <= hi for lo, hi in _PLAUSIBLE_RANGES)
    return in_range and unicodedata.category(ch) not in ("Cn", "Co")


def _repair_once(text: str) -> str:
    def repair(m: re.Match[str]) -> str:
        try:
            ch = bytes(_MOJIBAKE_BYTE[c] for c in m.group()).decode("utf-8")
        except UnicodeDecodeError:
            return m.group()
        return ch if _plausible(ch) else m.group()

    return _MOJIBAKE_RE.sub(repair, text)


def fix_mojibake(text: str) -> str | None:
    """Return TEXT repaired if it is UTF-8 read as cp1252/Latin-1 (even twice), else None."""
    if text.isascii():
        return None
    fixed = text
    for _ in range(3):
        again = _repair_once(fixed)
        if again == fixed:
            break
        fixed = again
    if fixed == text or _c1_controls(fixed) > _c1_controls(text):
        return None
    if _mixed_script_words(fixed) > _mixed_script_words(text) or _lone_foreign_letters(fixed, text):
        return None
    return _nfc(fixed)


def _c1_controls(text: str) -> int:
    return sum(1 for ch in text if "\x80" <= ch <= "\x9f")


# Alphabets whose letters should not share a word. CJK runs on into Latin ("Recall系列"), and
# modifier letters (ʹ ʻ), µ, ª belong to no alphabet, so they are not listed.
_ALPHABETS = frozenset(
    "LATIN GREEK CYRILLIC ARMENIAN HEBREW ARABIC SYRIAC THAANA NKO SAMARITAN MANDAIC DEVANAGARI BENGALI "
    "THAI LAO TIBETAN GEORGIAN ETHIOPIC CHEROKEE".split()
)


def _lone_foreign_letters(fixed: str, text: str) -> bool:
    """Return True if the repair made letters of another alphabet, all standing alone ("Й").

    Legacy Vietnamese bytes can spell one Cyrillic or Greek letter by accident (VISCII "ĐỎ"); real
    text in those alphabets has words of two letters and more.
    """
    before = set(tokens(text))
    foreign = [w for w in tokens(fixed) if w not in before and _alphabets(w) - {"LATIN"}]
    return bool(foreign) and all(len(w) == 1 for w in foreign)


def _alphabets(word: str) -> set[str]:
    return {unicodedata.name(ch, "").split(" ", 1)[0] for ch in word if ch.isalpha()} & _ALPHABETS


def _mixed_script_words(text: str) -> int:
    """Count words mixing letters of two alphabets ("еc": a Cyrillic е among Latin letters)."""
    return sum(len(_alphabets(word)) > 1 for word in tokens(text))


# --- detection ----------------------------------------------------------------------------------

_CP1252_EXTRAS = frozenset(ch for ch in _CP1252_FALLBACK.values() if ord(ch) > 0xFF)
_EIGHT_BIT = ("tcvn3", "vni", "cp1258", "viscii")  # on a tie, the commoner in Vietnamese libraries


# Words for scoring are split on spaces only: legacy bytes read as Latin-1 give symbols inside
# words ("Truy®n"), which must count against the text rather than split it into ASCII pieces.
_SCORE_WORD_RE = re.compile(r"[^\s.,;:!?()\[\]{}\"'/\\<>=+*&%$#@|~`^_\u201c\u201d\u2018\u2019\u2026-]+")


def _vietnamese_score(text: str) -> tuple[int, int]:
    """Return how many distinct words with diacritics are Vietnamese syllables, and how many are not."""
    good = bad = 0
    for word in set(_SCORE_WORD_RE.findall(text)):  # a repeated word is no extra evidence
        if word.isascii() or word.isdigit():
            continue
        if _is_good(word):
            good += 1
        elif len(word) > 1 or not is_vietnamese_syllable(word):  # a lone "ọ" may be a stray "ä"
            bad += 1
    return good, bad


def _altered_good_words(text: str, converted: str) -> int:
    before, after = _SCORE_WORD_RE.findall(text), _SCORE_WORD_RE.findall(converted)
    if len(before) != len(after):
        return 0
    return sum(1 for a, b in zip(before, after, strict=True) if a != b and _is_good(a))


def _is_good(word: str) -> bool:
    # Capitals inside a word ("BỪng") mean a table put capitals where the text had small letters.
    cased = word.islower() or word.isupper() or word[1:].islower()
    return len(word) > 1 and cased and is_vietnamese_syllable(word) and fold(word) != word.lower()


def _fallback_letters(text: str, encoding: str) -> int:
    assigned = _ASSIGNED[encoding]
    return sum(1 for ch in text if "\x80" <= ch <= "\xff" and ord(ch) not in assigned and ch.isalpha())


def detect(text: str) -> str | None:
    """Return which legacy form TEXT is in ("mojibake", or one of ENCODINGS), or None if it looks right."""
    if text.isascii():
        return "viqr" if _looks_like_viqr(text) else None
    good0, bad0 = _vietnamese_score(text)
    best, best_score = None, 0
    fixed = fix_mojibake(text)
    if fixed is not None:
        best, best_score = "mojibake", max(_gain(good0, bad0, *_vietnamese_score(fixed)), 0)
    if any(ch > "\xff" and ch not in _CP1252_EXTRAS for ch in text):
        return best  # real Unicode: legacy bytes read as Latin-1 or cp1252 cannot give these
    for encoding in _EIGHT_BIT:
        converted = from_latin1_text(text, encoding)
        good, bad = _vietnamese_score(converted)
        # Fewer garbled words, more real ones (two at least), and most of them real.
        if good >= 2 and good > good0 and bad < bad0 and bad <= good:
            # On a tie, the reading that leaves more words as they were and needs no unassigned
            # byte wins: "Lê Minh Khuê" is VISCII, which keeps ê, not TCVN3, which makes it "Lờ".
            penalty = _fallback_letters(text, encoding) + _altered_good_words(text, converted)
            score = _gain(good0, bad0, good, bad) - penalty
            if score > best_score:
                best, best_score = encoding, score
    return best


def _gain(good0: int, bad0: int, good: int, bad: int) -> int:
    """Return how much more Vietnamese a conversion reads: words gained, garbled words lost."""
    return 4 * (good - good0) + 8 * (bad0 - bad)


def _looks_like_viqr(text: str) -> bool:
    """Return True if 30% of the words of TEXT are VIQR syllables, with clear evidence among them."""
    sure = likely = dd = words = 0
    for m in _VIQR_RUN_RE.finditer(text):
        decoded, evidence = _viqr_word(m.group())
        words += sum(not w.isdigit() for w in tokens(decoded))
        sure += evidence
        likely += not decoded.isascii()
        dd += "đ" in decoded.lower()
    # Without ( ^ + ` ~, only "dd" plus several tone-marked syllables will do ("DDi.a chi' Qua?ng").
    return (sure >= 1 or (dd >= 1 and likely >= 3)) and 10 * likely >= 3 * words


def convert(text: str, encoding: str) -> str:
    """Return TEXT converted from ENCODING ("mojibake" or one of ENCODINGS) to NFC Unicode."""
    if encoding == "mojibake":
        fixed = fix_mojibake(text)
        return _nfc(text) if fixed is None else fixed
    return from_latin1_text(text, encoding)
