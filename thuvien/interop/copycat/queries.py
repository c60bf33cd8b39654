"""Copy cataloguing reads, scoped to who is asking: the targets one may search or manage, one's fetched records."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from thuvien.accounts.policies import CAN_CATALOGUE
from thuvien.accounts.queries import libraries_for
from thuvien.catalog.models import Identifier, Record
from thuvien.interop.copycat.models import CopyTarget, FetchedRecord
from thuvien.lib.isbn import isbn13
from thuvien.network.models import Library

__all__ = ["catalogue_libraries", "fetched_for", "local_matches", "manageable_targets", "usable_targets"]


def catalogue_libraries(user) -> QuerySet[Library]:
    """Return the libraries USER catalogues for (a copied record may be imported for each)."""
    return libraries_for(user, CAN_CATALOGUE).order_by("path")


def usable_targets(user) -> QuerySet[CopyTarget]:
    """Return the targets USER may search: the network's, and those of a library above, at or under theirs."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return CopyTarget.objects.none()
    if user.is_superuser:
        return CopyTarget.objects.select_related("library")
    paths = list(
        user.staff_roles.filter(role__in=list(CAN_CATALOGUE)).values_list("library__path", flat=True)
    )
    if not paths:
        return CopyTarget.objects.none()
    # A member library's cataloguers use the targets its provincial library set up; the province's
    # use those of its members.
    above = {code for path in paths for code in path.strip("/").split("/") if code}
    condition = Q(library__isnull=True) | Q(library__code__in=above)
    for path in paths:
        condition |= Q(library__path__startswith=path)
    return CopyTarget.objects.filter(condition).select_related("library")


def manageable_targets(user) -> QuerySet[CopyTarget]:
    """Return the targets USER may change: those of libraries they catalogue for (all, for a superuser)."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return CopyTarget.objects.select_related("library")
    return CopyTarget.objects.filter(library__in=libraries_for(user, CAN_CATALOGUE)).select_related("library")


def fetched_for(user, token: str) -> FetchedRecord | None:
    """Return the record USER's search kept under TOKEN, or None (another user's token is nobody's)."""
    if not token or len(token) > 64:
        return None
    return FetchedRecord.objects.filter(token=token, user_id=user.pk).first()


def local_matches(isbns: list[str]) -> dict[str, int]:
    """Map each ISBN (as given) to a live record of the catalogue holding it, when there is one."""
    wanted = {}
    for value in isbns:
        number = isbn13(value)
        if number:
            wanted.setdefault(number, []).append(value)
    if not wanted:
        return {}
    found: dict[str, int] = {}
    rows = (
        Identifier.objects.filter(kind=Identifier.Kind.ISBN, value__in=list(wanted))
        .filter(record__in=Record.objects.filter(deleted_at__isnull=True))
        .values_list("value", "record_id")
        .order_by("record_id")
    )
    for number, record_id in rows:
        for value in wanted[number]:
            found.setdefault(value, record_id)
    return found
