"""The target's behaviour without sockets: search, present, result sets, piggybacked records, scan, sizes."""

import pymarc
import pytest
from lxml import etree

from thuvien.interop.z3950 import pdu, rpn, service
from thuvien.interop.z3950.diagnostics import Diagnostic
from thuvien.interop.z3950.service import Session, Target

pytestmark = pytest.mark.django_db

MARC = "{http://www.loc.gov/MARC21/slim}"


@pytest.fixture
def target(settings):
    settings.Z3950_AUTH = "none"
    return Target()


@pytest.fixture
def session(target):
    session = Session(1, "192.0.2.1")
    response = target.init(session, pdu.InitRequest(options={"search", "present", "namedResultSets"}))
    assert response.result
    return session


def search(target, session, pqf, name="default", **fields):
    request = pdu.SearchRequest(query=_query(pqf), result_set_name=name, **fields)
    return target.search(session, request)


def _query(pqf):
    from thuvien.interop.z3950 import ber

    return ber.decode(rpn.encode_query(rpn.parse_pqf(pqf)))


def present(target, session, start=1, count=10, name="default", syntax=None, esn=None):
    request = pdu.PresentRequest(name, start, count, element_set=esn, syntax=syntax)
    return target.present(session, request)


def titles(response):
    return [pymarc.Record(data=r.data, to_unicode=True, force_utf8=True).title for r in response.records]


def test_vietnamese_found_without_diacritics_and_presented_as_utf8_marc(target, session, catalogue):
    found = search(target, session, '@attr 1=4 "truyen kieu"')
    assert (found.status, found.count) == (True, 1)
    answer = present(target, session)
    (record,) = answer.records
    assert record.syntax == pdu.USMARC and record.database == "Default"
    assert record.data[9:10] == b"a"  # leader/09: UTF-8
    marc = pymarc.Record(data=record.data, to_unicode=True, force_utf8=True)
    assert marc["245"]["a"].startswith("Truyện Kiều") and marc["100"]["a"] == "Nguyễn Du"
    assert marc["852"] is not None  # the public copy
    assert (answer.returned, answer.next_position, answer.present_status) == (1, 2, pdu.SUCCESS)


def test_marcxml_dublin_core_and_sutrs(target, session, catalogue):
    search(target, session, '@attr 1=1003 @attr 4=1 @attr 6=3 "nguyen du"')
    xml = present(target, session, syntax=pdu.XML).records[0]
    root = etree.fromstring(xml.data)
    assert root.tag == f"{MARC}record" and "Truyện Kiều" in xml.data.decode()
    dc = present(target, session, syntax=pdu.XML, esn="dc").records[0]
    assert b"<dc:title>Truy" in dc.data
    sutrs = present(target, session, syntax=pdu.SUTRS).records[0]
    assert sutrs.syntax == pdu.SUTRS and "245 10 $a Truyện Kiều".encode() in sutrs.data


def test_records_nobody_may_see_are_never_found(target, session, catalogue):
    for pqf in ('"bi mat kho"', '"da xoa khoi kho"', '"ban trung lap"'):
        assert search(target, session, pqf).count == 0
    for name in ("SECRET", "GONE", "DUP"):
        assert search(target, session, f"@attr 1=12 {catalogue[name].pk}").count == 0
    assert search(target, session, f"@attr 1=12 {catalogue['KIEU'].pk}").count == 1


def test_a_record_hidden_after_the_search_comes_back_as_a_diagnostic(target, session, catalogue):
    from thuvien.catalog.actions import set_suppressed

    assert search(target, session, '@attr 1=4 "hoa binh"').count == 3
    set_suppressed(catalogue["HOABINH"], True)  # the index still holds it; the present must not
    answer = present(target, session, 1, 3)
    assert answer.returned == 3
    hidden = [r for r in answer.records if r.diagnostic is not None]
    assert [r.diagnostic.code for r in hidden] == [1028]
    assert "Hoà Bình quê tôi" not in titles(
        pdu.PresentResponse(records=[r for r in answer.records if r.data])
    )


def test_named_result_sets_replace_and_sets_as_operands(target, session, catalogue):
    assert search(target, session, '@attr 1=4 "hoa binh"', name="a").count == 3
    assert search(target, session, "@attr 1=31 2010", name="b").count == 1
    assert titles(present(target, session, name="b")) == ["Đường về Hòa Bình"]
    assert present(target, session, 1, 3, name="a").returned == 3
    kept = search(target, session, "kieu", name="a", replace=False)
    assert not kept.status and kept.diagnostics[0].code == 21
    both = search(target, session, "@and @set a @set b", name="c")
    assert both.count == 1
    missing = present(target, session, name="nope")
    assert missing.present_status == pdu.FAILURE and missing.diagnostics[0] == Diagnostic(30, "nope")
    deleted = target.delete(session, pdu.DeleteRequest(names=["a", "zzz"]))
    assert deleted.status == 9 and deleted.statuses == [("a", 0), ("zzz", 1)]
    assert target.delete(session, pdu.DeleteRequest(all=True)).status == 0
    assert not session.result_sets


def test_a_failed_search_drops_the_set_it_replaced(target, session, catalogue):
    search(target, session, "kieu", name="x")
    assert not search(target, session, "@attr 1=9999 kieu", name="x").status
    assert present(target, session, name="x").diagnostics[0].code == 30


def test_piggybacked_records(target, session, catalogue):
    small = search(target, session, '@attr 1=4 "hoa binh"', small_set_upper_bound=5, syntax=pdu.XML)
    assert (small.count, small.returned, small.next_position) == (3, 3, 4)
    assert all(r.syntax == pdu.XML for r in small.records)
    medium = search(
        target, session, '@attr 1=4 "hoa binh"', large_set_lower_bound=10, medium_set_present_number=2
    )
    assert medium.returned == 2 and medium.present_status == pdu.SUCCESS
    large = search(target, session, '@attr 1=4 "hoa binh"', large_set_lower_bound=2)
    assert large.returned == 0 and large.records is None
    unsupported = search(target, session, '@attr 1=4 "hoa binh"', small_set_upper_bound=5, syntax=pdu.UNIMARC)
    assert unsupported.status and unsupported.count == 3  # the search stands, without its records
    assert unsupported.present_status == pdu.FAILURE and unsupported.diagnostics[0].code == 239


def test_present_diagnostics(target, session, catalogue):
    search(target, session, '@attr 1=4 "hoa binh"')
    assert present(target, session, 4, 1).diagnostics[0].code == 13
    assert present(target, session, 0, 1).diagnostics[0].code == 13
    assert present(target, session, 1, 0).returned == 0
    assert present(target, session, syntax=pdu.UNIMARC).diagnostics[0] == Diagnostic(239, "1.2.840.10003.5.1")
    assert present(target, session, esn="X").diagnostics[0] == Diagnostic(25, "X")
    assert present(target, session, 2, 50).returned == 2  # past the end: what there is


def test_search_diagnostics(target, session, catalogue):
    def diag(pqf, **fields):
        answer = search(target, session, pqf, **fields)
        assert not answer.status and answer.result_set_status == 3
        return answer.diagnostics[0].code, answer.diagnostics[0].addinfo

    assert diag("kieu", databases=["Khac"]) == (235, "Khac")
    assert diag("@attr 1=4 @attr 5=2 k") == (7, "k")  # a one-letter left truncation would walk the index
    assert diag("@attr 1=31 abc") == (126, "abc")
    assert diag("kieu", name="") == (128, "")
    assert search(target, session, "kieu", databases=["default"]).status  # names are case-insensitive


def test_presents_are_cut_to_the_message_size(target, session, catalogue):
    search(target, session, "@attr 1=1016 @attr 5=1 h")  # all titles with an h-word
    session.preferred_message_size = 1500
    answer = present(target, session, 1, 5)
    assert 1 <= answer.returned < 5 and answer.present_status == pdu.PARTIAL_MESSAGE_SIZE
    session.exceptional_record_size = 100
    assert present(target, session, 1, 1).records[0].diagnostic.code == 16


def test_result_set_pages_beyond_the_first_window(target, session, catalogue, monkeypatch):
    monkeypatch.setattr(service, "FIRST_WINDOW", 1)
    found = search(target, session, "@attr 1=4 @attr 5=1 h")
    result_set = session.result_sets["default"]
    assert len(result_set.ids) == 1
    every = [r.data for r in present(target, session, 1, found.count).records]
    assert len(every) == found.count and len(result_set.ids) == found.count
    assert [r.data for r in present(target, session, 2, 1).records] == every[1:2]


def test_scan(target, session, catalogue):
    term = rpn.encode_attributes_plus_term(rpn.parse_pqf("@attr 1=4 hoa").root)
    from thuvien.interop.z3950 import ber

    answer = target.scan(session, pdu.ScanRequest(term=ber.decode(term), count=3, position=1))
    assert answer.entries[0] == (b"hoa", 3) and answer.returned == len(answer.entries) <= 3
    bad = target.scan(session, pdu.ScanRequest(term=ber.decode(term), count=3, step_size=2))
    assert bad.status == 6 and bad.diagnostics[0].code == 205
    use = rpn.encode_attributes_plus_term(rpn.parse_pqf("@attr 1=9999 hoa").root)
    assert target.scan(session, pdu.ScanRequest(term=ber.decode(use))).diagnostics[0].code == 114


def test_init_negotiates_utf8_only_when_proposed(target):
    session = Session(2, "192.0.2.2")
    plain = target.init(session, pdu.InitRequest(options={"search", "present", "sort"}))
    assert plain.charset is None and plain.options == {"search", "present"}
    proposed = target.init(
        Session(3, "192.0.2.2"),
        pdu.InitRequest(options={"search", "negotiationModel"}, charsets=["MARC-8", "UTF-8"]),
    )
    assert proposed.charset == "UTF-8" and "negotiationModel" in proposed.options
    refused = target.init(Session(4, "x"), pdu.InitRequest(options={"search"}, charsets=["MARC-8"]))
    assert refused.charset is None and "negotiationModel" not in refused.options
    v2 = target.init(Session(5, "x"), pdu.InitRequest(versions={1, 2}, preferred_message_size=10))
    assert v2.versions == {1, 2} and v2.preferred_message_size == service.MIN_MESSAGE
