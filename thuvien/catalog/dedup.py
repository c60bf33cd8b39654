"""Deduplication: do two bibliographic records describe the same publication (same edition, same volume)?

Pure functions, no Django: ``features`` reads what matters from a MARC record into a small JSON-able
dict (stored with the record in ``search_data["match"]``), ``work_key`` gives the blocking key that
finds candidates with one index look-up, and ``score`` compares two feature dicts.

The score is a number in [0, 1], the logistic of a sum of evidence weights (log-odds): agreement on
identifiers, title, author, year, publisher and extent adds, disagreement subtracts. Some
disagreements are not evidence but proof that two records are apart — another edition, another
volume or part, another language, another carrier, other numbers in the title — and cap the score
below the review band. At or above ``AUTO_THRESHOLD`` the incoming record's copies attach to the
existing record; between ``REVIEW_THRESHOLD`` and it, the pair waits for a cataloger.

Text is compared folded (DESIGN §5: no diacritics, no case, NFC or NFD alike) and stripped of ISBD
punctuation, initial articles and publisher boilerplate ("Nxb.", "Press"), so two libraries'
transcriptions of one title page agree. ``bench/dedup_quality.py`` measures precision and recall.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import pymarc

from thuvien.lib.isbn import isbn13, issn
from thuvien.lib.vn_text import exact_key, fold, has_diacritics, tokens

__all__ = ["AUTO_THRESHOLD", "REVIEW_THRESHOLD", "Match", "features", "score", "work_key"]

AUTO_THRESHOLD = 0.9
REVIEW_THRESHOLD = 0.6

# What a record says besides its title and numbers: identical records with none of it may be two stubs.
_SUBSTANCE = ("author", "year", "years", "publisher", "isbns", "issns", "ids", "pages")
# Below the review band: what a proven conflict leaves of a score.
_CONFLICT_CAP = -2.0
# In the review band: what a doubt leaves of a score (one record a volume, the other not; one
# edition numbered, the other not; a year apart; nothing but the title agreeing).
_DOUBT_CAP = 1.0

_YEAR_RE = re.compile(r"(?<![0-9])(1[0-9]{3}|20[0-9]{2})(?![0-9])")
_NUMBER_RE = re.compile(r"\d+")
# The title proper ends where the other title information, a parallel title or the statement of
# responsibility begins; libraries that do not split 245 into subfields keep them all in $a.
_TITLE_CUT_RE = re.compile(r"\s*(?::\s|\s=\s|\s/\s|\s:$|\s/$|\s=$)")
# A volume or part number typed at the end of the title proper instead of in $n: "Truyện Kiều. Tập 1".
_VOLUME_WORDS = (
    "tập|t|quyển|q|phần|p|số|vol|v|volume|part|pt|book|bk|no|band|bd|tome|teil|tomo|"
    "tap|quyen|phan|so|livre|libro|cz|kn|kniga|chast"
)
_VOLUME_TAIL_RE = re.compile(
    rf"[.,;:]\s*(?:{_VOLUME_WORDS})\.?\s*(\d+|[ivxlc]+)\s*[.,;:]?\s*$", re.IGNORECASE
)
_ROMAN_RE = re.compile(r"^[ivxlc]+$")
_VOLUME_LABELS = frozenset(fold(w) for w in _VOLUME_WORDS.split("|")) | {"section", "sect", "ser", "series"}
_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}

# Leading articles dropped from titles (folded). Applied whatever 245 ind2 says: libraries get the
# non-filing indicator wrong as often as right, and both sides of a comparison drop the same words.
_ARTICLES = frozenset(
    "the a an le la les l un une der die das den dem des ein eine el los las lo il gli uno una de het een "
    "os as o".split()
)
# Words that say "edition" or "printing" rather than which one.
_EDITION_NOISE = frozenset(
    fold(w)
    for w in "ed eds edition editions edicion edición edizione éd édition aufl auflage ausg ausgabe izd "
    "izdanie uppl upplagan painos wyd wydanie print printing impression impr tirage druk "
    "in lần thứ tái bản xuất bản có sửa chữa bổ sung và lan thu tai ban xuat co sua chua bo sung va nd "
    "rd th st e er re eme ème a".split()
)
# Ordinal and cardinal words that number editions, volumes and parts.
_NUMBER_WORDS = {
    **dict.fromkeys(("first", "premiere", "erste", "primera", "prima", "nhat", "mot", "one", "un", "une"), 1),
    **dict.fromkeys(("second", "seconde", "deuxieme", "zweite", "segunda", "seconda", "hai", "two"), 2),
    **dict.fromkeys(("third", "troisieme", "dritte", "tercera", "terza", "ba", "three"), 3),
    **dict.fromkeys(("fourth", "quatrieme", "vierte", "cuarta", "quarta", "bon", "tu", "four"), 4),
    **dict.fromkeys(("fifth", "cinquieme", "funfte", "quinta", "nam", "five"), 5),
    **dict.fromkeys(("sixth", "sixieme", "sechste", "sexta", "sesta", "sau", "six"), 6),
    **dict.fromkeys(("seventh", "septieme", "siebte", "septima", "settima", "bay", "seven"), 7),
    **dict.fromkeys(("eighth", "huitieme", "achte", "octava", "ottava", "tam", "eight"), 8),
    **dict.fromkeys(("ninth", "neuvieme", "neunte", "novena", "nona", "chin", "nine"), 9),
    **dict.fromkeys(("tenth", "dixieme", "zehnte", "decima", "muoi", "ten"), 10),
}
# Publisher words that name no publisher: "Nxb. Kim Đồng" and "Nhà xuất bản Kim Đồng" are one.
_PUBLISHER_NOISE = frozenset(
    fold(w)
    for w in "nxb nhà xuất bản nha xuat ban công ty cổ phần tnhh cty cong ty co phan sach sách press pr "
    "publisher publishers publishing pub pubs co company corp corporation inc incorporated ltd limited "
    "llc plc gmbh ag sa srl spa verlag verlags editions editorial editora editrice editeur editeurs "
    "ed eds edition books book house and the of et und y e di de du des la le les & distributed "
    "distributor printed by for s n sn np".split()  # [s.n.], [n.p.]: no publisher named
)
_PAGES_RE = re.compile(
    r"(\d+)\s*(?:p\b|pp\b|pages?\b|tr\b|trang\b|s\b|str\b|leaves\b|l\b|f\b|bl\b|c\b)", re.IGNORECASE
)
_VOLUMES_RE = re.compile(
    r"(?<![0-9])([0-9]+)\s*(?:v\b|vols?\b|volumes?\b|tập\b|t\.|quyển\b|bd\b|bde\b|bände\b|tomes?\b|tomos?\b)",
    re.IGNORECASE,
)
_OCLC_RE = re.compile(r"^\(ocolc\)\s*(?:ocm|ocn|on)?0*(\d+)", re.IGNORECASE)
_OCLC_001_RE = re.compile(r"^(?:ocm|ocn|on)0*(\d+)$")
_LANG_RE = re.compile(r"^[a-z]{3}$")
_TYPE = {"a": "text", "t": "text", "c": "score", "d": "score", "e": "map", "f": "map", "g": "video"}
_TYPE |= {"i": "spoken", "j": "music", "k": "image", "m": "computer", "o": "kit", "p": "mixed", "r": "object"}
# 008 position of "form of item" by record type (books, music, serials, mixed: 23; maps, visual: 29).
_FORM_POS = dict.fromkeys("atcdijp", 23) | dict.fromkeys("efgk", 29)
_FORM = {"a": "micro", "b": "micro", "c": "micro", "o": "online", "q": "online", "s": "online", "d": "large"}
# What the extent (300 $a) says the item is, when the leader is wrong or the same for both.
_EXTENT_KINDS = (
    (
        "sound",
        ("sound disc", "audio disc", "sound cassette", "audiocassette", "sound recording", "sound cartridge"),
    ),
    ("video", ("videocassette", "video cassette", "videodisc", "video disc", "dvd", "videorecording")),
    ("score", ("score", "v of music", "vocal score")),
    ("micro", ("microfilm", "microfiche", "microopaque", "microcard")),
    ("online", ("online resource",)),
)
_GMD = (("microform", "micro"), ("electronic", "online"), ("large print", "large"))


def _key_tokens(text: str) -> list[str]:
    return tokens(fold(text))


def _roman(text: str) -> int:
    total, prev = 0, 0
    for ch in reversed(text):
        value = _ROMAN[ch]
        total = total - value if value < prev else total + value
        prev = max(prev, value)
    return total


def _numbers(words: list[str], roman: bool = False) -> list[str]:
    """Return the numbers among folded WORDS (digits, ordinals, number words, roman numerals if ROMAN)."""
    found = []
    last = len(words) - 1
    for i, w in enumerate(words):
        if w in _VOLUME_LABELS and i < last:  # "v. 5", but "v. v" is volume five
            continue
        if w.isdigit():
            if int(w) <= 500:  # "Rev. ed. of: …, 1984" names a year, not an edition
                found.append(str(int(w)))
        elif w in _NUMBER_WORDS:
            found.append(str(_NUMBER_WORDS[w]))
        elif roman and _ROMAN_RE.match(w) and w not in ("c", "l"):
            found.append(str(_roman(w)))
        else:
            m = _NUMBER_RE.match(w)  # ordinals: 2nd, 3e, 10th
            if m and int(m.group()) <= 500:
                found.append(str(int(m.group())))
    return found


def _strip_article(words: list[str]) -> list[str]:
    if len(words) > 1 and words[0] in _ARTICLES:
        return words[1:]
    return words


def _sub(f: pymarc.Field, codes: str) -> str:
    return " ".join(v for c, v in f.subfields if c in codes and v)


def _name_tokens(f: pymarc.Field | None) -> str:
    """Return a heading's name as folded words: $a (and $b of a body), no dates, numbers or relators."""
    if f is None:
        return ""
    codes = "ab" if f.tag[1:] in ("10", "11") else "a"
    return " ".join(w for w in _key_tokens(_sub(f, codes)) if not w.isdigit())


def _years(text: str) -> list[str]:
    # "l983": old records typed the letter l for the digit 1.
    return _YEAR_RE.findall(text.replace("l9", "19"))


def _pages(text: str) -> int:
    numbers = [int(n) for n in _PAGES_RE.findall(text)]
    return max(numbers) if numbers else 0


def _field(tag: str, ind: str, subfields: list[tuple[str, str]]) -> pymarc.Field:
    return pymarc.Field(
        tag=tag,
        indicators=pymarc.Indicators(ind[0], ind[1]),
        subfields=[pymarc.Subfield(c, v) for c, v in subfields if v],
    )


# UNIMARC field and subfields -> the MARC 21 field and subfields features() reads.
_UNIMARC = {
    "200": ("245", {"a": "a", "e": "b", "h": "n", "i": "p", "f": "c", "b": "h"}),
    "205": ("250", {"a": "a"}),
    "210": ("260", {"a": "a", "c": "b", "d": "c"}),
    "215": ("300", {"a": "a"}),
    "010": ("020", {"a": "a"}),
    "011": ("022", {"a": "a"}),
    "710": ("110", {"a": "a", "b": "b"}),
    "701": ("700", {"a": "a", "b": "b"}),
    "702": ("700", {"a": "a", "b": "b"}),
    "711": ("710", {"a": "a", "b": "b"}),
    "712": ("710", {"a": "a", "b": "b"}),
}


def _from_unimarc(fields: dict[str, list[pymarc.Field]]) -> dict[str, list[pymarc.Field]]:
    """Return the fields of a UNIMARC record as the MARC 21 fields that carry the same data."""
    out: dict[str, list[pymarc.Field]] = {"001": fields.get("001", []), "003": fields.get("003", [])}
    for tag, (target, codes) in _UNIMARC.items():
        for f in fields.get(tag, ()):
            out.setdefault(target, []).append(
                _field(target, "  ", [(codes[c], v) for c, v in f.subfields if c in codes])
            )
    for f in fields.get("700", ()):  # the primary personal name: $a entry element, $b the rest
        name = ", ".join(v for c, v in f.subfields if c in "ab" and v)
        out.setdefault("100", []).append(_field("100", "1 ", [("a", name)]))
    for f in out.get("700", ()):
        f.subfields = [pymarc.Subfield("a", ", ".join(v for _c, v in f.subfields))]
    if "100" not in out and "110" not in out and "700" in out:
        out["100"] = [out["700"].pop(0)]
    general = next((v for f in fields.get("100", ()) for c, v in f.subfields if c == "a"), "")
    date1 = general[9:13] if len(general) >= 13 and general[9:13].isdigit() else "    "
    languages = [f for f in fields.get("101", ())]
    language = next((v[:3] for f in languages for c, v in f.subfields if c == "a"), "   ")
    # An 008 with only what UNIMARC 100 and 101 say: date 1 and the language.
    out["008"] = [pymarc.Field(tag="008", data=f"      s{date1}{' ' * 24}{language:3.3} d")]
    for f in languages:
        translated = f.indicators and f.indicators[0] == "1"
        sub = [("a", v) for c, v in f.subfields if c == "a"] + [("h", v) for c, v in f.subfields if c == "c"]
        out.setdefault("041", []).append(_field("041", "1 " if translated else "0 ", sub))
    return out


# The fields features() reads (UNIMARC's among them), so the rest of a record costs one set look-up.
_READ = frozenset(
    "001 003 007 008 010 011 020 022 035 041 100 101 110 111 130 200 205 210 215 240 245 246 250 260 264 300 "
    "700 701 702 710 711 712".split()
)


def features(record: pymarc.Record) -> dict:
    """Return the match features of RECORD: title, part, author, years, edition, identifiers, carrier …"""
    fields: dict[str, list[pymarc.Field]] = {}
    for f in record.fields:
        if f.tag in _READ:
            fields.setdefault(f.tag, []).append(f)
    if "200" in fields and "245" not in fields:
        fields = _from_unimarc(fields)

    def first(tag: str) -> pymarc.Field | None:
        found = fields.get(tag)
        return found[0] if found else None

    def data(tag: str) -> str:
        f = first(tag)
        return (f.data or "") if f is not None else ""

    leader = str(record.leader or "")
    c008 = data("008")

    # Title proper, other title information, part.
    f245 = first("245") or first("246") or first("240") or first("130")
    title_a = _sub(f245, "a") if f245 is not None else ""
    part_words: list[str] = []
    m = _VOLUME_TAIL_RE.search(title_a)
    if m and m.start() > 0:
        part_words.append(m.group(1).lower())
        title_a = title_a[: m.start()]
    cut = _TITLE_CUT_RE.search(title_a.strip())
    subtitle = ""
    if cut:
        stripped = title_a.strip()
        title_a, subtitle = stripped[: cut.start()], stripped[cut.end() :]
    if f245 is not None:
        subtitle = f"{subtitle} {_sub(f245, 'b')}"
    title_words = _strip_article(_key_tokens(title_a))
    subtitle_words = [w for w in _key_tokens(subtitle) if w]
    part_n = _key_tokens(_sub(f245, "n")) if f245 is not None else []
    part_p = _key_tokens(_sub(f245, "p")) if f245 is not None else []
    part_numbers = _numbers(part_words + part_n, roman=True)
    part_name = " ".join(w for w in _strip_article(part_p) if not (part_numbers and w in part_numbers))
    if not part_numbers:
        part_name = " ".join(w for w in [*part_n, *part_p] if w)

    # Names: the main entry, and the other names in case another library chose another main entry.
    main = first("100") or first("110") or first("111")
    author = _name_tokens(main)
    names = []
    for tag in ("700", "710", "711"):
        for f in fields.get(tag, ()):
            name = _name_tokens(f)
            if name and name != author and name not in names and len(names) < 4:
                names.append(name)
    if not author and names:
        author = names.pop(0)
    if not author and f245 is not None:
        # No heading at all: the statement of responsibility is the only trace of an author.
        statement = _key_tokens(_sub(f245, "c"))
        responsibility = " ".join(w for w in statement if len(w) > 1 and w not in _PUBLISHER_NOISE)[:60]
    else:
        responsibility = ""

    # Dates: 008 date 1 (coded, the cataloguer's best reading) and the dates of the imprint (as printed).
    year = ""
    if (
        len(c008) >= 11
        and c008[7:11].isascii()
        and c008[7:11].isdigit()
        and c008[7:11] not in ("0000", "9999")
    ):
        year = c008[7:11]
    years: list[str] = []
    for tag in ("264", "260"):
        for f in fields.get(tag, ()):
            if tag == "264" and f.indicators and f.indicators[1] not in ("1", "4"):
                continue
            years.extend(_years(_sub(f, "c")))
    if year and c008[6:7] in ("r", "t", "p") and c008[11:15].isascii() and c008[11:15].isdigit():
        years.append(c008[11:15])  # the original (or copyright) date another library may give alone
    years = list(dict.fromkeys(years))[:4]

    # Imprint: publisher words without boilerplate.
    publisher = ""
    for tag in ("264", "260"):
        for f in fields.get(tag, ()):
            if tag == "264" and f.indicators and f.indicators[1] not in ("1", " "):
                continue
            words = [w for w in _key_tokens(_sub(f, "b")) if w not in _PUBLISHER_NOISE and not w.isdigit()]
            publisher = " ".join(words)
            if publisher:
                break
        if publisher:
            break

    # Edition: its number if it has one, else its words ("rev", "large print").
    edition_words = []
    for f in fields.get("250", ()):
        edition_words += _key_tokens(_sub(f, "ab"))
    edition_numbers = _numbers(edition_words)
    edition = edition_numbers[0] if edition_numbers else ""
    edition_text = " ".join(
        sorted({w for w in edition_words if w not in _EDITION_NOISE and not _numbers([w]) and len(w) > 1})
    )

    # Language and translation.
    language = c008[35:38].lower() if len(c008) >= 38 else ""
    originals: list[str] = []
    translation = False
    for f in fields.get("041", ()):
        if f.indicators and f.indicators[0] == "1":
            translation = True
        for code, value in f.subfields:
            value = value.strip().lower()
            if code == "a" and not _LANG_RE.match(language or ""):
                language = value[:3]
            elif code == "h":
                originals.extend(value[i : i + 3] for i in range(0, len(value) - 2, 3))
                translation = True
    if not _LANG_RE.match(language) or language in ("und", "zxx", "mul"):
        language = ""
    f240 = first("240")
    if f240 is not None and _sub(f240, "l"):
        translation = True

    # Carrier: the kind of material, and microform / online / large print.
    kind = _TYPE.get(leader[6:7], "")
    # Without 008 the form of item is unknown ("?"), which agrees with any carrier.
    carrier = "?"
    pos = _FORM_POS.get(leader[6:7])
    if pos is not None and len(c008) > pos:
        carrier = _FORM.get(c008[pos], "")
    for f in fields.get("007", ()):
        if (f.data or "")[:1] == "h":
            carrier = "micro"
    gmd = fold(_sub(f245, "h")) if f245 is not None else ""
    for word, value in _GMD:
        if word in gmd:
            carrier = value

    # Identifiers.
    isbns = sorted({n for f in fields.get("020", ()) for v in f.get_subfields("a") for n in [isbn13(v)] if n})
    issns = sorted({n for f in fields.get("022", ()) for v in f.get_subfields("a") for n in [issn(v)] if n})
    ids = set()
    for f in fields.get("035", ()):
        for v in f.get_subfields("a"):
            m = _OCLC_RE.match(v.strip())
            if m:
                ids.add(f"oclc:{m.group(1)}")
    control, source = data("001").strip(), data("003").strip()
    m = _OCLC_001_RE.match(control)
    if m or (source.lower() == "ocolc" and control.isdigit()):
        ids.add(f"oclc:{int(m.group(1)) if m else int(control)}")
    for f in fields.get("010", ()):
        for v in f.get_subfields("a"):
            lccn = "".join(v.split()).split("/")[0].lower()
            if lccn:
                ids.add(f"lccn:{lccn}")

    pages = volumes = 0
    extent_kind = ""
    for f in fields.get("300", ()):
        extent = _sub(f, "a")
        pages = _pages(extent)
        m = _VOLUMES_RE.search(extent)
        volumes = int(m.group(1)) if m else 0
        folded = " ".join(_key_tokens(extent))
        extent_kind = next((kind for kind, words in _EXTENT_KINDS if any(w in folded for w in words)), "")
        break

    feat = {
        "title": " ".join(title_words),
        "subtitle": " ".join(subtitle_words),
        "part": " ".join(part_numbers),
        "part_name": part_name,
        "author": author,
        "names": names,
        "year": year,
        "years": years,
        "edition": edition,
        "edition_text": edition_text,
        "language": language,
        "material": f"{kind}/{carrier}" if carrier else kind,  # "text", "text/micro", "score/?"
        "isbns": isbns,
        "issns": issns,
        "ids": sorted(ids),
        "publisher": publisher,
        "pages": pages,
        "control": f"{source}|{control}" if control else "",
    }
    # Optional keys stay out of the dict when empty: it is stored with every record.
    if has_diacritics(title_a):
        feat["title_exact"] = " ".join(tokens(exact_key(title_a)))
    if originals:
        feat["originals"] = sorted(set(originals))
    if translation:
        feat["translation"] = True
    if volumes > 1:
        feat["volumes"] = volumes
    if extent_kind:
        feat["extent_kind"] = extent_kind
    if responsibility:
        feat["responsibility"] = responsibility
    return feat


def work_key(feat: dict) -> str:
    """Return the blocking key: the folded title proper, shortened, and the year of publication.

    Each of the first eight words of the title keeps its first two letters (four when the title has
    one or two words), so a typo further into a word does not hide a duplicate. The year is the one
    printed in the imprint, else 008's: another library's record may lack 008 but seldom 260/264 $c.
    """
    words = feat.get("title", "").split()
    if not words:
        return ""
    keep = 4 if len(words) <= 2 else 2
    short = " ".join(w[:keep] for w in words[:8])
    years = feat.get("years") or [feat.get("year", "")]
    return f"{short}|{years[0]}"[:200]


@dataclass
class Match:
    score: float
    reasons: list[str] = field(default_factory=list)


def _similar_word(a: str, b: str) -> bool:
    """Return True if words A and B differ by at most one edit (a typo), for words of 5+ letters."""
    if len(a) < 5 or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diffs) == 1 or (
            len(diffs) == 2 and diffs[1] == diffs[0] + 1 and a[diffs[0]] == b[diffs[1]]
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1 :]


def _word_similarity(a: list[str], b: list[str]) -> float:
    """Return the Dice coefficient of word lists A and B, a one-letter typo counting as a match."""
    if not a or not b:
        return 0.0
    rest_b = list(b)
    matched = 0
    unmatched = []
    for w in a:
        if w in rest_b:
            rest_b.remove(w)
            matched += 1
        else:
            unmatched.append(w)
    for w in unmatched:
        for i, other in enumerate(rest_b):
            if _similar_word(w, other):
                del rest_b[i]
                matched += 1
                break
    return 2 * matched / (len(a) + len(b))


def _name_similarity(a: str, b: str) -> float:
    """Return how alike two folded names are: 1 the same words, 0.85-0.9 compatible forms, 0 two people."""
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    wa, wb = a.split(), b.split()
    if sorted(wa) == sorted(wb):
        return 1.0  # "austen jane" and "jane austen", "nguyen du" inverted or not
    if not {w for w in wa if len(w) > 1} & {w for w in wb if len(w) > 1}:
        return 0.0
    short, other = (wa, wb) if len(wa) <= len(wb) else (wb, wa)
    unmatched = [w for w in short if not _name_word_in(w, other)]
    if not unmatched:
        return 0.9 if all(len(w) > 1 for w in short) else 0.85
    if any(len(w) > 1 for w in unmatched):
        # A whole given name the other lacks: "Nguyễn Văn An" and "Nguyễn Văn Bình" share a family
        # name and a middle name, as half of Vietnam does, and are two people.
        return 0.0
    return 0.5


def _name_word_in(word: str, other: list[str]) -> bool:
    """Return True if WORD of a name is in OTHER: the same, as an initial, or with a typo."""
    for o in other:
        if word == o or (len(word) == 1 and o[0] == word) or (len(o) == 1 and word[0] == o):
            return True
        if _similar_word(word, o):
            return True
    return False


def _author_similarity(a: dict, b: dict) -> float | None:
    """Return the similarity of the two records' authors, None when either has none."""
    main_a, main_b = a.get("author", ""), b.get("author", "")
    if not main_a or not main_b:
        ra, rb = a.get("responsibility", ""), b.get("responsibility", "")
        if (main_a or ra) and (main_b or rb):
            # One side has only a statement of responsibility: do its words hold the other's name?
            words_a = set((main_a or ra).split())
            words_b = set((main_b or rb).split())
            return 0.8 if words_a & words_b else None
        return None
    best = _name_similarity(main_a, main_b)
    if best < 1.0:
        for other in b.get("names", ()):
            best = max(best, 0.9 * _name_similarity(main_a, other))
        for other in a.get("names", ()):
            best = max(best, 0.9 * _name_similarity(other, main_b))
    return best


def _year_gap(a: dict, b: dict) -> int | None:
    """Return how many years apart A and B were published, None when either has no date.

    008 is compared with 008 and imprint with imprint (an imprint may show two dates: the nearest
    count); only when neither pair is there are all the dates of one compared with the other's.
    """
    year_a, year_b = a.get("year", ""), b.get("year", "")
    dates_a, dates_b = a.get("years", ()), b.get("years", ())
    gaps = []
    if year_a and year_b:
        gaps.append(abs(int(year_a) - int(year_b)))
    if dates_a and dates_b:
        gaps.append(min(abs(int(x) - int(y)) for x in dates_a for y in dates_b))
    if gaps:
        return max(gaps)
    all_a = [year_a, *dates_a] if year_a else dates_a
    all_b = [year_b, *dates_b] if year_b else dates_b
    if not all_a or not all_b:
        return None
    return min(abs(int(x) - int(y)) for x in all_a for y in all_b)


def _numbers_in(*texts: str) -> set[str]:
    return {w for text in texts for w in text.split() if w.isdigit()}


def score(a: dict, b: dict) -> Match:
    """Compare two feature dicts: the likelihood that they describe one publication, with the reasons."""
    if a == b and (a.get("control") or (a.get("title") and any(a.get(k) for k in _SUBSTANCE))):
        # One record reached by two routes (a file and a harvest): nothing to weigh.
        return Match(1.0, ["identical"])
    reasons: list[str] = []
    conflicts: list[str] = []  # proof of two publications: the score ends below the review band
    doubts: list[str] = []  # reasons a cataloger should look: the score ends in the review band
    corroborated = False  # something besides the title agrees
    total = -1.0  # prior: most candidates a blocking key finds are not duplicates

    # Identifiers.
    control_a, control_b = a.get("control", ""), b.get("control", "")
    if control_a and control_a == control_b:
        # 001 without 003 is a local number that another library may reuse: weak evidence.
        strong = not control_a.startswith("|")
        total += 6.0 if strong else 1.0
        corroborated = corroborated or strong
        reasons.append("control")
    isbns_a, isbns_b = set(a.get("isbns", ())), set(b.get("isbns", ()))
    if isbns_a & isbns_b:
        total += 5.0
        corroborated = True
        reasons.append("isbn")
    elif isbns_a and isbns_b:
        # Another ISBN is another edition or binding: at best a cataloger's call.
        total -= 4.0
        doubts.append("isbn-differs")
    issns_a, issns_b = set(a.get("issns", ())), set(b.get("issns", ()))
    if issns_a & issns_b:
        total += 3.0
        corroborated = True
        reasons.append("issn")
    elif issns_a and issns_b:
        total -= 3.0
        reasons.append("issn-differs")
    ids_a, ids_b = set(a.get("ids", ())), set(b.get("ids", ()))
    if ids_a & ids_b:
        total += 3.0
        corroborated = True
        reasons.append("oclc/lccn")
    else:
        lccn_a = {i for i in ids_a if i.startswith("lccn:")}
        lccn_b = {i for i in ids_b if i.startswith("lccn:")}
        if lccn_a and lccn_b:
            # The Library of Congress made two records: two publications, or its own duplicate.
            total -= 2.0
            doubts.append("lccn-differs")

    identified = corroborated  # a shared number so far
    # Title.
    title_a, title_b = a.get("title", ""), b.get("title", "")
    sub_a, sub_b = a.get("subtitle", ""), b.get("subtitle", "")
    words_a, words_b = title_a.split(), title_b.split()
    if not title_a and not title_b:
        similarity = None  # neither has a title (UNIMARC read as MARC 21, a stub): nothing to say
    elif title_a == title_b:
        similarity = 1.0
    else:
        similarity = max(
            _word_similarity(words_a, words_b),
            _word_similarity(f"{title_a} {sub_a}".split(), f"{title_b} {sub_b}".split()),
        )
    # A title of many words is a stronger sign than "Bulletin" or "Poems".
    specificity = min(len(words_a), len(words_b), 6)
    if similarity is None:
        pass
    elif similarity == 1.0:
        total += 2.0 + 0.5 * specificity
        reasons.append("title")
    elif similarity >= 0.85:
        total += 1.0 + 0.4 * specificity
        reasons.append("title~")
    elif similarity >= 0.6:
        total -= 1.0
        doubts.append("title-differs")
    else:
        # Whatever else agrees (a reused ISBN), two titles are two publications until someone looks.
        total -= 5.0
        doubts.append("title-differs")
    if sub_a and sub_b and sub_a != sub_b:
        # One library may stop the other title information short; otherwise it is transcribed alike.
        if not (sub_a.startswith(sub_b) or sub_b.startswith(sub_a)):
            sub_similarity = _word_similarity(sub_a.split(), sub_b.split())
            if sub_similarity < 0.9:
                total -= 2.5 if sub_similarity < 0.5 else 1.0
                doubts.append("subtitle-differs")
    elif sub_a and sub_b:
        total += 0.5
    exact_a, exact_b = a.get("title_exact"), b.get("title_exact")
    if exact_a and exact_b and exact_a != exact_b and title_a == title_b:
        # Both typed with diacritics and they differ: "Ma" and "Mà" fold alike but are other words.
        total -= 1.5
        reasons.append("diacritics-differ")
    numbers_a = _numbers_in(title_a, sub_a)
    numbers_b = _numbers_in(title_b, sub_b)
    if numbers_a and numbers_b and not (numbers_a <= numbers_b or numbers_b <= numbers_a):
        conflicts.append("title-number-differs")

    # Part or volume.
    part_a, part_b = a.get("part", ""), b.get("part", "")
    name_a, name_b = a.get("part_name", ""), b.get("part_name", "")
    if part_a and part_b and part_a != part_b:
        conflicts.append("part-differs")
    elif name_a and name_b and _word_similarity(name_a.split(), name_b.split()) < 0.6:
        conflicts.append("part-differs")
    elif bool(part_a) != bool(part_b) or bool(name_a) != bool(name_b):
        # One record is a volume, the other the whole set (or the same volume catalogued without it).
        total -= 3.0
        doubts.append("part-missing")
    elif part_a or name_a:
        total += 0.5
        reasons.append("part")
    volumes_a, volumes_b = a.get("volumes", 0), b.get("volumes", 0)
    if (volumes_a > 1) != (volumes_b > 1):
        has_extent_a = volumes_a or a.get("pages") or part_a or name_a
        has_extent_b = volumes_b or b.get("pages") or part_b or name_b
        if has_extent_a and has_extent_b:
            # "3 v." against one volume or a number of pages: a set and one of its volumes.
            conflicts.append("set-vs-volume")

    # Author.
    author = _author_similarity(a, b)
    if author is None:
        if a.get("author") or b.get("author"):
            total -= 0.3
    elif author >= 0.85:
        total += 2.0
        corroborated = True
        reasons.append("author")
    elif author >= 0.5:
        total += 0.5
        reasons.append("author~")
    else:
        total -= 4.0
        reasons.append("author-differs")

    # Year.
    gap = _year_gap(a, b)
    if gap is None:
        if a.get("year") or a.get("years") or b.get("year") or b.get("years"):
            # One record has no date: without a shared number, it may be another printing's.
            total -= 0.5
            if not identified:
                doubts.append("year-missing")
    elif gap == 0:
        total += 1.5
        corroborated = True
        reasons.append("year")
    elif gap == 1:
        # "1984 [i.e. 1983]", a copyright date against a printing date, or next year's reprint.
        total -= 3.0
        doubts.append("year-differs")
    else:
        conflicts.append("year-differs")

    # Edition.
    ed_a, ed_b = a.get("edition", ""), b.get("edition", "")
    text_a, text_b = a.get("edition_text", ""), b.get("edition_text", "")
    if ed_a and ed_b:
        if ed_a != ed_b:
            conflicts.append("edition-differs")
        else:
            total += 0.5
            reasons.append("edition")
    elif (ed_a or ed_b) not in ("", "1"):
        # A first edition often says nothing; a later one says which.
        total -= 2.0
        doubts.append("edition-differs")
    if text_a != text_b and text_a and text_b and not set(text_a.split()) & set(text_b.split()):
        total -= 1.5
        reasons.append("edition-words-differ")

    # Language, translation, carrier.
    lang_a, lang_b = a.get("language", ""), b.get("language", "")
    if lang_a and lang_b and lang_a != lang_b:
        conflicts.append("language-differs")
    elif (lang_a and lang_a != lang_b and lang_a in b.get("originals", ())) or (
        lang_b and lang_b != lang_a and lang_b in a.get("originals", ())
    ):
        # One record's language is the language the other was translated from.
        conflicts.append("translation")
    elif bool(a.get("translation")) != bool(b.get("translation")):
        # One record says it is a translation. With both languages known and equal, the other library
        # merely left 041 out; with one unknown, it may be the original.
        total -= 1.5
        if lang_a and lang_b:
            reasons.append("translation?")
        else:
            doubts.append("translation?")
    extent_a, extent_b = a.get("extent_kind"), b.get("extent_kind")
    if extent_a and extent_b and extent_a != extent_b:
        conflicts.append("carrier-differs")
    mat_a, mat_b = a.get("material", ""), b.get("material", "")
    if mat_a and mat_b and mat_a != mat_b:
        kind_a, _, carrier_a = mat_a.partition("/")
        kind_b, _, carrier_b = mat_b.partition("/")
        if kind_a != kind_b or (carrier_a != "?" and carrier_b != "?"):
            conflicts.append("material-differs")

    # Publisher and extent.
    pub_a, pub_b = a.get("publisher", ""), b.get("publisher", "")
    if pub_a and pub_b:
        if set(pub_a.split()) & set(pub_b.split()):
            total += 1.0
            corroborated = True
            reasons.append("publisher")
        else:
            # Two publishers are two printings, unless one library named an imprint and the other its
            # parent ("Clarendon Press", "Oxford University Press"): a cataloger's call.
            total -= 2.0
            doubts.append("publisher-differs")
    pages_a, pages_b = a.get("pages", 0), b.get("pages", 0)
    if pages_a and pages_b:
        if abs(pages_a - pages_b) <= max(2, 0.03 * max(pages_a, pages_b)):
            total += 1.0
            reasons.append("pages")
        elif abs(pages_a - pages_b) > 0.1 * max(pages_a, pages_b):
            total -= 1.5
            reasons.append("pages-differ")

    if not corroborated:
        doubts.append("title-only")
    if conflicts:
        total = min(total, _CONFLICT_CAP)
        reasons.extend(conflicts)
    elif doubts:
        total = min(total, _DOUBT_CAP)
    reasons.extend(doubts)
    return Match(round(1.0 / (1.0 + math.exp(-total)), 4), reasons)
