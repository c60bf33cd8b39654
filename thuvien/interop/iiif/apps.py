from django.apps import AppConfig


class IiifConfig(AppConfig):
    name = "thuvien.interop.iiif"
    label = "iiif"
    verbose_name = "IIIF"
