"""The `thuvien` command line: import-marc, export-marc, search --json, reindex --verify."""

import csv
import io
import json

import pymarc
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from thuvien.catalog.models import Item, Record
from thuvien.catalog.tests.factories import marc_record
from thuvien.lib import vn_legacy
from thuvien.search.indexer import verify

pytestmark = pytest.mark.django_db


def write_mrc(path, records, extra: bytes = b""):
    buffer = io.BytesIO()
    writer = pymarc.MARCWriter(buffer)
    for record in records:
        writer.write(record)
    path.write_bytes(buffer.getvalue() + extra)
    return path


def test_import_marc_prints_the_summary_and_writes_a_report(network, tmp_path, capsys):
    path = write_mrc(
        tmp_path / "in.mrc",
        [marc_record("Truyện Kiều", "Nguyễn Du", holdings=[("VN-TST-XA", "X1", "895")]),
         marc_record("Tắt đèn", "Ngô Tất Tố")],
        extra=b"00026nam a22000241  4500\x1e\x1d",  # a broken record at the end
    )  # fmt: skip
    report = tmp_path / "report.csv"
    call_command("import_marc", str(path), "--library", "VN-TST", "--report", str(report))
    out = capsys.readouterr()
    assert out.out.strip().splitlines()[-1] == "imported=2 updated=0 rejected=1"
    rows = list(csv.DictReader(report.open(encoding="utf-8-sig")))
    assert [r["status"] for r in rows] == ["imported", "imported", "rejected"]
    assert rows[2]["position"] == "3" and rows[2]["message"]
    assert Item.objects.get(barcode="X1").library.code == "VN-TST-XA"
    call_command("import_marc", str(path), "--library", "VN-TST")
    assert capsys.readouterr().out.strip().splitlines()[-1] == "imported=0 updated=2 rejected=1"


def test_import_marc_refuses_unknown_library_and_missing_file(network, tmp_path):
    with pytest.raises(CommandError):
        call_command("import_marc", str(tmp_path / "nope.mrc"))
    path = write_mrc(tmp_path / "in.mrc", [marc_record("A", "B")])
    with pytest.raises(CommandError):
        call_command("import_marc", str(path), "--library", "VN-NOPE")


def _legacy_record(encoding: str) -> bytes:
    """An ISO 2709 record whose text is in a legacy Vietnamese encoding (as old systems exported it)."""
    title = vn_legacy.encode("Lịch sử Việt Nam", encoding)
    author = vn_legacy.encode("Trần Trọng Kim", encoding)
    fields = [("001", b"LEG1"), ("100", b"0 \x1fa" + author), ("245", b"10\x1fa" + title)]
    directory, data = b"", b""
    for tag, body in fields:
        body += b"\x1e"
        directory += f"{tag}{len(body):04d}{len(data):05d}".encode()
        data += body
    base = 24 + len(directory) + 1
    return (
        f"{base + len(data) + 1:05d}nam  22{base:05d} i 4500".encode() + directory + b"\x1e" + data + b"\x1d"
    )


@pytest.mark.parametrize("encoding", ["tcvn3", "vni", "viscii"])
def test_legacy_encodings_are_converted_with_a_report(network, tmp_path, capsys, encoding):
    path = tmp_path / f"{encoding}.mrc"
    path.write_bytes(_legacy_record(encoding))
    report = tmp_path / "r.jsonl"
    call_command(
        "import_marc", str(path), "--library", "VN-TST", "--encoding", encoding, "--report", str(report)
    )
    record = Record.objects.get(control_number="LEG1")
    assert record.title == "Lịch sử Việt Nam" and record.author == "Trần Trọng Kim"
    line = json.loads(report.read_text(encoding="utf-8").splitlines()[0])
    assert line["status"] == "imported"


def test_export_marc_both_formats_and_charsets(network, tmp_path, capsys):
    path = write_mrc(
        tmp_path / "in.mrc",
        [marc_record("Đường về Hòa Bình", "Lê Thị Hoa", holdings=[("VN-TST-XA", "X9", "895")])],
    )
    call_command("import_marc", str(path), "--library", "VN-TST")
    for fmt, charset in (("iso2709", "utf8"), ("iso2709", "marc8"), ("marcxml", "utf8")):
        out = tmp_path / f"out.{fmt}.{charset}"
        call_command("export_marc", str(out), "--format", fmt, "--charset", charset)
        assert out.stat().st_size > 100
    exported = next(pymarc.MARCReader((tmp_path / "out.iso2709.utf8").open("rb"), to_unicode=True))
    assert exported["245"]["a"] == "Đường về Hòa Bình"
    assert exported["952"]["p"] == "X9" and exported["952"]["a"] == "VN-TST-XA"
    marc8 = (tmp_path / "out.iso2709.marc8").read_bytes()
    assert marc8[9:10] == b" " and "Đường".encode() not in marc8
    call_command("export_marc", str(tmp_path / "scoped.mrc"), "--library", "VN-TST-THPT")
    assert (tmp_path / "scoped.mrc").read_bytes() == b""
    with pytest.raises(CommandError):
        call_command("export_marc", str(tmp_path / "x"), "--format", "marcxml", "--charset", "marc8")


def test_search_json_shape(network, tmp_path, capsys):
    path = write_mrc(
        tmp_path / "in.mrc",
        [marc_record("Số đỏ", "Vũ Trọng Phụng", year=1936, holdings=[("VN-TST", "S1", "895")])],
    )
    call_command("import_marc", str(path), "--library", "VN-TST")
    capsys.readouterr()
    call_command("search", "so do", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["total"] == 1
    hit = data["hits"][0]
    assert (hit["title"], hit["author"], hit["year"]) == ("Số đỏ", "Vũ Trọng Phụng", 1936)
    assert hit["items"] == [{"barcode": "S1", "library": "VN-TST", "status": "available"}]
    call_command("search", "so do", "--library", "VN-TST-XA", "--json")
    assert json.loads(capsys.readouterr().out)["total"] == 0


def test_reindex_and_verify_report_drift(network, tmp_path, capsys):
    path = write_mrc(tmp_path / "in.mrc", [marc_record(f"Sách số {n}", "Tác Giả") for n in range(5)])
    call_command("import_marc", str(path), "--library", "VN-TST")
    call_command("reindex", "--verify")
    assert "missing=0 extra=0" in capsys.readouterr().out
    # Drift: a record changed behind the outbox's back (e.g. a bad manual SQL fix).
    Record.objects.filter(title="Sách số 1").update(suppressed=True)
    with pytest.raises(CommandError):
        call_command("reindex", "--verify")
    assert "extra=1" in capsys.readouterr().out
    call_command("reindex")
    assert "reindexed=4" in capsys.readouterr().out
    assert verify().ok
