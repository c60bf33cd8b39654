"""Vietnamese text helpers: normal form, search keys, tokens, sort keys, names (DESIGN §5).

Framework-free and on the hot path (every record indexed, every query), so the common cases run in
C: ``str.isascii``/``str.replace``/``unicodedata.normalize``/compiled regexes, with per-character
Python work only for rare scripts or behind caches.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = [
    "exact_key",
    "fold",
    "has_diacritics",
    "name_variants",
    "nfc",
    "sort_key",
    "strip_isbd",
    "tokens",
]

_normalize = unicodedata.normalize

# Letters that look like Đ/đ and turn up in legacy data typed with the wrong key (Icelandic eth,
# African D): DESIGN §5 treats them as Đ/đ.
_D_LOOKALIKES = {"\u00d0": "\u0110", "\u0189": "\u0110", "\u00f0": "\u0111", "\u0256": "\u0111"}

# Vietnamese tone marks in NFD, with their secondary sort weight (none=0 < huyền < hỏi < ngã < sắc < nặng).
_TONES = {"\u0300": "1", "\u0309": "2", "\u0303": "3", "\u0301": "4", "\u0323": "5"}
_TONE_CLASS = "[\u0300\u0301\u0303\u0309\u0323]"

# Letters with no canonical decomposition that readers still type without their stroke or as two
# letters; folding them like đ keeps "Lodz" finding "Łódź".
_FOLD_EXTRA = {"ł": "l", "ø": "o", "æ": "ae", "œ": "oe", "ı": "i", "ħ": "h", "ŧ": "t", "ƀ": "b"}


def _char_class(chars: list[str]) -> str:
    """Return a regex character class matching exactly CHARS (sorted code points)."""
    ranges: list[list[int]] = []
    for cp in map(ord, chars):
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return "[" + "".join(f"\\u{a:04x}-\\u{b:04x}" if a != b else f"\\u{a:04x}" for a, b in ranges) + "]"


# Scanning the BMP once at import takes a few milliseconds and keeps these lists out of the source.
_MARKS = [chr(cp) for cp in range(0x300, 0x10000) if unicodedata.category(chr(cp))[0] == "M"]
# fold() keeps the marks that change the letter rather than accent it: nukta (class 7), kana voicing
# (8), virama (9) and the vowel signs (class 0) of Indic scripts.
_DROPPABLE = [ch for ch in _MARKS if unicodedata.combining(ch) not in (0, 7, 8, 9)]
_DROP_TABLE = dict.fromkeys(map(ord, _DROPPABLE))
_DROPPABLE_RE = re.compile(_char_class(_DROPPABLE))
_TOKEN_RE = re.compile(rf"(?:[^\W_]|{_char_class(_MARKS)})+")
# After NFD, text whose only non-ASCII characters are these marks folds by dropping them (fast path).
_NOT_PLAIN_LATIN_RE = re.compile(r"[^\x00-\x7f\u0300-\u036f]")
# Letters whose stroke fold() takes off although Unicode does not decompose them.
_STROKED_RE = re.compile("[\u0110\u0111\u00d0\u00f0\u0189\u0256łŁøØħĦŧŦƀɃ]")


def nfc(s: str) -> str:
    """Return S in Unicode NFC."""
    return _normalize("NFC", s)


_D_FOLD = (("đ", "d"), ("Đ", "D"), ("Ð", "D"), ("ð", "d"), ("Ɖ", "D"), ("ɖ", "d"))


def _replace_d(s: str) -> str:
    # str.replace runs in C and is a no-op scan when the letter is absent: cheaper than translate().
    for old, new in _D_FOLD:
        if old in s:
            s = s.replace(old, new)
    return s


def _fold_slow(s: str) -> str:
    s = _normalize("NFD", s.casefold()).translate(_DROP_TABLE)
    for old, new in _FOLD_EXTRA.items():
        if old in s:
            s = s.replace(old, new)
    # Recompose what is left so scripts NFD splits without accents (Hangul, kana) stay intact.
    return _normalize("NFC", s)


def fold(s: str) -> str:
    """Return the accent- and case-free search key of S (DESIGN §5): "Hoà", "HÒA" -> "hoa"."""
    if s.isascii():
        return s.lower()
    s = _normalize("NFD", _replace_d(s))
    if _NOT_PLAIN_LATIN_RE.search(s) is None:
        # Latin letters plus combining diacritics only: dropping every non-ASCII char drops the marks.
        return s.encode("ascii", "ignore").decode("ascii").lower()
    return _fold_slow(s)


# Tone placement: the key uses the modern ("new style") convention, tone on the main vowel of the
# glide+vowel pairs oa, oe, uy: hoà, khoẻ, thuý. In NFD, a tone right after the o/u of such a pair
# moves behind the following plain a/e/y. "qu" is a consonant, so the u of "quỳ" is never a glide
# carrying a tone; "uyê" keeps its tone for ê; "gi" never meets the pattern.
_TONE_SHIFT_RE = re.compile(
    rf"(?<!q)(o(?={_TONE_CLASS}[ae])|u(?={_TONE_CLASS}y(?!e\u0302)))({_TONE_CLASS})([aey])(?![\u0300-\u036f])"
)


def exact_key(s: str) -> str:
    """Return the diacritic-keeping match key of S: NFC, casefolded, tone on the main vowel (hoà, thuý)."""
    if s.isascii():
        return s.lower()
    s = _normalize("NFD", s).casefold()
    for old, new in _D_LOOKALIKES.items():
        if old in s:
            s = s.replace(old, new.casefold())
    s = _TONE_SHIFT_RE.sub(r"\1\3\2", s)
    return _normalize("NFC", s)


def has_diacritics(s: str) -> bool:
    """Return True if fold(S) would drop a diacritic or a stroke (đ, ł) from a letter of S."""
    if s.isascii():
        return False
    return bool(_STROKED_RE.search(s) or _DROPPABLE_RE.search(_normalize("NFD", s)))


def tokens(s: str) -> list[str]:
    """Split S (as NFC) into word tokens: maximal runs of letters, digits and combining marks."""
    return _TOKEN_RE.findall(_normalize("NFC", s))


# --- sorting -------------------------------------------------------------------------------------
#
# Key layout, all ASCII digits so that SQLite BINARY, PostgreSQL under any collation and byte order
# agree. Per word (Vietnamese dictionaries compare syllable by syllable: "ma", "ma da", "mà", "mả",
# "má", "mai", so each word's tone decides before the next word is looked at):
#   primary    one code per letter: "20".."52" for a ă â b c d đ e ê f g h i j k l m n o ô ơ p q r s
#              t u ư v w x y z, "99" + 7-digit code point for letters of other scripts; a number is
#              "1" + 2-digit length + its digits, so numbers precede letters and sort numerically;
#   "0"        end of the letters, lower than any code, so "ma" < "mai";
#   secondary  the non-zero marks of the word's letters in order: tones huyền=1 hỏi=2 ngã=3 sắc=4
#              nặng=5, then other diacritics 6-8 (diaeresis, cedilla, others); where on the vowel
#              the tone sits does not matter, so "hoà" and "hòa" sort together;
#   "0"        end of the word, lower than the next word's first code, so "ma" < "ma da" < "mà".
# Case is ignored; punctuation and spaces only separate words.

_ALPHABET = "a ă â b c d đ e ê f g h i j k l m n o ô ơ p q r s t u ư v w x y z".split()
_LETTER_CODE = {letter: str(20 + i) for i, letter in enumerate(_ALPHABET)}
_MODIFIED = {("a", "\u0306"): "ă", ("a", "\u0302"): "â", ("e", "\u0302"): "ê", ("o", "\u0302"): "ô"}
_MODIFIED |= {("o", "\u031b"): "ơ", ("u", "\u031b"): "ư"}
_OTHER_MARK = {"\u0308": "6", "\u0327": "7"}
_NUMBER_RE = re.compile(r"\d+")


@lru_cache(maxsize=4096)
def _char_codes(ch: str) -> tuple[str, str]:
    """Return the primary codes and secondary digits of one letter or combining mark."""
    ch = _D_LOOKALIKES.get(ch, ch)
    primary, secondary = [], []
    for part in _FOLD_EXTRA.get(ch.casefold(), ch.casefold()):
        base, *marks = _normalize("NFD", part)
        if unicodedata.category(base)[0] == "M":  # a mark NFC could not attach to its letter
            base, marks = "", [base, *marks]
        for mark in marks:
            if (base, mark) in _MODIFIED:
                base = _MODIFIED[base, mark]
            else:
                secondary.append(_TONES.get(mark) or _OTHER_MARK.get(mark, "8"))
        if base:
            primary.append(_LETTER_CODE.get(base) or f"99{ord(base):07d}")
    return "".join(primary), "".join(secondary)


@lru_cache(maxsize=65536)
def _word_key(word: str) -> str:
    primary, secondary = [], []
    pos = 0
    for number in _NUMBER_RE.finditer(word):
        _add_letters(word[pos : number.start()], primary, secondary)
        digits = "".join(str(unicodedata.decimal(d)) for d in number.group()).lstrip("0") or "0"
        primary.append(f"1{min(len(digits), 99):02d}{digits[:99]}")
        pos = number.end()
    _add_letters(word[pos:], primary, secondary)
    return "".join(primary) + "0" + "".join(secondary) + "0"


def _add_letters(letters: str, primary: list[str], secondary: list[str]) -> None:
    for ch in letters:
        p, s = _char_codes(ch)
        primary.append(p)
        secondary.append(s)


def sort_key(s: str, max_len: int = 255) -> str:
    """Return a digits-only key that orders S by Vietnamese collation, at most MAX_LEN characters."""
    parts, length = [], 0
    for word in tokens(s):
        part = _word_key(word)
        parts.append(part)
        length += len(part)
        if length >= max_len:  # long titles: the rest cannot change the truncated key
            break
    return "".join(parts)[:max_len]


# --- cataloguing punctuation and names ----------------------------------------------------------

# Words whose final full stop is part of the word, not ISBD punctuation (compared casefolded).
_ABBREVIATIONS = frozenset(
    "nxb tp tx tr tb xb bs ts ths gs pgs cn ks ed eds etc ill col p pp vol vols no nos jr sr st dr mr "
    "mrs ms inc ltd co corp comp trans rev ca cf al dept univ assn bd hrsg éd".split()
)
_TRAILING_PUNCT = "/:;,="


def strip_isbd(s: str) -> str:
    """Return S without surrounding spaces and trailing ISBD/MARC punctuation (" /", " :", ",", ".")."""
    s = s.strip()
    while s:
        if s[-1] in _TRAILING_PUNCT:
            s = s[:-1].rstrip()
        elif s[-1] == "." and not _keeps_period(s):
            s = s[:-1].rstrip()
        else:
            break
    return s


def _keeps_period(s: str) -> bool:
    """Return True if the final "." of S belongs to an abbreviation, an initial or an ellipsis."""
    word = re.split(r"[\s(\[]", s[:-1])[-1]
    if not word or word.endswith("."):  # "...", "v.v."
        return bool(word)
    if "." in word:  # "U.S.A", "v.v"
        return True
    return (len(word) == 1 and word.isalpha()) or word.casefold() in _ABBREVIATIONS


# Parts after a comma in a heading that are not a forename: dates and relator terms.
_RELATORS = frozenset(
    fold(term)
    for term in "tác giả|dịch|người dịch|biên dịch|biên soạn|chủ biên|hiệu đính|minh hoạ|minh họa|giới thiệu|"
    "sưu tầm|tuyển chọn|author|editor|ed|eds|translator|tr|trans|comp|compiler|illustrator|ill".split("|")
)
# The commonest Vietnamese family names, to recognise a Vietnamese name someone inverted; names
# that are also common Western surnames (Mai, Kim) are left out.
_VN_FAMILY = frozenset(
    fold(n)
    for n in "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Đoàn Trịnh "
    "Lâm Trương Cao Tạ Tô Lương Vương Quách Đào Triệu Lưu Tôn Nghiêm Khúc Kiều Lã Thân Mạc Tăng Hứa "
    "Đàm Lục Phùng Doãn".split()
)


def _is_qualifier(part: str) -> bool:
    return any(ch.isdigit() for ch in part) or fold(strip_isbd(part)) in _RELATORS


def name_variants(name: str) -> list[str]:
    """Return search variants of a personal NAME: as given, given name, reordered, de-inverted."""
    parts = [strip_isbd(p) for p in nfc(" ".join(name.split())).split(",")]
    head, rest = parts[0], [p for p in parts[1:] if p and not _is_qualifier(p)]
    if not head:
        return []
    if rest:
        forename = rest[0]
        direct = f"{head} {forename}"
        if fold(head) in _VN_FAMILY:  # "Nguyễn, Minh Châu": a Vietnamese name is read in direct order
            return _direct_variants(direct)
        variants = [f"{head}, {forename}", f"{forename} {head}", head]
    else:
        variants = _direct_variants(head)
    return list(dict.fromkeys(variants))


def _direct_variants(name: str) -> list[str]:
    words = name.split()
    if len(words) < 2:
        return [name]
    # Vietnamese readers know an author by the given name (last word): "Châu", "Minh Châu Nguyễn".
    return list(dict.fromkeys([name, words[-1], " ".join(words[1:] + words[:1])]))
