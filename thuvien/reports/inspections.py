"""Inspection rounds: open with a checklist, assign libraries, answer with evidence, score, follow up.

A manager of the department opens a round over libraries of his province; each assigned library gets an
``Inspection``. The library's staff answer each checklist item (self-assessment, text, evidence files) and
send the answers; the inspector returns them for completion or scores them (points per item, findings,
follow-up actions). The library reports each follow-up action done; the inspector closes or reopens it.
The manager closes the round once every inspection is scored; follow-up actions stay tracked after that.

The lifecycles are the transition tables below, each moved through one entry point that locks the row,
checks the actor's right and the state, and writes the audit entry (``reports.inspection.<name>``,
``reports.followup.<name>``). The permission-checked reads are in ``inspections_queries``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from thuvien.audit.actions import record as audit
from thuvien.lib.vn_text import fold
from thuvien.network.models import Library
from thuvien.reports import evidence as files
from thuvien.reports.evidence import EvidenceError
from thuvien.reports.inspections_queries import may_answer, may_manage_round, may_score
from thuvien.reports.models import (
    ChecklistItem,
    Evidence,
    FollowUpAction,
    Inspection,
    InspectionAnswer,
    InspectionRound,
    InspectionStatus,
)
from thuvien.reports.queries import can_inspect, can_open_inspections

MAX_ITEMS = 200
MAX_WEIGHT = 1000
DEFAULT_WEIGHT = 10
MAX_ITEM_TEXT = 2000
MAX_ANSWER_TEXT = 10_000
MAX_FINDINGS = 20_000
MAX_COMMENT = 2000

ASSIGNED = InspectionStatus.ASSIGNED
ANSWERED = InspectionStatus.ANSWERED
SCORED = InspectionStatus.SCORED
OPEN = FollowUpAction.Status.OPEN
DONE = FollowUpAction.Status.DONE
CLOSED = FollowUpAction.Status.CLOSED
COMPLIANCE = set(InspectionAnswer.Compliance.values)


class InspectionError(Exception):
    """A refused inspection action; CODE is stable for machines ('forbidden', 'state', 'invalid'...), MESSAGE for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _forbidden() -> InspectionError:
    return InspectionError("forbidden", _("Bạn không có quyền thực hiện thao tác này."))


def _invalid(message: str) -> InspectionError:
    return InspectionError("invalid", message)


def _text(value, limit: int, what: str) -> str:
    text = str(value or "").strip()
    if len(text) > limit:
        raise _invalid(_("%(what)s dài quá %(n)s ký tự.") % {"what": what, "n": limit})
    return text


# Transition tables ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    sources: frozenset
    target: str
    # Who may: "library" (its staff, can_prepare), "inspector" (may_score), "manager" (may_manage_round).
    who: str


INSPECTION_TRANSITIONS = {
    "sent": Transition(frozenset({ASSIGNED}), ANSWERED, "library"),
    "returned": Transition(frozenset({ANSWERED}), ASSIGNED, "inspector"),
    # From "assigned" only once the round's due date has passed (see score()): a library that never
    # answered is scored on what the inspector found.
    "scored": Transition(frozenset({ANSWERED, ASSIGNED}), SCORED, "inspector"),
}

ACTION_TRANSITIONS = {
    "done": Transition(frozenset({OPEN}), DONE, "library"),
    "closed": Transition(frozenset({DONE}), CLOSED, "inspector"),
    "reopened": Transition(frozenset({DONE}), OPEN, "inspector"),
}

ROUND_TRANSITIONS = {
    "closed": Transition(frozenset({InspectionRound.Status.OPEN}), InspectionRound.Status.CLOSED, "manager"),
}


def _may(who: str, actor, inspection: Inspection) -> bool:
    if who == "library":
        return may_answer(actor, inspection)
    if who == "inspector":
        return may_score(actor, inspection)
    return may_manage_round(actor, inspection.round)


def _state_error(inspection: Inspection) -> InspectionError:
    return InspectionError(
        "state",
        _("Không thực hiện được: việc kiểm tra đang ở trạng thái «%(status)s».")
        % {"status": inspection.get_status_display()},
    )


def _round_open(rnd: InspectionRound) -> None:
    if rnd.status != InspectionRound.Status.OPEN:
        raise InspectionError("round_closed", _("Đợt kiểm tra đã kết thúc."))


def _lock(inspection: Inspection) -> Inspection:
    return (
        Inspection.objects.select_for_update(of=("self",))
        .select_related("round__authority", "library")
        .get(pk=inspection.pk)
    )


def _move_inspection(
    inspection: Inspection, name: str, actor, work: Callable[[Inspection], dict] | None = None, **data
) -> Inspection:
    """Move INSPECTION along transition NAME; WORK runs under the row lock and returns extra fields to set.

    WORK may put a dict under "_audit" in what it returns: more data for the audit entry.
    """
    transition = INSPECTION_TRANSITIONS[name]
    with transaction.atomic():
        locked = _lock(inspection)
        if not _may(transition.who, actor, locked):
            raise _forbidden()
        _round_open(locked.round)
        if locked.status not in transition.sources:
            raise _state_error(locked)
        fields = (work(locked) if work else None) or {}
        extra = fields.pop("_audit", {})
        fields["status"] = transition.target
        updated = Inspection.objects.filter(pk=locked.pk, status=locked.status).update(**fields)
        if updated != 1:
            raise _state_error(locked)
        audit(
            f"reports.inspection.{name}", actor=actor, library=locked.library, obj=locked,
            status_from=locked.status, status_to=transition.target, **data, **extra,
        )  # fmt: skip
    inspection.refresh_from_db()
    return inspection


def _move_action(action: FollowUpAction, name: str, actor, fields: dict, **data) -> FollowUpAction:
    """Move follow-up ACTION along transition NAME, setting FIELDS too."""
    transition = ACTION_TRANSITIONS[name]
    with transaction.atomic():
        locked = (
            FollowUpAction.objects.select_for_update(of=("self",))
            .select_related("inspection__round", "inspection__library")
            .get(pk=action.pk)
        )
        if not _may(transition.who, actor, locked.inspection):
            raise _forbidden()
        if locked.status not in transition.sources:
            raise InspectionError(
                "state",
                _("Không thực hiện được: yêu cầu khắc phục đang ở trạng thái «%(status)s».")
                % {"status": locked.get_status_display()},
            )
        updated = FollowUpAction.objects.filter(pk=locked.pk, status=locked.status).update(
            status=transition.target, **fields
        )
        if updated != 1:
            raise InspectionError(
                "state", _("Yêu cầu khắc phục vừa được người khác cập nhật; hãy tải lại trang.")
            )
        audit(
            f"reports.followup.{name}", actor=actor, library=locked.inspection.library, obj=locked,
            inspection=locked.inspection_id, status_from=locked.status, status_to=transition.target, **data,
        )  # fmt: skip
    action.refresh_from_db()
    return action


# The checklist ------------------------------------------------------------------------------------------

_BULLET = re.compile(r"^\s*[-•–*]\s+")
_EVIDENCE_MARKS = {"*", "mc", "minh chung", "can minh chung"}


def parse_checklist(text: str) -> list[tuple[str, int, bool]]:
    """Read a checklist typed one item per line, ``text | points | *`` (points default 10, * = evidence needed)."""
    items: list[tuple[str, int, bool]] = []
    errors: list[str] = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = _BULLET.sub("", raw).strip()
        if not line:
            continue
        parts = [part.strip() for part in line.split("|")]
        weight, needs_evidence = DEFAULT_WEIGHT, False
        while len(parts) > 1:
            last = parts[-1]
            if fold(last) in _EVIDENCE_MARKS:
                needs_evidence = True
            elif re.fullmatch(r"\d{1,6}", last):
                weight = int(last)
            elif last:
                break
            parts.pop()
        item_text = " | ".join(parts).strip()
        if not item_text:
            errors.append(_("dòng %(n)s: thiếu nội dung kiểm tra") % {"n": number})
        elif len(item_text) > MAX_ITEM_TEXT:
            errors.append(
                _("dòng %(n)s: nội dung dài quá %(max)s ký tự") % {"n": number, "max": MAX_ITEM_TEXT}
            )
        elif not 1 <= weight <= MAX_WEIGHT:
            errors.append(
                _("dòng %(n)s: điểm tối đa phải từ 1 đến %(max)s") % {"n": number, "max": MAX_WEIGHT}
            )
        else:
            items.append((item_text, weight, needs_evidence))
    if errors:
        raise _invalid(_("Nội dung kiểm tra chưa đúng: %(errors)s.") % {"errors": "; ".join(errors)})
    _check_items(items)
    return items


def format_checklist(items: Iterable[ChecklistItem]) -> str:
    """Write ITEMS in the one-per-line form ``parse_checklist`` reads (to copy a previous round's checklist)."""
    lines = []
    for item in items:
        text = " ".join(item.text.split())
        lines.append(f"{text} | {item.weight}" + (" | *" if item.evidence_required else ""))
    return "\n".join(lines)


def _check_items(items) -> None:
    if not items:
        raise _invalid(_("Danh mục kiểm tra cần ít nhất một nội dung."))
    if len(items) > MAX_ITEMS:
        raise _invalid(_("Danh mục kiểm tra có tối đa %(n)s nội dung.") % {"n": MAX_ITEMS})
    for text, weight, _evidence in items:
        if not str(text or "").strip() or len(str(text)) > MAX_ITEM_TEXT:
            raise _invalid(_("Mỗi nội dung kiểm tra cần có chữ, tối đa %(n)s ký tự.") % {"n": MAX_ITEM_TEXT})
        if not isinstance(weight, int) or isinstance(weight, bool) or not 1 <= weight <= MAX_WEIGHT:
            raise _invalid(_("Điểm tối đa của mỗi nội dung phải từ 1 đến %(max)s.") % {"max": MAX_WEIGHT})


# Rounds ------------------------------------------------------------------------------------------------


def _check_round_fields(title: str, year: int, opens_on: dt.date, due_on: dt.date) -> str:
    title = _text(title, 300, _("Tên đợt kiểm tra"))
    if not title:
        raise _invalid(_("Hãy ghi tên đợt kiểm tra."))
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise _invalid(_("Năm phải từ 2000 đến 2100."))
    if not isinstance(opens_on, dt.date) or not isinstance(due_on, dt.date):
        raise _invalid(_("Hãy ghi ngày bắt đầu và hạn trả lời."))
    if due_on < opens_on:
        raise _invalid(_("Hạn trả lời không được trước ngày bắt đầu."))
    return title


def open_round(
    authority: Library,
    actor,
    title: str,
    year: int,
    opens_on: dt.date,
    due_on: dt.date,
    checklist: list[tuple[str, int, bool]],
    libraries: Iterable[Library] = (),
    inspector=None,
    description: str = "",
) -> InspectionRound:
    """Open a round of AUTHORITY with CHECKLIST (text, points, evidence required) and assign LIBRARIES."""
    if not can_open_inspections(actor, authority):
        raise _forbidden()
    title = _check_round_fields(title, year, opens_on, due_on)
    description = _text(description, MAX_FINDINGS, _("Nội dung, căn cứ"))
    items = [(str(t).strip(), w, bool(e)) for t, w, e in checklist]
    _check_items(items)
    libraries = list(libraries)
    with transaction.atomic():
        rnd = InspectionRound.objects.create(
            authority=authority, title=title, year=year, description=description, opens_on=opens_on,
            due_on=due_on, created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )  # fmt: skip
        ChecklistItem.objects.bulk_create(
            ChecklistItem(round=rnd, position=i, text=t, weight=w, evidence_required=e)
            for i, (t, w, e) in enumerate(items, start=1)
        )
        audit(
            "reports.round.opened", actor=actor, library=authority, obj=rnd, title=title, year=year,
            items=len(items), opens_on=opens_on.isoformat(), due_on=due_on.isoformat(),
        )  # fmt: skip
        if libraries:
            assign_libraries(rnd, actor, libraries, inspector=inspector)
    return rnd


def update_round(
    rnd: InspectionRound,
    actor,
    title: str,
    year: int,
    opens_on: dt.date,
    due_on: dt.date,
    description: str = "",
) -> InspectionRound:
    """Change RND's title, year, dates and description while it is open."""
    if not may_manage_round(actor, rnd):
        raise _forbidden()
    title = _check_round_fields(title, year, opens_on, due_on)
    description = _text(description, MAX_FINDINGS, _("Nội dung, căn cứ"))
    with transaction.atomic():
        locked = InspectionRound.objects.select_for_update().get(pk=rnd.pk)
        _round_open(locked)
        InspectionRound.objects.filter(pk=rnd.pk).update(
            title=title, year=year, opens_on=opens_on, due_on=due_on, description=description
        )
        audit(
            "reports.round.updated", actor=actor, library=rnd.authority, obj=rnd, title=title, year=year,
            opens_on=opens_on.isoformat(), due_on=due_on.isoformat(),
        )  # fmt: skip
    rnd.refresh_from_db()
    return rnd


def update_checklist(rnd: InspectionRound, actor, items: list[tuple[int | None, str, int, bool]]) -> None:
    """Make RND's checklist ITEMS (id or None for a new one, text, points, evidence required), in that order.

    Items left out are deleted with the answers and evidence files given to them; allowed only while no
    library has sent its answers.
    """
    if not may_manage_round(actor, rnd):
        raise _forbidden()
    cleaned = [(pk, str(t or "").strip(), w, bool(e)) for pk, t, w, e in items]
    _check_items([(t, w, e) for _pk, t, w, e in cleaned])
    with transaction.atomic():
        locked = InspectionRound.objects.select_for_update().get(pk=rnd.pk)
        _round_open(locked)
        if locked.inspections.exclude(status=ASSIGNED).exists():
            raise InspectionError(
                "state", _("Đã có thư viện gửi trả lời nên không sửa được danh mục kiểm tra của đợt này.")
            )
        existing = {item.pk: item for item in locked.items.all()}
        kept = {pk for pk, *_rest in cleaned if pk is not None}
        unknown = kept - set(existing)
        if unknown:
            raise _invalid(_("Danh mục kiểm tra vừa thay đổi; hãy tải lại trang."))
        removed = set(existing) - kept
        stored = list(Evidence.objects.filter(answer__item_id__in=removed).values_list("file", flat=True))
        ChecklistItem.objects.filter(pk__in=removed).delete()
        for position, (pk, text, weight, needs) in enumerate(cleaned, start=1):
            if pk is None:
                ChecklistItem.objects.create(
                    round=locked, position=position, text=text, weight=weight, evidence_required=needs
                )
            else:
                item, wanted = existing[pk], (position, text, weight, needs)
                if (item.position, item.text, item.weight, item.evidence_required) != wanted:
                    ChecklistItem.objects.filter(pk=pk).update(
                        position=position, text=text, weight=weight, evidence_required=needs
                    )
        audit(
            "reports.round.checklist_updated", actor=actor, library=locked.authority, obj=locked,
            items=len(cleaned), removed=sorted(removed), files_removed=len(stored),
        )  # fmt: skip
        transaction.on_commit(lambda: files.delete_stored(stored))


def _check_inspector(inspector, libraries: Iterable[Library]) -> None:
    if inspector is None:
        return
    if not getattr(inspector, "is_active", False):
        raise _invalid(_("Người kiểm tra được chọn không còn hoạt động."))
    for library in libraries:
        if not can_inspect(inspector, library):
            raise _invalid(
                _("%(user)s không có quyền kiểm tra %(library)s.")
                % {"user": inspector.get_username(), "library": library.name}
            )


def assign_libraries(
    rnd: InspectionRound, actor, libraries: Iterable[Library], inspector=None
) -> list[Inspection]:
    """Give each of LIBRARIES (in RND's province) an inspection in RND, with INSPECTOR; skip those already in it."""
    if not may_manage_round(actor, rnd):
        raise _forbidden()
    libraries = list({lib.pk: lib for lib in libraries}.values())
    outside = [lib for lib in libraries if not lib.path.startswith(rnd.authority.path)]
    if outside:
        raise _invalid(
            _("Thư viện không thuộc phạm vi của đợt kiểm tra: %(names)s.")
            % {"names": ", ".join(lib.name for lib in outside)}
        )
    _check_inspector(inspector, libraries)
    created = []
    with transaction.atomic():
        locked = InspectionRound.objects.select_for_update().get(pk=rnd.pk)
        _round_open(locked)
        already = set(locked.inspections.values_list("library_id", flat=True))
        for library in libraries:
            if library.pk in already:
                continue
            inspection = Inspection.objects.create(round=locked, library=library, inspector=inspector)
            audit(
                "reports.inspection.assigned", actor=actor, library=library, obj=inspection, round=locked.pk,
                inspector=getattr(inspector, "pk", None),
            )  # fmt: skip
            created.append(inspection)
    return created


def set_inspector(inspection: Inspection, actor, inspector) -> Inspection:
    """Make INSPECTOR (or nobody) the inspector assigned to INSPECTION, until it is scored."""
    if not may_manage_round(actor, inspection.round):
        raise _forbidden()
    _check_inspector(inspector, [inspection.library])
    with transaction.atomic():
        locked = _lock(inspection)
        _round_open(locked.round)
        if locked.status == SCORED:
            raise _state_error(locked)
        Inspection.objects.filter(pk=locked.pk).update(inspector=inspector)
        audit(
            "reports.inspection.inspector_set", actor=actor, library=locked.library, obj=locked,
            inspector=getattr(inspector, "pk", None), previous=locked.inspector_id,
        )  # fmt: skip
    inspection.refresh_from_db()
    return inspection


def close_round(rnd: InspectionRound, actor) -> InspectionRound:
    """Close RND once every inspection in it is scored (follow-up actions stay tracked)."""
    transition = ROUND_TRANSITIONS["closed"]
    if not may_manage_round(actor, rnd):
        raise _forbidden()
    with transaction.atomic():
        locked = InspectionRound.objects.select_for_update().select_related("authority").get(pk=rnd.pk)
        if locked.status not in transition.sources:
            raise InspectionError("state", _("Đợt kiểm tra đã kết thúc."))
        unscored = locked.inspections.exclude(status=SCORED).count()
        if unscored:
            raise InspectionError(
                "unscored",
                _("Chưa kết thúc được: còn %(n)s thư viện chưa được kết luận, chấm điểm.") % {"n": unscored},
            )
        now = timezone.now()
        InspectionRound.objects.filter(pk=locked.pk, status=locked.status).update(
            status=transition.target, closed_at=now
        )
        open_actions = FollowUpAction.objects.filter(inspection__round=locked).exclude(status=CLOSED).count()
        audit(
            "reports.round.closed", actor=actor, library=locked.authority, obj=locked,
            inspections=locked.inspections.count(), open_actions=open_actions,
        )  # fmt: skip
    rnd.refresh_from_db()
    return rnd


# Answers and evidence ----------------------------------------------------------------------------------


def _check_answerable(actor, inspection: Inspection) -> None:
    if not may_answer(actor, inspection):
        raise _forbidden()
    _round_open(inspection.round)
    if inspection.status != ASSIGNED:
        raise InspectionError(
            "state",
            _("Câu trả lời đã được gửi nên không sửa được (trừ khi người kiểm tra trả lại để bổ sung)."),
        )


def save_answers(
    inspection: Inspection, actor, answers: dict[int, tuple[str, str]]
) -> dict[int, InspectionAnswer]:
    """Write the library's ANSWERS {item id: (compliance, text)}; return {item id: answer} for those items."""
    if not may_answer(actor, inspection):
        raise _forbidden()
    cleaned: dict[int, tuple[str, str]] = {}
    for item_id, (compliance, text) in answers.items():
        compliance = str(compliance or "")
        if compliance and compliance not in COMPLIANCE:
            raise _invalid(_("Mức tự đánh giá không hợp lệ."))
        cleaned[int(item_id)] = (compliance, _text(text, MAX_ANSWER_TEXT, _("Câu trả lời")))
    with transaction.atomic():
        locked = _lock(inspection)
        _check_answerable(actor, locked)
        items = set(locked.round.items.values_list("pk", flat=True))
        if set(cleaned) - items:
            raise _invalid(_("Danh mục kiểm tra vừa thay đổi; hãy tải lại trang."))
        current = {a.item_id: a for a in locked.answers.all()}
        changed = []
        for item_id, (compliance, text) in cleaned.items():
            answer = current.get(item_id)
            if answer is None:
                current[item_id] = InspectionAnswer.objects.create(
                    inspection=locked, item_id=item_id, compliance=compliance, text=text
                )
                changed.append(item_id)
            elif (answer.compliance, answer.text) != (compliance, text):
                answer.compliance, answer.text = compliance, text
                answer.save(update_fields=["compliance", "text"])
                changed.append(item_id)
        if changed:
            audit(
                "reports.inspection.answers_saved",
                actor=actor,
                library=locked.library,
                obj=locked,
                items=changed,
            )
    return {item_id: current[item_id] for item_id in cleaned}


def answer_for(inspection: Inspection, actor, item: ChecklistItem) -> InspectionAnswer:
    """Return the library's answer to ITEM, creating an empty one (to attach evidence to) if there is none."""
    if item.round_id != inspection.round_id:
        raise _invalid(_("Danh mục kiểm tra vừa thay đổi; hãy tải lại trang."))
    existing = InspectionAnswer.objects.filter(inspection=inspection, item=item).first()
    if existing is not None:
        return existing
    return save_answers(inspection, actor, {item.pk: ("", "")})[item.pk]


def add_evidence_files(answer: InspectionAnswer, actor, uploads: list) -> list[Evidence]:
    """Check, scan and store UPLOADS as evidence of ANSWER, all or none; raise EvidenceError for a refused file."""
    inspection = Inspection.objects.select_related("round__authority", "library").get(pk=answer.inspection_id)
    _check_answerable(actor, inspection)
    uploads = list(uploads)
    if not uploads:
        return []
    if answer.evidence.count() + len(uploads) > files.MAX_FILES_PER_ANSWER:
        raise EvidenceError(
            "count", _("Mỗi nội dung có tối đa %(n)s tệp minh chứng.") % {"n": files.MAX_FILES_PER_ANSWER}
        )
    checked = [files.check(upload) for upload in uploads]
    for one in checked:
        files.scan(one, actor=actor, library=inspection.library, obj=inspection)
    stored: list[str] = []
    try:
        # Written before the transaction (no database lock held while bytes go to disk), deleted on failure.
        for one in checked:
            stored.append(files.store(one))
        with transaction.atomic():
            locked = _lock(inspection)
            _check_answerable(actor, locked)
            if InspectionAnswer.objects.filter(pk=answer.pk, inspection=locked).count() != 1:
                raise _invalid(_("Danh mục kiểm tra vừa thay đổi; hãy tải lại trang."))
            if Evidence.objects.filter(answer=answer).count() + len(checked) > files.MAX_FILES_PER_ANSWER:
                raise EvidenceError(
                    "count",
                    _("Mỗi nội dung có tối đa %(n)s tệp minh chứng.") % {"n": files.MAX_FILES_PER_ANSWER},
                )
            rows = []
            for one, name in zip(checked, stored, strict=True):
                row = Evidence.objects.create(
                    answer=answer, file=name, filename=one.filename, content_type=one.content_type,
                    size=one.size, sha256=one.sha256, uploaded_by=actor,
                )  # fmt: skip
                audit(
                    "reports.evidence.added", actor=actor, library=locked.library, obj=locked, evidence=row.pk,
                    item=answer.item_id, name=one.filename, content_type=one.content_type, size=one.size,
                    sha256=one.sha256,
                )  # fmt: skip
                rows.append(row)
    except BaseException:
        files.delete_stored(stored)
        raise
    return rows


def add_evidence(answer: InspectionAnswer, actor, uploaded_file) -> Evidence:
    """Check, scan and store one UPLOADED_FILE as evidence of ANSWER; raise EvidenceError when refused."""
    return add_evidence_files(answer, actor, [uploaded_file])[0]


def remove_evidence(evidence: Evidence, actor) -> None:
    """Delete an evidence file the library attached, while its answers may still be changed."""
    with transaction.atomic():
        locked = _lock(evidence.answer.inspection)
        _check_answerable(actor, locked)
        row = Evidence.objects.filter(pk=evidence.pk, answer__inspection=locked).first()
        if row is None:
            return
        name = row.file.name
        row.delete()
        audit(
            "reports.evidence.removed", actor=actor, library=locked.library, obj=locked, evidence=evidence.pk,
            item=row.answer.item_id, name=row.filename, sha256=row.sha256,
        )  # fmt: skip
        transaction.on_commit(lambda: files.delete_stored([name]))


def missing_for_sending(inspection: Inspection) -> tuple[list[int], list[int]]:
    """The checklist numbers (1-based) of items without a self-assessment, and of items lacking required evidence."""
    answers = {a.item_id: a for a in inspection.answers.all()}
    with_files = set(
        Evidence.objects.filter(answer__inspection=inspection).values_list("answer__item_id", flat=True)
    )
    unanswered, no_evidence = [], []
    for number, item in enumerate(inspection.round.items.all(), start=1):
        answer = answers.get(item.pk)
        if answer is None or not answer.compliance:
            unanswered.append(number)
        if item.evidence_required and item.pk not in with_files:
            no_evidence.append(number)
    return unanswered, no_evidence


def send_answers(inspection: Inspection, actor) -> Inspection:
    """Send the library's answers to the inspector (assigned → answered) once every item is answered."""

    def work(locked: Inspection) -> dict:
        unanswered, no_evidence = missing_for_sending(locked)
        problems = []
        if unanswered:
            problems.append(
                _("chưa tự đánh giá nội dung số %(numbers)s") % {"numbers": ", ".join(map(str, unanswered))}
            )
        if no_evidence:
            problems.append(
                _("nội dung số %(numbers)s cần ít nhất một tệp minh chứng")
                % {"numbers": ", ".join(map(str, no_evidence))}
            )
        if problems:
            raise _invalid(_("Chưa gửi được: %(problems)s.") % {"problems": "; ".join(problems)})
        return {"answered_at": timezone.now()}

    return _move_inspection(inspection, "sent", actor, work)


def return_answers(inspection: Inspection, actor, comment: str) -> Inspection:
    """Return the answers to the library for completion (answered → assigned), saying what is missing."""
    comment = _text(comment, MAX_COMMENT, _("Ý kiến"))
    if not comment:
        raise _invalid(_("Hãy ghi rõ thư viện cần bổ sung gì."))
    return _move_inspection(
        inspection, "returned", actor, lambda locked: {"answered_at": None}, comment=comment
    )


# Scoring and follow-up actions -------------------------------------------------------------------------


def compute_score(points: Iterable[float], weights: Iterable[int]) -> float:
    """Sum of POINTS over sum of WEIGHTS, as a percentage rounded half up to one decimal."""
    total_points = sum((Decimal(str(p)) for p in points), Decimal(0))
    total_weight = sum((Decimal(int(w)) for w in weights), Decimal(0))
    if total_weight <= 0:
        return 0.0
    return float((total_points * 100 / total_weight).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _clean_actions(actions) -> list[tuple[str, dt.date | None]]:
    cleaned = []
    for description, due_on in actions:
        description = _text(description, MAX_COMMENT, _("Yêu cầu khắc phục"))
        if not description:
            raise _invalid(_("Mỗi yêu cầu khắc phục cần có nội dung."))
        if due_on is not None and not isinstance(due_on, dt.date):
            raise _invalid(_("Hạn khắc phục không hợp lệ."))
        cleaned.append((description, due_on))
    return cleaned


def score(
    inspection: Inspection,
    actor,
    points: dict[int, float],
    findings: str,
    actions: Iterable[tuple[str, dt.date | None]] = (),
) -> Inspection:
    """Record the inspector's POINTS per item (0..weight), FINDINGS and follow-up ACTIONS; the inspection is scored."""
    findings = _text(findings, MAX_FINDINGS, _("Kết luận"))
    actions = _clean_actions(actions)

    def work(locked: Inspection) -> dict:
        if locked.status == ASSIGNED and locked.round.due_on >= timezone.localdate():
            raise InspectionError(
                "state", _("Thư viện chưa gửi trả lời và chưa hết hạn trả lời nên chưa chấm điểm được.")
            )
        items = list(locked.round.items.all())
        given: dict[int, float] = {}
        missing, wrong = [], []
        for number, item in enumerate(items, start=1):
            value = points.get(item.pk)
            if isinstance(value, str):
                value = value.strip().replace(",", ".")
            if value is None or value == "":
                missing.append(number)
                continue
            try:
                value = float(value)
            except (TypeError, ValueError):
                wrong.append(number)
                continue
            if not math.isfinite(value) or not 0 <= value <= item.weight:
                wrong.append(number)
                continue
            given[item.pk] = value
        problems = []
        if missing:
            problems.append(
                _("chưa chấm nội dung số %(numbers)s") % {"numbers": ", ".join(map(str, missing))}
            )
        if wrong:
            problems.append(
                _("điểm của nội dung số %(numbers)s phải từ 0 đến điểm tối đa")
                % {"numbers": ", ".join(map(str, wrong))}
            )
        if problems:
            raise _invalid(_("Chưa kết luận được: %(problems)s.") % {"problems": "; ".join(problems)})
        current = {a.item_id: a for a in locked.answers.all()}
        for item in items:
            answer = current.get(item.pk)
            if answer is None:
                InspectionAnswer.objects.create(inspection=locked, item=item, points=given[item.pk])
            elif answer.points != given[item.pk]:
                InspectionAnswer.objects.filter(pk=answer.pk).update(points=given[item.pk])
        for description, due_on in actions:
            created = FollowUpAction.objects.create(inspection=locked, description=description, due_on=due_on)
            audit(
                "reports.followup.created", actor=actor, library=locked.library, obj=created,
                inspection=locked.pk, due_on=due_on.isoformat() if due_on else None,
            )  # fmt: skip
        value = compute_score(given.values(), (item.weight for item in items))
        # The score and points in the audit entry too: the figures a dispute would ask about.
        return {
            "findings": findings, "score": value, "scored_at": timezone.now(),
            "_audit": {"score": value, "points": {str(k): v for k, v in given.items()}},
        }  # fmt: skip

    return _move_inspection(inspection, "scored", actor, work, actions=len(actions))


def add_action(
    inspection: Inspection, actor, description: str, due_on: dt.date | None = None
) -> FollowUpAction:
    """Ask the library of a scored INSPECTION for one more follow-up action."""
    ((description, due_on),) = _clean_actions([(description, due_on)])
    with transaction.atomic():
        locked = _lock(inspection)
        if not may_score(actor, locked):
            raise _forbidden()
        if locked.status != SCORED:
            raise _state_error(locked)
        created = FollowUpAction.objects.create(inspection=locked, description=description, due_on=due_on)
        audit(
            "reports.followup.created", actor=actor, library=locked.library, obj=created, inspection=locked.pk,
            due_on=due_on.isoformat() if due_on else None,
        )  # fmt: skip
    return created


def report_action_done(action: FollowUpAction, actor, response: str) -> FollowUpAction:
    """The library reports follow-up ACTION done, saying what it did (open → done)."""
    response = _text(response, MAX_ANSWER_TEXT, _("Kết quả khắc phục"))
    if not response:
        raise _invalid(_("Hãy ghi kết quả khắc phục."))
    return _move_action(
        action, "done", actor, {"response": response, "done_at": timezone.now()}, response=response
    )


def close_action(action: FollowUpAction, actor) -> FollowUpAction:
    """The inspector confirms follow-up ACTION done (done → closed)."""
    return _move_action(action, "closed", actor, {"closed_at": timezone.now(), "closed_by": actor})


def reopen_action(action: FollowUpAction, actor, comment: str) -> FollowUpAction:
    """The inspector finds follow-up ACTION not done after all (done → open), saying why."""
    comment = _text(comment, MAX_COMMENT, _("Ý kiến"))
    if not comment:
        raise _invalid(_("Hãy ghi lý do chưa xác nhận hoàn thành."))
    return _move_action(action, "reopened", actor, {"done_at": None}, comment=comment)
