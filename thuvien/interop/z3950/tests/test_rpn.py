"""PQF and type-1 queries, and how each Bib-1 attribute maps onto the shared query layer (or is refused)."""

import json

import pytest

from thuvien.interop.z3950 import ber, bib1, rpn
from thuvien.interop.z3950.diagnostics import Diagnostic
from thuvien.interop.z3950.rpn import BIB1, Attribute, AttrTerm, Operation, PQFError, SetRef
from thuvien.search import structured as sq

T = sq.Term


def node(pqf, sets=None):
    query = rpn.parse_pqf(pqf)
    # Every query goes through BER and back, as it would on the wire.
    decoded = rpn.decode_query(ber.decode(rpn.encode_query(query)))
    assert decoded == query
    return bib1.to_node(decoded, (sets or {}).get)


def refused(pqf) -> tuple[int, str]:
    with pytest.raises(Diagnostic) as caught:
        node(pqf)
    return caught.value.code, caught.value.addinfo


# --- PQF -----------------------------------------------------------------------------------------


def test_pqf_terms_operators_and_sets():
    query = rpn.parse_pqf('@and @attr 1=4 "truyện kiều" @or @attr 1=1003 du @set s1')
    assert query.attribute_set == BIB1
    assert query.root == Operation(
        "and",
        AttrTerm((Attribute(1, 4),), "truyện kiều".encode()),
        Operation("or", AttrTerm((Attribute(1, 1003),), b"du"), SetRef("s1")),
    )


def test_pqf_attributes_before_an_operator_apply_to_both_operands():
    query = rpn.parse_pqf("@attr 1=4 @attr 5=1 @and kieu @attr 5=100 truyen")
    assert query.root.left.attributes == (Attribute(1, 4), Attribute(5, 1))
    assert set(query.root.right.attributes) == {Attribute(5, 100), Attribute(1, 4)}


def test_pqf_attribute_sets_term_types_and_escapes():
    query = rpn.parse_pqf(
        '@attrset bib-1 @attr gils 1=2000 @attr 1.2.840.10003.3.1 2=3 @term string "a \\"b\\""'
    )
    attrs = query.root.attributes
    assert attrs[0].set == rpn.ATTRIBUTE_SETS["gils"] and attrs[1].set == BIB1
    assert query.root.kind == "string" and query.root.term == b'a "b"'
    assert rpn.parse_pqf("@attr 1=12 @term numeric 42").root.term == 42
    assert rpn.parse_pqf("@attr 1=title x").root.attributes == (Attribute(1, "title"),)


@pytest.mark.parametrize(
    "pqf",
    ["", "@and a", "@attr", "@attr 1=", "@attr x=4 a", '"unterminated', "@foo a", "a b", "@attrset nope a",
     "@term numeric abc", "@set", "@attr nope 1=4 a", "@prox 0 1 0 2 k 2 a b"],
)  # fmt: skip
def test_bad_pqf_is_refused_with_a_reason(pqf):
    with pytest.raises(PQFError):
        rpn.parse_pqf(pqf)


# --- Use -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "use, index",
    [(4, "title"), (1003, "author"), (1, "author"), (2, "author"), (3, "author"), (7, "isbn"), (8, "issn"),
     (21, "subject"), (31, "date"), (12, "localno"), (1016, "any"), (1035, "any"), (1018, "publisher"),
     (5, "series"), (54, "language")],
)  # fmt: skip
def test_use_attributes(use, index):
    assert node(f"@attr 1={use} x").index == index


def test_no_use_searches_everywhere_and_string_uses_name_indexes():
    assert node("kieu") == T("any", "kieu")
    assert node("@attr 1=title kieu") == T("title", "kieu")
    assert refused("@attr 1=nonsense kieu") == (114, "nonsense")


def test_unsupported_use_names_the_value():
    assert refused("@attr 1=9999 x") == (114, "9999")


# --- relation, position, structure, truncation, completeness ----------------------------------


@pytest.mark.parametrize("value, relation", [(1, "<"), (2, "<="), (3, "="), (4, ">="), (5, ">"), (6, "<>")])
def test_relations_on_years(value, relation):
    assert node(f"@attr 1=31 @attr 2={value} 2000") == T("date", "2000", relation)


def test_relevance_is_equality_and_ordering_is_for_years_and_numbers_only():
    assert node("@attr 2=102 @attr 1=4 kieu") == T("title", "kieu")
    assert node("@attr 1=12 @attr 2=4 100") == T("localno", "100", ">=")
    assert refused("@attr 1=4 @attr 2=1 kieu") == (117, "1")
    assert refused("@attr 1=4 @attr 2=103 kieu") == (117, "103")


def test_positions_are_accepted_as_any_position():
    for value in (1, 2, 3):
        assert node(f"@attr 1=4 @attr 3={value} kieu") == T("title", "kieu")
    assert refused("@attr 1=4 @attr 3=4 kieu") == (119, "4")


@pytest.mark.parametrize(
    "value, relation",
    [(1, "adj"), (2, "="), (3, "=="), (6, "all"), (105, "all"), (106, "all"), (107, "="), (108, "adj"), (109, "=")],
)  # fmt: skip
def test_structures(value, relation):
    assert node(f'@attr 1=4 @attr 4={value} "truyen kieu"') == T("title", "truyen kieu", relation)


def test_year_structures_only_on_dates():
    assert node("@attr 1=31 @attr 4=4 1995") == T("date", "1995")
    assert node("@attr 1=31 @attr 4=5 1995") == T("date", "1995")
    assert refused("@attr 1=4 @attr 4=4 1995") == (118, "4")
    assert refused("@attr 1=4 @attr 4=100 x") == (118, "100")


@pytest.mark.parametrize("value, truncation", [(1, "right"), (2, "left"), (3, "both"), (100, "none")])
def test_truncations(value, truncation):
    assert node(f"@attr 1=4 @attr 5={value} kieu") == T("title", "kieu", "=", truncation)


def test_masks():
    # 101: # is any run of characters; 104 (Z39.58): # one character, ? any run.
    assert node("@attr 1=4 @attr 5=101 ki#u") == T("title", "ki*u", "=", "mask")
    assert node("@attr 1=4 @attr 5=104 ki#u") == T("title", "ki?u", "=", "mask")
    assert node("@attr 1=4 @attr 5=104 kie?") == T("title", "kie*", "=", "mask")
    assert node("@attr 1=4 @attr 5=104 kie?3") == T("title", "kie*", "=", "mask")
    assert node("@attr 1=4 @attr 5=101 kieu") == T("title", "kieu")  # no mask in the term: none


def test_regular_expressions_are_refused():
    assert refused("@attr 1=4 @attr 5=102 k.*") == (120, "102")
    assert refused("@attr 1=4 @attr 5=103 k.*") == (120, "103")


def test_completeness():
    assert node("@attr 1=4 @attr 6=1 kieu") == T("title", "kieu")
    assert node('@attr 1=4 @attr 6=2 "truyen kieu"') == T("title", "truyen kieu", "==")
    assert node('@attr 1=1003 @attr 6=3 "nguyen du"') == T("author", "nguyen du", "==")
    assert refused("@attr 1=4 @attr 6=4 kieu") == (122, "4")


def test_other_attribute_types_and_sets_are_refused():
    assert refused("@attr 7=1 @attr 1=4 kieu") == (113, "7")
    assert refused("@attr 9=20 kieu") == (113, "9")
    assert refused("@attr gils 1=4 kieu") == (121, "1.2.840.10003.3.5")
    assert refused("@attrset exp-1 @attr 1=1 kieu") == (121, "1.2.840.10003.3.2")


# --- operators, sets, terms ----------------------------------------------------------------------


def test_operators():
    assert node("@and @attr 1=4 a @attr 1=1003 b") == sq.Bool("and", T("title", "a"), T("author", "b"))
    assert node("@or a b") == sq.Bool("or", T("any", "a"), T("any", "b"))
    assert node("@not a b") == sq.Bool("not", T("any", "a"), T("any", "b"))


def test_proximity_is_refused():
    prox = ber.ctx(46, ber.cons(ber.CONTEXT, 3, ber.integer(1, 2, ber.CONTEXT)))
    left = rpn._encode_structure(AttrTerm((), b"a"), "utf-8")
    query = ber.cons(ber.CONTEXT, 1, ber.oid(BIB1), ber.cons(ber.CONTEXT, 1, left, left, prox))
    with pytest.raises(Diagnostic) as caught:
        bib1.to_node(rpn.decode_query(ber.decode(query)))
    assert caught.value.code == 110


def test_result_sets_as_operands():
    earlier = T("title", "kieu")
    assert node("@and @set s1 @attr 1=1003 du", {"s1": earlier}) == sq.Bool("and", earlier, T("author", "du"))
    with pytest.raises(Diagnostic) as caught:
        node("@set missing")
    assert (caught.value.code, caught.value.addinfo) == (30, "missing")


def test_terms():
    assert node("@attr 1=12 @term numeric 42") == T("localno", "42")
    assert refused("@attr 1=4 @term null x")[0] == 125
    assert refused('@attr 1=4 "   "')[0] == 125
    bad = rpn.RPNQuery(BIB1, AttrTerm((Attribute(1, 4),), b"\xff\xfe"))
    with pytest.raises(Diagnostic) as caught:
        bib1.to_node(bad)
    assert caught.value.code == 125


def test_other_query_types_are_refused():
    with pytest.raises(Diagnostic) as caught:
        rpn.decode_query(ber.decode(ber.octets(b"ti=kieu", 2, ber.CONTEXT)))
    assert caught.value.code == 107
    with pytest.raises(Diagnostic) as caught:
        rpn.decode_query(ber.decode(ber.cons(ber.CONTEXT, 1, ber.oid(BIB1))))
    assert caught.value.code == 108


def test_query_errors_of_the_shared_layer_become_bib1_diagnostics():
    term = T("date", "abc")
    assert bib1.diagnostic_for(sq.QueryError("term", "abc"), term).code == 126
    assert bib1.diagnostic_for(sq.QueryError("too_complex", "a"), T("title", "a", "=", "right")).code == 7
    assert bib1.diagnostic_for(sq.QueryError("too_complex", "terms"), term).code == 6
    assert bib1.diagnostic_for(sq.QueryError("truncation", "left"), term).code == 120


def test_every_benchmark_query_maps_without_a_diagnostic(corpus):
    for query in json.loads((corpus / "bench" / "queries_320.json").read_text()):
        assert node(query["pqf"]) is not None
