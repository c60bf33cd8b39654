"""Staff handling of readers' remote-copy requests (/staff/digital/copies/)."""

from django.urls import path  # noqa: F401

app_name = "staff_copies"

urlpatterns: list = []
