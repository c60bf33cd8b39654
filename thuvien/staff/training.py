"""Staff and training pages (/staff/training/): staff lists, a person's record, courses and attendees.

Staff members are personal data: every list is scoped to the libraries the user reads and never leaves the
staff pages. Writes go through ``thuvien.reports.training``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from thuvien.network.models import Library
from thuvien.reports import training
from thuvien.reports.models import StaffMember, TrainingAttendance, TrainingCourse
from thuvien.reports.queries import readable_libraries
from thuvien.reports.training import TrainingError
from thuvien.staff.views import reports_required

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PAGE_SIZE = 50
# Spreadsheets run a cell that starts with one of these as a formula; names are typed by people.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class MemberForm(forms.Form):
    library = forms.ModelChoiceField(label=gettext_lazy("Thư viện"), queryset=Library.objects.none())
    full_name = forms.CharField(label=gettext_lazy("Họ và tên"), max_length=200)
    position = forms.CharField(
        label=gettext_lazy("Chức danh"), max_length=200, required=False,
        help_text=gettext_lazy("Ví dụ: Giám đốc, Thủ thư, Viên chức kiêm nhiệm."),
    )  # fmt: skip
    qualification = forms.CharField(
        label=gettext_lazy("Trình độ chuyên môn"), max_length=200, required=False,
        help_text=gettext_lazy("Ví dụ: Cử nhân Thông tin - Thư viện, Trung cấp Thư viện."),
    )  # fmt: skip
    library_trained = forms.BooleanField(label=gettext_lazy("Có chuyên môn thư viện"), required=False)
    employed_from = forms.DateField(label=gettext_lazy("Làm việc từ"), required=False, widget=DATE)
    employed_to = forms.DateField(
        label=gettext_lazy("Nghỉ việc từ"), required=False, widget=DATE,
        help_text=gettext_lazy("Ngày đầu tiên không còn làm việc; để trống khi vẫn đang làm."),
    )  # fmt: skip

    def __init__(self, *args, user, member: StaffMember | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if member is not None:
            del self.fields["library"]
        else:
            self.fields["library"].queryset = training.record_libraries(user).order_by("path")
            del self.fields["employed_to"]


class EndForm(forms.Form):
    on = forms.DateField(label=gettext_lazy("Nghỉ việc từ ngày"), widget=DATE)


class CourseForm(forms.Form):
    organiser = forms.ModelChoiceField(
        label=gettext_lazy("Đơn vị tổ chức"), queryset=Library.objects.none(),
        help_text=gettext_lazy("Khóa học do Sở Văn hóa tổ chức ghi cho thư viện tỉnh."),
    )  # fmt: skip
    title = forms.CharField(label=gettext_lazy("Tên khóa học"), max_length=300)
    kind = forms.ChoiceField(label=gettext_lazy("Loại"), choices=TrainingCourse.Kind.choices)
    topic = forms.CharField(label=gettext_lazy("Chủ đề"), max_length=300, required=False)
    starts_on = forms.DateField(label=gettext_lazy("Từ ngày"), widget=DATE)
    ends_on = forms.DateField(label=gettext_lazy("Đến ngày"), widget=DATE)
    hours = forms.IntegerField(
        label=gettext_lazy("Số tiết/giờ"), required=False, min_value=0, max_value=10_000
    )
    place = forms.CharField(label=gettext_lazy("Địa điểm"), max_length=300, required=False)

    def __init__(self, *args, user, course: TrainingCourse | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if course is not None:
            del self.fields["organiser"]
        else:
            self.fields["organiser"].queryset = training.record_libraries(user).order_by("path")


class CompletionForm(forms.Form):
    completed = forms.BooleanField(label=gettext_lazy("Hoàn thành"), required=False)
    certificate_number = forms.CharField(label=gettext_lazy("Số chứng chỉ"), max_length=100, required=False)
    certificate_date = forms.DateField(label=gettext_lazy("Ngày cấp"), required=False, widget=DATE)


def _form_error(form: forms.Form, exc: TrainingError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _readable_library(request, code: str) -> Library | None:
    """The library CODE of a filter, 404 when the user does not read it; None when no code is given."""
    if not code:
        return None
    library = readable_libraries(request.user).filter(code=code).first()
    if library is None:
        raise Http404
    return library


def _member(request, member_id: int) -> StaffMember:
    member = training.member_for(request.user, member_id)
    if member is None:
        raise Http404
    return member


def _course(request, course_id: int) -> TrainingCourse:
    course = training.course_for(request.user, course_id)
    if course is None:
        raise Http404
    return course


# ---------------------------------------------------------------------------------------------------
# Staff


@reports_required
def staff_list(request):
    today = timezone.localdate()
    library = _readable_library(request, request.GET.get("library", "").strip())
    trained = {"1": True, "0": False}.get(request.GET.get("trained", ""))
    employed_param = request.GET.get("employed", "1")
    employed = {"1": True, "0": False}.get(employed_param)
    q = (request.GET.get("q") or "").strip()[:100]
    members = training.staff_members_for(
        request.user, library=library, trained=trained, employed=employed, on=today, q=q
    ).annotate(trained_flag=training.trained_by(today))
    rows = sorted(members, key=training.name_order)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    summary = training.training_summary(request.user, on=today, library=library)
    if library is not None:  # the list shows the library's own staff: so does the count above it
        summary = [row for row in summary if row.library.pk == library.pk]
    keeper_ids = set(training.record_libraries(request.user).values_list("pk", flat=True))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "staff/training/staff_list.html",
        {
            "page": page,
            "library": library,
            "libraries": readable_libraries(request.user).order_by("path").only("code", "name", "path"),
            "trained": request.GET.get("trained", ""),
            "employed": employed_param,
            "q": q,
            "query": query.urlencode(),
            "employed_total": sum(r.employed for r in summary),
            "trained_total": sum(r.trained for r in summary),
            "since": training.TRAINED_SINCE,
            "today": today,
            "can_add": bool(keeper_ids),
            "keeper_ids": keeper_ids,
        },
    )


@reports_required
@require_http_methods(["GET", "POST"])
def member_new(request):
    if not training.record_libraries(request.user).exists():
        raise PermissionDenied
    initial = {}
    code = request.GET.get("library", "").strip()
    if code:
        initial["library"] = training.record_libraries(request.user).filter(code=code).first()
    form = MemberForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            member = training.add_staff_member(
                data["library"], request.user, data["full_name"], position=data["position"],
                qualification=data["qualification"], library_trained=data["library_trained"],
                employed_from=data["employed_from"],
            )  # fmt: skip
        except TrainingError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Đã thêm %(name)s.") % {"name": member.full_name})
            return redirect("staff_training:member", member_id=member.pk)
    return render(request, "staff/training/member_form.html", {"form": form, "member": None})


@reports_required
@require_http_methods(["GET", "POST"])
def member_page(request, member_id: int):
    member = _member(request, member_id)
    can_edit = training.can_keep_records(request.user, member.library)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied
    initial = {key: getattr(member, key) for key in training.MEMBER_FIELDS}
    form = MemberForm(request.POST or None, user=request.user, member=member, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            training.update_staff_member(member, request.user, **form.cleaned_data)
        except TrainingError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Đã lưu."))
            return redirect("staff_training:member", member_id=member.pk)
    attendances = (
        member.attendances.select_related("course__organiser")
        .filter(course__in=training.courses_for(request.user))
        .order_by("-course__starts_on")
    )
    return render(
        request,
        "staff/training/member.html",
        {
            "member": member,
            "form": form if can_edit else None,
            "end_form": EndForm(initial={"on": timezone.localdate()})
            if can_edit and not member.employed_to
            else None,
            "can_edit": can_edit,
            "attendances": attendances,
        },
    )


@reports_required
@require_POST
def member_end(request, member_id: int):
    member = _member(request, member_id)
    if not training.can_keep_records(request.user, member.library):
        raise PermissionDenied
    form = EndForm(request.POST)
    if form.is_valid():
        try:
            training.end_employment(member, request.user, form.cleaned_data["on"])
        except TrainingError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Đã ghi ngày nghỉ việc của %(name)s.") % {"name": member.full_name})
    else:
        messages.error(request, _("Hãy ghi ngày nghỉ việc."))
    return redirect("staff_training:member", member_id=member.pk)


@reports_required
@require_POST
def member_remove(request, member_id: int):
    member = _member(request, member_id)
    if not training.can_keep_records(request.user, member.library):
        raise PermissionDenied
    try:
        training.remove_staff_member(member, request.user)
    except TrainingError as exc:
        messages.error(request, exc.message)
        return redirect("staff_training:member", member_id=member.pk)
    messages.success(request, _("Đã xóa %(name)s khỏi danh sách.") % {"name": member.full_name})
    return redirect(reverse("staff_training:staff") + f"?library={member.library.code}")


@reports_required
def summary(request):
    today = timezone.localdate()
    library = _readable_library(request, request.GET.get("library", "").strip())
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        year = today.year
    year = min(max(year, training.TRAINED_SINCE.year), today.year)
    on = today if year == today.year else dt.date(year, 12, 31)
    rows = training.training_summary(request.user, on=on, library=library)
    employed = sum(r.employed for r in rows)
    trained = sum(r.trained for r in rows)
    return render(
        request,
        "staff/training/summary.html",
        {
            "rows": rows,
            "library": library,
            "libraries": readable_libraries(request.user).order_by("path").only("code", "name", "path"),
            "year": year,
            "years": list(range(today.year, training.TRAINED_SINCE.year - 1, -1)),
            "on": on,
            "since": training.TRAINED_SINCE,
            "employed": employed,
            "trained": trained,
            "share": trained / employed if employed else None,
        },
    )


# ---------------------------------------------------------------------------------------------------
# Courses


@reports_required
def course_list(request):
    readable = readable_libraries(request.user)
    courses = training.courses_for(request.user).annotate(
        attendee_count=Count("attendances", filter=Q(attendances__staff_member__library__in=readable)),
        completed_count=Count(
            "attendances",
            filter=Q(attendances__staff_member__library__in=readable, attendances__completed=True),
        ),
    )
    page = Paginator(courses.order_by("-starts_on", "-pk"), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "staff/training/courses.html",
        {"page": page, "can_create": training.record_libraries(request.user).exists()},
    )


@reports_required
@require_http_methods(["GET", "POST"])
def course_new(request):
    if not training.record_libraries(request.user).exists():
        raise PermissionDenied
    form = CourseForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            course = training.create_course(
                data["organiser"], request.user, data["title"], data["kind"], data["starts_on"], data["ends_on"],
                hours=data["hours"], place=data["place"], topic=data["topic"],
            )  # fmt: skip
        except TrainingError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Đã tạo khóa học. Hãy thêm học viên."))
            return redirect("staff_training:course", course_id=course.pk)
    return render(request, "staff/training/course_form.html", {"form": form, "course": None})


@reports_required
@require_http_methods(["GET", "POST"])
def course_edit(request, course_id: int):
    course = _course(request, course_id)
    if not training.can_edit_course(request.user, course):
        raise PermissionDenied
    initial = {key: getattr(course, key) for key in training.COURSE_FIELDS}
    form = CourseForm(request.POST or None, user=request.user, course=course, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            training.update_course(course, request.user, **form.cleaned_data)
        except TrainingError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Đã lưu."))
            return redirect("staff_training:course", course_id=course.pk)
    return render(request, "staff/training/course_form.html", {"form": form, "course": course})


def _candidates(course: TrainingCourse, library: Library):
    """Staff of LIBRARY who worked there at some time during COURSE and are not enrolled yet."""
    return (
        StaffMember.objects.filter(library=library)
        .filter(Q(employed_from__isnull=True) | Q(employed_from__lte=course.ends_on))
        .filter(Q(employed_to__isnull=True) | Q(employed_to__gt=course.starts_on))
        .exclude(attendances__course=course)
        .select_related("library")
    )


@reports_required
def course_page(request, course_id: int):
    course = _course(request, course_id)
    attendances = list(training.attendances_for(request.user, course))
    for attendance in attendances:
        attendance.can_record = training.can_record_for(request.user, attendance)
    enrollable = training.enrollable_libraries(request.user, course).order_by("path")
    pick = None
    candidates: list[StaffMember] = []
    code = request.GET.get("library", "").strip()
    if code:
        pick = enrollable.filter(code=code).first()
        if pick is None:
            raise Http404
        candidates = sorted(_candidates(course, pick), key=training.name_order)
    return render(
        request,
        "staff/training/course.html",
        {
            "course": course,
            "attendances": attendances,
            "completed": sum(1 for a in attendances if a.completed),
            "can_edit": training.can_edit_course(request.user, course),
            "enrollable": enrollable.only("code", "name", "path") if enrollable.exists() else None,
            "pick": pick,
            "candidates": candidates,
        },
    )


@reports_required
@require_POST
def course_enrol(request, course_id: int):
    course = _course(request, course_id)
    enrollable = training.enrollable_libraries(request.user, course)
    if not enrollable.exists():
        raise PermissionDenied
    ids = []
    for value in request.POST.getlist("member")[: training.MAX_ENROL + 1]:
        try:
            ids.append(int(value))
        except ValueError:
            continue
    members = list(StaffMember.objects.filter(pk__in=ids, library__in=enrollable).select_related("library"))
    back = reverse("staff_training:course", args=[course.pk])
    code = request.POST.get("library", "").strip()
    if len(members) != len(set(ids)):
        messages.error(request, _("Có người không thuộc các thư viện bạn được ghi danh; không ai được thêm."))
    else:
        try:
            training.enrol(course, request.user, members)
        except TrainingError as exc:
            messages.error(request, exc.message)
            if code:
                back += f"?library={code}#enrol"
            return redirect(back)
        messages.success(request, _("Đã thêm %(count)d học viên.") % {"count": len(members)})
        return redirect(back + "#attendees")
    return redirect(back + (f"?library={code}#enrol" if code else ""))


def _attendance(request, course: TrainingCourse, attendance_id: int) -> TrainingAttendance:
    attendance = training.attendances_for(request.user, course).filter(pk=attendance_id).first()
    if attendance is None:
        raise Http404
    attendance.course = course
    if not training.can_record_for(request.user, attendance):
        raise PermissionDenied
    return attendance


@reports_required
@require_POST
def attendance_update(request, course_id: int, attendance_id: int):
    course = _course(request, course_id)
    attendance = _attendance(request, course, attendance_id)
    form = CompletionForm(request.POST)
    name = attendance.staff_member.full_name
    if not form.is_valid():
        messages.error(request, _("Ngày cấp không hợp lệ (%(name)s).") % {"name": name})
    else:
        data = form.cleaned_data
        try:
            training.record_completion(
                attendance,
                request.user,
                data["completed"],
                data["certificate_number"],
                data["certificate_date"],
            )
        except TrainingError as exc:
            messages.error(request, f"{name}: {exc.message}")
        else:
            messages.success(request, _("Đã ghi kết quả của %(name)s.") % {"name": name})
    return redirect(reverse("staff_training:course", args=[course.pk]) + f"#a{attendance.pk}")


@reports_required
@require_POST
def attendance_remove(request, course_id: int, attendance_id: int):
    course = _course(request, course_id)
    attendance = _attendance(request, course, attendance_id)
    training.unenrol(attendance, request.user)
    messages.success(
        request, _("Đã bỏ %(name)s khỏi danh sách học viên.") % {"name": attendance.staff_member.full_name}
    )
    return redirect(reverse("staff_training:course", args=[course.pk]) + "#attendees")


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


@reports_required
def course_csv(request, course_id: int):
    course = _course(request, course_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            _("STT"), _("Họ và tên"), _("Chức danh"), _("Mã thư viện"), _("Thư viện"), _("Hoàn thành"),
            _("Số chứng chỉ"), _("Ngày cấp"),
        ]
    )  # fmt: skip
    for n, a in enumerate(training.attendances_for(request.user, course), start=1):
        m = a.staff_member
        writer.writerow(
            [
                n, _cell(m.full_name), _cell(m.position), m.library.code, _cell(m.library.name),
                _("có") if a.completed else _("không"), _cell(a.certificate_number),
                a.certificate_date.isoformat() if a.certificate_date else "",
            ]
        )  # fmt: skip
    # The BOM makes Excel read the file as UTF-8 (Vietnamese names intact).
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="khoa-hoc-{course.pk}-hoc-vien.csv"'
    return response
