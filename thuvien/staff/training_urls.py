from django.urls import path  # noqa: F401

app_name = "staff_training"

urlpatterns: list = []
