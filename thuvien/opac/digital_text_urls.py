"""The accessible plain-text view of each page (/so-hoa/<object>/trang/<seq>/)."""

from django.urls import path  # noqa: F401

app_name = "digital_text"

urlpatterns: list = []
