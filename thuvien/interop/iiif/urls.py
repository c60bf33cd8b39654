"""IIIF: Image API 3.0, Presentation API 3.0 and Content Search 1.0/2.0, mounted at /iiif/."""

from django.urls import include, path

urlpatterns = [
    path("3/", include("thuvien.interop.iiif.image_urls")),
    path("presentation/", include("thuvien.interop.iiif.presentation_urls")),
    path("search/", include("thuvien.interop.iiif.search_urls")),
]
