"""ISBN and ISSN: pull them out of catalogue strings, normalise them, check them.

Catalogues hold ISBNs with wrong check digits (misprinted on the book, mistyped later), and the
number is still how readers and other libraries find the book. So ``isbn13`` accepts any number
of the right shape and ``is_valid_isbn`` says separately whether the check digit is right.
"""

from __future__ import annotations

import re

__all__ = ["hyphenless", "is_valid_isbn", "is_valid_issn", "isbn10", "isbn13", "issn", "looks_like_isbn"]

# Separators seen inside numbers: hyphen-minus, Unicode hyphens and dashes, spaces.
_SEPARATORS_RE = re.compile(r"[\s\-\u2010-\u2015]")
# A digit run with separators that may hold an ISBN; not glued to other digits or an X.
_CANDIDATE_RE = re.compile(r"(?<![\dXx])\d[\d\s\-\u2010-\u2015]{8,20}[\dXx](?![\dXx])")
_ISBN_RE = re.compile(r"97[89]\d{10}|\d{9}[\dX]")
_ISSN_RE = re.compile(r"(?<![\dXx-])(\d{4})[\s\-\u2010-\u2015]?(\d{3}[\dXx])(?![\dXx])")


def hyphenless(value) -> str:
    """Return VALUE as text without hyphens, dashes or spaces, with a final x as X."""
    text = _SEPARATORS_RE.sub("", str(value))
    return text[:-1] + "X" if text.endswith("x") else text


def _check10(digits: str) -> str:
    """Return the ISBN-10 / ISSN-style mod-11 check character for DIGITS (9 or 7 digits)."""
    weight = len(digits) + 1
    total = sum(int(d) * (weight - i) for i, d in enumerate(digits))
    check = -total % 11
    return "X" if check == 10 else str(check)


def _check13(digits: str) -> str:
    """Return the ISBN-13 (EAN-13) check digit for the first 12 DIGITS."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits))
    return str(-total % 10)


def _candidates(value: str):
    """Yield the ISBN-shaped numbers (10 or 13 characters, as written) found in VALUE."""
    for m in _CANDIDATE_RE.finditer(str(value)):
        whole = hyphenless(m.group())
        if _ISBN_RE.fullmatch(whole):
            yield whole
            continue
        # Spaces may also separate an ISBN from a following year or price: try each part.
        for part in m.group().split():
            part = hyphenless(part)
            if _ISBN_RE.fullmatch(part):
                yield part


def _valid(number: str) -> bool:
    if len(number) == 13:
        return _check13(number[:12]) == number[12]
    return _check10(number[:9]) == number[9]


def _to13(number: str) -> str:
    if len(number) == 13:
        return number
    body = "978" + number[:9]
    return body + _check13(body)


def isbn13(value: str) -> str | None:
    """Return the ISBN in VALUE as 13 digits (ISBN-10 converted), preferring one whose check digit is right."""
    found = list(_candidates(value))
    if not found:
        return None
    return _to13(next((n for n in found if _valid(n)), found[0]))


def is_valid_isbn(value: str) -> bool:
    """Return True if VALUE holds an ISBN-10 or ISBN-13 whose check digit is right."""
    return any(_valid(n) for n in _candidates(value))


def isbn10(value: str) -> str | None:
    """Return the ISBN in VALUE as ISBN-10, or None if it has none or it is not 978-prefixed."""
    number = isbn13(value)
    if number is None or not number.startswith("978"):
        return None
    return number[3:12] + _check10(number[3:12])


def issn(value: str) -> str | None:
    """Return the ISSN in VALUE as "1234-567X" (check digit not verified), or None."""
    m = _ISSN_RE.search(str(value))
    return f"{m.group(1)}-{m.group(2).upper()}" if m else None


def is_valid_issn(value: str) -> bool:
    """Return True if VALUE holds an ISSN whose check digit is right."""
    number = issn(value)
    return number is not None and _check10(number[:4] + number[5:8]) == number[8]


def looks_like_isbn(token: str) -> bool:
    """Return True if a query TOKEN is an ISBN: 13 digits from 978/979, or 10 with a right check digit."""
    number = hyphenless(token).upper()
    if not _ISBN_RE.fullmatch(number):
        return False
    # Ten bare digits are as often a phone or record number: only a right check digit tells.
    return len(number) == 13 or _valid(number)
