"""Publishing dumps: rows match the files, old files are replaced, a failed dump changes nothing visible."""

import gzip
import hashlib
import os
from datetime import timedelta

import pytest
from django.utils import timezone

from thuvien.audit.models import AuditEntry
from thuvien.catalog.tests.factories import import_records, marc_record
from thuvien.interop.opendata import formats
from thuvien.interop.opendata.dumps import (
    DumpBusy,
    Scope,
    dump_lock,
    publish,
    run_due_dumps,
    run_dumps,
)
from thuvien.interop.opendata.models import Dataset, Dump

pytestmark = pytest.mark.django_db


def _files(directory):
    return sorted(p.name for p in directory.iterdir() if p.name != ".lock")


def test_rows_describe_the_files(catalogue, dump_dir, network):
    dumps = run_dumps()
    assert {(d.dataset.key, d.format) for d in dumps} == {
        (key, fmt)
        for key in ("network", "VN-KHAC", "VN-TST", "VN-TST-THPT", "VN-TST-XA")
        for fmt in ("marcxml", "csv", "jsonld")
    }
    assert len(_files(dump_dir)) == len(dumps)
    for dump in Dump.objects.all():
        data = (dump_dir / dump.stored_name).read_bytes()
        assert dump.size == len(data)
        assert dump.sha256 == hashlib.sha256(data).hexdigest()
        assert gzip.decompress(data)  # a complete gzip stream
    network_csv = Dump.objects.get(dataset__key="network", format="csv")
    assert network_csv.records == 4 and network_csv.file_name == "thuvien-mang-luoi.csv.gz"
    assert Dump.objects.get(dataset__key="VN-TST-XA", format="marcxml").records == 2
    assert AuditEntry.objects.filter(type="opendata.dump.published").count() == 5


def test_a_new_dump_replaces_the_old_files(catalogue, dump_dir, network):
    (first,) = publish(Scope.network(), ["csv"])
    old_name = first.stored_name
    import_records([marc_record("Sách mới về", "Tác Giả Mới")], library=network["prov"], index=False)
    (second,) = publish(Scope.network(), ["csv"])
    assert second.pk == first.pk and second.file_name == first.file_name
    assert second.records == 5 and second.stored_name != old_name
    assert _files(dump_dir) == [second.stored_name]


def test_a_failing_dump_leaves_the_previous_files_and_rows(catalogue, dump_dir, monkeypatch):
    before = {d.format: (d.stored_name, d.sha256) for d in publish(Scope.network())}
    files = _files(dump_dir)

    def broken(self, row):
        if self.count == 2:
            raise OSError("disk full")
        self.count += 1
        return True

    monkeypatch.setattr(formats.JsonLdWriter, "add", broken)
    with pytest.raises(OSError):
        publish(Scope.network())
    assert _files(dump_dir) == files  # no temporary file left, the old ones untouched
    assert {d.format: (d.stored_name, d.sha256) for d in Dump.objects.all()} == before
    for name, sha256 in before.values():
        assert hashlib.sha256((dump_dir / name).read_bytes()).hexdigest() == sha256
    dataset = Dataset.objects.get(key="network")
    assert "disk full" in dataset.error
    assert AuditEntry.objects.filter(type="opendata.dump.failed").exists()


def test_only_one_process_writes_dumps_at_a_time(catalogue, dump_dir):
    with dump_lock():
        with pytest.raises(DumpBusy):
            run_dumps()
        assert run_due_dumps() == 0
    assert run_due_dumps() == 5 * 3


def test_libraries_without_records_lose_their_dataset_and_stray_files_go(catalogue, dump_dir, network):
    run_dumps()
    (dump_dir / "thuvien-VN-TST.20200101T000000-0123456789.csv.gz").write_bytes(b"x")
    (dump_dir / ".tmp-abc").write_bytes(b"x")
    # Whatever else is in the directory is not the dumps' to delete (a directory set by mistake).
    (dump_dir / "thuvien.sqlite3").write_bytes(b"x")
    network["other_prov"].active = False
    network["other_prov"].save()
    run_dumps()
    assert not Dataset.objects.filter(key="VN-KHAC").exists()
    stored = sorted(Dump.objects.values_list("stored_name", flat=True))
    assert _files(dump_dir) == sorted([*stored, "thuvien.sqlite3"])
    assert not any("VN-KHAC" in name for name in _files(dump_dir))


def test_scheduled_dumps_run_when_due(catalogue, dump_dir, settings, monkeypatch):
    settings.OPEN_DATA_DUMP_INTERVAL_HOURS = 24
    assert run_due_dumps() == 15
    assert run_due_dumps() == 0  # nothing is due yet
    Dump.objects.filter(dataset__key="VN-TST").update(created_at=timezone.now() - timedelta(hours=25))
    assert run_due_dumps() == 3
    settings.OPEN_DATA_DUMP_INTERVAL_HOURS = 0  # scheduled dumps off
    Dump.objects.update(created_at=timezone.now() - timedelta(days=9))
    assert run_due_dumps() == 0


def test_a_failed_scheduled_dump_is_retried_later_not_at_once(catalogue, dump_dir, settings, monkeypatch):
    settings.OPEN_DATA_DUMP_INTERVAL_HOURS = 24
    monkeypatch.setattr(formats.CsvWriter, "add", lambda self, row: 1 / 0)
    assert run_due_dumps() == 0
    assert Dataset.objects.exclude(error="").count() == 5
    monkeypatch.undo()
    assert run_due_dumps() == 0  # tried less than an hour ago
    Dataset.objects.update(attempted_at=timezone.now() - timedelta(hours=2))
    assert run_due_dumps() == 15
    assert not Dataset.objects.exclude(error="").exists()


def test_published_files_can_be_read_by_others(catalogue, dump_dir):
    (dump,) = publish(Scope.network(), ["csv"])
    assert os.stat(dump_dir / dump.stored_name).st_mode & 0o044 == 0o044
