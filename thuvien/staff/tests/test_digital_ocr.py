"""Staff OCR pages: correcting a page's text beside its image, re-running OCR, the queue of pages without text."""

from __future__ import annotations

import pytest

from thuvien.accounts.models import StaffRole, User
from thuvien.audit.models import AuditEntry
from thuvien.digital import ocr
from thuvien.digital.models import AccessLevel, OcrStatus, Page, Stage
from thuvien.digital.testing import make_object

pytestmark = pytest.mark.django_db

WORDS = [["Hoa", 10, 10, 60, 40], ["Lu", 80, 10, 40, 40], ["xua", 130, 10, 50, 40]]


@pytest.fixture
def obj(network):
    obj = make_object(network["commune"], title="Địa chí xã Hòa Bình", texts=["một", "hai", "ba"],
                      access=AccessLevel.SECRET, stage=Stage.SCANNED)  # fmt: skip
    Page.objects.filter(object=obj, seq=2).update(words=WORDS, text="Hoa Lu xua", ocr_status=OcrStatus.DONE)
    return obj


def url(page, suffix=""):
    return f"/staff/digital/ocr/{page.pk}/{suffix}"


def test_the_page_shows_its_image_text_and_neighbours(client, obj, commune_librarian):
    client.force_login(commune_librarian)
    page = obj.pages.get(seq=2)
    html = client.get(url(page)).content.decode()
    assert f'src="/iiif/3/{obj.pk}-2/full/!1000,1000/0/default.jpg"' in html
    assert "Hoa Lu xua</textarea>" in html
    assert f'href="{url(obj.pages.get(seq=1))}" rel="prev"' in html
    assert f'href="{url(obj.pages.get(seq=3))}" rel="next"' in html
    assert "Địa chí xã Hòa Bình" in html and "Nhận dạng lại" in html


def test_a_librarian_corrects_a_page_and_moves_on(client, obj, commune_librarian):
    client.force_login(commune_librarian)
    page = obj.pages.get(seq=2)
    base = ocr.text_version(page.text)
    response = client.post(url(page), {"text": "Hoa Lư xưa\r\n", "base": base, "next": "1"})
    assert response.status_code == 302 and response["Location"] == url(obj.pages.get(seq=3))
    page.refresh_from_db()
    assert page.text == "Hoa Lư xưa" and page.corrected_by == commune_librarian
    assert page.words == [["Hoa", 10, 10, 60, 40], ["Lư", 80, 10, 40, 40], ["xưa", 130, 10, 50, 40]]
    assert AuditEntry.objects.filter(type="digital.page.corrected", actor=commune_librarian).count() == 1
    html = client.get(url(page)).content.decode()
    assert "đã sửa bởi xa" in html and "Trang này đã được sửa tay" in html
    # Save (not "next") stays on the page.
    response = client.post(url(page), {"text": "Hoa Lư xưa nay", "base": ocr.text_version(page.text)})
    assert response["Location"] == url(page)


def test_a_correction_from_an_outdated_text_is_refused(client, obj, commune_librarian):
    client.force_login(commune_librarian)
    page = obj.pages.get(seq=2)
    stale = ocr.text_version(page.text)
    Page.objects.filter(pk=page.pk).update(text="Văn bản mới của đồng nghiệp")
    response = client.post(url(page), {"text": "Bản của tôi", "base": stale})
    assert response.status_code == 400
    html = response.content.decode()
    assert "đã thay đổi từ khi bạn mở" in html
    assert "Bản của tôi</textarea>" in html and "Văn bản mới của đồng nghiệp</pre>" in html
    assert Page.objects.get(pk=page.pk).text == "Văn bản mới của đồng nghiệp"
    # Saving again from the form as shown is deliberate, and goes through.
    new_base = ocr.text_version("Văn bản mới của đồng nghiệp")
    assert f'value="{new_base}"' in html
    assert client.post(url(page), {"text": "Bản của tôi", "base": new_base}).status_code == 302
    assert Page.objects.get(pk=page.pk).text == "Bản của tôi"


def test_rerun_queues_ocr_and_reports(client, obj, commune_librarian, settings):
    client.force_login(commune_librarian)
    page = obj.pages.get(seq=2)
    settings.DIGITAL_TESSERACT = "/nonexistent/tesseract"  # queued tasks run at once in tests: it fails
    response = client.post(url(page, "rerun/"), follow=True)
    assert "Nhận dạng lại không thành công" in response.content.decode()
    assert Page.objects.get(pk=page.pk).ocr_status == OcrStatus.FAILED
    assert AuditEntry.objects.filter(type="digital.page.ocr_requested").exists()
    assert client.get(url(page, "rerun/")).status_code == 405


def test_the_queue_lists_pages_without_text_and_runs_them(client, obj, commune_librarian, settings):
    Page.objects.filter(object=obj, seq=3).update(
        ocr_status=OcrStatus.FAILED, ocr_error="tesseract báo lỗi: x"
    )
    client.force_login(commune_librarian)
    html = client.get("/staff/digital/ocr/").content.decode()
    assert "Địa chí xã Hòa Bình" in html and "1 trang lỗi" in html and "1 trang chưa nhận dạng" in html
    assert f'href="{url(obj.pages.get(seq=3))}">tesseract báo lỗi: x</a>' in html
    settings.DIGITAL_TESSERACT = "/nonexistent/tesseract"
    response = client.post(f"/staff/digital/ocr/object/{obj.pk}/run/")
    assert response.status_code == 302 and response["Location"] == "/staff/digital/ocr/"
    assert set(obj.pages.exclude(seq=2).values_list("ocr_status", flat=True)) == {OcrStatus.FAILED}
    assert Page.objects.get(object=obj, seq=2).ocr_status == OcrStatus.DONE  # had its text: left alone
    response = client.post(f"/staff/digital/ocr/object/{obj.pk}/run/", {"back": "detail"})
    assert response["Location"] == f"/staff/digital/{obj.pk}/"


def test_a_provincial_librarian_manages_the_pages_of_libraries_below(client, obj, provincial_librarian):
    client.force_login(provincial_librarian)
    assert client.get(url(obj.pages.get(seq=1))).status_code == 200
    assert "Địa chí xã Hòa Bình" in client.get("/staff/digital/ocr/").content.decode()


def test_who_is_refused(client, obj, other_library_staff, network):
    page = obj.pages.get(seq=2)
    routes = [("get", url(page)), ("post", url(page)), ("post", url(page, "rerun/")),
              ("post", f"/staff/digital/ocr/object/{obj.pk}/run/")]  # fmt: skip
    for method, route in routes:  # anonymous: to the sign-in page
        response = getattr(client, method)(route, {"text": "x"})
        assert response.status_code == 302 and "/staff/login/" in response["Location"], route
    client.force_login(other_library_staff)  # another province's staff: as if it did not exist
    for method, route in routes:
        assert getattr(client, method)(route, {"text": "x"}).status_code == 404, route
    assert "Địa chí" not in client.get("/staff/digital/ocr/").content.decode()
    assert client.get("/staff/digital/ocr/999999/").status_code == 404
    circulation = User.objects.create_user("lt", password="mat-khau-thu-nghiem-1")  # noqa: S106
    StaffRole.objects.create(user=circulation, library=network["commune"], role="circulation")
    client.force_login(circulation)  # staff without a cataloguing role
    for method, route in routes + [("get", "/staff/digital/ocr/")]:
        assert getattr(client, method)(route, {"text": "x"}).status_code == 403, route
    assert Page.objects.get(pk=page.pk).text == "Hoa Lu xua"
    assert not AuditEntry.objects.filter(type__startswith="digital.page").exists()
