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
    # The blocking key of deduplication (catalog.dedup.work_key): records that may describe the same
    # work share it, so candidates are found with one index look-up.
    work_key = models.CharField(max_length=200, blank=True, db_index=True, editable=False)
    # Where the record came from as received: the OAI-PMH identifier of a harvested record, the
    # file's 001 of an imported one (source_library says which library contributed it).
    origin_identifier = models.CharField(_("định danh gốc"), max_length=255, blank=True)
    # A record merged into another (by a cataloger or on import) is hidden like a deleted one
    # (deleted_at is set) and points at the record that now carries its copies; unmerge restores it.
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_records",
        verbose_name=_("đã gộp vào"),
    )
    suppressed = models.BooleanField(_("ẩn khỏi OPAC"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    deleted_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("biểu ghi")
        verbose_name_plural = _("biểu ghi")
        indexes = [
            models.Index(fields=["control_number", "control_source"], name="record_control_idx"),
            # OAI-PMH lists records in (datestamp, id) order and resumes after the last pair.
            models.Index(fields=["updated_at", "id"], name="record_datestamp_idx"),
            # A harvested record is found again by the identifier it has at its source.
            models.Index(fields=["source_library", "origin_identifier"], name="record_origin_idx"),
            # Duplicate candidates of an import (catalog.matching): a covering index, so that ranking
            # the records of a work never reads the rows past their large MARC columns.
            models.Index(fields=["work_key", "deleted_at", "source_library"], name="record_work_live_idx"),
        ]

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


class CollectionKind(models.TextChoices):
    GENERAL = "general", _("Bộ sưu tập chung")
    LOCAL_HISTORY = "local_history", _("Tài liệu địa chí")
    RARE = "rare", _("Tài liệu cổ, quý hiếm")
    SPECIAL = "special", _("Bộ sưu tập đặc biệt")
    ENDOGENOUS = "endogenous", _("Tài liệu nội sinh")
    NEWSPAPER = "newspaper", _("Báo, tạp chí")
    THESIS = "thesis", _("Luận văn, luận án")
    CHILDREN = "children", _("Thiếu nhi")


class Collection(models.Model):
    """A named collection of records (local history, rare books …): an OAI-PMH set, a dump, an indicator."""

    code = models.SlugField(_("mã"), max_length=40, unique=True)
    name = models.CharField(_("tên"), max_length=255)
    kind = models.CharField(_("loại"), max_length=20, choices=CollectionKind.choices, default="general")
    library = models.ForeignKey(
        "network.Library",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="collections",
        verbose_name=_("thư viện quản lý"),
    )
    description = models.TextField(_("mô tả"), blank=True)
    records = models.ManyToManyField(
        Record, blank=True, related_name="collections", verbose_name=_("biểu ghi")
    )

    class Meta:
        verbose_name = _("bộ sưu tập")
        verbose_name_plural = _("bộ sưu tập")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class DuplicateCandidate(models.Model):
    """A pair of records that may describe the same work, waiting for a cataloger (the review queue)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ xem xét")
        MERGED = "merged", _("Đã gộp")
        DISTINCT = "distinct", _("Không trùng")

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField(_("điểm"))
    reasons = models.JSONField(_("lý do"), default=list, blank=True)
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default="pending")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("cặp nghi trùng")
        verbose_name_plural = _("cặp nghi trùng")
        indexes = [models.Index(fields=["status", "-score"], name="duplicate_status_idx")]
        constraints = [
            models.UniqueConstraint(fields=["record", "other"], name="duplicate_pair_unique"),
            models.CheckConstraint(condition=~models.Q(record=models.F("other")), name="duplicate_not_self"),
        ]

    def __str__(self) -> str:
        return f"#{self.record_id} ~ #{self.other_id} ({self.score:.2f})"


class RecordMerge(models.Model):
    """One merge of MERGED into SURVIVOR, with what moved, so that it can be undone (unmerge)."""

    survivor = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="merges_in")
    merged = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="merges_out")
    automatic = models.BooleanField(_("tự động"), default=False)
    score = models.FloatField(null=True, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    # Ids of what moved to the survivor: {"items": [...], "holds": [...], "collections": [...]}.
    moved = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("lần gộp biểu ghi")
        verbose_name_plural = _("lần gộp biểu ghi")
        indexes = [models.Index(fields=["merged", "undone_at"], name="merge_merged_idx")]

    def __str__(self) -> str:
        return f"#{self.merged_id} → #{self.survivor_id}"
