import unicodedata

import pytest
from pymarc.marc8 import marc8_to_unicode

from thuvien.interop.marc import read_marc
from thuvien.interop.marc.marc8 import decode_marc8, decode_marc8_counted, encode_marc8

from .conftest import corpus_path


def nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


@pytest.mark.parametrize(
    "text",
    [
        "Truyện Kiều",
        "Thơ Hồ Xuân Hương",
        "Đoàn Giỏi — Đất rừng phương Nam",
        "ỚỜỞỠỢ ớờởỡợ ỨỪỬỮỰ ứừửữự",
        "Привет, мир! Йод ёж Ґ ї",
        "שָׁלוֹם עֲלֵיכֶם",
        "مرحبا بالعالم، كتاب",
        "中文書名 日本語 한국어 함석헌",
        "αβγ Ελληνικά ά",
        "H₂O x² ℓ ♭ ♯ © ℗ ®",
        "Øresund Łódź Œuvre Þór ð ı ß €",
        "",
    ],
)
def test_round_trip_scripts(text):
    assert decode_marc8(encode_marc8(text)) == nfc(text)


def test_vietnamese_bytes_follow_marc8_rules():
    # ơ/ư/Ơ/Ư and đ/Đ are ANSEL letters; tone marks come before the base letter.
    assert encode_marc8("ơ ư Ơ Ư đ Đ") == b"\xbc \xbd \xac \xad \xb3 \xa3"
    assert encode_marc8("Thơ") == b"Th\xbc"
    assert encode_marc8("ớ") == b"\xe2\xbc"  # acute, then ơ
    assert encode_marc8("ệ") == b"\xf2\xe3e"  # dot below, circumflex, then e
    # NFD input gives the same bytes as NFC input.
    assert encode_marc8(unicodedata.normalize("NFD", "Thư viện")) == encode_marc8("Thư viện")


def test_escapes_return_to_default_sets():
    out = encode_marc8("Йод")
    assert out.startswith(b"\x1b(N") and out.endswith(b"\x1b(B")
    out = encode_marc8("ёж")  # ё lives in Extended Cyrillic (G1)
    assert b"\x1b)Q" in out and out.endswith(b"\x1b)E")
    out = encode_marc8("x²")
    assert out == b"x\x1bp2\x1bs"  # technique-1 set, back with ESC s
    assert encode_marc8("中 文").count(b"\x1b(B") == 2  # the space is written in ASCII


def test_unrepresentable_characters_become_references():
    assert encode_marc8("a\u0358b") == b"a&#x0358;b"  # a combining mark MARC-8 lacks
    assert encode_marc8("\U0001f600") == b"&#x1F600;"
    assert decode_marc8(b"a&#x0358;b") == "a\u0358b"
    assert decode_marc8(b"&#x1F600;") == "\U0001f600"
    # An orphan combining mark (no base before it) must keep its place.
    assert decode_marc8(encode_marc8("\u0301x")) == "\u0301x"


def test_literal_reference_text_survives():
    text = "See &#x41; and &amp;"
    assert decode_marc8(encode_marc8(text)) == text


def test_delimiters_never_written_raw():
    out = encode_marc8("a\x1fb\x1ec\x1dd\x1be")
    assert not set(out) & {0x1B, 0x1D, 0x1E, 0x1F}
    assert decode_marc8(out) == "a\x1fb\x1ec\x1dd\x1be"


def test_decoder_counts_unknown_bytes():
    text, bad = decode_marc8_counted(b"ab\xffc")
    assert text == "ab\ufffdc" and bad == 1
    assert decode_marc8_counted(b"abc") == ("abc", 0)


def test_decoder_keeps_ansel_nonsort_marks():
    assert decode_marc8(b"\x88The\x89 book") == "\u0098The\u009c book"
    assert encode_marc8("\u0098The\u009c book") == b"\x88The\x89 book"


def test_decoder_matches_lc_reference_lines():
    """pymarc's test_marc8.txt / test_utf8.txt: 1,515 LC lines (Arabic, Hebrew, CJK, ...)."""
    marc8_lines = corpus_path("pymarc/test/test_marc8.txt").read_bytes().split(b"\n")
    utf8_lines = corpus_path("pymarc/test/test_utf8.txt").read_text("utf-8").split("\n")
    assert len(marc8_lines) == len(utf8_lines) > 1500
    same_bytes = 0
    for raw, expected in zip(marc8_lines, utf8_lines, strict=True):
        assert decode_marc8(raw) == nfc(expected)
        encoded = encode_marc8(nfc(expected))
        assert decode_marc8(encoded) == nfc(expected)
        same_bytes += encoded == raw
    # The rest differ only in which of two EACC codes for one character is used.
    assert same_bytes >= 1490


def test_decoder_agrees_with_pymarc_on_marc8_corpus():
    """Same text as pymarc's MARC8ToUnicode on real MARC-8 records, except documented cases."""
    checked = 0
    for name in (
        "solrmarc/test/data/records/uva_001_2000.mrc",
        "evergreen/Open-ILS/tests/datasets/jazz_1k.mrc",
        "marc4j/test/resources/brkrtest.mrc",
        "marc-perl/marc-charset/t/hebrew1.marc",
        "marc-perl/marc-charset/t/cjk1.marc",
    ):
        data = corpus_path(name).read_bytes()
        for chunk in data.split(b"\x1d"):
            for fieldbytes in chunk.split(b"\x1e")[1:]:
                for part in fieldbytes.split(b"\x1f")[1:]:
                    value = part[1:]
                    mine, bad = decode_marc8_counted(value)
                    if (
                        bad
                        or any(b < 0x20 or 0x80 <= b < 0xA0 for b in value if b != 0x1B)
                        or b"&#x" in value
                    ):
                        continue  # documented differences: unknown bytes, controls, NSB/NSE, references
                    assert mine == marc8_to_unicode(value, True), value
                    checked += 1
    assert checked > 10000


def test_every_corpus_string_round_trips(corpus):
    """decode(encode(s)) == NFC(s) for every distinct control field and subfield in the corpus."""
    seen = set()
    for path in sorted(p for p in corpus.rglob("*") if p.is_file()):
        for item in read_marc(path):
            if not item.ok:
                continue
            for f in item.record.fields:
                for value in [f.data] if f.control_field else [s.value for s in f.subfields]:
                    if value in seen:
                        continue
                    seen.add(value)
                    assert decode_marc8(encode_marc8(value)) == nfc(value), (path.name, value)
    assert len(seen) > 100000
