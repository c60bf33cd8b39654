"""Staff pages of the digital library: the objects of my libraries, describing them, access, the workflow.

Only staff with a cataloguing role see these pages (others: 403); an object outside the libraries one
catalogues for answers 404, as if it did not exist.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from thuvien.accounts.policies import CAN_CATALOGUE
from thuvien.accounts.queries import libraries_for
from thuvien.catalog.models import Collection, Identifier, Record
from thuvien.catalog.queries import records_for_staff
from thuvien.digital import actions, policies
from thuvien.digital.exceptions import DigitalError
from thuvien.digital.forms import (
    AccessForm,
    CollectionsForm,
    DublinCoreForm,
    ListFilterForm,
    ObjectForm,
    RecordLinkForm,
    StageForm,
    StatsForm,
    TitleForm,
    TocForm,
)
from thuvien.digital.models import AccessLevel, DigitalObject, Stage, folded_title
from thuvien.digital.queries import objects_for_staff
from thuvien.digital.stats import digitisation_counts
from thuvien.interop.iiif.ids import manifest_id
from thuvien.lib.isbn import isbn13
from thuvien.staff.views import staff_required

PER_PAGE = 25
PAGES_PER_GRID = 48
RECORD_HITS = 20


def _catalogue_libraries(request):
    libraries = libraries_for(request.user, CAN_CATALOGUE)
    if not libraries.exists():
        raise PermissionDenied
    return libraries


def _object_for(request, object_id: int) -> DigitalObject:
    _catalogue_libraries(request)
    obj = objects_for_staff(request.user).select_related("record").filter(pk=object_id).first()
    if obj is None:
        raise Http404
    return obj


def _back(obj: DigitalObject, anchor: str = ""):
    return redirect(reverse("staff_digital:detail", args=[obj.pk]) + (f"#{anchor}" if anchor else ""))


def _title_matches(objects, q: str):
    """Objects whose title contains Q, with or without diacritics (a number finds that object)."""
    if q.lstrip("#").isdigit():
        number = int(q.lstrip("#"))
        return objects.filter(Q(pk=number) | Q(record_id=number))
    key = folded_title(q).strip()
    return objects.filter(title_folded__contains=key) if key else objects


def _record_hits(request, q: str) -> list[Record]:
    """Records I may link an object to, found by number, ISBN or words of the title."""
    q = q.strip()[:200]
    if not q:
        return []
    mine = records_for_staff(request.user)
    if q.lstrip("#").isdigit() and len(q.lstrip("#")) < 10:
        return list(mine.filter(pk=int(q.lstrip("#"))))
    isbn = isbn13(q)
    if isbn:
        ids = Identifier.objects.filter(kind="isbn", value=isbn).values("record_id")
        return list(mine.filter(pk__in=ids)[:RECORD_HITS])
    return list(mine.filter(title__icontains=q).order_by("title_sort")[:RECORD_HITS])


def _linkable_record(request, record_id) -> Record | None:
    return records_for_staff(request.user).filter(pk=record_id).first()


# --- the list and the board ---------------------------------------------------------------------


@staff_required
@require_GET
def object_list(request):
    libraries = _catalogue_libraries(request)
    mine = objects_for_staff(request.user)
    collections = Collection.objects.filter(digital_objects__in=mine).distinct().order_by("name")
    form = ListFilterForm(request.GET or None, libraries=libraries, collections=collections)
    objects = mine
    stage = ""
    if form.is_valid():
        data = form.cleaned_data
        if data["library"]:
            objects = objects.filter(library__path__startswith=data["library"].path)
        if data["access"]:
            objects = objects.filter(access=data["access"])
        if data["collection"]:
            objects = objects.filter(collections=data["collection"])
        if data["q"].strip():
            objects = _title_matches(objects, data["q"].strip())
        stage = data["stage"]
    # The board counts every stage under the other filters, so a tab says what clicking it shows.
    by_stage = dict(objects.values_list("stage").annotate(n=Count("id")).order_by())
    board = [(value, label, by_stage.get(value, 0)) for value, label in Stage.choices]
    if stage:
        objects = objects.filter(stage=stage)
    page = Paginator(objects.select_related("library").order_by("-updated_at", "-id"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    board_query = query.copy()
    board_query.pop("stage", None)
    return render(request, "staff/digital/list.html", {
        "page": page, "form": form, "board": board, "stage": stage, "total": sum(by_stage.values()),
        "query": query.urlencode(), "board_query": board_query.urlencode(),
    })  # fmt: skip


@staff_required
@require_GET
def stats(request):
    libraries = _catalogue_libraries(request).order_by("path")
    form = StatsForm(request.GET or None, libraries=libraries, network_wide=request.user.is_superuser)
    library, year = (None if request.user.is_superuser else libraries.first()), None
    if form.is_valid():
        library = form.cleaned_data["library"] or library
        year = form.cleaned_data["year"]
    counts = digitisation_counts(library, year=year)
    kinds = dict(Collection._meta.get_field("kind").choices)
    shares = [(kinds[kind], share) for kind, share in counts.kinds.items()]
    stages = [(value, label, counts.stages[value]) for value, label in Stage.choices]
    access = list(counts.published_by_access.items())
    return render(request, "staff/digital/stats.html", {
        "form": form, "library": library, "year": year, "counts": counts, "shares": shares,
        "stages": stages, "access": access,
    })  # fmt: skip


# --- creating and describing ----------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def object_new(request):
    libraries = _catalogue_libraries(request).order_by("path")
    collections = Collection.objects.filter(
        Q(library__isnull=True) | Q(library__in=libraries) | Q(library__in=_ancestors(libraries))
    ).order_by("name")
    initial = {"library": libraries.first()}
    if request.GET.get("record", "").isdigit():
        initial.update(kind="linked", record=int(request.GET["record"]))
    form = ObjectForm(request.POST or None, libraries=libraries, collections=collections, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        record = None
        if data["kind"] == "linked":
            record = _linkable_record(request, data["record"])
            if record is None:
                form.add_error("record", _("Không tìm thấy biểu ghi này trong phạm vi biên mục của bạn."))
        if not form.errors:
            try:
                obj = actions.create_object(
                    library=data["library"], actor=request.user, record=record,
                    dc=form.dc() if record is None else None, title=data["title"] if record else "",
                    access=data["access"], rights=data["rights"], rights_note=data["rights_note"],
                    embargo_until=data["embargo_until"], collections=data["collections"],
                )  # fmt: skip
            except DigitalError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Đã tạo tài liệu số “%(title)s”. Bước tiếp theo: tải các trang lên.")
                                 % {"title": obj.title})  # fmt: skip
                return _back(obj)
    rq = request.GET.get("rq", "")
    return render(request, "staff/digital/new.html", {
        "form": form, "rq": rq, "hits": _record_hits(request, rq),
    })  # fmt: skip


def _ancestors(libraries):
    """The libraries above LIBRARIES (their collections are open to objects below them)."""
    from thuvien.network.models import Library

    codes = {code for path in libraries.values_list("path", flat=True) for code in path.strip("/").split("/")}
    return Library.objects.filter(code__in=codes)


@staff_required
@require_http_methods(["GET", "POST"])
def object_edit(request, object_id: int):
    obj = _object_for(request, object_id)
    linked = obj.record_id is not None and not obj.owns_record
    dc_form = DublinCoreForm(initial=DublinCoreForm.initial_from(obj.dc))
    link_form = RecordLinkForm(
        initial={"record": request.GET.get("record")} if request.GET.get("record") else None
    )
    title_form = TitleForm(initial={"title": obj.title})
    if request.method == "POST":
        action = request.POST.get("action")
        kwargs = None
        if action == "dc" and not linked:
            dc_form = DublinCoreForm(request.POST)
            if dc_form.is_valid():
                # Elements the form does not show (identifier, source, contributor) are kept as they were.
                kwargs = {"dc": {**(obj.dc or {}), **dc_form.dc()}}
        elif action == "title" and linked:
            title_form = TitleForm(request.POST)
            if title_form.is_valid():
                kwargs = {"title": title_form.cleaned_data["title"]}
        elif action == "link":
            link_form = RecordLinkForm(request.POST)
            if link_form.is_valid():
                record = _linkable_record(request, link_form.cleaned_data["record"])
                if record is None:
                    link_form.add_error(
                        "record", _("Không tìm thấy biểu ghi này trong phạm vi biên mục của bạn.")
                    )
                else:
                    kwargs = {"record": record}
        elif action == "unlink" and linked:
            kwargs = {"record": None}
        else:
            messages.error(request, _("Yêu cầu không hợp lệ."))
        if kwargs is not None:
            try:
                obj = actions.update_description(obj, actor=request.user, **kwargs)
            except DigitalError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("Đã lưu mô tả tài liệu số."))
                return _back(obj)
    rq = request.GET.get("rq", "")
    return render(request, "staff/digital/edit.html", {
        "obj": obj, "linked": linked, "dc_form": dc_form, "link_form": link_form, "title_form": title_form,
        "rq": rq, "hits": _record_hits(request, rq),
    })  # fmt: skip


# --- the object's page and its forms --------------------------------------------------------------


@staff_required
@require_GET
def object_detail(request, object_id: int):
    obj = _object_for(request, object_id)
    pages = Paginator(obj.pages.order_by("seq"), PAGES_PER_GRID).get_page(request.GET.get("p"))
    history = obj.stage_changes.select_related("actor").order_by("-at", "-id")
    order = list(Stage.values)
    # Forward moves first and prominent; moves back (for rework) after them, as secondary buttons.
    next_stages = sorted(
        (
            (s, Stage(s).label, order.index(s) > order.index(obj.stage))
            for s in policies.TRANSITIONS.get(obj.stage, ())
        ),
        key=lambda move: (not move[2], order.index(move[0])),
    )
    public = policies.public_level(obj.access, obj.stage, obj.embargo_until, timezone.localdate())
    return render(request, "staff/digital/detail.html", {
        "obj": obj, "pages": pages, "history": history, "next_stages": next_stages,
        "public_level": public, "under_embargo": policies.under_embargo(obj.embargo_until, timezone.localdate()),
        "access_form": AccessForm(initial={"access": obj.access, "embargo_until": obj.embargo_until,
                                           "rights": obj.rights, "rights_note": obj.rights_note}),
        "collections_form": CollectionsForm(obj=obj), "toc_form": TocForm(initial=TocForm.initial_from(obj.toc)),
        "stage_form": StageForm(), "overrides": [("", _("Như tài liệu"))] + AccessLevel.choices[1:],
        "manifest_url": manifest_id("", obj.pk), "collections": obj.collections.order_by("name"),
    })  # fmt: skip


def _form_errors(request, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


@staff_required
@require_POST
def object_access(request, object_id: int):
    obj = _object_for(request, object_id)
    form = AccessForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(obj, "access")
    data = form.cleaned_data
    try:
        obj = actions.set_access(obj, actor=request.user, access=data["access"], embargo_until=data["embargo_until"],
                                 rights=data["rights"], rights_note=data["rights_note"])  # fmt: skip
    except DigitalError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Đã lưu mức truy cập: %(level)s.") % {"level": obj.get_access_display()})
    return _back(obj, "access")


@staff_required
@require_POST
def object_stage(request, object_id: int):
    obj = _object_for(request, object_id)
    form = StageForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Giai đoạn không hợp lệ."))
        return _back(obj, "workflow")
    try:
        obj = actions.move_stage(
            obj, form.cleaned_data["to"], actor=request.user, note=form.cleaned_data["note"]
        )
    except DigitalError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("Đã chuyển sang giai đoạn “%(stage)s”.") % {"stage": obj.get_stage_display()}
        )
    return _back(obj, "workflow")


@staff_required
@require_POST
def object_pages(request, object_id: int):
    """Save the labels and access overrides of the pages shown in one grid page."""
    obj = _object_for(request, object_id)
    seqs = [int(s) for s in request.POST.getlist("seq") if s.isdigit()][:PAGES_PER_GRID]
    pages = {p.seq: p for p in obj.pages.filter(seq__in=seqs)}
    labels, overrides = {}, []
    for seq, page in pages.items():
        label = request.POST.get(f"label-{seq}")
        if label is not None and label.strip() != page.label:
            labels[seq] = label
        level = request.POST.get(f"override-{seq}")
        if level is not None and level != page.access_override:
            overrides.append((page, level))
    try:
        changed = actions.relabel_pages(obj, labels, actor=request.user) if labels else 0
        for page, level in overrides:
            actions.set_page_override(page, level, actor=request.user)
    except DigitalError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Đã lưu %(labels)s nhãn trang và %(overrides)s mức truy cập riêng.")
                         % {"labels": changed, "overrides": len(overrides)})  # fmt: skip
    grid = request.POST.get("p", "")
    url = reverse("staff_digital:detail", args=[obj.pk]) + (f"?p={grid}" if grid.isdigit() else "")
    return redirect(url + "#pages")


@staff_required
@require_POST
def object_toc(request, object_id: int):
    obj = _object_for(request, object_id)
    form = TocForm(request.POST)
    try:
        if not form.is_valid():
            raise DigitalError(_("Mục lục không hợp lệ."))
        actions.set_toc(obj, form.cleaned_data["toc"], actor=request.user)
    except DigitalError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Đã lưu mục lục."))
    return _back(obj, "toc")


@staff_required
@require_POST
def object_collections(request, object_id: int):
    obj = _object_for(request, object_id)
    form = CollectionsForm(request.POST, obj=obj)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(obj, "collections")
    try:
        actions.set_collections(obj, form.cleaned_data["collections"], actor=request.user)
    except DigitalError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Đã lưu bộ sưu tập."))
    return _back(obj, "collections")


@staff_required
@require_http_methods(["GET", "POST"])
def object_delete(request, object_id: int):
    obj = _object_for(request, object_id)
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            messages.error(request, _("Hãy đánh dấu xác nhận trước khi xoá."))
        else:
            title = obj.title
            try:
                actions.delete_object(obj, actor=request.user)
            except DigitalError as exc:
                messages.error(request, str(exc))
                return _back(obj)
            messages.success(request, _("Đã xoá tài liệu số “%(title)s”.") % {"title": title})
            return redirect("staff_digital:list")
    return render(request, "staff/digital/delete.html", {
        "obj": obj, "copy_requests": obj.copy_requests.count(),
    })  # fmt: skip
