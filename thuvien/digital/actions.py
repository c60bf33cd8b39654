"""Writes to digital objects: create, describe, workflow, visibility. Each runs in a transaction and audits."""

from __future__ import annotations

import datetime as dt
import re
import shutil

import pymarc
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from thuvien.audit import actions as audit
from thuvien.catalog.models import Record
from thuvien.digital import policies, storage
from thuvien.digital.exceptions import DigitalError
from thuvien.digital.models import (
    AccessLevel,
    CopyRequest,
    CopyStatus,
    DigitalObject,
    Page,
    Rights,
    Stage,
    StageChange,
)
from thuvien.interop.dublin_core import record_elements
from thuvien.lib.vn_text import nfc
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
        if isinstance(value, list):
            value = [nfc(v) for v in value]
        elif value:
            value = nfc(value)
        if value:
            out[key] = value
    return out


# DCMI type → MARC leader/06; most of what libraries digitise is text (language material).
_LEADER_TYPE = {"Text": "a", "StillImage": "k", "Image": "k", "MovingImage": "g", "Sound": "i",
                "Collection": "p", "PhysicalObject": "r"}  # fmt: skip
_YEAR = re.compile(r"(?<!\d)(1\d{3}|20\d{2})(?!\d)")
_LANGUAGE = re.compile(r"[a-z]{3}")


def _field_008(dc: dict, kind: str) -> str:
    """The 008 of a surrogate record: date entered, the year of DC date, Vietnam, online, the language."""
    data = [" "] * 40
    data[0:6] = f"{timezone.localdate():%y%m%d}"
    year = _YEAR.search(dc.get("date") or "")
    data[6:11] = f"s{year.group(1)}" if year else "nuuuu"
    data[15:18] = "vm "
    data[29 if kind in "egkor" else 23] = "o"  # form of item: online (its place depends on the material)
    language = (dc.get("language") or "vie").strip().lower()
    data[35:38] = language if _LANGUAGE.fullmatch(language) else "und"
    data[39] = "d"
    return "".join(data)


def surrogate_marc(obj: DigitalObject) -> pymarc.Record:
    """A MARC record for a standalone object, from its Dublin Core (crosswalk of the Library of Congress)."""
    dc = obj.dc or {}
    rec = pymarc.Record(force_utf8=True)
    kind = _LEADER_TYPE.get(dc.get("type") or "", "a")
    rec.leader = pymarc.Leader(f"     n{kind}m a22     7i 4500")
    rec.add_field(pymarc.Field(tag="008", data=_field_008(dc, kind)))
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
    collections = list(collections or ())
    if collections and allowed_collections(library).filter(pk__in=[c.pk for c in collections]).count() < len(
        {c.pk for c in collections}
    ):
        raise DigitalError(
            _("Chỉ có thể xếp tài liệu vào bộ sưu tập chung hoặc của thư viện mình (hay cấp trên).")
        )
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


# --- describing, access, pages, collections, deletion (the staff pages) --------------------------------

KEEP = object()  # update_description(record=KEEP): leave the link to the catalogue as it is
TOC_MAX_ENTRIES = 1000
LABEL_MAX = 100
# Copy requests a reader is still waiting on or may still download: the object must stay.
_OPEN_COPY_STATUSES = (CopyStatus.REQUESTED, CopyStatus.APPROVED, CopyStatus.READY)


def _lock(obj: DigitalObject) -> DigitalObject:
    # Only the object's row: PostgreSQL cannot lock the nullable side of the join to its record.
    return (
        DigitalObject.objects.select_for_update(of=("self",))
        .select_related("library", "record")
        .get(pk=obj.pk)
    )


def _purge_cache(object_id: int, seq: int | None = None) -> None:
    """Drop the cached IIIF responses of page SEQ of OBJECT_ID (every page when None) once committed."""
    from thuvien.interop.iiif import cache

    transaction.on_commit(lambda: cache.purge(object_id, seq))


def dc_from_record(record: Record) -> dict:
    """The Dublin Core of a catalogue RECORD, in the shape a standalone object keeps (see clean_dc)."""
    found = record_elements(record)

    def one(key: str, sep: str = "; ") -> str:
        return sep.join(found.get(key) or [])

    return clean_dc(
        {
            "title": record.title,
            "creator": found.get("creator") or [],
            "subject": found.get("subject") or [],
            "description": one("description", "\n\n"),
            "date": one("date"),
            "publisher": one("publisher"),
            "type": one("type"),
            "language": (found.get("language") or [""])[0],
            "identifier": one("identifier"),
            "coverage": one("coverage"),
        }
    )


def _linkable(record: Record, obj: DigitalObject) -> Record:
    record = Record.objects.select_for_update().filter(pk=record.pk).first()
    if record is None or record.deleted_at is not None:
        raise DigitalError(_("Biểu ghi này không còn (đã xoá hoặc đã gộp)."))
    owner = DigitalObject.objects.filter(record=record, owns_record=True).exclude(pk=obj.pk).first()
    if owner is not None:
        raise DigitalError(
            _(
                "Biểu ghi #%(id)s là biểu ghi thay thế của tài liệu số “%(title)s”; hãy liên kết với biểu ghi khác."
            )
            % {"id": record.pk, "title": owner.title}
        )
    return record


def _drop_surrogate(obj: DigitalObject, actor) -> None:
    """Mark the surrogate record of OBJ deleted (the object now takes its description elsewhere)."""
    from thuvien.catalog.actions import delete_record
    from thuvien.catalog.exceptions import CatalogError

    if not (obj.owns_record and obj.record_id):
        return
    try:
        delete_record(obj.record, actor=actor)
    except CatalogError as exc:
        raise DigitalError(str(exc)) from exc


@transaction.atomic
def update_description(
    obj: DigitalObject, *, actor, dc: dict | None = None, title: str | None = None, record=KEEP
) -> DigitalObject:
    """Describe OBJ: edit a standalone object's Dublin Core, or link it to RECORD (None: unlink it).

    A standalone object's surrogate record is regenerated from its Dublin Core; linking drops the
    surrogate; unlinking makes the object standalone with the record's Dublin Core (or DC when given).
    """
    locked = _lock(obj)
    old_record_id = locked.record_id
    linked = locked.record_id is not None and not locked.owns_record
    if record is not KEEP and record is not None and record.pk == locked.record_id:
        record = KEEP
    change = "described"
    if record is not KEEP and record is not None:
        record = _linkable(record, locked)
        _drop_surrogate(locked, actor)
        locked.record, locked.owns_record, locked.dc = record, False, {}
        locked.title = nfc(title or record.title or locked.title)[:500]
        change = "linked"
    elif record is None and linked:
        source = locked.record
        new_dc = clean_dc(dc) if dc else dc_from_record(source)
        new_dc["title"] = new_dc.get("title") or source.title
        locked.record, locked.owns_record, locked.dc = None, False, new_dc
        locked.title = new_dc["title"][:500]
        change = "unlinked"
    elif linked:
        if dc:
            raise DigitalError(
                _("Tài liệu số liên kết với biểu ghi lấy mô tả từ biểu ghi; hãy sửa biểu ghi.")
            )
        if title is not None:
            locked.title = nfc(title.strip() or locked.record.title)[:500]
    else:
        new_dc = clean_dc(locked.dc if dc is None else dc)
        if dc is None:
            new_dc.setdefault("title", locked.title)
        if title:
            new_dc["title"] = nfc(title.strip())
        if not new_dc.get("title"):
            raise DigitalError(_("Tài liệu số độc lập cần có nhan đề."))
        locked.dc = new_dc
        locked.title = new_dc["title"][:500]
    locked.save(update_fields=["record", "owns_record", "dc", "title", "updated_at"])
    if locked.record_id is None or locked.owns_record:
        _save_surrogate(locked, actor)
    if old_record_id and old_record_id != locked.record_id:
        enqueue([old_record_id])  # the record's index document loses this object
    audit.record(f"digital.object.{change}", actor=actor, library=locked.library, obj=locked,
                 title=locked.title[:200], record=locked.record_id, previous_record=old_record_id)  # fmt: skip
    sync_visibility(locked)
    return locked


@transaction.atomic
def set_access(
    obj: DigitalObject,
    *,
    actor,
    access: str,
    embargo_until: dt.date | None,
    rights: str | None = None,
    rights_note: str | None = None,
) -> DigitalObject:
    """Set OBJ's access level, embargo date and rights statement (None: rights unchanged)."""
    if access not in AccessLevel.values:
        raise DigitalError(_("Mức truy cập không hợp lệ."))
    if rights is not None and rights not in Rights.values:
        raise DigitalError(_("Tình trạng bản quyền không hợp lệ."))
    locked = _lock(obj)
    before = {
        "access": locked.access,
        "embargo_until": locked.embargo_until,
        "rights": (locked.rights, locked.rights_note),
    }
    locked.access = access
    locked.embargo_until = embargo_until
    if rights is not None:
        locked.rights = rights
    if rights_note is not None:
        locked.rights_note = nfc(rights_note.strip())[:500]
    locked.save(update_fields=["access", "embargo_until", "rights", "rights_note", "updated_at"])
    if locked.owns_record and locked.record_id and (locked.rights, locked.rights_note) != before["rights"]:
        _save_surrogate(locked, actor)  # the rights statement is in the surrogate (540)
    audit.record("digital.object.access", actor=actor, library=locked.library, obj=locked, access=access,
                 embargo_until=embargo_until.isoformat() if embargo_until else None, rights=locked.rights,
                 previous_access=before["access"],
                 previous_embargo=before["embargo_until"].isoformat() if before["embargo_until"] else None)  # fmt: skip
    if before["access"] != access:
        # Derivatives made for the old level (e.g. full-size images of a once open object) must go.
        _purge_cache(locked.pk)
    sync_visibility(locked)
    return locked


@transaction.atomic
def set_page_override(page: Page, level: str, *, actor) -> Page:
    """Give PAGE its own access LEVEL ('restricted' or 'secret': only ever stricter; '' clears it)."""
    if level not in ("", AccessLevel.RESTRICTED, AccessLevel.SECRET):
        raise DigitalError(_("Một trang chỉ có thể bị hạn chế chặt hơn tài liệu, không thể mở rộng hơn."))
    page = Page.objects.select_for_update(of=("self",)).select_related("object__library").get(pk=page.pk)
    if page.access_override == level:
        return page
    previous = page.access_override
    page.access_override = level
    page.save(update_fields=["access_override"])
    obj = page.object
    audit.record("digital.page.override", actor=actor, library=obj.library, obj=page, object=obj.pk,
                 seq=page.seq, level=level, previous=previous)  # fmt: skip
    _purge_cache(obj.pk, page.seq)
    sync_visibility(obj)  # the record's index carries only the text the public may search
    return page


def allowed_collections(library):
    """The collections an object of LIBRARY may join: network-wide ones and those of LIBRARY or its ancestors."""
    from thuvien.catalog.models import Collection

    codes = [c for c in library.path.strip("/").split("/") if c]
    paths = ["/" + "/".join(codes[: n + 1]) + "/" for n in range(len(codes))]
    return Collection.objects.filter(Q(library__isnull=True) | Q(library__path__in=paths))


@transaction.atomic
def set_collections(obj: DigitalObject, collections, *, actor) -> DigitalObject:
    """Put OBJ in exactly COLLECTIONS (each network-wide or of OBJ's library or an ancestor)."""
    locked = _lock(obj)
    wanted = {c.pk for c in collections}
    allowed = set(allowed_collections(locked.library).filter(pk__in=wanted).values_list("pk", flat=True))
    if wanted - allowed:
        raise DigitalError(
            _("Chỉ có thể xếp tài liệu vào bộ sưu tập chung hoặc của thư viện mình (hay cấp trên).")
        )
    before = set(locked.collections.values_list("pk", flat=True))
    if before != wanted:
        locked.collections.set(sorted(wanted))
        audit.record("digital.object.collections", actor=actor, library=locked.library, obj=locked,
                     added=sorted(wanted - before), removed=sorted(before - wanted))  # fmt: skip
        if locked.record_id:
            enqueue([locked.record_id])
    return locked


def parse_toc(text: str) -> list[dict]:
    """Parse a table of contents typed one entry per line, "Chương 1 | 5" (label, then page number)."""
    toc = []
    for number, line in enumerate((text or "").splitlines(), 1):
        if not line.strip():
            continue
        label, sep, page = line.rpartition("|")
        label = nfc(label.strip())
        if not sep or not label or not page.strip().isdigit():
            raise DigitalError(_("Dòng %(n)s của mục lục phải có dạng “Tên mục | số trang”.") % {"n": number})
        toc.append({"label": label, "page": int(page.strip())})
    return toc


def toc_text(toc: list[dict]) -> str:
    """The textarea form of TOC (parse_toc reads it back)."""
    return "\n".join(f"{e['label']} | {e['page']}" for e in toc or [])


@transaction.atomic
def set_toc(obj: DigitalObject, toc, *, actor) -> DigitalObject:
    """Set OBJ's table of contents: a list of {"label", "page"} or the text parse_toc reads."""
    if isinstance(toc, str):
        toc = parse_toc(toc)
    locked = _lock(obj)
    count = locked.pages.count()
    if len(toc) > TOC_MAX_ENTRIES:
        raise DigitalError(_("Mục lục quá dài (tối đa %(n)s mục).") % {"n": TOC_MAX_ENTRIES})
    clean = []
    for entry in toc:
        label = nfc(str(entry.get("label") or "").strip())[:300]
        try:
            page = int(entry.get("page"))
        except (TypeError, ValueError):
            page = 0
        if not label:
            raise DigitalError(_("Mỗi mục của mục lục cần có tên."))
        if not 1 <= page <= count:
            raise DigitalError(
                _("Mục “%(label)s” trỏ tới trang %(page)s, nhưng tài liệu có %(count)s trang.")
                % {"label": label, "page": entry.get("page"), "count": count}
            )
        clean.append({"label": label, "page": page})
    locked.toc = clean
    locked.save(update_fields=["toc", "updated_at"])
    audit.record("digital.object.toc", actor=actor, library=locked.library, obj=locked, entries=len(clean))
    return locked


@transaction.atomic
def relabel_pages(obj: DigitalObject, labels, *, actor) -> int:
    """Set page labels ("i", "12", "Bìa") from LABELS ({seq: label}, or a list for pages 1, 2 …); return how many changed."""
    if not isinstance(labels, dict):
        labels = {seq: label for seq, label in enumerate(labels, 1)}
    locked = _lock(obj)
    pages = {p.seq: p for p in locked.pages.select_for_update().filter(seq__in=list(labels))}
    if set(labels) - set(pages):
        raise DigitalError(_("Tài liệu không có trang %(seq)s.") % {"seq": min(set(labels) - set(pages))})
    changed = []
    for seq, label in labels.items():
        label = nfc(str(label or "").strip())
        if len(label) > LABEL_MAX:
            raise DigitalError(_("Nhãn trang %(seq)s quá dài.") % {"seq": seq})
        if pages[seq].label != label:
            pages[seq].label = label
            changed.append(pages[seq])
    Page.objects.bulk_update(changed, ["label"])
    if changed:
        audit.record("digital.page.labels", actor=actor, library=locked.library, obj=locked,
                     seqs=sorted(p.seq for p in changed)[:200])  # fmt: skip
    return len(changed)


@transaction.atomic
def delete_object(obj: DigitalObject, *, actor) -> None:
    """Delete OBJ, its pages and files; refused while a reader waits for, or may still download, a copy."""
    locked = _lock(obj)
    now = timezone.now()
    waiting = locked.copy_requests.filter(status__in=_OPEN_COPY_STATUSES).exclude(
        status=CopyStatus.READY, expires_at__lt=now
    )
    if waiting.exists():
        raise DigitalError(
            _(
                "Không thể xoá: còn yêu cầu sao chụp đang chờ duyệt hoặc bạn đọc còn được tải về. "
                "Hãy xử lý các yêu cầu đó trước."
            )  # fmt: skip
        )
    _drop_surrogate(locked, actor)
    seqs = list(locked.pages.values_list("seq", flat=True))
    copies = list(locked.copy_requests.values_list("pk", flat=True))
    audit.record("digital.object.deleted", actor=actor, library=locked.library, obj=locked,
                 title=locked.title[:200], record=locked.record_id, pages=len(seqs),
                 copy_requests=len(copies))  # fmt: skip
    record_id = None if locked.owns_record else locked.record_id
    object_id = locked.pk
    # Finished copy requests go with the object (their fees stay with the reader's account).
    CopyRequest.objects.filter(pk__in=copies).delete()
    locked.delete()
    if record_id:
        enqueue([record_id])
    _purge_cache(object_id)

    def remove_files():
        shutil.rmtree(storage.object_dir(object_id), ignore_errors=True)
        for pk in copies:
            storage.copy_path(pk).unlink(missing_ok=True)

    transaction.on_commit(remove_files)
