from django.urls import path

from thuvien.opac import views

app_name = "opac"

urlpatterns = [
    path("", views.home, name="home"),
    path("search", views.search_view, name="search"),
    path("suggest", views.suggest_view, name="suggest"),
    path("record/<int:record_id>/", views.record_view, name="record"),
    path("record/<int:record_id>/marc", views.record_marc_view, name="record_marc"),
    path("record/<int:record_id>/cite.<str:fmt>", views.citation_view, name="citation"),
    path("new/", views.new_view, name="new"),
    path("libraries/", views.libraries_view, name="libraries"),
    path("libraries/<str:code>/", views.library_view, name="library"),
    path("health", views.health_view, name="health"),
]
