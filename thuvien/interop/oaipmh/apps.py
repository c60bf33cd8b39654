from django.apps import AppConfig


class OaiPmhConfig(AppConfig):
    name = "thuvien.interop.oaipmh"
    label = "oaipmh"
    verbose_name = "OAI-PMH"
