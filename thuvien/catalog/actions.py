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
from thuvien.catalog.models import DuplicateCandidate, Identifier, Item, Record, RecordMerge
from thuvien.catalog.prepare import canonical, derived_columns, match_key
from thuvien.interop.dublin_core import marc_elements
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
    "mark_distinct",
    "match_key",
    "merge_records",
    "save_item",
    "save_record",
    "set_suppressed",
    "touch_records",
    "unmerge",
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
    columns["search_data"]["dc"] = marc_elements(record.marc)
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
    # A new datestamp too: incremental OAI-PMH harvests learn of the deletion.
    now = timezone.now()
    Record.objects.filter(pk=record.pk).update(deleted_at=now, updated_at=now)
    enqueue([record.pk])
    audit.record("catalog.record.deleted", actor=actor, obj=record, title=record.title[:200])


@transaction.atomic
def save_item(item: Item, *, actor=None, fields: Iterable[str] | None = None) -> Item:
    """Validate and save ITEM (new or changed); the record is reindexed for availability and scope."""
    created = item.pk is None
    item.full_clean(exclude=["record", "marc_field"])
    item.save()
    touch_records([item.record_id])
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
    touch_records([record_id])
    enqueue([record_id])


def touch_records(record_ids: Iterable[int]) -> None:
    """Give RECORD_IDS a new datestamp: their copies changed, so harvesters must fetch them again."""
    Record.objects.filter(pk__in=list(record_ids)).update(updated_at=timezone.now())


# --- merging ----------------------------------------------------------------------------------


def _live(record_id: int) -> Record:
    record = Record.objects.select_for_update().filter(pk=record_id).first()
    if record is None or record.deleted_at is not None:
        raise CatalogError(_("Biểu ghi #%(id)s không còn (đã xoá hoặc đã gộp).") % {"id": record_id})
    return record


@transaction.atomic
def merge_records(
    survivor: Record,
    merged: Record,
    *,
    actor=None,
    automatic: bool = False,
    score: float | None = None,
    reasons: list | None = None,
) -> RecordMerge:
    """Merge MERGED into SURVIVOR: its copies, holds and collections move; it is hidden and can be restored.

    Holds of readers who already wait for the survivor are cancelled (unmerge brings them back);
    records merged earlier into MERGED now point at SURVIVOR. Digital objects of MERGED move too: an
    object whose surrogate record MERGED was becomes linked to SURVIVOR.
    """
    from thuvien.circulation.models import ACTIVE_HOLD_STATUSES, Hold, HoldStatus
    from thuvien.digital.models import DigitalObject

    if survivor.pk == merged.pk:
        raise CatalogError(_("Không thể gộp một biểu ghi vào chính nó."))
    # Lock in id order, as every writer does, so two merges cannot deadlock.
    first, second = sorted([survivor.pk, merged.pk])
    locked = {first: _live(first), second: _live(second)}
    survivor, merged = locked[survivor.pk], locked[merged.pk]
    # A surrogate record is rewritten from its object's Dublin Core at every edit: what merged into it
    # would be lost, and its suppression follows the object's access, which would hide the copies.
    if DigitalObject.objects.filter(record=survivor, owns_record=True).exists():
        raise CatalogError(
            _("Biểu ghi #%(id)s được tạo tự động cho một tài liệu số độc lập: hãy giữ lại biểu ghi kia.")
            % {"id": survivor.pk}
        )
    now = timezone.now()

    items = list(Item.objects.filter(record=merged).values_list("pk", flat=True))
    Item.objects.filter(pk__in=items).update(record=survivor, updated_at=now)

    holds = Hold.objects.filter(record=merged, status__in=ACTIVE_HOLD_STATUSES)
    waiting_readers = set(
        Hold.objects.filter(record=survivor, status__in=ACTIVE_HOLD_STATUSES).values_list(
            "reader_id", flat=True
        )
    )
    moved_holds, cancelled_holds = [], []
    for hold in holds.select_for_update():
        (cancelled_holds if hold.reader_id in waiting_readers else moved_holds).append(hold.pk)
    Hold.objects.filter(pk__in=moved_holds).update(record=survivor)
    # A trapped hold of a reader who also waits for the survivor keeps its copy: only waiting ones go.
    cancelled_holds = list(
        Hold.objects.filter(pk__in=cancelled_holds, status=HoldStatus.WAITING).values_list("pk", flat=True)
    )
    Hold.objects.filter(pk__in=cancelled_holds).update(status=HoldStatus.CANCELLED, closed_at=now)

    collections = [c.pk for c in merged.collections.exclude(pk__in=survivor.collections.values("pk"))]
    survivor.collections.add(*collections)
    repointed = list(Record.objects.filter(merged_into=merged).values_list("pk", flat=True))
    Record.objects.filter(pk__in=repointed).update(merged_into=survivor)
    digital = list(DigitalObject.objects.filter(record=merged).values_list("pk", "owns_record"))
    DigitalObject.objects.filter(pk__in=[pk for pk, _owned in digital]).update(
        record=survivor, owns_record=False
    )

    Record.objects.filter(pk=merged.pk).update(deleted_at=now, merged_into=survivor, updated_at=now)
    Record.objects.filter(pk=survivor.pk).update(updated_at=now)
    merge = RecordMerge.objects.create(
        survivor=survivor,
        merged=merged,
        automatic=automatic,
        score=score,
        reasons=reasons or [],
        actor=actor,
        moved={
            "items": items,
            "holds": moved_holds,
            "cancelled_holds": cancelled_holds,
            "collections": collections,
            "repointed": repointed,
            "digital_objects": [pk for pk, _owned in digital],
            "digital_owned": [pk for pk, owned in digital if owned],
        },
    )
    DuplicateCandidate.objects.filter(
        _pair(survivor.pk, merged.pk), status=DuplicateCandidate.Status.PENDING
    ).update(status=DuplicateCandidate.Status.MERGED, decided_at=now, decided_by=actor)
    enqueue([survivor.pk, merged.pk])
    audit.record(
        "catalog.record.merged",
        actor=actor,
        library=survivor.source_library,
        obj=survivor,
        merged=merged.pk,
        items=len(items),
        digital_objects=len(digital),
        automatic=automatic,
    )
    return merge


def _pair(a: int, b: int):
    from django.db.models import Q

    return Q(record_id=a, other_id=b) | Q(record_id=b, other_id=a)


@transaction.atomic
def unmerge(merge: RecordMerge, *, actor=None) -> Record:
    """Undo MERGE: the merged record comes back with the copies, holds, collections and digital objects it brought."""
    from thuvien.circulation.models import Hold, HoldStatus
    from thuvien.digital.actions import sync_visibility
    from thuvien.digital.models import DigitalObject

    merge = RecordMerge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at is not None:
        raise CatalogError(_("Lần gộp này đã được hoàn tác."))
    first, second = sorted([merge.survivor_id, merge.merged_id])
    locked = {
        r.pk: r for r in Record.objects.select_for_update().filter(pk__in=[first, second]).order_by("pk")
    }
    merged = locked[merge.merged_id]
    if merged.merged_into_id != merge.survivor_id:
        raise CatalogError(
            _("Biểu ghi #%(id)s đã thay đổi từ lần gộp này; hãy hoàn tác các lần gộp sau trước.")
            % {"id": merged.pk}
        )
    now = timezone.now()
    moved = merge.moved or {}
    Item.objects.filter(pk__in=moved.get("items", []), record_id=merge.survivor_id).update(
        record=merged, updated_at=now
    )
    Hold.objects.filter(pk__in=moved.get("holds", []), record_id=merge.survivor_id).update(record=merged)
    Hold.objects.filter(pk__in=moved.get("cancelled_holds", []), status=HoldStatus.CANCELLED).update(
        status=HoldStatus.WAITING, closed_at=None
    )
    locked[merge.survivor_id].collections.remove(*moved.get("collections", []))
    Record.objects.filter(pk__in=moved.get("repointed", []), merged_into_id=merge.survivor_id).update(
        merged_into=merged
    )
    Record.objects.filter(pk=merged.pk).update(deleted_at=None, merged_into=None, updated_at=now)
    Record.objects.filter(pk=merge.survivor_id).update(updated_at=now)
    DigitalObject.objects.filter(pk__in=moved.get("digital_objects", []), record_id=merge.survivor_id).update(
        record=merged
    )
    # A surrogate comes back to its object, suppressed again unless the object is open to all.
    for obj in DigitalObject.objects.filter(pk__in=moved.get("digital_owned", []), record_id=merged.pk):
        obj.owns_record = True
        obj.save(update_fields=["owns_record"])
        sync_visibility(obj)
    RecordMerge.objects.filter(pk=merge.pk).update(undone_at=now, undone_by=actor)
    # The cataloger has said these two are different works: the pair leaves the queue for good.
    pair = DuplicateCandidate.objects.filter(_pair(merge.survivor_id, merged.pk)).first()
    if pair is None:
        DuplicateCandidate.objects.create(
            record=merged,
            other_id=merge.survivor_id,
            score=merge.score or 0.0,
            reasons=merge.reasons,
            status=DuplicateCandidate.Status.DISTINCT,
            decided_at=now,
            decided_by=actor,
        )
    else:
        DuplicateCandidate.objects.filter(pk=pair.pk).update(
            status=DuplicateCandidate.Status.DISTINCT, decided_at=now, decided_by=actor
        )
    enqueue([merge.survivor_id, merged.pk])
    audit.record(
        "catalog.record.unmerged",
        actor=actor,
        library=merged.source_library,
        obj=merged,
        survivor=merge.survivor_id,
        automatic=merge.automatic,
    )
    merged.refresh_from_db()
    return merged


@transaction.atomic
def mark_distinct(candidate: DuplicateCandidate, *, actor=None) -> DuplicateCandidate:
    """Take CANDIDATE out of the review queue: the two records describe different works."""
    updated = DuplicateCandidate.objects.filter(
        pk=candidate.pk, status=DuplicateCandidate.Status.PENDING
    ).update(status=DuplicateCandidate.Status.DISTINCT, decided_at=timezone.now(), decided_by=actor)
    if not updated:
        raise CatalogError(_("Cặp này đã được xử lý."))
    candidate.refresh_from_db()
    audit.record(
        "catalog.duplicate.distinct",
        actor=actor,
        obj=candidate.record,
        other=candidate.other_id,
        score=candidate.score,
    )
    return candidate
