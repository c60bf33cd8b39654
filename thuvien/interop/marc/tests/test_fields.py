import pymarc
import pytest

from thuvien.interop.marc import extract, read_marc
from thuvien.interop.marc.fields import UNTITLED, clean
from thuvien.lib.vn_text import sort_key

from .conftest import corpus_path


@pytest.fixture(scope="module")
def synthetic():
    return {
        e.control_number: e
        for e in (
            extract(i.record)
            for i in read_marc(corpus_path("synthetic-vietnamese/vi_synthetic_utf8_nfc.mrc"))
        )
    }


def make(*fields, leader="00000nam a2200000 a 4500") -> pymarc.Record:
    rec = pymarc.Record()
    rec.leader = pymarc.Leader(leader)
    for f in fields:
        rec.add_field(f)
    return rec


def df(tag, ind, *pairs):
    return pymarc.Field(tag, list(ind), [pymarc.Subfield(c, v) for c, v in pairs])


def test_synthetic_truyen_kieu(synthetic):
    e = synthetic["VNSYN0001"]
    assert e.title == "Truyện Kiều"
    assert e.title_full == "Truyện Kiều / Nguyễn Du"
    assert e.statement == "Nguyễn Du"
    assert e.author == "Nguyễn Du" and e.authors == ["Nguyễn Du"]
    assert e.publisher == "Nhà xuất bản Văn học" and e.place == "Hà Nội"
    assert e.year == 2015 and e.language == "vie" and e.languages == ["vie"]
    assert e.material_type == "book" and e.call_number == "895.9221"
    assert e.subjects == ["Thơ lục bát", "Văn học cổ điển Việt Nam"]
    assert e.control_number == "VNSYN0001" and e.control_source == "VN-SYNTH"
    assert "Truyện Kiều" in e.any_text and "Thư viện tỉnh" not in e.any_text  # 852 is holdings
    assert e.title_sort == sort_key("Truyện Kiều")


def test_synthetic_all_records(synthetic):
    assert len(synthetic) == 12
    assert synthetic["VNSYN0002"].title == "Số đỏ : tiểu thuyết"
    assert synthetic["VNSYN0006"].subjects == ["Lịch sử", "Việt Nam -- Lịch sử"]
    assert synthetic["VNSYN0011"].subjects[-1] == "Việt Nam -- Lịch sử -- 1858-1945"
    assert synthetic["VNSYN0012"].place == "Thành phố Hồ Chí Minh"
    for e in synthetic.values():
        assert e.author and e.publisher and e.year and e.language == "vie"
        assert e.title != UNTITLED and not e.title.endswith(("/", ":", ","))


def test_real_records(derived_items):
    items = derived_items
    first = extract(items[0].record)
    assert first.title.startswith("The book of the dance in the 20th century")
    assert first.author == "Roatcap, Adela Spindler"
    assert first.year == 1984 and first.language == "eng" and first.call_number == "GV1619 .R6 1984"
    assert first.subjects == ["Parton, Jane Bourne, -1962 -- Library", "Dance -- History -- 20th century"]
    botkin = extract(items[100].record)
    assert botkin.isbns == ["9780060152857"] and botkin.edition == "1st ed."
    assert botkin.authors == ["Botkin, James W.", "Dimancescu, Dan", "Stata, Ray"]
    # Every record gives something sensible without raising.
    for item in items:
        e = extract(item.record)
        assert e.title and e.material_type and isinstance(e.any_text, str)


def test_nonfiling_characters_are_skipped_for_sorting():
    rec = make(df("245", "14", ("a", "The innovators :"), ("b", "a study /")))
    e = extract(rec)
    assert e.title == "The innovators : a study"
    assert e.title_sort == sort_key("innovators : a study")


def test_title_fallbacks_and_untitled():
    assert extract(make(df("246", "3 ", ("a", "MẮT BIẾC")))).title == "MẮT BIẾC"
    assert extract(make(df("130", "0 ", ("a", "Bible.")))).title == "Bible"
    assert extract(make(pymarc.Field("001", data="x"))).title == UNTITLED


def test_author_fallbacks():
    assert extract(
        make(df("110", "2 ", ("a", "Thư viện Quốc gia Việt Nam."), ("b", "Phòng Tin học,")))
    ).author == ("Thư viện Quốc gia Việt Nam. Phòng Tin học")
    assert extract(make(df("700", "0 ", ("a", "Tô Hoài,"), ("d", "1920-2014")))).author == "Tô Hoài"
    assert extract(make(df("245", "10", ("a", "X /"), ("c", "Nhiều tác giả.")))).author == "Nhiều tác giả"


def test_year_language_material_and_identifiers():
    rec = make(
        pymarc.Field("008", data="950101s19uu    vm            000 0 ||| d"),
        df("041", "0 ", ("a", "vieeng")),
        df("260", "  ", ("a", "Hà Nội :"), ("b", "Thế giới,"), ("c", "c1995.")),
        df("020", "  ", ("a", "978-604-2-12345-6 (bìa mềm)"), ("z", "0-19-852663-6")),
        df("020", "  ", ("a", "9786042123456")),
        df("022", "  ", ("a", "0028-0836")),
        df("490", "1 ", ("a", "Tủ sách văn học ;"), ("v", "3")),
        df("505", "0 ", ("a", "Phần 1 -- Phần 2.")),
        df("520", "  ", ("a", "Tóm tắt.")),
        leader="00000cas a2200000 a 4500",
    )
    e = extract(rec)
    assert e.year == 1995
    assert e.language == "vie" and e.languages == ["vie", "eng"]
    assert e.material_type == "serial"
    assert e.isbns == ["9786042123456", "9780198526636"]
    assert e.issns == ["0028-0836"]
    assert e.series == ["Tủ sách văn học"] and e.contents == "Phần 1 -- Phần 2" and e.summary == "Tóm tắt"
    assert e.publisher == "Thế giới" and e.place == "Hà Nội"


@pytest.mark.parametrize(
    ("leader67", "kind"),
    [
        ("am", "book"),
        ("as", "serial"),
        ("tm", "manuscript"),
        ("em", "map"),
        ("cm", "music"),
        ("jm", "audio"),
        ("gm", "video"),
        ("km", "image"),
        ("mm", "computer"),
        ("om", "kit"),
        ("rm", "other"),
    ],
)
def test_material_types(leader67, kind):
    assert extract(make(leader=f"00000n{leader67} a2200000 a 4500")).material_type == kind


def test_call_number_preference():
    rec = make(df("050", "00", ("a", "PL4378"), ("b", ".N4")), df("852", "  ", ("h", "895.92"), ("i", "NGU")))
    assert extract(rec).call_number == "PL4378 .N4"
    assert extract(make(df("852", "  ", ("h", "895.92"), ("i", "NGU")))).call_number == "895.92 NGU"


def test_264_publisher_prefers_second_indicator_1():
    rec = make(df("264", " 0", ("b", "Nhà in,")), df("264", " 1", ("a", "Huế :"), ("b", "Thuận Hóa,")))
    e = extract(rec)
    assert e.publisher == "Thuận Hóa" and e.place == "Huế"


def test_clean():
    assert clean("  Truyện   Kiều /") == "Truyện Kiều"
    assert clean("\u0098The \u009cbook.") == "The book"
    assert clean(None) == ""
