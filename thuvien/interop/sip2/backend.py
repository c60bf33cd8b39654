"""Map each SIP2 request onto the circulation actions and queries, for the kiosk's own library.

Rows are never written here: ``thuvien.circulation.actions`` and ``thuvien.patrons.actions`` do that,
each in its transaction with its audit entry, with ``channel="sip2"`` and the kiosk's library. What a
kiosk may do:

* check out only copies that are at its library (``current_library``, else the owning library), to
  any reader of the network the circulation rules allow;
* check in any copy of the network (the actions route it: shelf, hold shelf, transit);
* renew, place and cancel holds and pay fees for a reader who proved his PIN in this patron session
  (unless the account is set not to require PINs, for staff-operated terminals);
* never act at another library: a request whose institution id (AO) names another library of the
  network is refused.

Screen messages (AF) are in Vietnamese and never show another reader's name.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from thuvien.catalog.models import Item, ItemStatus, Record
from thuvien.circulation import actions as circulation
from thuvien.circulation import policies
from thuvien.circulation.exceptions import CirculationError
from thuvien.circulation.models import ACTIVE_HOLD_STATUSES, Hold, HoldStatus, Loan, Payment
from thuvien.circulation.queries import hold_position, reader_account, rule_for
from thuvien.network.models import Library
from thuvien.patrons.actions import authenticate_reader
from thuvien.patrons.exceptions import PinLocked
from thuvien.patrons.models import Reader, ReaderStatus

from . import messages as m
from .responses import Reply, acs_status, refusal

logger = logging.getLogger("thuvien.sip2")

CHANNEL = Loan.Channel.SIP2
CURRENCY = "VND"
MAX_LISTED_ITEMS = 50

CIRCULATION_STATUS = {
    ItemStatus.AVAILABLE: m.CirculationStatus.AVAILABLE,
    ItemStatus.CHECKED_OUT: m.CirculationStatus.CHARGED,
    ItemStatus.IN_TRANSIT: m.CirculationStatus.IN_TRANSIT,
    ItemStatus.ON_HOLD_SHELF: m.CirculationStatus.ON_HOLD_SHELF,
    ItemStatus.IN_PROCESSING: m.CirculationStatus.IN_PROCESS,
    ItemStatus.READING_ROOM: m.CirculationStatus.AVAILABLE,
    ItemStatus.LOST: m.CirculationStatus.LOST,
    ItemStatus.MISSING: m.CirculationStatus.MISSING,
    ItemStatus.DAMAGED: m.CirculationStatus.OTHER,
    ItemStatus.WITHDRAWN: m.CirculationStatus.OTHER,
}

# Which SIP2 patron status flags each circulation block raises (see policies.blocks).
BLOCK_FLAGS = {
    "status": ("charge_denied", "renewal_denied", "recall_denied", "hold_denied"),
    "expired": ("charge_denied", "renewal_denied", "recall_denied", "hold_denied"),
    "fines": ("charge_denied", "renewal_denied", "hold_denied", "excessive_fines", "excessive_fees"),
    "overdue": ("charge_denied", "hold_denied", "too_many_overdue"),
}


@dataclass
class Patron:
    """The outcome of identifying the reader a message names."""

    reader: Reader | None
    valid: bool  # the card exists and may be served (BL)
    pin_ok: bool | None  # None: no PIN was given
    trusted: bool  # the kiosk may act for him now
    problem: str = ""  # why not, for the screen


class CirculationBackend:
    """The SIP2 daemon's backend: one method per request, each returning the response to send."""

    def handle(self, session, message: m.Message) -> Reply:
        library: Library = session.account.library
        now = timezone.now()
        handler = getattr(self, f"on_{message.code}", None)
        if handler is None:
            return refusal(
                message,
                _("Máy tự phục vụ không làm được việc này; mời bạn đến quầy thủ thư."),
                now,
                library.code,
            )
        other = self._other_institution(message, library)
        if other is not None:
            logger.warning("sip2: kiosk %s (%s) sent AO=%s", session.account.login, library.code, other)
            return refusal(
                message,
                _("Máy này thuộc %(library)s, không làm việc cho thư viện khác.") % {"library": library.name},
                now,
                library.code,
            )
        return handler(session, message, library, now)

    # --- helpers --------------------------------------------------------------------------------

    @staticmethod
    def _other_institution(message: m.Message, library: Library) -> str | None:
        """The code in AO when it names another library of the network (free text is tolerated)."""
        code = message.get("AO").strip().upper()
        if not code or code == library.code:
            return None
        return code if Library.objects.filter(code=code).exists() else None

    @staticmethod
    def _date(value) -> str:
        return m.format_date(value, timezone.get_current_timezone())

    def _patron(self, session, message: m.Message, *, need_trust: bool = True) -> Patron:
        """Identify the reader in AA; check the PIN in AD when there is one (rate-limited)."""
        card = message.get("AA").strip().upper()[:32]
        if not card:
            return Patron(None, False, None, False, _("Thiếu số thẻ bạn đọc."))
        account = session.account
        pin = message.get("AD") if message.has("AD") else ""
        if pin:
            if not session.pins.allowed(card, session.id, account.pk):
                logger.warning("sip2: kiosk %s: PIN checks for %s refused (rate limit)", account.login, card)
                return Patron(
                    None,
                    True,
                    False,
                    False,
                    _("Nhập sai mã PIN quá nhiều lần. Vui lòng thử lại sau %(minutes)d phút.")
                    % {"minutes": settings.PIN_LOCK_MINUTES},
                )
            try:
                reader = authenticate_reader(card, pin, channel=CHANNEL)
            except PinLocked as exc:
                return Patron(None, True, False, False, exc.message)
            session.pins.record(card, session.id, account.pk, reader is not None)
            if reader is None:
                known = Reader.objects.filter(card=card).exclude(status=ReaderStatus.ERASED).exists()
                session.verified_patrons.discard(card)
                if not known:
                    return Patron(None, False, None, False, _("Không có bạn đọc mang số thẻ này."))
                return Patron(None, True, False, False, _("Mã PIN không đúng."))
            session.verified_patrons.add(card)
            return Patron(reader, True, True, True)
        reader = (
            Reader.objects.select_related("category", "home_library")
            .filter(card=card)
            .exclude(status=ReaderStatus.ERASED)
            .first()
        )
        if reader is None:
            return Patron(None, False, None, False, _("Không có bạn đọc mang số thẻ này."))
        trusted = card in session.verified_patrons or not account.patron_pin_required
        problem = "" if trusted or not need_trust else _("Vui lòng nhập mã PIN.")
        return Patron(reader, True, None, trusted, problem)

    @staticmethod
    def _item(barcode: str) -> Item | None:
        barcode = (barcode or "").strip()
        if not barcode:
            return None
        return (
            Item.objects.select_related("record", "library", "current_library")
            .defer("record__marc", "record__search_data")
            .filter(barcode=barcode)
            .first()
        )

    @staticmethod
    def _title(item: Item | None) -> str:
        return item.record.title if item is not None else ""

    def _flags(self, reader: Reader, account, library: Library) -> tuple[str, list[str]]:
        """The 14-character patron status and the block messages, from the circulation blocks and limits."""
        flags: set[str] = set()
        for block in account.blocks:
            flags.update(BLOCK_FLAGS.get(block.code, ("charge_denied",)))
        rule = rule_for(library, reader.category_id, None)
        if len(account.loans) >= rule.max_loans_total:
            flags.update(("charge_denied", "too_many_charged"))
        if len(account.holds) >= rule.max_holds:
            flags.add("hold_denied")
        return m.patron_status(flags), [block.message for block in account.blocks]

    # --- status, session ----------------------------------------------------------------------

    def on_99(self, session, message, library, now) -> Reply:
        return acs_status(
            now,
            online=True,
            institution=library.code,
            library_name=library.name,
            terminal_location=session.location,
        )

    def on_35(self, session, message, library, now) -> Reply:
        card = message.get("AA").strip().upper()
        session.verified_patrons.discard(card)
        return Reply(
            "36",
            {"end_session": "Y", "transaction_date": self._date(now)},
            [("AO", library.code), ("AA", message.get("AA")), ("AF", _("Cảm ơn bạn. Hẹn gặp lại!"))],
        )

    # --- patron status and information ----------------------------------------------------------

    def on_23(self, session, message, library, now) -> Reply:
        patron = self._patron(session, message)
        status = m.patron_status(("charge_denied", "renewal_denied", "recall_denied", "hold_denied"))
        name, owed, screen = "", None, patron.problem
        if patron.reader is not None and patron.trusted:
            account = reader_account(patron.reader, now)
            status, block_messages = self._flags(patron.reader, account, library)
            name, owed = patron.reader.full_name, m.money(account.owed)
            screen = " ".join(block_messages) or screen
        fields: list[tuple[str, object]] = [
            ("AO", library.code),
            ("AA", message.get("AA")),
            ("AE", name),
            ("BL", m.yn(patron.valid)),
            ("CQ", m.yn(patron.pin_ok) if patron.pin_ok is not None else None),
            ("BH", CURRENCY if owed is not None else None),
            ("BV", owed),
            ("AF", screen or None),
        ]
        return Reply(
            "24", {"patron_status": status, "language": "000", "transaction_date": self._date(now)}, fields
        )

    def on_63(self, session, message, library, now) -> Reply:
        patron = self._patron(session, message)
        counts = dict.fromkeys(("hold", "overdue", "charged", "fine", "recall", "unavailable_holds"), 0)
        status = m.patron_status(("charge_denied", "renewal_denied", "recall_denied", "hold_denied"))
        fields: list[tuple[str, object]] = [("AO", library.code), ("AA", message.get("AA"))]
        screen = patron.problem
        if patron.reader is None or not patron.trusted:
            fields += [("AE", ""), ("BL", m.yn(patron.valid))]
            if patron.pin_ok is not None:
                fields.append(("CQ", m.yn(patron.pin_ok)))
        else:
            reader = patron.reader
            account = reader_account(reader, now)
            status, block_messages = self._flags(reader, account, library)
            rule = rule_for(library, reader.category_id, None)
            ready = [h for h in account.holds if h.status == HoldStatus.READY]
            unavailable = [h for h in account.holds if h.status != HoldStatus.READY]
            overdue = [loan for loan in account.loans if loan.overdue]
            counts.update(
                hold=len(ready),
                overdue=len(overdue),
                charged=len(account.loans),
                fine=len(account.fees),
                unavailable_holds=len(unavailable),
            )
            fields += [
                ("AE", reader.full_name),
                ("BZ", m.count4(rule.max_holds)),
                ("CB", m.count4(rule.max_loans_total)),
                ("BL", "Y"),
                ("CQ", m.yn(patron.pin_ok) if patron.pin_ok is not None else None),
                ("BH", CURRENCY),
                ("BV", m.money(account.owed)),
                ("CC", m.money(settings.FINE_BLOCK_THRESHOLD)),
            ]
            wanted = m.summary_category(message.fixed.get("summary", ""))
            if wanted is not None:
                category, field_id = wanted
                listed = {
                    "hold": [self._hold_label(h) for h in ready],
                    "overdue": [loan.item.barcode for loan in overdue],
                    "charged": [loan.item.barcode for loan in account.loans],
                    "fine": [self._fee_label(fee) for fee in account.fees],
                    "recall": [],
                    "unavailable_hold": [self._hold_label(h) for h in unavailable],
                }[category]
                fields += [(field_id, value) for value in self._window(listed, message)]
            screen = " ".join(block_messages) or _("Xin chào %(name)s.") % {"name": reader.full_name}
        fields.append(("AF", screen or None))
        fixed = {
            "patron_status": status,
            "language": "000",
            "transaction_date": self._date(now),
            "hold_items_count": m.count4(counts["hold"]),
            "overdue_items_count": m.count4(counts["overdue"]),
            "charged_items_count": m.count4(counts["charged"]),
            "fine_items_count": m.count4(counts["fine"]),
            "recall_items_count": m.count4(counts["recall"]),
            "unavailable_holds_count": m.count4(counts["unavailable_holds"]),
        }
        return Reply("64", fixed, fields)

    @staticmethod
    def _window(values: list[str], message: m.Message) -> list[str]:
        """The BP..BQ slice (1-based, inclusive) the kiosk asked for, at most MAX_LISTED_ITEMS."""
        try:
            start = max(1, int(message.get("BP") or 1))
        except ValueError:
            start = 1
        try:
            end = int(message.get("BQ") or start + MAX_LISTED_ITEMS - 1)
        except ValueError:
            end = start + MAX_LISTED_ITEMS - 1
        end = min(end, start + MAX_LISTED_ITEMS - 1)
        return values[start - 1 : end]

    @staticmethod
    def _hold_label(hold: Hold) -> str:
        return hold.item.barcode if hold.item_id else hold.record.title[:200]

    @staticmethod
    def _fee_label(fee) -> str:
        # "<fee id> <amount> <what>": kiosks show it; the id goes back in a fee paid's CG.
        what = fee.get_kind_display()
        if fee.loan_id and fee.loan and fee.loan.item_id:
            what = f"{what} {fee.loan.item.barcode}"
        return f"{fee.pk} {m.money(fee.outstanding)} {what}"

    # --- checkout, renew ------------------------------------------------------------------------

    def _loan_reply(self, code: str, ok: bool, patron_card: str, item: Item | None, library, now, *,
                    barcode: str = "", loan: Loan | None = None, renewal: bool = False, screen: str = "") -> Reply:  # fmt: skip
        fixed = {
            "ok": "1" if ok else "0",
            "renewal_ok": m.yn(ok and renewal),
            "magnetic_media": "N" if item is not None else "U",
            "desensitize": m.yn(ok),
            "transaction_date": self._date(now),
        }
        fields: list[tuple[str, object]] = [
            ("AO", library.code),
            ("AA", patron_card),
            ("AB", item.barcode if item is not None else barcode),
            ("AJ", self._title(item)),
            ("AH", self._date(loan.due_at) if loan is not None else ""),
        ]
        if loan is not None:
            fields.append(("BK", str(loan.pk)))
        fields.append(("AF", screen or None))
        return Reply(code, fixed, fields)

    def _patron_and_item(self, session, message, library, now, code: str):
        """The proven patron and the copy a loan message names, or the refusal to send instead."""
        card, barcode = message.get("AA"), message.get("AB")
        patron = self._patron(session, message)
        item = self._item(barcode)
        if patron.reader is None or not patron.trusted:
            refusal = self._loan_reply(
                code, False, card, item, library, now, barcode=barcode, screen=patron.problem
            )
            return patron, item, refusal
        if item is None:
            refusal = self._loan_reply(code, False, card, None, library, now, barcode=barcode,
                                       screen=_("Không có bản sách mang mã vạch này."))  # fmt: skip
            return patron, item, refusal
        return patron, item, None

    def on_11(self, session, message, library, now) -> Reply:
        patron, item, refusal = self._patron_and_item(session, message, library, now, "12")
        if refusal is not None:
            return refusal
        card = message.get("AA")
        here = item.current_library_id or item.library_id
        if here != library.pk:
            return self._loan_reply("12", False, card, item, library, now, screen=_(
                "Bản này không thuộc thư viện này; mời bạn đến quầy thủ thư."))  # fmt: skip
        try:
            loan = circulation.checkout(item=item, reader=patron.reader, library=library, channel=CHANNEL)
        except CirculationError as error:
            if error.code == "already_yours" and message.fixed.get("sc_renewal_policy") == "Y":
                return self._renew_item(patron, item, library, now, "12")
            return self._loan_reply("12", False, card, item, library, now, screen=error.message)
        return self._loan_reply("12", True, card, item, library, now, loan=loan, screen=_(
            "Mượn thành công. Hạn trả: %(date)s.") % {"date": f"{timezone.localtime(loan.due_at):%d/%m/%Y}"})  # fmt: skip

    def on_29(self, session, message, library, now) -> Reply:
        patron, item, refusal = self._patron_and_item(session, message, library, now, "30")
        if refusal is not None:
            return refusal
        return self._renew_item(patron, item, library, now, "30")

    def _renew_item(self, patron: Patron, item: Item, library, now, code: str) -> Reply:
        card = patron.reader.card
        loan = Loan.objects.filter(item=item, reader=patron.reader, returned_at__isnull=True).first()
        if loan is None:
            return self._loan_reply(
                code, False, card, item, library, now, screen=_("Bạn không mượn bản này.")
            )
        try:
            loan = circulation.renew(loan=loan, reader=patron.reader, channel=CHANNEL)
        except CirculationError as error:
            return self._loan_reply(code, False, card, item, library, now, screen=error.message)
        return self._loan_reply(code, True, card, item, library, now, loan=loan, renewal=True, screen=_(
            "Gia hạn thành công. Hạn trả mới: %(date)s.") % {"date": f"{timezone.localtime(loan.due_at):%d/%m/%Y}"})  # fmt: skip

    def on_65(self, session, message, library, now) -> Reply:
        patron = self._patron(session, message)
        fixed = {
            "ok": "0",
            "renewed_count": "0000",
            "unrenewed_count": "0000",
            "transaction_date": self._date(now),
        }
        if patron.reader is None or not patron.trusted:
            return Reply("66", fixed, [("AO", library.code), ("AF", patron.problem)])
        renewed, refused = circulation.renew_all(reader=patron.reader, channel=CHANNEL)
        fixed.update(ok="1", renewed_count=m.count4(len(renewed)), unrenewed_count=m.count4(len(refused)))
        fields: list[tuple[str, object]] = [("AO", library.code)]
        fields += [("BM", loan.item.barcode) for loan in renewed[:MAX_LISTED_ITEMS]]
        fields += [("BN", loan.item.barcode) for loan, _error in refused[:MAX_LISTED_ITEMS]]
        screen = _("Đã gia hạn %(ok)d bản, không gia hạn được %(no)d bản.") % {
            "ok": len(renewed),
            "no": len(refused),
        }
        reasons = sorted({error.message for _loan, error in refused})
        fields.append(("AF", " ".join([screen, *reasons])))
        return Reply("66", fixed, fields)

    # --- checkin ------------------------------------------------------------------------------

    def on_09(self, session, message, library, now) -> Reply:
        barcode = message.get("AB")
        item = self._item(barcode)
        fixed = {
            "ok": "0",
            "resensitize": "N",
            "magnetic_media": "U",
            "alert": "Y",
            "transaction_date": self._date(now),
        }
        if item is None:
            return Reply("10", fixed, [("AO", library.code), ("AB", barcode), ("AQ", ""), ("AJ", ""),
                                       ("AF", _("Không có bản sách mang mã vạch này."))])  # fmt: skip
        try:
            result = circulation.checkin(item=item, library=library, channel=CHANNEL)
        except CirculationError as error:
            return Reply("10", fixed, [("AO", library.code), ("AB", item.barcode), ("AQ", item.library.code),
                                       ("AJ", self._title(item)), ("AF", error.message)])  # fmt: skip
        fixed.update(ok="1", resensitize="Y", magnetic_media="N", alert=m.yn(result.action != "shelve"))
        fields: list[tuple[str, object]] = [
            ("AO", library.code),
            ("AB", item.barcode),
            ("AQ", item.library.code),
            ("AJ", self._title(item)),
        ]
        if result.loan is not None and result.loan.reader_id:
            fields.append(
                ("AA", Reader.objects.filter(pk=result.loan.reader_id).values_list("card", flat=True).first())
            )
        screen = [_("Đã nhận trả. Cảm ơn bạn!")]
        if result.action == "hold_shelf":
            fields += [("CT", library.code), ("CV", m.AlertType.LOCAL_HOLD)]
            if result.hold is not None:
                fields.append(("CY", result.hold.reader.card))
            screen.append(_("Tài liệu này có bạn đọc đang chờ: xin để vào ngăn sách đặt giữ."))
        elif result.action == "transit" and result.destination is not None:
            remote = result.hold is not None
            fields += [
                ("CT", result.destination.code),
                ("CV", m.AlertType.REMOTE_HOLD if remote else m.AlertType.TRANSFER),
            ]
            if remote:
                fields.append(("CY", result.hold.reader.card))
            screen.append(
                _("Tài liệu sẽ được chuyển đến %(library)s.") % {"library": result.destination.name}
            )
        if result.fee is not None and result.fee.amount > 0:
            screen.append(
                _("Trả quá hạn: phí phạt %(amount)s đ.") % {"amount": policies.money(result.fee.outstanding)}
            )
        fields.append(("AF", " ".join(screen)))
        return Reply("10", fixed, fields)

    # --- item information ------------------------------------------------------------------------

    def on_17(self, session, message, library, now) -> Reply:
        barcode = message.get("AB")
        item = self._item(barcode)
        fixed = {
            "circulation_status": m.CirculationStatus.OTHER,
            "security_marker": "00",
            "fee_type": "01",
            "transaction_date": self._date(now),
        }
        if item is None:
            return Reply(
                "18", fixed, [("AB", barcode), ("AJ", ""), ("AF", _("Không có bản sách mang mã vạch này."))]
            )
        fixed["circulation_status"] = CIRCULATION_STATUS.get(item.status, m.CirculationStatus.OTHER)
        queue = Hold.objects.filter(record_id=item.record_id, status=HoldStatus.WAITING).count()
        loan = Loan.objects.filter(item=item, returned_at__isnull=True).only("due_at").first()
        ready = (
            Hold.objects.filter(item=item, status=HoldStatus.READY).only("expires_at").first()
            if item.status == ItemStatus.ON_HOLD_SHELF
            else None
        )
        fields: list[tuple[str, object]] = [
            ("CF", str(queue)),
            ("AH", self._date(loan.due_at) if loan is not None else None),
            ("CM", self._date(ready.expires_at) if ready is not None and ready.expires_at else None),
            ("AB", item.barcode),
            ("AJ", self._title(item)),
            ("BG", item.library.code),
            ("AQ", item.library.code),
            ("AP", (item.current_library or item.library).code),
            ("AF", item.get_status_display()),
        ]
        return Reply("18", fixed, fields)

    # --- fees -----------------------------------------------------------------------------------

    def on_37(self, session, message, library, now) -> Reply:
        patron = self._patron(session, message)

        def no(text: str) -> Reply:
            return Reply("38", {"payment_accepted": "N", "transaction_date": self._date(now)},
                         [("AO", library.code), ("AA", message.get("AA")), ("BK", message.get("BK") or None),
                          ("AF", text)])  # fmt: skip

        if patron.reader is None or not patron.trusted:
            return no(patron.problem)
        currency = message.fixed.get("currency_type", "").strip().upper()
        if currency and currency != CURRENCY:
            return no(_("Chỉ nhận thanh toán bằng đồng Việt Nam (VND)."))
        try:
            amount = Decimal(message.get("BV").strip().replace(",", ""))
        except InvalidOperation:
            return no(_("Số tiền không hợp lệ."))
        if amount != amount.to_integral_value() or amount <= 0:
            return no(_("Số tiền không hợp lệ."))
        transaction_id = message.get("BK")
        done = session.payments.get((patron.reader.card, transaction_id)) if transaction_id else None
        if done is not None:
            return done  # the same payment sent again: answered, not taken twice
        fees = None
        fee_id = message.get("CG").strip()
        if fee_id:
            if not fee_id.isdigit() or not patron.reader.fees.filter(pk=int(fee_id)).exists():
                return no(_("Không tìm thấy khoản phí này."))
            fees = [int(fee_id)]
        method = Payment.Method.CASH if message.fixed.get("payment_type") == "00" else Payment.Method.CARD
        try:
            payment = circulation.pay_fees(reader=patron.reader, amount=amount, library=library, method=method,
                                           channel=CHANNEL, fees=fees)  # fmt: skip
        except CirculationError as error:
            return no(error.message)
        reply = Reply(
            "38",
            {"payment_accepted": "Y", "transaction_date": self._date(now)},
            [
                ("AO", library.code),
                ("AA", patron.reader.card),
                ("BK", transaction_id or payment.receipt),
                ("AF", _("Đã nhận %(amount)s đ. Biên lai số %(receipt)s.")
                 % {"amount": policies.money(payment.amount), "receipt": payment.receipt}),
            ],
        )  # fmt: skip
        if transaction_id:
            session.payments[(patron.reader.card, transaction_id)] = reply
            while len(session.payments) > 100:
                session.payments.pop(next(iter(session.payments)))
        return reply

    # --- holds ----------------------------------------------------------------------------------

    def on_15(self, session, message, library, now) -> Reply:
        patron = self._patron(session, message)
        mode = message.fixed.get("hold_mode", "")

        def reply(ok: bool, text: str, *, record: Record | None = None, hold: Hold | None = None,
                  available: bool = False) -> Reply:  # fmt: skip
            fields: list[tuple[str, object]] = []
            if hold is not None:
                fields += [
                    ("BW", self._date(hold.expires_at) if hold.expires_at else None),
                    ("BR", str(hold_position(hold)) if hold.status == HoldStatus.WAITING else None),
                    ("BS", hold.pickup_library.code),
                ]
            fields += [("AO", library.code), ("AA", message.get("AA")), ("AB", message.get("AB") or None),
                       ("AJ", record.title if record is not None else message.get("AJ") or None), ("AF", text)]  # fmt: skip
            return Reply("16", {"ok": "1" if ok else "0", "available": m.yn(available),
                                "transaction_date": self._date(now)}, fields)  # fmt: skip

        if patron.reader is None or not patron.trusted:
            return reply(False, patron.problem)
        record = self._hold_record(message)
        if record is None:
            return reply(False, _("Không tìm thấy tài liệu cần đặt giữ."))
        if mode == "+":
            pickup = library
            if message.get("BS").strip():
                pickup = Library.objects.filter(code=message.get("BS").strip().upper()).first()
                if pickup is None:
                    return reply(
                        False,
                        _("Không có thư viện nhận sách mã %(code)s.") % {"code": message.get("BS")},
                        record=record,
                    )
            try:
                hold = circulation.place_hold(
                    reader=patron.reader, record=record, pickup_library=pickup, channel=CHANNEL
                )
            except CirculationError as error:
                return reply(False, error.message, record=record)
            available = Item.objects.filter(
                record=record, library=pickup, status=ItemStatus.AVAILABLE
            ).exists()
            return reply(True, _("Đã đặt giữ. Nhận sách tại %(library)s.") % {"library": pickup.name},
                         record=record, hold=hold, available=available)  # fmt: skip
        if mode == "-":
            hold = (
                Hold.objects.select_related("pickup_library")
                .filter(reader=patron.reader, record=record, status__in=ACTIVE_HOLD_STATUSES)
                .first()
            )
            if hold is None:
                return reply(False, _("Không tìm thấy yêu cầu giữ."), record=record)
            try:
                circulation.cancel_hold(hold=hold, reader=patron.reader)
            except CirculationError as error:
                return reply(False, error.message, record=record)
            return reply(True, _("Đã hủy yêu cầu giữ."), record=record)
        return reply(False, _("Muốn sửa yêu cầu giữ, xin hủy rồi đặt lại."), record=record)

    @staticmethod
    def _hold_record(message: m.Message) -> Record | None:
        """The title a hold message means: by a copy's barcode (AB), or by record number in AJ."""
        item = (
            Item.objects.select_related("record").filter(barcode=message.get("AB").strip()).first()
            if message.get("AB").strip()
            else None
        )
        if item is not None:
            return item.record
        title_id = message.get("AJ").strip()
        if title_id.isdigit():
            return Record.objects.filter(pk=int(title_id), deleted_at__isnull=True).first()
        return None

    # --- the rest: answered, refused ----------------------------------------------------------

    def on_01(self, session, message, library, now) -> Reply:
        logger.warning("sip2: kiosk %s asked to block card %s; blocking is done at the desk",
                       session.account.login, message.get("AA"))  # fmt: skip
        return refusal(message, _("Việc khóa thẻ do thủ thư thực hiện tại quầy."), now, library.code)

    def on_19(self, session, message, library, now) -> Reply:
        return refusal(message, _("Không cập nhật được thông tin bản sách từ máy."), now, library.code)

    def on_25(self, session, message, library, now) -> Reply:
        return refusal(message, _("Việc mở khóa thẻ do thủ thư thực hiện tại quầy."), now, library.code)
