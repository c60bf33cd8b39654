"""Staff pages of the digital library: objects, description, access, workflow (/staff/digital/)."""

from django.urls import path

from thuvien.staff import digital

app_name = "staff_digital"

urlpatterns = [
    path("", digital.object_list, name="list"),
    path("stats/", digital.stats, name="stats"),
    path("new/", digital.object_new, name="new"),
    path("<int:object_id>/", digital.object_detail, name="detail"),
    path("<int:object_id>/edit/", digital.object_edit, name="edit"),
    path("<int:object_id>/delete/", digital.object_delete, name="delete"),
    path("<int:object_id>/access/", digital.object_access, name="access"),
    path("<int:object_id>/stage/", digital.object_stage, name="stage"),
    path("<int:object_id>/pages/", digital.object_pages, name="pages"),
    path("<int:object_id>/toc/", digital.object_toc, name="toc"),
    path("<int:object_id>/collections/", digital.object_collections, name="collections"),
]
