"""Readers' remote-copy requests and downloads (/so-hoa/sao-chup/)."""

from django.urls import path  # noqa: F401

app_name = "digital_copies"

urlpatterns: list = []
