"""The CQL 1.2 parser and its mapping onto the shared query layer (pure logic, no database)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from thuvien.interop.sru import cql
from thuvien.interop.sru.cql import Boolean, Clause, CQLError, Modifier
from thuvien.search import structured as sq


def mapped(text: str):
    return cql.to_structured(cql.parse(text))


def node(text: str):
    return mapped(text)[0]


def code(text: str) -> int:
    with pytest.raises(CQLError) as err:
        mapped(text)
    return err.value.code


def T(*args, **kwargs):
    return sq.Term(*args, **kwargs)


def test_a_bare_term_searches_every_field():
    assert node("kieu") == T("any", "kieu")
    assert node('"truyện kiều"') == T("any", "truyện kiều")
    assert cql.parse("kieu").root == Clause("cql.serverChoice", "=", (), "kieu", cql.DEFAULT_PREFIXES["cql"])


@pytest.mark.parametrize(
    "written, index",
    [
        ("cql.anywhere", "any"),
        ("cql.serverChoice", "any"),
        ("CQL.SERVERCHOICE", "any"),
        ("cql.keywords", "any"),
        ("dc.title", "title"),
        ("bath.title", "title"),
        ("dc.creator", "author"),
        ("dc.author", "author"),
        ("bath.author", "author"),
        ("bath.name", "author"),
        ("bath.personalName", "author"),
        ("dc.subject", "subject"),
        ("bath.subject", "subject"),
        ("dc.date", "date"),
        ("dc.publisher", "publisher"),
        ("dc.language", "language"),
        ("bath.isbn", "isbn"),
        ("bath.issn", "issn"),
        ("rec.identifier", "localno"),
        ("title", "title"),
        ("author", "author"),
        ("subject", "subject"),
        ("isbn", "isbn"),
        ("issn", "issn"),
        ("date", "date"),
        ("publisher", "publisher"),
        ("any", "any"),
    ],
)
def test_indexes_map_onto_the_shared_layer(written, index):
    assert node(f"{written} = 1990").index == index


def test_all_records_ignores_its_term():
    assert node("cql.allRecords = 1") == T("all", "", "=")
    assert node('cql.allRecords = ""') == T("all", "", "=")


@pytest.mark.parametrize(
    "relation, expected",
    [("=", "="), ("==", "=="), ("exact", "=="), ("adj", "adj"), ("all", "all"), ("any", "any"), ("ALL", "all"),
     ("cql.any", "any"), ("<", "<"), (">", ">"), ("<=", "<="), (">=", ">="), ("<>", "<>"), ("scr", "=")],
)  # fmt: skip
def test_relations(relation, expected):
    assert node(f'dc.date {relation} "1990"').relation == expected


def test_quoted_strings_and_escapes():
    assert node(r'dc.title = "say \"hello\" again"') == T("title", 'say "hello" again')
    assert node(r'dc.title = "back\\slash"') == T("title", "back\\slash")
    # An escaped mask is the character itself, never a truncation.
    assert node(r'dc.title = "c\*star"') == T("title", "c star")
    assert node(r"dc.title = what\?") == T("title", "what ")
    # Keywords quoted are terms; unquoted after a relation they are terms too.
    assert node('dc.title = "and"') == T("title", "and")
    assert node("dc.title = or") == T("title", "or")


@pytest.mark.parametrize(
    "term, text, truncation",
    [
        ("kieu", "kieu", "none"),
        ("kie*", "kie", "right"),
        ("kie**", "kie", "right"),
        ("*ieu", "ieu", "left"),
        ("*ie*", "ie", "both"),
        ("k?eu", "k?eu", "mask"),
        ("k*u", "k*u", "mask"),
        ('"nguyen d*"', "nguyen d", "right"),
        ('"ng*n du"', "ng*n du", "mask"),
    ],
)
def test_truncation_and_masks(term, text, truncation):
    assert node(f"dc.title = {term}") == T("title", text, "=", truncation)


def test_unmasked_modifier_takes_masks_literally():
    assert node("dc.title =/unmasked kie*") == T("title", "kie ", "=", "none")


def test_booleans_are_left_associative_with_equal_precedence():
    assert node("a and b or c") == sq.Bool("or", sq.Bool("and", T("any", "a"), T("any", "b")), T("any", "c"))
    assert node("a and (b or c)") == sq.Bool(
        "and", T("any", "a"), sq.Bool("or", T("any", "b"), T("any", "c"))
    )
    assert node("a NOT b") == sq.Bool("not", T("any", "a"), T("any", "b"))
    assert node('dc.title = kieu AND dc.creator = "nguyen du"') == sq.Bool(
        "and", T("title", "kieu"), T("author", "nguyen du")
    )


def test_modifiers_are_read():
    root = cql.parse("dc.title any/cql.ignoreCase/locale=vi kieu and/rel.combine=sum x").root
    assert isinstance(root, Boolean) and root.modifiers == (Modifier("rel.combine", "=", "sum"),)
    assert root.left.modifiers == (Modifier("cql.ignoreCase"), Modifier("locale", "=", "vi"))


def test_neutral_relation_modifiers_are_accepted():
    assert node("dc.title any/ignoreCase/cql.ignoreAccents kieu") == T("title", "kieu", "any")


def test_sort_by():
    assert mapped("kieu sortBy dc.title") == (T("any", "kieu"), "title")
    assert mapped("kieu sortby dc.date/sort.descending") == (T("any", "kieu"), "-date")
    assert mapped("kieu SORTBY dc.creator/ascending/sort.ignoreCase") == (T("any", "kieu"), "author")
    assert mapped("kieu") == (T("any", "kieu"), None)


def test_prefix_assignments():
    assert node('>dc="info:srw/cql-context-set/1/dc-v1.1" dc.title = kieu') == T("title", "kieu")
    assert node('>x="info:srw/cql-context-set/1/dc-v1.1" x.title = kieu') == T("title", "kieu")
    # A default context set for indexes without a prefix.
    assert node('>"http://zing.z3950.org/cql/bath/2.0/" personalName = du') == T("author", "du")
    # Assignments hold inside their parentheses only.
    assert code('(>x="info:srw/cql-context-set/1/dc-v1.1" x.title = a) and x.title = b') == 15
    assert code('>dc="http://example.org/other" dc.title = kieu') == 15


@pytest.mark.parametrize(
    "query, number",
    [
        ("", 10),
        ("   ", 10),
        ("dc.title =", 10),
        ("truyen kieu", 10),
        ("kieu and", 10),
        ("= kieu", 10),
        ("dc.title =/", 10),
        ("dc.title =/x", 10),
        ("kieu sortBy", 10),
        ('"unterminated', 14),
        ("(kieu", 13),
        ("kieu)", 13),
        (")", 13),
        ("(" * 30 + "kieu" + ")" * 30, 13),
        (" or ".join(["kieu"] * 60), 38),
        ("kieu " * 1000, 12),
        ("dc.nowhere = kieu", 16),
        ("zz.title = kieu", 15),
        ("nowhere = kieu", 16),
        ("dc.title within kieu", 19),
        ("dc.title encloses kieu", 19),
        ("dc.title =/respectCase kieu", 20),
        ("dc.title =/fuzzy kieu", 20),
        ('dc.title = ""', 27),
        (f'dc.title = "{"a" * 600}"', 23),
        ("dc.title = *", 29),
        ("dc.title = ^kieu", 31),
        ("dc.title = kieu^", 31),
        ("a prox b", 37),
        ("a prox/unit=word b", 37),
        ("a and/rel.combine=sum b", 46),
        ("kieu sortBy dc.subject", 88),
        ("kieu sortBy nowhere", 16),
        ("kieu sortBy dc.title dc.date", 84),
        ("kieu sortBy dc.title/sort.respectCase", 91),
        ("kieu sortBy dc.title/sort.locale=vi", 82),
    ],
)
def test_diagnostics(query, number):
    assert code(query) == number


def test_clause_and_depth_limits_leave_room_for_real_queries():
    assert isinstance(node(" or ".join([f"dc.title = w{n}" for n in range(cql.MAX_CLAUSES)])), sq.Bool)
    deep = "(" * cql.MAX_DEPTH + "kieu" + ")" * cql.MAX_DEPTH
    assert node(deep) == T("any", "kieu")


def test_scan_clause():
    assert cql.scan_clause("dc.title = hoa") == ("title", "hoa")
    assert cql.scan_clause("hoa") == ("any", "hoa")
    assert cql.scan_clause('dc.creator = ""') == ("author", "")
    for bad, number in [("dc.title = hoa*", 28), ("a and b", 10), ("dc.title < a", 19), ("x.y = z", 15)]:
        with pytest.raises(CQLError) as err:
            cql.scan_clause(bad)
        assert err.value.code == number, bad


def test_every_cql_form_of_the_benchmark_queries_maps(corpus):
    import json

    queries = json.loads((corpus / "bench" / "queries_320.json").read_text())
    for q in queries:
        assert isinstance(node(q["cql"]), (sq.Term, sq.Bool)), q


ALPHABET = st.sampled_from(
    list('()"/\\=<>*?^ \t\nandorNOTproxsortBysortbydc.title.cql..anywhere') + ["and", "or", "not", "prox", "sortBy"]
    + ["ă", "đ", "Ữ", "\x00", "\ufffe", "=="]
)  # fmt: skip


@settings(max_examples=600, deadline=None)
@given(st.one_of(st.text(max_size=200), st.lists(ALPHABET, max_size=60).map("".join)))
def test_fuzz_only_ever_raises_cql_errors(text):
    try:
        query = cql.parse(text)
    except CQLError as error:
        assert isinstance(error.code, int)
        return
    try:
        cql.to_structured(query)
    except CQLError as error:
        assert isinstance(error.code, int)
