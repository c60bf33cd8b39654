"""The import's fast path: pieces of the file in worker processes, plain SQL, reserved ids.

Whatever path a file takes, the report and the catalogue must be what reading it record by record
gives.
"""

import io
import re

import pymarc
import pytest

from thuvien.catalog import importer
from thuvien.catalog.importer import import_marc
from thuvien.catalog.models import Identifier, Item, Record
from thuvien.catalog.prepare import Prepared, marc_json, prepare_entries, prepare_iso2709
from thuvien.catalog.tests.factories import marc_record
from thuvien.interop.marc import extract, read_marc, record_to_json
from thuvien.search.models import OutboxEntry


def mrc(records, between: bytes = b"") -> bytes:
    parts = []
    for record in records:
        out = io.BytesIO()
        pymarc.MARCWriter(out).write(record)
        parts.append(out.getvalue())
    return between.join(parts)


def iso2709_files(corpus):
    for path in sorted((corpus / "marc").rglob("*")):
        if path.is_file() and "_derived" not in path.parts and path.stat().st_size < 2_000_000:
            head = path.read_bytes()[:4096]
            if importer.detect_format(head) == "iso2709" and head[:2] != b"\x1f\x8b":
                yield path


def comparable(results):
    out = []
    for r in results:
        if isinstance(r, Prepared):
            out.append((r.position, r.row, r.identifiers, r.marc, r.search_json, r.messages, r.fields))
        else:
            out.append((r.position, r.reason, r.error))
    return out


def in_pieces(data: bytes, size: int):
    results, position = [], 0
    for piece, base in importer._pieces(data, None, size):
        part = prepare_iso2709((piece, base, "auto", importer.holdings_maps(), True))
        for entry in part:
            entry.position += position
        position += len(part)
        results += part
    return results


@pytest.mark.django_db
def test_pieces_read_every_corpus_file_as_read_marc_does(corpus):
    maps = importer.holdings_maps()
    files = 0
    for path in iso2709_files(corpus):
        data = path.read_bytes()
        expected = comparable(prepare_entries(read_marc(data), maps))
        for size in (1, 5000):  # one record a piece; several
            assert comparable(in_pieces(data, size)) == expected, (path, size)
        files += 1
    assert files > 100


def test_marc_json_is_record_to_json(corpus):
    for entry in read_marc(corpus / "marc/_derived/real_bib_5349_utf8.mrc"):
        assert marc_json(entry.record) == record_to_json(entry.record)
    odd = marc_record('Quote " back\\slash \x01 tab\t', "Tác giả")
    odd.add_field(pymarc.Field(tag="009", data=None))
    assert marc_json(odd) == record_to_json(odd)


def broken_file() -> bytes:
    records = [marc_record(f"Sách {n}", "Tác giả", holdings=[("VN-TST", f"P{n}", "")]) for n in range(30)]
    records[7] = marc_record("Sách trùng mã vạch", holdings=[("VN-TST", "P3", "")])
    good = mrc(records[:12])
    return (
        good
        + b"00026nam a22000241  4500\x1e\x1d"  # no fields
        + b"   \n\x00"  # padding between records
        + b"garbage that is not a record\x1d"
        + mrc(records[12:20])
        + b"<?xml looks like XML but is a record\x1d"  # a piece may start here: still ISO 2709
        + mrc(records[20:])
        + b"01234nam  2200"  # cut short at the end
    )


def snapshot():
    return {
        "records": sorted(
            Record.objects.values_list("control_number", "title", "marc", "title_sort", "match_key")
        ),
        "items": sorted(Item.objects.values_list("barcode", "record__control_number", "library__code")),
        "identifiers": Identifier.objects.count(),
    }


def report_lines(report):
    # Record ids differ from one import to the other.
    return [
        (line.position, line.status, line.control_number, line.title, re.sub(r"#\d+", "#", line.message))
        for line in report.lines
    ]


@pytest.mark.django_db
def test_worker_processes_give_what_reading_here_gives(network, monkeypatch):
    data = broken_file()
    monkeypatch.setattr(importer, "_workers", lambda: 1)
    here = import_marc(data, library=network["prov"], batch_size=7)
    expected = (report_lines(here), snapshot())
    assert here.rejected == 4 and here.imported == 30
    Record.objects.all().delete()
    monkeypatch.setattr(importer, "_workers", lambda: 2)
    monkeypatch.setattr(importer, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(importer, "PIECE_BYTES", 2000)
    there = import_marc(data, library=network["prov"], batch_size=7)
    assert (report_lines(there), snapshot()) == expected
    assert [line.position for line in there.lines] == list(range(1, 35))


@pytest.mark.django_db
def test_title_sort_is_the_key_extract_gives(network):
    record = marc_record("The innovators", "Isaacson, Walter")
    record["245"].indicators = ["1", "4"]
    import_marc(mrc([record]), library=network["prov"])
    assert Record.objects.get().title_sort == extract(record).title_sort


@pytest.mark.django_db
def test_long_barcodes_are_matched_as_stored(network):
    barcode = "B" * 80
    data = mrc([marc_record("Mã vạch dài", holdings=[("VN-TST", barcode, "")])])
    import_marc(data, library=network["prov"])
    again = import_marc(data, library=network["prov"])
    assert (again.updated, again.items_updated) == (1, 1)
    assert Item.objects.get().barcode == barcode[:64]


@pytest.mark.django_db
def test_the_record_a_copy_moves_from_is_reindexed(network):
    import_marc(
        mrc([marc_record("Cũ", control="OLD1", holdings=[("VN-TST", "M1", "")])]), library=network["prov"]
    )
    old = Record.objects.get(control_number="OLD1")
    report = import_marc(
        mrc([marc_record("Mới", control="NEW1", holdings=[("VN-TST", "M1", "")])]), library=network["prov"]
    )
    assert "M1" in report.lines[0].message
    new = Record.objects.get(control_number="NEW1")
    assert Item.objects.get(barcode="M1").record == new
    assert list(OutboxEntry.objects.order_by("id").values_list("record_id", flat=True))[-2:] == [
        new.pk,
        old.pk,
    ]


@pytest.mark.django_db
def test_ids_of_deleted_records_are_not_given_again(network):
    import_marc(mrc([marc_record("Một"), marc_record("Hai")]), library=network["prov"])
    last = Record.objects.order_by("-id").first()
    last_id = last.pk
    last.delete()
    import_marc(mrc([marc_record("Ba")]), library=network["prov"])
    assert Record.objects.order_by("-id").first().pk > last_id


@pytest.mark.django_db
def test_a_file_object_and_gzip_take_their_paths(network, tmp_path, monkeypatch):
    import gzip

    monkeypatch.setattr(importer, "PARALLEL_MIN_BYTES", 0)
    data = mrc([marc_record(f"Sách {n}") for n in range(5)])
    path = tmp_path / "in.mrc.gz"
    path.write_bytes(gzip.compress(data))
    assert import_marc(path, library=network["prov"]).imported == 5
    assert import_marc(io.BytesIO(data), library=network["prov"]).updated == 5
    assert import_marc(gzip.compress(data), library=network["prov"]).updated == 5


@pytest.mark.django_db
def test_workers_that_do_not_start_leave_the_import_to_this_process(network, monkeypatch, tmp_path):
    broken = tmp_path / "python-broken"
    broken.write_text("#!/bin/sh\nexit 3\n")
    broken.chmod(0o755)
    monkeypatch.setattr(importer.sys, "executable", str(broken))
    monkeypatch.setattr(importer, "_workers", lambda: 2)
    monkeypatch.setattr(importer, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(importer, "PIECE_BYTES", 2000)
    report = import_marc(broken_file(), library=network["prov"])
    assert (report.imported, report.rejected) == (30, 4)
    assert [line.position for line in report.lines] == list(range(1, 35))
