"""Copy cataloguing over Z39.50 from real targets: Zebra (UTF-8, and a MARC-8 database) and yaz-ztest."""

from __future__ import annotations

import pytest

from thuvien.catalog.models import Item, Record
from thuvien.interop.copycat.actions import import_copy
from thuvien.interop.copycat.search import TargetSpec, check_target, search_many, search_one
from thuvien.testing import free_port

pytestmark = pytest.mark.django_db


def spec(port: int, **options) -> TargetSpec:
    return TargetSpec.from_url(f"z3950://127.0.0.1:{port}/Default", allow_private=True, **options)


def test_zebra_by_isbn_title_author_and_keyword(zebra_port):
    target = spec(zebra_port)
    by_isbn = search_one(target, "isbn", "0-9607642-1-6")
    assert not by_isbn.error and by_isbn.total == 1 and by_isbn.hits[0].isbns == ["9780960764211"]
    kieu = search_one(target, "title", "Truyện Kiều")
    assert not kieu.error and kieu.total == 1
    hit = kieu.hits[0]
    assert (hit.title, hit.author, hit.year, hit.control_number) == (
        "Truyện Kiều",
        "Nguyễn Du",
        2015,
        "VNSYN0001",
    )
    assert "245 10 $a Truyện Kiều / $c Nguyễn Du." in hit.lines
    assert search_one(target, "author", "Nguyễn Du").total >= 1
    assert search_one(target, "any", "Kiều").total >= 1
    assert search_one(target, "title", "không có cuốn nào như thế").total == 0


def test_zebra_in_marcxml(zebra_port):
    found = search_one(spec(zebra_port, syntax="xml"), "title", "Truyện Kiều")
    assert not found.error and found.hits[0].raw.lstrip().startswith(b"<")
    assert found.hits[0].title == "Truyện Kiều"


def test_marc8_target_returns_records_as_stored_and_they_import_right(zebra_marc8_port, network):
    target = spec(zebra_marc8_port, charset="marc-8")
    found = search_one(target, "title", "Truyện Kiều")
    assert not found.error and found.total == 1
    hit = found.hits[0]
    assert hit.raw[9:10] == b" " and b"Truy\xf2\xe3en" in hit.raw  # MARC-8: marks before their letter
    assert hit.title == "Truyện Kiều" and hit.author == "Nguyễn Du"
    outcome = import_copy(hit.raw, target_code="zebra8", library=network["commune"], encoding=hit.encoding)
    record = Record.objects.get(pk=outcome.record_id)
    assert record.title == "Truyện Kiều" and record.author == "Nguyễn Du" and not Item.objects.exists()
    assert record.publisher == "Nhà xuất bản Văn học"
    assert "Văn học cổ điển Việt Nam" in record.marc


def test_yaz_ztest(ztest_port):
    found = search_one(spec(ztest_port), "title", "computer")
    assert not found.error and found.total > 0 and len(found.hits) == min(found.total, 10)
    assert all(h.title and not h.error for h in found.hits)
    assert "Máy chủ Z39.50 trả lời" in check_target(spec(ztest_port))


def test_several_targets_at_once_one_down(zebra_port, zebra_marc8_port):
    down = spec(free_port())
    marc8 = spec(zebra_marc8_port, charset="marc-8")
    results = search_many([spec(zebra_port), down, marc8], "author", "Nguyễn Du", timeout=5)
    assert [bool(r.error) for r in results] == [False, True, False]
    assert results[0].hits[0].title == results[2].hits[0].title == "Truyện Kiều"
    assert "Không kết nối được" in results[1].error


def test_words_typed_without_diacritics_find_the_record(zebra_port):
    assert search_one(spec(zebra_port), "title", "truyen kieu").hits[0].title == "Truyện Kiều"


def test_private_addresses_need_the_permission(zebra_port):
    refused = search_one(TargetSpec.from_url(f"z3950://127.0.0.1:{zebra_port}/Default"), "title", "Kiều")
    assert "loopback" in refused.error
