"""CSV dumps: UTF-8 with a byte order mark, one row per public record, the columns the page documents."""

import csv
import io

import pytest

from thuvien.interop.opendata.dumps import Scope, write_to
from thuvien.interop.opendata.formats import CSV_COLUMNS
from thuvien.interop.opendata.tests.conftest import gunzip

pytestmark = pytest.mark.django_db


def _rows(directory, scope):
    (written,) = write_to(scope, ["csv"], directory)
    data = gunzip(written.path)
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with the BOM
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    assert tuple(reader.fieldnames) == CSV_COLUMNS
    rows = list(reader)
    assert written.records == len(rows)
    return rows


def test_rows_carry_the_record_and_its_holding_libraries(catalogue, dump_dir):
    rows = {r["title"]: r for r in _rows(dump_dir, Scope.network())}
    kieu = rows["Truyện Kiều"]
    assert kieu["id"] == str(catalogue.prov.pk)
    assert kieu["author"] == "Nguyễn Du"
    assert kieu["publisher"] == "Nxb. Văn học" and kieu["place"] == "Hà Nội" and kieu["year"] == "2015"
    assert kieu["language"] == "vie"
    assert kieu["isbns"] == "9786041000017"
    assert kieu["subjects"] == "Văn học Việt Nam | Thơ lục bát"
    assert kieu["libraries"] == "VN-TST | VN-TST-XA"
    assert kieu["opac_url"] == f"https://thuvien.example.vn/record/{catalogue.prov.pk}/"
    assert rows["Sổ tay hoá học THPT"]["libraries"] == ""  # contributed, no copy


def test_hidden_records_and_withdrawn_copies_never_appear(catalogue, dump_dir, network):
    rows = _rows(dump_dir, Scope.network())
    ids = {r["id"] for r in rows}
    assert not ids & {str(r.pk) for r in catalogue.hidden}
    assert {r["title"]: r["libraries"] for r in rows}["Đất rừng phương Nam"] == "VN-TST-XA"
    assert [r["title"] for r in _rows(dump_dir, Scope.of(network["school"]))] == ["Sổ tay hoá học THPT"]


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_text(network, dump_dir):
    from thuvien.catalog.tests.factories import import_records, marc_record

    import_records(
        [marc_record('=HYPERLINK("http://x.invalid","Bấm")', "@tacgia")], library=network["prov"], index=False
    )
    (row,) = _rows(dump_dir, Scope.network())
    assert row["title"].startswith("'=HYPERLINK(")
    assert row["author"] == "'@tacgia"
