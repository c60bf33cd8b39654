from django.urls import path

from thuvien.staff import statistics

app_name = "staff_statistics"

urlpatterns = [
    path("", statistics.report_list, name="list"),
    path("new/", statistics.report_create, name="create"),
    path("summary/", statistics.summary, name="summary"),
    path("summary/export.<str:fmt>", statistics.summary_export, name="summary_export"),
    path("<int:pk>/", statistics.report_detail, name="report"),
    path("<int:pk>/save/", statistics.report_save, name="save"),
    path("<int:pk>/refresh/", statistics.report_refresh, name="refresh"),
    path("<int:pk>/submit/", statistics.report_transition, {"action": "submit"}, name="submit"),
    path("<int:pk>/return/", statistics.report_transition, {"action": "return"}, name="return"),
    path("<int:pk>/approve/", statistics.report_transition, {"action": "approve"}, name="approve"),
    path("<int:pk>/export.<str:fmt>", statistics.report_export, name="export"),
]
