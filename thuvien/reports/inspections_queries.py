"""Who sees which inspection rounds, inspections, evidence and follow-up actions; who may do what on them.

Reading follows the reports' scope (``queries.readable_libraries``): a library's staff read their own
library's inspection (and, like the provincial library's staff, those of the libraries below theirs), the
department's managers and inspectors read the whole province. The inspector a manager assigned to an
inspection also reads it. Rounds are seen by who oversees them (may inspect their authority) and by who
reads one of their inspections; everything else is out of scope, a 404 for the pages.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from thuvien.accounts.models import StaffRole
from thuvien.accounts.policies import CAN_INSPECT, CAN_OPEN_INSPECTIONS
from thuvien.accounts.queries import libraries_for
from thuvien.audit.models import AuditEntry
from thuvien.network.models import Library
from thuvien.reports.models import (
    Evidence,
    FollowUpAction,
    Inspection,
    InspectionRound,
    InspectionStatus,
)
from thuvien.reports.queries import (
    can_inspect,
    can_open_inspections,
    can_prepare,
    can_read,
    readable_libraries,
)


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


# Rules on one object -------------------------------------------------------------------------------------


def oversees(user, rnd: InspectionRound) -> bool:
    """May USER see the whole of round RND (every inspection, the progress)? Managers and inspectors above it."""
    return can_inspect(user, rnd.authority)


def may_manage_round(user, rnd: InspectionRound) -> bool:
    return can_open_inspections(user, rnd.authority)


def is_assigned_inspector(user, inspection: Inspection) -> bool:
    return _signed_in(user) and inspection.inspector_id is not None and inspection.inspector_id == user.pk


def may_read(user, inspection: Inspection) -> bool:
    return can_read(user, inspection.library) or is_assigned_inspector(user, inspection)


def may_answer(user, inspection: Inspection) -> bool:
    """May USER write INSPECTION's answers and evidence, and report its follow-up actions done (role only)?"""
    return can_prepare(user, inspection.library)


def may_score(user, inspection: Inspection) -> bool:
    """May USER score INSPECTION, return it, and close or reopen its follow-up actions (role only)?"""
    return can_inspect(user, inspection.library) or is_assigned_inspector(user, inspection)


def is_overdue(action: FollowUpAction, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return (
        action.due_on is not None and action.due_on < today and action.status != FollowUpAction.Status.CLOSED
    )


# Lists -----------------------------------------------------------------------------------------------


def inspections_for(user) -> QuerySet[Inspection]:
    """Return the inspections USER may read."""
    if not _signed_in(user):
        return Inspection.objects.none()
    return Inspection.objects.filter(Q(library__in=readable_libraries(user)) | Q(inspector=user))


def rounds_for(user) -> QuerySet[InspectionRound]:
    """Return the rounds USER sees: those he oversees, and those with an inspection he may read."""
    if not _signed_in(user):
        return InspectionRound.objects.none()
    overseen = Q(authority__in=libraries_for(user, CAN_INSPECT))
    ids = inspections_for(user).values("round_id")
    return InspectionRound.objects.filter(overseen | Q(pk__in=ids)).select_related("authority")


def round_for(user, round_id) -> InspectionRound | None:
    return rounds_for(user).filter(pk=round_id).first()


def inspections_in_round(user, rnd: InspectionRound) -> QuerySet[Inspection]:
    """Return the inspections of RND that USER may read, in the order of the network tree."""
    mine = Inspection.objects.all() if oversees(user, rnd) else inspections_for(user)
    return mine.filter(round=rnd).select_related("library", "inspector").order_by("library__path")


def inspection_for(user, inspection_id) -> Inspection | None:
    return (
        inspections_for(user)
        .select_related("round__authority", "library", "inspector")
        .filter(pk=inspection_id)
        .first()
    )


def evidence_for(user, evidence_id) -> Evidence | None:
    """Return the evidence file EVIDENCE_ID when USER may read its inspection, else None."""
    return (
        Evidence.objects.filter(answer__inspection__in=inspections_for(user))
        .select_related("answer__inspection")
        .filter(pk=evidence_id)
        .first()
    )


def actions_for(user) -> QuerySet[FollowUpAction]:
    """Return the follow-up actions of the inspections USER may read."""
    return FollowUpAction.objects.filter(inspection__in=inspections_for(user)).select_related(
        "inspection__library", "inspection__round"
    )


def action_for(user, action_id) -> FollowUpAction | None:
    return actions_for(user).filter(pk=action_id).first()


def progress(inspections: QuerySet[Inspection]) -> dict[str, int]:
    """Count INSPECTIONS by status: {'assigned': n, 'answered': n, 'scored': n, 'total': n}."""
    counts = dict(inspections.order_by().values_list("status").annotate(n=Count("pk")))
    result = {status: counts.get(status, 0) for status in InspectionStatus.values}
    result["total"] = sum(result.values())
    return result


def authorities_for(user) -> QuerySet[Library]:
    """Return the libraries USER may open rounds for: where he holds a manager's role (roots for superusers)."""
    if not _signed_in(user):
        return Library.objects.none()
    if user.is_superuser:
        return Library.objects.filter(parent__isnull=True)
    ids = user.staff_roles.filter(role__in=list(CAN_OPEN_INSPECTIONS)).values("library_id")
    return Library.objects.filter(pk__in=ids)


def inspector_candidates(authority: Library) -> list:
    """Return the active users who may inspect some library of AUTHORITY's subtree, by username."""
    ancestors = {lib.pk for lib in authority.ancestors()}
    user_ids = set()
    for role in StaffRole.objects.filter(role__in=list(CAN_INSPECT)).select_related("library"):
        if role.library_id in ancestors or role.library.path.startswith(authority.path):
            user_ids.add(role.user_id)
    return list(get_user_model().objects.filter(pk__in=user_ids, is_active=True).order_by("username"))


def returned_comment(inspection: Inspection) -> AuditEntry | None:
    """The last 'return for completion' of INSPECTION (its comment is in ``data['comment']``), if any."""
    return (
        AuditEntry.objects.filter(
            type="reports.inspection.returned", object_type="reports.inspection", object_id=str(inspection.pk)
        )
        .select_related("actor")
        .order_by("-id")
        .first()
    )


def history(inspection: Inspection) -> list[AuditEntry]:
    """Return the audit entries of INSPECTION and of its follow-up actions, oldest first."""
    action_ids = [str(pk) for pk in inspection.actions.values_list("pk", flat=True)]
    return list(
        AuditEntry.objects.filter(
            Q(object_type="reports.inspection", object_id=str(inspection.pk))
            | Q(object_type="reports.followupaction", object_id__in=action_ids)
        )
        .select_related("actor")
        .order_by("id")
    )
