"""Copy-cataloguing targets: other libraries' Z39.50 and SRU servers, and the records fetched from them."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# A fetched record waits this long for the cataloguer to import it, then it is swept.
FETCHED_LIFETIME_HOURS = 6


class CopyTarget(models.Model):
    """A server copy cataloguing searches: Z39.50 (host, port, database) or SRU (base URL)."""

    class Protocol(models.TextChoices):
        Z3950 = "z3950", _("Z39.50")
        SRU = "sru", _("SRU")

    class Syntax(models.TextChoices):
        USMARC = "usmarc", _("MARC 21 (ISO 2709)")
        XML = "xml", _("MARCXML")

    class Charset(models.TextChoices):
        AUTO = "auto", _("Tự nhận biết")
        UTF8 = "utf-8", _("UTF-8")
        MARC8 = "marc-8", _("MARC-8")

    class SRUVersion(models.TextChoices):
        V11 = "1.1", "1.1"
        V12 = "1.2", "1.2"
        V20 = "2.0", "2.0"

    code = models.SlugField(_("mã máy chủ"), max_length=40, unique=True)
    name = models.CharField(_("tên"), max_length=255)
    protocol = models.CharField(
        _("giao thức"), max_length=8, choices=Protocol.choices, default=Protocol.Z3950
    )
    host = models.CharField(_("tên máy (host)"), max_length=255, blank=True)
    port = models.PositiveIntegerField(
        _("cổng"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(65535)]
    )
    database = models.CharField(_("cơ sở dữ liệu"), max_length=100, blank=True)
    syntax = models.CharField(
        _("khổ mẫu biểu ghi"), max_length=8, choices=Syntax.choices, default=Syntax.USMARC
    )
    # What the target's records are in; "auto" lets the reader tell MARC-8, UTF-8 and the
    # Vietnamese legacy encodings apart record by record.
    charset = models.CharField(_("bảng mã"), max_length=8, choices=Charset.choices, default=Charset.AUTO)
    sru_url = models.CharField(
        _("địa chỉ SRU (base URL)"),
        max_length=500,
        blank=True,
        validators=[URLValidator(schemes=["http", "https"])],
    )
    sru_version = models.CharField(
        _("phiên bản SRU"), max_length=4, choices=SRUVersion.choices, default=SRUVersion.V12
    )
    # Servers name MARCXML differently: "marcxml" (LoC, Koha, thuvien), "F" (Zebra's MARC filter).
    sru_schema = models.CharField(_("lược đồ biểu ghi SRU"), max_length=100, default="marcxml")
    user = models.CharField(_("tên đăng nhập"), max_length=100, blank=True)
    # Sent to the target as is, so kept as is; pages never show it back.
    password = models.CharField(_("mật khẩu"), max_length=100, blank=True)
    enabled = models.BooleanField(_("đang dùng"), default=True)
    # The owner: its cataloguers (and those of the libraries under it) search with the target.
    # None is a target of the whole network, which only a system administrator manages.
    library = models.ForeignKey(
        "network.Library",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="copy_targets",
        verbose_name=_("thư viện sở hữu"),
        help_text=_("Để trống: máy chủ dùng chung cho cả mạng lưới (chỉ quản trị hệ thống)."),
    )
    # The explicit permission to reach private, loopback and link-local addresses (SSRF otherwise).
    allow_private = models.BooleanField(_("cho phép địa chỉ nội bộ"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("máy chủ biên mục sao chép")
        verbose_name_plural = _("máy chủ biên mục sao chép")
        ordering = ["name", "code"]

    def __str__(self) -> str:
        return f"{self.code} ({self.name})"

    def clean(self) -> None:
        errors = {}
        if self.protocol == self.Protocol.Z3950:
            if not self.host:
                errors["host"] = _("Máy chủ Z39.50 cần tên máy.")
            if not self.port:
                errors["port"] = _("Máy chủ Z39.50 cần cổng (thường là 210).")
            if not self.database:
                errors["database"] = _("Máy chủ Z39.50 cần tên cơ sở dữ liệu.")
            if self.host and not _plain_host(self.host):
                errors["host"] = _(
                    "Chỉ ghi tên máy hoặc địa chỉ IP, không kèm giao thức, cổng hay đường dẫn."
                )
        elif not self.sru_url:
            errors["sru_url"] = _("Máy chủ SRU cần địa chỉ gốc.")
        if errors:
            raise ValidationError(errors)

    @property
    def address(self) -> str:
        """Where the target is, for display: host:port/database or the SRU URL."""
        if self.protocol == self.Protocol.SRU:
            return self.sru_url
        return f"{self.host}:{self.port}/{self.database}"


def _plain_host(host: str) -> bool:
    return not any(c in host for c in "/@ \t?#") and host.count(":") != 1


class FetchedRecord(models.Model):
    """A record a search brought back, kept briefly for its preview and one-click import.

    The page refers to it by TOKEN (random) and only for the staff member who searched, so the
    record imported is the one the target sent, never bytes from the form.
    """

    token = models.CharField(max_length=43, unique=True)
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey(CopyTarget, null=True, on_delete=models.CASCADE, related_name="+")
    target_code = models.CharField(max_length=40)
    position = models.PositiveIntegerField()
    syntax = models.CharField(max_length=8)
    # How the reader is to decode RAW (the target's declared character set).
    encoding = models.CharField(max_length=10, default="auto")
    raw = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Filled by the import: what became of the record here.
    record = models.ForeignKey(
        "catalog.Record", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("biểu ghi tìm được")
        verbose_name_plural = _("biểu ghi tìm được")

    def __str__(self) -> str:
        return f"{self.target_code} #{self.position}"
