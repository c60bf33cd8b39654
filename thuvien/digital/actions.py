"""Writes to digital objects: create, describe, workflow, visibility. Each runs in a transaction and audits."""

from __future__ import annotations

import datetime as dt

import pymarc
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from thuvien.audit import actions as audit
from thuvien.catalog.models import Record
from thuvien.digital import policies
from thuvien.digital.exceptions import DigitalError
from thuvien.digital.models import AccessLevel, DigitalObject, Stage, StageChange
from thuvien.search.indexer import enqueue

DC_LIST_FIELDS = ("creator", "subject", "contributor")
DC_FIELDS = ("title", "creator", "subject", "description", "date", "publisher", "contributor", "type",
             "language", "identifier", "source", "coverage")  # fmt: skip


def clean_dc(dc: dict) -> dict:
    """Keep the known Dublin Core elements, stripped; lists for creator, subject and contributor."""
    out: dict = {}
    for key in DC_FIELDS:
        value = (dc or {}).get(key)
        if key in DC_LIST_FIELDS:
            if isinstance(value, str):
                value = [v for v in (s.strip() for s in value.replace("\n", ";").split(";")) if v]
            value = [str(v).strip()[:500] for v in (value or []) if str(v).strip()][:50]
        else:
            value = str(value or "").strip()[:5000]
        if value:
            out[key] = value
    return out


def surrogate_marc(obj: DigitalObject) -> pymarc.Record:
    """A MARC record for a standalone object, from its Dublin Core (crosswalk of the Library of Congress)."""
    dc = obj.dc or {}
    rec = pymarc.Record(force_utf8=True)
    rec.leader = pymarc.Leader("     nkm a22     7i 4500")
    year = "".join(ch for ch in (dc.get("date") or "")[:4] if ch.isdigit())
    lang = (dc.get("language") or "vie")[:3]
    date_field = f"{timezone.localdate():%y%m%d}s{year or '    ':4}    vm            o  {lang:3} d"
    rec.add_field(pymarc.Field(tag="008", data=date_field[:40].ljust(40)))
    creators = dc.get("creator") or []
    if creators:
        rec.add_field(
            pymarc.Field(tag="100", indicators=["0", " "], subfields=[pymarc.Subfield("a", creators[0])])
        )
    rec.add_field(
        pymarc.Field(tag="245", indicators=["1" if creators else "0", "0"],
                     subfields=[pymarc.Subfield("a", dc.get("title") or obj.title)])
    )  # fmt: skip
    pub = [pymarc.Subfield("b", dc["publisher"])] if dc.get("publisher") else []
    if dc.get("date"):
        pub.append(pymarc.Subfield("c", dc["date"]))
    if pub:
        rec.add_field(pymarc.Field(tag="264", indicators=[" ", "1"], subfields=pub))
    if dc.get("description"):
        rec.add_field(
            pymarc.Field(
                tag="520", indicators=[" ", " "], subfields=[pymarc.Subfield("a", dc["description"])]
            )
        )
    if obj.rights:
        rec.add_field(pymarc.Field(tag="540", indicators=[" ", " "],
                                   subfields=[pymarc.Subfield("a", obj.rights_note or obj.get_rights_display()),
                                              pymarc.Subfield("u", obj.rights)]))  # fmt: skip
    for subject in dc.get("subject") or []:
        rec.add_field(
            pymarc.Field(tag="653", indicators=[" ", " "], subfields=[pymarc.Subfield("a", subject)])
        )
    if dc.get("coverage"):
        rec.add_field(
            pymarc.Field(tag="651", indicators=[" ", "4"], subfields=[pymarc.Subfield("a", dc["coverage"])])
        )
    for name in creators[1:] + list(dc.get("contributor") or []):
        rec.add_field(pymarc.Field(tag="700", indicators=["0", " "], subfields=[pymarc.Subfield("a", name)]))
    return rec


def _save_surrogate(obj: DigitalObject, actor) -> None:
    from thuvien.catalog.actions import save_record

    record = obj.record if obj.owns_record else None
    record = save_record(record, surrogate_marc(obj), actor=actor, library=obj.library)
    if not obj.owns_record or obj.record_id != record.pk:
        obj.record = record
        obj.owns_record = True
        DigitalObject.objects.filter(pk=obj.pk).update(record=record, owns_record=True)


@transaction.atomic
def create_object(
    *,
    library,
    actor,
    title: str = "",
    record: Record | None = None,
    dc: dict | None = None,
    access: str = AccessLevel.SECRET,
    rights: str = "",
    rights_note: str = "",
    embargo_until: dt.date | None = None,
    collections=(),
    toc: list | None = None,
    stage: str = Stage.SELECTED,
) -> DigitalObject:
    """Create an object linked to RECORD, or standalone (with DC metadata and a surrogate record)."""
    dc = clean_dc(dc or {})
    if record is None and not (dc.get("title") or title):
        raise DigitalError(_("Tài liệu số độc lập cần có nhan đề."))
    if access not in AccessLevel.values:
        raise DigitalError(_("Mức truy cập không hợp lệ."))
    if record is not None:
        title = title or record.title
    else:
        title = dc.get("title") or title
        dc.setdefault("title", title)
    obj = DigitalObject.objects.create(
        library=library,
        record=record,
        title=title[:500],
        dc=dc if record is None else {},
        access=access,
        rights=rights or DigitalObject._meta.get_field("rights").default,
        rights_note=rights_note,
        embargo_until=embargo_until,
        toc=toc or [],
        stage=stage,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if collections:
        obj.collections.set(collections)
    StageChange.objects.create(object=obj, from_stage="", to_stage=stage, actor=obj.created_by)
    if record is None:
        _save_surrogate(obj, actor)
    audit.record("digital.object.created", actor=actor, library=library, obj=obj, title=obj.title[:200],
                 access=access, record=obj.record_id)  # fmt: skip
    sync_visibility(obj)
    return obj


def sync_visibility(obj: DigitalObject, today: dt.date | None = None) -> str:
    """Bring the public paths in line with OBJ's public level; call inside the transaction that changed OBJ.

    The surrogate record of a standalone object is suppressed unless the object is open to all (so OAI-PMH,
    SRU, Z39.50, dumps and sitemaps never show a restricted, secret, embargoed or unpublished one), and the
    record's index document is rebuilt (its full-text fields carry only what the public may search).
    """
    today = today or timezone.localdate()
    level = policies.public_level(obj.access, obj.stage, obj.embargo_until, today)
    if obj.owns_record and obj.record_id:
        hidden = level != AccessLevel.OPEN
        Record.objects.filter(pk=obj.record_id).exclude(suppressed=hidden).update(
            suppressed=hidden, updated_at=timezone.now()
        )
    if obj.record_id:
        enqueue([obj.record_id])
    if obj.synced_level != level:
        DigitalObject.objects.filter(pk=obj.pk).update(synced_level=level)
        obj.synced_level = level
    return level


def sync_due_visibility(today: dt.date | None = None) -> int:
    """Sync every object whose public level changed by the calendar (an embargo lifted); return how many."""
    today = today or timezone.localdate()
    done = 0
    candidates = DigitalObject.objects.filter(stage=Stage.PUBLISHED).exclude(access=AccessLevel.SECRET)
    for obj in candidates.filter(embargo_until__isnull=False).iterator():
        if policies.public_level(obj.access, obj.stage, obj.embargo_until, today) != obj.synced_level:
            with transaction.atomic():
                locked = DigitalObject.objects.select_for_update().get(pk=obj.pk)
                sync_visibility(locked, today)
                audit.record("digital.object.embargo_lifted", obj=locked, library=locked.library)
            done += 1
    return done


@transaction.atomic
def move_stage(obj: DigitalObject, to_stage: str, *, actor=None, note: str = "") -> DigitalObject:
    """Move OBJ along the workflow (policies.TRANSITIONS); publishing needs pages."""
    locked = DigitalObject.objects.select_for_update().get(pk=obj.pk)
    if not policies.may_move(locked.stage, to_stage):
        raise DigitalError(
            _("Không thể chuyển từ “%(a)s” sang “%(b)s”.")
            % {"a": locked.get_stage_display(), "b": Stage(to_stage).label}
        )
    if to_stage == Stage.PUBLISHED and not locked.pages.exists():
        raise DigitalError(_("Chưa có trang nào: không thể công bố."))
    StageChange.objects.create(
        object=locked, from_stage=locked.stage, to_stage=to_stage, actor=actor, note=note[:500]
    )
    locked.stage = to_stage
    fields = ["stage", "updated_at"]
    if to_stage == Stage.PUBLISHED and locked.published_at is None:
        locked.published_at = timezone.now()
        fields.append("published_at")
    locked.save(update_fields=fields)
    audit.record("digital.object.stage", actor=actor, library=locked.library, obj=locked, stage=to_stage)
    sync_visibility(locked)
    return locked
