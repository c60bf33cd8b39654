from django.urls import path

from thuvien.staff import reports, reports_admin

app_name = "staff_reports"

urlpatterns = [
    path("", reports.dashboard, name="dashboard"),
    path("refresh/", reports.refresh, name="refresh"),
    path("targets/", reports_admin.targets, name="targets"),
    path("settings/", reports_admin.indicator_list, name="settings"),
    path("settings/new/", reports_admin.indicator_edit, name="indicator_new"),
    path("indicators/<slug:code>/", reports.indicator, name="indicator"),
    path("indicators/<slug:code>/map.geojson", reports.indicator_map, name="indicator_map"),
    path("indicators/<slug:code>/edit/", reports_admin.indicator_edit, name="indicator_edit"),
    path("indicators/<slug:code>/<str:library_code>/<int:year>/", reports.trace, name="trace"),
]
