"""The management dashboards (/staff/reports/): indicators against targets, ranking, map, drill-down."""

from __future__ import annotations

from django.shortcuts import render

from thuvien.staff.views import reports_required


@reports_required
def dashboard(request):
    return render(request, "staff/reports/dashboard.html", {})
