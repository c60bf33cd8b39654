"""The seeded indicators' computations: each measures ONE library's own figure for a period, and traces it.

A computation is ``(library, period, **params) -> Measure | None``: a share returns
``Measure(numerator, denominator)``, a count ``Measure(n, breakdown=...)``, and None means the indicator
does not apply to the library (it then neither counts nor dilutes a subtree's figure). Its trace lists the
rows it counts, for a person to check the figure: never a reader's name (card numbers are masked).
The definitions are in ``docs/reports/indicators.md``; ``report:visits`` is the engine's own.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Exists, Max, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from thuvien.catalog.models import CollectionKind, Item, ItemStatus, MaterialType, Record
from thuvien.circulation.models import Loan
from thuvien.digital import stats
from thuvien.digital.models import DigitalObject, UsageDay
from thuvien.interop.oaipmh.models import HarvestRun, HarvestSource
from thuvien.network.models import Library
from thuvien.patrons.models import Reader, ReaderStatus
from thuvien.reports.indicators import Measure, Trace, computation
from thuvien.reports.models import (
    ONLINE_SERVICES,
    Inspection,
    InspectionStatus,
    LibraryProfile,
    ReportStatus,
    Service,
    StaffMember,
    StatisticsReport,
    TrainingAttendance,
)
from thuvien.reports.periods import Period

# Quyết định 206/QĐ-TTg (2021): training counts for the programme from its first year on.
PROGRAMME_START = dt.date(2021, 1, 1)
# A trace is for a person to check a figure, not an export: past this many rows it says it stops.
TRACE_LIMIT = 2000
# Readers holding a card: a registration awaiting approval has none in use yet, an erased one no more.
CARD_HOLDER_STATUSES = (ReaderStatus.ACTIVE, ReaderStatus.SUSPENDED)


# --- helpers -------------------------------------------------------------------------------------------


def mask_card(card: str) -> str:
    """Return CARD with all but its last four characters hidden (enough to tell rows apart, not to use it)."""
    card = card or ""
    keep = 4 if len(card) > 6 else max(len(card) - 3, 0)
    return "•" * (len(card) - keep) + card[len(card) - keep :]


def _day(value) -> str:
    """Format a date or an aware datetime (as a local date) for a trace cell."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return value.isoformat()


def _trace(columns, source, row, counted=None, *, head=(), notes=()) -> Trace:
    """Build a trace of the HEAD rows then SOURCE's (a queryset or a list), at most TRACE_LIMIT in all."""
    head = list(head)
    room = max(TRACE_LIMIT - len(head), 0)
    chunk = list(source[: room + 1])
    notes = [str(n) for n in notes if n]
    if len(chunk) > room:
        total = len(head) + (len(source) if isinstance(source, list) else source.count())
        chunk = chunk[:room]
        notes.append(
            _("Chỉ liệt kê %(shown)s dòng đầu trong tổng số %(total)s dòng.")
            % {"shown": TRACE_LIMIT, "total": total}
        )
    rows = [r for r, _c in head] + [row(x) for x in chunk]
    flags = None
    if counted is not None or any(c is not None for _r, c in head):
        flags = [bool(c) for _r, c in head] + [bool(counted(x)) if counted else True for x in chunk]
    return Trace([str(c) for c in columns], rows, flags, " ".join(notes))


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value or ""


def _check_kinds(kinds) -> list[str]:
    if isinstance(kinds, str) or not isinstance(kinds, list | tuple) or not kinds:
        raise ValueError(_('Tham số "kinds" phải là danh sách loại bộ sưu tập, ví dụ {"kinds": ["rare"]}.'))
    unknown = [str(k) for k in kinds if k not in CollectionKind.values]
    if unknown:
        raise ValueError(
            _("Không có loại bộ sưu tập: %(unknown)s (các loại: %(known)s).")
            % {"unknown": ", ".join(unknown), "known": ", ".join(CollectionKind.values)}
        )
    return list(kinds)


def check_params(key: str, params: dict) -> None:
    """Raise ValueError, with a message for the person editing the indicator, when PARAMS do not suit KEY."""
    if key == "digitised_share":
        _check_kinds((params or {}).get("kinds"))


# --- the programme's shares ----------------------------------------------------------------------------


def _digitised_documents(library: Library, period: Period, kinds):
    return stats.documents(_check_kinds(kinds), library, own=True, recorded_before=period.end_at)


def trace_digitised_share(library: Library, period: Period, kinds=None, **_params) -> Trace:
    """List the documents of KINDS of LIBRARY, each with when it was first published digitised (if by PERIOD's end)."""
    kinds = _check_kinds(kinds)
    first = (
        stats.published_for_record(period.end_at)
        .annotate(on=Coalesce("published_at", "created_at"))
        .order_by("on")
        .values("on")[:1]
    )
    documents = (
        _digitised_documents(library, period, kinds)
        .annotate(first_published=Subquery(first))
        .only("pk", "title")
        .order_by("pk")
    )
    chunk = list(documents[: TRACE_LIMIT + 1])
    ids = [r.pk for r in chunk]
    # Which of KINDS each record is in: through its own collections or its digital objects'.
    found = defaultdict(set)
    for record_id, kind in Record.collections.through.objects.filter(
        record_id__in=ids, collection__kind__in=kinds
    ).values_list("record_id", "collection__kind"):
        found[record_id].add(kind)
    for record_id, kind in DigitalObject.collections.through.objects.filter(
        digitalobject__record_id__in=ids, collection__kind__in=kinds
    ).values_list("digitalobject__record_id", "collection__kind"):
        found[record_id].add(kind)
    return _trace(
        [_("Số biểu ghi"), _("Nhan đề"), _("Loại bộ sưu tập"), _("Đã số hóa"), _("Công bố bản số")],
        documents if len(chunk) > TRACE_LIMIT else chunk,
        lambda r: [
            r.pk,
            r.title[:200],
            ", ".join(_label(CollectionKind, k) for k in sorted(found[r.pk])),
            _("có") if r.first_published else _("không"),
            _day(r.first_published),
        ],
        lambda r: r.first_published is not None,
    )


@computation("digitised_share", trace=trace_digitised_share)
def digitised_share(library: Library, period: Period, kinds=None, **_params) -> Measure | None:
    """Share of LIBRARY's documents of KINDS (catalogued by PERIOD's end) digitised and published by then.

    Documents: live (not deleted, not merged) records in a collection of KINDS managed by the library, or
    in such a collection while the library catalogued the record or holds a copy (not withdrawn), or the
    records of the library's digital objects put in such a collection. Digitised: at least one digital
    object of the record (whoever made it, at any access level) published before the period's end.
    None when the library has no such document: it does not dilute the subtree's share.
    """
    share = stats.share(
        _check_kinds(kinds), library, own=True, published_by=period.end_at, recorded_before=period.end_at
    )
    if not share.records:
        return None
    return Measure(share.digitised, share.records)


def _offers_online(library: Library) -> tuple[bool, list[str]]:
    profile = LibraryProfile.objects.filter(library=library).first()
    services = [s for s in (profile.services if profile else []) or [] if s in ONLINE_SERVICES]
    return bool((library.website or "").strip()) and bool(services), services


def trace_website_online_services(library: Library, period: Period, **_params) -> Trace:
    """List LIBRARY with its website and the online services of its register profile."""
    yes, services = _offers_online(library)
    row = [library.code, library.name, library.website or "", ", ".join(_label(Service, s) for s in services)]
    return _trace(
        [_("Mã thư viện"), _("Thư viện"), _("Trang web"), _("Dịch vụ trực tuyến")],
        [],
        None,
        head=[(row, yes)],
        notes=[_("Theo hồ sơ hiện tại của thư viện (hồ sơ không lưu lịch sử).")],
    )


@computation("website_online_services", trace=trace_website_online_services)
def website_online_services(library: Library, period: Period, **_params) -> Measure:
    """1/1 when LIBRARY has a website and its register profile lists an online service, else 0/1.

    The profile has no history: every period reads today's profile.
    """
    yes, _services = _offers_online(library)
    return Measure(1 if yes else 0, 1)


def _union_items(library: Library, period: Period):
    return (
        Item.objects.filter(library=library, created_at__lt=period.end_at, record__deleted_at__isnull=True)
        .exclude(status=ItemStatus.WITHDRAWN)
        .order_by("pk")
    )


def _year_start(period: Period) -> dt.datetime:
    return Period(period.year).start_at


def _successful_runs(library: Library, period: Period):
    """Successful harvests of LIBRARY's active sources in PERIOD's year, finished by the period's end."""
    return HarvestRun.objects.filter(
        source__library=library,
        source__active=True,
        status=HarvestRun.Status.SUCCEEDED,
        finished_at__gte=_year_start(period),
        finished_at__lt=period.end_at,
    )


def trace_union_catalogue_connected(library: Library, period: Period, **_params) -> Trace:
    """List LIBRARY's active harvest sources (with their last success of the year) and its copies in the union catalogue."""
    last = dict(
        _successful_runs(library, period)
        .values("source_id")
        .annotate(last=Max("finished_at"))
        .values_list("source_id", "last")
    )
    head = [
        ([_("Nguồn thu thập OAI-PMH"), s.code, _day(last.get(s.pk)), s.name], s.pk in last)
        for s in HarvestSource.objects.filter(library=library, active=True).order_by("code")
    ]
    return _trace(
        [_("Loại"), _("Mã"), _("Ngày"), _("Ghi chú")],
        _union_items(library, period).select_related("record").only("barcode", "created_at", "record__title"),
        lambda i: [_("Bản tài liệu"), i.barcode, _day(i.created_at), i.record.title[:200]],
        lambda i: True,
        head=head,
    )


@computation("union_catalogue_connected", trace=trace_union_catalogue_connected)
def union_catalogue_connected(library: Library, period: Period, **_params) -> Measure:
    """1/1 when LIBRARY is in the union catalogue at PERIOD's end, else 0/1.

    In it: a copy of the library (created before the period's end, not withdrawn, of a live record), or a
    successful OAI-PMH harvest of one of its active sources finished in the period's year by its end.
    """
    yes = _union_items(library, period).exists() or _successful_runs(library, period).exists()
    return Measure(1 if yes else 0, 1)


def _employed(library: Library, period: Period):
    end = period.end
    return (
        StaffMember.objects.filter(library=library)
        .filter(Q(employed_from__isnull=True) | Q(employed_from__lte=end))
        .filter(Q(employed_to__isnull=True) | Q(employed_to__gt=end))
    )


def _completed(period: Period):
    """Completed attendances of courses ended between the programme's start and PERIOD's end."""
    return TrainingAttendance.objects.filter(
        completed=True, course__ends_on__gte=PROGRAMME_START, course__ends_on__lte=period.end
    )


def _trained(library: Library, period: Period):
    return _employed(library, period).filter(Exists(_completed(period).filter(staff_member=OuterRef("pk"))))


def trace_staff_trained(library: Library, period: Period, **_params) -> Trace:
    """List LIBRARY's staff employed at PERIOD's end with the courses they completed that count."""
    staff = list(_employed(library, period).order_by("full_name", "pk")[: TRACE_LIMIT + 1])
    courses = defaultdict(list)
    for a in (
        _completed(period)
        .filter(staff_member__in=[s.pk for s in staff])
        .select_related("course")
        .order_by("course__ends_on")
    ):
        courses[a.staff_member_id].append(f"{a.course.title} ({_day(a.course.ends_on)})")
    return _trace(
        [_("Họ và tên"), _("Chức danh"), _("Làm việc từ"), _("Khóa đào tạo, bồi dưỡng đã hoàn thành")],
        staff,
        lambda s: [s.full_name, s.position, _day(s.employed_from), "; ".join(courses[s.pk])],
        lambda s: bool(courses[s.pk]),
    )


@computation("staff_trained", trace=trace_staff_trained)
def staff_trained(library: Library, period: Period, **_params) -> Measure | None:
    """Share of LIBRARY's staff employed at PERIOD's end who completed a course since the programme began.

    Employed at the end: started on or before the period's last day (or no date) and not left by it
    (``employed_to`` after it, or none). Trained: a completed attendance of a course that ended between
    PROGRAMME_START and the period's last day. None when the library has no staff recorded.
    """
    denominator = _employed(library, period).count()
    if not denominator:
        return None
    return Measure(_trained(library, period).count(), denominator)


def _approved_reports(library: Library, period: Period):
    return StatisticsReport.objects.filter(library=library, year=period.year, status=ReportStatus.APPROVED)


def _scored_inspections(library: Library, period: Period):
    return Inspection.objects.filter(
        library=library,
        status=InspectionStatus.SCORED,
        scored_at__gte=period.start_at,
        scored_at__lt=period.end_at,
    )


def trace_managed_in_system(library: Library, period: Period, **_params) -> Trace:
    """List LIBRARY's statistics reports of PERIOD's year and its inspections, marking those that count."""
    approved = set(_approved_reports(library, period).values_list("pk", flat=True))
    scored = set(_scored_inspections(library, period).values_list("pk", flat=True))
    head = [
        (
            [_("Báo cáo thống kê"), r.period_label, r.get_status_display(), _day(r.decided_at)],
            r.pk in approved,
        )
        for r in StatisticsReport.objects.filter(library=library, year=period.year).order_by(
            "period_kind", "quarter"
        )
    ]
    inspections = (
        Inspection.objects.filter(library=library)
        .filter(Q(round__year=period.year) | Q(pk__in=scored))
        .select_related("round")
        .order_by("scored_at", "pk")
    )
    head += [
        ([_("Kiểm tra"), i.round.title, i.get_status_display(), _day(i.scored_at)], i.pk in scored)
        for i in inspections
    ]
    return _trace([_("Loại"), _("Kỳ, đợt"), _("Trạng thái"), _("Ngày kết luận")], [], None, head=head)


@computation("managed_in_system", trace=trace_managed_in_system)
def managed_in_system(library: Library, period: Period, **_params) -> Measure:
    """1/1 when LIBRARY has an approved statistics report of PERIOD's year or an inspection scored in PERIOD."""
    yes = _approved_reports(library, period).exists() or _scored_inspections(library, period).exists()
    return Measure(1 if yes else 0, 1)


# --- collection and readers ----------------------------------------------------------------------------


def _held_at_end(library: Library, period: Period):
    """LIBRARY's copies acquired by PERIOD's end (the creation date when none is recorded), not withdrawn."""
    acquired = Q(acquired_on__isnull=False, acquired_on__lte=period.end) | Q(
        acquired_on__isnull=True, created_at__lt=period.end_at
    )
    return Item.objects.filter(library=library).filter(acquired).exclude(status=ItemStatus.WITHDRAWN)


def _acquired_in(library: Library, period: Period):
    """LIBRARY's copies acquired in PERIOD (the creation date when none is recorded), whatever became of them."""
    acquired = Q(acquired_on__gte=period.start, acquired_on__lte=period.end) | Q(
        acquired_on__isnull=True, created_at__gte=period.start_at, created_at__lt=period.end_at
    )
    return Item.objects.filter(library=library).filter(acquired)


def _by_material(items) -> dict[str, float]:
    rows = items.values("record__material_type").annotate(n=Count("id")).order_by()
    return {row["record__material_type"] or MaterialType.OTHER: row["n"] for row in rows}


def _item_trace(items) -> Trace:
    return _trace(
        [_("Mã vạch"), _("Nhan đề"), _("Loại tài liệu"), _("Ngày nhập"), _("Trạng thái")],
        items.select_related("record")
        .only("barcode", "acquired_on", "created_at", "status", "record__title", "record__material_type")
        .order_by("pk"),
        lambda i: [
            i.barcode,
            i.record.title[:200],
            _label(MaterialType, i.record.material_type),
            _day(i.acquired_on or i.created_at),
            i.get_status_display(),
        ],
    )


def trace_collection_items(library: Library, period: Period, **_params) -> Trace:
    """List the copies LIBRARY holds at PERIOD's end."""
    return _item_trace(_held_at_end(library, period))


@computation("collection_items", trace=trace_collection_items)
def collection_items(library: Library, period: Period, **_params) -> Measure:
    """Count LIBRARY's copies acquired by PERIOD's end and not withdrawn; breakdown by material type.

    Withdrawal has no date: a copy withdrawn today is out of every past period's count too.
    """
    items = _held_at_end(library, period)
    return Measure(items.count(), None, _by_material(items))


def trace_acquisitions(library: Library, period: Period, **_params) -> Trace:
    """List the copies LIBRARY acquired in PERIOD."""
    return _item_trace(_acquired_in(library, period))


@computation("acquisitions", trace=trace_acquisitions)
def acquisitions(library: Library, period: Period, **_params) -> Measure:
    """Count LIBRARY's copies acquired in PERIOD (withdrawn since or not); breakdown by material type."""
    items = _acquired_in(library, period)
    return Measure(items.count(), None, _by_material(items))


def _card_holders(library: Library, period: Period):
    return (
        Reader.objects.filter(
            home_library=library, created_at__lt=period.end_at, status__in=CARD_HOLDER_STATUSES
        )
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=period.end))
        .select_related("category")
    )


def trace_readers_registered(library: Library, period: Period, **_params) -> Trace:
    """List LIBRARY's card holders at PERIOD's end: masked card, category, dates — no name."""
    return _trace(
        [_("Số thẻ (che bớt)"), _("Đối tượng"), _("Ngày đăng ký"), _("Hạn thẻ"), _("Trạng thái")],
        _card_holders(library, period)
        .only("card", "created_at", "expires_on", "status", "category__code", "category__name")
        .order_by("pk"),
        lambda r: [
            mask_card(r.card),
            r.category.name,
            _day(r.created_at),
            _day(r.expires_on),
            r.get_status_display(),
        ],
    )


@computation("readers_registered", trace=trace_readers_registered)
def readers_registered(library: Library, period: Period, **_params) -> Measure:
    """Count readers registered at LIBRARY before PERIOD's end whose card is valid on its last day.

    Valid: active or suspended (not awaiting approval, not erased; today's status), expiring on or after
    the period's last day or never. Breakdown by reader category code.
    """
    readers = _card_holders(library, period)
    rows = readers.values("category__code").annotate(n=Count("id")).order_by()
    return Measure(readers.count(), None, {row["category__code"]: row["n"] for row in rows})


def _loans_in(library: Library, period: Period):
    return Loan.objects.filter(
        library=library, checked_out_at__gte=period.start_at, checked_out_at__lt=period.end_at
    )


def trace_readers_active(library: Library, period: Period, **_params) -> Trace:
    """List the readers who borrowed at LIBRARY in PERIOD: masked card, category, loans — no name."""
    loans = _loans_in(library, period)
    readers = (
        Reader.objects.filter(pk__in=loans.filter(reader__isnull=False).values("reader_id"))
        .annotate(n=Count("loans", filter=Q(loans__in=loans)))
        .select_related("category")
        .only("card", "category__name")
        .order_by("pk")
    )
    anonymous = loans.filter(reader__isnull=True).count()
    note = (
        _("%(n)s lượt mượn đã ẩn danh hóa: không biết của bạn đọc nào nên không được tính.")
        % {"n": anonymous}
        if anonymous
        else ""
    )
    return _trace(
        [_("Số thẻ (che bớt)"), _("Đối tượng"), _("Số lượt mượn trong kỳ")],
        readers,
        lambda r: [mask_card(r.card), r.category.name, r.n],
        notes=[note],
    )


@computation("readers_active", trace=trace_readers_active)
def readers_active(library: Library, period: Period, **_params) -> Measure:
    """Count distinct readers with a loan checked out at LIBRARY in PERIOD; breakdown by category code.

    An anonymised loan has no reader any more: its reader cannot be counted (nor told from others).
    """
    loans = _loans_in(library, period).filter(reader__isnull=False)
    rows = loans.values("reader__category__code").annotate(n=Count("reader_id", distinct=True)).order_by()
    return Measure(
        loans.values("reader_id").distinct().count(),
        None,
        {row["reader__category__code"]: row["n"] for row in rows},
    )


def trace_loans(library: Library, period: Period, **_params) -> Trace:
    """List the loans checked out at LIBRARY in PERIOD: id, date, barcode, channel — never the reader."""
    return _trace(
        [_("Số lượt mượn"), _("Ngày mượn"), _("Mã vạch"), _("Kênh")],
        _loans_in(library, period)
        .select_related("item")
        .only("checked_out_at", "channel", "item__barcode")
        .order_by("checked_out_at", "pk"),
        lambda loan: [loan.pk, _day(loan.checked_out_at), loan.item.barcode, loan.get_channel_display()],
    )


@computation("loans", trace=trace_loans)
def loans(library: Library, period: Period, **_params) -> Measure:
    """Count loans checked out at LIBRARY in PERIOD (anonymised ones too); breakdown by channel."""
    rows = _loans_in(library, period).values("channel").annotate(n=Count("id")).order_by()
    breakdown = {row["channel"]: row["n"] for row in rows}
    return Measure(sum(breakdown.values()), None, breakdown)


# --- digital library and harvesting --------------------------------------------------------------------


def _usage(library: Library, period: Period):
    return UsageDay.objects.filter(library=library, day__gte=period.start, day__lte=period.end)


def _usage_trace(library: Library, period: Period) -> Trace:
    rows = (
        _usage(library, period)
        .values("object_id", "object__title")
        .annotate(views=Sum("views"), downloads=Sum("downloads"))
        .order_by("-views", "-downloads", "object_id")
    )
    return _trace(
        [_("Số tài liệu số"), _("Nhan đề"), _("Lượt đọc"), _("Lượt tải")],
        rows,
        lambda r: [r["object_id"], (r["object__title"] or "")[:200], r["views"], r["downloads"]],
    )


def _usage_sum(library: Library, period: Period, field: str) -> Measure | None:
    if not DigitalObject.objects.filter(library=library).exists():
        return None
    return Measure(_usage(library, period).aggregate(n=Sum(field))["n"] or 0)


def trace_digital_usage(library: Library, period: Period, **_params) -> Trace:
    """List LIBRARY's digital objects used in PERIOD with their views and downloads."""
    return _usage_trace(library, period)


@computation("digital_views", trace=trace_digital_usage)
def digital_views(library: Library, period: Period, **_params) -> Measure | None:
    """Sum the daily views of LIBRARY's digital objects in PERIOD; None when it has no digital object."""
    return _usage_sum(library, period, "views")


@computation("digital_downloads", trace=trace_digital_usage)
def digital_downloads(library: Library, period: Period, **_params) -> Measure | None:
    """Sum the daily downloads of LIBRARY's digital objects in PERIOD; None when it has no digital object."""
    return _usage_sum(library, period, "downloads")


def _freshness(library: Library, period: Period, today: dt.date | None = None) -> list[tuple]:
    """Return (source, last success or None, days) for each active source of LIBRARY existing by PERIOD's end."""
    as_of = min(period.end, today or timezone.localdate())
    last_success = (
        HarvestRun.objects.filter(
            source=OuterRef("pk"), status=HarvestRun.Status.SUCCEEDED, finished_at__lt=period.end_at
        )
        .order_by("-finished_at")
        .values("finished_at")[:1]
    )
    sources = (
        HarvestSource.objects.filter(library=library, active=True, created_at__lt=period.end_at)
        .annotate(last=Subquery(last_success))
        .order_by("code")
    )
    result = []
    for source in sources:
        since = timezone.localtime(source.last or source.created_at).date()
        result.append((source, source.last, max((as_of - since).days, 0)))
    return result


def trace_harvest_freshness(library: Library, period: Period, **_params) -> Trace:
    """List LIBRARY's active harvest sources with their last successful harvest and its age in days."""
    return _trace(
        [_("Mã nguồn"), _("Tên nguồn"), _("Thu thập thành công gần nhất"), _("Số ngày")],
        _freshness(library, period),
        lambda f: [f[0].code, f[0].name, _day(f[1]) if f[1] else _("chưa lần nào"), f[2]],
        notes=[_("Nguồn chưa thu thập thành công lần nào: tính từ ngày tạo nguồn.")],
    )


@computation("harvest_freshness", trace=trace_harvest_freshness)
def harvest_freshness(library: Library, period: Period, **_params) -> Measure | None:
    """Days since the stalest active source of LIBRARY was last harvested successfully; breakdown per source.

    Counted to PERIOD's last day, or today while the period runs; a source never harvested counts from its
    creation. None when the library has no active source (created by the period's end).
    """
    found = _freshness(library, period)
    if not found:
        return None
    breakdown = {source.code: days for source, _last, days in found}
    return Measure(max(breakdown.values()), None, breakdown)
