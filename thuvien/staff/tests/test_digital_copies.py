"""Staff pages for remote copies: the queue of my libraries, approve or refuse with a note, retry, the file."""

from __future__ import annotations

from decimal import Decimal

import pytest

from thuvien.circulation.models import Fee, FeeKind
from thuvien.circulation.tests import conftest as circulation_cast
from thuvien.digital import copies, storage
from thuvien.digital.models import AccessLevel, CopyRequest, CopyStatus
from thuvien.digital.testing import make_object

pytestmark = pytest.mark.django_db

reader = circulation_cast.reader
TEXTS = ["Trang một của gia phả.", "Trang hai của gia phả.", "Trang ba của gia phả."]


@pytest.fixture
def waiting(network, reader):
    obj = make_object(
        network["prov"], title="Hương ước làng Yên Mô", texts=TEXTS, access=AccessLevel.RESTRICTED
    )
    return copies.request_copy(reader=reader, obj=obj, pages_text="1-2", purpose="Viết luận văn")


def test_the_queue_lists_waiting_requests_of_my_libraries(client, waiting, provincial_librarian):
    client.force_login(provincial_librarian)
    page = client.get("/staff/digital/copies/").content.decode()
    assert "Hương ước làng Yên Mô" in page and "TST0001" in page and "1-2" in page and "10.000" in page
    assert 'aria-current="page">Chờ duyệt <span class="count">(1)' in page
    assert "Hương ước" not in client.get("/staff/digital/copies/?status=ready").content.decode()
    assert client.get("/staff/digital/copies/?status=nonsense").status_code == 200


def test_approve_from_the_page_charges_the_fee_and_makes_the_pdf(
    client, waiting, reader, provincial_librarian, django_capture_on_commit_callbacks
):
    client.force_login(provincial_librarian)
    url = f"/staff/digital/copies/{waiting.pk}/"
    page = client.get(url).content.decode()
    assert "Viết luận văn" in page and 'value="approve"' in page and f"/iiif/3/{waiting.object_id}-2/" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "approve", "note": "Đồng ý"})
    assert response.status_code == 302
    req = CopyRequest.objects.get(pk=waiting.pk)
    assert req.status == CopyStatus.READY and req.decision_note == "Đồng ý"
    assert Fee.objects.get(reader=reader, kind=FeeKind.COPY).amount == Decimal(10000)
    page = client.get(url).content.decode()
    assert "Sẵn sàng tải về" in page and f"/staff/digital/copies/{req.pk}/tep/" in page
    response = client.get(f"/staff/digital/copies/{req.pk}/tep/")
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    assert "no-store" in response["Cache-Control"]
    assert CopyRequest.objects.get(pk=req.pk).downloads == 0  # staff looking is not the reader's download


def test_reject_needs_a_note_and_tells_the_reader(client, waiting, provincial_librarian):
    client.force_login(provincial_librarian)
    url = f"/staff/digital/copies/{waiting.pk}/"
    page = client.post(url, {"action": "reject", "note": ""}, follow=True).content.decode()
    assert "Hãy ghi lý do" in page and CopyRequest.objects.get(pk=waiting.pk).status == CopyStatus.REQUESTED
    client.post(url, {"action": "reject", "note": "Tài liệu đang tu bổ"})
    req = CopyRequest.objects.get(pk=waiting.pk)
    assert (req.status, req.decision_note) == (CopyStatus.REJECTED, "Tài liệu đang tu bổ")
    assert not Fee.objects.exists()
    assert "Thao tác không hợp lệ" in client.post(url, {"action": "drop"}, follow=True).content.decode()


def test_a_failed_request_is_retried_from_the_page(
    client, waiting, provincial_librarian, django_capture_on_commit_callbacks
):
    master = storage.master_path(waiting.object_id, 2)
    saved = master.read_bytes()
    master.unlink()
    client.force_login(provincial_librarian)
    url = f"/staff/digital/copies/{waiting.pk}/"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "approve"})
    assert CopyRequest.objects.get(pk=waiting.pk).status == CopyStatus.FAILED
    assert 'value="retry"' in client.get(url).content.decode()
    master.write_bytes(saved)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "retry"})
    assert CopyRequest.objects.get(pk=waiting.pk).status == CopyStatus.READY


def test_staff_of_another_library_and_anonymous_visitors_are_refused(
    client,
    waiting,
    other_library_staff,
    commune_librarian,
    provincial_librarian,
    django_capture_on_commit_callbacks,
):
    base = f"/staff/digital/copies/{waiting.pk}/"
    for url in ("/staff/digital/copies/", base, base + "tep/"):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]
    assert client.post(base, {"action": "approve"}).status_code == 302
    for user in (other_library_staff, commune_librarian):
        client.force_login(user)
        assert "Hương ước" not in client.get("/staff/digital/copies/").content.decode()
        assert client.get(base).status_code == 404
        assert client.post(base, {"action": "approve"}).status_code == 404
        assert client.post(base, {"action": "reject", "note": "Không"}).status_code == 404
        assert client.get(base + "tep/").status_code == 404
    assert CopyRequest.objects.get(pk=waiting.pk).status == CopyStatus.REQUESTED and not Fee.objects.exists()
    # Once the file exists, still no one else gets it.
    client.force_login(provincial_librarian)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(base, {"action": "approve"})
    client.force_login(other_library_staff)
    assert client.get(base + "tep/").status_code == 404


def test_the_fee_rule_page_sets_inherits_and_refuses_non_admins(
    client, network, provincial_librarian, commune_librarian, other_library_staff
):
    from thuvien.digital.models import CopyFeeRule

    client.force_login(provincial_librarian)
    page = client.get("/staff/digital/copies/quy-dinh-phi/?library=VN-TST-XA").content.decode()
    assert "mức mặc định" in page and 'name="per_page"' in page
    values = {"per_page": "1500", "restricted_per_page": "4000", "minimum": "6000", "max_pages": "20",
              "days_valid": "10"}  # fmt: skip
    response = client.post("/staff/digital/copies/quy-dinh-phi/", {"library": "VN-TST", **values})
    assert response.status_code == 302
    rule = CopyFeeRule.objects.get(library=network["prov"])
    assert (rule.per_page, rule.max_pages) == (Decimal(1500), 20)
    page = client.get("/staff/digital/copies/quy-dinh-phi/?library=VN-TST-XA").content.decode()
    assert "theo quy định của Thư viện tỉnh Thử Nghiệm" in page and "1.500&nbsp;đ" in page
    bad = client.post(
        "/staff/digital/copies/quy-dinh-phi/", {"library": "VN-TST", **values, "max_pages": "0"}
    )
    assert bad.status_code == 400 and CopyFeeRule.objects.get(pk=rule.pk).max_pages == 20
    response = client.post("/staff/digital/copies/quy-dinh-phi/", {"library": "VN-TST", "action": "inherit"})
    assert response.status_code == 302 and not CopyFeeRule.objects.exists()

    # A cataloguer sees the rule of his library but may not change it; other provinces' staff not even see it.
    client.force_login(commune_librarian)
    page = client.get("/staff/digital/copies/quy-dinh-phi/").content.decode()
    assert "Thư viện xã Hòa Bình" in page and 'name="per_page"' not in page
    assert (
        client.post("/staff/digital/copies/quy-dinh-phi/", {"library": "VN-TST-XA", **values}).status_code
        == 404
    )
    client.force_login(other_library_staff)
    page = client.get("/staff/digital/copies/quy-dinh-phi/?library=VN-TST").content.decode()
    assert "Thư viện tỉnh Khác" in page and "Thư viện tỉnh Thử Nghiệm" not in page
    assert (
        client.post("/staff/digital/copies/quy-dinh-phi/", {"library": "VN-TST", **values}).status_code == 302
    )
    assert not CopyFeeRule.objects.filter(library=network["prov"]).exists()
    client.logout()
    assert client.get("/staff/digital/copies/quy-dinh-phi/").status_code == 302
