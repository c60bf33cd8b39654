"""Citation exports of a record: RIS and BibTeX."""

from __future__ import annotations

import re

from thuvien.lib.vn_text import fold

RIS_TYPES = {"book": "BOOK", "serial": "JOUR", "map": "MAP", "music": "MUSIC", "audio": "SOUND", "video": "VIDEO",
             "manuscript": "MANSCPT", "computer": "ELEC", "image": "ART"}  # fmt: skip


def ris(record, details) -> str:
    lines = [f"TY  - {RIS_TYPES.get(record.material_type, 'GEN')}", f"TI  - {record.title}"]
    lines += [f"AU  - {name}" for name in (details.authors or ([record.author] if record.author else []))]
    if record.year:
        lines.append(f"PY  - {record.year}")
    if record.publisher:
        lines.append(f"PB  - {record.publisher}")
    if record.place:
        lines.append(f"CY  - {record.place}")
    if record.edition:
        lines.append(f"ET  - {record.edition}")
    lines += [f"SN  - {isbn}" for isbn in details.isbns]
    lines += [f"KW  - {subject}" for subject in details.subjects]
    if record.language:
        lines.append(f"LA  - {record.language}")
    lines.append(f"ID  - thuvien-{record.pk}")
    lines.append("ER  - ")
    return "\r\n".join(lines) + "\r\n"


def _bib_escape(value: str) -> str:
    return re.sub(r"([{}\\%&$#_])", r"\\\1", value)


def bibtex(record, details) -> str:
    first = fold((details.authors or [record.author or "anon"])[0]).split()
    key = re.sub(r"[^a-z0-9]", "", (first[0] if first else "anon")) + str(record.year or "") + f"_{record.pk}"
    kind = "book" if record.material_type in ("book", "map", "music", "manuscript") else "misc"
    fields = [("title", record.title)]
    if details.authors or record.author:
        fields.append(("author", " and ".join(details.authors or [record.author])))
    for name, value in (
        ("publisher", record.publisher),
        ("address", record.place),
        ("edition", record.edition),
        ("year", str(record.year or "")),
        ("language", record.language),
    ):
        if value:
            fields.append((name, value))
    if details.isbns:
        fields.append(("isbn", details.isbns[0]))
    body = ",\n".join(f"  {name} = {{{_bib_escape(value)}}}" for name, value in fields)
    return f"@{kind}{{{key},\n{body}\n}}\n"
