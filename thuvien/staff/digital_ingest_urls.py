"""Staff upload and ingest of page images, PDFs and ZIPs (/staff/digital/ingest/)."""

from django.urls import path  # noqa: F401

app_name = "staff_ingest"

urlpatterns: list = []
