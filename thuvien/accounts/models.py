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
