from django.urls import path

app_name = "staff_copycat"

urlpatterns: list = []
