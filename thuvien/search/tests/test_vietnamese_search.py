"""Acceptance 4: Vietnamese folding, tone placement, exact-first ranking, ISBN-10/13."""

import unicodedata

import pytest

from thuvien.catalog.tests.factories import import_records, marc_record
from thuvien.search.service import SearchRequest, search

pytestmark = pytest.mark.django_db


def titles(q, **kwargs):
    return [h.record.title for h in search(SearchRequest(q=q, facets=False, **kwargs)).hits]


@pytest.fixture
def catalogue(network):
    import_records(
        [
            marc_record(
                "Truyện Kiều",
                "Nguyễn Du",
                subjects=["Thơ lục bát"],
                holdings=[("VN-TST", "B001", "895.9221")],
            ),
            marc_record("Hoà Bình quê tôi", "Trần Văn Hùng", holdings=[("VN-TST-XA", "B002", "915.97")]),
            marc_record("Đường về Hòa Bình", "Lê Thị Hoa", holdings=[("VN-TST-THPT", "B003", "895.922")]),
            marc_record("Hoa binh and war", "John Smith", language="eng"),
            marc_record("Đà Nẵng xưa và nay", "Phạm Đức", isbn="978-604-1-23456-7"),
            marc_record("Lập trình Python", "Đỗ Minh", isbn="0-306-40615-2"),
        ]
    )


def test_query_without_diacritics_finds_records_with_them(catalogue):
    assert titles("truyen kieu") == ["Truyện Kiều"]
    assert titles("da nang") == ["Đà Nẵng xưa và nay"]
    assert "Đường về Hòa Bình" in titles("duong")


def test_d_with_stroke_folds_to_d(catalogue):
    assert titles("Da Nang") == titles("Đà Nẵng") == ["Đà Nẵng xưa và nay"]
    assert titles("đường") == titles("duong")


def test_old_and_new_tone_placement_give_the_same_hits(catalogue):
    old, new = titles("Hoà Bình"), titles("Hòa Bình")
    assert old == new
    assert set(old) >= {"Hoà Bình quê tôi", "Đường về Hòa Bình"}


def test_nfc_and_nfd_queries_are_equal(catalogue):
    nfd = unicodedata.normalize("NFD", "Truyện Kiều")
    assert titles(nfd) == titles("Truyện Kiều") == ["Truyện Kiều"]


def test_query_with_diacritics_ranks_exact_matches_first(catalogue):
    hits = titles("Hòa Bình")
    assert hits[-1] == "Hoa binh and war"
    assert set(hits[:2]) == {"Hoà Bình quê tôi", "Đường về Hòa Bình"}


def test_query_without_diacritics_finds_everything(catalogue):
    assert set(titles("hoa binh")) == {"Hoà Bình quê tôi", "Đường về Hòa Bình", "Hoa binh and war"}


def test_isbn10_finds_the_record_catalogued_with_isbn13(catalogue):
    # 0-306-40615-2 is 978-0-306-40615-7 as ISBN-13.
    assert titles("9780306406157") == ["Lập trình Python"]
    assert titles("978-0-306-40615-7") == ["Lập trình Python"]
    assert titles("isbn:0306406152") == ["Lập trình Python"]
    assert titles("9786041234567") == ["Đà Nẵng xưa và nay"]
    # and the other way round: the ISBN-10 of a book catalogued with its ISBN-13, hyphens or not
    assert titles("604-1-23456-7") == ["Đà Nẵng xưa và nay"]
    assert titles("6041234567") == ["Đà Nẵng xưa và nay"]


def test_phrase_fielded_and_truncation(catalogue):
    assert titles('"về hòa bình"') == ["Đường về Hòa Bình"]
    assert titles('"binh ve"') == []
    assert titles("title:kieu") == ["Truyện Kiều"]
    assert titles("author:kieu") == []
    assert titles("author:nguyễn du") == ["Truyện Kiều"]
    assert titles('tacgia:"nguyen du"') == ["Truyện Kiều"]
    assert titles("subject:luc bat") == ["Truyện Kiều"]
    assert set(titles("lap trin*")) == {"Lập trình Python"}
    assert titles("truy*") == ["Truyện Kiều"]


def test_boolean_operators(catalogue):
    assert set(titles("kieu OR python")) == {"Truyện Kiều", "Lập trình Python"}
    assert "Hoa binh and war" not in titles("hoa binh -war")
    assert "Hoa binh and war" not in titles("hoa binh NOT war")


def test_scope_to_a_library_subtree(catalogue, network):
    assert set(titles("hoa binh", library="VN-TST")) == {"Hoà Bình quê tôi", "Đường về Hòa Bình"}
    assert titles("hoa binh", library="VN-TST-XA") == ["Hoà Bình quê tôi"]
    result = search(SearchRequest(q="hoa", library="VN-NOPE"))
    assert result.total == 0 and result.error


def test_facets_count_libraries_types_languages(catalogue):
    result = search(SearchRequest(q="hoa binh"))
    libraries = {v.value: v.count for v in result.facets["library"]}
    assert libraries["VN-TST"] == 2 and libraries["VN-TST-XA"] == 1
    assert {v.value: v.count for v in result.facets["lang"]} == {"vie": 2, "eng": 1}
    assert result.facets["available"][0].count == 2


def test_sorting_by_title_uses_vietnamese_collation(catalogue):
    hits = titles("hoa OR kieu OR duong OR nang OR python", sort="title")
    assert hits == [
        "Đà Nẵng xưa và nay",
        "Đường về Hòa Bình",
        "Hoa binh and war",
        "Hoà Bình quê tôi",
        "Lập trình Python",
        "Truyện Kiều",
    ]
