"""The management information system: indicators and targets, staff and training, statistics reports,
inspection rounds and the public register's profile of each library."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from thuvien.reports.storage import private_storage

# ---------------------------------------------------------------------------------------------------
# Indicators


class Unit(models.TextChoices):
    PERCENT = "percent", _("%")
    COUNT = "count", _("lượt")
    DOCUMENTS = "documents", _("tài liệu")
    ITEMS = "items", _("bản")
    READERS = "readers", _("bạn đọc")
    LIBRARIES = "libraries", _("thư viện")
    DAYS = "days", _("ngày")


class Aggregation(models.TextChoices):
    RATIO = "ratio", _("tỷ lệ (tổng tử số / tổng mẫu số)")
    SUM = "sum", _("tổng")
    MAX = "max", _("lớn nhất")


class Indicator(models.Model):
    """A figure the programme or the department follows: how it is computed, what it covers, its unit.

    ``source`` names a computation of ``thuvien.reports.computations`` ("computed"), or a field of the
    periodic statistics report ("report:<field>") whose approved values are summed over the year.
    """

    code = models.SlugField(_("mã"), max_length=60, unique=True)
    name = models.CharField(_("tên chỉ tiêu"), max_length=300)
    description = models.TextField(_("cách tính"), blank=True)
    source = models.CharField(_("nguồn số liệu"), max_length=80)
    params = models.JSONField(_("tham số"), default=dict, blank=True)  # passed to the computation
    unit = models.CharField(_("đơn vị"), max_length=12, choices=Unit.choices)
    aggregation = models.CharField(
        _("cách cộng dồn"), max_length=8, choices=Aggregation.choices, default=Aggregation.SUM
    )
    # Empty: every kind of library. Else a list of network.LibraryKind values.
    library_kinds = models.JSONField(_("loại thư viện áp dụng"), default=list, blank=True)
    programme = models.BooleanField(_("chỉ tiêu của Chương trình chuyển đổi số"), default=False)
    higher_is_better = models.BooleanField(_("càng cao càng tốt"), default=True)
    active = models.BooleanField(_("đang theo dõi"), default=True)
    position = models.PositiveIntegerField(_("thứ tự"), default=0)

    class Meta:
        verbose_name = _("chỉ tiêu")
        verbose_name_plural = _("các chỉ tiêu")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_share(self) -> bool:
        return self.aggregation == Aggregation.RATIO


class IndicatorTarget(models.Model):
    """The target a province sets for an indicator in a year (a share as 0..1, else in the unit)."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    # The province: the root of its library network (its provincial library).
    province = models.ForeignKey("network.Library", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(
        _("năm"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    value = models.FloatField(_("mục tiêu"))
    note = models.CharField(_("căn cứ"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("mục tiêu")
        verbose_name_plural = _("các mục tiêu")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "province", "year"], name="target_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.province_id} {self.year}: {self.value}"


class ValueOrigin(models.TextChoices):
    COMPUTED = "computed", _("tính từ dữ liệu hệ thống")
    REPORT = "report", _("từ báo cáo thống kê đã duyệt")
    IMPORTED = "imported", _("nhập từ báo cáo trước khi dùng hệ thống")


class IndicatorValue(models.Model):
    """One library's own figure for an indicator and a year (its subtree is the sum of such rows).

    ``library_path`` and ``library_kind`` copy the library's so a province's dashboard is one indexed
    range scan, without a join.
    """

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    library = models.ForeignKey("network.Library", on_delete=models.CASCADE, related_name="+")
    library_path = models.CharField(max_length=1000)
    library_kind = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField()
    numerator = models.FloatField()
    denominator = models.FloatField(null=True, blank=True)
    breakdown = models.JSONField(default=dict, blank=True)
    origin = models.CharField(max_length=10, choices=ValueOrigin.choices, default=ValueOrigin.COMPUTED)
    note = models.CharField(max_length=300, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("số liệu chỉ tiêu")
        verbose_name_plural = _("số liệu chỉ tiêu")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "library", "year"], name="indicatorvalue_unique"),
        ]
        indexes = [
            models.Index(fields=["indicator", "year", "library_path"], name="indvalue_ind_year_path"),
            models.Index(fields=["year", "library_path"], name="indvalue_year_path"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.library_id} {self.year}: {self.numerator}/{self.denominator}"

    @property
    def value(self) -> float | None:
        if self.denominator is None:
            return self.numerator
        return self.numerator / self.denominator if self.denominator else None


# ---------------------------------------------------------------------------------------------------
# The register: what the public directory shows of a library beyond the network's own fields


class Service(models.TextChoices):
    ONLINE_CATALOGUE = "online_catalogue", _("Tra cứu mục lục trực tuyến")
    ONLINE_RENEWAL = "online_renewal", _("Gia hạn, đặt mượn trực tuyến")
    DIGITAL_READING = "digital_reading", _("Đọc tài liệu số trực tuyến")
    REMOTE_COPY = "remote_copy", _("Cung cấp bản sao từ xa")
    POSTAL_DELIVERY = "postal_delivery", _("Mượn sách qua bưu điện")
    READING_ROOM = "reading_room", _("Phòng đọc")
    LENDING = "lending", _("Cho mượn về nhà")
    CHILDREN = "children", _("Phục vụ thiếu nhi")
    MOBILE = "mobile", _("Thư viện lưu động")
    INTERNET = "internet", _("Internet, máy tính cho bạn đọc")
    EVENTS = "events", _("Sự kiện, câu lạc bộ đọc sách")


ONLINE_SERVICES = {
    Service.ONLINE_CATALOGUE,
    Service.ONLINE_RENEWAL,
    Service.DIGITAL_READING,
    Service.REMOTE_COPY,
    Service.POSTAL_DELIVERY,
}


class LibraryProfile(models.Model):
    """The register's profile of a library (thẻ nhận diện thư viện): services, premises, founding."""

    library = models.OneToOneField("network.Library", on_delete=models.CASCADE, related_name="profile")
    services = models.JSONField(_("dịch vụ"), default=list, blank=True)  # Service values
    description = models.TextField(_("giới thiệu"), blank=True)
    founded_year = models.PositiveSmallIntegerField(_("năm thành lập"), null=True, blank=True)
    floor_area_m2 = models.PositiveIntegerField(_("diện tích (m²)"), null=True, blank=True)
    seats = models.PositiveIntegerField(_("chỗ ngồi"), null=True, blank=True)
    governing_body = models.CharField(_("cơ quan chủ quản"), max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("hồ sơ thư viện")
        verbose_name_plural = _("hồ sơ thư viện")

    def __str__(self) -> str:
        return f"{self.library_id}"

    @property
    def offers_online_services(self) -> bool:
        return bool(ONLINE_SERVICES.intersection(self.services or []))


# ---------------------------------------------------------------------------------------------------
# Staff and training


class StaffMember(models.Model):
    """A person working at a library, for the staffing and training figures (not a sign-in account)."""

    library = models.ForeignKey("network.Library", on_delete=models.PROTECT, related_name="staff_members")
    full_name = models.CharField(_("họ và tên"), max_length=200)
    position = models.CharField(_("chức danh"), max_length=200, blank=True)
    qualification = models.CharField(_("trình độ chuyên môn"), max_length=200, blank=True)
    library_trained = models.BooleanField(_("có chuyên môn thư viện"), default=False)
    employed_from = models.DateField(_("làm việc từ"), null=True, blank=True)
    employed_to = models.DateField(_("nghỉ việc từ"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("người làm công tác thư viện")
        verbose_name_plural = _("người làm công tác thư viện")
        ordering = ["library__path", "full_name"]

    def __str__(self) -> str:
        return self.full_name


class TrainingCourse(models.Model):
    """A training or retraining course (bồi dưỡng, tập huấn) organised for the network's staff."""

    class Kind(models.TextChoices):
        TRAINING = "training", _("Đào tạo")
        RETRAINING = "retraining", _("Bồi dưỡng, tập huấn")

    organiser = models.ForeignKey("network.Library", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("tên khóa học"), max_length=300)
    kind = models.CharField(_("loại"), max_length=12, choices=Kind.choices, default=Kind.RETRAINING)
    topic = models.CharField(_("chủ đề"), max_length=300, blank=True)
    starts_on = models.DateField(_("từ ngày"))
    ends_on = models.DateField(_("đến ngày"))
    hours = models.PositiveIntegerField(_("số tiết/giờ"), null=True, blank=True)
    place = models.CharField(_("địa điểm"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("khóa đào tạo, bồi dưỡng")
        verbose_name_plural = _("các khóa đào tạo, bồi dưỡng")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="course_dates_order"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class TrainingAttendance(models.Model):
    course = models.ForeignKey(TrainingCourse, on_delete=models.CASCADE, related_name="attendances")
    staff_member = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="attendances")
    completed = models.BooleanField(_("hoàn thành"), default=False)
    certificate_number = models.CharField(_("số chứng chỉ"), max_length=100, blank=True)
    certificate_date = models.DateField(_("ngày cấp"), null=True, blank=True)

    class Meta:
        verbose_name = _("học viên")
        verbose_name_plural = _("học viên")
        constraints = [
            models.UniqueConstraint(fields=["course", "staff_member"], name="attendance_unique"),
        ]

    # ---------------------------------------------------------------------------------------------------
    # Periodic statistics reports

    def __str__(self) -> str:
        return f"{self.course_id}: {self.staff_member_id}"


class PeriodKind(models.TextChoices):
    QUARTER = "quarter", _("Quý")
    YEAR = "year", _("Năm")


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Đang soạn")
    SUBMITTED = "submitted", _("Đã gửi, chờ duyệt")
    RETURNED = "returned", _("Bị trả lại")
    APPROVED = "approved", _("Đã duyệt")


class StatisticsReport(models.Model):
    """A library's statistics report for one period; ``figures`` maps the form's field codes to values.

    ``prefilled`` keeps what the system computed when the form was opened, so a reviewer sees where the
    librarian changed a system figure.
    """

    library = models.ForeignKey(
        "network.Library", on_delete=models.PROTECT, related_name="statistics_reports"
    )
    period_kind = models.CharField(_("kỳ"), max_length=8, choices=PeriodKind.choices)
    year = models.PositiveSmallIntegerField(_("năm"))
    quarter = models.PositiveSmallIntegerField(
        _("quý"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    status = models.CharField(_("trạng thái"), max_length=10, choices=ReportStatus.choices, default="draft")
    figures = models.JSONField(default=dict, blank=True)
    prefilled = models.JSONField(default=dict, blank=True)
    note = models.TextField(_("thuyết minh"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("báo cáo thống kê")
        verbose_name_plural = _("các báo cáo thống kê")
        ordering = ["-year", "-quarter", "library__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["library", "period_kind", "year", "quarter"], name="report_one_per_period"
            ),
            models.UniqueConstraint(
                fields=["library", "period_kind", "year"],
                condition=Q(quarter__isnull=True),
                name="report_one_per_year",
            ),
            models.CheckConstraint(
                condition=(
                    Q(period_kind="year", quarter__isnull=True)
                    | Q(period_kind="quarter", quarter__isnull=False)
                ),
                name="report_period_shape",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.library_id} {self.period_label}"

    @property
    def period_label(self) -> str:
        return f"Q{self.quarter}/{self.year}" if self.quarter else str(self.year)


class ReportEvent(models.Model):
    """One step of a report's history: created, saved, submitted, returned, approved."""

    report = models.ForeignKey(StatisticsReport, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20)
    status_from = models.CharField(max_length=10, blank=True)
    status_to = models.CharField(max_length=10)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    # ---------------------------------------------------------------------------------------------------
    # Inspections

    def __str__(self) -> str:
        return f"{self.report_id} {self.action} {self.at:%Y-%m-%d}"


class InspectionRound(models.Model):
    """An inspection round the authority opens over libraries of its province, with one checklist."""

    class Status(models.TextChoices):
        OPEN = "open", _("Đang kiểm tra")
        CLOSED = "closed", _("Đã kết thúc")

    authority = models.ForeignKey("network.Library", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("tên đợt kiểm tra"), max_length=300)
    year = models.PositiveSmallIntegerField(_("năm"))
    description = models.TextField(_("nội dung, căn cứ"), blank=True)
    opens_on = models.DateField(_("bắt đầu"))
    due_on = models.DateField(_("hạn thư viện trả lời"))
    status = models.CharField(_("trạng thái"), max_length=8, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("đợt kiểm tra")
        verbose_name_plural = _("các đợt kiểm tra")
        ordering = ["-year", "-opens_on"]

    def __str__(self) -> str:
        return self.title


class ChecklistItem(models.Model):
    round = models.ForeignKey(InspectionRound, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(default=0)
    text = models.TextField(_("nội dung kiểm tra"))
    weight = models.PositiveIntegerField(_("điểm tối đa"), default=10)
    evidence_required = models.BooleanField(_("cần minh chứng"), default=False)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text[:60]


class InspectionStatus(models.TextChoices):
    ASSIGNED = "assigned", _("Chờ thư viện trả lời")
    ANSWERED = "answered", _("Thư viện đã trả lời")
    SCORED = "scored", _("Đã kết luận")


class Inspection(models.Model):
    """One library's inspection in a round: its answers, the inspector's findings and score."""

    round = models.ForeignKey(InspectionRound, on_delete=models.CASCADE, related_name="inspections")
    library = models.ForeignKey("network.Library", on_delete=models.PROTECT, related_name="inspections")
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=InspectionStatus.choices, default=InspectionStatus.ASSIGNED
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    findings = models.TextField(_("kết luận, phát hiện"), blank=True)
    score = models.FloatField(_("điểm"), null=True, blank=True)
    scored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("kiểm tra thư viện")
        verbose_name_plural = _("kiểm tra thư viện")
        constraints = [
            models.UniqueConstraint(fields=["round", "library"], name="inspection_one_per_library"),
        ]

    def __str__(self) -> str:
        return f"{self.round_id}: {self.library_id}"


class InspectionAnswer(models.Model):
    class Compliance(models.TextChoices):
        YES = "yes", _("Đạt")
        PARTLY = "partly", _("Đạt một phần")
        NO = "no", _("Chưa đạt")

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(ChecklistItem, on_delete=models.CASCADE, related_name="+")
    compliance = models.CharField(_("tự đánh giá"), max_length=8, choices=Compliance.choices, blank=True)
    text = models.TextField(_("trả lời"), blank=True)
    points = models.FloatField(_("điểm chấm"), null=True, blank=True)  # the inspector's, per item

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="answer_one_per_item"),
        ]

    def __str__(self) -> str:
        return f"{self.inspection_id}: {self.item_id}"


class Evidence(models.Model):
    """A file a library attaches to an answer; stored under a random name, served only to who may see it."""

    answer = models.ForeignKey(InspectionAnswer, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to="inspections/%Y/", storage=private_storage)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.filename


class FollowUpAction(models.Model):
    """Something an inspection asks the library to fix, tracked until the inspector closes it."""

    class Status(models.TextChoices):
        OPEN = "open", _("Chưa thực hiện")
        DONE = "done", _("Thư viện báo đã khắc phục")
        CLOSED = "closed", _("Đã xác nhận hoàn thành")

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField(_("yêu cầu khắc phục"))
    due_on = models.DateField(_("hạn"), null=True, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    response = models.TextField(_("kết quả khắc phục"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.description[:60]
