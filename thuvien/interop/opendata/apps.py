from django.apps import AppConfig


class OpenDataConfig(AppConfig):
    name = "thuvien.interop.opendata"
    label = "opendata"
    verbose_name = "Dữ liệu mở"
