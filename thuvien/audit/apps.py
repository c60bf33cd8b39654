from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "thuvien.audit"
    verbose_name = "Nhật ký"
