"""The APDUs both ways, charset negotiation as YAZ sends it, and diagnostics where clients look for them."""

import pytest

from thuvien.interop.z3950 import ber, pdu, rpn
from thuvien.interop.z3950.diagnostics import Diagnostic

# The Init yaz-client 5.34 sends after `charset UTF-8` (captured from the wire).
YAZ_INIT = bytes.fromhex(
    "b477830200e0840400e9a2408504040000008604040000009f6e0238319f6f0359415a9f702f352e33342e30206465633063"
    "3861306237363231333234363863633832363463316232323065616531633637626437bf814920301ea41c06072a8648ce13"
    "0f03a011a10fa10aa208820628d316010008830101"
)


def round_trip(encoded: bytes):
    return pdu.decode_pdu(encoded)


def test_the_init_yaz_client_sends():
    request = pdu.decode_pdu(YAZ_INIT)
    assert isinstance(request, pdu.InitRequest)
    assert request.versions == {1, 2, 3}
    assert {"search", "present", "scan", "namedResultSets", "negotiationModel"} <= request.options
    assert request.implementation_name == "YAZ" and request.preferred_message_size == 64 * 1024 * 1024
    assert request.charsets == ["UTF-8"] and request.records_in_selected_charsets is True


@pytest.mark.parametrize(
    "auth",
    [pdu.Auth("open", "thu", "mat/khau"), pdu.Auth("idPass", "thu", "mk", "nhom"), pdu.Auth("anonymous")],
)
def test_init_request_round_trip(auth):
    request = pdu.InitRequest(
        reference_id=b"r1",
        options={"search", "present"},
        auth=auth,
        implementation_name="thử",
        charsets=["UTF-8", "MARC-8"],
        records_in_selected_charsets=True,
    )
    decoded = round_trip(pdu.encode_init_request(request))
    assert decoded == request


def test_init_response_round_trip_with_charset_and_refusal():
    response = pdu.InitResponse(
        reference_id=b"r",
        options={"search", "present", "namedResultSets"},
        implementation_name="thuvien",
        charset="UTF-8",
        records_in_selected_charsets=True,
    )
    assert round_trip(pdu.encode_init_response(response)) == response
    refused = pdu.InitResponse(result=False, diagnostic=Diagnostic(1011, "locked"))
    assert round_trip(pdu.encode_init_response(refused)) == refused


def test_search_request_round_trip():
    query = rpn.encode_query(rpn.parse_pqf('@attr 1=4 "truyện kiều"'))
    request = pdu.SearchRequest(
        query=query,
        reference_id=b"s",
        small_set_upper_bound=5,
        large_set_lower_bound=10,
        medium_set_present_number=2,
        replace=False,
        result_set_name="tap-1",
        databases=["Default"],
        small_set_element_set="F",
        medium_set_element_set="B",
        syntax=pdu.USMARC,
    )
    decoded = round_trip(pdu.encode_search_request(request))
    assert decoded.query.cls == ber.CONTEXT and decoded.query.tag == 1
    assert rpn.decode_query(decoded.query) == rpn.parse_pqf('@attr 1=4 "truyện kiều"')
    decoded.query = query
    assert decoded == request


def test_search_and_present_responses_with_records_and_diagnostics():
    records = [
        pdu.NamePlusRecord("Default", pdu.USMARC, b"00026nam a2200025 a 4500\x1e\x1d"),
        pdu.NamePlusRecord("Default", diagnostic=Diagnostic(1028, "")),
        pdu.NamePlusRecord("Default", pdu.SUTRS, "LDR …".encode()),
    ]
    search = pdu.SearchResponse(
        reference_id=b"x", count=3, returned=3, next_position=4, present_status=0, records=records
    )
    assert round_trip(pdu.encode_search_response(search)) == search
    failed = pdu.SearchResponse(
        count=0, status=False, result_set_status=3, diagnostics=[Diagnostic(114, "9999")]
    )
    assert round_trip(pdu.encode_search_response(failed)) == failed
    present = pdu.PresentResponse(returned=1, next_position=2, records=records[:1])
    assert round_trip(pdu.encode_present_response(present)) == present
    several = pdu.PresentResponse(
        present_status=5, diagnostics=[Diagnostic(13, "9+1"), Diagnostic(239, "1.2")]
    )
    assert round_trip(pdu.encode_present_response(several)) == several


def test_present_request_round_trip_and_unsupported_parts():
    request = pdu.PresentRequest("tap-1", 3, 10, element_set="F", syntax=pdu.XML)
    assert round_trip(pdu.encode_present_request(request)) == request
    # The same request with additionalRanges, which this target does not support.
    body = ber.decode(pdu.encode_present_request(request)).kids()
    ranges = ber.cons(
        ber.CONTEXT, 212, ber.seq(ber.integer(1, 1, ber.CONTEXT), ber.integer(2, 2, ber.CONTEXT))
    )
    encoded = ber.cons(ber.CONTEXT, pdu.PRESENT_REQUEST, *(_reencode(k) for k in body), ranges)
    assert round_trip(encoded).refusal.code == 243


def _reencode(element):
    if not element.constructed:
        return ber.tlv(element.cls, element.tag, element.content)
    return ber.cons(element.cls, element.tag, *(_reencode(k) for k in element.kids()))


def test_scan_delete_and_close_round_trips():
    term = rpn.encode_attributes_plus_term(rpn.parse_pqf("@attr 1=4 kieu").root)
    request = pdu.ScanRequest(term=term, attribute_set=rpn.BIB1, step_size=0, count=5, position=1)
    decoded = round_trip(pdu.encode_scan_request(request))
    assert rpn.decode_attributes_plus_term(decoded.term) == rpn.parse_pqf("@attr 1=4 kieu").root
    assert (decoded.count, decoded.position, decoded.step_size) == (5, 1, 0)
    response = pdu.ScanResponse(
        step_size=0, returned=2, position=1, entries=[(b"kieu", 3), ("kiều".encode(), 1)]
    )
    assert round_trip(pdu.encode_scan_response(response)) == response
    failed = pdu.ScanResponse(status=6, diagnostics=[Diagnostic(114, "9")])
    assert round_trip(pdu.encode_scan_response(failed)) == failed

    delete = ber.cons(
        ber.CONTEXT,
        pdu.DELETE_REQUEST,
        ber.integer(0, 32, ber.CONTEXT),
        ber.seq(ber.string("a", 31, ber.CONTEXT)),
    )
    assert round_trip(delete) == pdu.DeleteRequest(all=False, names=["a"])
    close = pdu.Close(pdu.PROTOCOL_ERROR, reference_id=b"c", message="malformed APDU")
    assert round_trip(pdu.encode_close(close)) == close


@pytest.mark.parametrize(
    "data",
    [
        ber.seq(ber.integer(1)),  # universal, not an APDU
        ber.cons(ber.CONTEXT, 43, ber.null()),  # sort: not spoken here
        ber.cons(ber.CONTEXT, pdu.INIT_REQUEST, ber.integer(1, 5, ber.CONTEXT)),  # fields missing
        ber.cons(
            ber.CONTEXT,
            pdu.PRESENT_REQUEST,
            ber.string("x", 31, ber.CONTEXT),
            ber.boolean(True, 30, ber.CONTEXT),
        ),
        ber.tlv(ber.CONTEXT, pdu.CLOSE, b"\x00"),  # primitive
    ],
)
def test_what_is_not_an_apdu_raises_protocol_error(data):
    with pytest.raises((pdu.ProtocolError, ber.BERError)):
        pdu.decode_pdu(data)


def test_apdu_tag_for_logs():
    assert pdu.apdu_tag(YAZ_INIT) == 20
    assert pdu.apdu_tag(pdu.encode_close(pdu.Close())) == 48
    assert pdu.apdu_tag(b"\x30\x00") is None
