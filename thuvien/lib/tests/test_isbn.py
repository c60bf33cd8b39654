import pytest

from thuvien.lib.isbn import hyphenless, is_valid_isbn, is_valid_issn, isbn10, isbn13, issn, looks_like_isbn


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("978-604-2-12345-6 (bìa mềm)", "9786042123456"),
        ("0-306-40615-2", "9780306406157"),
        ("030640615X", "9780306406157"),  # wrong check digit: the 13-digit form recomputes it
        ("ISBN 9786041234567", "9786041234567"),
        ("ISBN: 978 0 306 40615 7 (pbk.)", "9780306406157"),
        ("isbn 0-8044-2957-x", "9780804429573"),
        ("ISBN 0306406152 1999", "9780306406157"),  # a year after a space is not part of it
        ("979-10-90636-07-1", "9791090636071"),
        ("978‐0‐306‐40615‐7", "9780306406157"),  # Unicode hyphens
        ("ISBN 978-0-306-40615-8 (sai)", "9780306406158"),  # wrong ISBN-13 check digit kept as written
    ],
)
def test_isbn13(value, expected):
    assert isbn13(value) == expected


@pytest.mark.parametrize(
    "value", ["", "abc", "12345", "123456789", "97860412345678", "1234567890123", "X123456789"]
)
def test_isbn13_needs_the_right_shape(value):
    assert isbn13(value) is None


def test_isbn13_prefers_a_valid_number():
    assert isbn13("9780306406158 ; 0-306-40615-2") == "9780306406157"
    assert isbn13("9780306406158 ; 9780306406159") == "9780306406158"


def test_is_valid_isbn():
    assert is_valid_isbn("0-306-40615-2")
    assert is_valid_isbn("ISBN 978-0-306-40615-7 (bìa cứng)")
    assert is_valid_isbn("0-8044-2957-X")
    assert not is_valid_isbn("0-306-40615-3")
    assert not is_valid_isbn("978-0-306-40615-8")
    assert not is_valid_isbn("không có")


def test_isbn10():
    assert isbn10("978-0-306-40615-7") == "0306406152"
    assert isbn10("9780804429573") == "080442957X"
    assert isbn10("0-306-40615-2") == "0306406152"
    assert isbn10("979-10-90636-07-1") is None
    assert isbn10("nothing") is None


def test_issn():
    assert issn("ISSN 0317-8471") == "0317-8471"
    assert issn("0317 847x") == "0317-847X"
    assert issn("03178471") == "0317-8471"
    assert issn("9786041234567") is None  # digits inside a longer number
    assert issn("none") is None
    assert is_valid_issn("0317-8471")
    assert is_valid_issn("2049-3630")
    assert not is_valid_issn("0317-8472")
    assert not is_valid_issn("")


@pytest.mark.parametrize(
    "token", ["978-604-2-12345-6", "9786041234567", "0306406152", "0-8044-2957-x", "979 10 90636 07 1"]
)
def test_looks_like_isbn(token):
    assert looks_like_isbn(token)


@pytest.mark.parametrize("token", ["0912345678", "030640615X", "12345", "Kiều", "1234567890123", "2005"])
def test_does_not_look_like_isbn(token):
    # Ten bare digits need a right check digit: they are as often a phone or record number.
    assert not looks_like_isbn(token)


def test_hyphenless():
    assert hyphenless("978-604 2–12345-6") == "9786042123456"
    assert hyphenless("0-8044-2957-x") == "080442957X"
    assert hyphenless(9786041234567) == "9786041234567"
