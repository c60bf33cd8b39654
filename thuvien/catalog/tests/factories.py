"""Build MARC records and import them the way a library would, for tests."""

from __future__ import annotations

import io
import itertools

import pymarc

from thuvien.catalog.actions import import_marc
from thuvien.search.indexer import apply_outbox

_numbers = itertools.count(1)


def marc_record(
    title,
    author="",
    *,
    isbn=None,
    subjects=(),
    year=2020,
    publisher="Nxb. Trẻ",
    language="vie",
    control=None,
    holdings=(),
    subtitle=None,
    source="VN-TST",
):
    """Return a pymarc record; HOLDINGS are (library code, barcode, call number) tuples as Koha 952."""
    number = control or f"T{next(_numbers):06d}"
    record = pymarc.Record(leader="00000nam a2200000 i 4500", force_utf8=True)
    record.add_field(pymarc.Field(tag="001", data=number))
    record.add_field(pymarc.Field(tag="003", data=source))
    record.add_field(pymarc.Field(tag="008", data=f"240101s{year}    vm            000 0 {language} d"))
    if isbn:
        record.add_field(
            pymarc.Field(tag="020", indicators=[" ", " "], subfields=[pymarc.Subfield("a", isbn)])
        )
    if author:
        record.add_field(
            pymarc.Field(tag="100", indicators=["0", " "], subfields=[pymarc.Subfield("a", author)])
        )
    sub = [pymarc.Subfield("a", title + (" :" if subtitle else ""))]
    if subtitle:
        sub.append(pymarc.Subfield("b", subtitle))
    record.add_field(pymarc.Field(tag="245", indicators=["1", "0"], subfields=sub))
    record.add_field(
        pymarc.Field(
            tag="264",
            indicators=[" ", "1"],
            subfields=[
                pymarc.Subfield("a", "Hà Nội :"),
                pymarc.Subfield("b", publisher + ","),
                pymarc.Subfield("c", str(year)),
            ],
        )
    )
    for subject in subjects:
        record.add_field(
            pymarc.Field(tag="650", indicators=[" ", "7"], subfields=[pymarc.Subfield("a", subject)])
        )
    for library, barcode, call_number in holdings:
        record.add_field(
            pymarc.Field(
                tag="952",
                indicators=[" ", " "],
                subfields=[
                    pymarc.Subfield("a", library),
                    pymarc.Subfield("b", library),
                    pymarc.Subfield("p", barcode),
                    pymarc.Subfield("o", call_number),
                    pymarc.Subfield("y", "BK"),
                ],
            )
        )
    return record


def import_records(records, library=None, index=True, **kwargs):
    buffer = io.BytesIO()
    writer = pymarc.MARCWriter(buffer)
    for record in records:
        writer.write(record)
    report = import_marc(buffer.getvalue(), library=library, **kwargs)
    if index:
        apply_outbox()
    return report
