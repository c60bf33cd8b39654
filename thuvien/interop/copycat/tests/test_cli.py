"""`thuvien copycat TARGET QUERY`: one line per hit, --import through the catalogue's import."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from thuvien.audit.models import AuditEntry
from thuvien.catalog.models import Item, Record
from thuvien.testing import free_port

pytestmark = pytest.mark.django_db


def copycat(*args) -> str:
    out = io.StringIO()
    call_command("copycat", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_ad_hoc_sru_url_prints_one_line_per_hit(zebra_port):
    url = f"http://127.0.0.1:{zebra_port}/Default"
    text = copycat(url, "Truyện", "Kiều", "--title", "--sru-schema", "F", "--sru-version", "2.0")
    lines = text.splitlines()
    assert lines[0] == '127.0.0.1: 1 hits for dc.title="Truyện" and dc.title="Kiều" (1 fetched)'
    assert lines[1].startswith("  1. Truyện Kiều | Nguyễn Du | Nhà xuất bản Văn học | 2015")
    assert not Record.objects.exists()


def test_configured_target_imports_the_hits_once(make_target, zebra_port, network):
    make_target("zebra", protocol="sru", sru_url=f"http://127.0.0.1:{zebra_port}/Default", sru_schema="F")
    text = copycat("zebra", "Nguyễn", "Du", "--author", "--import", "--library", "VN-TST-XA", "--no-index")
    assert "1. imported record=" in text
    record = Record.objects.get()
    assert record.title == "Truyện Kiều" and record.source_library == network["commune"]
    assert not Item.objects.exists()
    assert AuditEntry.objects.filter(type="catalog.copycat.imported", data__target="zebra").count() == 1
    again = copycat("zebra", "Nguyễn", "Du", "--author", "--import", "--library", "VN-TST-XA", "--no-index")
    assert "1. updated record=" in again and Record.objects.count() == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["khong-co", "x"], "no copy-cataloguing target with code khong-co"),
        (["ftp://x.vn/", "x"], "z3950://"),
        (["http://127.0.0.1:1/sru", "978-604", "--isbn"], "ISBN có 10 hoặc 13 chữ số"),
        ([f"http://127.0.0.1:{free_port()}/sru", "x"], "Không kết nối được"),
    ],
)
def test_errors_are_told_plainly(args, message, network):
    with pytest.raises(CommandError, match=message):
        copycat(*args)


def test_unknown_library(zebra_port, network):
    with pytest.raises(CommandError, match="no library with code VN-KHONG"):
        copycat(f"http://127.0.0.1:{zebra_port}/Default", "x", "--library", "VN-KHONG")
