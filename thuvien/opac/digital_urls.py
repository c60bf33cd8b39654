"""The public digital library: browse, read (Mirador), exports and downloads (/so-hoa/)."""

from django.urls import path

from thuvien.opac import digital as views

app_name = "digital"

urlpatterns = [
    path("", views.index_view, name="index"),
    path("<int:object_id>/", views.object_view, name="object"),
    path("<int:object_id>/tai-ve.pdf", views.pdf_view, name="pdf"),
    path("<int:object_id>/mets.xml", views.mets_view, name="mets"),
    path("<int:object_id>/dc.xml", views.dc_view, name="dc"),
    path("<int:object_id>/trang/<int:seq>/alto.xml", views.alto_view, name="page_alto"),
]
