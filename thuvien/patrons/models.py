"""Readers of the network: one card for every library, personal data protected (CCCD encrypted)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ReaderCategory(models.Model):
    """A kind of reader (child, pupil, student, adult …); circulation rules are set per category."""

    code = models.CharField(_("mã"), max_length=20, unique=True)
    name = models.CharField(_("tên"), max_length=100)
    description = models.TextField(_("mô tả"), blank=True)
    # How long a new card of this category stays valid.
    card_months = models.PositiveIntegerField(_("thời hạn thẻ (tháng)"), default=12)
    # A child or pupil cannot register alone in the OPAC: a guardian or the school does it.
    self_registration = models.BooleanField(_("được tự đăng ký"), default=True)

    class Meta:
        verbose_name = _("đối tượng bạn đọc")
        verbose_name_plural = _("các đối tượng bạn đọc")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ReaderStatus(models.TextChoices):
    PENDING = "pending", _("Chờ duyệt")
    ACTIVE = "active", _("Đang hoạt động")
    SUSPENDED = "suspended", _("Tạm khóa")
    ERASED = "erased", _("Đã xóa dữ liệu")


class Reader(models.Model):
    card = models.CharField(_("số thẻ"), max_length=32, unique=True)
    pin_hash = models.CharField(max_length=200, blank=True, editable=False)
    home_library = models.ForeignKey(
        "network.Library",
        on_delete=models.PROTECT,
        related_name="readers",
        verbose_name=_("thư viện đăng ký"),
    )
    category = models.ForeignKey(
        ReaderCategory, on_delete=models.PROTECT, related_name="readers", verbose_name=_("đối tượng")
    )
    full_name = models.CharField(_("họ và tên"), max_length=200)
    name_key = models.CharField(max_length=200, db_index=True, editable=False)  # folded, for lookup
    birth_date = models.DateField(_("ngày sinh"), null=True, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    phone = models.CharField(_("điện thoại"), max_length=30, blank=True)
    address = models.TextField(_("địa chỉ"), blank=True)
    # The citizen ID (CCCD) is never stored in clear: encrypted with THUVIEN_FIELD_KEY, plus a keyed
    # hash to find duplicates, plus its last digits to show it masked.
    cccd_encrypted = models.TextField(blank=True, editable=False)
    cccd_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    cccd_last = models.CharField(max_length=4, blank=True, editable=False)
    expires_on = models.DateField(_("ngày hết hạn"), null=True, blank=True)
    status = models.CharField(
        _("trạng thái"), max_length=12, choices=ReaderStatus.choices, default=ReaderStatus.ACTIVE
    )
    keep_history = models.BooleanField(_("lưu lịch sử mượn"), default=False)
    note = models.TextField(_("ghi chú của thư viện"), blank=True)
    erasure_requested_at = models.DateTimeField(_("yêu cầu xóa dữ liệu lúc"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("bạn đọc")
        verbose_name_plural = _("các bạn đọc")
        indexes = [models.Index(fields=["home_library", "status"], name="reader_library_status_idx")]
        constraints = [
            # One card per citizen: the check in patrons.actions races; the database does not.
            models.UniqueConstraint(
                fields=["cccd_hash"], condition=~Q(cccd_hash=""), name="reader_cccd_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.card})"

    @property
    def cccd_masked(self) -> str:
        return f"{'•' * 8}{self.cccd_last}" if self.cccd_last else ""


class Consent(models.Model):
    """What a reader agreed to (or withdrew), when and through which channel: the record the law asks."""

    class Kind(models.TextChoices):
        TERMS = "terms", _("Nội quy và xử lý dữ liệu cá nhân")
        LOAN_HISTORY = "loan_history", _("Lưu lịch sử mượn")
        EMAIL_NOTICES = "email_notices", _("Nhận thông báo qua thư điện tử")

    reader = models.ForeignKey(Reader, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    given = models.BooleanField()
    channel = models.CharField(max_length=20)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("sự đồng ý")
        verbose_name_plural = _("các sự đồng ý")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind}={self.given} ({self.channel})"


class PinFailure(models.Model):
    """Failed PIN attempts by card, kept apart from Reader so unknown cards are rate-limited too."""

    card = models.CharField(max_length=32)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    channel = models.CharField(max_length=20)

    class Meta:
        indexes = [models.Index(fields=["card", "at"], name="pin_failure_card_idx")]
        constraints = [models.CheckConstraint(condition=~Q(card=""), name="pin_failure_card_not_empty")]

    def __str__(self) -> str:
        return f"{self.card} {self.at}"
