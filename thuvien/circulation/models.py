"""Loans, holds, transits, fees, payments, postal deliveries, the rules matrix and library calendars.

Invariants live in the database (DESIGN.md §4.3): one open loan per item, one open transit per item,
an item trapped for at most one hold, one active hold per reader and title, fees never negative.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

MONEY = {"max_digits": 12, "decimal_places": 0}  # đồng: no minor unit


class CirculationRule(models.Model):
    """One cell of the matrix library × reader category × item type; blank category or type means any.

    A library without a matching rule inherits its parent's, up to the root (see policies.rule_for).
    """

    library = models.ForeignKey(
        "network.Library",
        on_delete=models.CASCADE,
        related_name="circulation_rules",
        verbose_name=_("thư viện"),
    )
    category = models.ForeignKey(
        "patrons.ReaderCategory",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="circulation_rules",
        verbose_name=_("đối tượng bạn đọc"),
    )
    item_type = models.CharField(_("loại bản"), max_length=40, blank=True)
    loan_days = models.PositiveIntegerField(_("hạn mượn (ngày)"), default=14)
    loan_hours = models.PositiveIntegerField(
        _("hạn mượn (giờ)"),
        default=0,
        help_text=_("Khác 0: mượn theo giờ (tài liệu dự trữ), bỏ qua số ngày."),
    )
    renewals = models.PositiveIntegerField(_("số lần gia hạn"), default=2)
    renewal_days = models.PositiveIntegerField(_("mỗi lần gia hạn (ngày)"), default=14)
    max_loans_type = models.PositiveIntegerField(
        _("tối đa bản loại này"), null=True, blank=True, help_text=_("Để trống: không giới hạn riêng.")
    )
    max_loans_total = models.PositiveIntegerField(_("tối đa tổng số bản"), default=10)
    max_holds = models.PositiveIntegerField(_("tối đa yêu cầu giữ"), default=5)
    pickup_days = models.PositiveIntegerField(_("giữ trên kệ chờ nhận (ngày)"), default=7)
    fine_per_day = models.DecimalField(_("phạt mỗi ngày quá hạn (đ)"), default=Decimal(2000), **MONEY)
    fine_cap = models.DecimalField(_("mức phạt tối đa (đ)"), default=Decimal(50000), **MONEY)
    grace_days = models.PositiveIntegerField(_("số ngày ân hạn"), default=0)
    delivery_fee = models.DecimalField(_("phí gửi qua bưu điện (đ)"), default=Decimal(30000), **MONEY)

    class Meta:
        verbose_name = _("quy định lưu thông")
        verbose_name_plural = _("các quy định lưu thông")
        constraints = [
            models.UniqueConstraint(
                fields=["library", "category", "item_type"],
                name="circulation_rule_unique_cell",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.library.code} / {self.category or '*'} / {self.item_type or '*'}"


class Closure(models.Model):
    """A day a library and every library below it is closed: a date (holiday) or a weekday."""

    library = models.ForeignKey("network.Library", on_delete=models.CASCADE, related_name="closures")
    date = models.DateField(_("ngày"), null=True, blank=True)
    weekday = models.PositiveSmallIntegerField(
        _("thứ trong tuần"), null=True, blank=True, help_text=_("0 = thứ Hai … 6 = Chủ nhật")
    )
    reason = models.CharField(_("lý do"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("ngày đóng cửa")
        verbose_name_plural = _("các ngày đóng cửa")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(date__isnull=False, weekday__isnull=True) | Q(date__isnull=True, weekday__isnull=False)
                ),
                name="closure_date_or_weekday",
            ),
            models.CheckConstraint(
                condition=Q(weekday__lte=6) | Q(weekday__isnull=True), name="closure_weekday"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.library_id}: {self.date or self.weekday} {self.reason}"


class Loan(models.Model):
    class Channel(models.TextChoices):
        DESK = "desk", _("Quầy thủ thư")
        OPAC = "opac", _("Trang bạn đọc")
        SIP2 = "sip2", _("Máy tự mượn (SIP2)")
        API = "api", _("API")
        POST = "post", _("Gửi qua bưu điện")

    item = models.ForeignKey("catalog.Item", on_delete=models.PROTECT, related_name="loans")
    # Null once anonymised: the loan stays for statistics, without who borrowed it.
    reader = models.ForeignKey("patrons.Reader", on_delete=models.PROTECT, null=True, related_name="loans")
    reader_category = models.CharField(max_length=20, blank=True)  # kept for statistics
    library = models.ForeignKey("network.Library", on_delete=models.PROTECT, related_name="loans")
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.DESK)
    checked_out_at = models.DateTimeField()
    due_at = models.DateTimeField(db_index=True)
    renewals = models.PositiveIntegerField(default=0)
    returned_at = models.DateTimeField(null=True, blank=True, db_index=True)
    return_library = models.ForeignKey(
        "network.Library", on_delete=models.PROTECT, null=True, blank=True, related_name="returns"
    )
    claims_returned = models.BooleanField(default=False)
    lost = models.BooleanField(default=False)
    anonymised = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("lượt mượn")
        verbose_name_plural = _("các lượt mượn")
        constraints = [
            models.UniqueConstraint(
                fields=["item"], condition=Q(returned_at__isnull=True), name="one_open_loan_per_item"
            ),
        ]
        indexes = [
            models.Index(fields=["reader", "returned_at"], name="loan_reader_open_idx"),
        ]

    def __str__(self) -> str:
        return f"loan {self.pk}: item {self.item_id} → reader {self.reader_id}"

    @property
    def is_open(self) -> bool:
        return self.returned_at is None


class HoldStatus(models.TextChoices):
    WAITING = "waiting", _("Đang chờ")
    IN_TRANSIT = "in_transit", _("Đang chuyển đến nơi nhận")
    READY = "ready", _("Sẵn sàng để nhận")
    FILLED = "filled", _("Đã nhận")
    CANCELLED = "cancelled", _("Đã hủy")
    EXPIRED = "expired", _("Quá hạn nhận")


ACTIVE_HOLD_STATUSES = (HoldStatus.WAITING, HoldStatus.IN_TRANSIT, HoldStatus.READY)
TRAPPED_HOLD_STATUSES = (HoldStatus.IN_TRANSIT, HoldStatus.READY)


class Hold(models.Model):
    """A title-level request: any copy of RECORD in the network, picked up at PICKUP_LIBRARY."""

    reader = models.ForeignKey("patrons.Reader", on_delete=models.CASCADE, related_name="holds")
    record = models.ForeignKey("catalog.Record", on_delete=models.CASCADE, related_name="holds")
    pickup_library = models.ForeignKey(
        "network.Library", on_delete=models.PROTECT, related_name="pickup_holds"
    )
    status = models.CharField(max_length=12, choices=HoldStatus.choices, default=HoldStatus.WAITING)
    item = models.ForeignKey(
        "catalog.Item", on_delete=models.SET_NULL, null=True, blank=True, related_name="holds"
    )  # the copy trapped for it
    placed_at = models.DateTimeField(db_index=True)
    suspended_until = models.DateField(_("tạm dừng đến"), null=True, blank=True)
    trapped_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)  # the end of the pickup window
    closed_at = models.DateTimeField(null=True, blank=True)
    channel = models.CharField(max_length=8, default="desk")

    class Meta:
        verbose_name = _("yêu cầu giữ tài liệu")
        verbose_name_plural = _("các yêu cầu giữ tài liệu")
        constraints = [
            models.UniqueConstraint(
                fields=["item"],
                condition=Q(status__in=TRAPPED_HOLD_STATUSES),
                name="one_hold_per_trapped_item",
            ),
            models.UniqueConstraint(
                fields=["reader", "record"],
                condition=Q(status__in=ACTIVE_HOLD_STATUSES),
                name="one_active_hold_per_reader_title",
            ),
            models.CheckConstraint(
                condition=Q(item__isnull=False) | ~Q(status__in=TRAPPED_HOLD_STATUSES),
                name="trapped_hold_has_item",
            ),
        ]
        indexes = [models.Index(fields=["record", "status", "placed_at"], name="hold_queue_idx")]

    def __str__(self) -> str:
        return f"hold {self.pk}: record {self.record_id} for reader {self.reader_id} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_HOLD_STATUSES


class Transit(models.Model):
    class Reason(models.TextChoices):
        HOME = "home", _("Trả về thư viện sở hữu")
        HOLD = "hold", _("Chuyển đến nơi nhận yêu cầu")
        DELIVERY = "delivery", _("Chuyển để gửi bưu điện")

    item = models.ForeignKey("catalog.Item", on_delete=models.PROTECT, related_name="transits")
    from_library = models.ForeignKey("network.Library", on_delete=models.PROTECT, related_name="transits_out")
    to_library = models.ForeignKey("network.Library", on_delete=models.PROTECT, related_name="transits_in")
    reason = models.CharField(max_length=10, choices=Reason.choices)
    hold = models.ForeignKey(Hold, on_delete=models.SET_NULL, null=True, blank=True, related_name="transits")
    sent_at = models.DateTimeField()
    received_at = models.DateTimeField(null=True, blank=True)
    # A damaged or withdrawn copy sent home stays so on arrival (blank: it goes on the shelf).
    arrival_status = models.CharField(max_length=20, blank=True)

    class Meta:
        verbose_name = _("luân chuyển")
        verbose_name_plural = _("các luân chuyển")
        constraints = [
            models.UniqueConstraint(
                fields=["item"], condition=Q(received_at__isnull=True), name="one_open_transit_per_item"
            ),
        ]

    def __str__(self) -> str:
        return f"transit {self.pk}: item {self.item_id} {self.from_library_id} → {self.to_library_id}"


class FeeKind(models.TextChoices):
    OVERDUE = "overdue", _("Phạt quá hạn")
    LOST = "lost", _("Bồi thường mất tài liệu")
    DAMAGED = "damaged", _("Bồi thường hư hỏng")
    DELIVERY = "delivery", _("Phí gửi bưu điện")
    COPY = "copy", _("Phí sao chụp tài liệu số")
    OTHER = "other", _("Khoản khác")


class Fee(models.Model):
    """Money a reader owes; paid and waived parts never exceed the amount, and nothing is negative."""

    reader = models.ForeignKey("patrons.Reader", on_delete=models.PROTECT, related_name="fees")
    library = models.ForeignKey("network.Library", on_delete=models.PROTECT, related_name="fees")
    loan = models.ForeignKey(Loan, on_delete=models.SET_NULL, null=True, blank=True, related_name="fees")
    kind = models.CharField(max_length=10, choices=FeeKind.choices)
    amount = models.DecimalField(**MONEY)
    paid = models.DecimalField(default=Decimal(0), **MONEY)
    waived = models.DecimalField(default=Decimal(0), **MONEY)
    note = models.CharField(max_length=300, blank=True)
    # An overdue fine keeps growing while the loan is open; it is final at checkin.
    accruing = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("khoản phí")
        verbose_name_plural = _("các khoản phí")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0) & Q(paid__gte=0) & Q(waived__gte=0)
                & Q(amount__gte=F("paid") + F("waived")),
                name="fee_amounts_consistent",
            ),
            models.UniqueConstraint(fields=["loan"], condition=Q(accruing=True), name="one_accruing_fee_per_loan"),
        ]  # fmt: skip
        indexes = [models.Index(fields=["reader", "kind"], name="fee_reader_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} đ"

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.paid - self.waived

    @property
    def note_display(self) -> str:
        """The note in the reader's language: an overdue fine's note is stored as its number of days."""
        days = re.match(r"(\d+)\b", self.note or "")
        if self.kind == FeeKind.OVERDUE and days:
            n = int(days.group(1))
            return ngettext("%(n)d ngày quá hạn", "%(n)d ngày quá hạn", n) % {"n": n}
        return self.note


class Payment(models.Model):
    """Money taken at a desk (or a kiosk), with the receipt number printed for the reader."""

    class Method(models.TextChoices):
        CASH = "cash", _("Tiền mặt")
        TRANSFER = "transfer", _("Chuyển khoản")
        CARD = "card", _("Thẻ")
        WAIVER = "waiver", _("Miễn")

    reader = models.ForeignKey("patrons.Reader", on_delete=models.PROTECT, related_name="payments")
    library = models.ForeignKey("network.Library", on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(**MONEY)
    method = models.CharField(max_length=10, choices=Method.choices, default=Method.CASH)
    receipt = models.CharField(_("số biên lai"), max_length=40, unique=True)
    actor = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True)
    channel = models.CharField(max_length=8, default="desk")
    note = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("biên lai")
        verbose_name_plural = _("các biên lai")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_positive")]

    def __str__(self) -> str:
        return self.receipt


class PaymentLine(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="lines")
    fee = models.ForeignKey(Fee, on_delete=models.PROTECT, related_name="payment_lines")
    amount = models.DecimalField(**MONEY)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_line_positive")]

    def __str__(self) -> str:
        return f"{self.payment_id}: {self.amount} đ"


class DeliveryStatus(models.TextChoices):
    REQUESTED = "requested", _("Đã yêu cầu")
    PACKED = "packed", _("Đã đóng gói")
    SHIPPED = "shipped", _("Đã gửi đi")
    DELIVERED = "delivered", _("Đã giao")
    RETURNED = "returned", _("Đã trả lại thư viện")
    CANCELLED = "cancelled", _("Đã hủy")


class Delivery(models.Model):
    """A reader asks for a title by post: requested → packed → shipped → delivered → returned."""

    reader = models.ForeignKey("patrons.Reader", on_delete=models.PROTECT, related_name="deliveries")
    record = models.ForeignKey("catalog.Record", on_delete=models.PROTECT, related_name="deliveries")
    library = models.ForeignKey("network.Library", on_delete=models.PROTECT, related_name="deliveries")
    item = models.ForeignKey("catalog.Item", on_delete=models.SET_NULL, null=True, blank=True)
    loan = models.ForeignKey(Loan, on_delete=models.SET_NULL, null=True, blank=True)
    address = models.TextField(_("địa chỉ nhận"))
    phone = models.CharField(_("điện thoại"), max_length=30)
    fee = models.DecimalField(**MONEY)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.REQUESTED)
    tracking_number = models.CharField(_("mã vận đơn"), max_length=60, blank=True)
    requested_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("yêu cầu gửi sách qua bưu điện")
        verbose_name_plural = _("các yêu cầu gửi sách qua bưu điện")

    def __str__(self) -> str:
        return f"delivery {self.pk} ({self.status})"


class DeliveryEvent(models.Model):
    """Each step of a delivery, with who made it."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices)
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.delivery_id}: {self.status}"


class Notice(models.Model):
    """An e-mail sent to a reader, so that a daily run never sends the same notice twice."""

    class Kind(models.TextChoices):
        HOLD_READY = "hold_ready", _("Tài liệu yêu cầu đã sẵn sàng")
        DUE_SOON = "due_soon", _("Sắp đến hạn trả")
        OVERDUE = "overdue", _("Quá hạn trả")
        DELIVERY_SHIPPED = "delivery_shipped", _("Sách đã được gửi")

    reader = models.ForeignKey("patrons.Reader", on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    key = models.CharField(max_length=80)  # what it is about, e.g. "loan:12:2026-11-21"
    sent_at = models.DateTimeField(auto_now_add=True)
    email = models.EmailField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["reader", "kind", "key"], name="notice_once")]

    def __str__(self) -> str:
        return f"{self.kind} → reader {self.reader_id}"


class DailyRun(models.Model):
    """The last day the daily circulation job (fines, expiries, anonymisation, notices) ran."""

    day = models.DateField(unique=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    summary = models.JSONField(default=dict)

    def __str__(self) -> str:
        return str(self.day)
