"""Remote copies: a reader asks, staff approve, the watermarked PDF is made, the reader downloads it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pypdfium2 as pdfium
import pytest
from django.utils import timezone

from thuvien.audit.models import AuditEntry
from thuvien.circulation.models import Fee, FeeKind
from thuvien.digital import copies, storage
from thuvien.digital.copies import CopyError
from thuvien.digital.models import AccessLevel, CopyFeeRule, CopyRequest, CopyStatus, Page, Stage
from thuvien.digital.testing import make_object

pytestmark = pytest.mark.django_db

TEXTS = [f"Trang {n}: Hương ước làng Yên Mô, điều thứ {n}." for n in range(1, 7)]


@pytest.fixture
def reader(network):
    from thuvien.patrons.actions import register_reader

    return register_reader(card="TST0001", full_name="Nguyễn Thị Hoà", home_library=network["prov"],
                           category="adult", pin="1234")  # fmt: skip


@pytest.fixture
def other_reader(network):
    from thuvien.patrons.actions import register_reader

    return register_reader(card="TST0002", full_name="Trần Văn Bình", home_library=network["commune"],
                           category="student", pin="5678")  # fmt: skip


@pytest.fixture
def restricted(network):
    return make_object(
        network["prov"], title="Hương ước làng Yên Mô", texts=TEXTS, access=AccessLevel.RESTRICTED
    )


def pdf_text(path) -> tuple[int, str]:
    pdf = pdfium.PdfDocument(str(path))
    try:
        return len(pdf), "\n".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


def approve(req, actor, capture):
    with capture(execute=True):
        return copies.approve_copy(req, actor=actor, note="Đồng ý")


def test_the_whole_flow_for_a_restricted_object(
    reader, restricted, provincial_librarian, django_capture_on_commit_callbacks
):
    req = copies.request_copy(reader=reader, obj=restricted, pages_text=" 1-3 ,5", purpose="Nghiên cứu")
    assert (req.status, req.pages, req.pages_text) == (CopyStatus.REQUESTED, [1, 2, 3, 5], "1-3, 5")
    rule = CopyFeeRule(library=restricted.library)  # the model's defaults: no rule is set
    assert req.fee_amount == max(rule.minimum, rule.restricted_per_page * 4) == Decimal(20000)
    assert AuditEntry.objects.filter(type="digital.copy.requested", object_id=str(req.pk)).exists()

    approve(req, provincial_librarian, django_capture_on_commit_callbacks)
    req.refresh_from_db()
    assert req.status == CopyStatus.READY and req.decided_by == provincial_librarian
    fee = Fee.objects.get(kind=FeeKind.COPY, reader=reader)
    assert (fee.amount, fee.library, req.fee) == (Decimal(20000), restricted.library, fee)
    assert req.expires_at - req.ready_at == dt.timedelta(days=rule.days_valid)

    path = copies.download_copy(req, reader=reader)
    assert path == storage.copy_path(req.pk) and path.read_bytes().startswith(b"%PDF")
    count, text = pdf_text(path)
    assert count == 4
    assert "TST0001" in text and f"{timezone.localdate():%d/%m/%Y}" in text
    assert "Bản sao cấp cho bạn đọc" in text and "N.T.H." in text and "Thư viện tỉnh Thử Nghiệm" in text
    assert "Hoà" not in text  # the watermark carries initials, not the reader's name
    req.refresh_from_db()
    assert req.downloads == 1
    assert AuditEntry.objects.filter(type="digital.copy.downloaded", object_id=str(req.pk)).exists()


def test_the_pdf_pages_are_access_copies_at_about_150_dpi(reader, network, provincial_librarian,
                                                         django_capture_on_commit_callbacks):  # fmt: skip
    obj = make_object(network["prov"], texts=["Một trang khổ A5 ở 300 dpi."], dpi=300)
    req = copies.request_copy(reader=reader, obj=obj, pages_text="1")
    approve(req, provincial_librarian, django_capture_on_commit_callbacks)
    pdf = pdfium.PdfDocument(str(storage.copy_path(req.pk)))
    width, height = pdf[0].get_size()
    assert abs(width - 148 / 25.4 * 72) < 2  # A5 width in points: the page keeps its physical size
    image = next(o for o in pdf[0].get_objects() if o.type == pdfium.raw.FPDF_PAGEOBJ_IMAGE)
    px_w, _ = image.get_px_size()
    assert 140 <= px_w / (148 / 25.4) <= 160
    pdf.close()


def test_the_fee_rule_is_the_nearest_up_the_tree(reader, network):
    obj = make_object(network["commune"], texts=TEXTS)
    CopyFeeRule.objects.create(library=network["prov"], per_page=1000, minimum=0, max_pages=3)
    assert copies.quote_copy(reader=reader, obj=obj, pages_text="1-2").fee == Decimal(2000)
    with pytest.raises(CopyError) as err:
        copies.request_copy(reader=reader, obj=obj, pages_text="1-4")
    assert err.value.code == "too_many" and "3 trang" in err.value.message
    CopyFeeRule.objects.create(library=network["commune"], per_page=500, minimum=3000)
    assert copies.quote_copy(reader=reader, obj=obj, pages_text="1-2").fee == Decimal(3000)
    assert copies.quote_copy(reader=reader, obj=obj, pages_text="1-6").fee == Decimal(3000)


@pytest.mark.parametrize(
    "pages, code, words",
    [("", "empty", "1-3, 7"), ("một", "syntax", "dấu phẩy"), ("2-9", "range", "6 trang"), ("0", "range", "6 trang"),
     ("3-1", "range", "6 trang")],
)  # fmt: skip
def test_page_ranges_are_refused_with_a_clear_message(reader, restricted, pages, code, words):
    with pytest.raises(CopyError) as err:
        copies.request_copy(reader=reader, obj=restricted, pages_text=pages)
    assert err.value.code == code and words in err.value.message
    assert not CopyRequest.objects.exists()


def test_secret_unpublished_and_embargoed_objects_cannot_be_asked_for(reader, network):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    for obj in (
        make_object(network["prov"], access=AccessLevel.SECRET),
        make_object(network["prov"], stage=Stage.REVIEWED),
        make_object(network["prov"], embargo_until=tomorrow),
    ):
        with pytest.raises(CopyError) as err:
            copies.request_copy(reader=reader, obj=obj.pk, pages_text="1")
        assert err.value.code == "not_found"
    assert not CopyRequest.objects.exists()


def test_a_page_hidden_by_its_override_cannot_be_copied(reader, restricted):
    Page.objects.filter(object=restricted, seq=2).update(access_override=AccessLevel.SECRET)
    with pytest.raises(CopyError) as err:
        copies.request_copy(reader=reader, obj=restricted, pages_text="1-3")
    assert err.value.code == "range" and "trang 2 " in err.value.message


def test_a_restricted_page_of_an_open_object_costs_the_restricted_price(reader, network):
    obj = make_object(network["prov"], texts=TEXTS)
    rule = CopyFeeRule.objects.create(
        library=network["prov"], per_page=1000, restricted_per_page=4000, minimum=0
    )
    assert copies.quote_copy(reader=reader, obj=obj, pages_text="1-2").fee == 2 * rule.per_page
    Page.objects.filter(object=obj, seq=2).update(access_override=AccessLevel.RESTRICTED)
    assert copies.quote_copy(reader=reader, obj=obj, pages_text="1-2").fee == 2 * rule.restricted_per_page


def test_suspended_expired_and_pending_cards_are_refused(reader, restricted):
    reader.status = "suspended"
    with pytest.raises(CopyError) as err:
        copies.request_copy(reader=reader, obj=restricted, pages_text="1")
    assert err.value.code == "blocked_status"
    reader.status, reader.expires_on = "active", timezone.localdate() - dt.timedelta(days=1)
    with pytest.raises(CopyError) as err:
        copies.request_copy(reader=reader, obj=restricted, pages_text="1")
    assert err.value.code == "blocked_expired" and "hết hạn" in err.value.message


def test_the_same_pages_twice_and_a_stale_quote_are_refused(reader, restricted):
    copies.request_copy(reader=reader, obj=restricted, pages_text="1,2,3")
    with pytest.raises(CopyError) as err:
        copies.request_copy(reader=reader, obj=restricted, pages_text="1-3")
    assert err.value.code == "duplicate"
    with pytest.raises(CopyError) as err:
        copies.request_copy(reader=reader, obj=restricted, pages_text="4", expected_fee="1")
    assert err.value.code == "fee_changed"
    assert CopyRequest.objects.count() == 1


def test_only_staff_of_the_owning_library_or_above_decide(
    reader, network, restricted, other_library_staff, commune_librarian, provincial_librarian,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    req = copies.request_copy(reader=reader, obj=restricted, pages_text="1")
    for actor in (other_library_staff, commune_librarian, None):
        with pytest.raises(CopyError) as err:
            copies.approve_copy(req, actor=actor)
        assert err.value.code == "forbidden"
        with pytest.raises(CopyError):
            copies.reject_copy(req, actor=actor, note="Không")
    assert CopyRequest.objects.get(pk=req.pk).status == CopyStatus.REQUESTED and not Fee.objects.exists()
    # The provincial library manages its communes' material too.
    commune_obj = make_object(network["commune"], texts=TEXTS)
    req2 = copies.request_copy(reader=reader, obj=commune_obj, pages_text="2")
    approve(req2, provincial_librarian, django_capture_on_commit_callbacks)
    assert CopyRequest.objects.get(pk=req2.pk).status == CopyStatus.READY


def test_reject_needs_a_reason_and_cancel_is_only_while_waiting(reader, restricted, provincial_librarian,
                                                               django_capture_on_commit_callbacks):  # fmt: skip
    req = copies.request_copy(reader=reader, obj=restricted, pages_text="1")
    with pytest.raises(CopyError) as err:
        copies.reject_copy(req, actor=provincial_librarian, note=" ")
    assert err.value.code == "note"
    copies.reject_copy(req, actor=provincial_librarian, note="Tài liệu đang được tu bổ")
    assert CopyRequest.objects.get(pk=req.pk).decision_note == "Tài liệu đang được tu bổ"
    with pytest.raises(CopyError):
        copies.cancel_copy(req, reader=reader)

    req = copies.request_copy(reader=reader, obj=restricted, pages_text="1")
    copies.cancel_copy(req, reader=reader)
    assert CopyRequest.objects.get(pk=req.pk).status == CopyStatus.CANCELLED
    with pytest.raises(CopyError):
        copies.approve_copy(req, actor=provincial_librarian)


def test_another_reader_cannot_cancel_or_download(reader, other_reader, restricted, provincial_librarian,
                                                 django_capture_on_commit_callbacks):  # fmt: skip
    req = copies.request_copy(reader=reader, obj=restricted, pages_text="2")
    with pytest.raises(CopyError) as err:
        copies.cancel_copy(req, reader=other_reader)
    assert err.value.code == "not_found"
    approve(req, provincial_librarian, django_capture_on_commit_callbacks)
    with pytest.raises(CopyError) as err:
        copies.download_copy(req, reader=other_reader)
    assert err.value.code == "not_found"
    assert CopyRequest.objects.get(pk=req.pk).downloads == 0


def test_a_copy_expires_and_its_file_is_purged(reader, restricted, provincial_librarian,
                                              django_capture_on_commit_callbacks):  # fmt: skip
    req = copies.request_copy(reader=reader, obj=restricted, pages_text="1")
    with pytest.raises(CopyError) as err:
        copies.download_copy(req, reader=reader)
    assert err.value.code == "not_ready"
    approve(req, provincial_librarian, django_capture_on_commit_callbacks)
    req.refresh_from_db()
    assert copies.purge_expired_copies() == 0 and storage.copy_path(req.pk).exists()
    later = req.expires_at + dt.timedelta(seconds=1)
    assert copies.purge_expired_copies(now=later) == 1
    assert not storage.copy_path(req.pk).exists()
    CopyRequest.objects.filter(pk=req.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(CopyError) as err:
        copies.download_copy(req, reader=reader)
    assert err.value.code == "expired"


def test_making_the_pdf_twice_changes_nothing(reader, restricted, provincial_librarian,
                                             django_capture_on_commit_callbacks):  # fmt: skip
    req = copies.request_copy(reader=reader, obj=restricted, pages_text="1-2")
    approve(req, provincial_librarian, django_capture_on_commit_callbacks)
    req.refresh_from_db()
    before = (storage.copy_path(req.pk).read_bytes(), req.file_sha256, req.expires_at)
    assert copies.make_copy_pdf(req.pk) == CopyStatus.READY
    req.refresh_from_db()
    assert (storage.copy_path(req.pk).read_bytes(), req.file_sha256, req.expires_at) == before
    assert AuditEntry.objects.filter(type="digital.copy.ready", object_id=str(req.pk)).count() == 1
    assert copies.make_copy_pdf(10**9) == ""
    assert not list(storage.copy_path(req.pk).parent.glob("*.part"))


def test_a_failed_pdf_is_retried_by_staff_or_given_up_with_the_fee_forgiven(
    reader, restricted, provincial_librarian, other_library_staff, django_capture_on_commit_callbacks
):
    master = storage.master_path(restricted.pk, 2)
    saved = master.read_bytes()
    master.unlink()
    req = copies.request_copy(reader=reader, obj=restricted, pages_text="1-2")
    approve(req, provincial_librarian, django_capture_on_commit_callbacks)
    req.refresh_from_db()
    assert req.status == CopyStatus.FAILED and not storage.copy_path(req.pk).exists()
    assert not list(storage.copy_path(req.pk).parent.glob("*.part"))
    with pytest.raises(CopyError):
        copies.retry_copy(req, actor=other_library_staff)
    master.write_bytes(saved)
    with django_capture_on_commit_callbacks(execute=True):
        copies.retry_copy(req, actor=provincial_librarian)
    assert CopyRequest.objects.get(pk=req.pk).status == CopyStatus.READY

    master.unlink()
    req = copies.request_copy(reader=reader, obj=restricted, pages_text="2")
    approve(req, provincial_librarian, django_capture_on_commit_callbacks)
    copies.reject_copy(req, actor=provincial_librarian, note="Trang 2 bị hỏng, đang quét lại")
    fee = Fee.objects.get(note=f"copy:{req.pk}")
    assert fee.outstanding == 0 and fee.waived == fee.amount


def test_a_free_copy_owes_nothing(reader, network, provincial_librarian, django_capture_on_commit_callbacks):
    CopyFeeRule.objects.create(library=network["prov"], per_page=0, restricted_per_page=0, minimum=0)
    obj = make_object(network["prov"], texts=TEXTS[:1])
    req = copies.request_copy(reader=reader, obj=obj, pages_text="1")
    approve(req, provincial_librarian, django_capture_on_commit_callbacks)
    assert not Fee.objects.exists()
    assert CopyRequest.objects.get(pk=req.pk).status == CopyStatus.READY


def test_format_pages_and_initials():
    assert copies.format_pages([1, 2, 3, 5, 7, 8]) == "1-3, 5, 7-8"
    assert copies.format_pages([]) == ""
    assert copies.initials("Lê Minh Khôi") == "L.M.K." and copies.initials(" Đinh  Bộ Lĩnh ") == "Đ.B.L."


def test_only_a_librarys_admins_set_its_fee_rule(network, provincial_librarian, commune_librarian,
                                                other_library_staff):  # fmt: skip
    values = {"per_page": 1000, "restricted_per_page": 3000, "minimum": 0, "max_pages": 10, "days_valid": 7}
    for actor in (commune_librarian, other_library_staff, None):
        with pytest.raises(CopyError) as err:
            copies.save_fee_rule(network["commune"], actor=actor, **values)
        assert err.value.code == "forbidden"
    with pytest.raises(CopyError) as err:
        copies.save_fee_rule(network["prov"], actor=provincial_librarian, **{**values, "per_page": -1})
    assert err.value.code == "amount"
    copies.save_fee_rule(network["commune"], actor=provincial_librarian, **values)
    assert copies.fee_rule(network["commune"]).max_pages == 10
    assert AuditEntry.objects.filter(type="digital.copy.rule_saved").count() == 1
    with pytest.raises(CopyError):
        copies.delete_fee_rule(network["commune"], actor=commune_librarian)
    copies.delete_fee_rule(network["commune"], actor=provincial_librarian)
    assert copies.fee_rule(network["commune"]).pk is None
