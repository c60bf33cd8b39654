from django.urls import path

from thuvien.staff import reports

app_name = "staff_reports"

urlpatterns = [
    path("", reports.dashboard, name="dashboard"),
]
