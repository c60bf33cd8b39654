"""Background refresh of the stored indicator values the dashboards read."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from thuvien.network.models import Library
from thuvien.reports import snapshots


@task()
def refresh_indicators(year: int | None = None, scope_id: int | None = None) -> int:
    """Recompute YEAR's stored values (this year when None) for the libraries of SCOPE_ID (all when None)."""
    scope = Library.objects.filter(pk=scope_id).first() if scope_id else None
    if scope_id and scope is None:
        return 0
    return snapshots.refresh(year or timezone.localdate().year, scope)


def refresh_if_stale(max_age_hours: float = 20) -> int:
    """Refresh this year's values when the newest is older than MAX_AGE_HOURS (the worker's daily job)."""
    from django.db.models import Max

    from thuvien.reports.models import IndicatorValue, ValueOrigin

    year = timezone.localdate().year
    newest = (
        IndicatorValue.objects.filter(year=year)
        .exclude(origin=ValueOrigin.IMPORTED)
        .aggregate(newest=Max("computed_at"))["newest"]
    )
    if newest is not None and (timezone.now() - newest).total_seconds() < max_age_hours * 3600:
        return 0
    if not Library.objects.exists():
        return 0
    return snapshots.refresh(year)
