"""Digital objects (a digitised document), their pages, and readers' requests for copies of pages.

Files live under ``settings.DIGITAL_ROOT`` (see ``storage.py``); a row here exists only for an object whose
files are complete (ingest writes the files first and commits the rows last).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AccessLevel(models.TextChoices):
    """DESIGN.md §7, from the most open to the most closed (the order matters: see policies.stricter)."""

    OPEN = "open", _("Mở (mọi người)")
    RESTRICTED = "restricted", _("Hạn chế (bạn đọc đã đăng nhập, chỉ đọc trực tuyến)")
    SECRET = "secret", _("Mật (chỉ nhân viên có quyền)")


class Stage(models.TextChoices):
    """The digitisation workflow of one object, in order (policies.TRANSITIONS says which moves are allowed)."""

    SELECTED = "selected", _("Đã chọn")
    SCANNED = "scanned", _("Đã quét")
    OCR = "ocr", _("Đã nhận dạng chữ")
    REVIEWED = "reviewed", _("Đã duyệt")
    PUBLISHED = "published", _("Đã công bố")


class Rights(models.TextChoices):
    """rightsstatements.org statements (the URI is the stored value)."""

    INC = "http://rightsstatements.org/vocab/InC/1.0/", _("Có bản quyền (In Copyright)")
    INC_EDU = "http://rightsstatements.org/vocab/InC-EDU/1.0/", _("Có bản quyền — được dùng cho giáo dục")
    INC_NC = "http://rightsstatements.org/vocab/InC-NC/1.0/", _("Có bản quyền — được dùng phi thương mại")
    INC_RUU = (
        "http://rightsstatements.org/vocab/InC-RUU/1.0/",
        _("Có bản quyền — chưa xác định được chủ sở hữu"),
    )
    NOC_CR = "http://rightsstatements.org/vocab/NoC-CR/1.0/", _("Không bản quyền — có giới hạn theo hợp đồng")
    NOC_NC = "http://rightsstatements.org/vocab/NoC-NC/1.0/", _("Không bản quyền — chỉ dùng phi thương mại")
    NOC_OKLR = (
        "http://rightsstatements.org/vocab/NoC-OKLR/1.0/",
        _("Không bản quyền — có giới hạn pháp lý khác"),
    )
    NOC_US = "http://rightsstatements.org/vocab/NoC-US/1.0/", _("Không bản quyền tại Hoa Kỳ")
    CNE = "http://rightsstatements.org/vocab/CNE/1.0/", _("Chưa đánh giá bản quyền")
    UND = "http://rightsstatements.org/vocab/UND/1.0/", _("Chưa xác định bản quyền")
    NKC = "http://rightsstatements.org/vocab/NKC/1.0/", _("Không rõ tình trạng bản quyền")


class DigitalObject(models.Model):
    """One digitised document: linked to a catalogue record, or standalone with its own Dublin Core.

    A standalone object gets a surrogate catalogue record (``owns_record``) generated from its Dublin
    Core, so that it is found like any other record; that record is suppressed whenever the object is
    not publicly visible (``actions.sync_visibility``), which keeps it out of every public path.
    """

    library = models.ForeignKey(
        "network.Library",
        on_delete=models.PROTECT,
        related_name="digital_objects",
        verbose_name=_("thư viện"),
    )
    record = models.ForeignKey(
        "catalog.Record",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="digital_objects",
        verbose_name=_("biểu ghi thư mục"),
    )
    owns_record = models.BooleanField(
        _("biểu ghi thay thế (tài liệu độc lập)"), default=False, editable=False
    )
    title = models.CharField(_("nhan đề"), max_length=500)
    # fold(title) with spaces around, for title searches typed without diacritics (set by save()).
    title_folded = models.CharField(max_length=510, blank=True, default="", editable=False, db_index=True)
    # Dublin Core of a standalone object: {"title": str, "creator": [..], "subject": [..], "description": str,
    # "date": str, "publisher": str, "type": str, "language": str, "identifier": str, "source": str,
    # "coverage": str, "contributor": [..]}. A linked object takes its description from the record.
    dc = models.JSONField(_("Dublin Core"), default=dict, blank=True)
    collections = models.ManyToManyField(
        "catalog.Collection", blank=True, related_name="digital_objects", verbose_name=_("bộ sưu tập")
    )
    rights = models.CharField(
        _("tình trạng bản quyền"), max_length=100, choices=Rights.choices, default=Rights.CNE
    )
    rights_note = models.CharField(_("ghi chú bản quyền"), max_length=500, blank=True)
    access = models.CharField(
        _("mức truy cập"), max_length=10, choices=AccessLevel.choices, default=AccessLevel.SECRET
    )
    embargo_until = models.DateField(_("hạn chế đến ngày"), null=True, blank=True)
    stage = models.CharField(_("giai đoạn"), max_length=10, choices=Stage.choices, default=Stage.SELECTED)
    # Table of contents for IIIF ranges and METS: [{"label": str, "page": seq (1-based)}, ...]
    toc = models.JSONField(_("mục lục"), default=list, blank=True)
    page_count = models.PositiveIntegerField(default=0, editable=False)
    # What the public paths (index, surrogate record) were last synced to: "" (hidden), "open" or "restricted".
    # A periodic job compares it with policies.public_level() so that an embargo lifts on its date.
    synced_level = models.CharField(max_length=10, blank=True, default="", editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("tài liệu số")
        verbose_name_plural = _("tài liệu số")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["library", "stage"], name="digital_obj_lib_stage_idx")]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.title_folded = folded_title(self.title)
        fields = kwargs.get("update_fields")
        if fields is not None and "title" in fields and "title_folded" not in fields:
            kwargs["update_fields"] = [*fields, "title_folded"]
        super().save(*args, **kwargs)


def folded_title(title: str) -> str:
    """The title as title searches match it: folded words between single spaces, with a space at each end."""
    from thuvien.lib.vn_text import fold, tokens

    return (" " + " ".join(fold(t) for t in tokens(title or "")) + " ")[:510]


class OcrStatus(models.TextChoices):
    NONE = "none", _("Chưa nhận dạng")
    QUEUED = "queued", _("Đang chờ")
    DONE = "done", _("Đã nhận dạng")
    FAILED = "failed", _("Lỗi")


class Page(models.Model):
    """One page image of an object: the master is a tiled pyramidal TIFF (storage.master_path)."""

    object = models.ForeignKey(DigitalObject, on_delete=models.CASCADE, related_name="pages")
    seq = models.PositiveIntegerField(_("thứ tự"))
    label = models.CharField(_("nhãn trang"), max_length=100, blank=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    source_name = models.CharField(_("tệp gốc"), max_length=255, blank=True)
    source_type = models.CharField(max_length=100, blank=True)  # the sniffed MIME type of what was uploaded
    sha256 = models.CharField(max_length=64, blank=True)
    # A per-page override may only make a page stricter than its object (policies.page_level).
    access_override = models.CharField(
        _("mức truy cập riêng"), max_length=10, choices=AccessLevel.choices, blank=True, default=""
    )
    ocr_status = models.CharField(max_length=10, choices=OcrStatus.choices, default=OcrStatus.NONE)
    ocr_error = models.CharField(max_length=500, blank=True)
    text = models.TextField(_("văn bản"), blank=True)  # NFC; corrected text replaces the OCR's
    text_folded = models.TextField(blank=True, editable=False)  # lib.vn_text.fold(text), for search inside
    # Word boxes in master-image pixels: [[word, x, y, w, h], ...] in reading order (from hOCR).
    words = models.JSONField(default=list, blank=True, editable=False)
    hocr = models.TextField(blank=True, editable=False)
    alto = models.TextField(blank=True, editable=False)
    ocr_confidence = models.FloatField(null=True, blank=True)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    corrected_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("trang")
        verbose_name_plural = _("các trang")
        ordering = ["object", "seq"]
        constraints = [models.UniqueConstraint(fields=["object", "seq"], name="digital_page_seq_unique")]

    def __str__(self) -> str:
        return self.label or str(self.seq)


class StageChange(models.Model):
    """The history of an object's workflow."""

    object = models.ForeignKey(DigitalObject, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(max_length=10, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=10, choices=Stage.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    note = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.object_id}: {self.from_stage} → {self.to_stage}"


class CopyFeeRule(models.Model):
    """The price of remote copies at a library (and the libraries below it without their own rule)."""

    library = models.OneToOneField(
        "network.Library", on_delete=models.CASCADE, related_name="copy_fee_rule", verbose_name=_("thư viện")
    )
    per_page = models.DecimalField(_("giá mỗi trang"), max_digits=12, decimal_places=0, default=Decimal(2000))
    minimum = models.DecimalField(_("mức tối thiểu"), max_digits=12, decimal_places=0, default=Decimal(10000))
    restricted_per_page = models.DecimalField(
        _("giá mỗi trang tài liệu hạn chế"), max_digits=12, decimal_places=0, default=Decimal(5000)
    )
    max_pages = models.PositiveIntegerField(_("số trang tối đa mỗi yêu cầu"), default=50)
    days_valid = models.PositiveIntegerField(_("số ngày được tải về"), default=14)

    class Meta:
        verbose_name = _("quy định phí sao chụp")
        verbose_name_plural = _("quy định phí sao chụp")

    def __str__(self) -> str:
        return str(self.library)


class CopyStatus(models.TextChoices):
    REQUESTED = "requested", _("Chờ duyệt")
    APPROVED = "approved", _("Đã duyệt, đang tạo tệp")
    READY = "ready", _("Sẵn sàng tải về")
    REJECTED = "rejected", _("Từ chối")
    CANCELLED = "cancelled", _("Đã hủy")
    FAILED = "failed", _("Lỗi tạo tệp")


class CopyRequest(models.Model):
    """A reader's request for a copy of some pages; the PDF (storage.copy_path) is watermarked for him."""

    reader = models.ForeignKey("patrons.Reader", on_delete=models.PROTECT, related_name="copy_requests")
    object = models.ForeignKey(DigitalObject, on_delete=models.PROTECT, related_name="copy_requests")
    pages = models.JSONField(default=list)  # sorted sequence numbers
    pages_text = models.CharField(_("các trang"), max_length=200)  # as the reader typed it: "1-3, 7"
    purpose = models.CharField(_("mục đích sử dụng"), max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=CopyStatus.choices, default=CopyStatus.REQUESTED)
    fee_amount = models.DecimalField(max_digits=12, decimal_places=0, default=Decimal(0))
    fee = models.ForeignKey(
        "circulation.Fee", null=True, blank=True, on_delete=models.SET_NULL, related_name="copy_requests"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("ghi chú"), max_length=500, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    downloads = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("yêu cầu sao chụp")
        verbose_name_plural = _("các yêu cầu sao chụp")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["reader", "object", "pages_text"],
                condition=Q(status="requested"),
                name="copyrequest_one_pending_per_pages",
            )
        ]

    def __str__(self) -> str:
        return f"{self.object_id} {self.pages_text}"


class UsageDay(models.Model):
    """How often an object was opened to read and downloaded on one day (no reader is recorded)."""

    object = models.ForeignKey(DigitalObject, on_delete=models.CASCADE, related_name="usage_days")
    library = models.ForeignKey("network.Library", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    views = models.PositiveIntegerField(default=0)
    downloads = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("lượt dùng tài liệu số trong ngày")
        verbose_name_plural = _("lượt dùng tài liệu số")
        constraints = [models.UniqueConstraint(fields=["object", "day"], name="usageday_object_day")]
        indexes = [models.Index(fields=["library", "day"], name="usageday_library_day")]

    def __str__(self) -> str:
        return f"{self.object_id} {self.day}: {self.views}/{self.downloads}"
