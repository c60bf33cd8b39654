"""What a cataloguer types, as PQF for Z39.50 and as CQL for SRU."""

from __future__ import annotations

import pytest

from thuvien.interop.copycat.translate import QueryError, cql, isbn_terms, pqf, words


def test_isbn_in_both_forms_hyphens_dropped():
    assert isbn_terms("978-0-306-40615-7") == ["9780306406157", "0306406152"]
    assert isbn_terms("0 306 40615 2") == ["9780306406157", "0306406152"]
    assert pqf("isbn", "978-0-306-40615-7") == '@or @attr 1=7 "9780306406157" @attr 1=7 "0306406152"'
    assert cql("isbn", "0306406152") == 'bath.isbn="9780306406157" or bath.isbn="0306406152"'


def test_isbn_with_a_wrong_check_digit_is_searched_as_typed():
    # Misprinted ISBNs are still how other catalogues hold the book (…567 would be right).
    assert pqf("isbn", "9786041234567") == '@or @attr 1=7 "9786041234567" @attr 1=7 "6041234567"'
    assert pqf("isbn", "9786041234568") == '@attr 1=7 "9786041234568"'
    assert pqf("isbn", "979-8-1234-5678-0") == '@attr 1=7 "9798123456780"'  # 979: no ISBN-10


@pytest.mark.parametrize("text", ["", "abc", "978-604-1", "12345678901234", '978" @or @attr 1=1016 x'])
def test_not_an_isbn(text):
    with pytest.raises(QueryError):
        pqf("isbn", text)


def test_words_are_anded_with_the_right_use_attribute():
    assert pqf("title", "Truyện Kiều") == '@and @attr 1=4 "Truyện" @attr 1=4 "Kiều"'
    assert pqf("author", "Nguyễn Du") == '@and @attr 1=1003 "Nguyễn" @attr 1=1003 "Du"'
    assert pqf("any", "Kiều") == '@attr 1=1016 "Kiều"'
    assert pqf("title", "a b c") == '@and @and @attr 1=4 "a" @attr 1=4 "b" @attr 1=4 "c"'
    assert cql("title", "Truyện Kiều") == 'dc.title="Truyện" and dc.title="Kiều"'
    assert cql("author", "Tô Hoài") == 'dc.creator="Tô" and dc.creator="Hoài"'
    assert cql("any", "Dế Mèn") == 'cql.anywhere="Dế" and cql.anywhere="Mèn"'


def test_decomposed_input_is_searched_composed():
    assert words("Truye\u0323\u0302n Kie\u0302\u0300u") == ["Truyện", "Kiều"]


def test_nothing_typed_changes_the_query_structure():
    hostile = 'Kiều" @or @attr 1=1016 "*" \\ and/or dc.title=x?*^'
    query = pqf("title", hostile)
    assert query.count('"') == 2 * len(words(hostile))
    assert "\\" not in query and "*" not in query and "?" not in query and "^" not in query
    assert '"@or"' not in query  # the @ is dropped with the rest of the punctuation
    text = cql("title", hostile)
    assert not set("\\*?^") & set(text) and text.count('"') == 2 * len(words(hostile))


def test_inner_punctuation_of_names_is_kept_and_words_are_bounded():
    assert words("Lê-nin O'Brien U.S.A.") == ["Lê-nin", "O'Brien", "U.S.A"]
    assert len(words(" ".join(["từ"] * 30))) == 8


def test_bad_kind_and_empty_text():
    with pytest.raises(QueryError):
        pqf("subject", "x")
    with pytest.raises(QueryError):
        cql("title", " ;:/ ")
