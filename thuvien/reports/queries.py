"""Who may see and do what in the management information system, scoped by the network tree.

Roles are granted on a library and reach its subtree (``accounts.queries.libraries_for``). Reading the
figures, reports and inspections needs a role of ``CAN_READ_REPORTS``: a commune librarian reads his own
library, the provincial library and the department's managers read the province. Reviewing a report is
for the level above: an administrator of a library strictly above it, or a manager whose scope covers it
(the department stands above the provincial library, which has no library node over it).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

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


def _review_paths(user) -> tuple[list[str], list[str]] | None:
    """Return the paths USER reviews from, (managers' subtrees, administrators' subtrees); None for nobody."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return _granted_paths(user, [Role.MANAGER]), _granted_paths(user, [Role.ADMIN])


def can_review(user, library: Library) -> bool:
    """May USER return or approve LIBRARY's reports (never his own submission: see the actions)?"""
    paths = _review_paths(user)
    if paths is None:
        return False
    if user.is_superuser:
        return True
    managers, admins = paths
    return any(library.path.startswith(p) for p in managers) or any(
        library.path.startswith(p) and library.path != p for p in admins
    )


def reviewable_libraries(user) -> QuerySet[Library]:
    """Return the libraries whose reports USER may review (see ``can_review``), in one query."""
    paths = _review_paths(user)
    if paths is None:
        return Library.objects.none()
    if user.is_superuser:
        return Library.objects.all()
    managers, admins = paths
    condition = Q(pk__in=[])
    for path in managers:
        condition |= Q(path__startswith=path)
    for path in admins:
        condition |= Q(path__startswith=path) & ~Q(path=path)
    return Library.objects.filter(condition)


def can_set_targets(user, province: Library) -> bool:
    return libraries_for(user, CAN_SET_TARGETS).filter(pk=province.pk).exists()


def can_open_inspections(user, authority: Library) -> bool:
    return libraries_for(user, CAN_OPEN_INSPECTIONS).filter(pk=authority.pk).exists()


def can_inspect(user, library: Library) -> bool:
    return libraries_for(user, CAN_INSPECT).filter(pk=library.pk).exists()


def default_scope(user) -> Library | None:
    """Return the highest library USER reads: the dashboard's starting point."""
    return readable_libraries(user).order_by("path").first()
