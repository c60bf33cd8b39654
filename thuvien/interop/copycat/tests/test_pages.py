"""The copy-cataloguing page end to end: several targets searched at once, one down, a hit imported (once)."""

from __future__ import annotations

import pytest

from thuvien.audit.models import AuditEntry
from thuvien.catalog.models import Item, Record
from thuvien.interop.copycat.models import FetchedRecord
from thuvien.testing import free_port

pytestmark = pytest.mark.django_db

PAGE = "/staff/copycat/"


@pytest.fixture
def zebra_sru(make_target, zebra_port):
    return make_target(
        "zebra-sru", name="Zebra thử", protocol="sru", sru_url=f"http://127.0.0.1:{zebra_port}/Default",
        sru_schema="F", sru_version="1.2",
    )  # fmt: skip


@pytest.fixture
def down(make_target):
    return make_target(
        "hong", name="Máy chủ hỏng", protocol="sru", sru_url=f"http://127.0.0.1:{free_port()}/sru"
    )


def search(client, q, kind="title", targets=()):
    return client.get(PAGE, {"kind": kind, "q": q, "targets": [t.pk for t in targets]})


def test_two_targets_side_by_side_one_down(client, commune_librarian, zebra_sru, down):
    client.force_login(commune_librarian)
    page = search(client, "Truyện Kiều", targets=[zebra_sru, down])
    assert page.status_code == 200
    text = page.content.decode()
    assert "Zebra thử" in text and "Máy chủ hỏng" in text
    assert "Truyện Kiều" in text and "Nguyễn Du" in text and "Nhà xuất bản Văn học" in text
    assert "Không kết nối được tới máy chủ" in text  # the down target's column says why
    assert "245 10 $a Truyện Kiều / $c Nguyễn Du." in text  # the MARC preview
    fetched = FetchedRecord.objects.get()
    assert fetched.user == commune_librarian and fetched.target == zebra_sru
    assert f"/staff/copycat/hits/{fetched.token}/import/" in text


def test_import_creates_a_record_without_copies_then_updates_it(
    client, commune_librarian, zebra_sru, network
):
    client.force_login(commune_librarian)
    search(client, "Truyện Kiều", targets=[zebra_sru])
    token = FetchedRecord.objects.get().token
    response = client.post(f"/staff/copycat/hits/{token}/import/")
    assert response.status_code == 302 and response.url == f"/staff/copycat/hits/{token}/"
    record = Record.objects.get(deleted_at__isnull=True)
    assert record.title == "Truyện Kiều" and record.source_library == network["commune"]
    assert not Item.objects.exists()  # the 852 of the other library stayed there
    entry = AuditEntry.objects.get(type="catalog.copycat.imported")
    assert entry.actor == commune_librarian and entry.data["target"] == "zebra-sru"
    assert entry.data["control_number"] == "VNSYN0001"
    result = client.get(response.url).content.decode()
    assert "Đã tạo biểu ghi mới" in result and f"/staff/records/{record.pk}/items/new/" in result
    assert "Đã bỏ thông tin bản sách của thư viện nguồn (852)" in result

    # The next day: found again and imported again, the record is updated, not doubled.
    search(client, "Truyện Kiều", targets=[zebra_sru])
    token = FetchedRecord.objects.exclude(token=token).get().token
    client.post(f"/staff/copycat/hits/{token}/import/")
    assert Record.objects.filter(deleted_at__isnull=True).count() == 1
    assert "Đã cập nhật biểu ghi" in client.get(f"/staff/copycat/hits/{token}/").content.decode()
    assert "Mục lục đã có" not in search(client, "Truyện Kiều", targets=[zebra_sru]).content.decode()


def test_every_enabled_target_by_default_and_a_bad_query(client, commune_librarian, zebra_sru, make_target):
    make_target(
        "tat", name="Máy chủ tạm dừng", protocol="sru", sru_url="http://127.0.0.1:9/sru", enabled=False
    )
    client.force_login(commune_librarian)
    text = search(client, "Kiều").content.decode()
    assert "Zebra thử" in text and "Máy chủ tạm dừng" not in text.split('id="results-h"')[1]
    text = search(client, "978-604", kind="isbn").content.decode()
    assert "ISBN có 10 hoặc 13 chữ số" in text and not FetchedRecord.objects.filter(position__gt=1).exists()


def test_isbn_search_marks_a_book_the_catalogue_has(client, commune_librarian, zebra_sru, corpus, network):
    from thuvien.catalog.actions import import_marc
    from thuvien.interop.copycat.tests.servers import corpus_records

    raw = next(r for r in corpus_records(corpus).split(b"\x1d") if b"0960764216" in r) + b"\x1d"
    import_marc(raw, library=network["prov"])
    held = Record.objects.get()
    client.force_login(commune_librarian)
    text = search(client, "0-9607642-1-6", kind="isbn", targets=[zebra_sru]).content.decode()
    assert "1 biểu ghi" in text and "ISBN 9780960764211" in text
    assert f"Mục lục đã có biểu ghi cùng ISBN (#{held.pk})" in text


def test_a_record_kept_is_only_its_searchers(client, commune_librarian, provincial_librarian, zebra_sru):
    client.force_login(commune_librarian)
    search(client, "Kiều", targets=[zebra_sru])
    token = FetchedRecord.objects.get().token
    client.force_login(provincial_librarian)
    assert client.get(f"/staff/copycat/hits/{token}/").status_code == 404
    assert client.post(f"/staff/copycat/hits/{token}/import/").status_code == 404
    assert not Record.objects.exists()
