"""The staff upload page: who may use it, into which objects and libraries, and refusals shown on the page."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from thuvien.accounts.models import StaffRole, User
from thuvien.audit.models import AuditEntry
from thuvien.digital import storage
from thuvien.digital.models import AccessLevel, DigitalObject, Page
from thuvien.digital.render import render_page, write_pdf
from thuvien.digital.testing import make_object
from thuvien.digital.tests.clamd_peer import EICAR, ClamdPeer

pytestmark = pytest.mark.django_db

URL = "/staff/digital/ingest/"


def png(name: str, text: str = "Trang") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, render_page(text, dpi=72).write_to_buffer(".png"), content_type="image/png"
    )


def standalone(library, files, **changes) -> dict:
    data = {"files": files, "target": "standalone", "library": library.pk, "title": "Hương ước làng Đông Ngạc",
            "creator": "Làng Đông Ngạc; Nguyễn Văn A", "date": "1904", "access": "open",
            "rights": "http://rightsstatements.org/vocab/NoC-NC/1.0/"}  # fmt: skip
    data.update(changes)
    return data


def staging_is_empty():
    staging = storage.staging_dir()
    return not staging.exists() or not any(staging.iterdir())


@pytest.fixture
def circulation_only(network):
    user = User.objects.create_user("quay", password="mat-khau-thu-nghiem-1")  # noqa: S106
    StaffRole.objects.create(user=user, library=network["prov"], role="circulation")
    return user


@pytest.fixture
def prov_object(network):
    return make_object(network["prov"], title="Địa chí tỉnh", texts=["Trang một"], access=AccessLevel.SECRET)


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/login" in response["Location"]
    response = client.post(URL, {"target": "standalone"})
    assert response.status_code == 302 and "/login" in response["Location"]


def test_staff_without_a_cataloguing_role_is_refused(client, circulation_only, network):
    client.force_login(circulation_only)
    assert client.get(URL).status_code == 403
    assert client.post(URL, standalone(network["prov"], [png("1.png")])).status_code == 403
    assert DigitalObject.objects.count() == 0


def test_the_form(client, provincial_librarian, prov_object):
    client.force_login(provincial_librarian)
    page = client.get(URL, {"object": prov_object.pk})
    assert page.status_code == 200
    text = page.content.decode()
    assert 'type="file"' in text and "multiple" in text and 'enctype="multipart/form-data"' in text
    assert re.search(r'value="append"[^>]*checked', text)
    assert re.search(rf'name="object_id" value="{prov_object.pk}"', text)
    assert "Tải trang lên" in text


def test_new_standalone_object_from_images(client, provincial_librarian, network):
    client.force_login(provincial_librarian)
    response = client.post(
        URL, standalone(network["prov"], [png("trang10.png", "Mười"), png("trang2.png", "Hai")])
    )
    obj = DigitalObject.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/staff/digital/{obj.pk}/"
    assert obj.title == "Hương ước làng Đông Ngạc" and obj.library == network["prov"]
    assert obj.dc["creator"] == ["Làng Đông Ngạc", "Nguyễn Văn A"] and obj.access == AccessLevel.OPEN
    assert list(obj.pages.values_list("source_name", flat=True)) == ["trang2.png", "trang10.png"]
    assert AuditEntry.objects.get(type="digital.object.ingested").actor == provincial_librarian
    assert staging_is_empty()


def test_new_object_linked_to_a_record_from_a_pdf(client, commune_librarian, network, tmp_path):
    from thuvien.catalog.actions import save_record
    from thuvien.catalog.tests.factories import marc_record

    record = save_record(None, marc_record("Lịch sử xã Hòa Bình"), library=network["commune"])
    pdf = write_pdf(["Chương một", "Chương hai"], tmp_path / "ls.pdf", dpi=72)
    client.force_login(commune_librarian)
    upload = SimpleUploadedFile("lich-su.pdf", pdf.read_bytes(), content_type="application/pdf")
    data = {"files": [upload], "target": "record", "record_id": record.pk, "library": network["commune"].pk,
            "access": "restricted", "rights": "http://rightsstatements.org/vocab/InC/1.0/"}  # fmt: skip
    assert client.post(URL, data).status_code == 302
    obj = DigitalObject.objects.get()
    assert obj.record == record and obj.page_count == 2 and obj.library == network["commune"]


def test_append_to_an_object_of_my_library(client, provincial_librarian, prov_object):
    client.force_login(provincial_librarian)
    response = client.post(URL, {"files": [png("them.png")], "target": "append", "object_id": prov_object.pk})
    assert response.status_code == 302
    assert list(prov_object.pages.values_list("seq", flat=True)) == [1, 2]


def test_other_library_staff_cannot_reach_our_objects_or_libraries(
    client, other_library_staff, network, prov_object
):
    client.force_login(other_library_staff)
    page = client.get(URL)
    assert page.status_code == 200 and network["prov"].name not in page.content.decode()
    response = client.post(URL, {"files": [png("x.png")], "target": "append", "object_id": prov_object.pk})
    assert response.status_code == 400
    assert (
        "Không tìm thấy tài liệu số mang số này trong các thư viện bạn biên mục" in response.content.decode()
    )
    missing = client.post(URL, {"files": [png("x.png")], "target": "append", "object_id": 999_999})
    # The same answer for another library's object as for none at all.
    assert missing.content.decode().count("Không tìm thấy tài liệu số mang số này") == 1
    response = client.post(URL, standalone(network["prov"], [png("x.png")]))
    assert response.status_code == 400
    assert prov_object.pages.count() == 1 and DigitalObject.objects.count() == 1


def test_a_member_library_cannot_append_to_the_provincial_librarys_object(
    client, commune_librarian, prov_object
):
    client.force_login(commune_librarian)
    response = client.post(URL, {"files": [png("x.png")], "target": "append", "object_id": prov_object.pk})
    assert response.status_code == 400 and prov_object.pages.count() == 1


def test_a_refused_upload_is_explained_and_leaves_nothing(client, provincial_librarian, network):
    client.force_login(provincial_librarian)
    html = SimpleUploadedFile(
        "sach.pdf", b"<!DOCTYPE html><html><body>xin chao</body></html>", "application/pdf"
    )
    response = client.post(URL, standalone(network["prov"], [png("1.png"), html]))
    assert response.status_code == 400
    assert "«sach.pdf»: tệp không phải PDF" in response.content.decode()
    assert DigitalObject.objects.count() == 0 and Page.objects.count() == 0
    assert staging_is_empty()


def test_eicar_upload_is_refused_with_the_virus_name(client, provincial_librarian, network, settings):
    client.force_login(provincial_librarian)
    with ClamdPeer() as peer:
        settings.DIGITAL_CLAMD = peer.address
        eicar = SimpleUploadedFile("eicar.png", EICAR, "image/png")
        response = client.post(URL, standalone(network["prov"], [png("1.png"), eicar]))
    assert response.status_code == 400
    assert "phát hiện mã độc (Eicar-Test-Signature)" in response.content.decode()
    assert DigitalObject.objects.count() == 0
    assert AuditEntry.objects.get(type="digital.upload.infected").actor == provincial_librarian
    assert len(list(storage.quarantine_dir().iterdir())) == 1


def test_a_file_over_the_limit_is_cut_off_as_it_arrives(client, provincial_librarian, network, settings):
    settings.DIGITAL_MAX_UPLOAD_MB = 1
    client.force_login(provincial_librarian)
    big = SimpleUploadedFile("to.tif", b"II*\0" + b"\0" * (3 * 1024 * 1024), "image/tiff")
    response = client.post(URL, standalone(network["prov"], [big]))
    assert response.status_code == 413
    assert "«to.tif»: tệp lớn hơn giới hạn 1 MB mỗi tệp" in response.content.decode()
    assert DigitalObject.objects.count() == 0 and staging_is_empty()


def test_a_body_over_the_total_limit_is_refused_unread(client, provincial_librarian, network, settings):
    settings.DIGITAL_MAX_UNPACKED_MB = 1
    client.force_login(provincial_librarian)
    files = [SimpleUploadedFile(f"{n}.tif", b"II*\0" + b"\0" * (900 * 1024), "image/tiff") for n in range(3)]
    response = client.post(URL, standalone(network["prov"], files))
    assert response.status_code == 413
    assert "vượt giới hạn 1 MB" in response.content.decode()
    assert DigitalObject.objects.count() == 0


def test_csrf_is_checked(provincial_librarian, network):
    client = Client(enforce_csrf_checks=True)
    client.force_login(provincial_librarian)
    response = client.post(URL, standalone(network["prov"], [png("1.png")]))
    assert response.status_code == 403 and DigitalObject.objects.count() == 0
