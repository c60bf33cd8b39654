"""Staff OCR review and correction (/staff/digital/ocr/)."""

from django.urls import path  # noqa: F401

app_name = "staff_ocr"

urlpatterns: list = []
