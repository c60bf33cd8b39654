"""Acceptance 2 and 3: the real corpus imports, broken records are reported, export/re-import changes nothing."""

import io
import signal
from contextlib import contextmanager

import pytest

from thuvien.catalog.actions import import_marc
from thuvien.catalog.export import export_marc
from thuvien.catalog.models import Record
from thuvien.interop.marc import record_from_json

pytestmark = pytest.mark.django_db


@contextmanager
def time_limit(seconds):
    def fail(*_args):
        raise TimeoutError(f"import took more than {seconds} s")

    old = signal.signal(signal.SIGALRM, fail)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def corpus_files(corpus):
    for path in sorted((corpus / "marc").rglob("*")):
        if path.is_file() and "_derived" not in path.parts:
            yield path


def test_every_corpus_file_imports_without_crash_or_hang(corpus, network):
    totals = {"files": 0, "imported": 0, "rejected": 0}
    for path in corpus_files(corpus):
        with time_limit(60):
            report = import_marc(path, library=network["prov"], filename=str(path))
        totals["files"] += 1
        totals["imported"] += report.imported + report.updated
        totals["rejected"] += report.rejected
        for line in report.lines:
            if line.status == "rejected":
                assert line.message, f"{path}: a rejected record without a reason"
    assert totals["files"] > 700
    assert totals["imported"] > 5000
    assert totals["rejected"] > 0  # the corpus has deliberately broken records, and they are reported


def test_the_5349_real_records_import(corpus, network):
    report = import_marc(corpus / "marc/_derived/real_bib_5349_utf8.mrc", library=network["prov"])
    assert (report.imported, report.rejected) == (5349, 0)
    again = import_marc(corpus / "marc/_derived/real_bib_5349_utf8.mrc", library=network["prov"])
    assert (again.imported, again.updated, again.rejected) == (0, 5349, 0)
    assert Record.objects.count() == 5349


def _snapshot():
    return {pk: marc for pk, marc in Record.objects.values_list("id", "marc")}


@pytest.mark.parametrize(("fmt", "charset"), [("marcxml", "utf8"), ("iso2709", "utf8"), ("iso2709", "marc8")])
def test_export_then_reimport_changes_no_character(corpus, network, fmt, charset):
    import_marc(corpus / "marc/_derived/real_bib_5349_utf8.mrc", library=network["prov"])
    before = _snapshot()
    out = io.BytesIO()
    assert export_marc(out, fmt=fmt, charset=charset) == 5349
    report = import_marc(out.getvalue(), library=network["prov"])
    assert (report.imported, report.updated, report.rejected) == (0, 5349, 0)
    after = _snapshot()
    changed = [pk for pk in before if before[pk] != after[pk]]
    assert not changed, record_from_json(before[changed[0]]).as_dict() if changed else None


def _records_by_control():
    return {
        r.control_number: record_from_json(r.marc).as_dict()
        for r in Record.objects.order_by("control_number")
    }


def test_synthetic_vietnamese_nfc_nfd_marc8_import_identically(corpus, network):
    folder = corpus / "marc/synthetic-vietnamese"
    results = {}
    for name in (
        "vi_synthetic_utf8_nfc.mrc",
        "vi_synthetic_utf8_nfd.mrc",
        "vi_synthetic_marc8.mrc",
        "vi_synthetic_utf8_nfc.xml",
    ):
        Record.objects.all().delete()
        report = import_marc(folder / name, library=network["prov"])
        assert (report.imported, report.rejected) == (12, 0), name
        results[name] = _records_by_control()
    reference = results["vi_synthetic_utf8_nfc.mrc"]
    assert any("Truyện Kiều" in str(r) for r in reference.values())
    for name, records in results.items():
        assert records == reference, name


@pytest.mark.parametrize(("fmt", "charset"), [("marcxml", "utf8"), ("iso2709", "utf8"), ("iso2709", "marc8")])
def test_synthetic_vietnamese_round_trip(corpus, network, fmt, charset):
    import_marc(corpus / "marc/synthetic-vietnamese/vi_synthetic_utf8_nfc.mrc", library=network["prov"])
    before = _snapshot()
    out = io.BytesIO()
    export_marc(out, fmt=fmt, charset=charset)
    import_marc(out.getvalue(), library=network["prov"])
    assert _snapshot() == before


def test_lossy_marc8_files_import_without_crash(corpus, network):
    for name in ("vi_synthetic_marc8_LOSSY_from_nfc.mrc", "vi_synthetic_marc8_LOSSY_from_nfd.mrc"):
        report = import_marc(corpus / "marc/synthetic-vietnamese" / name, library=network["prov"])
        assert report.imported + report.updated + report.rejected == 12
