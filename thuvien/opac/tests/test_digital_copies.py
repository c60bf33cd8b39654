"""The reader's remote-copy pages: ask with the fee shown first, follow the request, download the PDF."""

from __future__ import annotations

from decimal import Decimal

import pytest

from thuvien.circulation.models import Fee, FeeKind
from thuvien.circulation.tests import conftest as circulation_cast
from thuvien.digital import copies
from thuvien.digital.models import AccessLevel, CopyFeeRule, CopyRequest, CopyStatus
from thuvien.digital.testing import make_object

pytestmark = pytest.mark.django_db

reader = circulation_cast.reader
other_reader = circulation_cast.other_reader
TEXTS = [f"Trang {n} của hương ước làng Yên Mô." for n in range(1, 6)]


@pytest.fixture
def restricted(network):
    CopyFeeRule.objects.create(library=network["prov"], per_page=1000, restricted_per_page=3000, minimum=5000,
                               max_pages=4, days_valid=7)  # fmt: skip
    return make_object(
        network["prov"], title="Hương ước làng Yên Mô", texts=TEXTS, access=AccessLevel.RESTRICTED
    )


def sign_in(client, reader):
    assert client.post("/ban-doc/dang-nhap/", {"card": reader.card, "pin": "1234"}).status_code == 302
    return client


def test_a_reader_asks_sees_the_fee_confirms_and_downloads(
    client, reader, restricted, provincial_librarian, django_capture_on_commit_callbacks
):
    sign_in(client, reader)
    url = f"/so-hoa/sao-chup/yeu-cau/{restricted.pk}/"
    page = client.get(url).content.decode()
    assert "Hương ước làng Yên Mô" in page and "3.000&nbsp;đ mỗi trang" in page and "Tối đa 4 trang" in page
    assert "7 ngày" in page and "5.000" in page

    # First the quote: nothing is requested yet.
    page = client.post(url, {"pages": "1-2, 4", "purpose": "Nghiên cứu lịch sử làng"}).content.decode()
    assert "9.000&nbsp;đ" in page and 'name="confirm"' in page and 'value="1-2, 4"' in page
    assert not CopyRequest.objects.exists()

    response = client.post(url, {"pages": "1-2, 4", "purpose": "Nghiên cứu lịch sử làng", "fee": "9000",
                                 "confirm": "1"})  # fmt: skip
    assert response.status_code == 302 and response["Location"] == "/so-hoa/sao-chup/"
    req = CopyRequest.objects.get()
    assert (req.reader, req.pages, req.fee_amount, req.purpose) == (
        reader,
        [1, 2, 4],
        Decimal(9000),
        "Nghiên cứu lịch sử làng",
    )
    page = client.get("/so-hoa/sao-chup/").content.decode()
    assert "Chờ duyệt" in page and "trang 1-2, 4" in page and "tai-ve" not in page

    with django_capture_on_commit_callbacks(execute=True):
        copies.approve_copy(req, actor=provincial_librarian)
    assert Fee.objects.get(reader=reader, kind=FeeKind.COPY).amount == Decimal(9000)
    page = client.get("/so-hoa/sao-chup/").content.decode()
    assert f"/so-hoa/sao-chup/{req.pk}/tai-ve/" in page and "Sẵn sàng tải về" in page

    response = client.get(f"/so-hoa/sao-chup/{req.pk}/tai-ve/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert {"private", "no-store"} <= {part.strip() for part in response["Cache-Control"].split(",")}
    body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF") and CopyRequest.objects.get(pk=req.pk).downloads == 1


def test_wrong_pages_are_explained_and_nothing_is_requested(client, reader, restricted):
    sign_in(client, reader)
    url = f"/so-hoa/sao-chup/yeu-cau/{restricted.pk}/"
    for pages, words in (("7", "5 trang"), ("1-5", "tối đa 4 trang"), ("a-b", "dấu phẩy")):
        response = client.post(url, {"pages": pages})
        assert response.status_code == 400 and words in response.content.decode()
        response = client.post(url, {"pages": pages, "confirm": "1", "fee": "0"})
        assert response.status_code == 400
    assert not CopyRequest.objects.exists()


def test_a_changed_fee_is_shown_again_before_anything_is_requested(client, reader, restricted):
    sign_in(client, reader)
    url = f"/so-hoa/sao-chup/yeu-cau/{restricted.pk}/"
    response = client.post(url, {"pages": "1", "fee": "1000", "confirm": "1"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "vừa thay đổi" in page and 'name="fee" value="5000"' in page
    assert not CopyRequest.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, restricted):
    for url in (
        f"/so-hoa/sao-chup/yeu-cau/{restricted.pk}/",
        "/so-hoa/sao-chup/",
        "/so-hoa/sao-chup/1/tai-ve/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/ban-doc/dang-nhap/?next=")
    assert client.post(f"/so-hoa/sao-chup/yeu-cau/{restricted.pk}/", {"pages": "1"}).status_code == 302
    assert not CopyRequest.objects.exists()


def test_secret_unpublished_and_unknown_objects_are_404(client, reader, network):
    sign_in(client, reader)
    secret = make_object(network["prov"], access=AccessLevel.SECRET)
    draft = make_object(network["prov"], stage="reviewed")
    for pk in (secret.pk, draft.pk, 999999):
        assert client.get(f"/so-hoa/sao-chup/yeu-cau/{pk}/").status_code == 404
        assert (
            client.post(f"/so-hoa/sao-chup/yeu-cau/{pk}/", {"pages": "1", "confirm": "1"}).status_code == 404
        )
    assert not CopyRequest.objects.exists()


def test_staff_signed_in_as_staff_only_are_not_readers(
    client, restricted, other_library_staff, provincial_librarian
):
    for user in (other_library_staff, provincial_librarian):
        client.force_login(user)
        response = client.get(f"/so-hoa/sao-chup/yeu-cau/{restricted.pk}/")
        assert response.status_code == 302 and "/ban-doc/dang-nhap/" in response["Location"]


def test_another_readers_copy_is_404_to_download_and_cancel(
    client, reader, other_reader, restricted, provincial_librarian, django_capture_on_commit_callbacks
):
    req = copies.request_copy(reader=reader, obj=restricted, pages_text="1")
    waiting = copies.request_copy(reader=reader, obj=restricted, pages_text="2")
    with django_capture_on_commit_callbacks(execute=True):
        copies.approve_copy(req, actor=provincial_librarian)
    client.post("/ban-doc/dang-nhap/", {"card": other_reader.card, "pin": "5678"})
    assert client.get(f"/so-hoa/sao-chup/{req.pk}/tai-ve/").status_code == 404
    assert client.post(f"/so-hoa/sao-chup/{waiting.pk}/huy/").status_code == 404
    assert "Hương ước" not in client.get("/so-hoa/sao-chup/").content.decode()
    assert CopyRequest.objects.get(pk=waiting.pk).status == CopyStatus.REQUESTED
    assert CopyRequest.objects.get(pk=req.pk).downloads == 0


def test_a_reader_cancels_a_waiting_request(client, reader, restricted):
    req = copies.request_copy(reader=reader, obj=restricted, pages_text="3")
    sign_in(client, reader)
    assert client.post(f"/so-hoa/sao-chup/{req.pk}/huy/").status_code == 302
    assert CopyRequest.objects.get(pk=req.pk).status == CopyStatus.CANCELLED
    assert "Đã hủy" in client.get("/so-hoa/sao-chup/").content.decode()


def test_an_expired_copy_is_not_downloaded(
    client, reader, restricted, provincial_librarian, django_capture_on_commit_callbacks
):
    import datetime as dt

    from django.utils import timezone

    req = copies.request_copy(reader=reader, obj=restricted, pages_text="1")
    with django_capture_on_commit_callbacks(execute=True):
        copies.approve_copy(req, actor=provincial_librarian)
    CopyRequest.objects.filter(pk=req.pk).update(expires_at=timezone.now() - dt.timedelta(hours=1))
    sign_in(client, reader)
    response = client.get(f"/so-hoa/sao-chup/{req.pk}/tai-ve/", follow=True)
    page = response.content.decode()
    assert "hết hạn" in page and f"/so-hoa/sao-chup/{req.pk}/tai-ve/" not in page


def test_an_open_object_can_be_asked_for_too(client, reader, network):
    obj = make_object(network["prov"], texts=TEXTS[:2])
    sign_in(client, reader)
    page = client.post(f"/so-hoa/sao-chup/yeu-cau/{obj.pk}/", {"pages": "1-2"}).content.decode()
    rule = CopyFeeRule(library=network["prov"])  # no rule here: the model's defaults
    assert f"{int(max(rule.minimum, 2 * rule.per_page)):,}".replace(",", ".") + "&nbsp;đ" in page
