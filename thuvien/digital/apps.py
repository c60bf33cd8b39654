from django.apps import AppConfig


class DigitalConfig(AppConfig):
    name = "thuvien.digital"
    verbose_name = "Thư viện số"
