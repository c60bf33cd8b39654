"""IIIF Presentation API 3.0: manifests and collections (/iiif/presentation/...)."""

from django.urls import path  # noqa: F401

app_name = "iiif_presentation"

urlpatterns: list = []
