from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Sip2Config(AppConfig):
    """Self-check kiosks speaking SIP2: their accounts and the daemon that serves them."""

    name = "thuvien.interop.sip2"
    label = "sip2"
    verbose_name = _("Máy tự mượn trả (SIP2)")
