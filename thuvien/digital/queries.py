"""Permission-checked reads of digital material: every interface asks here, never the models directly."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from thuvien.accounts.policies import CAN_CATALOGUE
from thuvien.accounts.queries import libraries_for
from thuvien.digital import policies
from thuvien.digital.models import AccessLevel, DigitalObject, Page, Stage
from thuvien.digital.policies import ANONYMOUS, Viewer


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]):
    return tuple(ipaddress.ip_network(s, strict=False) for s in spec)


def on_library_network(address: str) -> bool:
    """Is ADDRESS inside one of the libraries' own networks (settings.DIGITAL_LIBRARY_NETWORKS)?"""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return False
    return any(ip in net for net in _networks(tuple(settings.DIGITAL_LIBRARY_NETWORKS)))


def card_in_use(reader) -> bool:
    """Is READER's card active and unexpired (what restricted material asks of a reader)?"""
    from thuvien.patrons.models import ReaderStatus

    expires = reader.expires_on
    return reader.status == ReaderStatus.ACTIVE and (expires is None or expires >= timezone.localdate())


def viewer_for_user(user=None, reader=None, address: str = "") -> Viewer:
    """The Viewer for a staff USER and/or a signed-in READER, asking from ADDRESS."""
    staff_paths: tuple[str, ...] = ()
    all_libraries = False
    user_id = None
    if user is not None and getattr(user, "is_authenticated", False) and user.is_active:
        user_id = user.pk
        if user.is_superuser:
            all_libraries = True
        else:
            staff_paths = tuple(libraries_for(user, CAN_CATALOGUE).values_list("path", flat=True))
    if reader is not None and not card_in_use(reader):
        reader = None  # a card awaiting approval or expired reads what the public reads
    return Viewer(
        staff_paths=staff_paths,
        all_libraries=all_libraries,
        reader_id=getattr(reader, "pk", None),
        on_site=on_library_network(address),
        user_id=user_id,
    )


def viewer_for(request) -> Viewer:
    """The Viewer of an HTTP request: its staff user, its signed-in OPAC reader, its address."""
    cached = getattr(request, "_digital_viewer", None)
    if cached is not None:
        return cached
    from thuvien.opac.reader_auth import current_reader

    reader = current_reader(request) if hasattr(request, "session") else None
    viewer = viewer_for_user(getattr(request, "user", None), reader, request.META.get("REMOTE_ADDR", ""))
    request._digital_viewer = viewer
    return viewer


def _visible_q(viewer: Viewer, today, prefix: str = "") -> Q:
    """The objects VIEWER may see, as a filter on DigitalObject (PREFIX: the path to it from another model)."""
    if viewer.all_libraries:
        return Q()
    levels = [AccessLevel.OPEN]
    if viewer.may_read_restricted:
        levels.append(AccessLevel.RESTRICTED)
    condition = Q(**{f"{prefix}stage": Stage.PUBLISHED, f"{prefix}access__in": levels}) & (
        Q(**{f"{prefix}embargo_until__isnull": True}) | Q(**{f"{prefix}embargo_until__lte": today})
    )
    for path in viewer.staff_paths:
        condition |= Q(**{f"{prefix}library__path__startswith": path})
    return condition


def visible_objects(viewer: Viewer = ANONYMOUS) -> QuerySet[DigitalObject]:
    """Every object VIEWER may read online (staff: also their libraries' secret and unpublished ones)."""
    return DigitalObject.objects.filter(_visible_q(viewer, timezone.localdate())).select_related("library")


def visible_object(viewer: Viewer, pk) -> DigitalObject | None:
    """The object PK if VIEWER may read it, else None (callers answer 404: its existence is not revealed)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return visible_objects(viewer).filter(pk=pk).first()


def visible_pages(viewer: Viewer, obj: DigitalObject) -> QuerySet[Page]:
    """The pages of OBJ (already visible to VIEWER) that VIEWER may see: overrides can hide some pages."""
    pages = obj.pages.all()
    if viewer.manages(obj.library.path):
        return pages
    # The object is visible, so its own level is one VIEWER may read; a page is stricter only by override.
    hidden = {AccessLevel.SECRET}
    if not viewer.may_read_restricted:
        hidden.add(AccessLevel.RESTRICTED)
    return pages.exclude(access_override__in=hidden)


def visible_page(viewer: Viewer, object_id, seq, *, light: bool = False) -> Page | None:
    """Page SEQ of object OBJECT_ID if VIEWER may see it, else None; one query (LIGHT: without its OCR)."""
    try:
        object_id, seq = int(object_id), int(seq)
    except (TypeError, ValueError):
        return None
    pages = Page.objects.select_related("object__library").filter(
        _visible_q(viewer, timezone.localdate(), prefix="object__"), object_id=object_id, seq=seq
    )
    if light:
        # An image request needs the page's size, not its text, word boxes, hOCR and ALTO.
        pages = pages.defer("text", "text_folded", "words", "hocr", "alto")
    page = pages.first()
    if page is None:
        return None
    if not viewer.manages(page.object.library.path):
        hidden = (
            {AccessLevel.SECRET}
            if viewer.may_read_restricted
            else {AccessLevel.SECRET, AccessLevel.RESTRICTED}
        )
        if page.access_override in hidden:
            return None
    return page


def may_download(viewer: Viewer, obj: DigitalObject, page: Page | None = None) -> bool:
    return policies.may_download(
        viewer,
        library_path=obj.library.path,
        access=obj.access,
        stage=obj.stage,
        embargo_until=obj.embargo_until,
        today=timezone.localdate(),
        override=page.access_override if page is not None else "",
    )


def objects_for_staff(user) -> QuerySet[DigitalObject]:
    """The objects a staff USER manages (his cataloguing libraries' subtree)."""
    return DigitalObject.objects.filter(library__in=libraries_for(user, CAN_CATALOGUE)).select_related(
        "library"
    )


def can_manage_object(user, obj: DigitalObject) -> bool:
    return libraries_for(user, CAN_CATALOGUE).filter(pk=obj.library_id).exists()


def public_objects_of_record(record_id: int, viewer: Viewer = ANONYMOUS) -> QuerySet[DigitalObject]:
    """The objects of a catalogue record that VIEWER may read, for the record page."""
    return visible_objects(viewer).filter(record_id=record_id)
