"""Writes about readers: registration, approval, PINs, consents, bulk import, data export and erasure."""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from thuvien.audit.actions import record as audit
from thuvien.lib import cccd as cccd_rules
from thuvien.lib.vn_text import fold, nfc
from thuvien.patrons import identity
from thuvien.patrons.exceptions import PatronError, PinLocked
from thuvien.patrons.models import Consent, PinFailure, Reader, ReaderCategory, ReaderStatus

PIN_PATTERN = re.compile(r"\d{4,8}")
ERASED_PREFIX = "ERASED-"  # the card number an erased reader's row keeps
EDITABLE = (
    "full_name",
    "birth_date",
    "email",
    "phone",
    "address",
    "category",
    "home_library",
    "expires_on",
    "note",
)


def _check_pin(pin: str) -> str:
    pin = (pin or "").strip()
    if not PIN_PATTERN.fullmatch(pin):
        raise PatronError("pin", _("Mã PIN phải gồm 4 đến 8 chữ số."))
    return pin


def hash_pin(pin: str) -> str:
    return make_password(_check_pin(pin), hasher="pin_pbkdf2_sha256")


def _set_cccd(reader: Reader, value: str) -> None:
    if not value:
        reader.cccd_encrypted = reader.cccd_hash = reader.cccd_last = ""
        return
    try:
        number = cccd_rules.validate(value, reader.birth_date)
    except cccd_rules.InvalidCCCD as exc:
        raise PatronError("cccd", str(exc)) from None
    digest = identity.blind_index(number)
    if Reader.objects.filter(cccd_hash=digest).exclude(pk=reader.pk).exists():
        raise _cccd_taken()
    reader.cccd_encrypted = identity.encrypt(number)
    reader.cccd_hash = digest
    reader.cccd_last = number[-4:]


def _cccd_taken() -> PatronError:
    return PatronError("cccd_taken", _("Số CCCD này đã được đăng ký cho một thẻ khác."))


def _clean(reader: Reader) -> None:
    reader.full_name = nfc(reader.full_name or "").strip()
    if not reader.full_name:
        raise PatronError("name", _("Hãy ghi họ và tên."))
    reader.name_key = fold(reader.full_name)[:200]
    reader.address = nfc(reader.address or "").strip()
    reader.email = (reader.email or "").strip()
    if reader.birth_date and reader.birth_date > timezone.localdate():
        raise PatronError("birth_date", _("Ngày sinh không thể ở tương lai."))


def register_reader(*, card: str, full_name: str, home_library, category: ReaderCategory | str, pin: str,
                    actor=None, channel: str = "desk", status: str = ReaderStatus.ACTIVE, cccd: str = "",
                    keep_history: bool = False, terms: bool = True, **fields) -> Reader:  # fmt: skip
    """Create a reader (status PENDING for self-registration, waiting for staff approval)."""
    if isinstance(category, str):
        category = ReaderCategory.objects.filter(code=category).first()
        if category is None:
            raise PatronError("category", _("Không có đối tượng bạn đọc này."))
    card = (card or "").strip().upper()
    if not re.fullmatch(r"[A-Z0-9\-]{4,32}", card) or card.startswith(ERASED_PREFIX):
        raise PatronError("card", _("Số thẻ gồm 4–32 chữ cái không dấu, chữ số hoặc dấu gạch ngang."))
    reader = Reader(card=card, full_name=full_name, home_library=home_library, category=category, status=status,
                    keep_history=keep_history, **fields)  # fmt: skip
    if reader.expires_on is None:
        reader.expires_on = _add_months(timezone.localdate(), category.card_months)
    _clean(reader)
    reader.pin_hash = hash_pin(pin)
    with transaction.atomic():
        _set_cccd(reader, cccd)
        try:
            with transaction.atomic():
                reader.save()
        except IntegrityError:
            if reader.cccd_hash and not Reader.objects.filter(card=card).exists():
                raise _cccd_taken() from None  # registered at the same moment by someone else
            raise PatronError("card_taken", _("Số thẻ %(card)s đã có người dùng.") % {"card": card}) from None
        if terms:
            Consent.objects.create(reader=reader, kind=Consent.Kind.TERMS, given=True, channel=channel)
        Consent.objects.create(
            reader=reader, kind=Consent.Kind.LOAN_HISTORY, given=keep_history, channel=channel
        )
        audit("patrons.reader.created", actor=actor, library=home_library, obj=reader, card=card, channel=channel,
              status=status)  # fmt: skip
    return reader


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    return day


def update_reader(*, reader: Reader, actor, cccd: str | None = None, **changes) -> Reader:
    """Change READER's fields (only those in EDITABLE); CCCD when given replaces the stored one."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise PatronError("field", f"unknown fields: {sorted(unknown)}")
    with transaction.atomic():
        reader = Reader.objects.select_for_update().get(pk=reader.pk)
        for name, value in changes.items():
            setattr(reader, name, value)
        _clean(reader)
        if cccd is not None:
            _set_cccd(reader, cccd)
        try:
            with transaction.atomic():
                reader.save()
        except IntegrityError:
            raise _cccd_taken() from None  # the only unique value an edit can collide on
        audit("patrons.reader.updated", actor=actor, library=reader.home_library, obj=reader,
              fields=sorted(changes) + (["cccd"] if cccd is not None else []))  # fmt: skip
    return reader


def set_status(*, reader: Reader, status: str, actor) -> Reader:
    """Approve a self-registered reader, suspend or reactivate a card."""
    if status not in (ReaderStatus.PENDING, ReaderStatus.ACTIVE, ReaderStatus.SUSPENDED):
        raise PatronError("status", _("Trạng thái thẻ không hợp lệ."))  # erasure is erase_reader's
    with transaction.atomic():
        reader = Reader.objects.select_for_update().get(pk=reader.pk)
        previous = reader.status
        if previous == ReaderStatus.ERASED:
            raise PatronError("erased", _("Dữ liệu của bạn đọc này đã bị xóa."))
        reader.status = status
        reader.save(update_fields=["status", "updated_at"])
        audit("patrons.reader.status", actor=actor, library=reader.home_library, obj=reader, previous=previous,
              status=status)  # fmt: skip
    return reader


def renew_card(*, reader: Reader, actor) -> Reader:
    with transaction.atomic():
        reader = Reader.objects.select_for_update().select_related("category").get(pk=reader.pk)
        start = max(timezone.localdate(), reader.expires_on or timezone.localdate())
        reader.expires_on = _add_months(start, reader.category.card_months)
        reader.save(update_fields=["expires_on", "updated_at"])
        audit("patrons.reader.card_renewed", actor=actor, library=reader.home_library, obj=reader,
              expires_on=reader.expires_on.isoformat())  # fmt: skip
    return reader


def authenticate_reader(card: str, pin: str, *, channel: str = "opac") -> Reader | None:
    """Return the active-or-pending reader with CARD and PIN, or None; raise PinLocked after too many misses.

    Failures are counted per card (known or not) over PIN_LOCK_MINUTES, so guessing is slow everywhere:
    the OPAC, the API and every kiosk share the count.
    """
    card = (card or "").strip().upper()[:32]
    if not card:
        return None
    since = timezone.now() - dt.timedelta(minutes=settings.PIN_LOCK_MINUTES)
    if PinFailure.objects.filter(card=card, at__gte=since).count() >= settings.PIN_MAX_FAILURES:
        raise PinLocked(
            "pin_locked",
            _("Nhập sai mã PIN quá nhiều lần. Vui lòng thử lại sau %(minutes)d phút.")
            % {"minutes": settings.PIN_LOCK_MINUTES},
        )
    reader = Reader.objects.select_related("category", "home_library").filter(card=card).first()
    ok = (
        reader is not None
        and reader.status != ReaderStatus.ERASED
        and check_password(pin or "", reader.pin_hash)
    )
    if not ok:
        PinFailure.objects.create(card=card, channel=channel)
        return None
    PinFailure.objects.filter(card=card).delete()
    return reader


def change_pin(
    *, reader: Reader, old_pin: str | None, new_pin: str, actor=None, channel: str = "opac"
) -> None:
    """Set a new PIN; the reader gives his current one, staff (OLD_PIN None) need not."""
    if old_pin is not None and not check_password(old_pin, reader.pin_hash):
        raise PatronError("pin_wrong", _("Mã PIN hiện tại không đúng."))
    with transaction.atomic():
        Reader.objects.filter(pk=reader.pk).update(pin_hash=hash_pin(new_pin), updated_at=timezone.now())
        audit(
            "patrons.reader.pin_changed",
            actor=actor,
            library=reader.home_library,
            obj=reader,
            channel=channel,
        )


def set_consent(*, reader: Reader, kind: str, given: bool, channel: str, actor=None) -> None:
    """Record that READER gave or withdrew consent KIND; withdrawing history consent forgets his history."""
    with transaction.atomic():
        Consent.objects.create(reader=reader, kind=kind, given=given, channel=channel)
        if kind == Consent.Kind.LOAN_HISTORY:
            Reader.objects.filter(pk=reader.pk).update(keep_history=given)
            reader.keep_history = given
            if not given:
                from thuvien.circulation.models import Loan

                Loan.objects.filter(reader=reader, returned_at__isnull=False).update(
                    reader=None, anonymised=True
                )
        audit("patrons.consent", actor=actor, library=reader.home_library, obj=reader, kind=kind, given=given,
              channel=channel)  # fmt: skip


def request_erasure(*, reader: Reader, channel: str = "opac") -> None:
    with transaction.atomic():
        Reader.objects.filter(pk=reader.pk).update(erasure_requested_at=timezone.now())
        audit("patrons.reader.erasure_requested", library=reader.home_library, obj=reader, channel=channel)


def erase_reader(*, reader: Reader, actor) -> Reader:
    """Erase READER's personal data (the law's right to erasure) once he owes nothing and has nothing out.

    The row stays, emptied, so loans and fees keep their statistics; the card number is freed.
    """
    from thuvien.circulation import actions as circulation
    from thuvien.circulation.models import ACTIVE_HOLD_STATUSES, Delivery, DeliveryStatus, Hold, Loan, Notice
    from thuvien.circulation.queries import owed

    with transaction.atomic():
        reader = Reader.objects.select_for_update().get(pk=reader.pk)
        if Loan.objects.filter(reader=reader, returned_at__isnull=True).exists():
            raise PatronError(
                "has_loans", _("Bạn đọc còn tài liệu đang mượn; hãy nhận trả trước khi xóa dữ liệu.")
            )
        if owed(reader) > 0:
            raise PatronError(
                "has_fees", _("Bạn đọc còn nợ phí; hãy thanh toán hoặc miễn trước khi xóa dữ liệu.")
            )
        if Delivery.objects.filter(
            reader=reader, status__in=[DeliveryStatus.REQUESTED, DeliveryStatus.PACKED]
        ).exists():
            raise PatronError(
                "has_deliveries",
                _("Bạn đọc còn yêu cầu gửi sách chưa xong; hãy gửi hoặc hủy trước khi xóa dữ liệu."),
            )
        # Through the circulation action: a copy set aside for him goes on to the next reader.
        for hold_id in Hold.objects.filter(reader=reader, status__in=ACTIVE_HOLD_STATUSES).values_list(
            "pk", flat=True
        ):
            circulation.cancel_hold(hold=hold_id, actor=actor)
        Loan.objects.filter(reader=reader).update(reader=None, anonymised=True)
        Delivery.objects.filter(reader=reader).update(address="", phone="")
        Notice.objects.filter(reader=reader).update(email="")
        PinFailure.objects.filter(card=reader.card).delete()
        reader.card = f"{ERASED_PREFIX}{reader.pk}"
        reader.full_name = "—"
        reader.name_key = ""
        reader.birth_date = None
        reader.email = reader.phone = reader.address = reader.note = ""
        reader.cccd_encrypted = reader.cccd_hash = reader.cccd_last = ""
        reader.pin_hash = ""
        reader.status = ReaderStatus.ERASED
        reader.keep_history = False
        reader.save()
        reader.consents.all().delete()
        audit("patrons.reader.erased", actor=actor, library=reader.home_library, obj=reader)
    return reader
