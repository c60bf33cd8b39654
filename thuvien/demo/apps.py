from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "thuvien.demo"
    verbose_name = "Dữ liệu mẫu"
