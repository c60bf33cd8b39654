import gzip
import io
import unicodedata

import pytest

from thuvien.interop.marc import ParsedRecord, RecordError, read_marc
from thuvien.interop.marc.reader import ENCODINGS

from .conftest import DERIVED, corpus_path
from .helpers import field, iso, simple

ERRORS = "mrrc-error-fixtures/tests/data/error_fixtures/"


def read(data, **kw):
    return list(read_marc(data, **kw))


def only(data, **kw):
    items = read(data, **kw)
    assert len(items) == 1, items
    return items[0]


# --- the derived set --------------------------------------------------------------------------------


def test_derived_set_reads_completely(derived_items):
    items = derived_items
    assert len(items) == 5349
    assert all(isinstance(i, ParsedRecord) for i in items)
    assert [i.position for i in items] == list(range(1, 5350))
    assert items[0].offset == 0 and items[1].offset == int(str(items[0].record.leader)[:5])
    assert all(str(i.record.leader)[9] == "a" and i.encoding == "utf8" for i in items)
    assert not any(i.warnings for i in items)
    # None of these is Vietnamese: no Vietnamese legacy conversion may fire on them.
    assert not [c for i in items for c in i.changes if c.encoding != "mojibake"]


def test_sources_give_the_same_records(tmp_path):
    path = corpus_path("_derived/real_bib_5349_utf8.mrc")
    data = path.read_bytes()[:200_000]
    expected = [i.record.as_marc() for i in read(data) if i.ok]
    (tmp_path / "x.mrc").write_bytes(data)
    (tmp_path / "x.mrc.gz").write_bytes(gzip.compress(data))
    assert [i.record.as_marc() for i in read(tmp_path / "x.mrc") if i.ok] == expected
    assert [i.record.as_marc() for i in read(str(tmp_path / "x.mrc")) if i.ok] == expected
    assert [i.record.as_marc() for i in read(io.BytesIO(data)) if i.ok] == expected
    assert [i.record.as_marc() for i in read(tmp_path / "x.mrc.gz") if i.ok] == expected


def test_streaming_across_blocks(monkeypatch):
    from thuvien.interop.marc import iso2709, reader

    monkeypatch.setattr(iso2709, "BLOCK_SIZE", 1000)
    monkeypatch.setattr(reader, "BLOCK_SIZE", 1000)
    data = DERIVED.read_bytes()[:300_000] if DERIVED.exists() else simple() * 300
    whole = [(i.position, i.offset, i.record.as_marc()) for i in read(data) if i.ok]
    streamed = [(i.position, i.offset, i.record.as_marc()) for i in read(io.BytesIO(data)) if i.ok]
    assert streamed == whole


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown encoding"):
        read_marc(simple(), encoding="latin-9")  # raised at the call, before any iteration
    with pytest.raises(TypeError):
        read_marc(42)
    with pytest.raises(TypeError):
        read(io.StringIO("text"))
    assert "tcvn3" in ENCODINGS and "marc8" in ENCODINGS


# --- splitting and structure -------------------------------------------------------------------------


def test_junk_between_records_and_missing_final_terminator():
    a = simple("First")
    b = simple("Second")
    c = simple("Third")[:-1]  # no final 0x1D
    items = read(a + b"\r\n" + b + b"\x00\x00  \n" + c)
    assert [i.record["245"]["a"] for i in items] == ["First", "Second", "Third"]
    assert items[2].warnings == ["the record has no record terminator (0x1D)"]
    assert items[1].offset == len(a) + 2


def test_garbage_before_a_record_is_skipped_with_a_warning():
    items = read(simple("One") + b"garbage!" + simple("Two"))
    assert [i.ok for i in items] == [True, True]
    assert items[1].warnings == ["skipped 8 bytes of junk before the record"]


def test_trailing_garbage_is_reported():
    items = read(simple() + b"7")
    assert [type(i) for i in items] == [ParsedRecord, RecordError]
    assert "too short" in items[1].reason and items[1].raw == b"7"


def test_leader_length_lies_but_directory_is_consistent():
    data = bytearray(simple("Lies"))
    data[0:5] = b"00999"
    item = only(bytes(data))
    assert item.ok and item.record["245"]["a"] == "Lies"
    assert any("record length 00999 in the leader does not match" in w for w in item.warnings)


def test_truncated_record_at_end_of_file_is_an_error():
    data = simple("Cut short here")[:-10]
    item = only(data)
    assert not item.ok and "the record is cut short" in item.reason


def test_record_cut_short_and_run_into_the_next():
    a = simple("Whole one")
    cut = simple("This one lost its end")[:-15]
    c = simple("Next one")
    items = read(a + cut + c)
    assert [i.ok for i in items] == [True, False, True]
    assert items[1].reason.startswith("the record is cut short: the leader says")
    assert items[2].record["245"]["a"] == "Next one" and items[2].warnings == []
    assert items[2].offset == len(a) + len(cut) and [i.position for i in items] == [1, 2, 3]


def test_one_broken_record_does_not_stop_the_file():
    broken = bytearray(simple("Broken"))
    broken[24:27] = b"\xcc00"[:3]
    items = read(simple("A") + bytes(broken) + simple("C"))
    assert [i.ok for i in items] == [True, False, True]
    assert items[1].position == 2 and "unreadable tag" in items[1].reason
    assert items[1].raw.startswith(b"000")


def test_structural_leader_positions_are_normalised():
    data = bytearray(simple())
    data[10:12] = b"32"
    data[22] = 0xED
    item = only(bytes(data))
    leader = str(item.record.leader)
    assert leader[10:12] == "22" and leader[20:24] == "4500"
    assert any("leader/22" in w for w in item.warnings)


@pytest.mark.parametrize(
    ("name", "ok", "reason"),
    [
        ("e001_record_length_below_24.bin", True, None),
        ("e001_record_length_non_digit.bin", True, None),
        ("e002_indicator_count_not_two.bin", True, None),
        ("e002_invalid_record_status.bin", True, None),
        ("e003_base_address_below_24.bin", True, None),
        ("e003_base_address_non_digit.bin", True, None),
        ("e004_base_address_past_record.bin", True, None),
        ("e005_truncated_record.bin", False, "the record is cut short"),
        ("e006_no_record_terminator.bin", True, None),
        ("e101_directory_no_terminator.bin", True, None),
        ("e101_directory_non_digit_length.bin", False, "not a number"),
        ("e101_directory_non_digit_start.bin", False, "not a number"),
        ("e101_non_ascii_tag.bin", False, "unreadable tag"),
        ("e106_expected_subfield_delimiter.bin", False, "where its two indicators"),
        ("e106_field_length_past_data.bin", True, None),
        ("e106_recovery_invalid_field.bin", False, "the record is cut short"),
        ("e201_bad_indicator.bin", True, None),
        ("e202_non_printable_subfield_code.bin", False, "unreadable code"),
        ("e301_invalid_utf8_in_control_field.bin", False, "invalid UTF-8 in field 008 with leader/09='a'"),
    ],
)
def test_mrrc_error_matrix(name, ok, reason):
    item = only(corpus_path(ERRORS + name))
    assert item.ok is ok, getattr(item, "reason", item)
    if ok:
        assert item.record["245"] is not None
    else:
        assert reason in item.reason


def test_lenient_recoveries_keep_the_data():
    item = only(corpus_path(ERRORS + "e106_field_length_past_data.bin"))
    assert item.record["100"]["a"] == "Fitzgerald, F. Scott"
    assert item.record["650"]["a"] == "American fiction"
    item = only(corpus_path(ERRORS + "e004_base_address_past_record.bin"))
    assert item.record["245"]["c"] == "F. Scott Fitzgerald"
    assert any("base address 99999" in w for w in item.warnings)


def test_pymarc_bad_records_file():
    items = read(corpus_path("pymarc/test/bad_records.mrc"))
    assert len(items) == 8
    assert [i.ok for i in items] == [True, True, True, False, False, True, False, True]
    assert items[6].reason == "the record has no fields"


def test_records_over_the_iso2709_limit_are_read_in_order():
    items = read(corpus_path("marc4j/test/resources/bad_hathi_records.mrc"))
    assert [i.ok for i in items] == [True] * 5
    big = items[3].record
    assert len(big.fields) == 12654
    assert any("longer than ISO 2709 allows" in w for w in items[3].warnings)


def test_marc_text_files_are_named_for_what_they_are():
    item = read(corpus_path("marc4j/test/resources/brkrtest.mrk"))[0]
    assert not item.ok and ".mrk" in item.reason


# --- character sets ----------------------------------------------------------------------------------


def test_utf8_is_normalised_to_nfc():
    nfd = unicodedata.normalize("NFD", "Truyện Kiều")
    item = only(simple(nfd))
    assert item.record["245"]["a"] == "Truyện Kiều"


def test_nfc_nfd_and_marc8_synthetic_files_read_identically():
    files = ["vi_synthetic_utf8_nfc.mrc", "vi_synthetic_utf8_nfd.mrc", "vi_synthetic_marc8.mrc"]
    sets = [[i.record.as_marc() for i in read(corpus_path("synthetic-vietnamese/" + f))] for f in files]
    assert len(sets[0]) == 12
    assert sets[0] == sets[1] == sets[2]
    items = read(corpus_path("synthetic-vietnamese/vi_synthetic_marc8.mrc"))
    assert {i.encoding for i in items} == {"marc8"}
    assert items[0].record["245"]["a"] == "Truyện Kiều /"


def test_lossy_marc8_files_read_without_error():
    for name in ("vi_synthetic_marc8_LOSSY_from_nfc.mrc", "vi_synthetic_marc8_LOSSY_from_nfd.mrc"):
        items = read(corpus_path("synthetic-vietnamese/" + name))
        assert len(items) == 12 and all(i.ok for i in items)


def test_mislabelled_utf8_and_marc8():
    item = only(corpus_path("pymarc/test/utf8_without_leader_flag.dat"))
    assert item.encoding == "utf8" and "read as UTF-8" in item.warnings[0]
    reference = only(corpus_path("pymarc/test/utf8_with_leader_flag.dat"))
    assert item.record.as_marc() == reference.record.as_marc()


def test_marc8_numeric_character_references():
    item = only(corpus_path("traject/test/test_support/escaped_character_reference.marc8.marc"))
    text = " ".join(s.value for f in item.record.fields if not f.control_field for s in f.subfields)
    assert "\ufffd" in text and "&#x" not in text


def test_invalid_utf8_without_another_explanation_is_rejected():
    data = simple(b"Fitzg\xe9r\xc3ld \xc3\xa9t\xff")  # real UTF-8 (\xc3\xa9) plus broken bytes
    item = only(data)
    assert not item.ok and item.reason == "invalid UTF-8 in field 245 with leader/09='a'"


def test_latin1_labelled_utf8_is_converted_with_review():
    item = only(simple(b"\xc9tude du d\xe9veloppement \xe9conomique"))
    assert item.ok and item.encoding == "cp1252"
    assert item.record["245"]["a"] == "Étude du développement économique"
    [change] = item.changes
    assert change.tag == "245" and change.subfield == "a" and change.encoding == "cp1252"
    assert change.before == "\\xc9tude du d\\xe9veloppement \\xe9conomique"


def test_marc8_labelled_utf8_errors_read_as_marc8():
    # leader/09 'a' but MARC-8 bytes (acute before e): read as MARC-8 with a warning.
    item = only(simple(b"Caf\xe2e", ld9="a"))
    assert item.record["245"]["a"] == "Café" and item.encoding == "marc8"


@pytest.mark.parametrize("encoding", ["tcvn3", "vni", "viscii", "cp1258"])
@pytest.mark.parametrize("ld9", [" ", "a"])
def test_legacy_vietnamese_bytes_are_detected(encoding, ld9):
    vn_legacy = pytest.importorskip("thuvien.lib.vn_legacy")
    title = "Truyện Kiều /"
    author = "Nguyễn Du"
    publisher = "Nhà xuất bản Giáo dục,"
    data = iso(
        [
            ("001", "x"),
            (
                "245",
                field(
                    "10", ("a", vn_legacy.encode(title, encoding)), ("c", vn_legacy.encode(author, encoding))
                ),
            ),
            (
                "264",
                field(
                    " 1",
                    ("a", vn_legacy.encode("Hà Nội :", encoding)),
                    ("b", vn_legacy.encode(publisher, encoding)),
                ),
            ),
        ],
        ld9=ld9,
    )
    item = only(data)
    assert item.ok and item.encoding == encoding
    assert item.record["245"]["a"] == title and item.record["245"]["c"] == author
    assert item.record["264"]["b"] == publisher
    assert {(c.tag, c.subfield) for c in item.changes} == {
        ("245", "a"),
        ("245", "c"),
        ("264", "a"),
        ("264", "b"),
    }
    assert all(c.encoding == encoding for c in item.changes)


@pytest.mark.parametrize("encoding", ["tcvn3", "vni", "viscii", "cp1258"])
def test_explicit_legacy_encoding(encoding):
    vn_legacy = pytest.importorskip("thuvien.lib.vn_legacy")
    data = simple(vn_legacy.encode("Lịch sử Việt Nam", encoding), ld9=" ")
    item = only(data, encoding=encoding)
    assert item.encoding == encoding and item.record["245"]["a"] == "Lịch sử Việt Nam"
    assert item.changes[0].after == "Lịch sử Việt Nam"


def test_text_level_mojibake_and_legacy_in_utf8_records():
    pytest.importorskip("thuvien.lib.vn_legacy")
    mojibake = "Tiếng Việt, Nguyễn Du".encode().decode("cp1252")
    tcvn3_as_text = "Nxb. Gi¸o dôc"  # TCVN3 bytes once read as Windows-1252 and saved as UTF-8
    data = iso(
        [("001", "x"), ("245", field("10", ("a", mojibake))), ("264", field(" 1", ("b", tcvn3_as_text)))]
    )
    item = only(data)
    assert item.record["245"]["a"] == "Tiếng Việt, Nguyễn Du"
    assert item.record["264"]["b"] == "Nxb. Giáo dục"
    assert [(c.tag, c.encoding) for c in item.changes] == [("245", "mojibake"), ("264", "tcvn3")]
    assert item.changes[0].before == mojibake


def test_viqr_is_detected_in_ascii_records():
    pytest.importorskip("thuvien.lib.vn_legacy")
    item = only(simple("Truye^.n Kie^`u / Nguye^~n Du"))
    assert item.record["245"]["a"] == "Truyện Kiều / Nguyễn Du"
    assert item.changes[0].encoding == "viqr"


def test_correct_vietnamese_is_left_alone():
    item = only(
        corpus_path("synthetic-vietnamese/vi_synthetic_utf8_nfc.mrc").read_bytes().split(b"\x1d")[0] + b"\x1d"
    )
    assert item.changes == [] and item.warnings == []


def test_control_fields_and_indicators_are_nfc_too():
    data = iso([("001", unicodedata.normalize("NFD", "mã-ố")), ("245", field("10", ("a", "x")))])
    assert only(data).record["001"].data == "mã-ố"
