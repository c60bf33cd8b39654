from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

LOGIN_VALIDATOR = RegexValidator(
    r"^[A-Za-z0-9._@-]{1,64}$", _("Tên đăng nhập: chữ không dấu, số và . _ @ -, tối đa 64 ký tự.")
)


class KioskAccount(models.Model):
    """One self-check kiosk (or sorter, or gate): it logs in over SIP2 and acts for one library only."""

    login = models.CharField(_("tên đăng nhập"), max_length=64, unique=True, validators=[LOGIN_VALIDATOR])
    password = models.CharField(_("mật khẩu (băm)"), max_length=128)
    library = models.ForeignKey(
        "network.Library",
        on_delete=models.PROTECT,
        related_name="sip2_accounts",
        verbose_name=_("thư viện"),
    )
    is_active = models.BooleanField(_("đang hoạt động"), default=True)
    encoding = models.CharField(
        _("bảng mã"),
        max_length=20,
        default="utf-8",
        help_text=_("Bảng mã máy dùng: utf-8 (mặc định), cp1252, latin-1…"),
    )
    patron_pin_required = models.BooleanField(
        _("bắt buộc mã PIN bạn đọc"),
        default=True,
        help_text=_(
            "Máy phải gửi mã PIN đúng của bạn đọc (một lần mỗi phiên bạn đọc) trước khi mượn, gia hạn, "
            "đặt mượn hay trả phí thay bạn đọc đó."
        ),
    )
    description = models.CharField(_("mô tả"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    last_login_at = models.DateTimeField(_("đăng nhập gần nhất"), null=True, blank=True)

    class Meta:
        verbose_name = _("tài khoản máy SIP2")
        verbose_name_plural = _("tài khoản máy SIP2")
        ordering = ["login"]

    def __str__(self) -> str:
        return self.login
