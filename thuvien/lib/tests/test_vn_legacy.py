import unicodedata

import pytest

from thuvien.lib import vn_legacy
from thuvien.lib.vn_legacy import (
    ENCODINGS,
    convert,
    decode,
    detect,
    encode,
    fix_mojibake,
    from_latin1_text,
    is_vietnamese_syllable,
)

# Every vowel letter with every tone (one sentence per letter), đ, and catalogue-like text.
SENTENCES = [
    "Bà ba bả rã cá tạ",
    "Ăn bằng thẳng lẵng bắt mặt",
    "Ân tầng ẩn dẫn tấm bậc",
    "Em xem bè trẻ vẽ bé mẹ",
    "Ê quê về để dễ thế bệnh",
    "Đi gì chỉ nghĩ ít chị",
    "To bò nhỏ rõ có họ",
    "Tôi hồ tổ chỗ số nội",
    "Mơ giờ ở vỡ lớn chợ",
    "Thu mù của cũ chú cụ",
    "Như từ sử chữ thứ sự",
    "Y kỳ thuỷ mỹ ý nguỵ",
    "Đặng Thuỳ Trâm, Nguyễn Đình Chiểu, Trường Đại học Quốc gia Hà Nội.",
    "Truyện Kiều / Nguyễn Du ; Nhà xuất bản Văn học, 2005.",
]
CAPITALS = [s.upper() for s in SENTENCES]
CATALOGUE = ["Truyện Kiều", "Nhà xuất bản Văn học", "Nguyễn Đình Chiểu", "Hà Nội", "Lịch sử Việt Nam"]


def vietnamese_letters() -> set[str]:
    letters = {"đ", "Đ"}
    for vowel in "aăâeêioôơuưy":
        for tone in ("", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323"):
            letter = unicodedata.normalize("NFC", vowel + tone)
            letters |= {letter, letter.upper()}
    return letters


def test_sentences_cover_every_letter_with_every_tone_in_both_cases():
    assert len(vietnamese_letters()) == 2 * (12 * 6 + 1)
    assert vietnamese_letters() <= set("".join(SENTENCES + CAPITALS))


def latin1(data: bytes) -> str:
    return data.decode("latin-1")


# --- tables and round trips ----------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["vni", "viscii", "viqr", "cp1258"])
@pytest.mark.parametrize("text", SENTENCES + CAPITALS)
def test_round_trip(encoding, text):
    assert decode(encode(text, encoding), encoding) == text


@pytest.mark.parametrize("text", SENTENCES)
def test_round_trip_tcvn3_small_letters(text):
    assert decode(encode(text, "tcvn3"), "tcvn3") == text


def test_tcvn3_capitals_with_tones_are_lossy():
    # TCVN3 has Ă Â Ê Ô Ơ Ư Đ but no toned capitals: their fonts draw the small-letter codes big.
    assert encode("Ấ", "tcvn3") == encode("ấ", "tcvn3") == b"\xca"
    assert decode(encode("ĂN ĐÊM", "tcvn3"), "tcvn3") == "ĂN ĐÊM"
    assert decode(encode("Hà Nội", "tcvn3"), "tcvn3") == "Hà Nội"
    # A word in capitals comes back in capitals; a word with one capital cannot tell.
    assert decode(encode("TRUYỆN KIỀU", "tcvn3"), "tcvn3") == "TRUYỆN KIỀU"
    assert decode(encode("HÀ NỘI", "tcvn3"), "tcvn3") == "Hà NỘI"


def test_every_encoding_decodes_to_nfc_and_keeps_ascii():
    ascii_text = bytes(range(0x20, 0x7F))
    for encoding in ENCODINGS:
        text = decode(encode("Nguyễn Đình Chiểu", encoding), encoding)
        assert unicodedata.is_normalized("NFC", text)
        if encoding != "viqr":  # VIQR is ASCII: its mnemonics are what it decodes
            assert decode(ascii_text, encoding) == ascii_text.decode("ascii")


def test_known_byte_values():
    assert encode("Hà Nội", "tcvn3") == b"H\xb5 N\xe9i"
    assert encode("Hà Nội", "vni") == b"Ha\xf8 No\xe4i"
    assert encode("Hà Nội", "viscii") == b"H\xe0 N\xb5i"
    assert encode("Hà Nội", "cp1258") == b"H\xe0 N\xf4\xf2i"
    assert encode("Hà Nội", "viqr") == b"Ha` No^.i"
    assert decode(b"Tr\xf6\xf4\xf8ng \xd1a\xefi ho\xefc", "vni") == "Trường Đại học"
    assert decode(b"Vie\xe4t Nam", "vni") == "Việt Nam"
    assert decode(bytes([0x02, 0x05, 0x06, 0x14, 0x19, 0x1E]), "viscii") == "ẲẴẪỶỸỴ"


def test_unassigned_bytes_read_as_windows_1252():
    assert decode(b"\x93\xa7\xb9i\x94", "tcvn3") == "“Đại”"
    assert encode("“Đại”", "tcvn3") == b"\x93\xa7\xb9i\x94"


def test_encode_refuses_what_the_encoding_cannot_write():
    with pytest.raises(UnicodeEncodeError):
        encode("東京", "vni")
    with pytest.raises(UnicodeEncodeError):
        encode("Łódź", "viqr")
    with pytest.raises(ValueError, match="unknown"):
        encode("x", "utf-7")
    with pytest.raises(ValueError, match="unknown"):
        decode(b"x", "tcvn")


def test_from_latin1_text_passes_other_characters_through():
    assert from_latin1_text("H\xb5 N\xe9i – 東京", "tcvn3") == "Hà Nội – 東京"
    assert from_latin1_text(latin1(encode("Việt Nam", "vni")), "vni") == "Việt Nam"


# --- VIQR ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("viqr", "text"),
    [
        ("Vie^.t Nam", "Việt Nam"),
        ("Nguye^~n DDi`nh Chie^?u", "Nguyễn Đình Chiểu"),
        ("Ha` No^.i.", "Hà Nội."),  # one tone per word: the last "." is a full stop
        ("To^i ye^u ba.n?", "Tôi yêu bạn?"),
        ("to^i.", "tôi."),  # a final "." on the glide i is no tone
        ("ba?", "bả"),
        ("thuy? hoa`", "thuỷ hoà"),
        ("qua? gia'", "quả giá"),
        ("ddi.a chi'", "địa chí"),
        ("a\\. d\\d \\\\", "a. dd \\"),  # backslash escapes
        ("HDDND DDHQG BDDS", "HĐND ĐHQG BĐS"),  # capital DD is always Đ
        ("ddi ddo^`ng", "đi đồng"),
        ("you're O'Brien, I'd add Buddha? e^x", "you're O'Brien, I'd add Buddha? êx"),
    ],
)
def test_viqr_decode(viqr, text):
    assert decode(viqr.encode("ascii"), "viqr") == text


def test_viqr_encode_escapes_what_would_read_as_a_mnemonic():
    assert encode("Hà Nội.", "viqr") == b"Ha` No^.i\\."
    assert encode("a(b) dđ \\", "viqr") == b"a\\(b) \\ddd \\\\"
    for text in ["a(b) dđ \\", "Who? a.b a^2", "Hà Nội.", "HĐND, BĐS", "add đi"]:
        assert decode(encode(text, "viqr"), "viqr") == text


# --- syllables ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "word",
    "Nguyễn Đình Chiểu Truyện Kiều nhà xuất bản HỌC hoà hòa thuý thúy khoẻ khỏe ngoài người rượu khuỷu "
    "quỳnh quýt giá gìn giếng của mía tiếng thuyền khuya ở ý yêu quốc Đắk Lắk".split(),
)
def test_vietnamese_syllables(word):
    assert is_vietnamese_syllable(word)


@pytest.mark.parametrize(
    "word",
    "hôì ngoìa tìêng gìa qúy cuả hêt mùt sẽc Müller café misérables Straße Jỹrgen ngi ce ka ghà Hoàà 2005".split(),
)
def test_not_vietnamese_syllables(word):
    assert not is_vietnamese_syllable(word)


# --- mojibake -----------------------------------------------------------------------------------------


def as_cp1252(text: str) -> str:
    """Return TEXT's UTF-8 bytes read as Windows-1252, undefined bytes as Latin-1 (as browsers do)."""
    return "".join(bytes([b]).decode("cp1252", "ignore") or chr(b) for b in text.encode("utf-8"))


@pytest.mark.parametrize("text", CATALOGUE + ["Les misérables", "Привет", "東京", "Café “Đà Lạt” – 2005"])
def test_fix_mojibake(text):
    assert as_cp1252(text) != text
    assert fix_mojibake(as_cp1252(text)) == text
    assert fix_mojibake(text.encode("utf-8").decode("latin-1")) == text
    assert fix_mojibake(as_cp1252(as_cp1252(text))) == text  # encoded twice


def test_fix_mojibake_example_and_partial_text():
    assert fix_mojibake("Nguyá»…n") == "Nguyễn"
    assert fix_mojibake("Nguyễn Du – Truyá»‡n Kiá»\x81u") == "Nguyễn Du – Truyện Kiều"


@pytest.mark.parametrize("text", ["Nguyễn Du", "Les misérables", "Müller", "plain", "voilà\u00a0»", "Ðµc"])
def test_fix_mojibake_leaves_good_text(text):
    assert fix_mojibake(text) is None


# --- detection ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["tcvn3", "vni", "viscii", "cp1258", "viqr"])
@pytest.mark.parametrize("text", CATALOGUE)
def test_detect_and_convert_legacy_catalogue_strings(encoding, text):
    legacy = latin1(encode(text, encoding))
    assert detect(legacy) == encoding
    assert convert(legacy, encoding) == text


@pytest.mark.parametrize("text", CATALOGUE)
def test_detect_mojibake(text):
    assert detect(as_cp1252(text)) == "mojibake"
    assert convert(as_cp1252(text), "mojibake") == text


def test_detect_a_whole_record_view_with_subfield_codes_glued_on():
    fields = ["Vũ Trọng Phụng, 1912-1939.", "Số đỏ : tiểu thuyết /", "Hà Nội : Nhà xuất bản Văn học, 2016."]
    for encoding in ("tcvn3", "vni", "viscii", "cp1258"):
        view = " ".join("10 a" + latin1(encode(field, encoding)) for field in fields)
        assert detect(view) == encoding


def test_legacy_bytes_that_happen_to_be_utf8_are_not_mojibake():
    viscii = latin1(encode("SỐ ĐỎ", "viscii"))  # "Ð\x99" is the UTF-8 of Cyrillic "Й"
    assert fix_mojibake(viscii) is None
    assert detect(viscii) == "viscii"


def test_detect_tells_close_readings_apart():
    assert detect(latin1(encode("Những ngôi sao xa xôi / Lê Minh Khuê", "viscii"))) == "viscii"
    assert detect(latin1(encode("Vũ Bằng", "tcvn3"))) == "tcvn3"
    assert detect(latin1(encode("TRUYỆN KIỀU", "tcvn3"))) == "tcvn3"
    assert detect(latin1(encode("Dế Mèn phiêu lưu ký", "tcvn3"))) == "tcvn3"


@pytest.mark.parametrize(
    "text",
    [
        "Les misérables",
        "Müller, Jürgen",
        "Łódź",
        "Dvořák",
        "שלום",
        "東京",
        "Café",
        "Is it? Yes. Really? I'm sure you're right.",
        "Who? Me? So? Ok.",
        "e.g. i.e. U.S.A. a.m.",
        "https://example.com/search?q=do+u&lang=en#top",
        "C++ and a+b; e^x; x^2",
        "DDO",
        "O'Brien and D'Angelo",
        "Où est la gare ? À côté du café.",
        "Sí, señor",
        "São Paulo : Companhia das Letras",
        "Straße",
        "Björk Guðmundsdóttir",
        "Þórbergur Þórðarson",
        "Sjálfstætt fólk / Halldór Laxness",
        "Crème brûlée à la française",
        "Pippi Långstrump",
        "Mañana, niño",
        "Hà Nội",
        "Nguyễn Đình Chiểu",
        "Bà già",
        "Tô Hoài",
        "",
    ],
)
def test_detect_leaves_real_unicode_alone(text):
    assert detect(text) is None


def test_detect_needs_more_than_one_ambiguous_word():
    # Single letters and single words are what stray Latin-1 text turns into most easily.
    assert detect("ä å æ ø") is None
    assert detect("Où") is None
    assert detect("lî wainhka kati lî kati wîs kati lî wainhka kati") is None  # one word, repeated


def test_convert_mojibake_that_is_not_returns_the_text():
    assert convert("Nguyễn Du", "mojibake") == "Nguyễn Du"


def test_encodings_constant():
    assert ENCODINGS == ("tcvn3", "vni", "viscii", "viqr", "cp1258")
    assert set(vn_legacy.__all__) >= {
        "decode",
        "encode",
        "detect",
        "convert",
        "fix_mojibake",
        "from_latin1_text",
    }
