"""Inspection rounds in the staff pages (/staff/inspections/)."""

from django.urls import path

from thuvien.staff import inspections

app_name = "staff_inspections"

urlpatterns = [
    path("", inspections.rounds, name="rounds"),
    path("moi/", inspections.round_new, name="round_new"),
    path("<int:round_id>/", inspections.round_detail, name="round"),
    path("<int:round_id>/sua/", inspections.round_edit, name="round_edit"),
    path("<int:round_id>/giao/", inspections.round_assign, name="round_assign"),
    path("<int:round_id>/ket-thuc/", inspections.round_close, name="round_close"),
    path("kiem-tra/<int:inspection_id>/", inspections.inspection_detail, name="inspection"),
    path("minh-chung/<int:evidence_id>/", inspections.evidence_file, name="evidence"),
    path("khac-phuc/", inspections.followups, name="followups"),
    path("khac-phuc/<int:action_id>/", inspections.followup, name="followup"),
]
