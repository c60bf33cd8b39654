"""Staff pages of the digital library: objects, description, access, workflow (/staff/digital/)."""

from django.urls import path  # noqa: F401

app_name = "staff_digital"

urlpatterns: list = []
