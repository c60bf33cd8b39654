from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who signs in to the staff pages; readers get their own model with the circulation work."""

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")


class Role(models.TextChoices):
    ADMIN = "admin", _("Quản trị thư viện")
    CATALOGUER = "cataloguer", _("Biên mục")
    CIRCULATION = "circulation", _("Lưu thông")
    VIEWER = "viewer", _("Chỉ xem")
    # The Department of Culture: read the province's figures, reports and inspections; change no catalogue.
    MANAGER = "manager", _("Quản lý nhà nước (Sở Văn hóa)")
    INSPECTOR = "inspector", _("Kiểm tra, thanh tra")


class StaffRole(models.Model):
    """Grants ROLE over LIBRARY and every library below it in the tree."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="staff_roles")
    library = models.ForeignKey("network.Library", on_delete=models.CASCADE, related_name="staff_roles")
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("vai trò nhân viên")
        verbose_name_plural = _("vai trò nhân viên")
        constraints = [
            models.UniqueConstraint(fields=["user", "library", "role"], name="staffrole_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} @ {self.library.code}"


class ApiToken(models.Model):
    """A staff member's key to the REST API. Only a SHA-256 hash of the secret is stored; PREFIX names it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("tên"), max_length=100, blank=True)
    prefix = models.CharField(_("tiền tố"), max_length=16, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(_("lần dùng gần nhất"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("mã truy cập API")
        verbose_name_plural = _("các mã truy cập API")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user}{', ' + self.name if self.name else ''})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
