"""IIIF Image API 3.0: info.json and image requests (/iiif/3/<object>-<seq>/...)."""

from django.urls import path  # noqa: F401

app_name = "iiif_image"

urlpatterns: list = []
