from django.apps import AppConfig


class PatronsConfig(AppConfig):
    name = "thuvien.patrons"
    verbose_name = "Bạn đọc"
