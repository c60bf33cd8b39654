"""The harvester's registry: OAI-PMH sources, their runs (the report staff read), the records received."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
DEFAULT_TIMEOUT = 60


class HarvestSource(models.Model):
    """An OAI-PMH repository harvested into the union catalogue on behalf of one library."""

    class Format(models.TextChoices):
        OAI_DC = "oai_dc", _("Dublin Core (oai_dc)")
        MARC21 = "marc21", _("MARC 21 (MARCXML)")

    code = models.SlugField(_("mã nguồn"), max_length=40, unique=True)
    name = models.CharField(_("tên nguồn"), max_length=255)
    base_url = models.CharField(
        _("địa chỉ gốc (base URL)"),
        max_length=500,
        validators=[URLValidator(schemes=["http", "https"])],
    )
    metadata_prefix = models.CharField(
        _("khổ mẫu siêu dữ liệu"), max_length=20, choices=Format.choices, default=Format.MARC21
    )
    set_spec = models.CharField(_("tập hợp (set)"), max_length=200, blank=True)
    # The library the records come from (their source_library) and the owner of copies whose
    # holdings name no library of the network.
    library = models.ForeignKey(
        "network.Library",
        on_delete=models.PROTECT,
        related_name="harvest_sources",
        verbose_name=_("thư viện nguồn"),
    )
    interval_hours = models.PositiveIntegerField(
        _("chu kỳ thu thập (giờ)"),
        default=24,
        validators=[MaxValueValidator(24 * 366)],
        help_text=_("0 = chỉ thu thập khi bấm «Thu thập ngay»."),
    )
    active = models.BooleanField(_("đang hoạt động"), default=True)
    # The explicit permission to reach private, loopback and link-local addresses (a member
    # library's server on the provincial intranet); without it such addresses are refused (SSRF).
    allow_private = models.BooleanField(_("cho phép địa chỉ nội bộ"), default=False)
    max_response_bytes = models.PositiveIntegerField(
        _("dung lượng tối đa một trang (byte)"),
        default=DEFAULT_MAX_BYTES,
        validators=[MinValueValidator(1024), MaxValueValidator(1024 * 1024 * 1024)],
    )
    timeout_seconds = models.PositiveIntegerField(
        _("thời gian chờ tối đa (giây)"),
        default=DEFAULT_TIMEOUT,
        validators=[MinValueValidator(1), MaxValueValidator(3600)],
    )
    # responseDate of the last successful harvest: the next incremental harvest asks from there.
    last_response_date = models.DateTimeField(_("mốc thu thập gần nhất"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("nguồn thu thập OAI-PMH")
        verbose_name_plural = _("nguồn thu thập OAI-PMH")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} ({self.name})"


class HarvestRun(models.Model):
    """One harvest of a source, with its counts and the problems met: the report staff see."""

    class Mode(models.TextChoices):
        FULL = "full", _("Toàn bộ")
        INCREMENTAL = "incremental", _("Gia tăng")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Đang chờ")
        RUNNING = "running", _("Đang chạy")
        SUCCEEDED = "succeeded", _("Thành công")
        PARTIAL = "partial", _("Dở dang")
        FAILED = "failed", _("Thất bại")

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    source = models.ForeignKey(HarvestSource, on_delete=models.CASCADE, related_name="runs")
    mode = models.CharField(_("kiểu"), max_length=12, choices=Mode.choices, default=Mode.INCREMENTAL)
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    started_at = models.DateTimeField(_("bắt đầu"), auto_now_add=True)
    finished_at = models.DateTimeField(_("kết thúc"), null=True, blank=True)
    # Touched after every page: a run in progress whose heartbeat stopped long ago was interrupted.
    updated_at = models.DateTimeField(auto_now=True)
    # The `from` argument sent (none for a full harvest) and the repository's first responseDate.
    from_date = models.CharField(_("từ ngày"), max_length=30, blank=True)
    response_date = models.DateTimeField(null=True, blank=True)
    pages = models.PositiveIntegerField(_("số trang"), default=0)
    received = models.PositiveIntegerField(_("nhận được"), default=0)
    imported = models.PositiveIntegerField(_("biểu ghi mới"), default=0)
    updated = models.PositiveIntegerField(_("cập nhật"), default=0)
    attached = models.PositiveIntegerField(_("gộp vào biểu ghi có sẵn"), default=0)
    deleted = models.PositiveIntegerField(_("bị xoá ở nguồn"), default=0)
    rejected = models.PositiveIntegerField(_("bị từ chối"), default=0)
    error = models.TextField(_("lỗi"), blank=True)
    # [{"identifier": ..., "status": ..., "message": ...}, ...], bounded (see harvester.MAX_PROBLEMS).
    problems = models.JSONField(_("vấn đề từng biểu ghi"), default=list, blank=True)
    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("lần thu thập")
        verbose_name_plural = _("các lần thu thập")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["source", "-started_at"], name="harvestrun_source_idx")]
        constraints = [
            # Two harvests of one source at once would race on the same records and on the mark.
            models.UniqueConstraint(
                fields=["source"],
                condition=Q(status__in=["queued", "running"]),
                name="one_active_run_per_source",
            )
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.started_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def in_progress(self) -> bool:
        return self.status in self.ACTIVE


class HarvestedRecord(models.Model):
    """A record received from a source: its OAI identifier, the catalogue record it became, deleted or not."""

    source = models.ForeignKey(HarvestSource, on_delete=models.CASCADE, related_name="harvested")
    identifier = models.CharField(_("định danh OAI"), max_length=500)
    datestamp = models.CharField(_("datestamp"), max_length=40, blank=True)
    record = models.ForeignKey(
        "catalog.Record", null=True, blank=True, on_delete=models.SET_NULL, related_name="harvested_from"
    )
    deleted = models.BooleanField(_("đã xoá ở nguồn"), default=False)
    # Barcodes of the copies the record brought (its holdings fields): what a deletion withdraws.
    barcodes = models.JSONField(default=list, blank=True)
    run = models.ForeignKey(HarvestRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("biểu ghi đã thu thập")
        verbose_name_plural = _("biểu ghi đã thu thập")
        constraints = [
            models.UniqueConstraint(fields=["source", "identifier"], name="harvested_identifier_unique")
        ]

    def __str__(self) -> str:
        return self.identifier
