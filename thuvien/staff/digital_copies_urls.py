"""Staff handling of readers' remote-copy requests (/staff/digital/copies/)."""

from django.urls import path

from thuvien.staff import digital_copies

app_name = "staff_copies"

urlpatterns: list = [
    path("", digital_copies.list_view, name="list"),
    path("quy-dinh-phi/", digital_copies.rule_view, name="rule"),
    path("<int:request_id>/", digital_copies.detail_view, name="detail"),
    path("<int:request_id>/tep/", digital_copies.file_view, name="file"),
]
