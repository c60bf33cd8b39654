"""The accessible plain-text view of each page (/so-hoa/<object>/trang/<seq>/)."""

from django.urls import path

from thuvien.opac import digital_text

app_name = "digital_text"

urlpatterns = [
    path("<int:object_id>/trang/<int:seq>/", digital_text.page_view, name="page"),
]
