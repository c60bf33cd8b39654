"""The demo generator: a network and a catalogue a Vietnamese librarian would take for real."""

import csv
import datetime as dt
import io
import re
import unicodedata
from collections import Counter

import pymarc
import pytest

from thuvien.demo import classics, places, vocab
from thuvien.demo.generator import (
    CSV_COLUMNS,
    DEMO_PASSWORD,
    demo_people,
    generate_network,
    generate_records,
    isbn10_check_digit,
    isbn13_check_digit,
    write_libraries_csv,
)

TODAY = dt.date(2026, 11, 21)
N = 400  # enough for every classic (N // 5 of them), some serials, maps and foreign books
CODE = re.compile(r"^VN-[A-Z0-9][A-Z0-9-]{0,30}$")
FAMILY = {name for name, _ in vocab.FAMILY_NAMES}


@pytest.fixture(scope="module")
def network():
    return generate_network()


@pytest.fixture(scope="module")
def records(network):
    return list(generate_records(N, network, seed=1, today=TODAY))


def marc_bytes(records):
    return [r.as_marc() for r in records]


def values(record, tag, code):
    return [v for f in record.get_fields(tag) for v in f.get_subfields(code)]


def title_text(record):
    return " ".join(s.value for s in record["245"].subfields)


# --- network --------------------------------------------------------------------------------
def test_network_is_one_post_2025_province_with_every_kind_of_library(network):
    root, *members = network
    assert root["code"] == "VN-NB" and root["kind"] == "provincial" and root["parent"] is None
    assert root["name"] == "Thư viện tỉnh Ninh Bình"
    assert 10 <= len(members) <= 14
    kinds = {lib["kind"] for lib in members}
    assert kinds == {"commune", "school", "university", "specialised", "armed-forces", "community", "private"}


def test_network_codes_parents_and_depth(network):
    seen = set()
    depth = {}
    for lib in network:
        assert CODE.match(lib["code"]) and len(lib["code"]) <= 34, lib["code"]
        assert lib["code"] not in seen
        assert lib["parent"] is None or lib["parent"] in seen, "parents come before children"
        seen.add(lib["code"])
        depth[lib["code"]] = 0 if lib["parent"] is None else depth[lib["parent"]] + 1
    assert max(depth.values()) >= 2, "some school sits under a commune library"


def test_network_places_units_and_contacts(network):
    south, west, north, east = places.BBOX
    for lib in network:
        assert south < lib["latitude"] < north and west < lib["longitude"] < east, lib["code"]
        assert lib["name"] and lib["address"].endswith("tỉnh Ninh Bình")
        assert lib["opening_hours"].startswith(("Thứ", "Hằng ngày"))
        new, old = lib["admin_unit"], lib["admin_unit_previous"]
        assert new["scheme"] == "2025" and old["scheme"] == "pre2025"
        assert new["level"] in {"tỉnh", "xã", "phường"}
        assert old["level"] in {"tỉnh", "huyện", "thành phố", "thị xã", "xã", "phường", "thị trấn"}
        expected = {"tỉnh": 2, "huyện": 3, "thành phố": 3, "thị xã": 3}
        for unit in (new, old):
            assert unit["code"].isdigit() and len(unit["code"]) == expected.get(unit["level"], 5), unit
            assert unit["name"] and unit["source"]
    assert any(lib["admin_unit_previous"]["level"] == "huyện" for lib in network)


def test_network_is_a_fresh_copy(network):
    again = generate_network(seed=99)
    assert again == network
    again[0]["name"] = "changed"
    assert generate_network()[0]["name"] == "Thư viện tỉnh Ninh Bình"


def test_libraries_csv(tmp_path, network):
    path = tmp_path / "libraries.csv"
    write_libraries_csv(network, path)
    with open(path, encoding="utf-8", newline="") as fh:
        assert fh.readline().strip() == ",".join(CSV_COLUMNS)
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["code"] for r in rows] == [lib["code"] for lib in network]
    assert rows[0]["parent"] == "" and rows[1]["parent"] == "VN-NB"
    assert rows[0]["name"] == "Thư viện tỉnh Ninh Bình"
    assert float(rows[0]["latitude"]) == pytest.approx(network[0]["latitude"])
    assert "Thứ Hai" in rows[0]["opening_hours"]


def test_demo_people(network):
    people = demo_people(network)
    codes = {lib["code"] for lib in network}
    staff = {p["username"]: p for p in people["staff"]}
    assert set(staff) == {"quantri", "biennuc", "xa.hoalu"}
    assert staff["quantri"]["roles"] == ["admin"] and staff["quantri"]["library"] == "VN-NB"
    assert staff["biennuc"]["roles"] == ["cataloguer"] and staff["biennuc"]["library"] == "VN-NB"
    assert (
        staff["xa.hoalu"]["roles"] == ["circulation", "cataloguer"]
        and staff["xa.hoalu"]["library"] == "VN-NB-HOALU"
    )
    for person in staff.values():
        assert person["password"] == DEMO_PASSWORD and person["library"] in codes
        assert f"{person['last_name']} {person['first_name']}" == person["full_name"]
    reader = people["reader"]
    assert reader["card"] == "NB0000001" and reader["pin"].isdigit() and reader["library"] in codes


# --- records: form ----------------------------------------------------------------------------
def test_records_are_deterministic(network, records):
    again = list(generate_records(N, network, seed=1, today=TODAY))
    assert marc_bytes(again) == marc_bytes(records)
    other = list(generate_records(50, network, seed=2, today=TODAY))
    assert marc_bytes(other) != marc_bytes(records[:50])


def test_records_round_trip_through_iso2709_as_nfc_utf8(records):
    blob = b"".join(marc_bytes(records))
    parsed = list(pymarc.MARCReader(io.BytesIO(blob), to_unicode=True, force_utf8=True))
    assert len(parsed) == N
    for original, back in zip(records, parsed, strict=True):
        assert back is not None
        assert back.leader[9] == "a"
        assert [str(f) for f in back.fields] == [str(f) for f in original.fields]
        for field in back.fields:
            for text in [field.data] if field.is_control_field() else [s.value for s in field.subfields]:
                assert unicodedata.is_normalized("NFC", text), (field.tag, text)


def test_records_have_the_core_fields(network, records):
    codes = {lib["code"] for lib in network}
    controls = [r["001"].data for r in records]
    assert len(set(controls)) == N and all(re.fullmatch(r"NB\d{6}", c) for c in controls)
    for r in records:
        for tag in (
            "001",
            "003",
            "005",
            "008",
            "040",
            "041",
            "082",
            "245",
            "264",
            "300",
            "336",
            "337",
            "338",
        ):
            assert r.get_fields(tag), (tag, r["001"].data)
        assert r["003"].data in codes and r["040"]["a"] == r["003"].data and r["040"]["b"] == "vie"
        assert r.leader[6] in "ae" and r.leader[7] in "ms"


def test_008_positions(records):
    for r in records:
        f008 = r["008"].data
        assert len(f008) == 40
        dt.datetime.strptime(f008[:6], "%y%m%d")
        assert f008[6] in "sc"
        year = f008[7:11]
        assert year.isdigit() and year in r["264"]["c"]
        assert f008[35:38] == r["041"]["a"]
        if f008[6] == "s" and r.leader[6] == "a":
            assert f008[15:18] in {"vm ", "enk", "si ", "th ", "hiu", "fr ", "cc "}


def test_title_punctuation_and_indicators(records):
    for r in records:
        f = r["245"]
        codes = [s.code for s in f.subfields]
        assert codes[0] == "a"
        for prev, cur in zip(f.subfields, f.subfields[1:], strict=False):
            if cur.code == "b":
                assert prev.value.endswith(" :")
            if cur.code == "c":
                assert prev.value.endswith(" /")
        assert f.subfields[-1].value[-1] in ".!?"
        has_main = bool(r.get_fields("100", "110"))
        assert f.indicator1 == ("1" if has_main else "0")
        assert f.indicator2.isdigit()
    assert any(r["245"].indicator2 != "0" for r in records), "an English or French title skips its article"


def test_personal_names_in_100_are_direct_order(records):
    checked = 0
    for r in records:
        for f in r.get_fields("100", "700"):
            name = f["a"].rstrip(",. ")
            if name.split()[0] in FAMILY:  # a Vietnamese name
                assert f.indicator1 == "0", name
                assert "," not in name, name
                checked += 1
            if f.tag == "100" and f.indicator1 == "0":
                assert "," not in name, name
            if f.tag == "100":
                assert f["e"] == "tác giả."
    assert checked > N / 2


def test_isbns_are_valid_and_unique(records):
    seen = set()
    without = 0
    for r in records:
        isbns = values(r, "020", "a")
        without += not isbns
        for isbn in isbns:
            digits = isbn.replace("-", "")
            if len(digits) == 13:
                assert digits[-1] == isbn13_check_digit(digits[:12]), isbn
                if r["008"].data[35:38] == "vie":
                    assert digits.startswith("978604"), isbn
            else:
                assert len(digits) == 10 and digits[-1] == isbn10_check_digit(digits[:9]), isbn
            assert digits not in seen, f"the importer would merge two records on {isbn}"
            seen.add(digits)
    assert 0.05 < without / N < 0.30
    assert any(len(r.get_fields("020")) == 2 for r in generate_records(2000, generate_network(), today=TODAY))


def test_check_digits():
    assert isbn13_check_digit("978030640615") == "7"
    assert isbn10_check_digit("030640615") == "2"
    assert isbn10_check_digit("080442957") == "X"


# --- records: content -----------------------------------------------------------------------
def test_mostly_vietnamese_with_some_foreign_books(records):
    languages = Counter(r["008"].data[35:38] for r in records)
    assert languages["vie"] / N >= 0.80
    assert set(languages) - {"vie"}, "some English, French or Chinese books"
    translated = [r for r in records if r["041"].indicator1 == "1"]
    assert translated and all(values(r, "041", "h") for r in translated)
    assert any(v.startswith("Dịch từ nguyên bản") for r in translated for v in values(r, "500", "a"))


def test_classics_and_searchable_words(records):
    titles = [title_text(r) for r in records]
    joined = "\n".join(titles)
    for work in classics.CLASSICS[: N // 5]:
        assert any(t.startswith(work["title"]) for t in titles), work["title"]
    for word in ("Truyện Kiều", "Dế Mèn phiêu lưu ký", "Số đỏ", "Nỗi buồn chiến tranh", "Việt Nam sử lược"):
        assert word in joined
    hoa = [t for t in titles if "Hòa Bình" in t or "hòa bình" in t]
    hoa_old = [t for t in titles if "Hoà Bình" in t or "hoà bình" in t]
    assert hoa and hoa_old and not set(hoa) & set(hoa_old)
    for word in ("Đà Nẵng", "Hà Nội", "tiếng Việt"):
        assert word in joined, word
    assert re.search(r"\b[Đđ]ường\b", joined)
    assert re.search(r"\b[Ll]ịch sử\b", joined)


def test_subjects_ddc_and_local_history(records):
    for r in records:
        assert re.fullmatch(r"\d{3}(\.\d+)?", r["082"]["a"]), r["082"]["a"]
        for f in r.get_fields("650", "651", "655"):
            assert f.indicator2 == "7" and f["2"] == "Bộ TK TVQG"
    local = [r for r in records if r.get_fields("690")]
    assert len(local) >= 10
    assert any("DIA-CHI" in values(r, "952", "c") for r in local)
    by_title = {r["245"]["a"].rstrip(" /:."): r for r in records}
    assert by_title["Truyện Kiều"]["082"]["a"].startswith("895.922")
    assert by_title["Việt Nam sử lược"]["082"]["a"].startswith("959.7")


def test_local_history_names_one_place_consistently(network):
    """A commune's history is by that commune and about its province as it was then."""
    province_of = {commune: province for commune, _, province in places.OLD_UNITS}
    checked = 0
    for r in generate_records(3000, network, seed=5, today=TODAY):
        if not r.get_fields("690"):
            continue
        title = r["245"]["a"]
        commune = next((c for c in province_of if re.search(rf"\bxã {c}\b", title)), None)
        if commune is None:
            continue
        checked += 1
        year = int(r["008"].data[7:11])
        expected = province_of[commune] if year < 2025 else None
        assert expected is None or [f["a"] for f in r.get_fields("651")] == [expected], title
        for f in r.get_fields("110"):
            named = re.search(r"\bxã (.+?)[,.]", f["a"])
            assert named is None or named.group(1) == commune, (title, f["a"])
            assert "huyện" not in f["a"] and "tỉnh" not in f["a"], (title, f["a"])
    assert checked >= 5


def test_serials_and_maps(records):
    serials = [r for r in records if r.leader[7] == "s"]
    maps = [r for r in records if r.leader[6] == "e"]
    assert serials and maps
    for r in serials:
        assert r["008"].data[6] == "c" and r.get_fields("022", "310", "362")
        assert set(values(r, "952", "y")) == {"SER"}
    for r in maps:
        assert set(values(r, "952", "y")) == {"MAP"}


def test_holdings(network, records):
    codes = {lib["code"]: lib["kind"] for lib in network}
    barcodes = []
    recent = 0
    for r in records:
        items = r.get_fields("952")
        assert 1 <= len(items) <= 8
        for f in items:
            assert f["a"] in codes and f["b"] == f["a"]
            barcodes.append(f["p"])
            assert f["y"] in {"BK", "REF", "SER", "MAP", "CHILD"}
            assert f["c"] in {"KHO-MUON", "KHO-DOC", "THIEU-NHI", "DIA-CHI"}
            assert f["g"].isdigit() and int(f["g"]) >= 1000
            assert f["o"].startswith(r["082"]["a"] + " ")
            acquired = dt.date.fromisoformat(f["d"])
            assert TODAY - dt.timedelta(days=365 * 15 + 5) <= acquired <= TODAY
            assert acquired.year >= int(r["008"].data[7:11]) or r.leader[7] == "s"
            recent += (TODAY - acquired).days < 30
    assert len(barcodes) == len(set(barcodes)), "barcodes are unique across the set"
    assert recent > 0, "new acquisitions show something"
    held = Counter(f["a"] for r in records for f in r.get_fields("952"))
    assert held["VN-NB"] == max(held.values()), "the provincial library holds the most"
    assert set(held) == set(codes), "every library holds something"
    by_kind = Counter((codes[f["a"]], f["y"]) for r in records for f in r.get_fields("952"))
    assert by_kind[("school", "CHILD")] > by_kind[("university", "CHILD")]


def test_generic_tree_with_unknown_kinds():
    libraries = [
        {"code": "VN-XX", "name": "Thư viện tỉnh", "kind": "provincial", "parent": None},
        {"code": "VN-XX-A", "name": "Thư viện xã A", "kind": "commune", "parent": "VN-XX"},
        {"code": "VN-XX-A-B", "name": "Tủ sách B", "kind": "museum", "parent": "VN-XX-A"},
    ]
    records = list(generate_records(60, libraries, seed=3, today=TODAY))
    assert all(r["001"].data.startswith("XX") for r in records)
    held = {f["a"] for r in records for f in r.get_fields("952")}
    assert held <= {"VN-XX", "VN-XX-A", "VN-XX-A-B"}
    with pytest.raises(ValueError):
        next(generate_records(1, [], today=TODAY))
