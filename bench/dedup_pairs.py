"""Labelled record pairs for measuring deduplication (``thuvien.catalog.dedup``): how they are made.

Everything is built from the 5,349 real records of ``marc/_derived/real_bib_5349_utf8.mrc``, the 12
synthetic Vietnamese records of ``marc/synthetic-vietnamese/`` and Vietnamese records made here from
well-known works (``_VIETNAMESE_WORKS``: real authors and titles, illustrative imprints). A pair is
two MARC records and a label: *duplicate* (two descriptions of one publication: same work, same
edition, same volume, same language, same carrier — what a union catalogue shows as one record with
both libraries' copies) or not. ``build(corpus, seed)`` is deterministic for a seed.

**Duplicates, synthetic.** A base record is copied as "another library" would hold it: new 001/003/
005, local fields (049, 059X, 09X, 852, 9XX) replaced by its own 852, 035/010/040 dropped half of the
time. Then each of these variations is applied with its own probability (the pair records which):

- ``punctuation``: ISBD marks dropped from the ends of subfields, or other title information typed
  into 245 $a ("Title : subtitle", "Title: subtitle") with no $b;
- ``no-diacritics``: every diacritic (and đ) removed from the whole record, as typed on a keyboard
  without them; ``nfd``: the whole record decomposed (NFD); ``case``: title in capitals or lower case;
- ``isbn-form``: ISBN-13 as ISBN-10, hyphenated, qualified ("(pbk.)", "(hbk.)", "(q. 1)"), a price in
  $c; ``isbn-dropped`` (020 left out) and ``isbn-one-of`` (one of several ISBNs kept);
- ``no-subtitle``: 245 $b left out; ``responsibility``: 245 $c left out or reworded;
- ``article``: the initial article kept with ind2 0, or left out;
- ``author-order``: heading inverted ↔ direct ("Austen, Jane" ↔ "Jane Austen", "Nguyễn, Du" ↔
  "Nguyễn Du"); ``author-dates``: $d added or removed; ``author-initials``: forenames as initials;
  ``relator``: $e added;
- ``264``: 260 as 264 _1 or back; ``publisher-form``: "Nhà xuất bản" ↔ "Nxb.", "Publishing Company" →
  "Pub. Co.", "University" → "Univ.", place "Hà Nội" → "H.";
- ``no-008``: 008 left out; ``008-date-missing``: 008 date 1 unknown; ``008-language-blank``;
- ``extent``: 300 reworded ("215 p." → "215 tr.", preliminaries dropped) or left out;
- ``edition-form``: 250 reworded with the same number ("2nd ed." → "Second edition", "2. Aufl.");
- ``volume-form``: 245 $n reworded with the same number ("v. 2" → "Vol. II", "Tập 2" → "T.2");
- ``typo``: one letter of one title word of 6+ letters changed (5 % of pairs);
- ``brief-record``: a minimal record (8 %): 01X-08X codes, 246, 300, 4XX-8XX dropped (ISBN/ISSN kept);
  ``author-as-700``: the main entry filed as an added entry (6 %); ``no-041`` (6 %);
  ``parallel-title`` added to 245 $b; ``series`` (490) added. (These five were added after the
  weights of ``dedup.score`` were set, to see how it does on variations it was not tuned on.)

In 30 % of pairs both sides are such copies of the base (two libraries, each with its own habits).
Base records need a title and at least a name, an imprint or an ISBN/ISSN: the corpus holds about 500
test fixtures of indexing code that carry a title and nothing else ("650 trailing paren"); no
catalogue holds such records and nothing could tell their duplicates from look-alikes. (They still
take part in the real pairs.)

**Not duplicates, synthetic.** The other record gets the same cosmetic variations (so that a
difference in form tells nothing) plus one real difference:

- ``other edition``: 250 given or changed to a higher number, dates (008, 26X $c) moved 1-12
  years on, a new ISBN when the base has one, extent changed 70 % of the time, another publisher 30 %;
  035/010 replaced (kept 20 % of the time: a record cloned from the earlier edition);
- ``reprint``: the same, with no 250 (a later printing with a new date and ISBN), from bases that
  have a date;
- ``other volume``: both records of one multi-part work, with different 245 $n numbers (or $p part
  names 25 % of the time); the set ISBN shared by both 50 % of the time, else each its own;
- ``whole set vs volume``: one record for the whole work (its extent "N v." 80 % of the time), the
  other for one of its volumes;
- ``translation``: another language (008/35-37, 041 ind1 1 with $h the original when known), a 240
  uniform title with the original title, 245 $a translated (a made-up language, 70 %) or kept (a
  proper name, 30 %), a translator in 245 $c and 700, another publisher 80 %, a new ISBN;
- Vietnamese ``same title, other author``: generic titles ("Tuyển tập", "Truyện ngắn", "Thơ", "Hồi
  ký") by different authors, all of one year and one publisher, each pair with the second record
  varied as another library's.

``build`` makes ``per_kind`` (600) pairs of each look-alike kind and twice as many duplicates from
the real records, the same from the Vietnamese records with ``vi_per_kind`` (60), and adds the
real pairs.

**Real pairs** (fixed, not seeded): pairs of different corpus records that share a folded title proper
or an ISBN (at most 12 pairs drawn per title or ISBN), labelled by ``_label_real``, whose undecided
pairs were then read record by record:

- the same 001+003 and the same title: one source record that reached the corpus twice (duplicate;
  a fixture reusing the number for another title is left out);
- a different 245 $n/$p, 250, 008 date, ISBN set, 008 language, leader type, carrier named in 300
  (sound disc, score, microform …), main-entry surname, or a title (245 $a $b) that is not the
  other's with something more: two publications;
- otherwise the same title and a shared ISBN or LCCN: one publication (duplicate);
- the rest were labelled by hand in ``_REAL_OVERRIDES`` (with the reason) or left out — about 20
  pairs of test fixtures with nothing but a title ("internet resource 999").
"""

from __future__ import annotations

import copy
import hashlib
import random
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pymarc
from pymarc import Field, Indicators, Subfield

from thuvien.interop.marc import read_marc
from thuvien.lib.isbn import isbn10, isbn13
from thuvien.lib.vn_text import fold, tokens

REAL = "marc/_derived/real_bib_5349_utf8.mrc"
VIETNAMESE = "marc/synthetic-vietnamese/vi_synthetic_utf8_nfc.mrc"


@dataclass
class Pair:
    kind: str
    duplicate: bool
    a: pymarc.Record
    b: pymarc.Record
    changes: list[str] = field(default_factory=list)


# --- loading --------------------------------------------------------------------------------------


def load(path: Path) -> list[pymarc.Record]:
    """Return the readable records of the MARC file at PATH."""
    return [p.record for p in read_marc(path) if p.ok]


def real_records(corpus: Path) -> list[pymarc.Record]:
    return load(Path(corpus) / REAL)


# Well-known Vietnamese works (author, title, other title information, publisher, volumes), for
# Vietnamese records beyond the 12 of the corpus. Imprints are illustrative.
_VIETNAMESE_WORKS = [
    ("Vũ Trọng Phụng", "Giông tố", "tiểu thuyết", "Văn học", 0),
    ("Vũ Trọng Phụng", "Làm đĩ", "", "Văn học", 0),
    ("Nam Cao", "Sống mòn", "tiểu thuyết", "Văn học", 0),
    ("Nam Cao", "Đời thừa", "truyện ngắn", "Hội Nhà văn", 0),
    ("Ngô Tất Tố", "Lều chõng", "", "Văn học", 0),
    ("Tô Hoài", "Vợ chồng A Phủ", "", "Kim Đồng", 0),
    ("Tô Hoài", "Cát bụi chân ai", "hồi ký", "Hội Nhà văn", 0),
    ("Nguyên Hồng", "Bỉ vỏ", "tiểu thuyết", "Văn học", 0),
    ("Nguyên Hồng", "Những ngày thơ ấu", "hồi ký", "Kim Đồng", 0),
    ("Kim Lân", "Vợ nhặt", "tập truyện", "Văn học", 0),
    ("Thạch Lam", "Gió đầu mùa", "truyện ngắn", "Văn học", 0),
    ("Thạch Lam", "Hà Nội băm sáu phố phường", "", "Hội Nhà văn", 0),
    ("Nguyễn Tuân", "Vang bóng một thời", "", "Văn học", 0),
    ("Nhất Linh", "Đoạn tuyệt", "tiểu thuyết", "Văn học", 0),
    ("Khái Hưng", "Hồn bướm mơ tiên", "", "Văn học", 0),
    ("Xuân Diệu", "Thơ thơ", "", "Hội Nhà văn", 0),
    ("Huy Cận", "Lửa thiêng", "thơ", "Hội Nhà văn", 0),
    ("Tố Hữu", "Từ ấy", "thơ", "Văn học", 0),
    ("Nguyễn Huy Thiệp", "Tướng về hưu", "tập truyện ngắn", "Trẻ", 0),
    ("Nguyễn Nhật Ánh", "Tôi thấy hoa vàng trên cỏ xanh", "truyện dài", "Trẻ", 0),
    ("Nguyễn Nhật Ánh", "Cho tôi xin một vé đi tuổi thơ", "truyện", "Trẻ", 0),
    ("Nguyễn Nhật Ánh", "Kính vạn hoa", "truyện dài", "Kim Đồng", 12),
    ("Phùng Quán", "Tuổi thơ dữ dội", "tiểu thuyết", "Kim Đồng", 2),
    ("Ngô Sĩ Liên", "Đại Việt sử ký toàn thư", "", "Khoa học xã hội", 4),
    ("Lê Quý Đôn", "Vân đài loại ngữ", "", "Văn hóa Thông tin", 2),
    ("Phan Huy Chú", "Lịch triều hiến chương loại chí", "", "Giáo dục", 3),
    ("Đào Duy Anh", "Việt Nam văn hóa sử cương", "", "Hội Nhà văn", 0),
    ("Trần Quốc Vượng", "Cơ sở văn hóa Việt Nam", "", "Giáo dục", 0),
    ("Hồ Chí Minh", "Nhật ký trong tù", "", "Chính trị quốc gia", 0),
    ("Hồ Chí Minh", "Toàn tập", "", "Chính trị quốc gia", 15),
    ("Võ Nguyên Giáp", "Điện Biên Phủ", "điểm hẹn lịch sử", "Quân đội nhân dân", 0),
    ("Sơn Nam", "Hương rừng Cà Mau", "", "Trẻ", 0),
    ("Nguyễn Ngọc Tư", "Cánh đồng bất tận", "", "Trẻ", 0),
    ("Ma Văn Kháng", "Mùa lá rụng trong vườn", "tiểu thuyết", "Phụ nữ", 0),
    ("Nguyễn Minh Châu", "Chiếc thuyền ngoài xa", "truyện ngắn", "Văn học", 0),
    ("Lê Lựu", "Thời xa vắng", "tiểu thuyết", "Hội Nhà văn", 0),
    ("Chu Lai", "Ăn mày dĩ vãng", "tiểu thuyết", "Quân đội nhân dân", 0),
    ("Nguyễn Khắc Viện", "Việt Nam một thiên lịch sử", "", "Thế giới", 0),
    ("Nam Cao", "Tuyển tập", "", "Văn học", 0),
    ("Thạch Lam", "Tuyển tập", "", "Văn học", 0),
    ("Nguyễn Tuân", "Tuyển tập", "", "Văn học", 2),
    ("Tô Hoài", "Truyện ngắn", "", "Hội Nhà văn", 0),
    ("Nam Cao", "Truyện ngắn", "", "Hội Nhà văn", 0),
    ("Xuân Diệu", "Thơ", "", "Văn học", 0),
    ("Huy Cận", "Thơ", "", "Văn học", 0),
    ("Tố Hữu", "Thơ", "", "Văn học", 0),
    ("Hàn Mặc Tử", "Thơ", "", "Văn học", 0),
    ("Ngô Tất Tố", "Tuyển tập", "", "Văn học", 0),
    ("Nguyễn Văn An", "Tuyển tập", "", "Văn học", 0),  # namesakes: one given name apart
    ("Nguyễn Văn Bình", "Tuyển tập", "", "Văn học", 0),
    ("Vũ Trọng Phụng", "Tuyển tập", "", "Văn học", 0),
    ("Nguyễn Công Hoan", "Truyện ngắn", "", "Hội Nhà văn", 0),
    ("Nguyễn Huy Thiệp", "Truyện ngắn", "", "Hội Nhà văn", 0),
    ("Tô Hoài", "Hồi ký", "", "Văn học", 0),
    ("Nguyên Hồng", "Hồi ký", "", "Văn học", 0),
    ("", "Tiếng Việt 1", "", "Giáo dục Việt Nam", 2),
    ("", "Toán 6", "", "Giáo dục Việt Nam", 2),
]
_GENERIC_TITLES = ("Tuyển tập", "Truyện ngắn", "Thơ", "Hồi ký")
_VN_PLACES = {"Văn học": "Hà Nội", "Trẻ": "Thành phố Hồ Chí Minh", "Thế giới": "Hà Nội"}


def _isbn_from(rng: random.Random, prefix: str = "978") -> str:
    body = prefix + "".join(rng.choice("0123456789") for _ in range(12 - len(prefix)))
    check = -sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body)) % 10
    return body + str(check)


def _field(tag: str, ind: str, *pairs: str) -> Field:
    subfields = [Subfield(pairs[i], pairs[i + 1]) for i in range(0, len(pairs), 2)]
    return Field(tag=tag, indicators=Indicators(ind[0], ind[1]), subfields=subfields)


def vietnamese_records(corpus: Path) -> list[pymarc.Record]:
    """Return the 12 synthetic Vietnamese records and one record per entry of _VIETNAMESE_WORKS."""
    records = load(Path(corpus) / VIETNAMESE)
    rng = random.Random(84)  # fixed: the same records whatever the seed of the pairs
    for n, (author, title, other, publisher, volumes) in enumerate(_VIETNAMESE_WORKS, start=1):
        year = rng.randint(1995, 2023)
        if title in _GENERIC_TITLES:
            # One year, one publisher: only the author tells these apart.
            year, publisher = 2015, "Văn học"
        r = pymarc.Record(leader="00000nam a2200000 i 4500")
        r.add_field(Field(tag="001", data=f"VNWORK{n:04d}"), Field(tag="003", data="VN-SYNTH"))
        r.add_field(Field(tag="008", data=f"240101s{year}    vm a          000 1 vie d"))
        if rng.random() < 0.6:
            r.add_field(_field("020", "  ", "a", _isbn_from(rng, "978604")))
        r.add_field(_field("041", "0 ", "a", "vie"))
        if author:
            r.add_field(_field("100", "0 ", "a", f"{author},", "e", "tác giả."))
        sub = ["a", f"{title} :" if other else f"{title} /" if author else f"{title}."]
        if other:
            sub += ["b", f"{other} /" if author else f"{other}."]
        if volumes:
            sub[-1] = sub[-1].rstrip(" /.") + "."
            sub += ["n", "Tập 1"]
        if author:
            sub += ["c", f"{author}."]
        r.add_field(_field("245", "10", *sub))
        place = _VN_PLACES.get(
            publisher, rng.choice(["Hà Nội", "Hà Nội", "Thành phố Hồ Chí Minh", "Đà Nẵng"])
        )
        r.add_field(
            _field("264", " 1", "a", f"{place} :", "b", f"Nhà xuất bản {publisher},", "c", f"{year}.")
        )
        r.add_field(_field("300", "  ", "a", f"{rng.randint(80, 600)} trang ;", "c", "21 cm."))
        r.add_field(_field("852", "  ", "a", "VN-SYNTH", "h", "895.922"))
        records.append(r)
    return records


# --- variations -----------------------------------------------------------------------------------

_LOCAL = re.compile(r"^(049|059|09\d|59\d|85[2-9]|9\d\d)$")
_LIBRARIES = ["VN-HNI", "VN-HCM", "VN-DNG", "VN-HUE", "VN-CTO", "VN-QNI", "VN-LDG", "VN-TNG"]
_ISBD_END = re.compile(r"\s*[:;/=,.]\s*$")


def _strip_marks(text: str) -> str:
    """Return TEXT without Latin diacritics (and đ as d), as typed on a keyboard without them."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if not "\u0300" <= ch <= "\u036f"))


def _map_text(record: pymarc.Record, fn, tags=None) -> None:
    for f in record.fields:
        if f.control_field or (tags and f.tag not in tags):
            continue
        f.subfields = [Subfield(s.code, fn(s.value)) for s in f.subfields]


def _first(record: pymarc.Record, *tags: str) -> Field | None:
    for tag in tags:
        found = record.get_fields(tag)
        if found:
            return found[0]
    return None


def _get(f: Field | None, code: str) -> str:
    if f is None:
        return ""
    return next((s.value for s in f.subfields if s.code == code), "")


def _set(f: Field, code: str, value: str | None, after: str = "") -> None:
    """Set (or with VALUE None remove) the first $CODE of F; a new one goes after $AFTER."""
    for i, s in enumerate(f.subfields):
        if s.code == code:
            if value is None:
                del f.subfields[i]
            else:
                f.subfields[i] = Subfield(code, value)
            return
    if value is None:
        return
    pos = len(f.subfields)
    for i, s in enumerate(f.subfields):
        if s.code in after:
            pos = i + 1
    f.subfields.insert(pos, Subfield(code, value))


def _remove(record: pymarc.Record, *tags: str) -> None:
    for tag in tags:
        for f in record.get_fields(tag):
            record.remove_field(f)


def _set_control(record: pymarc.Record, tag: str, data: str) -> None:
    _remove(record, tag)
    record.add_ordered_field(Field(tag=tag, data=data))


def _other_library(r: pymarc.Record, rng: random.Random, changes: list[str]) -> None:
    """Make R look like another library's copy: its numbers, its local fields, less of the rest."""
    library = rng.choice(_LIBRARIES)
    _set_control(r, "001", f"{library[-3:].lower()}{rng.randint(10000, 9999999)}")
    _set_control(r, "003", library)
    _set_control(r, "005", f"20{rng.randint(10, 24)}0{rng.randint(1, 9)}1{rng.randint(0, 9)}101010.0")
    for f in list(r.fields):
        if _LOCAL.match(f.tag):
            r.remove_field(f)
    if rng.random() < 0.5:
        _remove(r, "035")
    if rng.random() < 0.5:
        _remove(r, "010")
    if rng.random() < 0.3:
        _remove(r, "040")
    r.add_ordered_field(_field("852", "  ", "a", library, "b", "KHO-MUON"))


def _case(value: str, upper: bool) -> str:
    return value.upper() if upper else value[:1] + value[1:].lower()


def _hyphenate(number: str) -> str:
    if len(number) == 13:
        return f"{number[:3]}-{number[3]}-{number[4:8]}-{number[8:12]}-{number[12]}"
    return f"{number[0]}-{number[1:5]}-{number[5:9]}-{number[9]}"


def _vary_isbn(r: pymarc.Record, rng: random.Random, changes: list[str]) -> None:
    fields = r.get_fields("020")
    if not fields:
        return
    x = rng.random()
    if x < 0.12:
        _remove(r, "020")
        changes.append("isbn-dropped")
        return
    if len(fields) > 1 and x < 0.35:
        for f in fields[1:]:
            r.remove_field(f)
        fields = fields[:1]
        changes.append("isbn-one-of")
    for f in fields:
        value = _get(f, "a")
        number = isbn13(value)
        if not number:
            continue
        form = rng.choice(["10", "13", "hyphen", "hyphen10"])
        if form.endswith("10") and isbn10(number):
            number = isbn10(number)
        if form.startswith("hyphen"):
            number = _hyphenate(number)
        qualifier = rng.choice(["", "", " (pbk.)", " (hbk.)", " (alk. paper)", " (q. 1)", " (bìa mềm)"])
        _set(f, "a", number + qualifier)
        if rng.random() < 0.3:
            _set(f, "c", rng.choice(["$12.95", "45000đ", "£9.99", "120.000 VND"]), after="a")
    changes.append("isbn-form")


_ARTICLE_RE = re.compile(
    r"^(?:(?:the|a|an|le|la|les|un|une|der|die|das|ein|eine|el|els|los|las|il|lo|gli)\s+|l')", re.I
)


def _dup_variations(r: pymarc.Record, rng: random.Random, changes: list[str], vietnamese: bool) -> None:
    """Vary R the way another library's catalogue differs in form (see the module docstring)."""
    f245 = _first(r, "245")
    if f245 is not None and rng.random() < 0.4:
        if _get(f245, "b") and rng.random() < 0.35:
            title, sub = _get(f245, "a"), _get(f245, "b")
            sep = rng.choice([" : ", ": "])
            _set(f245, "a", _ISBD_END.sub("", title) + sep + sub)
            _set(f245, "b", None)
        else:
            for f in [f245, *r.get_fields("260", "264", "300", "250")]:
                f.subfields = [Subfield(s.code, _ISBD_END.sub("", s.value)) for s in f.subfields]
        changes.append("punctuation")
    if f245 is not None and _get(f245, "b") and rng.random() < 0.2:
        _set(f245, "b", None)
        _set(f245, "a", _ISBD_END.sub("", _get(f245, "a")))
        changes.append("no-subtitle")
    if f245 is not None and _get(f245, "c") and rng.random() < 0.3:
        if rng.random() < 0.5:
            _set(f245, "c", None)
        else:
            _set(f245, "c", re.sub(r"^(by|par|von|de)\s+", "", _get(f245, "c")) + " ; with a preface")
        changes.append("responsibility")
    if f245 is not None and f245.indicators[1] not in " 0" and rng.random() < 0.4:
        if rng.random() < 0.5:
            _set(f245, "a", _ARTICLE_RE.sub("", _get(f245, "a"), count=1).capitalize())
        f245.indicators = Indicators(f245.indicators[0], "0")
        changes.append("article")
    if f245 is not None and rng.random() < 0.12:
        upper = rng.random() < 0.5
        f245.subfields = [
            Subfield(s.code, _case(s.value, upper) if s.code in "ab" else s.value) for s in f245.subfields
        ]
        changes.append("case")
    if f245 is not None and _get(f245, "n") and rng.random() < 0.5:
        numbers = re.findall(r"\d+", _get(f245, "n"))
        if numbers:
            _set(f245, "n", _volume_label(int(numbers[0]), rng, vietnamese))
            changes.append("volume-form")
    if rng.random() < 0.5:
        _vary_isbn(r, rng, changes)
    _vary_author(r, rng, changes, vietnamese)
    _vary_imprint(r, rng, changes, vietnamese)
    c008 = _first(r, "008")
    if c008 is not None:
        x = rng.random()
        if x < 0.1:
            r.remove_field(c008)
            changes.append("no-008")
        elif x < 0.2:
            c008.data = c008.data[:7] + "uuuu" + c008.data[11:]
            changes.append("008-date-missing")
        elif x < 0.25 and len(c008.data) >= 38:
            c008.data = c008.data[:35] + "   " + c008.data[38:]
            changes.append("008-language-blank")
    f300 = _first(r, "300")
    if f300 is not None and rng.random() < 0.25:
        if rng.random() < 0.3:
            r.remove_field(f300)
        else:
            pages = re.findall(r"(\d+)\s*(?:p\b|pages|tr\b|trang)", _get(f300, "a"))
            if pages:
                _set(f300, "a", f"{pages[-1]} {rng.choice(['p.', 'tr.', 'pages', 'trang'])}")
        changes.append("extent")
    f250 = _first(r, "250")
    if f250 is not None and rng.random() < 0.5:
        numbers = re.findall(r"\d+", _get(f250, "a"))
        if numbers and int(numbers[0]) < 30:
            _set(f250, "a", _edition_label(int(numbers[0]), rng, vietnamese))
            changes.append("edition-form")
    if f245 is not None and rng.random() < 0.05:
        words = [w for w in re.findall(r"\w+", _get(f245, "a")) if len(w) >= 6 and w.isalpha()]
        if words:
            w = rng.choice(words)
            i = rng.randrange(1, len(w) - 1)
            typo = w[:i] + ("e" if w[i] != "e" else "a") + w[i + 1 :]
            _set(f245, "a", _get(f245, "a").replace(w, typo, 1))
            changes.append("typo")
    _less_detail(r, rng, changes)
    x = rng.random()
    if x < 0.15 or (vietnamese and x < 0.4):
        _map_text(r, _strip_marks)
        changes.append("no-diacritics")
    elif x < 0.3:
        _map_text(r, lambda v: unicodedata.normalize("NFD", v))
        changes.append("nfd")


# What a brief record (a small library's, or one keyed from the book in a hurry) leaves out.
_BRIEF_DROPS = re.compile(r"^(0[1-9]\d|041|043|05\d|08\d|246|300|4\d\d|5\d\d|6\d\d|7\d\d|8[0-4]\d)$")
_BRIEF_KEEP = {"020", "022"}


def _less_detail(r: pymarc.Record, rng: random.Random, changes: list[str]) -> None:
    """Record less, or file it elsewhere: a brief record, the author as an added entry, no 041, a series."""
    x = rng.random()
    if x < 0.08:
        for f in list(r.fields):
            if _BRIEF_DROPS.match(f.tag) and f.tag not in _BRIEF_KEEP:
                r.remove_field(f)
        changes.append("brief-record")
    elif x < 0.14 and r.get_fields("100"):
        f100 = r.get_fields("100")[0]
        f100.tag = "700"
        changes.append("author-as-700")
    elif x < 0.2 and r.get_fields("041"):
        _remove(r, "041")
        changes.append("no-041")
    f245 = _first(r, "245")
    if f245 is not None and rng.random() < 0.05:
        parallel = rng.choice(["= Parallel title", "= Nhan đề song song", "= Titre parallèle"])
        _set(f245, "b", (_get(f245, "b") + " " + parallel).strip(), after="a")
        changes.append("parallel-title")
    if rng.random() < 0.05:
        r.add_ordered_field(
            _field("490", "0 ", "a", rng.choice(["Tủ sách văn học", "Penguin classics", "Collection"]))
        )
        changes.append("series")


def _volume_label(n: int, rng: random.Random, vietnamese: bool) -> str:
    roman = [
        "",
        "I",
        "II",
        "III",
        "IV",
        "V",
        "VI",
        "VII",
        "VIII",
        "IX",
        "X",
        "XI",
        "XII",
        "XIII",
        "XIV",
        "XV",
    ]
    if vietnamese:
        return rng.choice([f"Tập {n}", f"T.{n}", f"T. {n}", f"Tập {roman[n] if n < 16 else n}", f"Q. {n}"])
    return rng.choice([f"v. {n}", f"Vol. {n}", f"Volume {n}", f"v. {roman[n] if n < 16 else n}", f"Part {n}"])


_ORDINALS = [
    "",
    "First",
    "Second",
    "Third",
    "Fourth",
    "Fifth",
    "Sixth",
    "Seventh",
    "Eighth",
    "Ninth",
    "Tenth",
]


def _edition_label(n: int, rng: random.Random, vietnamese: bool) -> str:
    if vietnamese:
        return rng.choice([f"Tái bản lần thứ {n}", f"In lần thứ {n}", f"Tái bản lần {n}"])
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(n if n < 20 else n % 10, "th")
    choices = [f"{n}{suffix} ed.", f"{n}. ed.", f"Ed. {n}", f"{n}{suffix} edition"]
    if n < len(_ORDINALS):
        choices.append(f"{_ORDINALS[n]} edition")
    return rng.choice(choices)


def _vary_author(r: pymarc.Record, rng: random.Random, changes: list[str], vietnamese: bool) -> None:
    f100 = _first(r, "100")
    if f100 is None:
        return
    name = _get(f100, "a")
    if rng.random() < 0.3:
        bare = name.rstrip(" ,.")
        if "," in bare:
            surname, _, forenames = bare.partition(",")
            # A Vietnamese heading reads in direct order; a Western one is turned round.
            direct = (
                f"{surname.strip()} {forenames.strip()}"
                if vietnamese
                else f"{forenames.strip()} {surname.strip()}"
            )
            _set(f100, "a", direct + ("," if _get(f100, "d") else ""))
            f100.indicators = Indicators("0", f100.indicators[1])
        else:
            words = bare.split()
            if len(words) > 1:
                inverted = (
                    f"{words[0]}, {' '.join(words[1:])}"
                    if vietnamese
                    else f"{words[-1]}, {' '.join(words[:-1])}"
                )
                _set(f100, "a", inverted + ("," if _get(f100, "d") else ""))
                f100.indicators = Indicators("1", f100.indicators[1])
        changes.append("author-order")
    if rng.random() < 0.25:
        if _get(f100, "d"):
            _set(f100, "d", None)
            _set(f100, "a", _get(f100, "a").rstrip(" ,") + ("." if not vietnamese else ""))
        else:
            born = rng.randint(1850, 1980)
            _set(f100, "a", _get(f100, "a").rstrip(" .") + ",")
            _set(
                f100,
                "d",
                f"{born}-{born + rng.randint(40, 90)}." if born < 1950 else f"{born}-",
                after="abcq",
            )
        changes.append("author-dates")
    if not vietnamese and rng.random() < 0.1:
        a = _get(f100, "a")
        if "," in a:
            surname, _, forenames = a.partition(",")
            initials = " ".join(w[0] + "." for w in forenames.split() if w[:1].isalpha())
            if initials:
                _set(f100, "a", f"{surname}, {initials}")
                changes.append("author-initials")
    if rng.random() < 0.15:
        _set(f100, "e", "tác giả." if vietnamese else "author.", after="abcdq")
        changes.append("relator")


def _vary_imprint(r: pymarc.Record, rng: random.Random, changes: list[str], vietnamese: bool) -> None:
    imprint = _first(r, "260", "264")
    if imprint is None:
        return
    if rng.random() < 0.3:
        if imprint.tag == "260":
            imprint.tag, imprint.indicators = "264", Indicators(" ", "1")
        else:
            imprint.tag, imprint.indicators = "260", Indicators(" ", " ")
        changes.append("264")
    if rng.random() < 0.35:
        b = _get(imprint, "b")
        new = b
        for old, short in (
            ("Nhà xuất bản", "Nxb."),
            ("Publishing Company", "Pub. Co."),
            ("University", "Univ."),
            ("Press", "Pr."),
            (", Inc.", ""),
            ("Company", "Co."),
        ):
            if old in new:
                new = new.replace(old, short)
                break
        else:
            if b.startswith("Nxb."):
                new = b.replace("Nxb.", "Nhà xuất bản", 1)
        a = _get(imprint, "a")
        if a.startswith("Hà Nội"):
            _set(imprint, "a", a.replace("Hà Nội", "H.", 1))
            changes.append("publisher-form")
        if new != b:
            _set(imprint, "b", new)
            if "publisher-form" not in changes:
                changes.append("publisher-form")


def _is_vietnamese(r: pymarc.Record) -> bool:
    c008 = _first(r, "008")
    return c008 is not None and c008.data[35:38] == "vie"


def _copy(r: pymarc.Record) -> pymarc.Record:
    return copy.deepcopy(r)


def duplicate_pair(base: pymarc.Record, rng: random.Random) -> Pair:
    """Return a true duplicate pair of BASE: another library's copy (or two libraries' copies)."""
    vietnamese = _is_vietnamese(base)
    changes: list[str] = []
    b = _copy(base)
    _other_library(b, rng, changes)
    _dup_variations(b, rng, changes, vietnamese)
    if rng.random() < 0.3:
        a = _copy(base)
        _other_library(a, rng, changes)
        _dup_variations(a, rng, changes, vietnamese)
        changes.append("both-varied")
    else:
        a = base
    if rng.random() < 0.5:
        a, b = b, a
    return Pair("duplicate", True, a, b, sorted(set(changes)))


# --- the differences that make another publication ------------------------------------------------


def _shift_years(r: pymarc.Record, delta: int) -> None:
    c008 = _first(r, "008")
    if c008 is not None and c008.data[7:11].isdigit():
        c008.data = c008.data[:7] + str(int(c008.data[7:11]) + delta) + c008.data[11:]
    for f in r.get_fields("260", "264"):
        f.subfields = [
            Subfield(s.code, re.sub(r"(1\d{3}|20\d{2})", lambda m: str(int(m.group()) + delta), s.value))
            if s.code == "c"
            else s
            for s in f.subfields
        ]


def _dated(r: pymarc.Record) -> bool:
    c008 = _first(r, "008")
    if c008 is not None and c008.data[7:11].isdigit():
        return True
    return any(re.search(r"1\d{3}|20\d{2}", _get(f, "c")) for f in r.get_fields("260", "264"))


def _new_isbns(r: pymarc.Record, rng: random.Random, add: bool = False) -> None:
    fields = r.get_fields("020")
    if not fields and add:
        r.add_ordered_field(
            _field("020", "  ", "a", _isbn_from(rng, "978604" if _is_vietnamese(r) else "978"))
        )
        return
    for f in fields:
        number = isbn13(_get(f, "a"))
        if number:
            # Same publisher prefix, another title number.
            _set(f, "a", _isbn_from(rng, number[:7]))


def _new_numbers(r: pymarc.Record, rng: random.Random) -> None:
    """Give R its own OCLC number and LCCN (a cloned record keeps the old ones 20 % of the time)."""
    if rng.random() < 0.2:
        return
    for f in r.get_fields("035"):
        _set(f, "a", f"(OCoLC){rng.randint(1000000, 999999999)}")
    for f in r.get_fields("010"):
        _set(f, "a", f"   {rng.randint(50, 99)}{rng.randint(100000, 999999)} ")


def _change_pages(r: pymarc.Record, rng: random.Random) -> None:
    f300 = _first(r, "300")
    if f300 is None:
        return
    a = _get(f300, "a")
    numbers = re.findall(r"\d+", a)
    if numbers:
        n = int(numbers[-1])
        m = max(1, n + rng.choice([-1, 1]) * rng.randint(max(3, n // 12), max(4, n // 4)))
        _set(f300, "a", a[::-1].replace(numbers[-1][::-1], str(m)[::-1], 1)[::-1])


def _other_publisher(r: pymarc.Record, rng: random.Random, publishers: list[str]) -> None:
    imprint = _first(r, "260", "264")
    if imprint is not None and publishers:
        _set(imprint, "b", rng.choice(publishers) + ",", after="a")


def _edition_pair(base: pymarc.Record, rng: random.Random, publishers: list[str], reprint: bool) -> Pair:
    vietnamese = _is_vietnamese(base)
    changes: list[str] = []
    b = _copy(base)
    _other_library(b, rng, changes)
    _dup_variations(b, rng, changes, vietnamese)
    if not reprint:
        f250 = _first(b, "250")
        numbers = re.findall(r"\d+", _get(f250, "a")) if f250 is not None else []
        current = int(numbers[0]) if numbers and int(numbers[0]) < 30 else 1
        label = _edition_label(current + rng.randint(1, 3), rng, vietnamese)
        if f250 is None:
            b.add_ordered_field(_field("250", "  ", "a", label))
        else:
            _set(f250, "a", label)
    _shift_years(b, rng.randint(1, 12))
    _new_isbns(b, rng, add=rng.random() < 0.3)
    _new_numbers(b, rng)
    if rng.random() < 0.7:
        _change_pages(b, rng)
    if rng.random() < 0.3:
        _other_publisher(b, rng, publishers)
    a, b = (base, b) if rng.random() < 0.5 else (b, base)
    return Pair("reprint" if reprint else "other edition", False, a, b, sorted(set(changes)))


def _volume_pair(base: pymarc.Record, rng: random.Random, whole_set: bool) -> Pair:
    vietnamese = _is_vietnamese(base)
    changes: list[str] = []
    a, b = _copy(base), _copy(base)
    f245a, f245b = _first(a, "245"), _first(b, "245")
    existing = re.findall(r"\d+", _get(f245a, "n"))
    i = int(existing[0]) if existing else rng.randint(1, 4)
    j = rng.choice([k for k in range(1, 9) if k != i])
    by_name = not whole_set and rng.random() < 0.25
    if by_name:
        names = rng.sample(_PART_NAMES_VI if vietnamese else _PART_NAMES, 2)
        for f, name in ((f245a, names[0]), (f245b, names[1])):
            _set(f, "n", None)
            _set(f, "p", name, after="abn")
    else:
        if not whole_set:
            _set(f245a, "n", _volume_label(i, rng, vietnamese), after="ab")
        else:
            _set(f245a, "n", None)
            f300 = _first(a, "300")
            if f300 is not None and rng.random() < 0.8:
                # The record of the whole set counts volumes, not pages.
                _set(f300, "a", f"{rng.randint(max(2, j), 12)} {'tập' if vietnamese else 'v.'} ;")
        _set(f245b, "n", _volume_label(j, rng, vietnamese), after="ab")
    for f in (f245a, f245b):
        if f is not None:
            _set(f, "a", _ISBD_END.sub("", _get(f, "a")) + ".")
    if rng.random() < 0.5:
        _new_isbns(b, rng)
        changes.append("own-isbn")
    else:
        changes.append("set-isbn")
    if rng.random() < 0.3:
        _shift_years(b, rng.randint(1, 3))
    if rng.random() < 0.8:
        _change_pages(b, rng)
    _new_numbers(b, rng)
    _other_library(b, rng, changes)
    _dup_variations(b, rng, changes, vietnamese)
    a, b = (a, b) if rng.random() < 0.5 else (b, a)
    return Pair("whole set vs volume" if whole_set else "other volume", False, a, b, sorted(set(changes)))


_PART_NAMES = [
    "Section A, Physics",
    "Section B, Chemistry",
    "Sciences naturelles",
    "Sciences mathématiques",
    "Condensed matter",
    "Atomic physics",
    "Textes",
    "Commentaire",
    "Index",
    "Supplement",
]
_PART_NAMES_VI = ["Phần văn bản", "Phần chú giải", "Địa lý", "Lịch sử", "Bài tập", "Sách giáo viên"]
_LANGUAGES = ["eng", "fre", "ger", "spa", "ita", "rus", "vie", "chi", "jpn", "pol", "swe", "por"]
_LANGUAGE_NAMES = {"eng": "English", "fre": "French", "ger": "German", "spa": "Spanish", "ita": "Italian"}
_LANGUAGE_NAMES |= {"rus": "Russian", "vie": "Vietnamese", "chi": "Chinese", "jpn": "Japanese"}
_LANGUAGE_NAMES |= {"pol": "Polish", "swe": "Swedish", "por": "Portuguese"}
_TRANSLATORS = ["Nguyễn Văn Vĩnh", "Marie Dubois", "Hans Müller", "Lê Thị Hoa", "John Smith", "Anna Kowalska"]
_SYLLABLES = "ka lo mi ren tu sa vel dor ni que pa ri zo han ul bri est mon ta fi".split()


def _made_up_word(word: str, language: str) -> str:
    digest = hashlib.sha1(f"{language}:{fold(word)}".encode(), usedforsecurity=False).digest()
    return "".join(_SYLLABLES[b % len(_SYLLABLES)] for b in digest[: 1 + len(word) // 4])


def _translation_pair(base: pymarc.Record, rng: random.Random, publishers: list[str]) -> Pair:
    changes: list[str] = []
    b = _copy(base)
    c008 = _first(b, "008")
    original = c008.data[35:38] if c008 is not None and len(c008.data) >= 38 else ""
    language = rng.choice([x for x in _LANGUAGES if x != original])
    if c008 is not None and len(c008.data) >= 38:
        c008.data = c008.data[:35] + language + c008.data[38:]
    else:
        _set_control(b, "008", f"240101s2000    xx            000 0 {language} d")
    _remove(b, "041")
    sub = ["a", language] + (["h", original] if original.strip() and original.isalpha() else [])
    b.add_ordered_field(_field("041", "1 ", *sub))
    f245 = _first(b, "245")
    if f245 is not None:
        title = _get(f245, "a")
        _remove(b, "240")
        b.add_ordered_field(
            _field("240", "10", "a", _ISBD_END.sub("", title) + ".", "l", _LANGUAGE_NAMES[language] + ".")
        )
        if rng.random() < 0.7:
            translated = re.sub(r"\w+", lambda m: _made_up_word(m.group(), language), title)
            _set(f245, "a", translated[:1].upper() + translated[1:])
            if _get(f245, "b"):
                _set(f245, "b", re.sub(r"\w+", lambda m: _made_up_word(m.group(), language), _get(f245, "b")))
            changes.append("title-translated")
        else:
            changes.append("title-kept")
        translator = rng.choice(_TRANSLATORS)
        _set(f245, "c", (_get(f245, "c").rstrip(" .") + f" ; translated by {translator}.").lstrip(" ;"))
        b.add_ordered_field(_field("700", "1 ", "a", translator + ",", "e", "translator."))
    if rng.random() < 0.8:
        _other_publisher(b, rng, publishers)
    if rng.random() < 0.5:
        _shift_years(b, rng.randint(1, 20))
    _new_isbns(b, rng, add=rng.random() < 0.3)
    _new_numbers(b, rng)
    if rng.random() < 0.6:
        _change_pages(b, rng)
    _other_library(b, rng, changes)
    _dup_variations(b, rng, changes, language == "vie")
    a, b = (base, b) if rng.random() < 0.5 else (b, base)
    return Pair("translation", False, a, b, sorted(set(changes)))


def nonduplicate_pair(kind: str, base: pymarc.Record, rng: random.Random, publishers: list[str]) -> Pair:
    """Return a look-alike pair of KIND made from BASE (see the module docstring)."""
    if kind in ("other edition", "reprint"):
        return _edition_pair(base, rng, publishers, reprint=kind == "reprint")
    if kind in ("other volume", "whole set vs volume"):
        return _volume_pair(base, rng, whole_set=kind == "whole set vs volume")
    if kind == "translation":
        return _translation_pair(base, rng, publishers)
    raise ValueError(kind)


NONDUPLICATE_KINDS = ("other edition", "reprint", "other volume", "whole set vs volume", "translation")


def _publishers(records: list[pymarc.Record]) -> list[str]:
    found = []
    for r in records:
        imprint = _first(r, "260", "264")
        b = _ISBD_END.sub("", _get(imprint, "b")) if imprint is not None else ""
        if b and len(found) < 400:
            found.append(b)
    return sorted(set(found))


def _usable(r: pymarc.Record) -> bool:
    """Return True if R can be a base record: a title and a name, an imprint or an ISBN/ISSN."""
    f245 = _first(r, "245")
    if f245 is None or not tokens(fold(_get(f245, "a"))):
        return False
    return bool(r.get_fields("100", "110", "111", "700", "710", "711", "260", "264", "020", "022"))


def synthetic_pairs(records: list[pymarc.Record], seed: int, per_kind: int, prefix: str = "") -> list[Pair]:
    """Return PER_KIND duplicate pairs and PER_KIND pairs of each look-alike kind made from RECORDS."""
    rng = random.Random(seed)
    usable = [r for r in records if _usable(r)]
    publishers = _publishers(usable)
    pairs = []
    for _ in range(per_kind * 2):  # twice as many duplicates: their variations are many
        pairs.append(duplicate_pair(rng.choice(usable), rng))
    dated = [r for r in usable if _dated(r)]
    for kind in NONDUPLICATE_KINDS:
        for _ in range(per_kind):
            # A reprint is told by its date: a base without one would make a pair that differs in nothing.
            base = rng.choice(dated if kind == "reprint" else usable)
            pairs.append(nonduplicate_pair(kind, base, rng, publishers))
    for p in pairs:
        p.kind = prefix + p.kind
    return pairs


def vietnamese_pairs(records: list[pymarc.Record], seed: int, per_kind: int) -> list[Pair]:
    """Return Vietnamese pairs: variations and look-alikes of RECORDS, and same-title-other-author pairs."""
    pairs = synthetic_pairs(records, seed + 1000, per_kind, prefix="vi: ")
    by_title = defaultdict(list)
    for r in records:
        by_title[fold(_get(_first(r, "245"), "a")).strip(" ./:")].append(r)
    rng = random.Random(seed + 2000)
    for group in by_title.values():
        for i, r in enumerate(group):
            for other in group[i + 1 :]:
                if fold(_get(_first(r, "100"), "a")) == fold(_get(_first(other, "100"), "a")):
                    continue
                b = _copy(other)
                changes: list[str] = []
                _other_library(b, rng, changes)
                _dup_variations(b, rng, changes, True)
                pairs.append(Pair("vi: same title, other author", False, r, b, changes))
    return pairs


# --- real pairs -----------------------------------------------------------------------------------


def _control(r: pymarc.Record) -> tuple[str, str]:
    f001, f003 = _first(r, "001"), _first(r, "003")
    return ((f001.data or "").strip() if f001 else "", (f003.data or "").strip() if f003 else "")


def _title_key(r: pymarc.Record) -> str:
    f245 = _first(r, "245")
    words = tokens(fold(_get(f245, "a")))
    if len(words) > 1 and words[0] in ("the", "a", "an", "le", "la", "les", "l", "der", "die", "das", "el"):
        words = words[1:]
    return " ".join(words)


def _date1(r: pymarc.Record) -> str:
    c008 = _first(r, "008")
    return c008.data[7:11] if c008 is not None and c008.data[7:11].isdigit() else ""


def _isbn_set(r: pymarc.Record) -> set[str]:
    return {n for f in r.get_fields("020") for v in f.get_subfields("a") for n in [isbn13(v)] if n}


def _text(r: pymarc.Record, tag: str, codes: str) -> str:
    f = _first(r, tag)
    return " ".join(tokens(fold(" ".join(s.value for s in f.subfields if s.code in codes)))) if f else ""


_CARRIERS = (
    ("sound", ("sound disc", "audio disc", "sound cassette", "sound recording", "audiocassette")),
    ("video", ("videocassette", "videodisc", "video disc", "dvd", "videorecording")),
    ("score", ("score",)),
    ("micro", ("microfilm", "microfiche", "microform", "microopaque")),
    ("online", ("online resource", "remote", "electronic resource")),
    ("map", ("map", "atlas")),
)


def _carrier(r: pymarc.Record) -> str:
    text = _text(r, "300", "a") + " " + _text(r, "245", "h")
    return next((name for name, words in _CARRIERS if any(w in text for w in words)), "")


def _ids(r: pymarc.Record) -> set[str]:
    found = {"isbn:" + n for n in _isbn_set(r)}
    found |= {"lccn:" + "".join(v.split()) for f in r.get_fields("010") for v in f.get_subfields("a")}
    return found


def _label_real(a: pymarc.Record, b: pymarc.Record) -> str | None:
    """Return "dup", "apart", "skip" (left out) or None (undecided) for two corpus records."""
    ca, cb = _control(a), _control(b)
    override = _REAL_OVERRIDES.get(tuple(sorted((ca[0], cb[0]))), "")
    if override != "":
        return {True: "dup", False: "apart", None: "skip"}[override]
    same_title = _title_key(a) == _title_key(b)
    if ca[0] and ca == cb:
        # One source record that reached the corpus twice; a fixture reusing its number for
        # another title is not a pair anyone could label.
        return "dup" if same_title else "skip"
    checks = (
        _text(a, "245", "np") != _text(b, "245", "np"),  # another volume or part
        _text(a, "250", "a") != _text(b, "250", "a"),  # another edition
        _date1(a) and _date1(b) and _date1(a) != _date1(b),  # another year
        _isbn_set(a) and _isbn_set(b) and not _isbn_set(a) & _isbn_set(b),  # other ISBNs
        _language(a) and _language(b) and _language(a) != _language(b),  # another language
        str(a.leader)[6] != str(b.leader)[6],  # another kind of material
        _carrier(a) and _carrier(b) and _carrier(a) != _carrier(b),  # another carrier
        _disjoint(_text(a, "100", "a"), _text(b, "100", "a")),  # another author
        not _prefixed(_text(a, "245", "ab"), _text(b, "245", "ab")),  # another title
    )
    if any(checks):
        return "apart"
    if same_title and _ids(a) & _ids(b):
        # The same title, date and ISBN or LCCN: two descriptions of one publication.
        return "dup"
    return None


def _language(r: pymarc.Record) -> str:
    c008 = _first(r, "008")
    return c008.data[35:38].strip() if c008 is not None else ""


def _disjoint(a: str, b: str) -> bool:
    return bool(a and b and not set(a.split()) & set(b.split()))


def _prefixed(a: str, b: str) -> bool:
    """Return True if one folded title is the other, or the other with something more."""
    return a.startswith(b) or b.startswith(a)


# Hand labels of corpus pairs, keyed by the two records' 001 (sorted; "" for none), seen record by
# record: True duplicate, False apart, None left out. They take precedence over _label_real.
_REAL_OVERRIDES: dict[tuple[str, str], bool | None] = {
    # LC replaced the first record by the second (010 $z of the second is the first's LCCN).
    ("00314247", "2008543486"): True,
    # The same record twice, one copy with its 880 script fields read in the wrong character set.
    ("", "testRussian1"): True,
    ("", "testChinese2"): True,
    ("", "testHebrew1"): True,
    ("", "testArabic1"): True,
    # One library's two records of one 1815 session-laws volume (122 p., same printer, same year).
    ("u1330", "u1337"): True,
    # Two printings of one 1856 speech: Buell & Blanchard in Washington, the Tribune in New York.
    ("u1369", "u1372"): False,
    # Two performers' recordings of one song; a recording and the book of its transcriptions.
    ("03-0004381", "03-0015953"): False,
    ("03-0017829", "03-0017883"): False,
    # Test records with consecutive LCCNs and nothing else to tell them apart or together.
    ("11224466", "11224467"): None,
}


def real_pairs(records: list[pymarc.Record], max_per_group: int = 12) -> tuple[list[Pair], list[tuple]]:
    """Return the labelled corpus look-alike pairs and the undecided ones (for inspection)."""
    groups: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(records):
        key = _title_key(r)
        if key:
            groups["t:" + key].append(i)
        for n in _isbn_set(r):
            groups["i:" + n].append(i)
    rng = random.Random(7)  # fixed: the real pairs do not depend on the seed
    seen: set[tuple[int, int]] = set()
    pairs, undecided = [], []
    for key in sorted(groups):
        members = groups[key]
        if len(members) < 2:
            continue
        candidates = [(i, j) for n, i in enumerate(members) for j in members[n + 1 :]]
        if len(candidates) > max_per_group:
            candidates = rng.sample(candidates, max_per_group)
        for i, j in candidates:
            if (i, j) in seen:
                continue
            seen.add((i, j))
            a, b = records[i], records[j]
            label = _label_real(a, b)
            if label is None:
                undecided.append((i, j))
                continue
            if label == "skip":
                continue
            kind = "real: same record twice" if label == "dup" else "real: look-alike"
            pairs.append(Pair(kind, label == "dup", a, b, []))
    return pairs, undecided


# --- the whole set --------------------------------------------------------------------------------


def build(corpus: Path, seed: int, per_kind: int = 600, vi_per_kind: int = 60) -> list[Pair]:
    """Return the labelled pairs for SEED: synthetic from the real records, Vietnamese, real look-alikes."""
    records = real_records(corpus)
    pairs = synthetic_pairs(records, seed, per_kind)
    pairs += vietnamese_pairs(vietnamese_records(corpus), seed, vi_per_kind)
    pairs += real_pairs(records)[0]
    return pairs
