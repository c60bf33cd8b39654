from django.apps import AppConfig


class CopycatConfig(AppConfig):
    name = "thuvien.interop.copycat"
    label = "copycat"
    verbose_name = "Biên mục sao chép"
