from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "thuvien.accounts"
    verbose_name = "Tài khoản"
