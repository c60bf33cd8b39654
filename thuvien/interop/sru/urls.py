from django.urls import path

from . import views

app_name = "sru"

urlpatterns = [
    path("sru", views.sru, name="sru"),
]
