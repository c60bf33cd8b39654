from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ReportsConfig(AppConfig):
    name = "thuvien.reports"
    verbose_name = "Thống kê, chỉ tiêu và kiểm tra"

    def ready(self):
        post_migrate.connect(_seed, sender=self, dispatch_uid="thuvien.reports.seed")


def _seed(sender, using="default", **kwargs):
    from thuvien.reports.seed import ensure_indicators

    ensure_indicators()
