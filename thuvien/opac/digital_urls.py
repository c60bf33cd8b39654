"""The public digital library: browse, read (Mirador), page text, exports (/so-hoa/)."""

from django.urls import path  # noqa: F401

app_name = "digital"

urlpatterns: list = []
