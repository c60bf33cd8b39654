"""Staff OCR review and correction (/staff/digital/ocr/)."""

from django.urls import path

from thuvien.staff import digital_ocr as views

app_name = "staff_ocr"

urlpatterns = [
    path("", views.queue_view, name="queue"),
    path("<int:page_id>/", views.page_view, name="page"),
    path("<int:page_id>/rerun/", views.rerun_view, name="rerun"),
    path("object/<int:object_id>/run/", views.run_object_view, name="run_object"),
]
