from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class MaterialType(models.TextChoices):
    BOOK = "book", _("Sách")
    SERIAL = "serial", _("Ấn phẩm định kỳ")
    MAP = "map", _("Bản đồ")
    MUSIC = "music", _("Bản nhạc")
    AUDIO = "audio", _("Ghi âm")
    VIDEO = "video", _("Phim, video")
    MANUSCRIPT = "manuscript", _("Tài liệu viết tay")
    COMPUTER = "computer", _("Tài liệu điện tử")
    IMAGE = "image", _("Tài liệu hình ảnh")
    KIT = "kit", _("Bộ tài liệu")
    OTHER = "other", _("Khác")


class Record(models.Model):
    """A bibliographic record; ``marc`` (MARC-in-JSON, NFC) is canonical, other columns are derived from it."""

    marc = models.TextField(_("biểu ghi MARC (JSON)"))
    control_number = models.CharField(_("số kiểm soát (001)"), max_length=64, blank=True)
    control_source = models.CharField(_("cơ quan kiểm soát (003)"), max_length=64, blank=True)
    title = models.TextField(_("nhan đề"))
    author = models.CharField(_("tác giả"), max_length=500, blank=True)
    publisher = models.CharField(_("nhà xuất bản"), max_length=500, blank=True)
    place = models.CharField(_("nơi xuất bản"), max_length=300, blank=True)
    year = models.IntegerField(_("năm"), null=True, blank=True, db_index=True)
    edition = models.CharField(_("lần xuất bản"), max_length=200, blank=True)
    language = models.CharField(_("ngôn ngữ"), max_length=3, blank=True)
    material_type = models.CharField(
        _("loại tài liệu"), max_length=20, choices=MaterialType.choices, default="book"
    )
    call_number = models.CharField(_("ký hiệu phân loại"), max_length=100, blank=True)
    title_sort = models.CharField(max_length=255, blank=True, db_index=True, editable=False)
    # Which stored record a re-imported one updates: 001+003, else ISBN/ISSN, else a fingerprint.
    match_key = models.CharField(max_length=200, blank=True, db_index=True, editable=False)
    # What the indexer needs beyond the columns above (authors, subjects, notes, any-field text …),
    # so the index is rebuilt from the database without parsing MARC again.
    search_data = models.JSONField(default=dict, blank=True, editable=False)
    source_library = models.ForeignKey(
        "network.Library",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="records",
        verbose_name=_("thư viện nguồn"),
    )
    suppressed = models.BooleanField(_("ẩn khỏi OPAC"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    deleted_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("biểu ghi")
        verbose_name_plural = _("biểu ghi")
        indexes = [models.Index(fields=["control_number", "control_source"], name="record_control_idx")]

    def __str__(self) -> str:
        return self.title[:80]


class Identifier(models.Model):
    """A normalised standard number of a record (ISBN as ISBN-13, ISSN), for matching on import."""

    class Kind(models.TextChoices):
        ISBN = "isbn", "ISBN"
        ISSN = "issn", "ISSN"

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="identifiers")
    kind = models.CharField(max_length=4, choices=Kind.choices)
    value = models.CharField(max_length=20)

    class Meta:
        indexes = [models.Index(fields=["kind", "value"], name="identifier_value_idx")]
        constraints = [
            models.UniqueConstraint(fields=["record", "kind", "value"], name="identifier_unique_per_record")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class ItemStatus(models.TextChoices):
    AVAILABLE = "available", _("Có sẵn")
    CHECKED_OUT = "checked_out", _("Đang cho mượn")
    IN_TRANSIT = "in_transit", _("Đang luân chuyển")
    ON_HOLD_SHELF = "on_hold_shelf", _("Đang giữ cho bạn đọc")
    IN_PROCESSING = "in_processing", _("Đang xử lý")
    READING_ROOM = "reading_room", _("Chỉ đọc tại chỗ")
    LOST = "lost", _("Mất")
    DAMAGED = "damaged", _("Hư hỏng")
    MISSING = "missing", _("Không tìm thấy")
    WITHDRAWN = "withdrawn", _("Đã thanh lý")


# Statuses in which a reader can find the copy on the shelf right now.
ON_SHELF_STATUSES = {ItemStatus.AVAILABLE, ItemStatus.READING_ROOM}


class Item(models.Model):
    """A physical copy held by a library."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="items")
    barcode = models.CharField(_("mã vạch"), max_length=64, unique=True)
    library = models.ForeignKey(
        "network.Library", on_delete=models.PROTECT, related_name="items", verbose_name=_("thư viện sở hữu")
    )
    current_library = models.ForeignKey(
        "network.Library",
        on_delete=models.PROTECT,
        related_name="items_here",
        null=True,
        blank=True,
        verbose_name=_("thư viện hiện giữ"),
    )
    location = models.CharField(_("kho"), max_length=100, blank=True)
    call_number = models.CharField(_("ký hiệu xếp giá"), max_length=100, blank=True)
    item_type = models.CharField(_("loại bản"), max_length=40, blank=True)
    status = models.CharField(_("trạng thái"), max_length=20, choices=ItemStatus.choices, default="available")
    price = models.DecimalField(_("giá"), max_digits=14, decimal_places=2, null=True, blank=True)
    acquired_on = models.DateField(_("ngày nhập"), null=True, blank=True, db_index=True)
    marc_field = models.JSONField(
        default=list,
        blank=True,
        help_text="The holdings field this item came from: [tag, ind1, ind2, [[code, value], ...]].",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("bản sách")
        verbose_name_plural = _("bản sách")
        indexes = [models.Index(fields=["library", "status"], name="item_library_status_idx")]

    def __str__(self) -> str:
        return self.barcode

    @property
    def on_shelf(self) -> bool:
        return self.status in ON_SHELF_STATUSES
