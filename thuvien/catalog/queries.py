"""Permission-aware reads of the catalogue."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from thuvien.accounts.policies import CAN_CATALOGUE
from thuvien.accounts.queries import libraries_for
from thuvien.catalog.models import Item, ItemStatus, Record

PUBLIC_ITEM_EXCLUDE = [ItemStatus.WITHDRAWN]


def public_records() -> QuerySet[Record]:
    """Return the records the OPAC and every public interface may show."""
    return Record.objects.filter(suppressed=False, deleted_at__isnull=True)


def public_record(record_id: int) -> Record | None:
    """Return one public record with its visible items (live status) in ``public_items``."""
    items = (
        Item.objects.exclude(status__in=PUBLIC_ITEM_EXCLUDE)
        .select_related("library", "current_library")
        .order_by("library__path", "call_number", "barcode")
    )
    return (
        public_records()
        .filter(pk=record_id)
        .prefetch_related(Prefetch("items", queryset=items, to_attr="public_items"))
        .first()
    )


def merged_survivor(record_id: int) -> int | None:
    """Return the public record that RECORD_ID was merged into (through later merges too), if any."""
    seen = set()
    current = record_id
    while current not in seen and len(seen) < 10:
        seen.add(current)
        row = Record.objects.filter(pk=current).values_list("merged_into_id", flat=True).first()
        if row is None:
            break
        current = row
    if current == record_id:
        return None
    return current if public_records().filter(pk=current).exists() else None


def contributors(record: Record) -> list:
    """Return the libraries whose catalogues gave RECORD: its own source and those of records merged into it."""
    from thuvien.network.models import Library

    ids = set(Record.objects.filter(merged_into=record).values_list("source_library_id", flat=True))
    ids.add(record.source_library_id)
    ids.discard(None)
    return list(Library.objects.filter(pk__in=ids).order_by("path"))


def new_acquisitions(limit: int = 20, library_path: str | None = None) -> list[Record]:
    """Return public records by their most recently acquired copy."""
    items = Item.objects.exclude(status__in=PUBLIC_ITEM_EXCLUDE).filter(acquired_on__isnull=False)
    if library_path:
        items = items.filter(library__path__startswith=library_path)
    ids = []
    for record_id in items.order_by("-acquired_on", "-id").values_list("record_id", flat=True)[: limit * 5]:
        if record_id not in ids:
            ids.append(record_id)
        if len(ids) >= limit:
            break
    by_id = {r.pk: r for r in public_records().filter(pk__in=ids)}
    return [by_id[i] for i in ids if i in by_id]


def records_for_staff(user) -> QuerySet[Record]:
    """Return the records USER may edit: those held or contributed by a library in their cataloguing scope."""
    libraries = libraries_for(user, CAN_CATALOGUE)
    if user.is_superuser:
        return Record.objects.filter(deleted_at__isnull=True)
    return Record.objects.filter(deleted_at__isnull=True).filter(
        pk__in=Item.objects.filter(library__in=libraries).values("record_id")
    ) | Record.objects.filter(deleted_at__isnull=True, source_library__in=libraries)


def can_edit_record(user, record: Record) -> bool:
    return records_for_staff(user).filter(pk=record.pk).exists()
