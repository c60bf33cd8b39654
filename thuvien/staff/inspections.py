"""Inspection rounds in the staff pages (/staff/inspections/): rounds, a library's inspection, follow-ups, files.

Managers open rounds and assign libraries; a library's staff answer with evidence and send; the inspector
returns or scores; follow-up actions are reported done and closed. Every page reads through
``reports.inspections_queries`` (anything out of the user's scope is a 404) and every change is an
action of ``reports.inspections`` (a refusal of right is a 403, any other refusal a message on the page).
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from thuvien.lib.vn_text import fold
from thuvien.network.models import Library, LibraryKind
from thuvien.reports import evidence as files
from thuvien.reports import inspections as actions
from thuvien.reports import inspections_queries as q
from thuvien.reports.evidence import EvidenceError
from thuvien.reports.inspections import InspectionError
from thuvien.reports.models import FollowUpAction, InspectionAnswer, InspectionRound, InspectionStatus
from thuvien.staff.views import reports_required

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# Blank follow-up rows on the scoring form; more are added one by one once scored.
ACTION_ROWS = 3
# Blank rows for new items on the checklist editor.
NEW_ITEM_ROWS = 3


def _refused(exc: InspectionError, request) -> None:
    """A refusal of right is a 403; any other refusal becomes a message on the page."""
    if exc.code == "forbidden":
        raise PermissionDenied(exc.message)
    messages.error(request, exc.message)


def _date(value: str) -> dt.date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InspectionError(
            "invalid", _("Ngày «%(value)s» không hợp lệ.") % {"value": value[:20]}
        ) from None


# Rounds --------------------------------------------------------------------------------------------------


@reports_required
@require_GET
def rounds(request):
    user = request.user
    listed = list(q.rounds_for(user).order_by("-year", "-opens_on", "-pk"))
    mine = {}
    for inspection in q.inspections_for(user).filter(round__in=listed).select_related("library"):
        mine.setdefault(inspection.round_id, []).append(inspection)
    counts = {}
    for round_id, status, n in (
        q.inspections_for(user)
        .filter(round__in=listed)
        .values_list("round_id", "status")
        .annotate(n=Count("pk"))
    ):
        counts.setdefault(round_id, {})[status] = n
    for rnd in listed:
        rnd.oversee = q.oversees(user, rnd)
        rnd.counts = counts.get(rnd.pk, {})
        rnd.total = sum(rnd.counts.values())
        rnd.mine = mine.get(rnd.pk, [])
    return render(
        request,
        "staff/inspections/rounds.html",
        {"rounds": listed, "may_open": q.authorities_for(user).exists()},
    )


class RoundForm(forms.Form):
    authority = forms.ModelChoiceField(queryset=Library.objects.none(), label=gettext_lazy("Phạm vi (tỉnh)"))
    title = forms.CharField(label=gettext_lazy("Tên đợt kiểm tra"), max_length=300)
    year = forms.IntegerField(label=gettext_lazy("Năm"), min_value=2000, max_value=2100)
    description = forms.CharField(
        label=gettext_lazy("Nội dung, căn cứ"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    opens_on = forms.DateField(label=gettext_lazy("Bắt đầu"), widget=DATE)
    due_on = forms.DateField(label=gettext_lazy("Hạn thư viện trả lời"), widget=DATE)
    checklist = forms.CharField(
        label=gettext_lazy("Danh mục kiểm tra"),
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=gettext_lazy(
            "Mỗi dòng một nội dung. Sau dấu | ghi điểm tối đa (mặc định 10); thêm | * nếu cần tệp minh chứng. "
            "Ví dụ: Có trang web cung cấp dịch vụ trực tuyến | 20 | *"
        ),
    )

    def __init__(self, *args, authorities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["authority"].queryset = authorities
        self.fields["authority"].label_from_instance = lambda lib: lib.name


@reports_required
@require_http_methods(["GET", "POST"])
def round_new(request):
    authorities = q.authorities_for(request.user).order_by("path")
    if not authorities.exists():
        raise PermissionDenied
    previous = list(
        q.rounds_for(request.user)
        .filter(authority__in=authorities)
        .order_by("-year", "-opens_on", "-pk")[:50]
    )
    if request.method == "POST":
        form = RoundForm(request.POST, authorities=authorities)
        if form.is_valid():
            data = form.cleaned_data
            try:
                checklist = actions.parse_checklist(data["checklist"])
                rnd = actions.open_round(
                    data["authority"], request.user, data["title"], data["year"], data["opens_on"],
                    data["due_on"], checklist, description=data["description"],
                )  # fmt: skip
            except InspectionError as exc:
                _refused(exc, request)
            else:
                messages.success(request, _("Đã mở đợt kiểm tra. Hãy chọn các thư viện được kiểm tra."))
                return redirect("staff_inspections:round_assign", round_id=rnd.pk)
    else:
        today = timezone.localdate()
        initial = {"authority": authorities.first(), "year": today.year, "opens_on": today}
        wanted = request.GET.get("copy") or ""
        copy = next((rnd for rnd in previous if str(rnd.pk) == wanted), None)
        if copy is not None:
            initial["checklist"] = actions.format_checklist(copy.items.all())
            initial["description"] = copy.description
        form = RoundForm(initial=initial, authorities=authorities)
    return render(
        request,
        "staff/inspections/round_new.html",
        {
            "form": form,
            "previous": previous,
            "single_authority": authorities.count() == 1,
            # Not request.GET.copy in the template: that is QueryDict.copy().
            "copy_id": request.GET.get("copy", ""),
        },
    )


def _round_or_404(user, round_id) -> InspectionRound:
    rnd = q.round_for(user, round_id)
    if rnd is None:
        raise Http404
    return rnd


@reports_required
@require_GET
def round_detail(request, round_id: int):
    rnd = _round_or_404(request.user, round_id)
    oversee = q.oversees(request.user, rnd)
    listed = list(
        q.inspections_in_round(request.user, rnd).annotate(
            open_actions=Count("actions", filter=~Q(actions__status=FollowUpAction.Status.CLOSED))
        )
    )
    today = timezone.localdate()
    follow_ups = list(
        FollowUpAction.objects.filter(inspection__in=[i.pk for i in listed])
        .exclude(status=FollowUpAction.Status.CLOSED)
        .select_related("inspection__library")
        .order_by(F("due_on").asc(nulls_last=True), "pk")
    )
    for action in follow_ups:
        action.overdue = q.is_overdue(action, today)
    manage = q.may_manage_round(request.user, rnd)
    is_open = rnd.status == InspectionRound.Status.OPEN
    progress = q.progress(q.inspections_in_round(request.user, rnd))
    return render(
        request,
        "staff/inspections/round.html",
        {
            "round": rnd,
            "items": list(rnd.items.all()),
            "inspections": listed,
            "progress": progress,
            "oversee": oversee,
            "follow_ups": follow_ups,
            "overdue": sum(1 for a in follow_ups if a.overdue),
            "may_manage": manage and is_open,
            "may_edit_checklist": manage and is_open and progress["answered"] + progress["scored"] == 0,
            "may_close": manage and is_open and progress["scored"] == progress["total"],
            "past_due": rnd.due_on < today,
        },
    )


class RoundDetailsForm(forms.Form):
    title = RoundForm.base_fields["title"]
    year = RoundForm.base_fields["year"]
    description = RoundForm.base_fields["description"]
    opens_on = RoundForm.base_fields["opens_on"]
    due_on = RoundForm.base_fields["due_on"]


def _posted_items(post) -> list[dict]:
    """The checklist editor's rows as typed: id (or None), text, weight (text), evidence, delete."""
    rows = []
    for n in range(int(post.get("rows") or 0)):
        prefix = f"item-{n}-"
        rows.append(
            {
                "id": int(post[prefix + "id"]) if (post.get(prefix + "id") or "").isdigit() else None,
                "text": post.get(prefix + "text", ""),
                "weight": post.get(prefix + "weight", ""),
                "evidence": bool(post.get(prefix + "evidence")),
                "delete": bool(post.get(prefix + "delete")),
            }
        )
    return rows[: actions.MAX_ITEMS + NEW_ITEM_ROWS]


def _items_from_rows(rows) -> list[tuple]:
    items = []
    for number, row in enumerate(rows, start=1):
        if row["delete"] or (row["id"] is None and not row["text"].strip()):
            continue
        weight = row["weight"].strip() if isinstance(row["weight"], str) else row["weight"]
        try:
            weight = int(weight)
        except (TypeError, ValueError):
            raise InspectionError(
                "invalid", _("Dòng %(n)s: điểm tối đa phải là số nguyên.") % {"n": number}
            ) from None
        items.append((row["id"], row["text"], weight, row["evidence"]))
    return items


@reports_required
@require_http_methods(["GET", "POST"])
def round_edit(request, round_id: int):
    rnd = _round_or_404(request.user, round_id)
    if not q.may_manage_round(request.user, rnd):
        raise PermissionDenied
    rows = [
        {"id": i.pk, "text": i.text, "weight": i.weight, "evidence": i.evidence_required, "delete": False}
        for i in rnd.items.all()
    ]
    form = RoundDetailsForm(
        initial={f: getattr(rnd, f) for f in ("title", "year", "description", "opens_on", "due_on")}
    )
    if request.method == "POST":
        what = request.POST.get("action")
        try:
            if what == "details":
                form = RoundDetailsForm(request.POST)
                if form.is_valid():
                    d = form.cleaned_data
                    actions.update_round(
                        rnd, request.user, d["title"], d["year"], d["opens_on"], d["due_on"], d["description"]
                    )
                    messages.success(request, _("Đã lưu thông tin đợt kiểm tra."))
                    return redirect("staff_inspections:round", round_id=rnd.pk)
            elif what == "checklist":
                rows = _posted_items(request.POST)
                actions.update_checklist(rnd, request.user, _items_from_rows(rows))
                messages.success(request, _("Đã lưu danh mục kiểm tra."))
                return redirect("staff_inspections:round", round_id=rnd.pk)
            else:
                messages.error(request, _("Thao tác không hợp lệ."))
        except InspectionError as exc:
            _refused(exc, request)
    rows = [r for r in rows if r["id"] is not None or str(r["text"]).strip()]
    rows += [
        {"id": None, "text": "", "weight": actions.DEFAULT_WEIGHT, "evidence": False, "delete": False}
    ] * (NEW_ITEM_ROWS)
    locked = (
        rnd.status != InspectionRound.Status.OPEN
        or rnd.inspections.exclude(status=InspectionStatus.ASSIGNED).exists()
    )
    return render(
        request,
        "staff/inspections/round_edit.html",
        {"round": rnd, "form": form, "rows": rows, "locked": locked},
    )


@reports_required
@require_http_methods(["GET", "POST"])
def round_assign(request, round_id: int):
    rnd = _round_or_404(request.user, round_id)
    if not q.may_manage_round(request.user, rnd):
        raise PermissionDenied
    params = request.POST if request.method == "POST" else request.GET
    kind = params.get("kind") or ""
    text = (params.get("q") or "").strip()[:100]
    candidates = rnd.authority.subtree().filter(active=True).order_by("path")
    if kind in LibraryKind.values:
        candidates = candidates.filter(kind=kind)
    shown = list(candidates)
    if text:
        needle = fold(text)
        shown = [lib for lib in shown if needle in fold(lib.name) or needle in fold(lib.code)]
    inspectors = q.inspector_candidates(rnd.authority)
    if request.method == "POST":
        if "all" in request.POST:
            chosen = shown
        else:
            codes = set(request.POST.getlist("library"))
            chosen = [lib for lib in rnd.authority.subtree().filter(code__in=codes)]
        inspector = None
        if request.POST.get("inspector"):
            inspector = next((u for u in inspectors if str(u.pk) == request.POST["inspector"]), None)
            if inspector is None:
                messages.error(request, _("Người kiểm tra được chọn không hợp lệ."))
        if not chosen:
            messages.error(request, _("Hãy chọn ít nhất một thư viện."))
        elif inspector is not None or not request.POST.get("inspector"):
            try:
                created = actions.assign_libraries(rnd, request.user, chosen, inspector=inspector)
            except InspectionError as exc:
                _refused(exc, request)
            else:
                messages.success(request, _("Đã giao kiểm tra cho %(n)s thư viện.") % {"n": len(created)})
                return redirect("staff_inspections:round", round_id=rnd.pk)
    assigned = {i.library_id: i for i in rnd.inspections.all()}
    for lib in shown:
        lib.inspection = assigned.get(lib.pk)
    return render(
        request,
        "staff/inspections/round_assign.html",
        {
            "round": rnd,
            "libraries": shown,
            "kinds": LibraryKind.choices,
            "kind": kind,
            "q": text,
            "inspectors": inspectors,
            "is_open": rnd.status == InspectionRound.Status.OPEN,
        },
    )


@reports_required
@require_POST
def round_close(request, round_id: int):
    rnd = _round_or_404(request.user, round_id)
    try:
        actions.close_round(rnd, request.user)
    except InspectionError as exc:
        _refused(exc, request)
    else:
        messages.success(
            request, _("Đã kết thúc đợt kiểm tra. Các yêu cầu khắc phục chưa xong vẫn được theo dõi.")
        )
    return redirect("staff_inspections:round", round_id=rnd.pk)


# One library's inspection -----------------------------------------------------------------------------------


def _inspection_or_404(user, inspection_id):
    inspection = q.inspection_for(user, inspection_id)
    if inspection is None:
        raise Http404
    return inspection


def _posted_answers(post, items) -> dict[int, tuple[str, str]]:
    return {
        item.pk: (post.get(f"compliance-{item.pk}", ""), post.get(f"text-{item.pk}", "")) for item in items
    }


def _save(request, inspection, items) -> bool:
    """Save the posted answers, then the posted files; say what went wrong; True when all was kept."""
    answers = actions.save_answers(inspection, request.user, _posted_answers(request.POST, items))
    ok = True
    for item in items:
        uploads = request.FILES.getlist(f"files-{item.pk}")
        if not uploads:
            continue
        try:
            actions.add_evidence_files(answers[item.pk], request.user, uploads)
        except EvidenceError as exc:
            ok = False
            messages.error(
                request,
                _(
                    "Nội dung số %(n)s: %(error)s Câu trả lời đã được lưu; các tệp của nội dung này chưa được nhận."
                )
                % {"n": item.number, "error": exc.message},
            )
    return ok


def _handle_inspection_post(request, inspection, items) -> bool:
    """Run the posted action on INSPECTION; True when done (redirect), False to show the form again."""
    # A file's remove button carries the file's id (the form's other buttons carry an action).
    what = "remove" if request.POST.get("remove") else request.POST.get("action") or ""
    user = request.user
    if what in ("save", "send", "remove"):
        if not _save(request, inspection, items):
            return True
        if what == "remove":
            row = q.evidence_for(user, request.POST["remove"] if request.POST["remove"].isdigit() else 0)
            if row is not None and row.answer.inspection_id == inspection.pk:
                actions.remove_evidence(row, user)
                messages.success(request, _("Đã xóa tệp «%(name)s».") % {"name": row.filename})
        elif what == "send":
            actions.send_answers(inspection, user)
            messages.success(request, _("Đã gửi câu trả lời cho người kiểm tra."))
        else:
            messages.success(request, _("Đã lưu câu trả lời."))
        return True
    if what == "return":
        actions.return_answers(inspection, user, request.POST.get("comment", ""))
        messages.success(request, _("Đã trả lại để thư viện bổ sung."))
        return True
    if what == "score":
        points = {item.pk: request.POST.get(f"points-{item.pk}", "") for item in items}
        follow_ups = []
        for n in range(ACTION_ROWS):
            description = request.POST.get(f"action-{n}-description", "").strip()
            due_on = _date(request.POST.get(f"action-{n}-due", ""))
            if description or due_on:
                follow_ups.append((description, due_on))
        actions.score(inspection, user, points, request.POST.get("findings", ""), follow_ups)
        messages.success(request, _("Đã ghi kết luận và điểm."))
        return True
    if what == "add_action":
        actions.add_action(
            inspection, user, request.POST.get("description", ""), _date(request.POST.get("due_on", ""))
        )
        messages.success(request, _("Đã thêm yêu cầu khắc phục."))
        return True
    if what == "set_inspector":
        chosen = request.POST.get("inspector") or ""
        inspector = None
        if chosen:
            inspector = get_user_model().objects.filter(pk=chosen if chosen.isdigit() else 0).first()
            if inspector is None:
                raise InspectionError("invalid", _("Người kiểm tra được chọn không hợp lệ."))
        actions.set_inspector(inspection, user, inspector)
        messages.success(request, _("Đã cập nhật người kiểm tra."))
        return True
    messages.error(request, _("Thao tác không hợp lệ."))
    return True


@reports_required
@require_http_methods(["GET", "POST"])
def inspection_detail(request, inspection_id: int):
    user = request.user
    inspection = _inspection_or_404(user, inspection_id)
    rnd = inspection.round
    items = list(rnd.items.all())
    for number, item in enumerate(items, start=1):
        item.number = number
    if request.method == "POST":
        try:
            if _handle_inspection_post(request, inspection, items):
                return redirect("staff_inspections:inspection", inspection_id=inspection.pk)
        except InspectionError as exc:
            _refused(exc, request)
        except EvidenceError as exc:
            messages.error(request, exc.message)
        inspection.refresh_from_db()
    today = timezone.localdate()
    is_open = rnd.status == InspectionRound.Status.OPEN
    answers = {a.item_id: a for a in inspection.answers.prefetch_related("evidence")}
    posted = request.POST if request.method == "POST" else None
    for item in items:
        item.answer = answers.get(item.pk)
        item.files = list(item.answer.evidence.all()) if item.answer else []
        item.compliance = (
            posted.get(f"compliance-{item.pk}", "") if posted else getattr(item.answer, "compliance", "")
        )
        item.answer_text = posted.get(f"text-{item.pk}", "") if posted else getattr(item.answer, "text", "")
        item.points = posted.get(f"points-{item.pk}", "") if posted else getattr(item.answer, "points", None)
        given = getattr(item.answer, "points", None)
        # 20 rather than 20,0; 12,5 as it was given.
        item.points_text = (
            "" if given is None else number_format(int(given) if given == int(given) else given)
        )
    status = inspection.status
    may_answer = is_open and status == InspectionStatus.ASSIGNED and q.may_answer(user, inspection)
    inspector_role = q.may_score(user, inspection)
    may_score = (
        is_open
        and inspector_role
        and (
            status == InspectionStatus.ANSWERED
            or (status == InspectionStatus.ASSIGNED and rnd.due_on < today)
        )
    )
    follow_ups = _with_rights(
        user, inspection.actions.order_by(F("due_on").asc(nulls_last=True), "pk"), today
    )
    manage = q.may_manage_round(user, rnd)
    returned = q.returned_comment(inspection) if status == InspectionStatus.ASSIGNED else None
    action_rows = [
        {"description": posted.get(f"action-{n}-description", "") if posted else "",
         "due": posted.get(f"action-{n}-due", "") if posted else ""}
        for n in range(ACTION_ROWS)
    ]  # fmt: skip
    return render(
        request,
        "staff/inspections/inspection.html",
        {
            "inspection": inspection,
            "round": rnd,
            "items": items,
            "compliance_choices": InspectionAnswer.Compliance.choices,
            "may_answer": may_answer,
            "may_score": may_score,
            "may_return": is_open and inspector_role and status == InspectionStatus.ANSWERED,
            "inspector_role": inspector_role,
            "library_role": q.may_answer(user, inspection),
            "may_add_action": inspector_role and status == InspectionStatus.SCORED,
            "may_set_inspector": manage and is_open and status != InspectionStatus.SCORED,
            "inspectors": q.inspector_candidates(rnd.authority) if manage else [],
            "follow_ups": follow_ups,
            "action_rows": action_rows,
            "returned": returned,
            "findings": posted.get("findings", "") if posted else inspection.findings,
            "history": _history(inspection),
            "max_files": files.MAX_FILES_PER_ANSWER,
            "max_mb": files.MAX_FILE_BYTES // files.MB,
            "accepted": files.ACCEPTED_LABEL,
            "total_weight": sum(item.weight for item in items),
            "unanswered_due": status == InspectionStatus.ASSIGNED and rnd.due_on < today,
        },
    )


def _history_labels() -> dict[str, str]:
    return {
        "reports.inspection.assigned": _("Được giao kiểm tra"),
        "reports.inspection.inspector_set": _("Đổi người kiểm tra"),
        "reports.inspection.answers_saved": _("Lưu câu trả lời"),
        "reports.evidence.added": _("Thêm tệp minh chứng"),
        "reports.evidence.removed": _("Xóa tệp minh chứng"),
        "reports.evidence.infected": _("Tệp bị từ chối vì có mã độc"),
        "reports.inspection.sent": _("Gửi câu trả lời"),
        "reports.inspection.returned": _("Trả lại để bổ sung"),
        "reports.inspection.scored": _("Kết luận, chấm điểm"),
        "reports.followup.created": _("Yêu cầu khắc phục"),
        "reports.followup.done": _("Thư viện báo đã khắc phục"),
        "reports.followup.closed": _("Xác nhận hoàn thành"),
        "reports.followup.reopened": _("Mở lại yêu cầu khắc phục"),
    }


def _history(inspection) -> list:
    """INSPECTION's audit entries, each with a label and the detail a person needs (a file, a comment, a score)."""
    labels = _history_labels()
    entries = q.history(inspection)
    for entry in entries:
        entry.label = labels.get(entry.type, entry.type)
        data = entry.data or {}
        entry.detail = data.get("comment") or data.get("name") or data.get("response") or ""
        if entry.type == "reports.inspection.scored":
            entry.detail = _("%(score)s điểm") % {"score": number_format(data.get("score"))}
        if entry.type == "reports.evidence.infected":
            entry.detail = f"{data.get('name', '')} ({data.get('virus', '')})"
    return entries


@reports_required
@require_GET
def evidence_file(request, evidence_id: int):
    row = q.evidence_for(request.user, evidence_id)
    if row is None:
        raise Http404
    try:
        handle = row.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=files.download_name(row.filename, row.content_type),
        content_type=row.content_type,
    )
    # Uploaded bytes: never sniffed into something else, never cached, never run as a page.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    patch_cache_control(response, private=True, no_store=True)
    return response


# Follow-up actions ---------------------------------------------------------------------------------------


def _with_rights(user, follow_ups, today) -> list[FollowUpAction]:
    """FOLLOW_UPS as a list, each marked overdue or not, and with what USER may do with it."""
    rows = list(follow_ups)
    rights: dict[int, tuple[bool, bool]] = {}
    for action in rows:
        inspection = action.inspection
        if inspection.pk not in rights:
            rights[inspection.pk] = (q.may_answer(user, inspection), q.may_score(user, inspection))
        library_role, inspector_role = rights[inspection.pk]
        action.overdue = q.is_overdue(action, today)
        action.may_done = library_role and action.status == FollowUpAction.Status.OPEN
        action.may_decide = inspector_role and action.status == FollowUpAction.Status.DONE
    return rows


@reports_required
@require_GET
def followups(request):
    user = request.user
    status = request.GET.get("status") or "pending"
    mine = q.actions_for(user)
    libraries = Library.objects.filter(pk__in=mine.values("inspection__library_id")).order_by("path")
    code = request.GET.get("library") or ""
    library = libraries.filter(code=code).first() if code else None
    listed = mine.filter(inspection__library=library) if library else mine
    if status == "pending":
        listed = listed.exclude(status=FollowUpAction.Status.CLOSED)
    elif status in FollowUpAction.Status.values:
        listed = listed.filter(status=status)
    else:
        status = "all"
    today = timezone.localdate()
    rows = _with_rights(user, listed.order_by(F("due_on").asc(nulls_last=True), "pk")[:500], today)
    statuses = [
        ("pending", _("Chưa xác nhận hoàn thành")),
        *FollowUpAction.Status.choices,
        ("all", _("Tất cả")),
    ]
    return render(
        request,
        "staff/inspections/followups.html",
        {
            "rows": rows,
            "status": status,
            "statuses": statuses,
            "libraries": libraries,
            "library": library,
            "overdue": sum(1 for a in rows if a.overdue),
        },
    )


@reports_required
@require_POST
def followup(request, action_id: int):
    action = q.action_for(request.user, action_id)
    if action is None:
        raise Http404
    what = request.POST.get("action") or ""
    try:
        if what == "done":
            actions.report_action_done(action, request.user, request.POST.get("response", ""))
            messages.success(request, _("Đã báo cáo kết quả khắc phục."))
        elif what == "close":
            actions.close_action(action, request.user)
            messages.success(request, _("Đã xác nhận hoàn thành."))
        elif what == "reopen":
            actions.reopen_action(action, request.user, request.POST.get("comment", ""))
            messages.success(request, _("Đã mở lại yêu cầu khắc phục."))
        else:
            messages.error(request, _("Thao tác không hợp lệ."))
    except InspectionError as exc:
        _refused(exc, request)
    if request.POST.get("back") == "list":
        return redirect(reverse("staff_inspections:followups") + f"#action-{action.pk}")
    return redirect(
        reverse("staff_inspections:inspection", args=[action.inspection_id]) + f"#action-{action.pk}"
    )
