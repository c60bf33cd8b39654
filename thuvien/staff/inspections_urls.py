from django.urls import path  # noqa: F401

app_name = "staff_inspections"

urlpatterns: list = []
