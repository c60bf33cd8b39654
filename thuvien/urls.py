from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import set_language

from thuvien.api.urls import api

urlpatterns = [
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    # The OpenAPI documentation is also at the short address the issue gives.
    path("api/docs", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
    path("staff/rules/", include("thuvien.staff.rules_urls")),
    path("staff/harvest/", include("thuvien.staff.harvest_urls")),
    path("staff/duplicates/", include("thuvien.staff.dedup_urls")),
    path("staff/copycat/", include("thuvien.staff.copycat_urls")),
    path("staff/digital/ingest/", include("thuvien.staff.digital_ingest_urls")),
    path("staff/digital/ocr/", include("thuvien.staff.digital_ocr_urls")),
    path("staff/digital/copies/", include("thuvien.staff.digital_copies_urls")),
    path("staff/digital/", include("thuvien.staff.digital_urls")),
    # The management information system (thuvien/reports): dashboards, reports, inspections, staff, register.
    path("staff/reports/", include("thuvien.staff.reports_urls")),
    path("staff/statistics/", include("thuvien.staff.statistics_urls")),
    path("staff/inspections/", include("thuvien.staff.inspections_urls")),
    path("staff/training/", include("thuvien.staff.training_urls")),
    path("staff/register/", include("thuvien.staff.register_urls")),
    path("iiif/", include("thuvien.interop.iiif.urls")),
    path("so-hoa/sao-chup/", include("thuvien.opac.digital_copies_urls")),
    path("so-hoa/", include("thuvien.opac.digital_text_urls")),
    path("so-hoa/", include("thuvien.opac.digital_urls")),
    path("", include("thuvien.interop.oaipmh.urls")),
    path("", include("thuvien.interop.opendata.urls")),
    path("", include("thuvien.interop.sru.urls")),
    path("staff/", include("thuvien.staff.urls")),
    path("", include("thuvien.opac.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

admin.site.site_header = "thuvien — quản trị"
admin.site.site_title = "thuvien"
