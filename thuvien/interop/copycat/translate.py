"""What a cataloguer types (an ISBN, title, author or keywords) as a Z39.50 PQF query and as CQL.

Words are ANDed term by term (``@and`` in PQF, ``and`` in CQL) rather than sent as one phrase or
with a word-list structure attribute: every Bib-1 server answers that, and word order in titles
and Vietnamese names varies between catalogues. An ISBN is asked in both its 13- and 10-digit
forms, as older records hold ISBN-10 only. Quotes, backslashes and masking characters never reach
the target: words are cut out of the text, so nothing a user types changes the query's structure.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from thuvien.lib.isbn import hyphenless, is_valid_isbn, isbn10, isbn13
from thuvien.lib.vn_text import nfc

__all__ = ["KINDS", "QueryError", "cql", "pqf", "words"]

KINDS = {
    "isbn": gettext_lazy("ISBN"),
    "title": gettext_lazy("Nhan đề"),
    "author": gettext_lazy("Tác giả"),
    "any": gettext_lazy("Từ khoá"),
}
BIB1_USE = {"isbn": 7, "title": 4, "author": 1003, "any": 1016}
CQL_INDEX = {"isbn": "bath.isbn", "title": "dc.title", "author": "dc.creator", "any": "cql.anywhere"}
MAX_WORDS = 8
MAX_WORD = 64
MAX_TEXT = 300

# A word: letters and digits, with inner hyphens, apostrophes or dots (Lê-nin, O'Brien, U.S.A).
_WORD = re.compile(r"\w+(?:[-'’.]\w+)*")
_ISBN_CHARS = re.compile(r"[0-9Xx\s\-\u2010-\u2015]+")


class QueryError(ValueError):
    """The text cannot be searched as asked; the message says why, for staff."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise QueryError(
            _("Kiểu tìm «%(kind)s» không có; chọn ISBN, nhan đề, tác giả hoặc từ khoá.") % {"kind": kind}
        )


def isbn_terms(text: str) -> list[str]:
    """Return the forms of the ISBN in TEXT to search: 13 digits, then 10 when it has one."""
    text = text.strip()
    if not text or not _ISBN_CHARS.fullmatch(text):
        raise QueryError(_("«%(text)s» không phải ISBN (10 hoặc 13 chữ số).") % {"text": text[:40]})
    number = hyphenless(text).upper()
    if len(number) not in (10, 13):
        raise QueryError(
            _("ISBN có 10 hoặc 13 chữ số; «%(text)s» có %(n)s.") % {"text": text[:40], "n": len(number)}
        )
    terms = [number]
    if is_valid_isbn(number):
        terms = [t for t in (isbn13(number), isbn10(number)) if t]
    return list(dict.fromkeys(terms))


def words(text: str) -> list[str]:
    """Return the words of TEXT to search (NFC, at most MAX_WORDS); raise QueryError if none."""
    found = [w[:MAX_WORD] for w in _WORD.findall(nfc(text[:MAX_TEXT]))]
    if not found:
        raise QueryError(_("Hãy nhập ít nhất một từ để tìm."))
    return found[:MAX_WORDS]


def _terms(kind: str, text: str) -> list[str]:
    _check_kind(kind)
    return isbn_terms(text) if kind == "isbn" else words(text)


def pqf(kind: str, text: str) -> str:
    """Return the PQF (Bib-1) query for TEXT searched as KIND."""
    terms = _terms(kind, text)
    use = BIB1_USE[kind]
    operator = "@or " if kind == "isbn" else "@and "
    return operator * (len(terms) - 1) + " ".join(f'@attr 1={use} "{t}"' for t in terms)


def cql(kind: str, text: str) -> str:
    """Return the CQL query for TEXT searched as KIND."""
    terms = _terms(kind, text)
    index = CQL_INDEX[kind]
    operator = " or " if kind == "isbn" else " and "
    return operator.join(f'{index}="{t}"' for t in terms)
