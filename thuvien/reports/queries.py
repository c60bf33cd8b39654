"""Who may see and do what in the management information system, scoped by the network tree.

Roles are granted on a library and reach its subtree (``accounts.queries.libraries_for``). Reading the
figures, reports and inspections needs a role of ``CAN_READ_REPORTS``: a commune librarian reads his own
library, the provincial library and the department's managers read the province. Reviewing a report is
for the level above: an administrator of a library strictly above it, or a manager whose scope covers it
(the department stands above the provincial library, which has no library node over it).
"""

from __future__ import annotations

from django.db.models import QuerySet

from thuvien.accounts.models import Role
from thuvien.accounts.policies import (
    CAN_INSPECT,
    CAN_OPEN_INSPECTIONS,
    CAN_PREPARE_REPORTS,
    CAN_READ_REPORTS,
    CAN_SET_TARGETS,
)
from thuvien.accounts.queries import libraries_for
from thuvien.network.models import Library


def readable_libraries(user) -> QuerySet[Library]:
    """Return the libraries whose figures, reports and inspections USER may read."""
    return libraries_for(user, CAN_READ_REPORTS)


def can_read(user, library: Library) -> bool:
    return readable_libraries(user).filter(pk=library.pk).exists()


def is_reports_user(user) -> bool:
    return readable_libraries(user).exists()


def preparable_libraries(user) -> QuerySet[Library]:
    """Return the libraries whose statistics reports, inspection answers and staff records USER may write."""
    return libraries_for(user, CAN_PREPARE_REPORTS)


def can_prepare(user, library: Library) -> bool:
    return preparable_libraries(user).filter(pk=library.pk).exists()


def _granted_paths(user, roles) -> list[str]:
    return list(user.staff_roles.filter(role__in=list(roles)).values_list("library__path", flat=True))


def can_review(user, library: Library) -> bool:
    """May USER return or approve LIBRARY's reports (never his own submission: see the actions)?"""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    for path in _granted_paths(user, [Role.MANAGER]):
        if library.path.startswith(path):
            return True
    for path in _granted_paths(user, [Role.ADMIN]):
        if library.path.startswith(path) and library.path != path:
            return True
    return False


def reviewable_libraries(user) -> QuerySet[Library]:
    """Return the libraries whose reports USER may review (see ``can_review``)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Library.objects.none()
    if user.is_superuser:
        return Library.objects.all()
    ids = [lib.pk for lib in readable_libraries(user) if can_review(user, lib)]
    return Library.objects.filter(pk__in=ids)


def can_set_targets(user, province: Library) -> bool:
    return libraries_for(user, CAN_SET_TARGETS).filter(pk=province.pk).exists()


def can_open_inspections(user, authority: Library) -> bool:
    return libraries_for(user, CAN_OPEN_INSPECTIONS).filter(pk=authority.pk).exists()


def can_inspect(user, library: Library) -> bool:
    return libraries_for(user, CAN_INSPECT).filter(pk=library.pk).exists()


def default_scope(user) -> Library | None:
    """Return the highest library USER reads: the dashboard's starting point."""
    return readable_libraries(user).order_by("path").first()
