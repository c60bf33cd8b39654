from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "thuvien.search"
    verbose_name = "Tìm kiếm"
