import unicodedata

import pytest

from thuvien.lib.vn_text import (
    exact_key,
    fold,
    has_diacritics,
    name_variants,
    nfc,
    sort_key,
    strip_isbd,
    tokens,
)


def nfd(s: str) -> str:
    return unicodedata.normalize("NFD", s)


# --- nfc / fold -----------------------------------------------------------------------------------


def test_nfc_composes_decomposed_vietnamese():
    assert nfc(nfd("Nguyễn Đình Chiểu")) == "Nguyễn Đình Chiểu"
    assert len(nfc(nfd("ệ"))) == 1


@pytest.mark.parametrize("text", ["Hoà", "Hòa", "HÒA", "hoa", "HOA", nfd("Hoà"), nfd("HÒA")])
def test_fold_tone_placement_case_and_normal_form_agree(text):
    assert fold(text) == "hoa"


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Nguyễn Đình Chiểu", "nguyen dinh chieu"),
        ("Trường Đại học Sư phạm", "truong dai hoc su pham"),
        ("ĐẶNG THUỲ TRÂM", "dang thuy tram"),
        ("Ðại Ɖại ðại ɖại", "dai dai dai dai"),  # look-alikes of Đ/đ
        ("Les misérables", "les miserables"),
        ("Müller, Jürgen", "muller, jurgen"),
        ("Straße", "strasse"),
        ("Łódź", "lodz"),
        ("Dvořák", "dvorak"),
        ("Ærø", "aero"),
        ("Ελληνικά", "ελληνικα"),
        ("東京 한국어", "東京 한국어"),  # no marks to drop; Hangul recomposed
        ("がっこう", "がっこう"),  # kana voicing marks change the letter and stay
        ("क्षमा", "क्षमा"),  # virama and vowel signs stay
        ("Truyện Kiều – “Đoạn trường”", "truyen kieu – “doan truong”"),
        ("plain ASCII Text", "plain ascii text"),
        ("", ""),
    ],
)
def test_fold(text, folded):
    assert fold(text) == folded


def test_fold_is_idempotent():
    for text in ["Nguyễn", "Łódź", "Straße", "Ελληνικά", "がっこう", "Ðại"]:
        assert fold(fold(text)) == fold(text)


# --- exact_key ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("hòa", "hoà"),
        ("hóa", "hoá"),
        ("hỏa", "hoả"),
        ("hõa", "hoã"),
        ("họa", "hoạ"),
        ("khỏe", "khoẻ"),
        ("hòe", "hoè"),
        ("thủy", "thuỷ"),
        ("túy", "tuý"),
        ("tùy", "tuỳ"),
        ("lũy", "luỹ"),
        ("ngụy", "nguỵ"),
        ("ngòai", "ngoài"),  # misplaced in a closed syllable too
        ("khủyu", "khuỷu"),
    ],
)
def test_exact_key_puts_the_tone_on_the_main_vowel(old, new):
    assert exact_key(old) == exact_key(new) == new
    assert exact_key(old.upper()) == new
    assert exact_key(nfd(old.capitalize())) == new


@pytest.mark.parametrize(
    "word",
    [
        "quý",
        "quí",
        "quỳ",
        "quỷ",
        "gìn",
        "giữ",
        "của",
        "mùa",
        "túi",
        "mũi",
        "hoàng",
        "thuyền",
        "tuyết",
        "khuya",
    ],
)
def test_exact_key_leaves_other_syllables_alone(word):
    assert exact_key(word) == word
    assert exact_key(word.upper()) == word


def test_exact_key_keeps_diacritics_and_folds_case():
    assert exact_key("Nguyễn Đình CHIỂU") == "nguyễn đình chiểu"
    assert exact_key("Ðại") == "đại"
    assert exact_key("Hoa") == "hoa" != exact_key("Hoà")
    assert exact_key("Straße") == "strasse"


# --- has_diacritics -------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["Hà Nội", "đi", "ĐI", nfd("Việt"), "café", "Ðại", "Łódź", "Ærø"])
def test_has_diacritics(text):
    assert has_diacritics(text)


@pytest.mark.parametrize("text", ["Ha Noi", "", "Straße", "東京", "Æther", "がっこう"])
def test_has_no_diacritics(text):
    assert not has_diacritics(text)


# --- tokens ---------------------------------------------------------------------------------------


def test_tokens_split_on_punctuation_and_keep_vietnamese_letters_and_case():
    assert tokens("Truyện Kiều / Nguyễn Du ; Nxb. Văn học, 2005.") == [
        "Truyện",
        "Kiều",
        "Nguyễn",
        "Du",
        "Nxb",
        "Văn",
        "học",
        "2005",
    ]


def test_tokens_normalise_to_nfc_and_keep_marks_inside_words():
    assert tokens(nfd("Việt Nam")) == ["Việt", "Nam"]
    assert tokens("क्षमा करें") == ["क्षमा", "करें"]
    assert tokens("Hà-Nội_2") == ["Hà", "Nội", "2"]
    assert tokens("Tsʻung-shu") == ["Tsʻung", "shu"]  # ʻ is a modifier letter
    assert tokens("") == []


# --- sort_key -------------------------------------------------------------------------------------


def test_sort_key_is_ascii_digits_only_and_truncated():
    for text in ["Nguyễn Du", "東京", "Ελλάδα", "Łódź 1984", "!!!", "x" * 500]:
        key = sort_key(text)
        assert key == "" or key.isdigit()
        assert key.isascii() and len(key) <= 255
    assert len(sort_key("Truyện Kiều " * 20, max_len=64)) == 64
    assert sort_key("Truyện Kiều " * 20, max_len=64) == sort_key("Truyện Kiều " * 20)[:64]


def test_sort_key_letter_order():
    alphabet = "a ă â b c d đ e ê f g h i j k l m n o ô ơ p q r s t u ư v w x y z".split()
    assert sorted(reversed(alphabet), key=sort_key) == alphabet


def test_sort_key_tones_none_huyen_hoi_nga_sac_nang():
    words = ["ma", "mà", "mả", "mã", "má", "mạ"]
    assert sorted(reversed(words), key=sort_key) == words


def test_sort_key_compares_syllable_by_syllable():
    # A Vietnamese dictionary: every "ma ..." entry, then "mà", ..., then "mai".
    ordered = ["ma", "ma da", "ma túy", "mà", "mà cả", "mả", "mã", "má", "mạ", "mác", "mạc", "mai", "man"]
    assert sorted(reversed(ordered), key=sort_key) == ordered


def test_sort_key_ignores_case_punctuation_and_tone_position():
    assert sort_key("Hà Nội") == sort_key("hà nội") == sort_key("...Hà-Nội!") == sort_key("[HÀ NỘI]")
    assert sort_key("hoà") == sort_key("hòa") == sort_key(nfd("Hoà"))
    assert sort_key("Đà Lạt") == sort_key("Ðà Lạt")


def test_sort_key_digits_first_and_numeric():
    ordered = ["2 ông", "10 bà", "1984", "Anh", "Ăn", "Âm", "Đà Lạt", "Zorro", "Ελλάδα", "東京"]
    assert sorted(reversed(ordered), key=sort_key) == ordered
    assert sort_key("Tập 2") < sort_key("Tập 10")


def test_sort_key_of_other_latin_letters():
    assert sort_key("école") > sort_key("ecole")  # the accent decides only after the letters
    assert sort_key("école") < sort_key("ecoles")
    assert sort_key("Straße") == sort_key("strasse")


# --- strip_isbd -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Truyện Kiều /", "Truyện Kiều"),
        ("Hà Nội :", "Hà Nội"),
        ("Tập 1 ;", "Tập 1"),
        ("Văn học,", "Văn học"),
        ("Title =", "Title"),
        ("2005.", "2005"),
        ("24 cm.", "24 cm"),
        ("  Nguyễn Du, ", "Nguyễn Du"),
        ("Nxb.", "Nxb."),
        ("Tp.", "Tp."),
        ("Smith, J.", "Smith, J."),
        ("H. :", "H."),
        ("v.v.", "v.v."),
        ("Chờ đợi...", "Chờ đợi..."),
        ("Nguyễn Du.", "Nguyễn Du"),
        ("", ""),
    ],
)
def test_strip_isbd(raw, clean):
    assert strip_isbd(raw) == clean


# --- name_variants --------------------------------------------------------------------------------


def test_name_variants_of_a_vietnamese_name():
    assert name_variants("Nguyễn Minh Châu") == ["Nguyễn Minh Châu", "Châu", "Minh Châu Nguyễn"]


@pytest.mark.parametrize(
    "heading", ["Nguyễn Du,", "Nguyễn Du, 1765-1820.", "Nguyễn Du, dịch", "  Nguyễn  Du ,"]
)
def test_name_variants_drop_marc_punctuation_dates_and_roles(heading):
    assert name_variants(heading) == ["Nguyễn Du", "Du", "Du Nguyễn"]


def test_name_variants_de_invert_western_names():
    assert name_variants("Smith, John") == ["Smith, John", "John Smith", "Smith"]
    assert name_variants("Smith, John, 1950-") == ["Smith, John", "John Smith", "Smith"]


def test_name_variants_read_an_inverted_vietnamese_name_in_direct_order():
    assert name_variants("Nguyễn, Minh Châu") == ["Nguyễn Minh Châu", "Châu", "Minh Châu Nguyễn"]


def test_name_variants_of_a_single_name_and_nothing():
    assert name_variants("Aristotle") == ["Aristotle"]
    assert name_variants(nfd("Huệ")) == ["Huệ"]
    assert name_variants("") == []
    assert name_variants(" , ") == []
