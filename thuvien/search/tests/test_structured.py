"""The fielded query layer SRU and Z39.50 share: each relation, truncation and index, and visibility."""

import pytest
from lxml import etree

from thuvien.catalog.models import Record
from thuvien.catalog.tests.factories import import_records, marc_record
from thuvien.search import index
from thuvien.search import structured as sq
from thuvien.search.indexer import apply_outbox, enqueue
from thuvien.search.service import SearchRequest, search

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(network):
    import_records(
        [
            marc_record(
                "Truyện Kiều",
                "Nguyễn Du",
                subjects=["Thơ lục bát"],
                year=1995,
                holdings=[("VN-TST", "B001", "895.9221")],
            ),
            marc_record(
                "Hoà Bình quê tôi", "Trần Văn Hùng", year=2001, holdings=[("VN-TST-XA", "B002", "915.97")]
            ),
            marc_record("Đường về Hòa Bình", "Lê Thị Hoa", year=2010),
            marc_record("Hoa binh and war", "John Smith", language="eng", year=1975),
            marc_record("Đà Nẵng xưa và nay", "Phạm Đức", isbn="978-604-1-23456-7", year=2020),
            marc_record("Lập trình Python", "Đỗ Minh", isbn="0-306-40615-2", year=2020),
        ]
    )


def titles(node, **kwargs):
    _total, ids = sq.run(node, 0, 50, **kwargs)
    return [r.title for r in sq.records(ids)]


def T(*args, **kwargs):
    return sq.Term(*args, **kwargs)


def test_words_fold_vietnamese_as_the_opac(catalogue):
    assert titles(T("title", "truyen kieu")) == ["Truyện Kiều"]
    assert titles(T("author", "nguyen du")) == ["Truyện Kiều"]
    assert titles(T("subject", "tho luc bat")) == ["Truyện Kiều"]
    assert set(titles(T("any", "hoa binh"))) == {"Hoà Bình quê tôi", "Đường về Hòa Bình", "Hoa binh and war"}
    assert titles(T("any", "da nang")) == ["Đà Nẵng xưa và nay"]


def test_relations_on_words(catalogue):
    # "=" with several words is a phrase; "all" any order; "any" one of them.
    assert titles(T("title", "binh hoa")) == []
    assert set(titles(T("title", "binh hoa", "all"))) == {
        "Hoà Bình quê tôi",
        "Đường về Hòa Bình",
        "Hoa binh and war",
    }
    assert set(titles(T("title", "kieu python", "any"))) == {"Truyện Kiều", "Lập trình Python"}
    assert titles(T("title", "ve hoa binh", "adj")) == ["Đường về Hòa Bình"]


def test_whole_field_relation(catalogue):
    assert titles(T("title", "Hoa Bình quê tôi", "==")) == ["Hoà Bình quê tôi"]
    assert titles(T("title", "Hoa Bình quê", "==")) == []
    assert titles(T("author", "Nguyen Du", "==")) == ["Truyện Kiều"]
    assert titles(T("title", "hoa binh que", "==", "right")) == ["Hoà Bình quê tôi"]


def test_truncations(catalogue):
    assert titles(T("title", "truy", truncation="right")) == ["Truyện Kiều"]
    assert titles(T("title", "thon", truncation="left")) == ["Lập trình Python"]
    assert titles(T("title", "ytho", truncation="both")) == ["Lập trình Python"]
    assert titles(T("title", "py?hon", truncation="mask")) == ["Lập trình Python"]
    assert titles(T("title", "p*on", truncation="mask")) == ["Lập trình Python"]
    assert titles(T("title", "duong ve", truncation="right")) == ["Đường về Hòa Bình"]
    with pytest.raises(sq.QueryError) as err:
        sq.run(T("title", "p*", truncation="mask"))
    assert err.value.reason == "too_complex"


def test_dates_identifiers_and_languages(catalogue):
    assert titles(T("date", "1995")) == ["Truyện Kiều"]
    assert set(titles(T("date", "2001", "<"))) == {"Truyện Kiều", "Hoa binh and war"}
    assert set(titles(T("date", "2020", ">="))) == {"Đà Nẵng xưa và nay", "Lập trình Python"}
    assert len(titles(T("date", "2020", "<>"))) == 4
    assert set(titles(T("date", "1990-2005"))) == {"Truyện Kiều", "Hoà Bình quê tôi"}
    assert titles(T("isbn", "0306406152")) == ["Lập trình Python"]
    assert titles(T("isbn", "9786041234567")) == ["Đà Nẵng xưa và nay"]
    assert titles(T("language", "eng")) == ["Hoa binh and war"]
    kieu = Record.objects.get(title="Truyện Kiều")
    assert titles(T("localno", str(kieu.pk))) == ["Truyện Kiều"]
    assert sq.count(T("all", "")) == 6
    for bad, reason in [
        (T("date", "nineteen"), "term"),
        (T("title", "x", "<"), "relation"),
        (T("nowhere", "x"), "index"),
        (T("title", "x", "near"), "relation"),
        (T("title", "x", truncation="regex"), "truncation"),
        (T("isbn", "97*", truncation="right"), "truncation"),
        (T("title", "  ...  "), "term"),
    ]:
        with pytest.raises(sq.QueryError) as err:
            sq.run(bad)
        assert err.value.reason == reason, bad


def test_booleans_and_limits(catalogue):
    both = sq.Bool("and", T("title", "hoa binh", "all"), T("date", "2001"))
    assert titles(both) == ["Hoà Bình quê tôi"]
    either = sq.Bool("or", T("title", "kieu"), T("author", "smith"))
    assert set(titles(either)) == {"Truyện Kiều", "Hoa binh and war"}
    but_not = sq.Bool("not", T("title", "hoa binh", "all"), T("language", "eng"))
    assert set(titles(but_not)) == {"Hoà Bình quê tôi", "Đường về Hòa Bình"}
    deep = T("title", "kieu")
    for _ in range(100):
        deep = sq.Bool("and", deep, T("title", "kieu"))
    with pytest.raises(sq.QueryError) as err:
        sq.run(deep)
    assert err.value.reason == "too_complex"


def test_sorting_and_paging(catalogue):
    total, ids = sq.run(T("all", ""), 0, 3, sort="date")
    assert total == 6
    assert [r.year for r in sq.records(ids)] == [1975, 1995, 2001]
    _total, ids = sq.run(T("all", ""), 4, 3, sort="-date")
    assert [r.year for r in sq.records(ids)] == [1995, 1975]
    with pytest.raises(sq.QueryError):
        sq.run(T("all", ""), sort="weight")


def test_counts_agree_with_the_opac(catalogue):
    cases = [
        T("title", "hoa binh"),
        T("title", "Hòa Bình"),
        T("any", "hoa"),
        T("author", "Nguyễn Du"),
        T("title", "truy", truncation="right"),
        T("title", "binh hoa", "all"),
        T("title", "kieu python", "any"),
        sq.Bool("and", T("title", "hoa"), T("author", "hoa")),
    ]
    for node in cases:
        opac = search(SearchRequest(q=sq.opac_query(node), facets=False)).total
        assert sq.count(node) == opac, (node, sq.opac_query(node))


def test_hidden_records_are_never_found_or_returned(catalogue):
    kieu = Record.objects.get(title="Truyện Kiều")
    Record.objects.filter(pk=kieu.pk).update(suppressed=True)
    assert sq.records([kieu.pk]) == []
    enqueue([kieu.pk])
    apply_outbox()
    index.refresh()
    assert sq.count(T("title", "kieu")) == 0


def test_scan_lists_terms_alphabetically_around_the_term(catalogue):
    terms = sq.scan("title", "hoa", count=4, position=2)
    words = [t for t, _n in terms]
    assert words == sorted(words)
    assert words[1] == "hoa"
    assert dict(sq.scan("title", "b", count=3))["binh"] == 3
    with pytest.raises(sq.QueryError):
        sq.scan("date", "1990")


def test_records_render_as_marcxml_iso2709_and_dc(catalogue):
    kieu = sq.records([Record.objects.get(title="Truyện Kiều").pk])[0]
    xml = sq.marcxml(kieu)
    root = etree.fromstring(xml.encode())
    ns = {"m": "http://www.loc.gov/MARC21/slim"}
    assert root.xpath("//m:datafield[@tag='852']/m:subfield[@code='p']/text()", namespaces=ns) == ["B001"]
    raw = sq.iso2709(kieu)
    assert raw[9:10] == b"a" and "Truyện Kiều".encode() in raw and b"B001" in raw
    assert "Truyện Kiều" in sq.dc(kieu)["title"][0]


def test_scan_counts_only_visible_records(catalogue):
    kieu = Record.objects.get(title="Truyện Kiều")
    Record.objects.filter(pk=kieu.pk).update(suppressed=True)
    enqueue([kieu.pk])
    apply_outbox()
    index.refresh()
    words = dict(sq.scan("title", "k", count=50))
    assert "kieu" not in words
    assert words["python"] == 1
