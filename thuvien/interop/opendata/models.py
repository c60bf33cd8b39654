from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# The dataset of the whole network; a library's dataset is keyed by the library's code.
NETWORK = "network"


class DumpFormat(models.TextChoices):
    MARCXML = "marcxml", "MARCXML"
    CSV = "csv", "CSV"
    JSONLD = "jsonld", "JSON-LD (schema.org)"


class Dataset(models.Model):
    """What one set of dumps covers (the network, or a library and its subtree) and when it was last run."""

    key = models.CharField(_("mã"), max_length=40, unique=True)
    library = models.ForeignKey(
        "network.Library",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("thư viện"),
    )
    attempted_at = models.DateTimeField(_("lần chạy gần nhất"), null=True, blank=True)
    published_at = models.DateTimeField(_("lần xuất thành công gần nhất"), null=True, blank=True)
    error = models.TextField(_("lỗi lần chạy gần nhất"), blank=True)

    class Meta:
        verbose_name = _("bộ dữ liệu mở")
        verbose_name_plural = _("bộ dữ liệu mở")

    def __str__(self) -> str:
        return self.key


class Dump(models.Model):
    """The current published file of one dataset in one format."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="dumps")
    format = models.CharField(_("định dạng"), max_length=10, choices=DumpFormat.choices)
    # The name in the download URL stays the same from one dump to the next; the file on disk
    # (stored_name) is new each time, so the row and the file it describes change together.
    file_name = models.CharField(_("tên tệp"), max_length=200, unique=True)
    stored_name = models.CharField(max_length=200)
    records = models.PositiveIntegerField(_("số biểu ghi"))
    size = models.PositiveBigIntegerField(_("dung lượng (byte)"))
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("thời điểm xuất"))
    seconds = models.FloatField(_("thời gian xuất (giây)"), default=0)

    class Meta:
        verbose_name = _("tệp dữ liệu mở")
        verbose_name_plural = _("tệp dữ liệu mở")
        constraints = [
            models.UniqueConstraint(fields=["dataset", "format"], name="dump_dataset_format_unique")
        ]

    def __str__(self) -> str:
        return self.file_name
