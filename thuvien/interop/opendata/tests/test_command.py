"""`thuvien dump`: publish everything or one library, one format or all, or write the files elsewhere."""

import gzip

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from thuvien.interop.opendata.models import Dump

pytestmark = pytest.mark.django_db


def test_dump_publishes_every_dataset_in_every_format(catalogue, dump_dir, capsys):
    call_command("dump")
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 15 == Dump.objects.count()
    assert lines[0].startswith("network\tmarcxml\trecords=4\t")


def test_dump_one_library_one_format(catalogue, dump_dir, capsys):
    call_command("dump", "--library", "vn-tst-xa", "--format", "csv")
    (line,) = capsys.readouterr().out.strip().splitlines()
    assert line.startswith("VN-TST-XA\tcsv\trecords=2\t") and line.endswith("thuvien-VN-TST-XA.csv.gz")
    assert list(Dump.objects.values_list("dataset__key", "format")) == [("VN-TST-XA", "csv")]


def test_dump_to_a_directory_publishes_nothing(catalogue, dump_dir, tmp_path, capsys):
    out = tmp_path / "ra"
    call_command("dump", "--out", str(out), "--library", "VN-TST")
    assert sorted(p.name for p in out.iterdir()) == [
        "thuvien-VN-TST.csv.gz", "thuvien-VN-TST.jsonld.gz", "thuvien-VN-TST.marc.xml.gz",
    ]  # fmt: skip
    assert gzip.decompress((out / "thuvien-VN-TST.csv.gz").read_bytes()).count(b"\r\n") == 4  # header + 3
    assert not Dump.objects.exists()


def test_dump_refuses_an_unknown_library_or_format(network, dump_dir, tmp_path):
    with pytest.raises(CommandError):
        call_command("dump", "--library", "VN-KHONG-CO")
    with pytest.raises(CommandError):
        call_command("dump", "--format", "xls")
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(CommandError):
        call_command("dump", "--out", str(tmp_path / "a-file"))
