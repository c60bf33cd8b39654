"""IIIF Content Search 1.0 and 2.0 (/iiif/search/1|2/<object>)."""

from django.urls import path  # noqa: F401

app_name = "iiif_search"

urlpatterns: list = []
