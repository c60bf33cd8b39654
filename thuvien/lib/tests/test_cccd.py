"""Citizen identity numbers (CCCD): 12 digits, a real province code, a birth year that fits."""

from __future__ import annotations

import datetime as dt

import pytest

from thuvien.lib import cccd

TODAY = dt.date(2026, 11, 16)


@pytest.mark.parametrize(
    ("value", "number"),
    [
        ("001090123456", "001090123456"),  # Hà Nội, a man born in 1990
        ("079 195 000 321", "079195000321"),  # Hồ Chí Minh City, a woman born in 1995, typed in groups
        ("096.3.05.000001", "096305000001"),  # Cà Mau, a girl born in 2005, with dots
        ("001-2-20-999999", "001220999999"),  # a boy born in 2020, with hyphens
        ("００１０９０１２３４５６", "001090123456"),  # full-width digits from some input methods
    ],
)
def test_valid_numbers_are_returned_normalised(value, number):
    assert cccd.validate(value, today=TODAY) == number


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "phải gồm đúng 12 chữ số"),
        ("00109012345", "phải gồm đúng 12 chữ số"),  # 11 digits
        ("0010901234567", "phải gồm đúng 12 chữ số"),  # 13 digits
        ("00109012345A", "phải gồm đúng 12 chữ số"),
        ("٠٠١٠٩٠١٢٣٤٥٦", "phải gồm đúng 12 chữ số"),  # Arabic-Indic digits are not CCCD digits
        ("999090123456", "Mã tỉnh 999"),
        ("003090123456", "Mã tỉnh 003"),  # a gap in the list of province codes
    ],
)
def test_invalid_numbers_say_why(value, reason):
    with pytest.raises(cccd.InvalidCCCD, match=reason):
        cccd.validate(value, today=TODAY)


def test_a_birth_year_in_the_future_is_refused():
    with pytest.raises(cccd.InvalidCCCD, match="năm sinh 2027, chưa tới năm đó"):
        cccd.validate("001227000001", today=TODAY)
    assert cccd.validate("001226000001", today=TODAY) == "001226000001"  # born this year


@pytest.mark.parametrize(
    ("digit", "year"),
    [
        (0, 1999),
        (1, 1999),
        (2, 2099),
        (3, 2099),
        (4, 2199),
        (5, 2199),
        (6, 2299),
        (7, 2299),
        (8, 2399),
        (9, 2399),
    ],
)
def test_the_fourth_digit_is_sex_and_century(digit, year):
    # Circular 07/2016/TT-BCA: 0/1 the 20th century … 8/9 the 24th (not the 19th).
    assert cccd.birth_year(f"001{digit}99000001") == year


def test_the_birth_year_must_match_the_birth_date():
    assert cccd.validate("001090123456", dt.date(1990, 5, 1), today=TODAY) == "001090123456"
    with pytest.raises(cccd.InvalidCCCD, match=r"năm sinh 1990, khác ngày sinh đã nhập \(01/05/1991\)"):
        cccd.validate("001090123456", dt.date(1991, 5, 1), today=TODAY)
    with pytest.raises(cccd.InvalidCCCD, match="năm sinh 2005"):
        cccd.validate("001205123456", dt.date(1905, 5, 1), today=TODAY)  # 2 = the 21st century


def test_every_province_code_is_three_digits_and_there_are_63():
    assert len(cccd.PROVINCE_CODES) == 63
    assert all(len(code) == 3 and code.isdigit() for code in cccd.PROVINCE_CODES)
    assert {"001", "031", "048", "079", "092", "096"} <= cccd.PROVINCE_CODES


def test_normalise_keeps_only_what_was_typed_between_separators():
    assert cccd.normalise(" 001 090.123-456 ") == "001090123456"
    assert cccd.normalise(None) == ""
