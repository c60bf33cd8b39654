from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from thuvien.accounts.policies import CAN_CATALOGUE, CAN_MANAGE_NETWORK, CAN_VIEW_STAFF
from thuvien.network.models import Library


def libraries_for(user, roles: Iterable[str] = CAN_VIEW_STAFF) -> QuerySet[Library]:
    """Return the libraries USER may act on with one of ROLES: each granted library and its subtree."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Library.objects.none()
    if user.is_superuser:
        return Library.objects.all()
    paths = list(user.staff_roles.filter(role__in=list(roles)).values_list("library__path", flat=True))
    if not paths:
        return Library.objects.none()
    condition = Q()
    for path in paths:
        condition |= Q(path__startswith=path)
    return Library.objects.filter(condition)


def can_catalogue(user, library: Library | None = None) -> bool:
    libraries = libraries_for(user, CAN_CATALOGUE)
    return libraries.exists() if library is None else libraries.filter(pk=library.pk).exists()


def can_manage(user, library: Library) -> bool:
    return libraries_for(user, CAN_MANAGE_NETWORK).filter(pk=library.pk).exists()


def is_staff_member(user) -> bool:
    return libraries_for(user).exists()
