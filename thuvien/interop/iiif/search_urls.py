"""IIIF Content Search 1.0 and 2.0 (/iiif/search/1|2/<object>)."""

from django.urls import path

from thuvien.interop.iiif import search

app_name = "iiif_search"

urlpatterns = [
    path("1/<int:object_id>", search.search_1, name="search1"),
    path("2/<int:object_id>", search.search_2, name="search2"),
]
