from django.urls import path

from thuvien.staff import harvest

app_name = "staff_harvest"

urlpatterns = [
    path("", harvest.sources, name="sources"),
    path("new/", harvest.source_new, name="source_new"),
    path("runs/<int:run_id>/", harvest.run_detail, name="run"),
    path("<slug:code>/", harvest.source_detail, name="source"),
    path("<slug:code>/edit/", harvest.source_edit, name="source_edit"),
    path("<slug:code>/run/", harvest.source_run, name="source_run"),
]
