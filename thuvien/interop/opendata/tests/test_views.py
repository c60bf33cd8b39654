"""The public pages: /du-lieu-mo/, the DCAT document and the downloads, for anyone and nothing more."""

import hashlib
import json

import pytest
from django.urls import reverse

from thuvien.interop.opendata.dumps import run_dumps
from thuvien.interop.opendata.models import Dump

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(catalogue, dump_dir):
    run_dumps()
    return Dump.objects.get(dataset__key="network", format="csv")


def test_the_page_lists_the_datasets_with_their_files(client, published):
    response = client.get("/du-lieu-mo/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<meta name="viewport"' in page
    assert "Mục lục liên thông của mạng lưới thư viện" in page and "Thư viện tỉnh Thử Nghiệm" in page
    for dump in Dump.objects.all():
        assert f'href="/du-lieu-mo/tai-ve/{dump.file_name}"' in page
    assert "CC0 1.0" in page and "https://creativecommons.org/publicdomain/zero/1.0/" in page
    assert "https://thuvien.example.vn/oai?verb=ListRecords&amp;metadataPrefix=oai_dc" in page
    assert reverse("opendata:dcat") in page
    assert "Tài liệu mật" not in page


def test_the_page_says_when_nothing_is_published_yet(client, db, dump_dir):
    response = client.get(reverse("opendata:index"))
    assert response.status_code == 200
    assert "Chưa có tệp kết xuất nào" in response.content.decode()


def test_the_dcat_document_is_json_ld(client, published):
    response = client.get("/du-lieu-mo/dcat.jsonld")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    assert json.loads(response.content)["@type"] == "dcat:Catalog"


def test_a_download_is_the_file_with_its_checksum_as_etag(client, published, dump_dir):
    response = client.get(f"/du-lieu-mo/tai-ve/{published.file_name}")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == published.sha256
    assert response["Content-Type"] == "application/gzip"
    assert response["Content-Disposition"] == f'attachment; filename="{published.file_name}"'
    assert response["ETag"] == f'"{published.sha256}"'
    assert response["Last-Modified"]
    again = client.get(f"/du-lieu-mo/tai-ve/{published.file_name}", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    since = client.get(
        f"/du-lieu-mo/tai-ve/{published.file_name}", HTTP_IF_MODIFIED_SINCE=response["Last-Modified"]
    )
    assert since.status_code == 304
    head = client.head(f"/du-lieu-mo/tai-ve/{published.file_name}")
    assert head.status_code == 200 and int(head["Content-Length"]) == published.size


@pytest.mark.parametrize(
    "path",
    [
        "/du-lieu-mo/tai-ve/thuvien-khong-co.csv.gz",
        "/du-lieu-mo/tai-ve/..%2F..%2Fsecret_key",
        "/du-lieu-mo/tai-ve/../../secret_key",
        "/du-lieu-mo/tai-ve/%2e%2e%2fthuvien.sqlite3",
        "/du-lieu-mo/tai-ve/.lock",
        "/du-lieu-mo/tai-ve/",
    ],
)
def test_unknown_names_and_path_traversal_are_404(client, published, path):
    assert client.get(path).status_code == 404


def test_the_stored_name_is_not_a_download_name(client, published):
    assert client.get(f"/du-lieu-mo/tai-ve/{published.stored_name}").status_code == 404


def test_a_row_pointing_outside_the_directory_is_refused(client, published):
    Dump.objects.filter(pk=published.pk).update(stored_name="../../secret_key")
    assert client.get(f"/du-lieu-mo/tai-ve/{published.file_name}").status_code == 404


def test_only_reading_methods(client, published):
    assert client.post("/du-lieu-mo/").status_code == 405
    assert client.post(f"/du-lieu-mo/tai-ve/{published.file_name}").status_code == 405


def test_staff_of_another_library_sees_the_same_public_page(client, published, other_library_staff):
    client.force_login(other_library_staff)
    assert client.get("/du-lieu-mo/").status_code == 200
    assert client.get(f"/du-lieu-mo/tai-ve/{published.file_name}").status_code == 200
