"""Realistic demo data for a Vietnamese provincial library network, framework-free.

``generate_network`` gives the libraries of one post-2025 province (Tỉnh Ninh Bình),
``generate_records`` a union catalogue in MARC 21 (TCVN 7539 practice) with Koha-style 952
holdings, ``write_libraries_csv`` the file ``thuvien libraries import`` reads, and ``demo_people``
the demo accounts. Output depends only on the seed (and on ``today`` for dates).
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import math
import string
import unicodedata
from collections.abc import Iterator
from itertools import accumulate
from random import Random

from pymarc import Field, Record, Subfield

from . import classics, places, vocab

__all__ = [
    "CSV_COLUMNS",
    "DEMO_PASSWORD",
    "demo_people",
    "demo_readers",
    "generate_network",
    "generate_records",
    "isbn10_check_digit",
    "isbn13_check_digit",
    "write_libraries_csv",
]

DEMO_PASSWORD = "thuvien-demo"  # noqa: S105 - a published demo password, by design
CSV_COLUMNS = [
    "code", "name", "kind", "parent", "address", "latitude", "longitude", "phone", "email", "website",
    "opening_hours",
]  # fmt: skip
SUBJECT_SOURCE = "Bộ TK TVQG"
ACQUISITION_YEARS = 15
PUBLISHERS = {**vocab.PUBLISHERS, **places.EXTRA_PUBLISHERS}

_KNOWN_KINDS = {kind for table in vocab.AFFINITY.values() for kind in table}
_SIZES = (13, 14, 16, 19, 20, 21, 24, 27, 29)
_NONFILING = {"eng": ("The ", "A ", "An "), "fre": ("Les ", "Le ", "La ", "L'", "Un ", "Une ")}
_PROPER = {"Paris", "London", "Vietnam", "English", "Southeast", "Asia", "Mekong", "Delta", "Red", "River"}
_BOOK_KINDS = [
    *vocab.BOOK_KINDS,
    *((f"genre:{k}", g["weight"]) for k, g in vocab.GENRES.items()),
    *((f"local:{k}", g["weight"]) for k, g in places.LOCAL_GENRES.items()),
]
_FOREIGN_SHARE = (("eng", 0.060), ("fre", 0.008), ("chi", 0.012))
_RECENT_SHARE = 0.02  # books bought in the last 30 days, so "new acquisitions" shows something
_SERIAL_SHARE = 0.012
_MAP_SHARE = 0.006


# --- ISBN / ISSN ----------------------------------------------------------------------------
def isbn13_check_digit(first12: str) -> str:
    """Return the ISBN-13 check digit for twelve digits."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return str((10 - total % 10) % 10)


def isbn10_check_digit(first9: str) -> str:
    """Return the ISBN-10 check digit (0-9 or X) for nine digits."""
    check = (11 - sum(int(d) * (10 - i) for i, d in enumerate(first9)) % 11) % 11
    return "X" if check == 10 else str(check)


def _issn(stem7: str) -> str:
    check = (11 - sum(int(d) * (8 - i) for i, d in enumerate(stem7)) % 11) % 11
    return f"{stem7[:4]}-{stem7[4:]}{'X' if check == 10 else check}"


def _isbn(rng: Random, stem: str, hyphens: bool, ten: bool) -> str:
    """An ISBN starting with ``stem`` ("978-604-2", "978-1-108"); ISBN-10 drops the "978"."""
    if ten:
        stem = stem.split("-", 1)[1]
    digits = stem.replace("-", "")
    rest = "".join(str(rng.randrange(10)) for _ in range((9 if ten else 12) - len(digits)))
    check = isbn10_check_digit(digits + rest) if ten else isbn13_check_digit(digits + rest)
    return f"{stem.rstrip('-')}-{rest}-{check}" if hyphens else digits + rest + check


# --- text helpers ---------------------------------------------------------------------------
def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _end(s: str) -> str:
    """Close an ISBD element with a full stop unless it already ends in one."""
    s = s.rstrip()
    return s if s[-1:] in ".?!…-" else s + "."


def _sentence_case(title: str) -> str:
    """ "The Girl in Paris" -> "The girl in Paris", as cataloguers transcribe English titles."""
    first, *rest = title.split(" ")
    return " ".join([first, *(w if w in _PROPER else w.lower() for w in rest)])


def _lowercase_lead(phrase: str) -> str:
    """ "Chú gà trống" -> "chú gà trống", but "Mèo Mun" (a proper name) stays."""
    words = phrase.split()
    return phrase[:1].lower() + phrase[1:] if len(words) > 1 and words[1][:1].islower() else phrase


def _fold_ascii(s: str) -> str:
    s = s.replace("Đ", "D").replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))


def _direct_order(inverted: str) -> str:
    family, _, given = inverted.partition(", ")
    return f"{given} {family}" if given else inverted


def _person(name: str, role: str = "tác giả", ind1: str = "0", dates: str | None = None) -> dict:
    return {"type": "person", "name": name, "role": role, "ind1": ind1, "dates": dates}


def _subject(heading: str, xs=(), z: str | None = None, y: str | None = None) -> tuple:
    return (heading, list(xs), z, y)


def _fields(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


def _weighted(pairs) -> tuple[list, list]:
    pairs = list(pairs.items()) if isinstance(pairs, dict) else list(pairs)
    return [k for k, _ in pairs], list(accumulate(w for _, w in pairs))


def _pick(rng: Random, table: tuple[list, list]):
    return rng.choices(table[0], cum_weights=table[1])[0]


_FAMILY = _weighted(vocab.FAMILY_NAMES)


def vn_person(rng: Random, family_table: tuple[list, list] | None = None) -> tuple[str, bool]:
    """(a Vietnamese full name in direct order, True if a woman's), family names by frequency."""
    family_table = family_table or _FAMILY
    family = _pick(rng, family_table)
    female = rng.random() < 0.48
    middles = vocab.MIDDLE_FEMALE if female else vocab.MIDDLE_MALE
    given = rng.choice(vocab.GIVEN_FEMALE if female else vocab.GIVEN_MALE)
    middle = rng.choice(middles)
    while middle == given:
        middle = rng.choice(middles)
    r = rng.random()
    if r < 0.08:  # two middle names: "Nguyễn Thị Minh Khai"
        second = rng.choice(middles[4:] if female else middles[3:])
        if second not in (middle, given):
            return f"{family} {middle} {second} {given}", female
    elif r < 0.11:  # father's and mother's family names: "Trần Nguyễn Khánh Linh"
        family2 = _pick(rng, family_table)
        if family2 != family:
            return f"{family} {family2} {rng.choice(middles[4:] if female else middles[3:])} {given}", female
    elif r < 0.16:  # no middle name: "Lê Lựu"
        return f"{family} {given}", female
    return f"{family} {middle} {given}", female


def _call_mark(work: dict) -> str:
    """Author mark of the call number: "NG-A" for Nguyễn Nhật Ánh; from the title without author."""
    main = work.get("main")
    if main and main["type"] == "person":
        if "," in main["name"]:  # inverted Western name
            family, given = (p.strip() for p in main["name"].split(",", 1))
        else:
            words = main["name"].split()
            family, given = words[0], words[-1]
    else:
        words = (main["name"] if main else work["title"]).split()
        family, given = words[0], next((w for w in words[1:] if w[:1].isalpha()), "")
    fam = "".join(c for c in _fold_ascii(family).upper() if c.isascii() and c.isalpha())[:2]
    giv = "".join(c for c in _fold_ascii(given).upper() if c.isascii() and c.isalpha())[:1]
    if not fam:  # Chinese or Japanese script: shelved under the language
        fam, giv = "TQ", ""
    return f"{fam}-{giv}" if giv else fam


# --- network and people ----------------------------------------------------------------------
def generate_network(seed: int = 1) -> list[dict]:
    """Return the libraries of the demo province, root first, parents before children.

    Real places are not random, so the network is the same for every ``seed``.
    """
    del seed
    return copy.deepcopy(places.NETWORK)


def write_libraries_csv(libraries: list[dict], path) -> None:
    """Write ``libraries`` as the UTF-8 CSV that ``thuvien libraries import`` reads."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_COLUMNS)
        for lib in libraries:
            row = []
            for col in CSV_COLUMNS:
                value = lib.get(col)
                if value is None:
                    value = ""
                elif col in ("latitude", "longitude"):
                    value = f"{float(value):.6f}"
                row.append(value)
            writer.writerow(row)


def _root(libraries: list[dict]) -> dict:
    roots = [lib for lib in libraries if not lib.get("parent")] or libraries
    return next((lib for lib in roots if lib.get("kind") == "provincial"), roots[0])


def _code_prefix(code: str) -> str:
    """ "VN-NB" -> "NB": the prefix of control numbers and card numbers."""
    parts = [p for p in code.split("-") if p]
    tail = parts[1] if len(parts) > 1 and parts[0] == "VN" else parts[-1]
    return "".join(c for c in tail.upper() if c.isalnum())[:4] or "TV"


def _split_name(full_name: str) -> tuple[str, str]:
    """(first_name, last_name) for Django's fields: the given name, then family and middle names."""
    family_middle, _, given = full_name.rpartition(" ")
    return given, family_middle


def demo_people(libraries: list[dict]) -> dict:
    """Describe the demo accounts: staff of the provincial and of one commune library, and a reader.

    Returns ``{"password": str, "staff": [...], "reader": {...}}``. A staff entry has username,
    password, full_name, first_name, last_name, email, library (code), roles (a list of "admin",
    "cataloguer", "circulation") and scope ("subtree" or "library"); the reader has name, card, pin,
    library, category, birth_year, phone and email.
    """
    root = _root(libraries)
    communes = [lib for lib in libraries if lib.get("kind") == "commune"]
    commune = (communes or [lib for lib in libraries if lib is not root] or [root])[0]
    code = commune["code"]
    suffix = code[len(root["code"]) :] if code.startswith(root["code"] + "-") else code
    local_user = "xa." + (".".join(p for p in suffix.lower().split("-") if p) or "thuvien")
    staff = []
    for username, full_name, library, roles, scope in (
        ("quantri", "Phạm Thị Thu Hà", root["code"], ["admin"], "subtree"),
        ("biennuc", "Nguyễn Văn Tùng", root["code"], ["cataloguer"], "library"),
        # A commune librarian does everything at the small library, and nothing elsewhere.
        (local_user, "Đinh Thị Lan", code, ["circulation", "cataloguer"], "library"),
    ):
        first_name, last_name = _split_name(full_name)
        staff.append({
            "username": username, "password": DEMO_PASSWORD, "full_name": full_name, "first_name": first_name,
            "last_name": last_name, "email": f"{username}@thuvien.example", "library": library, "roles": roles,
            "scope": scope,
        })  # fmt: skip
    reader = {
        "name": "Lê Minh Khôi", "card": f"{_code_prefix(root['code'])}0000001", "pin": "1234", "library": root["code"],
        "category": "adult", "birth_year": 1998, "phone": "0912 345 678", "email": "khoi.le@thuvien.example",
        "birth_date": dt.date(1998, 4, 12), "cccd": "037098004512",
        "address": "Số 15 ngõ 42 đường Trần Hưng Đạo, phường Hoa Lư, tỉnh Ninh Bình",
    }  # fmt: skip
    return {"password": DEMO_PASSWORD, "staff": staff, "reader": reader}


# Readers by the kind of their home library: (category, weight); ages by category.
_READER_MIX = {
    "provincial": (
        ("adult", 48),
        ("student", 16),
        ("senior", 14),
        ("staff", 10),
        ("child", 8),
        ("disabled", 4),
    ),
    "commune": (("adult", 44), ("child", 26), ("senior", 20), ("pupil", 10)),
    "school": (("pupil", 1),),
    "university": (("student", 85), ("staff", 15)),
    "specialised": (("staff", 2), ("adult", 1)),
    "armed-forces": (("staff", 1),),
    "community": (("adult", 5), ("child", 3), ("senior", 2)),
    "private": (("adult", 2), ("child", 1)),
}
_LIBRARY_SHARE = {"provincial": 30, "commune": 9, "school": 7, "university": 8, "specialised": 2, "armed-forces": 3,
                  "community": 4, "private": 3}  # fmt: skip
_AGES = {"child": (6, 14), "pupil": (15, 17), "student": (18, 24), "adult": (22, 59), "senior": (60, 86),
         "staff": (24, 58), "disabled": (18, 70)}  # fmt: skip
_STREETS = ("Trần Hưng Đạo", "Lê Lợi", "Đinh Tiên Hoàng", "Lý Thái Tổ", "Nguyễn Huệ", "Hoàng Hoa Thám",
            "Phan Đình Phùng", "Lương Văn Tụy", "Hai Bà Trưng", "Quang Trung", "Trường Chinh", "Võ Thị Sáu")  # fmt: skip
_HAMLETS = (
    "thôn Đông",
    "thôn Trung",
    "thôn Đoài",
    "xóm Chùa",
    "xóm Mới",
    "thôn Phú Lễ",
    "xóm 3",
    "thôn Quỹ Nhất",
)
_MOBILE = (
    "091",
    "094",
    "088",
    "098",
    "097",
    "096",
    "086",
    "033",
    "035",
    "038",
    "070",
    "077",
    "083",
    "085",
    "090",
)
# CCCD province codes of the three provinces merged into Ninh Bình in 2025.
_CCCD_PROVINCE = {"NAMDINH": "036", "HAIHAU": "036", "TN-BDKHANH": "036", "PHULY": "035"}
_MAIL_DOMAINS = ("mail.example", "thudientu.example", "hopthu.example")


def _locality(address: str) -> str:
    """ "Số 27 đường Lê Hồng Phong, phường Hoa Lư, tỉnh Ninh Bình" -> "phường Hoa Lư, tỉnh Ninh Bình"."""
    parts = [p.strip() for p in (address or "").split(",")]
    for i, part in enumerate(parts):
        if part.startswith(("phường ", "xã ")):
            return ", ".join(parts[i:])
    return ", ".join(parts[-2:])


def demo_readers(
    libraries: list[dict], n: int = 299, seed: int = 1, *, today: dt.date | None = None
) -> list[dict]:
    """Describe N demo readers across the libraries, besides the demo reader (whose card ends in 1).

    Each is a dict of card, pin, name, female, category, library, birth_date, email, phone, address,
    cccd (valid, for about a third of the grown-ups), keep_history, status ("active", or "pending"
    for a few self-registrations in the OPAC) and expires_on (None, or a past date for a few lapsed cards).
    """
    today = today or dt.date.today()
    rng = Random(f"thuvien-demo-readers:{seed}")
    root = _root(libraries)
    prefix = _code_prefix(root["code"])
    homes = [
        (lib, _LIBRARY_SHARE.get("provincial" if lib is root else lib.get("kind"), 2)) for lib in libraries
    ]
    home_table = _weighted((lib["code"], w) for lib, w in homes)
    by_code = {lib["code"]: lib for lib in libraries}
    used_cccd: set[str] = set()
    readers = []
    for number in range(2, n + 2):
        lib = by_code[_pick(rng, home_table)]
        kind = "provincial" if lib is root else lib.get("kind", "community")
        category = _pick(rng, _weighted(_READER_MIX.get(kind, _READER_MIX["community"])))
        name, female = vn_person(rng)
        low, high = _AGES[category]
        if category == "pupil" and "TH" in lib["code"].rsplit("-", 1)[-1] and "THPT" not in lib["code"]:
            low, high = 6, 10  # a primary school
        born = today - dt.timedelta(days=rng.randint(low * 365 + 1, high * 365 + 300))
        given = _fold_ascii(name.split()[-1]).lower()
        family = _fold_ascii(name.split()[0]).lower()
        email = ""
        if category not in ("child",) and rng.random() < (0.45 if category == "senior" else 0.85):
            style = rng.random()
            local = (
                f"{given}.{family}{born.year % 100:02d}"
                if style < 0.5
                else f"{family}{given}{rng.randint(1, 999)}"
            )
            email = f"{local}@{rng.choice(_MAIL_DOMAINS)}"
        phone = ""
        if category != "child" or rng.random() < 0.3:  # a child's card carries a parent's number
            digits = f"{rng.choice(_MOBILE)}{rng.randint(0, 9_999_999):07d}"
            phone = f"{digits[:4]} {digits[4:7]} {digits[7:]}"
        locality = _locality(lib.get("address", "")) or "tỉnh Ninh Bình"
        if locality.startswith("xã") or rng.random() < 0.2:
            street = rng.choice(_HAMLETS)
            street = street[0].upper() + street[1:]
        else:
            street = f"Số {rng.randint(1, 199)}" + (
                f" ngõ {rng.randint(2, 80)}" if rng.random() < 0.4 else ""
            )
            street += f" đường {rng.choice(_STREETS)}"
        cccd = ""
        if category in ("adult", "senior", "staff", "student", "disabled") and rng.random() < 0.35:
            area = next((v for k, v in _CCCD_PROVINCE.items() if k in lib["code"]), "037")
            century = 0 if born.year < 2000 else 2
            while not cccd or cccd in used_cccd:
                cccd = f"{area}{century + female}{born.year % 100:02d}{rng.randint(0, 999_999):06d}"
            used_cccd.add(cccd)
        status = "active"
        if category in ("adult", "student") and rng.random() < 0.025:
            status = "pending"
        expires_on = None
        if status == "active" and rng.random() < 0.015:
            expires_on = today - dt.timedelta(days=rng.randint(3, 90))
        readers.append({
            "card": f"{prefix}{number:07d}", "pin": f"{rng.randint(0, 9999):04d}", "name": name, "female": female,
            "category": category, "library": lib["code"], "birth_date": born, "email": email, "phone": phone,
            "address": f"{street}, {locality}", "cccd": cccd, "keep_history": rng.random() < 0.3, "status": status,
            "expires_on": expires_on,
        })  # fmt: skip
    # Whatever the seed, the desk has a few cards to approve and a few lapsed cards to renew.
    grown = [r for r in readers if r["category"] in ("adult", "student") and r["status"] == "active"]
    for reader in grown[-3:]:
        if sum(r["status"] == "pending" for r in readers) < 3:
            reader["status"], reader["expires_on"] = "pending", None
    for reader in grown[-6:-3]:
        if sum(r["expires_on"] is not None for r in readers) < 2:
            reader["expires_on"] = today - dt.timedelta(days=rng.randint(3, 90))
    return readers


# --- records --------------------------------------------------------------------------------
def generate_records(
    n: int, libraries: list[dict], seed: int = 1, *, today: dt.date | None = None
) -> Iterator[Record]:
    """Yield ``n`` MARC 21 bibliographic records with 952 holdings in ``libraries``.

    Dates (acquisitions, 005, 008/00-05) are relative to ``today`` (default: the current date): the
    same seed and the same ``today`` give the same records. Control numbers, ISBNs and barcodes are
    unique within one call.
    """
    if not libraries:
        raise ValueError("generate_records needs at least one library")
    yield from _RecordGenerator(libraries, seed, today or dt.date.today()).run(n)


class _Slots(dict):
    """Template slots filled on first use, so a title, its author and its summary agree.

    A local title names a commune, festival, craft, relic or person of one of the three provinces
    merged in 2025; {P} is that province for a book written before the merger.
    """

    PLACES = {
        "c": places.OLD_UNITS,
        "f": places.FESTIVALS,
        "cr": places.CRAFTS,
        "r": places.RELICS,
        "n": places.NOTABLES,
    }

    def __init__(self, gen: _RecordGenerator, rng: Random, year: int, topic: str):
        super().__init__(t=topic, T=_cap(topic))
        self.gen, self.rng, self.year = gen, rng, year
        self.home: str | None = None  # province of the place the title names
        self.unit: tuple[str, str, str] | None = None  # (commune, district, province)

    def place(self, key: str) -> tuple:
        items = self.PLACES[key]
        if "P" in self and self.year < 2025:
            items = [item for item in items if item[-1] == self["P"]] or items
        item = self.rng.choice(items)
        self.home = self.home or item[-1]
        return item

    def __missing__(self, key: str) -> str:
        rng = self.rng
        if key in ("c", "p"):  # a commune and its district agree, but only the asked one is named
            self.unit = self.unit or self.place("c")
            value = self.unit[0] if key == "c" else self.unit[1]
        elif key in ("r", "R"):
            relic = self.place("r")[0]
            self["r"], self["R"] = relic, _cap(relic)
            return self[key]
        elif key in self.PLACES:
            value = self.place(key)[0]
        elif key == "P":
            if self.home and (self.year < 2025 or (self.year == 2025 and rng.random() < 0.5)):
                value = self.home
            else:
                value = self.gen.province_name(rng, self.year)
        elif key == "y":
            value = str(self.year - 1)
        elif key == "y1":
            value = rng.choice(("1930", "1930", "1945", "1947", "1948", "1975", "1986"))
        elif key == "y2":
            value = str(self.year - rng.randint(0, 2))
        else:
            raise KeyError(key)
        self[key] = value
        return value

    def fitting(self, templates: list[str]) -> list[str]:
        """The templates naming only what the title named, at the most specific level it names.

        The province can always follow; "xã {c}" beats "tỉnh {P}" when the title names the commune.
        """
        fit = [t for t in templates if all(name in self or name == "P" for name in _fields(t))]
        specific = [t for t in fit if set(_fields(t)) & {"c", "p", "f", "cr", "r", "n"}]
        return specific or fit or templates


class _RecordGenerator:
    def __init__(self, libraries: list[dict], seed: int, today: dt.date):
        self.seed = seed
        self.today = today
        self.root = _root(libraries)
        self.prefix = _code_prefix(self.root["code"])
        width = max(3, len(str(len(libraries))))
        self.lib_number = {lib["code"]: f"{i + 1:0{width}d}" for i, lib in enumerate(libraries)}
        self.item_seq = dict.fromkeys(self.lib_number, 0)
        self.by_kind: dict[str, list[dict]] = {}
        for lib in libraries:
            kind = "provincial" if lib is self.root else lib.get("kind")
            # an unknown kind is served like a small public library
            self.by_kind.setdefault(kind if kind in _KNOWN_KINDS else "commune", []).append(lib)
        self.cataloguing = {
            lib["code"] for lib in libraries
            if lib is not self.root and lib.get("kind") in ("university", "commune", "school", "specialised")
        }  # fmt: skip
        self.pools: dict[str, tuple[list, list]] = {}
        self.used_titles: set[str] = set()
        self.used_isbns: set[str] = set()
        self.year_tables: dict[int, tuple[list, list]] = {}
        self.forced_year: int | None = None
        self.book_kinds = _weighted(_BOOK_KINDS)
        self.family = _weighted(vocab.FAMILY_NAMES)
        self.weights_cache: dict[int, tuple[list, list]] = {}

    def run(self, n: int) -> Iterator[Record]:
        rng = Random(f"thuvien-demo:{self.seed}")
        specials: list[tuple[str, object]] = [("classic", w) for w in classics.CLASSICS[: n // 5]]
        specials += [("serial", s) for s in places.SERIALS[: round(n * _SERIAL_SHARE)]]
        specials += [("map", m) for m in places.MAPS[: round(n * _MAP_SHARE)]]
        at = dict(zip(rng.sample(range(n), len(specials)), specials, strict=True))
        recent_year = self.today.year if self.today.timetuple().tm_yday > 45 else self.today.year - 1
        for i in range(n):
            r = Random(f"{self.seed}:{i}")  # one stream per record: record i is stable
            kind, spec = at.get(i, ("book", None))
            self.forced_year = recent_year if kind == "book" and r.random() < _RECENT_SHARE else None
            if kind == "classic":
                work = self.classic_work(spec)
            elif kind == "serial":
                work = self.serial_work(spec)
            elif kind == "map":
                work = self.map_work(spec)
            else:
                work = self.book_work(r)
                work["recent"] = work["year"] == self.forced_year
            yield self.assemble(r, i, work)

    # -- people --------------------------------------------------------------------------------
    def vn_name(self, rng: Random) -> str:
        return vn_person(rng, self.family)[0]

    def western_name(self, rng: Random) -> str:
        first = rng.choice(vocab.WESTERN_FIRST)
        if rng.random() < 0.3:
            first += f" {rng.choice('ABCDEFGHJKLMNPRSTW')}."
        return f"{rng.choice(vocab.WESTERN_LAST)}, {first}"

    def author(self, rng: Random, key: str, size: int = 60, pen_share: float = 0.0) -> tuple[str, str | None]:
        """(shown name, real name if a pen name) from a stable cast per genre, drawn Zipf-like."""
        pool = self.pools.get(key)
        if pool is None:
            prng = Random(f"{self.seed}:pool:{key}")
            people, seen = [], set()
            while len(people) < size:
                real = self.vn_name(prng)
                shown = real
                if prng.random() < pen_share:
                    shown = f"{prng.choice(vocab.PEN_FIRST)} {prng.choice(vocab.PEN_SECOND)}"
                if shown in seen or len(set(shown.split())) < len(shown.split()):
                    continue
                seen.add(shown)
                people.append((shown, real if shown != real else None))
            pool = self.pools[key] = (people, list(accumulate(1 / (i + 1) ** 0.8 for i in range(size))))
        return _pick(rng, pool)

    def province_name(self, rng: Random, year: int) -> str:
        """The province a local book of ``year`` is about: one of the three merged before 2025."""
        if year >= 2026 or (year == 2025 and rng.random() < 0.5):
            return places.PROVINCE
        return rng.choices(places.FORMER_PROVINCES, weights=(5, 3, 2))[0]

    def pub_year(self, rng: Random, lo: int = 1988) -> int:
        if self.forced_year is not None and self.forced_year >= lo:
            return self.forced_year
        top = self.today.year
        lo = min(max(lo, 1960), top)
        table = self.year_tables.get(lo)
        if table is None:
            # Recent years dominate; the current year is only partly published.
            years = list(range(lo, top + 1))
            table = self.year_tables[lo] = _weighted(
                (y, math.exp((y - top) / 9) * (0.6 if y == top else 1)) for y in years
            )
        return _pick(rng, table)

    def weighted(self, weights) -> tuple[list, list]:
        """Cumulative weights of a static table (a genre's publishers, ...), computed once."""
        got = self.weights_cache.get(id(weights))
        if got is None:
            got = self.weights_cache[id(weights)] = _weighted(weights)
        return got

    def unique_title(self, make, tries: int = 4) -> str:
        for _ in range(tries):
            title = make()
            if title not in self.used_titles:
                break
        self.used_titles.add(title)
        return title

    # -- works: what a record describes, before it becomes MARC ---------------------------------
    def book_work(self, rng: Random) -> dict:
        r = rng.random()
        for lang, share in _FOREIGN_SHARE:
            if r < share:
                return self.foreign_work(rng, lang)
            r -= share
        family, _, sub = _pick(rng, self.book_kinds).partition(":")
        if family == "lit":
            return self.literature_work(rng, sub)
        if family == "child":
            return self.children_work(rng, sub)
        if family == "textbook":
            return self.textbook_work(rng)
        if family == "translated":
            return self.translated_work(rng)
        if family == "genre":
            return self.topic_work(rng, sub, vocab.GENRES[sub])
        return self.topic_work(rng, sub, places.LOCAL_GENRES[sub], local=True)

    def responsibility(self, rng: Random, key: str, genre: dict, mode: str, slots: _Slots) -> dict:
        """Main entry, statement of responsibility and added entries for one way of authorship."""
        size = 20 + int(genre.get("weight", 2) * 15)
        if mode == "author":
            names = [self.author(rng, key, size)]
            if rng.random() < 0.2:
                other = self.author(rng, key, size)
                if other[0] != names[0][0]:
                    names.append(other)
            return {
                "main": _person(names[0][0]), "added": [_person(n) for n, _ in names[1:]],
                "sor": ", ".join(n for n, _ in names), "real": names[0][1],
            }  # fmt: skip
        if mode in ("editor", "compiler"):
            lead = self.author(rng, key, size)[0]
            team: list[str] = []
            for _ in range(rng.choice((0, 1, 1, 2, 2, 3, 4))):
                name = self.author(rng, key, size)[0]
                if name != lead and name not in team:
                    team.append(name)
            if mode == "editor":
                lead_role, team_role = (
                    "chủ biên",
                    rng.choice(("biên soạn", "biên soạn", "tham gia biên soạn")),
                )
                sor = f"{lead} chủ biên" + (f" ; {', '.join(team)} {team_role}" if team else "")
            else:
                lead_role = team_role = rng.choice(
                    ("sưu tầm, biên soạn", "tuyển chọn", "sưu tầm, giới thiệu")
                )
                sor = f"{', '.join([lead, *team])} {lead_role}"
            added = [_person(lead, lead_role.split(",")[0])]
            added += [_person(n, team_role.split(",")[0]) for n in team]
            return {"main": None, "added": added, "sor": sor}
        if mode == "corporate":
            # The author is at the level the title names: a commune's Party history by the commune.
            corporates = genre.get("corporates") or ["Ủy ban nhân dân tỉnh {P}"]
            corp = rng.choice(slots.fitting(corporates)).format_map(slots)
            return {"main": {"type": "corp", "name": corp}, "added": [], "sor": corp}
        # "law": the text of a law has no author; the legislature is an added entry
        return {"main": None, "added": [], "sor": None, "added_corp": ["Việt Nam (CHXHCN). Quốc hội"]}

    def topic_work(self, rng: Random, key: str, g: dict, local: bool = False) -> dict:
        topic = rng.choice(g["topics"])
        text, ddc, heading = topic[:3]
        extra = topic[3] if len(topic) > 3 else None  # a year the book cannot predate, or a period
        year = self.pub_year(rng, extra if isinstance(extra, int) else (2000 if key == "it" else 1988))
        slots = _Slots(self, rng, year, text)

        def make():
            title = rng.choice(g["titles"]).format_map(slots)
            if g["qualifiers"] and rng.random() < 0.3:
                title = f"{title} {rng.choice(g['qualifiers'])}"
            return _cap(title)

        title = self.unique_title(make)
        subtitle = rng.choice(g["subtitles"]) if g["subtitles"] and rng.random() < 0.25 else None
        if ": " in title:  # "Lễ hội X: lịch sử và giá trị" -> $a Lễ hội X : $b lịch sử và giá trị
            title, subtitle = title.split(": ", 1)
        elif subtitle and subtitle.split()[0].lower() in title.lower():
            subtitle = None  # no "Giáo trình ... : giáo trình"
        work = self.responsibility(rng, key, g, _pick(rng, self.weighted(g["resp"])), slots)
        subjects = [_subject(heading, [rng.choice(g["subject_x"])] if rng.random() < 0.5 else [])]
        geo: list[str] = []
        if local:
            geo = [slots["P"]]
            if key == "local_history":
                subjects = [_subject("Lịch sử"), _subject("Địa chí")]
        elif isinstance(extra, str):
            subjects[0] = _subject(heading, z="Việt Nam", y=extra)
        elif g["profile"] in ("law", "politics", "history", "culture", "economics", "education"):
            geo = ["Việt Nam"]
        subjects += [_subject(h) for h in g.get("extra_subjects", []) if h != heading and rng.random() < 0.6]
        summary = None
        if rng.random() < (0.6 if local else 0.35):
            summary = rng.choice(slots.fitting(g["summaries"])).format_map(slots)
        work.update(
            title=title, subtitle=subtitle or None, ddc=ddc, pub=_pick(rng, self.weighted(g["publishers"])), year=year,
            profile=g["profile"], subjects=subjects, geo=geo, summary=summary, local=local,
            pages=rng.randint(*g["pages"]), size_range=g["size"], price_range=g["price"], illus_p=g["illus"],
            keywords=[_cap(text)] if text and rng.random() < 0.5 else [], province=slots.get("P"),
            contents="l" if key == "law" and title[:1] in "LBH" else ("d" if key == "reference" else " "),
        )  # fmt: skip
        if g.get("volumes") and rng.random() < g["volumes"]:
            work["part"] = f"T.{rng.randint(1, 4)}"
        return work

    def literature_work(self, rng: Random, form: str) -> dict:
        subtitles, ddc, litform, genre_form, pages = vocab.LIT_FORMS[form]
        year = self.pub_year(rng)
        title = self.unique_title(lambda: self.poetic_title(rng, form))
        subtitle = rng.choice(subtitles)
        local_pub = form != "novel" and rng.random() < 0.15  # the provincial writers' association
        pub = "hoi_vnnt" if local_pub else _pick(rng, self.weighted(vocab.LIT_PUBLISHERS))
        shown, real = self.author(rng, "lit", 260, pen_share=0.35)
        work = {
            "title": title, "subtitle": subtitle if rng.random() < 0.7 else None, "ddc": ddc, "pub": pub,
            "year": year, "profile": "literature", "litform": litform, "genre_form": [genre_form or _cap(subtitle)],
            "geo": ["Việt Nam"], "subjects": [_subject("Văn học hiện đại")], "local": local_pub,
            "province": self.province_name(rng, year) if local_pub else None,
            "main": _person(shown), "sor": shown, "real": real, "pages": rng.randint(*pages), "size_range": (13, 21),
            "price_range": (40, 90) if form == "poetry" else (60, 180), "illus_p": 0.05,
            "bio": "a" if subtitle == "hồi ký" else " ",
        }  # fmt: skip
        if rng.random() < 0.4:
            theme = rng.choice(vocab.LIT_SUMMARY_THEME)
            if form == "poetry":
                work["summary"] = f"Tập thơ gồm {rng.randint(40, 90)} bài viết về {theme}."
            else:
                who, where = rng.choice(vocab.LIT_SUMMARY_WHO), rng.choice(vocab.LIT_SUMMARY_WHERE)
                work["summary"] = f"Câu chuyện về {who} {where}, gửi gắm {theme}."
        return work

    @staticmethod
    def poetic_title(rng: Random, form: str) -> str:
        v = vocab
        r = rng.random() * (11.5 if form == "poetry" else 9.5)
        if r < 4:
            t = f"{rng.choice(v.LIT_NOUNS)} {rng.choice(v.LIT_MODS)}"
        elif r < 5:
            t = f"{rng.choice(v.LIT_TIME_NOUNS)} {rng.choice(('ở', 'trên', 'bên', 'về'))} {rng.choice(v.LIT_PLACES)}"
        elif r < 5.7:
            t = f"Người {rng.choice(v.LIT_PERSONS)}"
        elif r < 6.4:
            t = f"{rng.choice(v.LIT_PLURALS)} {rng.choice(v.LIT_PLURAL_MODS)}"
        elif r < 6.9:
            a, b = rng.sample(v.LIT_PAIRS, 2)
            t = f"{a} và {b.lower()}"
        elif r < 7.6:
            t = f"{rng.choice(('Khi', 'Nơi', 'Ngày', 'Mùa'))} {rng.choice(v.LIT_CLAUSES)}"
        elif r < 8.1:
            t = f"{rng.choice(('Trở về', 'Nhớ', 'Về lại', 'Gặp lại'))} {rng.choice(v.LIT_PLACES)}"
        elif r < 8.5:
            t = f"Ký ức {rng.choice(v.LIT_MEMORY)}"
        elif r < 8.9:
            t = f"{rng.choice(v.LIT_SONGS)} {rng.choice(v.LIT_MODS)}"
        elif r < 9.5:
            t = f"Đường {rng.choice(v.LIT_ROAD_TAILS)}"
        else:
            t = rng.choice(v.POEM_EXTRAS).format(m=rng.choice(v.LIT_MODS), pl=rng.choice(v.LIT_PLACES))
        return _cap(t)

    def children_work(self, rng: Random, sub: str) -> dict:
        work = {
            "year": self.pub_year(rng), "profile": "children", "audience": "j", "geo": ["Việt Nam"],
            "illus": rng.choice(("tranh màu", "tranh vẽ")), "size_range": (19, 27), "price_range": (15, 60),
            "pages": rng.randint(16, 120), "picture": True, "pub": _pick(rng, self.weighted(vocab.CHILD_PUBLISHERS)),
        }  # fmt: skip
        illustrator = self.author(rng, "illus", 40)[0]
        if sub == "story":

            def make():
                hero = rng.choice(vocab.CHILD_HEROES)
                return _cap(rng.choice(vocab.CHILD_PATTERNS).format(
                    h=hero, hl=_lowercase_lead(hero), a=rng.choice(vocab.CHILD_ACTIONS),
                    place=rng.choice(vocab.CHILD_PLACES),
                ))  # fmt: skip

            writer = self.author(rng, "child", 120, pen_share=0.3)[0]
            work.update(
                title=self.unique_title(make), subtitle=rng.choice((None, None, "truyện tranh", "truyện thiếu nhi")),
                ddc="895.92234", litform="1", genre_form=["Truyện thiếu nhi"], subjects=[_subject("Văn học thiếu nhi")],
                main=_person(writer), added=[_person(illustrator, "minh họa")],
                sor=f"Lời: {writer} ; Tranh: {illustrator}" if rng.random() < 0.6 else writer,
            )  # fmt: skip
        elif sub == "folk":
            teller = self.author(rng, "child", 120)[0]
            if rng.random() < 0.25:
                title = rng.choice((
                    "Truyện cổ tích Việt Nam chọn lọc", "Kho tàng truyện cổ tích Việt Nam", "Truyện ngụ ngôn Việt Nam",
                    "Truyện cổ tích các dân tộc thiểu số Việt Nam", "Truyện cổ tích về loài vật",
                ))  # fmt: skip
                subtitle, work["pages"], work["illus"] = None, rng.randint(120, 320), "tranh vẽ"
            else:
                title = self.unique_title(lambda: rng.choice(vocab.FOLK_TALES))
                subtitle = rng.choice(("truyện cổ tích Việt Nam", "truyện tranh", None))
            work.update(
                title=title, subtitle=subtitle, ddc="398.209597", litform="1", genre_form=["Truyện cổ tích"],
                subjects=[_subject("Văn học dân gian"), _subject("Truyện cổ tích")], main=None,
                sor=f"{teller} kể ; Tranh: {illustrator}", added=[_person(teller, "kể"), _person(illustrator, "minh họa")],
                series=("Truyện cổ tích Việt Nam", None) if rng.random() < 0.3 else None,
            )  # fmt: skip
        else:
            series, items = rng.choice(vocab.CHILD_SERIES)
            item = rng.choice(items)
            editor = self.author(rng, "child", 120)[0]
            work.update(
                ddc=vocab.CHILD_SERIES_DDC[series], litform="0", main=None,
                subjects=[_subject(rng.choice(("Kiến thức phổ thông", "Thiếu nhi", "Sách thiếu nhi")))],
            )  # fmt: skip
            if series == "Mười vạn câu hỏi vì sao":  # translated from Chinese, one volume per field
                work.update(
                    title=series, part_name=item, sor=f"{editor} biên dịch", orig_lang="chi",
                    added=[_person(editor, "biên dịch")], pages=rng.randint(120, 240),
                )  # fmt: skip
            elif series == "Thần đồng đất Việt":  # a comic in numbered volumes
                work.update(
                    title=series, part=item, sor="Lê Linh", genre_form=["Truyện tranh"], contents="6", litform="1",
                    pub="tre", added=[_person("Lê Linh")], pages=rng.randint(96, 120), size_range=(13, 18),
                )  # fmt: skip
            else:
                work.update(
                    title=item, series=(series, None), sor=f"Lời: {editor} ; Tranh: {illustrator}",
                    added=[_person(editor, "biên soạn"), _person(illustrator, "minh họa")],
                    genre_form=["Truyện tranh"] if series.startswith("Truyện tranh") else [],
                )  # fmt: skip
        return work

    def textbook_work(self, rng: Random) -> dict:
        subject, grades, ddc_primary, ddc_secondary = rng.choice(vocab.TEXTBOOK_SUBJECTS)
        grade = rng.choice(grades)
        rollout = vocab.TEXTBOOK_ROLLOUT.get(grade, 2024)
        new_programme = rng.random() < 0.8 and rollout <= self.today.year
        if new_programme:
            year = self.pub_year(rng, rollout)
            series, pub = rng.choice(vocab.TEXTBOOK_SERIES)
        else:
            year, series, pub = rng.randint(2008, min(rollout, self.today.year + 1) - 1), None, "giaoduc"
        kind = _pick(rng, self.weighted(vocab.TEXTBOOK_KINDS))
        title, subtitle = f"{subject} {grade}", None
        if kind == "Sách giáo viên":
            subtitle = "sách giáo viên"
        elif kind:
            title = f"{kind} {subject} {grade}"
        lead = self.author(rng, "textbook", 70)[0]
        editor = lead
        while editor == lead:
            editor = self.author(rng, "textbook", 70)[0]
        team = [
            t for t in dict.fromkeys(self.author(rng, "textbook", 70)[0] for _ in range(rng.randint(1, 3)))
        ]
        team = [t for t in team if t not in (lead, editor)]
        two_volumes = subject in ("Tiếng Việt", "Toán", "Ngữ văn", "Tiếng Anh") and grade <= 10
        reprint = year - rollout if new_programme and year > rollout and rng.random() < 0.7 else 0
        return {
            "title": title, "subtitle": subtitle, "part": f"T.{rng.randint(1, 2)}" if two_volumes else None,
            "ddc": ddc_primary if grade <= 5 and ddc_primary else (ddc_secondary or ddc_primary), "pub": pub,
            "year": year, "profile": "textbook", "audience": "b" if grade <= 3 else "c" if grade <= 9 else "d",
            "main": None, "sor": f"{lead} tổng chủ biên ; {editor} chủ biên" + (f" ; {', '.join(team)}" if team else ""),
            "added": [_person(lead, "tổng chủ biên"), _person(editor, "chủ biên")] + [_person(t, "biên soạn") for t in team],
            "series": (series, None) if series else None, "subjects": [_subject(subject, [f"Lớp {grade}"])],
            "genre_form": ["Sách giáo khoa"], "pages": rng.randint(64, 200), "size_range": (24, 27),
            "price_range": (12, 38), "illus": "tranh màu, ảnh",
            "notes": ["ĐTTS ghi: Bộ Giáo dục và Đào tạo"] if rng.random() < 0.7 else [],
            "edition": f"Tái bản lần thứ {reprint}" if reprint else None,
        }  # fmt: skip

    def translated_work(self, rng: Random) -> dict:
        pair: list[tuple[str, str]] = []

        def make():
            pair[:] = [rng.choice(vocab.TR_HEADS), rng.choice(vocab.TR_TAILS)]
            return f"{pair[0][0]} {pair[1][0]}"

        title = self.unique_title(make)
        author, translator = self.western_name(rng), rng.choice(vocab.TRANSLATORS)
        british, children = rng.random() < 0.45, rng.random() < 0.2
        publishers = {**vocab.TRANSLATION_PUBLISHERS, **({"kimdong": 2} if children else {})}
        return {
            "title": title, "subtitle": "tiểu thuyết" if not children and rng.random() < 0.6 else None,
            "sor": f"{_direct_order(author)} ; {translator} dịch", "ddc": "823.92" if british else "813.6",
            "pub": _pick(rng, _weighted(publishers)), "year": self.pub_year(rng, 1995),
            "profile": "children" if children else "literature", "audience": "j" if children else " ",
            "main": _person(author, ind1="1"), "added": [_person(translator, "dịch")], "orig_lang": "eng",
            "orig_title": _sentence_case(f"{pair[0][1]} {pair[1][1]}"), "litform": "f", "genre_form": ["Tiểu thuyết"],
            "subjects": [_subject("Văn học hiện đại")], "geo": ["Anh" if british else "Mỹ"],
            "pages": rng.randint(220, 520), "size_range": (14, 24), "price_range": (90, 220), "illus_p": 0.0,
        }  # fmt: skip

    def foreign_work(self, rng: Random, lang: str) -> dict:
        """A book in English, French or Chinese, catalogued (in Vietnamese) by the province."""
        work = {
            "lang": lang, "year": self.pub_year(rng, 1985), "profile": "foreign", "size_range": (21, 25),
            "price_range": (350, 1200), "illus_p": 0.3, "subtitle": None, "geo": [],
        }  # fmt: skip
        if lang == "eng":
            publisher, place, country, stems = rng.choice(vocab.EN_PUBLISHERS)
            author, r = self.western_name(rng), rng.random()
            if r < 0.65:
                picked: list = []

                def make():
                    picked[:] = [rng.choice(vocab.EN_TOPICS), rng.choice(vocab.EN_PLACES)]
                    return f"{picked[0][0]} in {picked[1]}"

                title = _sentence_case(self.unique_title(make))
                (_, ddc, heading), where = picked
                about_vietnam = "Vietnam" in where or "Delta" in where
                if about_vietnam:
                    ddc += "09597" if "." in ddc else ".09597"
                    if rng.random() < 0.3:
                        author = self.vn_name(rng)
                work.update(
                    subtitle=rng.choice(vocab.EN_SUBTITLES) or None,
                    geo=["Việt Nam" if about_vietnam else "Đông Nam Á"],
                )
                subjects = [_subject(heading)]
            elif r < 0.92:
                field, ddc, heading = rng.choice(vocab.EN_FIELDS)
                if rng.random() < 0.3:
                    title = _sentence_case(f"An Introduction to {field}")
                else:
                    title = _sentence_case(field)
                    work["subtitle"] = rng.choice((
                        "an introduction", "principles and practice", "a practical guide", "theory and applications",
                        "concepts and methods", "a critical introduction", "foundations and trends", "a global perspective",
                    ))  # fmt: skip
                subjects = [_subject(heading)]
            else:
                title, ddc, heading, sub, author, publisher, place, country, stem = rng.choice(
                    vocab.EN_LEARNING
                )
                if title in self.used_titles:  # one record per learner's title is plenty
                    return self.foreign_work(rng, lang)
                self.used_titles.add(title)
                subjects, stems = [_subject(heading, [sub])], [stem]
            if rng.random() < 0.15:
                work["edition"] = f"{rng.choice(('2nd', '3rd', '4th', '5th'))} ed"
            ind1 = "1" if "," in author else "0"
        elif lang == "fre":
            publisher, place, stems = rng.choice(vocab.FR_PUBLISHERS)
            author, country, ind1 = (
                f"{rng.choice(vocab.FRENCH_LAST)}, {rng.choice(vocab.FRENCH_FIRST)}",
                "fr ",
                "1",
            )
            if rng.random() < 0.8:
                subj, ddc, heading = rng.choice(vocab.FR_SUBJECTS)
                where, when = rng.choice(vocab.FR_WHERE), rng.choice(vocab.FR_WHEN)
                title = " ".join(p for p in (subj, where, when) if p)
                work["geo"] = ["Việt Nam"]
            else:
                title, ddc, heading, author, publisher, stem = rng.choice(vocab.FR_LEARNING)
                if title in self.used_titles:
                    return self.foreign_work(rng, lang)
                self.used_titles.add(title)
                stems = [stem]
            subjects = [_subject(heading)]
        else:
            publisher, place, stems = rng.choice(vocab.ZH_PUBLISHERS)
            author, country, ind1 = rng.choice(vocab.CHINESE_AUTHORS), "cc ", "0"
            if rng.random() < 0.75:
                (region, region_vi, region_ddc), (field, field_vi, field_ddc) = (
                    rng.choice(vocab.ZH_REGIONS), rng.choice(vocab.ZH_FIELDS),
                )  # fmt: skip
                title = f"{region}{field}{rng.choice(vocab.ZH_SUFFIXES)}"
                digits = (field_ddc + region_ddc).replace(".", "")
                ddc = digits[:3] + ("." + digits[3:] if len(digits) > 3 else "")
                subjects, work["geo"] = [_subject(field_vi)], [region_vi]
            else:
                title, ddc, heading, author, publisher, stem = rng.choice(vocab.ZH_LEARNING)
                if title in self.used_titles:
                    return self.foreign_work(rng, lang)
                self.used_titles.add(title)
                subjects, stems, place = [_subject(heading)], [stem], "北京"
        work.update(
            title=title, ddc=ddc, subjects=subjects, main=_person(author, ind1=ind1), sor=_direct_order(author),
            pub=(publisher, place, None), country=country, isbn_stems=stems, pages=rng.randint(160, 480),
        )  # fmt: skip
        return work

    def classic_work(self, spec: dict) -> dict:
        work = copy.deepcopy(spec)
        work["fixed"] = True
        work.setdefault("illus_p", 0.0)
        if work.get("corporate"):
            if work.get("main_is_title"):
                work.setdefault("added_corp", []).append(work["corporate"])
            else:
                work["main"] = {"type": "corp", "name": work["corporate"]}
        main, added = work.get("main"), work.get("added", [])
        for person in added:
            person.setdefault("type", "person")
        if "sor" not in work:
            parts = [main["name"] if main["type"] == "corp" else _direct_order(main["name"])] if main else []
            translators = [a["name"] for a in added if a["role"].startswith("dịch")]
            if translators:
                parts.append(
                    f"{', '.join(translators)} {next(a['role'] for a in added if a['role'].startswith('dịch'))}"
                )
            parts += [f"{a['name']} {a['role']}" for a in added if not a["role"].startswith("dịch")]
            work["sor"] = " ; ".join(parts) or None
        if not work.get("price_range"):
            ranges = {"children": (35, 120), "reference": (250, 600), "local": (150, 450)}
            work["price_range"] = ranges.get(work["profile"], (60, 250))
        return work

    def serial_work(self, spec: tuple) -> dict:
        title, publisher, place, issn, freq_text, freq, stype, start, ddc, profile = spec
        local = place in places.FORMER_PROVINCES or place == "Phủ Lý"
        return {
            "kind": "serial", "title": title, "ddc": ddc, "pub": (publisher, place, None), "year": start,
            "profile": profile, "issn": _issn(issn), "frequency": freq_text, "freq_code": freq,
            "serial_type": stype, "main": None, "sor": None, "numbering": f"Năm thứ 1, số 1 ({start})-",
            "subjects": [_subject("Báo" if stype == "n" else "Tạp chí")], "geo": [places.PROVINCE if local else "Việt Nam"],
            "local": local, "size": "42 cm" if stype == "n" else "27 cm", "price_range": (5, 40),
            "notes": [f"Cơ quan chủ quản: {publisher}"],
        }  # fmt: skip

    def map_work(self, spec: tuple) -> dict:
        title, year, scale, map_type, size, pub, ddc, local = spec
        if "tỉnh " in title:
            geo = [title.split("tỉnh ")[-1]]
        else:
            geo = [places.PROVINCE if local else "Việt Nam"]
        return {
            "kind": "map", "title": title, "ddc": ddc, "pub": pub, "year": year, "profile": "map", "scale": scale,
            "map_type": map_type, "sor": None, "geo": geo, "local": local, "size": size,
            "main": {"type": "corp", "name": "Cục Đo đạc, Bản đồ và Thông tin địa lý Việt Nam"} if pub == "tnmt" else None,
            "subjects": [_subject("Bản đồ" if map_type == "a" else "Atlat")],
            "price_range": (30, 120) if map_type == "a" else (40, 80), "pages": 1 if map_type == "a" else 44,
        }  # fmt: skip

    # -- MARC ----------------------------------------------------------------------------------
    def publisher(self, rng: Random, work: dict) -> tuple[str, str, str | None, bool]:
        """(name, place, ISBN prefix, local) of the work's publisher as it was in its year."""
        pub, year = work["pub"], work["year"]
        if not isinstance(pub, str):
            name, place, prefix = pub
            return name, work.get("place") or place, prefix, False
        since, until, stand_in = vocab.PUBLISHER_YEARS.get(pub, (0, 9999, pub))
        if not since <= year < until:
            pub = stand_in
        name, place, prefix = PUBLISHERS[pub]
        renamed_in, old_name = vocab.PUBLISHER_OLD_NAMES.get(pub, (0, name))
        if year < renamed_in:
            name = old_name
        if "{" in name + place:  # a provincial body: of the province the book is about
            province = work.get("province") or self.province_name(rng, year)
            name, place = name.format(P=province), place.format(seat=places.SEATS.get(province, province))
        return name, work.get("place") or place, prefix or None, pub in vocab.LOCAL_PUBLISHERS

    def assemble(self, rng: Random, index: int, work: dict) -> Record:
        kind, lang, year = work.get("kind", "book"), work.get("lang", "vie"), work["year"]
        pub_name, place, isbn_prefix, local_publisher = self.publisher(rng, work)
        lo, hi = work.get("price_range", (50, 150))
        inflation = max(0.25, 1 - (self.today.year - year) * 0.045) if kind == "book" else 1.0
        price = int(rng.randint(lo, hi) * inflation) * 1000

        holdings, acquired = self.holdings(rng, work, price)
        modified = dt.datetime.combine(
            max(acquired), dt.time(rng.randint(7, 17), rng.randint(0, 59), rng.randint(0, 59))
        )
        catalogued_by = self.root["code"]
        # Member libraries with a cataloguer of their own contribute some records themselves.
        members = [f.get_subfields("a")[0] for f in holdings if f.get_subfields("a")[0] in self.cataloguing]
        if members and rng.random() < 0.25:
            catalogued_by = rng.choice(members)

        fields = [
            Field("001", data=f"{self.prefix}{index + 1:06d}"),
            Field("003", data=catalogued_by),
            Field("005", data=modified.strftime("%Y%m%d%H%M%S.0")),
        ]
        if kind == "map":
            fields.append(Field("007", data="aj canzn"))
        fields.append(Field("008", data=self.fixed_field(work, kind, lang, min(acquired))))
        for isbn, qualifier in self.isbns(rng, work, kind, lang, isbn_prefix, local_publisher):
            subs = [Subfield("a", isbn)] + ([Subfield("q", qualifier)] if qualifier else [])
            if lang == "vie" and rng.random() < 0.6:
                subs.append(Subfield("c", f"{price}đ"))
            fields.append(Field("020", [" ", " "], subs))
        if kind == "serial":
            fields.append(Field("022", ["0", " "], [Subfield("a", work["issn"])]))
        if kind == "map" and work["scale"]:
            fields.append(Field("034", ["1", " "], [Subfield("a", "a"), Subfield("b", str(work["scale"]))]))
        fields.append(Field("040", [" ", " "], [
            Subfield("a", catalogued_by), Subfield("b", "vie"), Subfield("c", catalogued_by), Subfield("e", "rda"),
        ]))  # fmt: skip
        orig = work.get("orig_lang")
        language = [Subfield("a", lang)] + ([Subfield("h", orig)] if orig else [])
        fields.append(Field("041", ["1" if orig else "0", " "], language))
        fields.append(Field("082", ["0", "4"], [Subfield("a", work["ddc"]), Subfield("2", "23")]))

        main = None if work.get("main_is_title") else work.get("main")
        if main and main["type"] == "person":
            fields.append(Field("100", [main["ind1"], " "], self.name_subfields(main)))
        elif main:
            fields.append(Field("110", ["2", " "], self.corporate_subfields(main["name"], "tác giả")))
        if main and orig and work.get("orig_title"):
            uniform = work["orig_title"]
            fields.append(Field("240", ["1", str(self.nonfiling(uniform, orig))], [
                Subfield("a", uniform + "."), Subfield("l", "Tiếng Việt"),
            ]))  # fmt: skip
        fields.append(self.title_field(work, lang, bool(main)))
        edition = work.get("edition")
        if edition is None and kind == "book" and lang == "vie" and rng.random() < 0.1:
            edition = rng.choice(vocab.EDITIONS)
        if edition:
            fields.append(Field("250", [" ", " "], [Subfield("a", _end(edition))]))
        if kind == "map":
            scale = f"Tỷ lệ 1:{work['scale']:,}".replace(",", ".") if work["scale"] else "Tỷ lệ khác nhau"
            fields.append(Field("255", [" ", " "], [Subfield("a", scale + ".")]))
        fields.append(Field("264", [" ", "1"], [
            Subfield("a", place + " :"), Subfield("b", pub_name + ","), Subfield("c", f"{year}-" if kind == "serial" else f"{year}."),
        ]))  # fmt: skip
        if lang != "vie" and rng.random() < 0.3:
            fields.append(Field("264", [" ", "4"], [Subfield("c", f"©{year}")]))
        series = work.get("series")
        if (
            series is None
            and kind == "book"
            and rng.random() < 0.08
            and work["profile"] in vocab.SERIES_BY_PROFILE
        ):
            series = (rng.choice(vocab.SERIES_BY_PROFILE[work["profile"]]), None)
            work["series"] = series
        fields.append(self.physical_field(rng, work, kind))
        if kind == "serial":
            fields.append(Field("310", [" ", " "], [Subfield("a", work["frequency"])]))
            fields.append(Field("362", ["0", " "], [Subfield("a", work["numbering"])]))
        fields += self.rda_fields(work, kind)
        if series:
            title, number = series
            subs = [Subfield("a", title + " ;"), Subfield("v", number)] if number else [Subfield("a", title)]
            fields.append(Field("490", ["0", " "], subs))
        fields += [
            Field("500", [" ", " "], [Subfield("a", _end(note))])
            for note in self.notes(rng, work, kind, lang, local_publisher)
        ]
        academic = ("history", "economics", "politics", "local", "culture", "foreign")
        if kind == "book" and work["profile"] in academic and rng.random() < 0.35:
            pages = work["pages"]
            start = max(2, pages - rng.randint(6, 20))
            fields.append(Field("504", [" ", " "], [Subfield("a", f"Thư mục: tr. {start}-{pages - 2}.")]))
        if work.get("summary"):
            fields.append(Field("520", [" ", " "], [Subfield("a", _end(work["summary"]))]))
        fields += self.subject_fields(work)
        if work.get("local"):
            fields.append(Field("690", [" ", " "], [Subfield("a", f"Địa chí {places.PROVINCE}")]))
        fields += [
            Field("700", [p.get("ind1", "0"), " "], self.name_subfields(p)) for p in work.get("added", [])
        ]
        for corp in work.get("added_corp", []):
            ind1 = "1" if corp.startswith("Việt Nam (CHXHCN)") else "2"  # jurisdiction name
            fields.append(Field("710", [ind1, " "], self.corporate_subfields(corp, None)))
        fields += holdings

        for f in fields:  # NFC, whatever a word list may hold
            if not f.control_field:
                f.subfields = [
                    s
                    if unicodedata.is_normalized("NFC", s.value)
                    else Subfield(s.code, unicodedata.normalize("NFC", s.value))
                    for s in f.subfields
                ]
        type_, level = {"map": ("e", "m"), "serial": ("a", "s")}.get(kind, ("a", "m"))
        return Record(leader=f"00000n{type_}{level} a2200000 i 4500", fields=fields, force_utf8=True)

    @staticmethod
    def name_subfields(person: dict) -> list[Subfield]:
        subs = [Subfield("a", person["name"] + ",")]
        if person.get("dates"):
            subs.append(Subfield("d", person["dates"] + ","))
        return subs + [Subfield("e", person["role"] + ".")]

    @staticmethod
    def corporate_subfields(name: str, role: str | None) -> list[Subfield]:
        """ "Bộ Quốc phòng. Viện Lịch sử quân sự" -> $a Bộ Quốc phòng. $b Viện Lịch sử quân sự."""
        first, *subordinate = name.split(". ")
        subs = [Subfield("a", first + ".")] + [Subfield("b", p + ".") for p in subordinate]
        if role:
            subs[-1] = Subfield(subs[-1].code, subs[-1].value[:-1] + ",")
            subs.append(Subfield("e", role + "."))
        return subs

    @staticmethod
    def nonfiling(title: str, lang: str) -> int:
        return next((len(a) for a in _NONFILING.get(lang, ()) if title.startswith(a)), 0)

    def title_field(self, work: dict, lang: str, has_main: bool) -> Field:
        """245 with ISBD punctuation: $a Title. $n T.1, $p Part : $b subtitle / $c responsibility."""
        subs = [["a", work["title"]]]
        part, part_name = work.get("part"), work.get("part_name")
        if part or part_name:
            subs[-1][1] = _end(subs[-1][1])
            if part:
                subs.append(["n", part])
            if part_name:
                if part:
                    subs[-1][1] += ","
                subs.append(["p", part_name])
        if work.get("subtitle"):
            subs[-1][1] += " :"
            subs.append(["b", work["subtitle"]])
        if work.get("sor"):
            subs[-1][1] += " /"
            subs.append(["c", work["sor"]])
        subs[-1][1] = _end(subs[-1][1])
        indicators = ["1" if has_main else "0", str(self.nonfiling(work["title"], lang))]
        return Field("245", indicators, [Subfield(code, value) for code, value in subs])

    def physical_field(self, rng: Random, work: dict, kind: str) -> Field:
        if kind == "serial":
            extent, other, size = "tập", "minh họa", work["size"]
        elif kind == "map":
            extent = "1 bản đồ" if work["map_type"] == "a" else f"1 tập bản đồ ({work['pages']} tr.)"
            other, size = "màu", work["size"]
        else:
            pages = work.get("pages") or rng.randint(120, 320)
            work["pages"] = pages = pages + pages % 2
            extent = f"{pages} tr."
            if pages > 120 and rng.random() < 0.12:  # roman-numbered front matter
                extent = f"{rng.choice(('x', 'xii', 'xvi', 'viii'))}, {extent}"
            other = work.get("illus")
            if other is None and rng.random() < work.get("illus_p", 0.3):
                other = rng.choice(vocab.ILLUSTRATIONS.get(work["profile"], ["minh họa"]))
            work["illus"] = other
            size = work.get("size")
            if not size:
                lo, hi = work.get("size_range", (19, 21))
                size = f"{rng.choice([s for s in _SIZES if lo <= s <= hi] or [21])} cm"
        subs = [Subfield("a", extent + (" :" if other else " ;"))]
        if other:
            subs.append(Subfield("b", other + " ;"))
        # ISBD closes the area with a full stop when a series statement follows
        subs.append(Subfield("c", size + ("." if work.get("series") else "")))
        return Field("300", [" ", " "], subs)

    @staticmethod
    def rda_fields(work: dict, kind: str) -> list[Field]:
        content = [("hình ảnh bản đồ", "cri")] if kind == "map" else [("văn bản", "txt")]
        if work.get("picture"):
            content.append(("hình ảnh tĩnh", "sti"))
        carrier = ("tờ", "nb") if kind == "map" and work["map_type"] == "a" else ("tập", "nc")
        fields = [
            Field("336", [" ", " "], [Subfield("a", a), Subfield("b", b), Subfield("2", "rdacontent")])
            for a, b in content
        ]
        fields.append(Field("337", [" ", " "], [
            Subfield("a", "không qua thiết bị trung gian"), Subfield("b", "n"), Subfield("2", "rdamedia"),
        ]))  # fmt: skip
        fields.append(
            Field(
                "338",
                [" ", " "],
                [Subfield("a", carrier[0]), Subfield("b", carrier[1]), Subfield("2", "rdacarrier")],
            )
        )
        return fields

    @staticmethod
    def notes(rng: Random, work: dict, kind: str, lang: str, local_publisher: bool) -> list[str]:
        notes = list(work.get("notes") or [])
        orig = work.get("orig_lang")
        if orig and kind == "book":
            via = work.get("via")  # translated through another language than the original's
            note = f"Dịch từ nguyên bản {via or vocab.LANG_NAMES.get(orig, 'tiếng nước ngoài')}"
            if work.get("orig_title") and not via:
                note += f": {work['orig_title']}"
            notes.append(note)
        if work.get("real") and rng.random() < 0.5:
            notes.append(f"Tên thật tác giả: {work['real']}")
        dtts = vocab.DTTS.get(work["profile"])
        if dtts and not any(n.startswith("ĐTTS") for n in notes) and rng.random() < 0.15:
            notes.append(f"ĐTTS ghi: {dtts}")
        if local_publisher and "Lưu hành nội bộ" not in notes:
            notes.append("Lưu hành nội bộ")
        if kind == "book" and lang == "vie" and work["pages"] > 150 and rng.random() < 0.06:
            notes.append(f"Phụ lục: tr. {work['pages'] - rng.randint(12, 30)}-{work['pages'] - 4}")
        if kind == "book" and lang == "eng" and rng.random() < 0.2:
            notes.append("Includes index")
        return notes

    @staticmethod
    def subject_fields(work: dict) -> list[Field]:
        fields = []
        for subject in work.get("subjects", []):
            heading, xs, z, y = (*subject, None, None, None)[:4]
            subs = [Subfield("a", heading)] + [Subfield("x", x) for x in xs or ()]
            subs += ([Subfield("z", z)] if z else []) + ([Subfield("y", y)] if y else [])
            fields.append(Field("650", [" ", "7"], [*subs, Subfield("2", SUBJECT_SOURCE)]))
        fields += [
            Field("651", [" ", "7"], [Subfield("a", p), Subfield("2", SUBJECT_SOURCE)])
            for p in work.get("geo", [])
        ]
        fields += [Field("653", [" ", " "], [Subfield("a", k)]) for k in work.get("keywords", [])]
        fields += [
            Field("655", [" ", "7"], [Subfield("a", g), Subfield("2", SUBJECT_SOURCE)])
            for g in work.get("genre_form", [])
        ]
        return fields

    def fixed_field(self, work: dict, kind: str, lang: str, entered: dt.date) -> str:
        """008, positions 00-39, by material (books, continuing resources, maps)."""
        date1 = f"{work['year']:04d}"
        if kind == "serial":
            # 18 frequency, 19 regularity, 21 type (p periodical, n newspaper), 33 alphabet b (extended Roman)
            body = f"c{date1}9999vm {work['freq_code']}r {work['serial_type']}" + "       0   b0"
        elif kind == "map":
            # 25 type (a single map, e atlas), 28 government publication (s provincial), 31 index
            body = (
                f"s{date1}    vm "
                + " " * 7
                + work["map_type"]
                + "  "
                + ("s" if work.get("local") else " ")
                + "  0   "
            )
        else:
            illus = work.get("illus") or ""
            ill = (("a" if illus else " ") + ("b" if "bản đồ" in illus else " ")).ljust(4)
            contents = (work.get("contents") or " ").ljust(4)
            index = "1" if work["profile"] == "reference" else "0"
            body = (
                f"s{date1}    {work.get('country', 'vm ')}{ill}{work.get('audience', ' ')} {contents} 00{index} "
                f"{work.get('litform', '0')}{work.get('bio', ' ')}"
            )
        value = f"{entered:%y%m%d}{body}{lang} d"
        if len(value) != 40:
            raise AssertionError(f"008 must be 40 characters: {value!r}")
        return value

    def isbns(self, rng: Random, work: dict, kind: str, lang: str, prefix: str | None, local: bool) -> list:
        """[(ISBN, qualifier)]: none before 2008 in Vietnam, two for a volume of a set or a binding."""
        if kind != "book" or local:
            return []
        if lang == "vie":
            if work["year"] < 2008 or prefix is None or rng.random() < 0.03:
                return []
            stems = [f"978-604-{prefix}"]
        else:
            stems = work.get("isbn_stems") or []
            if not stems or rng.random() < 0.05:
                return []
        stem = rng.choice(stems)
        hyphens = rng.random() < (0.2 if lang == "vie" else 0.5)
        ten = lang != "vie" and work["year"] < 2007
        first = self.new_isbn(rng, stem, hyphens, ten)
        if first is None:
            return []
        if work.get("part", "") and work["part"].startswith("T.") and rng.random() < 0.6:
            labels = (work["part"], "trọn bộ")
        elif rng.random() < 0.04:
            labels = ("bìa mềm", "bìa cứng")
        else:
            return [(first, None)]
        second = self.new_isbn(rng, stem, hyphens, ten)
        return [(first, labels[0]), (second, labels[1])] if second else [(first, None)]

    def new_isbn(self, rng: Random, stem: str, hyphens: bool, ten: bool) -> str | None:
        """An ISBN not used yet in this set: the importer matches records by ISBN."""
        for _ in range(20):
            isbn = _isbn(rng, stem, hyphens, ten)
            digits = isbn.replace("-", "")
            key = "978" + digits[:9] if ten else digits[:12]
            if key not in self.used_isbns:
                self.used_isbns.add(key)
                return isbn
        return None

    # -- holdings ------------------------------------------------------------------------------
    def holdings(self, rng: Random, work: dict, price: int) -> tuple[list[Field], list[dt.date]]:
        """952 fields, one per copy, and their acquisition dates."""
        profile = work.get("profile", "popular")
        affinity = vocab.AFFINITY.get(profile, vocab.AFFINITY["popular"])
        chosen: list[tuple[dict, str, int]] = []
        total = 0
        for kind, libs in self.by_kind.items():
            p = 1.0 if kind == "provincial" and work.get("fixed") else affinity.get(kind, 0.0)
            for lib in libs:
                if not p or rng.random() >= p or total >= 8:
                    continue
                if kind == "provincial":
                    copies = rng.choices((1, 2, 3), weights=(55, 30, 15))[0]
                elif kind == "school" and profile == "textbook":
                    copies = rng.randint(1, 3)
                else:
                    copies = 1 if rng.random() < 0.8 else 2
                copies = min(copies, 8 - total)
                chosen.append((lib, kind, copies))
                total += copies
        if not chosen:
            chosen = [(self.root, "provincial", 1)]

        today, year = self.today, work["year"]
        pub_date = min(today, dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(0, 300)))
        window = today - dt.timedelta(days=365 * ACQUISITION_YEARS)
        if work.get("recent"):
            base = today - dt.timedelta(days=rng.randint(0, 29))
        elif pub_date < window:  # older stock: donated, bought second-hand or retro-catalogued
            base = window + dt.timedelta(days=rng.randint(0, (today - window).days))
        else:  # new books are bought within months of publication
            base = pub_date + dt.timedelta(days=int(rng.expovariate(1 / 120)))
            if base > today:
                base = pub_date + dt.timedelta(days=rng.randint(0, (today - pub_date).days))

        call_number = f"{work['ddc']} {_call_mark(work)}"
        fields, dates = [], []
        for lib, kind, copies in chosen:
            code = lib["code"]
            for copy_no in range(copies):
                if work.get("recent"):
                    acquired = today - dt.timedelta(days=rng.randint(0, 29))
                else:
                    acquired = base + dt.timedelta(days=rng.randint(0, min(150, (today - base).days)))
                dates.append(acquired)
                item_type, location = self.shelf(work, profile, kind, copy_no)
                self.item_seq[code] += 1
                fields.append(Field("952", [" ", " "], [
                    Subfield("a", code), Subfield("b", code), Subfield("c", location), Subfield("d", acquired.isoformat()),
                    Subfield("g", str(price)), Subfield("o", call_number),
                    Subfield("p", f"{self.lib_number[code]}{self.item_seq[code]:07d}"), Subfield("y", item_type),
                ]))  # fmt: skip
        return fields, dates

    @staticmethod
    def shelf(work: dict, profile: str, lib_kind: str, copy_no: int) -> tuple[str, str]:
        """(item type, shelving location) of one copy."""
        kind = work.get("kind", "book")
        if kind == "serial":
            return "SER", "KHO-DOC"
        if kind == "map":
            return "MAP", "DIA-CHI" if work.get("local") and lib_kind == "provincial" else "KHO-DOC"
        if work.get("local") and lib_kind in ("provincial", "specialised"):
            return "REF", "DIA-CHI"
        if profile == "reference":
            return "REF", "KHO-DOC"
        if profile == "children" or work.get("audience") == "j":
            return "CHILD", "THIEU-NHI"
        if lib_kind == "provincial":  # one copy stays in the reading room
            return "BK", "KHO-DOC" if copy_no == 0 else "KHO-MUON"
        if lib_kind == "university" and profile == "foreign":
            return "BK", "KHO-DOC"
        return "BK", "KHO-MUON"
