"""Staff upload and ingest of page images, PDFs and ZIPs (/staff/digital/ingest/)."""

from django.urls import path

from thuvien.staff import digital_ingest

app_name = "staff_ingest"

urlpatterns = [
    path("", digital_ingest.upload, name="upload"),
]
