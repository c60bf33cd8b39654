from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running the system: the web server, the background worker, health checks."""

    name = "thuvien.ops"
    verbose_name = "Vận hành"
