"""Readers' remote-copy requests and downloads (/so-hoa/sao-chup/)."""

from django.urls import path

from thuvien.opac import digital_copies

app_name = "digital_copies"

urlpatterns: list = [
    path("", digital_copies.mine_view, name="mine"),
    path("yeu-cau/<int:object_id>/", digital_copies.request_view, name="request"),
    path("<int:request_id>/tai-ve/", digital_copies.download_view, name="download"),
    path("<int:request_id>/huy/", digital_copies.cancel_view, name="cancel"),
]
