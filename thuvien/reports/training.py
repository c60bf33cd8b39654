"""Staff and training records: the people who work at each library, the courses, who attended them.

Reading follows ``reports.queries.can_read`` (a commune librarian reads his own library's staff, the
provincial library and the department's managers read the province). Keeping the records (adding staff,
courses, attendees, certificates) is for who prepares the library's reports (``can_prepare``: its own
staff and the staff of the libraries above it) and for the department's managers over their province:
the department runs the programme's training and keeps its records. Inspectors only read.

A course belongs to its organiser (usually the provincial library, which also stands for the department:
the department has no library node). Who keeps the organiser's records edits the course and enrols staff
of any library below the organiser; a library enrols its own staff in a course organised above it.

An ``actor`` of None is the system itself (the demo builder, commands): no permission is checked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from thuvien.accounts.models import Role
from thuvien.accounts.policies import CAN_PREPARE_REPORTS, CAN_READ_REPORTS
from thuvien.accounts.queries import libraries_for
from thuvien.audit.actions import record as audit
from thuvien.lib.vn_text import nfc, sort_key
from thuvien.network.models import Library
from thuvien.reports.models import StaffMember, TrainingAttendance, TrainingCourse
from thuvien.reports.queries import readable_libraries

# Keep a library's staff records, its register profile and the courses it organises.
CAN_KEEP_RECORDS = CAN_PREPARE_REPORTS | {Role.MANAGER}

# The digital-transformation programme of the library sector (Decision 206/QĐ-TTg) started in 2021: the
# "trained or retrained" indicator counts the courses completed since then.
TRAINED_SINCE = dt.date(2021, 1, 1)

MEMBER_FIELDS = ("full_name", "position", "qualification", "library_trained", "employed_from", "employed_to")
COURSE_FIELDS = ("title", "kind", "topic", "starts_on", "ends_on", "hours", "place")
MAX_ENROL = 500  # attendees added in one go; a course of the whole province fits


class TrainingError(Exception):
    """A refused change to staff or training records; CODE is for machines, MESSAGE for the librarian."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


# ---------------------------------------------------------------------------------------------------
# Who may do what


def record_libraries(user) -> QuerySet[Library]:
    """Return the libraries whose staff records, profile and courses USER may keep."""
    return libraries_for(user, CAN_KEEP_RECORDS)


def can_keep_records(user, library: Library) -> bool:
    if user is None:
        return True
    return record_libraries(user).filter(pk=library.pk).exists()


def _require(actor, library: Library) -> None:
    if not can_keep_records(actor, library):
        raise TrainingError(
            "forbidden",
            _("Bạn không có quyền cập nhật hồ sơ nhân sự của %(library)s.") % {"library": library.name},
        )


def _ancestor_codes(user) -> set[str]:
    """The codes of the libraries from the root down to each library USER is granted a reading role on."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    paths = user.staff_roles.filter(role__in=list(CAN_READ_REPORTS)).values_list("library__path", flat=True)
    return {code for path in paths for code in path.strip("/").split("/") if code}


def courses_for(user) -> QuerySet[TrainingCourse]:
    """Return the courses USER sees: organised by a library he reads, or by a library above one."""
    courses = TrainingCourse.objects.select_related("organiser")
    if getattr(user, "is_superuser", False) and user.is_active:
        return courses
    # Above: a course of the province is open to the communes below it, never to another province.
    return courses.filter(
        Q(organiser__in=readable_libraries(user)) | Q(organiser__code__in=_ancestor_codes(user))
    )


def course_for(user, course_id: int) -> TrainingCourse | None:
    return courses_for(user).filter(pk=course_id).first()


def can_edit_course(user, course: TrainingCourse) -> bool:
    return can_keep_records(user, course.organiser)


def enrollable_libraries(user, course: TrainingCourse) -> QuerySet[Library]:
    """Return the libraries whose staff USER may enrol in COURSE: his own records, below the organiser."""
    libraries = course.organiser.subtree()
    if user is None:
        return libraries
    return libraries.filter(pk__in=record_libraries(user).values("pk"))


def can_record_for(user, attendance: TrainingAttendance) -> bool:
    """May USER record the result of (or remove) ATTENDANCE: the organiser's or the attendee's records?"""
    return can_keep_records(user, attendance.course.organiser) or can_keep_records(
        user, attendance.staff_member.library
    )


# ---------------------------------------------------------------------------------------------------
# Staff members: queries


def employed_on(day: dt.date) -> Q:
    """Staff employed on DAY: started by then (or no date known) and not yet gone (``employed_to`` is the
    first day no longer employed, "nghỉ việc từ")."""
    return (Q(employed_from__isnull=True) | Q(employed_from__lte=day)) & (
        Q(employed_to__isnull=True) | Q(employed_to__gt=day)
    )


def trained_by(day: dt.date) -> Exists:
    """Staff who completed a course ending between TRAINED_SINCE and DAY (inclusive)."""
    return Exists(
        TrainingAttendance.objects.filter(
            staff_member=OuterRef("pk"),
            completed=True,
            course__ends_on__gte=TRAINED_SINCE,
            course__ends_on__lte=day,
        )
    )


def staff_members_for(
    user,
    *,
    library: Library | None = None,
    trained: bool | None = None,
    employed: bool | None = True,
    on: dt.date | None = None,
    q: str = "",
) -> QuerySet[StaffMember]:
    """Return the staff members of the libraries USER reads (of LIBRARY only), filtered, as of ON."""
    on = on or timezone.localdate()
    members = StaffMember.objects.filter(library__in=readable_libraries(user)).select_related("library")
    if library is not None:
        members = members.filter(library=library)
    if employed is not None:
        members = members.filter(employed_on(on)) if employed else members.exclude(employed_on(on))
    if trained is not None:
        members = members.annotate(_trained=trained_by(on)).filter(_trained=trained)
    if q:
        members = members.filter(full_name__icontains=nfc(q.strip()))
    return members


def member_for(user, member_id: int) -> StaffMember | None:
    return (
        StaffMember.objects.filter(pk=member_id, library__in=readable_libraries(user))
        .select_related("library")
        .first()
    )


def name_order(member: StaffMember) -> tuple[str, str]:
    """Sort the Vietnamese way: by library, then by given name (the last word), then the full name."""
    words = (member.full_name or "").split()
    return (member.library.path, sort_key(words[-1] if words else ""), sort_key(member.full_name))


@dataclass(frozen=True)
class TrainingRow:
    library: Library
    employed: int
    trained: int

    @property
    def untrained(self) -> int:
        return self.employed - self.trained

    @property
    def share(self) -> float | None:
        return self.trained / self.employed if self.employed else None


def training_summary(user, *, on: dt.date | None = None, library: Library | None = None) -> list[TrainingRow]:
    """Return, per library USER reads (in LIBRARY's subtree), how many staff are employed and trained on ON.

    The definition of the programme's indicator (``staff_trained``): employed on the period's last day,
    and completed a course that ended between 2021-01-01 and that day.
    """
    on = on or timezone.localdate()
    libraries = readable_libraries(user)
    if library is not None:
        libraries = libraries.filter(path__startswith=library.path)
    counts = (
        StaffMember.objects.filter(employed_on(on), library__in=libraries)
        .annotate(_trained=trained_by(on))
        .values("library_id")
        .annotate(employed=Count("pk"), trained=Count("pk", filter=Q(_trained=True)))
    )
    by_library = {row["library_id"]: row for row in counts}
    rows = []
    for lib in libraries.order_by("path"):
        row = by_library.get(lib.pk, {"employed": 0, "trained": 0})
        rows.append(TrainingRow(lib, row["employed"], row["trained"]))
    return rows


# ---------------------------------------------------------------------------------------------------
# Staff members: actions


def _text(value, limit: int) -> str:
    return nfc(str(value or "").strip())[:limit]


def _check_dates(employed_from: dt.date | None, employed_to: dt.date | None) -> None:
    if employed_from and employed_to and employed_to < employed_from:
        raise TrainingError(
            "dates",
            _("Ngày nghỉ việc (%(to)s) không thể trước ngày bắt đầu làm việc (%(start)s).")
            % {"to": employed_to.strftime("%d/%m/%Y"), "start": employed_from.strftime("%d/%m/%Y")},
            field="employed_to",
        )


def _clean_member(values: dict) -> dict:
    clean = {}
    for key, limit in (("full_name", 200), ("position", 200), ("qualification", 200)):
        if key in values:
            clean[key] = _text(values[key], limit)
    if "full_name" in clean and not clean["full_name"]:
        raise TrainingError("name", _("Hãy ghi họ và tên."), field="full_name")
    if "library_trained" in values:
        clean["library_trained"] = bool(values["library_trained"])
    for key in ("employed_from", "employed_to"):
        if key in values:
            clean[key] = values[key] or None
    if "user" in values:
        clean["user"] = values["user"]
    return clean


@transaction.atomic
def add_staff_member(
    library: Library,
    actor,
    full_name: str,
    position: str = "",
    qualification: str = "",
    library_trained: bool = False,
    employed_from: dt.date | None = None,
    *,
    employed_to: dt.date | None = None,
    user=None,
) -> StaffMember:
    """Record FULL_NAME as working at LIBRARY."""
    _require(actor, library)
    clean = _clean_member(
        {
            "full_name": full_name,
            "position": position,
            "qualification": qualification,
            "library_trained": library_trained,
            "employed_from": employed_from,
            "employed_to": employed_to,
            "user": user,
        }
    )
    _check_dates(clean["employed_from"], clean["employed_to"])
    member = StaffMember.objects.create(library=library, **clean)
    audit("reports.staff.added", actor=actor, library=library, obj=member, full_name=member.full_name)
    return member


def _apply(obj, clean: dict, actor, library, audit_type: str) -> None:
    """Set CLEAN's fields that differ on OBJ, save it and audit the changed fields' names (nothing if none)."""
    changed = {k: v for k, v in clean.items() if getattr(obj, k) != v}
    for key, value in changed.items():
        setattr(obj, key, value)
    if changed:
        obj.save()
        audit(audit_type, actor=actor, library=library, obj=obj, fields=sorted(changed))


@transaction.atomic
def update_staff_member(member: StaffMember, actor, **fields) -> StaffMember:
    """Change MEMBER's details (any of MEMBER_FIELDS, or ``user``); the library stays."""
    unknown = set(fields) - set(MEMBER_FIELDS) - {"user"}
    if unknown:
        raise TypeError(f"unknown staff member fields: {', '.join(sorted(unknown))}")
    member = StaffMember.objects.select_for_update().select_related("library").get(pk=member.pk)
    _require(actor, member.library)
    clean = _clean_member(fields)
    _check_dates(
        clean.get("employed_from", member.employed_from), clean.get("employed_to", member.employed_to)
    )
    _apply(member, clean, actor, member.library, "reports.staff.updated")
    return member


@transaction.atomic
def end_employment(member: StaffMember, actor, on: dt.date) -> StaffMember:
    """Record that MEMBER no longer works at the library from ON (the first day away)."""
    member = StaffMember.objects.select_for_update().select_related("library").get(pk=member.pk)
    _require(actor, member.library)
    if on is None:
        raise TrainingError("dates", _("Hãy ghi ngày nghỉ việc."), field="on")
    if member.employed_to is not None:
        raise TrainingError(
            "ended",
            _("%(name)s đã nghỉ việc từ %(day)s; sửa hồ sơ nếu cần đổi ngày.")
            % {"name": member.full_name, "day": member.employed_to.strftime("%d/%m/%Y")},
            field="on",
        )
    try:
        _check_dates(member.employed_from, on)
    except TrainingError as exc:
        exc.field = "on"
        raise
    member.employed_to = on
    member.save(update_fields=["employed_to"])
    audit(
        "reports.staff.employment_ended", actor=actor, library=member.library, obj=member, on=on.isoformat()
    )
    return member


@transaction.atomic
def remove_staff_member(member: StaffMember, actor) -> None:
    """Delete MEMBER, recorded by mistake; refused once he attended a course (end his employment instead)."""
    member = StaffMember.objects.select_for_update().select_related("library").get(pk=member.pk)
    _require(actor, member.library)
    if member.attendances.exists():
        raise TrainingError(
            "has_training",
            _("Không xóa được người đã tham gia khóa học: hãy ghi ngày nghỉ việc thay vì xóa."),
        )
    audit(
        "reports.staff.removed", actor=actor, library=member.library, obj=member, full_name=member.full_name
    )
    member.delete()


# ---------------------------------------------------------------------------------------------------
# Courses and attendance: actions


def _clean_course(values: dict) -> dict:
    clean = {}
    for key, limit in (("title", 300), ("topic", 300), ("place", 300)):
        if key in values:
            clean[key] = _text(values[key], limit)
    if "title" in clean and not clean["title"]:
        raise TrainingError("title", _("Hãy ghi tên khóa học."), field="title")
    if "kind" in values:
        if values["kind"] not in TrainingCourse.Kind.values:
            raise TrainingError("kind", _("Loại khóa học không hợp lệ."), field="kind")
        clean["kind"] = values["kind"]
    for key in ("starts_on", "ends_on"):
        if key in values:
            if not values[key]:
                raise TrainingError("dates", _("Hãy ghi ngày bắt đầu và ngày kết thúc khóa học."), field=key)
            clean[key] = values[key]
    if "hours" in values:
        hours = values["hours"]
        if hours in ("", None):
            clean["hours"] = None
        else:
            if int(hours) < 0 or int(hours) > 10_000:
                raise TrainingError("hours", _("Số tiết/giờ phải từ 0 đến 10 000."), field="hours")
            clean["hours"] = int(hours)
    return clean


def _check_course_dates(starts_on: dt.date, ends_on: dt.date) -> None:
    if ends_on < starts_on:
        raise TrainingError(
            "dates",
            _("Khóa học không thể kết thúc (%(end)s) trước khi bắt đầu (%(start)s).")
            % {"end": ends_on.strftime("%d/%m/%Y"), "start": starts_on.strftime("%d/%m/%Y")},
            field="ends_on",
        )


@transaction.atomic
def create_course(
    organiser: Library,
    actor,
    title: str,
    kind: str,
    starts_on: dt.date,
    ends_on: dt.date,
    hours: int | None = None,
    place: str = "",
    topic: str = "",
) -> TrainingCourse:
    """Create a course organised by ORGANISER (the provincial library stands for the department)."""
    _require(actor, organiser)
    clean = _clean_course(
        {
            "title": title,
            "kind": kind,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "hours": hours,
            "place": place,
            "topic": topic,
        }
    )
    _check_course_dates(clean["starts_on"], clean["ends_on"])
    course = TrainingCourse.objects.create(organiser=organiser, **clean)
    audit("reports.course.created", actor=actor, library=organiser, obj=course, title=course.title)
    return course


@transaction.atomic
def update_course(course: TrainingCourse, actor, **fields) -> TrainingCourse:
    """Change COURSE's details (any of COURSE_FIELDS); the organiser stays."""
    unknown = set(fields) - set(COURSE_FIELDS)
    if unknown:
        raise TypeError(f"unknown course fields: {', '.join(sorted(unknown))}")
    course = TrainingCourse.objects.select_for_update().select_related("organiser").get(pk=course.pk)
    _require(actor, course.organiser)
    clean = _clean_course(fields)
    _check_course_dates(clean.get("starts_on", course.starts_on), clean.get("ends_on", course.ends_on))
    _apply(course, clean, actor, course.organiser, "reports.course.updated")
    return course


@transaction.atomic
def enrol(course: TrainingCourse, actor, members) -> list[TrainingAttendance]:
    """Enrol MEMBERS (staff members) in COURSE, all or none; one already enrolled is refused by name."""
    members = list(members)
    if not members:
        raise TrainingError("empty", _("Hãy chọn ít nhất một người."))
    if len(members) > MAX_ENROL:
        raise TrainingError(
            "too_many", _("Mỗi lần thêm tối đa %(max)d người; hãy chia thành nhiều lần.") % {"max": MAX_ENROL}
        )
    course = TrainingCourse.objects.select_related("organiser").get(pk=course.pk)
    allowed = set(enrollable_libraries(actor, course).values_list("pk", flat=True))
    for member in members:
        if member.library_id not in allowed:
            raise TrainingError(
                "forbidden",
                _("Bạn không thể ghi danh %(name)s (%(library)s) vào khóa học này.")
                % {"name": member.full_name, "library": member.library.name},
            )
    already = set(
        TrainingAttendance.objects.filter(course=course, staff_member__in=members).values_list(
            "staff_member_id", flat=True
        )
    )
    seen: set[int] = set()
    for member in members:
        if member.pk in already or member.pk in seen:
            raise TrainingError(
                "duplicate",
                _("%(name)s đã có trong danh sách học viên của khóa học này.") % {"name": member.full_name},
            )
        seen.add(member.pk)
    try:
        # A concurrent enrolment of the same person meets the unique constraint: same message.
        with transaction.atomic():
            attendances = TrainingAttendance.objects.bulk_create(
                [TrainingAttendance(course=course, staff_member=m) for m in members]
            )
    except IntegrityError:
        raise TrainingError(
            "duplicate", _("Có người vừa được ghi danh vào khóa học này; hãy tải lại trang.")
        ) from None
    audit(
        "reports.course.enrolled",
        actor=actor,
        library=course.organiser,
        obj=course,
        members=[m.pk for m in members],
    )
    return attendances


@transaction.atomic
def record_completion(
    attendance: TrainingAttendance,
    actor,
    completed: bool = True,
    certificate_number: str = "",
    certificate_date: dt.date | None = None,
) -> TrainingAttendance:
    """Record whether ATTENDANCE's member completed the course, and his certificate."""
    attendance = (
        TrainingAttendance.objects.select_for_update()
        .select_related("course__organiser", "staff_member__library")
        .get(pk=attendance.pk)
    )
    if actor is not None and not can_record_for(actor, attendance):
        raise TrainingError("forbidden", _("Bạn không có quyền ghi kết quả cho học viên này."))
    number = _text(certificate_number, 100)
    if not completed and (number or certificate_date):
        raise TrainingError(
            "certificate",
            _("Chỉ ghi chứng chỉ cho người đã hoàn thành khóa học."),
            field="certificate_number",
        )
    if certificate_date and certificate_date < attendance.course.starts_on:
        raise TrainingError(
            "certificate",
            _("Ngày cấp chứng chỉ không thể trước ngày khóa học bắt đầu (%(start)s).")
            % {"start": attendance.course.starts_on.strftime("%d/%m/%Y")},
            field="certificate_date",
        )
    attendance.completed = bool(completed)
    attendance.certificate_number = number
    attendance.certificate_date = certificate_date
    attendance.save(update_fields=["completed", "certificate_number", "certificate_date"])
    audit(
        "reports.course.completion_recorded",
        actor=actor,
        library=attendance.staff_member.library,
        obj=attendance,
        course=attendance.course_id,
        member=attendance.staff_member_id,
        completed=attendance.completed,
        certificate_number=number,
    )
    return attendance


@transaction.atomic
def unenrol(attendance: TrainingAttendance, actor) -> None:
    """Remove ATTENDANCE, recorded by mistake."""
    attendance = (
        TrainingAttendance.objects.select_for_update()
        .select_related("course__organiser", "staff_member__library")
        .get(pk=attendance.pk)
    )
    if actor is not None and not can_record_for(actor, attendance):
        raise TrainingError("forbidden", _("Bạn không có quyền ghi kết quả cho học viên này."))
    audit(
        "reports.course.unenrolled",
        actor=actor,
        library=attendance.staff_member.library,
        obj=attendance.course,
        member=attendance.staff_member_id,
        completed=attendance.completed,
    )
    attendance.delete()


def attendances_for(user, course: TrainingCourse) -> QuerySet[TrainingAttendance]:
    """Return COURSE's attendees whose library USER reads (a commune sees its own people only)."""
    return (
        course.attendances.filter(staff_member__library__in=readable_libraries(user))
        .select_related("staff_member__library")
        .order_by("staff_member__library__path", "staff_member__full_name")
    )
