from django.apps import AppConfig


class Z3950Config(AppConfig):
    name = "thuvien.interop.z3950"
    label = "z3950"
    verbose_name = "Z39.50"
