"""The index analysis takes shortcuts (tokens, ASCII, caches): they must give what vn_text gives."""

import random

import pytest

from thuvien.interop.marc import extract, read_marc
from thuvien.lib.vn_text import exact_key, fold, tokens
from thuvien.search import analysis


def reference_folded(text):
    return " ".join(tokens(fold(text))) if text else ""


def reference_exact(text):
    return " ".join(tokens(exact_key(text))) if text else ""


SAMPLES = [
    "",
    "Truyện Kiều : tiểu thuyết / Nguyễn Du",
    "HOÀ BÌNH, hòa bình; THUÝ KIỀU",
    "Đại Việt sử ký toàn thư",
    "Łódź — Ærø, Straße, İstanbul",
    "snake_case and under_scores_",
    "a \u0301 lone mark, n\u0303 decomposed, \u0345 and \u034f",
    "Ελληνικά, русский, 中文, 日本語のテキスト, 한국어, हिन्दी, العربية",
    "½ ² № ™ ﬁ ﬀ",
    "tab\tnew\nline\u00a0nbsp\u2000en\u2028sep",
    "123-456 ISBN 978-604-1-00000-0",
]


def corpus_texts(corpus, limit=3000):
    texts = []
    for entry in read_marc(corpus / "marc/_derived/real_bib_5349_utf8.mrc"):
        ex = extract(entry.record)
        texts += [ex.any_text, ex.title, *ex.authors, *ex.subjects]
        if len(texts) > limit:
            break
    for entry in read_marc(corpus / "marc/synthetic-vietnamese/vi_synthetic_utf8_nfd.mrc"):
        if entry.ok:
            texts.append(extract(entry.record).any_text)
    return texts


def random_texts(n=20000):
    rnd = random.Random(2026)
    alphabet = [chr(c) for c in [*range(32, 127), *range(0xC0, 0x250), *range(0x300, 0x370)]]
    alphabet += [chr(0x1EA0 + i) for i in range(90)] + list("αжज़ゕ\u3099한\u00a0\u2000\u2028\u0085\x1f_ßİKÅ")
    return ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 30))) for _ in range(n)]


def test_tokens_shortcuts_agree_with_vn_text(corpus):
    for text in SAMPLES + corpus_texts(corpus) + random_texts():
        for form in (text, fold(text), exact_key(text)):
            assert analysis._tokens(form) == tokens(form), repr(form)


def test_folded_and_exact_agree_with_vn_text(corpus):
    for text in SAMPLES + corpus_texts(corpus) + random_texts():
        expected = (reference_folded(text), reference_exact(text))
        assert analysis.folded_exact(text) == expected, repr(text)
        assert (analysis.folded(text), analysis.exact(text)) == expected, repr(text)


def row(**values):
    base = {
        "title": "Truyện Kiều",
        "author": "Nguyễn Du",
        "publisher": "Nxb. Văn học",
        "year": 2015,
        "language": "vie",
        "material_type": "book",
        "call_number": "895.92 N 573",
        "search_data": {
            "authors": ["Nguyễn Du", "Đào Duy Anh"],
            "subjects": ["Văn học -- Việt Nam", "Thơ", "Văn học -- Thế kỷ 19"],
            "series": ["Tủ sách văn học"],
            "isbns": ["9786041000000"],
            "issns": ["1859-3100"],
            "any": "Truyện Kiều Nguyễn Du Văn học Việt Nam",
        },
    }
    base.update(values)
    return base


def test_record_fields():
    fields = analysis.record_fields(row())
    assert fields.title == "truyen kieu" and fields.title_x == "truyện kiều"
    assert fields.author == "nguyen du dao duy anh"
    assert fields.isbn == "9786041000000 18593100"
    assert fields.callno == "895.92n573"
    assert fields.f_subject == ("Văn học", "Thơ")
    assert fields.f_author == ("Nguyễn Du", "Đào Duy Anh")
    assert (fields.year, fields.f_type, fields.f_lang) == (2015, "book", "vie")
    assert fields.s_author != "99" and fields.s_title != "9"


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"author": "", "search_data": {}}, {"s_author": "99", "author": "", "f_author": ()}),
        ({"title": "", "search_data": {}}, {"s_title": "9", "title": ""}),
        (
            {"year": None, "language": "", "material_type": ""},
            {"year": None, "f_lang": "", "f_type": "other"},
        ),
        ({"search_data": {"authors": [], "isbns": []}}, {"author": "nguyen du", "isbn": None}),
    ],
)
def test_record_fields_without_values(values, expected):
    fields = analysis.record_fields(row(**values))
    assert {name: getattr(fields, name) for name in expected} == expected
