"""IIIF Presentation API 3.0: manifests and collections (/iiif/presentation/...)."""

from django.urls import path

from thuvien.interop.iiif import presentation_views as views

app_name = "iiif_presentation"

urlpatterns = [
    path("collection/top", views.top_view, name="top"),
    path("collection/<slug:code>", views.collection_view, name="collection"),
    path("<int:object_id>/manifest", views.manifest_view, name="manifest"),
]
