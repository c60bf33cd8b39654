"""Vietnamese citizen identity numbers (CCCD, 12 digits): validation without any database."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

# The first three digits name the province of birth registration (Circular 07/2016/TT-BCA, 63 provinces).
PROVINCE_CODES = frozenset(
    "001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 033 034 035 036 037 038 "
    "040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 067 068 070 072 074 075 077 079 080 082 "
    "083 084 086 087 089 091 092 093 094 095 096".split()
)
# The fourth digit codes sex and century of birth (Circular 07/2016/TT-BCA, art. 7): 0/1 = 20th century
# (1900–1999), 2/3 = 21st, 4/5 = 22nd, 6/7 = 23rd, 8/9 = 24th.
_CENTURY = {0: 1900, 1: 1900, 2: 2000, 3: 2000, 4: 2100, 5: 2100, 6: 2200, 7: 2200, 8: 2300, 9: 2300}


class InvalidCCCD(ValueError):
    pass


def normalise(value: str) -> str:
    # NFKC turns full-width digits (typed with some input methods) into ASCII ones.
    return re.sub(r"[\s.\-]", "", unicodedata.normalize("NFKC", value or ""))


def validate(value: str, birth_date: dt.date | None = None, today: dt.date | None = None) -> str:
    """Return the 12-digit CCCD in VALUE, or raise InvalidCCCD with a reason a librarian can act on."""
    number = normalise(value)
    if not re.fullmatch(r"[0-9]{12}", number):
        raise InvalidCCCD("Số CCCD phải gồm đúng 12 chữ số.")
    if number[:3] not in PROVINCE_CODES:
        raise InvalidCCCD(f"Mã tỉnh {number[:3]} ở đầu số CCCD không tồn tại.")
    year = _CENTURY[int(number[3])] + int(number[4:6])
    if year > (today or dt.date.today()).year:
        raise InvalidCCCD(f"Số CCCD ghi năm sinh {year}, chưa tới năm đó.")
    if birth_date is not None and birth_date.year != year:
        raise InvalidCCCD(f"Số CCCD ghi năm sinh {year}, khác ngày sinh đã nhập ({birth_date:%d/%m/%Y}).")
    return number


def birth_year(number: str) -> int:
    return _CENTURY[int(number[3])] + int(number[4:6])
