"""The BER codec: values both ways, the limits, and the framer that cuts a stream into APDUs."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from thuvien.interop.z3950 import ber
from thuvien.interop.z3950.ber import CONTEXT, UNIVERSAL, BERError


@given(st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_integers_round_trip(value):
    assert ber.decode(ber.integer(value)).integer() == value


def test_integers_use_the_fewest_octets():
    assert ber.integer(0) == b"\x02\x01\x00"
    assert ber.integer(127) == b"\x02\x01\x7f"
    assert ber.integer(128) == b"\x02\x02\x00\x80"
    assert ber.integer(-1) == b"\x02\x01\xff"
    assert ber.integer(-129) == b"\x02\x02\xff\x7f"


@given(
    st.lists(st.integers(min_value=0, max_value=2**32), min_size=1, max_size=12), st.sampled_from([0, 1, 2])
)
def test_object_identifiers_round_trip(tail, first):
    second = tail[0] % 40 if first < 2 else tail[0]
    arcs = (first, second, *tail[1:])
    assert ber.decode(ber.oid(arcs)).oid() == arcs


def test_well_known_oids():
    assert ber.oid((1, 2, 840, 10003, 5, 10)) == bytes.fromhex("06072a8648ce13050a")
    assert ber.decode(bytes.fromhex("06072a8648ce13050a")).oid() == (1, 2, 840, 10003, 5, 10)


@given(st.lists(st.booleans(), max_size=40))
def test_bit_strings_round_trip(flags):
    assert ber.decode(ber.bits(flags)).bits() == flags


@given(st.binary(max_size=3000), st.integers(min_value=0, max_value=600))
def test_octet_strings_and_high_tags_round_trip(value, tag):
    element = ber.decode(ber.octets(value, tag, CONTEXT))
    assert (element.cls, element.tag, element.octets()) == (CONTEXT, tag, value)


nested = st.recursive(
    st.binary(max_size=20).map(lambda b: ber.octets(b)),
    lambda children: st.lists(children, max_size=4).map(lambda parts: ber.seq(*parts)),
    max_leaves=20,
)


@given(nested)
def test_any_tree_decodes_to_what_was_encoded(encoded):
    def reencode(element):
        if element.constructed:
            return ber.seq(*(reencode(k) for k in element.kids()))
        return ber.octets(element.content)

    assert reencode(ber.decode(encoded)) == encoded


def test_booleans_and_null():
    assert ber.decode(ber.boolean(True)).boolean() is True
    assert ber.decode(b"\x01\x01\x01").boolean() is True  # any non-zero octet is true in BER
    assert ber.decode(ber.boolean(False)).boolean() is False
    assert ber.decode(ber.null()).null() is None


def test_indefinite_lengths_and_segmented_strings_as_clients_send_them():
    # SEQUENCE { OCTET STRING "ab" (in two segments, indefinite), INTEGER 5 } with an indefinite length.
    data = bytes.fromhex("3080" + "2480" + "040161" + "040162" + "0000" + "020105" + "0000")
    element = ber.decode(data)
    first, second = element.kids()
    assert first.octets() == b"ab" and second.integer() == 5


def test_external_both_encodings():
    octets = ber.read_external(ber.decode(ber.external((1, 2, 3), octet_aligned=b"MARC")))
    assert octets.direct == (1, 2, 3) and octets.octet_aligned == b"MARC"
    single = ber.read_external(ber.decode(ber.external((1, 2, 4), single=ber.integer(7))))
    assert single.direct == (1, 2, 4) and single.single.integer() == 7


@pytest.mark.parametrize(
    "data, why",
    [
        (b"", "empty"),
        (b"\x04", "tag without a length"),
        (b"\x04\x05abc", "length past the end"),
        (b"\x04\x84\xff\xff\xff\xff", "absurd length"),
        (b"\x04\x85\x00\x00\x00\x00\x01x", "length field too long"),
        (b"\x04\xffabc", "reserved length octet"),
        (b"\x04\x80ab\x00\x00", "indefinite primitive"),
        (b"\x30\x80\x04\x01a", "indefinite without end-of-contents"),
        (b"\x04\x01ab", "trailing bytes"),
        (b"\x1f\x80\x01\x00", "tag with a leading 0x80"),
        (b"\x1f\xff\xff\xff\xff\x7f\x00", "tag number too large"),
        (b"\x30\x03\x04\x05a", "child longer than its parent"),
    ],
)
def test_malformed_input_raises_the_one_error(data, why):
    with pytest.raises(BERError):
        ber.decode(data)


def test_values_are_checked():
    with pytest.raises(BERError):
        ber.decode(b"\x02\x00").integer()
    with pytest.raises(BERError):
        ber.decode(b"\x02\x09" + b"\x01" * 9).integer()  # past 8 octets
    with pytest.raises(BERError):
        ber.decode(b"\x01\x02\x00\x00").boolean()
    with pytest.raises(BERError):
        ber.decode(b"\x06\x02\x2a\x86").oid()  # last arc unfinished
    with pytest.raises(BERError):
        ber.decode(b"\x03\x01\x08").bits()  # 8 unused bits


def test_nesting_and_element_count_are_bounded():
    deep = ber.octets(b"x")
    for _ in range(ber.MAX_DEPTH + 5):
        deep = ber.seq(deep)
    with pytest.raises(BERError, match="deep"):
        ber.decode(deep)
    many = ber.seq(*([ber.null()] * 50))
    with pytest.raises(BERError, match="too many"):
        ber.decode(many, max_elements=10)


def test_framer_cuts_a_stream_into_messages():
    one, two = ber.seq(ber.integer(1)), ber.ctx(20, ber.octets(b"x" * 300))
    framer = ber.Framer(1024)
    stream = one + two
    for i in range(0, len(stream), 7):  # arriving in dribbles
        framer.feed(stream[i : i + 7])
    assert framer.next() == one
    assert framer.next() == two
    assert framer.next() is None and not framer.pending


def test_framer_waits_for_the_rest_of_a_message():
    message = ber.seq(ber.octets(b"y" * 200))
    framer = ber.Framer(1024)
    framer.feed(message[:3])
    assert framer.next() is None and framer.pending
    framer.feed(message[3:])
    assert framer.next() == message


def test_framer_refuses_an_absurd_length_before_reading_it():
    framer = ber.Framer(1024)
    framer.feed(b"\xb4\x84\x7f\xff\xff\xff")  # an Init announcing 2 GiB
    with pytest.raises(BERError, match="over the limit"):
        framer.next()


def test_framer_bounds_indefinite_lengths():
    framer = ber.Framer(100)
    framer.feed(b"\xb4\x80" + b"\x04\x01a" * 40)  # never ends, past the limit
    with pytest.raises(BERError):
        framer.next()
    framer = ber.Framer(100)
    message = b"\xb4\x80\x04\x01a\x00\x00"
    framer.feed(message + b"\x30")
    assert framer.next() == message


def test_element_helpers():
    element = ber.decode(
        ber.seq(ber.integer(1, 5, CONTEXT), ber.octets(b"x", 6, CONTEXT), ber.integer(2, 5, CONTEXT))
    )
    assert element.fields()[(CONTEXT, 5)].integer() == 1  # the first of a tag wins
    assert element.find(CONTEXT, 6).octets() == b"x"
    assert element.find(UNIVERSAL, 2) is None
    with pytest.raises(BERError):
        element.only()
    with pytest.raises(BERError):
        element.kids()[0].kids()
