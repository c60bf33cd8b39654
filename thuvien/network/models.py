from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

LIBRARY_CODE_VALIDATOR = RegexValidator(
    r"^VN-[A-Z0-9][A-Z0-9-]{0,30}$", _("Mã thư viện theo kiểu ISIL: VN- rồi chữ in hoa, số, dấu gạch ngang.")
)


class LibraryKind(models.TextChoices):
    PROVINCIAL = "provincial", _("Thư viện cấp tỉnh")
    COMMUNE = "commune", _("Thư viện cấp xã/phường")
    SCHOOL = "school", _("Thư viện trường học")
    UNIVERSITY = "university", _("Thư viện đại học")
    SPECIALISED = "specialised", _("Thư viện chuyên ngành")
    ARMED_FORCES = "armed-forces", _("Thư viện lực lượng vũ trang")
    COMMUNITY = "community", _("Thư viện cộng đồng")
    PRIVATE = "private", _("Thư viện tư nhân")


class AdminUnit(models.Model):
    """An administrative unit in one coding scheme; units are versioned, never rewritten."""

    scheme = models.CharField(
        _("bộ mã"), max_length=20, help_text=_("Ví dụ: 2025 (sau sáp nhập 1/7/2025) hoặc pre2025.")
    )
    code = models.CharField(_("mã"), max_length=20)
    name = models.CharField(_("tên"), max_length=200)
    level = models.CharField(_("cấp"), max_length=40, help_text=_("Ví dụ: tỉnh, xã, phường, huyện."))
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    source = models.CharField(_("nguồn mã"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("đơn vị hành chính")
        verbose_name_plural = _("đơn vị hành chính")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="adminunit_scheme_code_unique")
        ]
        ordering = ["scheme", "code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code}, {self.scheme})"


class Library(models.Model):
    """A node of the network tree; ``path`` lists the codes from the root so subtrees are one LIKE."""

    code = models.CharField(_("mã"), max_length=34, unique=True, validators=[LIBRARY_CODE_VALIDATOR])
    name = models.CharField(_("tên"), max_length=255)
    kind = models.CharField(_("loại"), max_length=20, choices=LibraryKind.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("cấp trên"),
    )
    path = models.CharField(max_length=1000, db_index=True, editable=False)
    address = models.CharField(_("địa chỉ"), max_length=400, blank=True)
    admin_unit = models.ForeignKey(
        AdminUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="libraries",
        verbose_name=_("đơn vị hành chính hiện hành"),
    )
    admin_unit_previous = models.ForeignKey(
        AdminUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="libraries_previous",
        verbose_name=_("đơn vị hành chính trước 1/7/2025"),
    )
    latitude = models.FloatField(
        _("vĩ độ"), null=True, blank=True, validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    longitude = models.FloatField(
        _("kinh độ"), null=True, blank=True, validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    phone = models.CharField(_("điện thoại"), max_length=60, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    website = models.URLField(_("trang web"), blank=True)
    opening_hours = models.TextField(_("giờ mở cửa"), blank=True)
    active = models.BooleanField(_("đang hoạt động"), default=True)

    class Meta:
        verbose_name = _("thư viện")
        verbose_name_plural = _("thư viện")
        ordering = ["path"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def save(self, *args, **kwargs):
        self.path = self.compute_path()
        super().save(*args, **kwargs)

    def compute_path(self) -> str:
        prefix = self.parent.path if self.parent_id else "/"
        return f"{prefix}{self.code}/"

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2

    def subtree(self):
        return Library.objects.filter(path__startswith=self.path)

    def ancestors(self) -> list[Library]:
        codes = [c for c in self.path.strip("/").split("/") if c]
        by_code = {lib.code: lib for lib in Library.objects.filter(code__in=codes)}
        return [by_code[c] for c in codes if c in by_code]
