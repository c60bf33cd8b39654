"""The demo's management information: the department's accounts, library profiles, staff and training,
statistics reports, inspection rounds, targets to 2030 and five years of history before the system.

Everything is made through the actions a library and the department would use (register profile, staff
records, courses, statistics reports and their workflow, inspection rounds), each at its own moment of
the past: those actions take the time from ``timezone.now()``, so the demo sets that clock while it
replays them (``_clock``). The tables it writes are in ``thuvien.demo.reports_data``.

Figures of the current year are computed from the demo's own data (catalogue, circulation, digital
library, reports). Years before it are history "imported from the department's past reports": derived
from this year's figures by a plausible trend (fewer items, fewer readers, later adoption of online
services), marked as imported, never recomputed. Targets follow the programme (Quyết định 206/QĐ-TTg):
rising every year to 2030, so some libraries are above them and others below.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import time
from collections import defaultdict
from contextlib import contextmanager
from unittest import mock

from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from thuvien.accounts.models import StaffRole, User
from thuvien.demo import reports_data as data
from thuvien.demo.generator import DEMO_PASSWORD, _split_name
from thuvien.demo.theses import create_endogenous_collection
from thuvien.network.models import Library
from thuvien.reports import inspections, register, snapshots, statistics, training
from thuvien.reports import statistics_actions as workflow
from thuvien.reports.models import (
    Aggregation,
    FollowUpAction,
    Indicator,
    IndicatorValue,
    Inspection,
    InspectionRound,
    ReportStatus,
    StatisticsReport,
    ValueOrigin,
)
from thuvien.reports.periods import Period
from thuvien.reports.targets import set_target

HISTORY_YEARS = 5
FIRST_TARGET_YEAR, LAST_TARGET_YEAR = 2021, 2030
HISTORY_NOTE = "Số liệu trước khi dùng hệ thống, nhập từ báo cáo năm của Sở Văn hóa (dữ liệu minh họa)"
TARGET_NOTE = "Kế hoạch chuyển đổi số ngành thư viện của tỉnh (minh họa)"

# The programme's share targets: 2021 and 2030, with a straight line between (province-wide, per library).
SHARE_TARGETS = {
    "prog-digitised-rare": (0.05, 1.0),
    "prog-digitised-endogenous": (0.05, 0.5),
    "prog-online-services": (0.3, 1.0),
    "prog-union-catalogue": (0.4, 1.0),
    "prog-staff-trained": (0.2, 1.0),
    "prog-managed-in-system": (0.2, 1.0),
}
# Operational targets: this year's province figure times a yearly growth from 2021 (counts).
COUNT_TARGETS = {"loans": 0.06, "readers-registered": 0.05, "acquisitions": 0.04, "visits": 0.05}

MANAGERS = [
    # username, full name, role: the Department of Culture's people, on the provincial library's subtree.
    ("so.vanhoa", "Trần Quốc Hưng", "manager"),
    ("so.kiemtra", "Vũ Thị Minh Nguyệt", "inspector"),
]
LIBRARIAN_ROLES = ("circulation", "cataloguer")


def _unit(*parts) -> float:
    """A stable pseudo-random number in [0, 1) from PARTS (the demo is the same on every machine)."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:6], "big") / 2**48


@contextmanager
def _clock(when: dt.datetime):
    """Run the block as if the time were WHEN: the reports' actions stamp their rows with ``timezone.now()``."""
    with mock.patch.object(timezone, "now", lambda: when):
        yield


class _Timeline:
    """Moments of the demo's past: a day at an hour, never later than a few minutes before NOW."""

    def __init__(self, now: dt.datetime):
        self.now = timezone.localtime(now)
        self.today = self.now.date()
        self.latest = self.now - dt.timedelta(minutes=5)

    def at(self, day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
        moment = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))
        return min(moment, self.latest)

    def between(self, start: dt.datetime, share: float) -> dt.datetime:
        """The moment SHARE (0..1) of the way from START to the latest moment."""
        start = min(start, self.latest)
        return start + (self.latest - start) * share


# ---------------------------------------------------------------------------------------------------
# Accounts


@transaction.atomic
def create_managers(people: dict, root: Library) -> list[User]:
    users = []
    for username, full_name, role in MANAGERS:
        first_name, last_name = _split_name(full_name)
        user = User.objects.filter(username=username).first() or User.objects.create_user(
            username, password=DEMO_PASSWORD, first_name=first_name, last_name=last_name,
            email=f"{username}@thuvien.example",
        )  # fmt: skip
        StaffRole.objects.get_or_create(user=user, library=root, role=role)
        users.append(user)
        if not any(p["username"] == username for p in people.get("staff", [])):
            people.setdefault("staff", []).append({
                "username": username, "password": DEMO_PASSWORD, "full_name": full_name, "first_name": first_name,
                "last_name": last_name, "email": f"{username}@thuvien.example", "library": root.code,
                "roles": [role], "scope": "subtree",
            })  # fmt: skip
    return users


def _person(people: dict, library: str, *roles: str) -> User | None:
    for person in people.get("staff", []):
        if person["library"] == library and set(roles) & set(person["roles"]):
            return User.objects.filter(username=person["username"]).first()
    return None


@transaction.atomic
def create_librarians(people: dict, libraries: dict[str, Library]) -> dict[str, User]:
    """Return {library code: who prepares its reports}: the demo's own accounts, and one new per other library.

    The new accounts are the member libraries' librarians (circulation and cataloguer on their library);
    the demo prints only how many there are (``summary_lines``).
    """
    root = next(lib for lib in libraries.values() if lib.parent_id is None)
    users = {root.code: _person(people, root.code, "admin")}
    for code in libraries:
        if code != root.code and (user := _person(people, code, *LIBRARIAN_ROLES)) is not None:
            users[code] = user
    created, hashed = [], ""
    for code, (username, full_name) in data.LIBRARIANS.items():
        if code not in libraries or code in users:
            continue
        user = User.objects.filter(username=username).first()
        if user is None:
            first_name, last_name = _split_name(full_name)
            # One hash of the published demo password for all of them: hashing is slow on purpose.
            hashed = hashed or make_password(DEMO_PASSWORD)
            user = User.objects.create(
                username=username, password=hashed, first_name=first_name, last_name=last_name,
                email=f"{username}@thuvien.example",
            )  # fmt: skip
            created.append(username)
        for role in LIBRARIAN_ROLES:
            StaffRole.objects.get_or_create(user=user, library=libraries[code], role=role)
        users[code] = user
    people["librarians"] = sorted(set(people.get("librarians", [])) | set(created))
    return users


def _full_name(user: User) -> str:
    return f"{user.last_name} {user.first_name}".strip()


# ---------------------------------------------------------------------------------------------------
# The register, staff and training


def create_profiles(libraries: dict[str, Library], users: dict[str, User]) -> int:
    """Fill each library's register profile as its librarian would; return how many."""
    count = 0
    for code, spec in data.PROFILES.items():
        library = libraries.get(code)
        if library is None:
            continue
        register.update_profile(library, users.get(code), **spec)
        count += 1
    return count


def create_staff_and_training(libraries: dict[str, Library], actor: User, timeline: _Timeline) -> dict:
    """Record each library's staff, the provincial library's courses since 2021 and who completed them."""
    root = next(lib for lib in libraries.values() if lib.parent_id is None)
    this_year = timeline.today.year
    # A staff member who signs in to the system is linked to his account (same library, same name).
    accounts = {
        (role.library.code, _full_name(role.user)): role.user
        for role in StaffRole.objects.filter(library__in=list(libraries.values())).select_related(
            "user", "library"
        )
    }
    courses = {}
    for key, (title, kind, topic, year, (month, day), days, hours) in data.COURSES.items():
        year = year or this_year
        if year > this_year:
            continue
        starts = dt.date(year, month, day)
        courses[key] = training.create_course(
            root, actor, title, kind, starts, starts + dt.timedelta(days=days - 1), hours=hours,
            place=data.COURSE_PLACE, topic=topic,
        )  # fmt: skip
    enrolled, completing = defaultdict(list), set()
    members = {}
    for code, rows in data.STAFF.items():
        library = libraries.get(code)
        if library is None:
            continue
        for full_name, position, qualification, library_trained, since, keys in rows:
            month = 1 + int(12 * _unit("since", full_name))
            member = training.add_staff_member(
                library, actor, full_name, position, qualification, library_trained, dt.date(since, month, 1),
                user=accounts.get((code, full_name)),
            )  # fmt: skip
            members[(code, full_name)] = member
            for key in keys:
                course_key = key.rstrip("?")
                if course_key in courses:
                    enrolled[course_key].append(member)
                    if not key.endswith("?"):
                        completing.add((course_key, member.pk))
    completed = 0
    for key, course in courses.items():
        if not enrolled[key]:
            continue
        attendances = training.enrol(course, actor, enrolled[key])
        if course.ends_on >= timeline.today:
            continue  # not over yet: enrolled, no result
        number = 0
        for attendance in attendances:
            if (key, attendance.staff_member_id) not in completing:
                continue
            number += 1
            training.record_completion(
                attendance, actor, True, f"{number:03d}/{course.starts_on.year}/CC-TVNB",
                min(course.ends_on + dt.timedelta(days=7), timeline.today),
            )  # fmt: skip
            completed += 1
    code, name, (month, day) = data.LEAVER
    if (code, name) in members:
        training.end_employment(members[(code, name)], actor, dt.date(this_year - 1, month, day))
    return {"staff": len(members), "courses": len(courses), "completed": completed}


# ---------------------------------------------------------------------------------------------------
# Statistics reports


def _manual_figures(library: Library, quarters: list[int], year: int) -> dict[str, str]:
    """The figures a librarian types for QUARTERS of YEAR (all four: the year's report), as typed strings."""
    base = data.REPORT_BASE.get(library.kind, data.REPORT_BASE["specialised"])
    season = data.SEASON.get(library.kind, data.PUBLIC_SEASON)
    profile = data.PROFILES.get(library.code, {})
    visits = events = budget = 0
    for quarter in quarters:
        jitter = 0.88 + 0.24 * _unit("visits", library.code, year, quarter)
        visits += round(base["visits"] * season[quarter] * jitter)
        events += max(0, round(base["events"] * (0.6 + 0.8 * _unit("events", library.code, year, quarter))))
        budget += round(base["budget"] * (0.9 + 0.2 * _unit("budget", library.code, year, quarter)), -5)
    figures = {
        "visits": str(visits),
        "events": str(events),
        "opening_hours_week": base["hours"],
        "floor_area_m2": str(profile.get("floor_area_m2", "")),
        "seats": str(profile.get("seats", "")),
        "computers": str(base["computers"]),
        "budget_vnd": str(budget),
        "acquisition_budget_vnd": str(round(budget * base["acquisition"], -5)),
    }
    if events:
        figures["events_detail"] = "; ".join(data.EVENTS_DETAIL[q] for q in quarters)
    return figures


def _typed(report: StatisticsReport, figures: dict[str, str]) -> dict[str, str]:
    """FIGURES, plus 0 for each required system figure the system has none for (no digital library: no views)."""
    result = dict(figures)
    for field in statistics.FIELDS:
        if field.is_system and field.required and report.figures.get(field.code) is None:
            result[field.code] = "0"
    return result


def _report(library, period, preparer, reviewer, timeline, opened: dt.date, fate: str = "approved",
            first_return: str = "") -> StatisticsReport:  # fmt: skip
    """Take LIBRARY's report of PERIOD through the workflow until FATE (draft, submitted, returned, approved).

    With FIRST_RETURN, the report is first sent with its acquisitions budget at 0, returned with that
    comment, corrected and sent again: its history shows both rounds.
    """
    with _clock(timeline.at(opened, 8, 30)):
        report = workflow.create_report(library, period, preparer)
    quarters = [period.quarter] if period.quarter else [1, 2, 3, 4]
    figures = _manual_figures(library, quarters, period.year)
    typed = dict(figures)
    if fate == "returned":
        typed["visits"] = str(round(int(figures["visits"]) * 0.08))  # a slip the reviewer catches
    if first_return:
        typed["acquisition_budget_vnd"] = "0"
    if fate == "draft":
        for code in ("budget_vnd", "acquisition_budget_vnd", "events_detail"):
            typed.pop(code, None)  # still waiting for the accountant's figures
    with _clock(timeline.at(opened + dt.timedelta(days=2), 10, 15)):
        report = workflow.save_figures(report, _typed(report, typed), data.REPORT_NOTE, preparer)
    if fate == "draft":
        return report
    if first_return:
        with _clock(timeline.at(opened + dt.timedelta(days=3), 15, 0)):
            report = workflow.transition(report, "submit", preparer)
        with _clock(timeline.at(opened + dt.timedelta(days=6), 9, 40)):
            report = workflow.transition(report, "return", reviewer, first_return)
        with _clock(timeline.at(opened + dt.timedelta(days=8), 14, 0)):
            report = workflow.save_figures(
                report,
                {"acquisition_budget_vnd": figures["acquisition_budget_vnd"]},
                data.REPORT_NOTE,
                preparer,
            )
    with _clock(timeline.at(opened + dt.timedelta(days=9), 16, 0)):
        report = workflow.transition(report, "submit", preparer)
    if fate == "submitted":
        return report
    if fate == "returned":
        with _clock(timeline.at(opened + dt.timedelta(days=14), 10, 0)):
            return workflow.transition(report, "return", reviewer, data.RETURN_COMMENT)
    with _clock(timeline.at(opened + dt.timedelta(days=15), 14, 30)):
        return workflow.transition(report, "approve", reviewer)


def create_statistics(
    libraries: dict[str, Library], users: dict[str, User], admin: User, manager: User, timeline: _Timeline
) -> dict:
    """This year's quarterly reports of the quarters past (the latest in every state) and last year's annual ones."""
    this_year = timeline.today.year
    quarters = [q for q in range(1, 5) if Period(this_year, q).end < timeline.today] or [1]
    reporting = [code for code in data.REPORTING if code in libraries and users.get(code) is not None]
    states = defaultdict(int)

    def reviewer(code):
        return manager if code in data.MANAGER_REVIEWS else admin

    # Last year's annual reports first: in January, before the first quarter's.
    for code in data.ANNUAL:
        if code in reporting:
            report = _report(libraries[code], Period(this_year - 1), users[code], reviewer(code), timeline,
                             dt.date(this_year, 1, 6))  # fmt: skip
            states[report.status] += 1
            states["annual"] += 1
    for quarter in quarters:
        opened = Period(this_year, quarter).end + dt.timedelta(days=3)
        for code in reporting:
            fate, first_return = "approved", ""
            if quarter == quarters[-1]:
                fate = {data.LATEST_DRAFT: "draft", data.LATEST_SUBMITTED: "submitted",
                        data.LATEST_RETURNED: "returned"}.get(code, "approved")  # fmt: skip
            elif quarter == quarters[0] and code == data.RETURNED_THEN_APPROVED[0]:
                first_return = data.RETURNED_THEN_APPROVED[1]
            report = _report(libraries[code], Period(this_year, quarter), users[code], reviewer(code), timeline,
                             opened, fate, first_return)  # fmt: skip
            states[report.status] += 1
    return {"quarters": quarters, **states}


# ---------------------------------------------------------------------------------------------------
# Inspections


def _evidence_pdf(library: Library, title: str) -> bytes:
    """A one-page PDF standing for a scanned decision (a library's evidence file)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    font = "Helvetica"
    try:
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        from thuvien.digital.render import NoFont, find_font

        family, path = find_font()
        font = "thuvien-" + "".join(ch for ch in family if ch.isalnum())
        if font not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(font, str(path)))
    except NoFont:
        font = "Helvetica"  # without a Vietnamese font the letters lose their marks; the file is still a PDF
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, invariant=True)
    page.setTitle(title)
    lines = [
        library.name.upper(),
        "",
        "QUYẾT ĐỊNH",
        title,
        "",
        "Điều 1. Ban hành kèm theo Quyết định này Quy chế tổ chức và hoạt động của thư viện.",
        "Điều 2. Quyết định có hiệu lực kể từ ngày ký.",
        "",
        "(Bản chụp minh họa của dữ liệu mẫu)",
    ]
    page.setFont(font, 12)
    y = 780
    for line in lines:
        page.drawString(60, y, line)
        y -= 20
    page.showPage()
    page.save()
    return buffer.getvalue()


def _key(item) -> str:
    return next((k for k in data.ANSWERS if item.text.startswith(k)), "")


def _plan(code: str, year: int, items, score: float) -> dict[int, float]:
    """The points a library with about SCORE (of 100) gets for each item, by halves of a point."""
    result = {}
    for item in items:
        share = max(0.0, min(1.0, score / 100 + 0.3 * (_unit("points", code, year, item.position) - 0.5)))
        result[item.pk] = round(share * item.weight * 2) / 2
    return result


def _compliance(share: float) -> str:
    return "yes" if share >= 0.85 else "partly" if share >= 0.5 else "no"


def _answer(inspection: Inspection, items, plan: dict[int, float], actor, with_evidence: bool) -> None:
    """Answer every item as a library would rate itself against PLAN, attach the evidence asked for, send."""
    answers = {}
    for item in items:
        level = _compliance(plan[item.pk] / item.weight)
        answers[item.pk] = (level, data.ANSWERS.get(_key(item), {}).get(level, ""))
    inspections.save_answers(inspection, actor, answers)
    if with_evidence:
        for item in items:
            if item.evidence_required:
                answer = inspections.answer_for(inspection, actor, item)
                title = f"Quyết định ban hành Quy chế tổ chức và hoạt động — {inspection.library.name}"
                upload = SimpleUploadedFile(
                    "Quyết định ban hành quy chế.pdf",
                    _evidence_pdf(inspection.library, title),
                    "application/pdf",
                )
                inspections.add_evidence(answer, actor, upload)
    inspections.send_answers(inspection, actor)


def _score(inspection: Inspection, items, plan: dict[int, float], inspector, actions_due: list[dt.date]):
    """Score INSPECTION as PLAN says, asking for one follow-up action per weak item (at most the dues given)."""
    total = inspections.compute_score(plan.values(), (item.weight for item in items))
    ranked = sorted(items, key=lambda item: plan[item.pk] / item.weight)
    weak = [item for item in ranked if plan[item.pk] / item.weight < 0.6] or (
        ranked[:1] if total < 75 else []
    )
    grade = "Tốt" if total >= 85 else "Khá" if total >= 70 else "Đạt"
    findings = f"Xếp loại: {grade}. " + (
        "Tồn tại: " + "; ".join(item.text[0].lower() + item.text[1:] for item in weak) + "."
        if weak
        else "Thư viện thực hiện tốt các nội dung kiểm tra."
    )
    actions = [(data.FOLLOW_UPS[_key(item)], due) for item, due in zip(weak, actions_due, strict=False)]
    return inspections.score(inspection, inspector, plan, findings, actions)


def _round(root, manager, inspector, year, opens_on, due_on, checklist, codes, libraries, timeline):
    with _clock(timeline.at(opens_on - dt.timedelta(days=5), 8, 0)):
        rnd = inspections.open_round(
            root, manager, data.ROUND_TITLE.format(year=year), year, opens_on, due_on, checklist,
            libraries=[libraries[c] for c in codes if c in libraries], inspector=inspector,
            description=data.ROUND_DESCRIPTION.format(year=year),
        )  # fmt: skip
    return rnd, list(rnd.items.all()), {i.library.code: i for i in rnd.inspections.select_related("library")}


def create_inspections(
    libraries: dict[str, Library], users: dict[str, User], manager: User, inspector: User, timeline: _Timeline
) -> dict:
    """Last year's round, closed (follow-up actions tracked since), and this year's, under way."""
    root = next(lib for lib in libraries.values() if lib.parent_id is None)
    this_year, today = timeline.today.year, timeline.today
    last = this_year - 1

    rnd, items, found = _round(root, manager, inspector, last, dt.date(last, 9, 15), dt.date(last, 10, 31),
                               data.CHECKLIST_LAST, data.LAST_ROUND_SCORES, libraries, timeline)  # fmt: skip
    # Follow-up actions fall due in spring; the weakest library's first one is still open, and overdue.
    overdue_on = min(dt.date(this_year, 3, 31), today - dt.timedelta(days=14))
    dues = [dt.date(this_year, 3, 31), dt.date(this_year, 6, 30)]
    weakest = min((c for c in data.LAST_ROUND_SCORES if c in found), key=data.LAST_ROUND_SCORES.get)
    for n, (code, score) in enumerate(data.LAST_ROUND_SCORES.items()):
        if code not in found or users.get(code) is None:
            continue
        plan = _plan(code, last, items, score)
        with _clock(timeline.at(dt.date(last, 9, 22) + dt.timedelta(days=4 * n), 10, 0)):
            _answer(found[code], items, plan, users[code], with_evidence=False)
        with _clock(timeline.at(dt.date(last, 11, 4) + dt.timedelta(days=3 * n), 15, 0)):
            _score(found[code], items, plan, inspector, [overdue_on, dues[1]] if code == weakest else dues)
    with _clock(timeline.at(dt.date(last, 12, 18), 9, 0)):
        inspections.close_round(rnd, manager)
    follow_ups = list(
        FollowUpAction.objects.filter(inspection__round=rnd)
        .select_related("inspection__library")
        .order_by("pk")
    )
    left_open = next(
        (a for a in follow_ups if a.due_on == overdue_on and a.inspection.library.code == weakest), None
    )
    awaiting = next((a for a in reversed(follow_ups) if a is not left_open), None)
    for action in follow_ups:
        if action is left_open:
            continue
        library_user = users[action.inspection.library.code]
        with _clock(timeline.at(action.due_on - dt.timedelta(days=20), 10, 0)):
            inspections.report_action_done(action, library_user, data.DONE_RESPONSE)
        if action is not awaiting:
            with _clock(timeline.at(action.due_on - dt.timedelta(days=12), 14, 0)):
                inspections.close_action(action, inspector)

    # This year's round: opened some weeks ago, libraries answering, the first ones scored.
    opens_on = min(max(dt.date(this_year, 1, 5), today - dt.timedelta(days=50)), today)
    opened_at = timeline.at(opens_on, 8, 0)
    current, items, found = _round(
        root, manager, inspector, this_year, opens_on, today + dt.timedelta(days=15), data.CHECKLIST_THIS,
        [*data.THIS_ROUND_SCORED, *data.THIS_ROUND_ANSWERED, *data.THIS_ROUND_WAITING], libraries, timeline,
    )  # fmt: skip
    answering = [*data.THIS_ROUND_SCORED, *data.THIS_ROUND_ANSWERED]
    for n, code in enumerate(answering):
        if code not in found or users.get(code) is None:
            continue
        score = data.THIS_ROUND_SCORED.get(code, 60 + 30 * _unit("score", code, this_year))
        plan = _plan(code, this_year, items, score)
        with _clock(timeline.between(opened_at, 0.3 + 0.4 * n / len(answering))):
            _answer(found[code], items, plan, users[code], with_evidence=True)
        if code in data.THIS_ROUND_SCORED:
            with _clock(timeline.between(opened_at, 0.75 + 0.2 * n / len(answering))):
                _score(found[code], items, plan, inspector, [dt.date(this_year, 12, 31)])
    counts = defaultdict(int)
    for inspection in Inspection.objects.filter(round=current):
        counts[inspection.status] += 1
    return {"rounds": 2, "last_round": rnd.pk, "this_round": current.pk, **counts}


# ---------------------------------------------------------------------------------------------------
# Indicator values: history and targets


def _full_year(indicator: Indicator, value: IndicatorValue) -> float:
    """VALUE over a whole year: this year's reports cover only the quarters approved so far."""
    if not indicator.source.startswith("report:"):
        return value.numerator
    return value.numerator * 4 / max(1, len(value.breakdown or {}))


def _history_value(indicator: Indicator, current: IndicatorValue, year: int, this_year: int):
    """Derive YEAR's (numerator, denominator) from this year's stored value: the trend before the system."""
    back = this_year - year
    jitter = 0.92 + 0.16 * _unit(indicator.code, current.library_id, year)
    if indicator.aggregation == Aggregation.MAX:
        return float(round(2 + 40 * _unit("fresh", current.library_id, year))), None
    if current.denominator is None:
        return float(max(0, round(_full_year(indicator, current) * (1 - 0.08 * back) * jitter))), None
    if current.denominator <= 1:
        # A library's yes/no: it adopted the practice in some year, and stays adopted.
        if not current.numerator:
            return 0.0, 1.0
        adopted = this_year - int(6 * _unit("adopt", indicator.code, current.library_id))
        return (1.0 if year >= adopted else 0.0), 1.0
    denominator = max(1, round(current.denominator * (1 - 0.04 * back)))
    share = current.numerator / current.denominator if current.denominator else 0
    share = max(0.0, min(1.0, share * (1 - 0.17 * back) * jitter))
    return float(round(denominator * share)), float(denominator)


# What the system itself knows of last year (its approved reports, its inspection round), stored as computed
# rather than imported: the report-sourced indicators and the share of libraries managed in the system.
KNOWN_LAST_YEAR = ("prog-managed-in-system",)


def _known_last_year():
    return Indicator.objects.filter(active=True).filter(
        Q(source__startswith="report:") | Q(code__in=KNOWN_LAST_YEAR)
    )


def refresh_known(root: Library, year: int) -> int:
    """Store YEAR's values of what the system recorded that year (reports, inspections) for ROOT's libraries."""
    return snapshots.refresh(year, root, list(_known_last_year()))


@transaction.atomic
def import_history(root: Library, this_year: int, years: int = HISTORY_YEARS) -> int:
    """Store YEARS of history before THIS_YEAR for every library with a value this year; return rows.

    A value the system computed from what it recorded that year (``refresh_known``) is kept.
    """
    indicators = {i.pk: i for i in Indicator.objects.all()}
    current = IndicatorValue.objects.filter(
        library_path__startswith=root.path, year=this_year
    ).select_related("library")
    known = set(
        IndicatorValue.objects.filter(
            library_path__startswith=root.path, year__lt=this_year, indicator__in=_known_last_year()
        )
        .exclude(origin=ValueOrigin.IMPORTED)
        .values_list("indicator_id", "library_id", "year")
    )
    rows = 0
    for value in current:
        indicator = indicators[value.indicator_id]
        if indicator.source.startswith("report:") and value.denominator is None and not value.numerator:
            continue
        for year in range(this_year - years, this_year):
            if (indicator.pk, value.library_id, year) in known:
                continue
            numerator, denominator = _history_value(indicator, value, year, this_year)
            snapshots.store_imported(
                indicator, value.library, year, numerator, denominator, note=HISTORY_NOTE
            )
            rows += 1
    return rows


@transaction.atomic
def set_targets(root: Library, this_year: int, actor: User | None = None) -> int:
    """Set the province's targets 2021–2030: the programme's shares, and growth targets for the counts."""
    count = 0
    for indicator in Indicator.objects.filter(code__in=list(SHARE_TARGETS) + list(COUNT_TARGETS)):
        for year in range(FIRST_TARGET_YEAR, LAST_TARGET_YEAR + 1):
            if indicator.code in SHARE_TARGETS:
                first, last = SHARE_TARGETS[indicator.code]
                value = round(
                    first
                    + (last - first) * (year - FIRST_TARGET_YEAR) / (LAST_TARGET_YEAR - FIRST_TARGET_YEAR),
                    2,
                )
            else:
                base = sum(_full_year(indicator, v) for v in snapshots.by_library(root, indicator, this_year))
                if not base:
                    continue
                # This year's target a little above what was reached; earlier years on the growth line.
                value = max(0, round(base * 1.04 * (1 - COUNT_TARGETS[indicator.code] * (this_year - year))))
            set_target(indicator, root, year, value, actor, note=TARGET_NOTE)
            count += 1
    return count


# ---------------------------------------------------------------------------------------------------
# The whole


@transaction.atomic
def create_reading_usage(root: Library, timeline: _Timeline) -> int:
    """Record this year's daily readings and downloads of the published documents anyone may read.

    The usage counters only ever count today (``thuvien.digital.usage``); the months before the demo was
    built are written directly, as the circulation demo writes its past loans.
    """
    from thuvien.digital.models import AccessLevel, DigitalObject, Stage, UsageDay

    objects = DigitalObject.objects.filter(
        library__path__startswith=root.path, stage=Stage.PUBLISHED
    ).exclude(access=AccessLevel.SECRET)
    days, start = [], dt.date(timeline.today.year, 1, 1)
    for obj in objects:
        popularity = 3 if obj.access == AccessLevel.OPEN else 1
        day = start
        while day < timeline.today:
            views = int(popularity * 4 * _unit("views", obj.pk, day))
            downloads = (
                int(popularity * 1.4 * _unit("downloads", obj.pk, day))
                if obj.access == AccessLevel.OPEN
                else 0
            )
            if views or downloads:
                days.append(
                    UsageDay(object=obj, library_id=obj.library_id, day=day, views=views, downloads=downloads)
                )
            day += dt.timedelta(days=1)
    UsageDay.objects.bulk_create(days, ignore_conflicts=True)
    return len(days)


def build_reports(people: dict, *, now=None, log=print) -> dict:
    """Create (once) the demo's management information; return what the demo command shows."""
    started = time.perf_counter()
    now = now or timezone.now()
    timeline = _Timeline(now)
    this_year = timeline.today.year
    root = Library.objects.get(code=people["reader"]["library"])
    if (
        IndicatorValue.objects.filter(library=root).exists()
        or InspectionRound.objects.filter(authority=root).exists()
    ):
        return {}
    libraries = {lib.code: lib for lib in Library.objects.filter(path__startswith=root.path, active=True)}
    managers = create_managers(people, root)
    manager, inspector = managers
    users = create_librarians(people, libraries)
    admin = users[root.code] or manager
    create_endogenous_collection(root, users)
    profiles = create_profiles(libraries, users)
    staff = create_staff_and_training(libraries, admin, timeline)
    reports = create_statistics(libraries, users, admin, manager, timeline)
    rounds = create_inspections(libraries, users, manager, inspector, timeline)
    create_reading_usage(root, timeline)
    written = snapshots.refresh(this_year, root)
    refresh_known(root, this_year - 1)
    history = import_history(root, this_year)
    targets = set_targets(root, this_year, manager)
    seconds = time.perf_counter() - started
    log(
        f"thuvien demo: {profiles} library profiles, {staff['staff']} staff, {staff['courses']} courses; "
        f"{sum(reports.get(status, 0) for status in ReportStatus.values)} statistics reports; inspections "
        f"{rounds.get('scored', 0)} scored this year; indicators {written} values for {this_year}, "
        f"{history} of history, {targets} targets ({seconds:.1f} s)"
    )
    return {
        "managers": [u.username for u in managers],
        "librarians": len(people.get("librarians", [])),
        "year": this_year,
        "values": written,
        "history": history,
        "targets": targets,
        "staff": staff,
        "reports": reports,
        "inspections": rounds,
        "seconds": round(seconds, 1),
    }


def summary_lines(info: dict, base_url: str) -> list[str]:
    if not info:
        return []
    lines = [
        f"Chỉ tiêu và thống kê (MIS) — {base_url}/staff/reports/  "
        f"(Sở Văn hóa: so.vanhoa / {DEMO_PASSWORD}; kiểm tra: so.kiemtra / {DEMO_PASSWORD})",
    ]
    reports = info.get("reports") or {}
    if reports:
        lines.append(
            f"Báo cáo thống kê — {base_url}/staff/statistics/ : {reports.get('approved', 0)} đã duyệt, "
            f"{reports.get('submitted', 0)} chờ duyệt, {reports.get('returned', 0)} bị trả lại, "
            f"{reports.get('draft', 0)} đang soạn"
        )
    rounds = info.get("inspections") or {}
    if rounds:
        lines.append(
            f"Kiểm tra — {base_url}/staff/inspections/ : đợt năm {info['year'] - 1} đã kết thúc; "
            f"đợt năm {info['year']}: {rounds.get('scored', 0)} đã kết luận, {rounds.get('answered', 0)} chờ chấm, "
            f"{rounds.get('assigned', 0)} chưa trả lời"
        )
    if info.get("librarians"):
        lines.append(
            f"Thủ thư các thư viện thành viên: {info['librarians']} tài khoản (ví dụ xa.namdinh, tv.dhhl; "
            f"mật khẩu {DEMO_PASSWORD}) — lập báo cáo, trả lời kiểm tra"
        )
    lines.append(f"Bản đồ và danh bạ thư viện — {base_url}/libraries/")
    return lines
