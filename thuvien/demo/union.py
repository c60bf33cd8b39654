"""The demo's union catalogue: a member library's own catalogue merged in, and named collections.

The university library of the demo network runs another system (Koha, say) and sends its catalogue
as a MARC file, the way a member library's harvest or export arrives. Part of it describes books the
provincial library already catalogued, typed the way another cataloguer types them (no diacritics,
ISBN-10, other punctuation, their own 001/003): those attach to the provincial records, so readers see
one record with both libraries' copies. Part looks alike but is not sure (no ISBN, another publisher):
those wait in the review queue. The rest is the university's own.
"""

from __future__ import annotations

import io

import pymarc
from django.db import transaction

from thuvien.catalog.actions import ImportReport, import_marc
from thuvien.catalog.models import Collection, Record
from thuvien.catalog.queries import public_records
from thuvien.interop.marc import record_from_json
from thuvien.lib.isbn import isbn10
from thuvien.lib.vn_text import fold
from thuvien.network.models import Library

MEMBER_KIND = "university"
SAME = 300  # the provincial library's books the member also holds
ALIKE = 40  # look-alike records for the review queue
PUNCTUATION = str.maketrans({":": "", "/": "", ";": ",", "=": ""})


def _member(libraries: list[dict]) -> Library | None:
    code = next((lib["code"] for lib in libraries if lib.get("kind") == MEMBER_KIND), None)
    return Library.objects.filter(code=code).first() if code else None


def _as_member(marc: pymarc.Record, library: Library, n: int, barcode: str) -> pymarc.Record:
    """Return MARC as the member library catalogued it: its own 001/003 and copy, no old holdings."""
    for tag in ("001", "003", "952", "852"):
        marc.remove_fields(tag)
    marc.add_ordered_field(pymarc.Field(tag="001", data=f"{library.code}-{n:05d}"))
    marc.add_ordered_field(pymarc.Field(tag="003", data=library.code))
    marc.add_field(
        pymarc.Field(
            tag="952",
            indicators=[" ", " "],
            subfields=[
                pymarc.Subfield("a", library.code),
                pymarc.Subfield("b", library.code),
                pymarc.Subfield("p", barcode),
                pymarc.Subfield("y", "BK"),
            ],
        )
    )
    return marc


def _retype(marc: pymarc.Record, n: int) -> None:
    """Vary MARC the way another cataloguer would: no diacritics, ISBN-10, other ISBD punctuation."""
    f245 = marc.get("245")
    if f245 is not None and n % 3 == 0:
        for sub in f245.subfields:
            if sub.code in "ab":
                f245[sub.code] = fold(sub.value)
    if n % 3 == 1:
        for f in marc.get_fields("020"):
            ten = isbn10(f.get("a") or "")
            if ten:
                f["a"] = ten
    if f245 is not None and n % 3 == 2:
        for sub in f245.subfields:
            if sub.code == "a":
                f245["a"] = sub.value.translate(PUNCTUATION).strip()
        f245.delete_subfield("c")


def _look_alike(marc: pymarc.Record) -> None:
    """Make MARC a maybe-duplicate: no ISBN and another publisher (a reprint, or a typing slip?)."""
    marc.remove_fields("020")
    for tag in ("264", "260"):
        for f in marc.get_fields(tag):
            if f.get("b"):
                f["b"] = "Nxb. Đại học Hoa Lư,"


def member_catalogue(member: Library) -> bytes:
    """Return the member library's catalogue as an ISO 2709 file."""
    root = member.path.strip("/").split("/")[0]
    with_isbn = (
        public_records()
        .filter(source_library__code=root, identifiers__kind="isbn", material_type="book")
        .order_by("pk")
        .values_list("marc", flat=True)
        .distinct()[: SAME + ALIKE]
    )
    out = io.BytesIO()
    writer = pymarc.MARCWriter(out)
    for n, text in enumerate(with_isbn):
        marc = _as_member(record_from_json(text), member, n, f"DHHL{n + 1:06d}")
        if n < SAME:
            _retype(marc, n)
        else:
            _look_alike(marc)
        writer.write(marc)
    return out.getvalue()


def load_member_catalogue(libraries: list[dict]) -> ImportReport | None:
    member = _member(libraries)
    if member is None:
        return None
    return import_marc(member_catalogue(member), library=member, filename=f"{member.code}-koha.mrc")


@transaction.atomic
def create_collections(libraries: list[dict]) -> dict[str, int]:
    """Name the collections the indicators and OAI-PMH sets use: local history (địa chí) and rare books."""
    root = Library.objects.filter(
        code=next(lib["code"] for lib in libraries if not lib.get("parent"))
    ).first()
    local = Collection.objects.create(
        code="dia-chi", name="Tài liệu địa chí Ninh Bình", kind="local_history", library=root
    )
    rare = Collection.objects.create(code="sach-quy", name="Sách cổ, quý hiếm", kind="rare", library=root)
    records = public_records()
    local_ids = [
        pk
        for pk, data in records.values_list("pk", "search_data").iterator(chunk_size=2000)
        if any("ninh bình" in s.lower() for s in (data or {}).get("subjects", []))
    ]
    local.records.add(*local_ids)
    rare.records.add(*records.filter(year__lt=1950).values_list("pk", flat=True))
    return {"dia-chi": len(local_ids), "sach-quy": rare.records.count(), "records": Record.objects.count()}
