"""Writes to the catalogue: import, edit, items. Each runs in a transaction, audits, and feeds the outbox."""

from __future__ import annotations

from collections.abc import Iterable

import pymarc
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from thuvien.audit import actions as audit
from thuvien.catalog.exceptions import CatalogError
from thuvien.catalog.importer import ImportReport, ReportLine, holdings_maps, import_marc
from thuvien.catalog.models import Identifier, Item, Record
from thuvien.catalog.prepare import canonical, derived_columns, match_key
from thuvien.interop.marc import record_to_json
from thuvien.network.models import Library
from thuvien.search.indexer import enqueue

__all__ = [
    "ImportReport",
    "ReportLine",
    "canonical",
    "delete_item",
    "delete_record",
    "derived_columns",
    "holdings_maps",
    "import_marc",
    "match_key",
    "save_item",
    "save_record",
    "set_suppressed",
]


# --- editing --------------------------------------------------------------------------------


@transaction.atomic
def save_record(
    record: Record | None, marc: pymarc.Record, *, actor=None, library: Library | None = None
) -> Record:
    """Create or replace a record from an edited MARC record; derived columns follow."""
    columns, identifiers = derived_columns(canonical(marc))
    created = record is None
    if created:
        record = Record(source_library=library)
    else:
        record = Record.objects.select_for_update().get(pk=record.pk)
    record.marc = record_to_json(marc)
    for key, value in columns.items():
        setattr(record, key, value)
    record.save()
    record.identifiers.all().delete()
    Identifier.objects.bulk_create(
        [Identifier(record=record, kind=k, value=v[:20]) for k, v in identifiers], ignore_conflicts=True
    )
    enqueue([record.pk])
    audit.record(
        "catalog.record.created" if created else "catalog.record.updated",
        actor=actor,
        library=library,
        obj=record,
        title=record.title[:200],
    )
    return record


@transaction.atomic
def set_suppressed(record: Record, suppressed: bool, *, actor=None) -> Record:
    """Hide RECORD from (or show it in) the OPAC and every public interface."""
    Record.objects.filter(pk=record.pk).update(suppressed=suppressed, updated_at=timezone.now())
    record.suppressed = suppressed
    enqueue([record.pk])
    audit.record(
        "catalog.record.suppressed" if suppressed else "catalog.record.unsuppressed", actor=actor, obj=record
    )
    return record


@transaction.atomic
def delete_record(record: Record, *, actor=None) -> None:
    """Mark RECORD deleted (kept for OAI-PMH deleted-record history); refuse while it has items."""
    if record.items.exists():
        raise CatalogError(_("Không thể xoá biểu ghi còn bản sách. Hãy chuyển hoặc xoá các bản trước."))
    Record.objects.filter(pk=record.pk).update(deleted_at=timezone.now())
    enqueue([record.pk])
    audit.record("catalog.record.deleted", actor=actor, obj=record, title=record.title[:200])


@transaction.atomic
def save_item(item: Item, *, actor=None, fields: Iterable[str] | None = None) -> Item:
    """Validate and save ITEM (new or changed); the record is reindexed for availability and scope."""
    created = item.pk is None
    item.full_clean(exclude=["record", "marc_field"])
    item.save()
    enqueue([item.record_id])
    audit.record(
        "catalog.item.created" if created else "catalog.item.updated",
        actor=actor,
        library=item.library,
        obj=item,
        barcode=item.barcode,
    )
    return item


@transaction.atomic
def delete_item(item: Item, *, actor=None) -> None:
    record_id = item.record_id
    audit.record("catalog.item.deleted", actor=actor, library=item.library, obj=item, barcode=item.barcode)
    item.delete()
    enqueue([record_id])
