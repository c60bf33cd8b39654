"""The demo network's circulation, made the way a library would make it: through the actions.

Rules and calendars for the province, about 300 readers, then 60 days of desk work replayed in time
order with a moving ``now`` — loans, returns (some late, some at another library), renewals, fines
paid with receipts or waived — and the scenes the demo must show: the demo reader's loans, overdue
item, holds and postal request; holds waiting, in transit and on the hold shelf; a parcel shipped with
its tracking number. Then the daily run (fines, notices) and the SIP2 kiosk account.

Everything is drawn from a seeded Random over the catalogue as loaded, so a catalogue of 200 records
gets the same scenes as one of 6,000, only with fewer loans around them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import heapq
import itertools
import logging
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from random import Random

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.test.utils import override_settings
from django.utils import timezone

from thuvien.accounts.models import User
from thuvien.catalog.models import Item, ItemStatus
from thuvien.circulation import actions
from thuvien.circulation.configuration import add_closure, save_rule
from thuvien.circulation.daily import run_daily
from thuvien.circulation.exceptions import CirculationError
from thuvien.circulation.models import (
    CirculationRule,
    Delivery,
    DeliveryStatus,
    Fee,
    Hold,
    HoldStatus,
    Loan,
    Payment,
    Transit,
)
from thuvien.circulation.queries import closed_checker, owed
from thuvien.demo.generator import demo_readers
from thuvien.interop.sip2.actions import add_account
from thuvien.network.models import Library
from thuvien.patrons.actions import register_reader
from thuvien.patrons.models import Reader, ReaderCategory, ReaderStatus

HISTORY_DAYS = 60
READERS = 300  # with the demo reader
BORROWING = 0.45  # the share of readers who borrowed in the last 60 days
KIOSK = {"login": "kiosk-nb", "password": "kiosk-demo"}  # published demo credentials, by design
# Public holidays (Labour Code 2019, art. 112), with the 2026 dates the Government fixed; 1/1/2027 so a
# demo run late in 2026 shows a due date moved past New Year's Day.
HOLIDAYS = [
    (dt.date(2026, 1, 1), "Tết Dương lịch"),
    *((dt.date(2026, 2, d), "Tết Nguyên đán Bính Ngọ") for d in range(16, 21)),
    (dt.date(2026, 4, 26), "Giỗ Tổ Hùng Vương (10/3 âm lịch)"),
    (dt.date(2026, 4, 30), "Ngày Giải phóng miền Nam, thống nhất đất nước"),
    (dt.date(2026, 5, 1), "Ngày Quốc tế Lao động"),
    (dt.date(2026, 9, 1), "Quốc khánh"),
    (dt.date(2026, 9, 2), "Quốc khánh"),
    (dt.date(2027, 1, 1), "Tết Dương lịch"),
]


def configure(root: Library, actor) -> None:
    """The province's rules matrix and calendars, as its administrator would set them."""
    libraries = {lib.code: lib for lib in Library.objects.filter(path__startswith=root.path)}
    category = {c.code: c for c in ReaderCategory.objects.all()}

    def rule(code: str, cat: str | None = None, item_type: str = "", **fields) -> None:
        if code in libraries:
            cell = CirculationRule(library=libraries[code], category=category.get(cat) if cat else None,
                                   item_type=item_type, **fields)  # fmt: skip
            save_rule(cell, actor=actor)

    base = root.code
    # The province-wide default, and what differs for children, seniors, periodicals and reference works.
    rule(base, loan_days=14, renewals=2, renewal_days=14, max_loans_total=8, max_holds=5, pickup_days=7,
         fine_per_day=2000, fine_cap=50000, grace_days=1, delivery_fee=25000)  # fmt: skip
    rule(
        base,
        "child",
        loan_days=14,
        max_loans_total=4,
        max_holds=2,
        fine_per_day=500,
        fine_cap=10000,
        grace_days=2,
    )
    rule(base, "senior", loan_days=21, max_loans_total=8, fine_per_day=1000, fine_cap=30000, grace_days=3)
    rule(base, item_type="SER", loan_days=7, renewals=0, max_loans_type=2, fine_per_day=2000, fine_cap=30000)
    rule(base, item_type="REF", loan_days=7, renewals=1, renewal_days=7, max_loans_type=2, fine_per_day=5000,
         fine_cap=100000)  # fmt: skip
    # Commune libraries: shorter loans of reference works, and fewer books at once for children.
    for lib in libraries.values():
        if lib.kind == "commune":
            rule(lib.code, item_type="REF", loan_days=3, renewals=0, max_loans_type=1, fine_per_day=5000,
                 fine_cap=50000)  # fmt: skip
            rule(lib.code, "child", loan_days=14, renewals=1, renewal_days=7, max_loans_total=3, max_holds=1,
                 fine_per_day=500, fine_cap=10000, grace_days=2)  # fmt: skip
        elif lib.kind == "school":
            # A school lends pupils a few books for a week; a primary school fines nobody.
            primary = "THPT" not in lib.code and "THCS" not in lib.code
            rule(lib.code, "pupil", loan_days=7, renewals=1, renewal_days=7, max_loans_total=2 if primary else 3,
                 max_holds=2, pickup_days=3, fine_per_day=0 if primary else 1000, fine_cap=0 if primary else 20000,
                 grace_days=2)  # fmt: skip
        elif lib.kind == "university":
            rule(lib.code, "student", loan_days=30, renewals=1, renewal_days=30, max_loans_total=10)
    for day, reason in HOLIDAYS:
        add_closure(library=root, actor=actor, date=day, reason=reason)
    for lib in libraries.values():
        if lib.kind == "commune":
            add_closure(library=lib, actor=actor, weekday=6, reason="Nghỉ Chủ nhật")


def register_readers(people: dict, root: Library, actor, today: dt.date, seed: int) -> dict[str, Reader]:
    """The demo reader, then about 300 others; a few registered themselves in the OPAC and wait."""
    libraries = {lib.code: lib for lib in Library.objects.filter(path__startswith=root.path)}
    category = {c.code: c for c in ReaderCategory.objects.all()}
    me = people["reader"]
    readers = {}
    khoi = register_reader(
        card=me["card"], full_name=me["name"], home_library=libraries[me["library"]], category=category["adult"],
        pin=me["pin"], actor=actor, birth_date=me.get("birth_date"), email=me["email"], phone=me["phone"],
        address=me.get("address", ""), cccd=me.get("cccd", ""), keep_history=True,
    )  # fmt: skip
    readers[khoi.card] = khoi
    for spec in demo_readers(list(_library_dicts(libraries)), READERS - 1, seed, today=today):
        pending = spec["status"] == ReaderStatus.PENDING
        fields = {"expires_on": spec["expires_on"]} if spec["expires_on"] else {}
        reader = register_reader(
            card=spec["card"], full_name=spec["name"], home_library=libraries[spec["library"]],
            category=category[spec["category"]], pin=spec["pin"], actor=None if pending else actor,
            channel="opac" if pending else "desk", status=spec["status"], cccd=spec["cccd"],
            keep_history=spec["keep_history"], birth_date=spec["birth_date"], email=spec["email"],
            phone=spec["phone"], address=spec["address"], **fields,
        )  # fmt: skip
        readers[reader.card] = reader
    return readers


def _library_dicts(libraries: dict[str, Library]):
    for lib in sorted(libraries.values(), key=lambda lib: lib.path):
        yield {"code": lib.code, "kind": lib.kind, "parent": lib.parent.code if lib.parent_id else None,
               "address": lib.address}  # fmt: skip


@dataclass(order=True)
class _Event:
    when: dt.datetime
    seq: int
    run: Callable = field(compare=False)


class _Desk:
    """A clock and a queue of desk work; each piece runs through the actions at its own ``now``."""

    def __init__(self, now: dt.datetime, seed: int, root: Library, readers: dict[str, Reader], staff: dict):
        self.now = now
        self.rng = Random(f"thuvien-demo-circulation:{seed}")
        self.root = root
        self.readers = readers
        self.staff = staff  # library pk -> the user working its desk
        self.libraries = {lib.pk: lib for lib in Library.objects.filter(path__startswith=root.path)}
        self.by_code = {lib.code: lib for lib in self.libraries.values()}
        self._closed = {pk: closed_checker(lib) for pk, lib in self.libraries.items()}
        self.queue: list[_Event] = []
        self.seq = itertools.count()
        self.stats: Counter = Counter()
        self.reserved: set[int] = set()  # records kept for the scenes
        self.busy: set[int] = set()  # readers kept for the scenes
        copies = list(
            Item.objects.filter(status=ItemStatus.AVAILABLE, library__in=self.libraries.values())
            .order_by("pk")
            .values_list("pk", "barcode", "library_id", "record_id", "item_type")
        )
        self.items = {pk: (barcode, lib, record, kind) for pk, barcode, lib, record, kind in copies}
        self.copies: dict[int, list[int]] = defaultdict(list)
        for pk, _barcode, _lib, record, _kind in copies:
            self.copies[record].append(pk)
        self.shelves: dict[tuple[int, str], list[int]] = defaultdict(list)
        for pk, _barcode, lib, _record, kind in copies:
            self.shelves[(lib, kind)].append(pk)
        for shelf in self.shelves.values():
            self.rng.shuffle(shelf)

    # -- the clock ---------------------------------------------------------------------------------
    def closed(self, library: Library, day: dt.date) -> bool:
        return self._closed[library.pk](day)

    def at(self, days_ago: float, hour: int, minute: int = 0, library: Library | None = None,
           forward: bool = False) -> dt.datetime | None:  # fmt: skip
        """DAYS_AGO days before now at HOUR:MINUTE, moved off LIBRARY's closed days; None if not yet past."""
        day = (self.now - dt.timedelta(days=days_ago)).date()
        for _step in range(10):
            if library is None or not self.closed(library, day):
                break
            day += dt.timedelta(days=1 if forward else -1)
        when = self.now.replace(
            year=day.year, month=day.month, day=day.day, hour=hour, minute=minute, second=0
        )
        return when if when < self.now else None

    def later(self, start: dt.datetime, days: float, library: Library) -> dt.datetime | None:
        """A moment during opening hours DAYS after START at LIBRARY (moved past closed days), or None."""
        when = start + dt.timedelta(days=days)
        day = when.date()
        for _step in range(10):
            if not self.closed(library, day):
                break
            day += dt.timedelta(days=1)
        hour, minute = self.rng.randint(8, 16), self.rng.choice((0, 10, 20, 30, 40, 50))
        when = when.replace(year=day.year, month=day.month, day=day.day, hour=hour, minute=minute, second=0)
        if when <= start:
            when = start + dt.timedelta(minutes=30)
        return when if when < self.now else None

    def schedule(self, when: dt.datetime | None, run: Callable[[dt.datetime], object]) -> None:
        """Do RUN at WHEN, if WHEN is in the past (what would happen later has not happened yet)."""
        if when is not None and when < self.now:
            heapq.heappush(self.queue, _Event(when, next(self.seq), run))

    def run(self) -> None:
        while self.queue:
            event = heapq.heappop(self.queue)
            try:
                event.run(event.when)
            except CirculationError as refused:
                self.stats[f"refused:{refused.code}"] += 1

    def actor(self, library: Library):
        return self.staff.get(library.pk) or self.staff["admin"]

    # -- choosing copies and readers ---------------------------------------------------------------
    def take(self, library: Library, kinds: tuple[str, ...]) -> int | None:
        """A copy on LIBRARY's shelves of one of KINDS (in order of preference), not kept for a scene."""
        for kind in kinds:
            shelf = self.shelves.get((library.pk, kind), [])
            while shelf:
                pk = shelf.pop()
                if self.items[pk][2] not in self.reserved:
                    return pk
        return None

    def scene_record(
        self, *, at: str, not_at: tuple[str, ...] = (), single: bool = False
    ) -> tuple[int, int] | None:
        """(record, copy at AT) for a scene: a title with a copy at AT and none at NOT_AT; kept from the history."""
        here = self.by_code.get(at)
        if here is None:
            return None
        avoid = {self.by_code[c].pk for c in not_at if c in self.by_code}
        for strict in (True, False):
            for kind in ("BK", "CHILD"):
                for pk in reversed(self.shelves.get((here.pk, kind), [])):
                    record = self.items[pk][2]
                    if record in self.reserved:
                        continue
                    libs = [self.items[c][1] for c in self.copies[record]]
                    if strict and ((single and len(libs) > 1) or avoid & set(libs)):
                        continue
                    self.reserved.add(record)
                    return record, pk
        return None

    def scene_reader(self, library_code: str, categories=("adult", "student", "senior", "staff")) -> Reader:
        """An active reader of LIBRARY_CODE (else of the province) kept out of the random history."""
        today = self.now.date()
        candidates = [
            r for r in self.readers.values()
            if r.status == ReaderStatus.ACTIVE and r.pk not in self.busy and (r.expires_on or today) >= today
            and r.category.code in categories and r.email and r.phone
        ]  # fmt: skip
        for pool in ([r for r in candidates if r.home_library.code == library_code], candidates):
            if pool:
                reader = pool[0]
                self.busy.add(reader.pk)
                return reader
        raise LookupError(f"no reader left for a scene at {library_code}")

    # -- single steps ------------------------------------------------------------------------------
    def checkout(self, reader: Reader, item: int, library: Library, when, channel=Loan.Channel.DESK) -> Loan:
        loan = actions.checkout(item=item, reader=reader, library=library, actor=self.actor(library), now=when,
                                channel=channel)  # fmt: skip
        self.stats["checkouts"] += 1
        return loan

    def checkin(self, item: int, library: Library, when):
        self.stats["checkins"] += 1
        return actions.checkin(item=item, library=library, actor=self.actor(library), now=when)

    # -- the scenes --------------------------------------------------------------------------------
    # Each scene is its own method so that the steps it schedules keep their own reader and copy.
    def plan_scenes(self, me: Reader) -> dict:
        """What the demo must show, around the demo reader and a few others; returns what to point at."""
        self.busy.add(me.pk)
        # The commune library with its own circulation librarian (the demo's "xa." account), else the first.
        own = [lib for pk, lib in self.libraries.items() if pk in self.staff and lib.kind == "commune"]
        self.commune = own[0] if own else self._first("commune")
        shown = self.scene_demo_reader(me)
        self.scene_queue(me)
        for code in ("VN-NB-NAMDINH", "VN-NB-PHATDIEM"):
            self.scene_hold_in_transit(self.by_code.get(code) or self.commune or self.root)
        self.scene_hold_ready(self.by_code.get("VN-NB-NAMDINH") or self.commune or self.root, travelled=True)
        self.scene_hold_ready(self.root, travelled=False)
        if self.commune is not None:
            self.scene_hold_filled(self.commune)
        self.scene_parcel(self.by_code.get("VN-NB-PHATDIEM") or self.commune or self.root)
        self.scene_lost()
        return shown

    def lend(self, reader: Reader, item: int, library: Library, when, back=None) -> None:
        """Lend ITEM at WHEN; with BACK, it comes back to LIBRARY then."""

        def go(t):
            self.checkout(reader, item, library, t)
            self.schedule(back, lambda t2: self.checkin(item, library, t2))

        self.schedule(when, go)

    def scene_demo_reader(self, me: Reader) -> dict:
        """The demo reader's account: history, a paid fine, loans renewed, overdue and due soon, a parcel."""
        root, commune, D = self.root, self.commune, self.at  # noqa: N806 - D(17, 10, 15): 17 days ago, 10:15
        shown: dict = {}
        # A book returned four days late, the fine paid at once (a receipt) …
        late = self.scene_record(at=root.code)
        if late:

            def paid(t):
                self.checkin(late[1], root, t)
                actions.pay_fees(reader=me, amount=owed(me), library=root, actor=self.actor(root), now=t)

            self.lend(me, late[1], root, D(58, 9, 10, root))
            self.schedule(D(40, 10, 0, root), paid)
        # … one read and returned on time (he keeps his history) …
        book = self.scene_record(at=root.code)
        if book:
            self.lend(me, book[1], root, D(35, 14, 0, root), back=D(24, 16, 0, root))
        # … one renewed from his phone, one now overdue, one borrowed at the commune library, due soon.
        renewed = self.scene_record(at=root.code)
        if renewed:

            def renew(t):
                loan = Loan.objects.get(item_id=renewed[1], returned_at__isnull=True)
                actions.renew(loan=loan, reader=me, channel=Loan.Channel.OPAC, now=t)

            self.lend(me, renewed[1], root, D(20, 9, 30, root))
            self.schedule(D(7, 20, 0), renew)
        overdue = self.scene_record(at=root.code)
        if overdue:
            self.lend(me, overdue[1], root, D(17, 10, 15, root))
            shown["overdue_item"] = overdue[1]
        if commune is not None:
            nearby = self.scene_record(at=commune.code)
            if nearby:
                self.lend(me, nearby[1], commune, D(13, 15, 0, commune))
            # A title held only at the commune library, asked for at the provincial one: on its way now.
            far = self.scene_record(at=commune.code, not_at=(root.code,))
            if far:
                self.schedule(D(8, 20, 30), lambda t: self.hold(me, far[0], root, t))
                self.schedule(D(1, 8, 30, commune), lambda t: self.checkin(far[1], commune, t))
        # A postal request: a book he would like sent home.
        parcel = self.scene_record(at=root.code)
        if parcel:
            self.schedule(D(5, 21, 0), lambda t: self.deliver(me, parcel[0], t))
        return shown

    def scene_queue(self, me: Reader) -> None:
        """A title everyone wants: its one copy is out; two readers queue for it, the demo reader second."""
        root, D = self.root, self.at  # noqa: N806
        wanted = self.scene_record(at=root.code, single=True)
        if not wanted:
            return
        holder = self.scene_reader(root.code)
        first = self.scene_reader(self.commune.code if self.commune else root.code)
        self.lend(holder, wanted[1], root, D(12, 9, 0, root))
        self.schedule(D(10, 18, 0), lambda t: self.hold(first, wanted[0], first.home_library, t))
        self.schedule(D(9, 19, 0), lambda t: self.hold(me, wanted[0], root, t))

    def scene_hold_in_transit(self, pickup: Library) -> None:
        """A reader asks for a title only the province has; this morning it left for his library."""
        reader = self.scene_reader(pickup.code)
        title = self.scene_record(at=self.root.code, not_at=(pickup.code,))
        if title:
            self.schedule(self.at(3, 19, 0), lambda t: self.hold(reader, title[0], pickup, t))
            self.schedule(self.at(1, 8, 0, self.root), lambda t: self.checkin(title[1], self.root, t))

    def scene_hold_ready(self, pickup: Library, *, travelled: bool) -> None:
        """A hold on the shelf waiting for its reader: sent from the province, or from the library's stock."""
        reader = self.scene_reader(pickup.code)
        title = self.scene_record(at=self.root.code, not_at=(pickup.code,) if travelled else ())
        if not title:
            return
        self.schedule(self.at(6, 20, 0), lambda t: self.hold(reader, title[0], pickup, t))
        self.schedule(
            self.at(5 if travelled else 1, 8, 0, self.root), lambda t: self.checkin(title[1], self.root, t)
        )
        if travelled:
            self.schedule(self.at(3, 9, 0, pickup), lambda t: self.checkin(title[1], pickup, t))

    def scene_hold_filled(self, pickup: Library) -> None:
        """Weeks ago: asked for, sent to the commune, borrowed there, returned, sent home again."""
        root, D = self.root, self.at  # noqa: N806
        reader = self.scene_reader(pickup.code)
        title = self.scene_record(at=root.code, not_at=(pickup.code,))
        if not title:
            return
        record, item = title
        self.schedule(D(22, 19, 0), lambda t: self.hold(reader, record, pickup, t))
        self.schedule(D(21, 8, 0, root), lambda t: self.checkin(item, root, t))
        self.schedule(D(19, 9, 0, pickup), lambda t: self.checkin(item, pickup, t))
        self.schedule(D(18, 16, 0, pickup), lambda t: self.checkout(reader, item, pickup, t))
        self.schedule(D(8, 10, 0, pickup), lambda t: self.checkin(item, pickup, t))
        self.schedule(D(6, 8, 0, root), lambda t: self.checkin(item, root, t))

    def scene_parcel(self, home: Library) -> None:
        """A parcel on its way to a reader far from the province's library, with its tracking number."""
        reader = self.scene_reader(home.code)
        title = self.scene_record(at=self.root.code, not_at=(home.code,))
        if not title:
            return

        def request(t):
            delivery = self.deliver(reader, title[0], t)
            packed = (t + dt.timedelta(days=1)).replace(hour=9, minute=30)
            self.schedule(packed, lambda t2: self.pack(delivery, t2, pay=True))
            shipped = (t + dt.timedelta(days=2)).replace(hour=15, minute=0)
            self.schedule(shipped, lambda t3: self.advance(delivery, DeliveryStatus.SHIPPED, t3,
                                                           tracking_number=self.tracking()))  # fmt: skip

        self.schedule(self.at(6, 7, 45), request)

    def scene_lost(self) -> None:
        """A book lost and paid for by transfer."""
        root = self.root
        reader = self.scene_reader(root.code)
        title = self.scene_record(at=root.code)
        if not title:
            return

        def lost(t):
            loan = Loan.objects.get(item_id=title[1], returned_at__isnull=True)
            fee = actions.mark_lost(loan=loan, actor=self.actor(root), library=root, now=t)
            actions.pay_fees(reader=reader, amount=fee.amount, library=root, actor=self.actor(root),
                             method=Payment.Method.TRANSFER, fees=[fee], now=t)  # fmt: skip

        self.lend(reader, title[1], root, self.at(45, 10, 0, root))
        self.schedule(self.at(20, 14, 0, root), lost)

    def _first(self, kind: str) -> Library | None:
        return next(
            (lib for lib in sorted(self.libraries.values(), key=lambda x: x.path) if lib.kind == kind), None
        )

    def hold(self, reader: Reader, record: int, pickup: Library, when) -> Hold:
        self.stats["holds"] += 1
        return actions.place_hold(
            reader=reader, record=record, pickup_library=pickup, channel="opac", now=when
        )

    def deliver(self, reader: Reader, record: int, when) -> Delivery:
        self.stats["deliveries"] += 1
        return actions.request_delivery(reader=reader, record=record, address=reader.address, phone=reader.phone,
                                        channel="opac", now=when)  # fmt: skip

    def pack(self, delivery: Delivery, when, pay: bool = False) -> None:
        delivery.refresh_from_db()
        copy = Item.objects.filter(record_id=delivery.record_id, library_id=delivery.library_id,
                                   status=ItemStatus.AVAILABLE).first()  # fmt: skip
        if copy is None:
            return
        self.advance(delivery, DeliveryStatus.PACKED, when, item_barcode=copy.barcode)
        if pay:
            fees = Fee.objects.filter(reader_id=delivery.reader_id, note=f"delivery:{delivery.pk}")
            actions.pay_fees(reader=delivery.reader_id, amount=delivery.fee, library=delivery.library, fees=fees,
                             actor=self.actor(delivery.library), method=Payment.Method.TRANSFER, now=when)  # fmt: skip

    def advance(self, delivery: Delivery, status: str, when, **kwargs) -> None:
        actions.advance_delivery(delivery=delivery, status=status, actor=self.actor(delivery.library), now=when,
                                 **kwargs)  # fmt: skip

    def tracking(self) -> str:
        """A VNPost-style parcel number: EB, eight digits and a check digit (UPU S10), VN."""
        digits = f"{self.rng.randint(0, 99_999_999):08d}"
        total = sum(int(d) * w for d, w in zip(digits, (8, 6, 4, 2, 3, 5, 9, 7), strict=True))
        check = 11 - total % 11
        check = 0 if check == 10 else 5 if check == 11 else check
        return f"EB{digits}{check}VN"

    # -- sixty days at the desks -------------------------------------------------------------------
    def plan_history(self) -> None:
        """Readers come to their library (sometimes the provincial one) and borrow; each loan has a fate."""
        rng, today = self.rng, self.now.date()
        regulars = [
            r for r in self.readers.values()
            if r.status == ReaderStatus.ACTIVE and r.pk not in self.busy and (r.expires_on or today) >= today
        ]  # fmt: skip
        rng.shuffle(regulars)
        for reader in regulars[: int(len(regulars) * BORROWING)]:
            for _visit in range(rng.choices((1, 2, 3), weights=(60, 30, 10))[0]):
                library = reader.home_library
                if (
                    library != self.root
                    and reader.category.code not in ("child", "pupil")
                    and rng.random() < 0.15
                ):
                    library = self.root
                days_ago = rng.uniform(0.5, HISTORY_DAYS)
                when = self.at(
                    days_ago, rng.randint(8, 16), rng.choice((0, 15, 30, 45)), library, forward=True
                )
                count = rng.choices((1, 2, 3), weights=(65, 28, 7))[0]
                self.schedule(when, lambda t, r=reader, lib=library, n=count: self.visit(r, lib, n, t))

    def kinds_for(self, reader: Reader) -> tuple[str, ...]:
        code = reader.category.code
        if code == "child":
            return ("CHILD", "BK")
        if code == "pupil":
            return ("BK", "CHILD") if self.rng.random() < 0.6 else ("CHILD", "BK")
        r = self.rng.random()
        return ("REF", "BK") if r < 0.06 else ("SER", "BK") if r < 0.09 else ("BK",)

    def visit(self, reader: Reader, library: Library, count: int, when) -> None:
        for n in range(count):
            item = self.take(library, self.kinds_for(reader))
            if item is None:
                return
            at = when + dt.timedelta(minutes=n)
            try:
                loan = self.checkout(reader, item, library, at)
            except CirculationError as refused:
                self.stats[f"refused:{refused.code}"] += 1
                return  # the desk said no: the reader goes home with what he has
            self.fate(loan, reader, library)

    def fate(self, loan: Loan, reader: Reader, library: Library) -> None:
        rng, item = self.rng, loan.item_id
        home = self.libraries[self.items[item][1]]
        length = (loan.due_at - loan.checked_out_at).total_seconds() / 86400
        r = rng.random()
        if r < 0.62:  # back on time, mostly where it was borrowed
            back_at = library
            if rng.random() < 0.1:
                back_at = self.root if library != self.root else (self._first("commune") or library)
            when = self.later(loan.checked_out_at, rng.uniform(2, max(2.5, length - 1)), back_at)
            self.schedule(when, lambda t: self.give_back(item, back_at, home, t))
        elif r < 0.78:  # back late: a fine, paid at once, left owing, or waived
            when = self.later(loan.due_at, rng.uniform(1, 15), library)
            self.schedule(when, lambda t: self.late_return(reader, item, library, t))
        elif r < 0.92:  # renewed from home a day or two before it falls due
            when = loan.due_at - dt.timedelta(days=rng.uniform(0.2, 2))
            if when > loan.checked_out_at and when < self.now:
                self.schedule(when, lambda t: self.renew(loan.pk, reader, item, library, t))
        # else: still out (overdue if its due date has passed)

    def give_back(self, item: int, library: Library, home: Library, when) -> None:
        result = self.checkin(item, library, when)
        if result.action == "transit" and result.destination == home:
            self.schedule(
                self.later(when, self.rng.uniform(1, 3), home), lambda t: self.checkin(item, home, t)
            )

    def late_return(self, reader: Reader, item: int, library: Library, when) -> None:
        result = self.checkin(item, library, when)
        if result.fee is None or result.fee.outstanding <= 0:
            return
        self.stats["late_returns"] += 1
        r = self.rng.random()
        if r < 0.5:
            actions.pay_fees(reader=reader, amount=result.fee.outstanding, library=library, fees=[result.fee],
                             actor=self.actor(library), now=when)  # fmt: skip
        elif r < 0.65:
            actions.waive_fee(fee=result.fee, actor=self.actor(library), library=library,
                              reason="Miễn phạt: bạn đọc ốm, có giấy của trạm y tế")  # fmt: skip

    def renew(self, loan_id: int, reader: Reader, item: int, library: Library, when) -> None:
        loan = actions.renew(
            loan=loan_id, reader=reader, channel=self.rng.choice(("opac", "desk", "sip2")), now=when
        )
        self.stats["renewals"] += 1
        if self.rng.random() < 0.6:
            length = (loan.due_at - when).total_seconds() / 86400
            back = self.later(when, self.rng.uniform(1, max(1.5, length - 1)), library)
            self.schedule(back, lambda t: self.checkin(item, library, t))


@contextlib.contextmanager
def _quiet(*names: str):
    """Silence per-notice INFO lines while 60 days are replayed; the summary says what was sent."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


@contextlib.contextmanager
def _notices_to_files():
    """Keep the e-mails of the daily run out of the demo's console: write them under the data directory."""
    if settings.EMAIL_BACKEND != "django.core.mail.backends.console.EmailBackend":
        yield None
        return
    folder = settings.DATA_DIR / "demo-mail"
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
                           EMAIL_FILE_PATH=str(folder)):  # fmt: skip
        yield folder


def create_kiosk(library: Library, actor) -> dict:
    """The demo's self-check kiosk at LIBRARY, through the SIP2 package's own action."""
    add_account(KIOSK["login"], KIOSK["password"], library.code, actor=actor,
                description="Máy tự mượn trả ở sảnh tầng 1 (demo)")  # fmt: skip
    return {**KIOSK, "library": library.code}


def build_circulation(people: dict, *, now: dt.datetime | None = None, seed: int = 1, log=print) -> dict:
    """Rules, calendars, readers, 60 days of desk work and the daily run, for the demo network of PEOPLE."""
    now = timezone.localtime(now or timezone.now()).replace(microsecond=0)
    me = people["reader"]
    root = Library.objects.get(code=me["library"])
    staff = {"admin": User.objects.get(username=people["staff"][0]["username"])}
    for person in people["staff"]:
        if "circulation" in person["roles"] or "admin" in person["roles"]:
            library = Library.objects.get(code=person["library"])
            staff.setdefault(library.pk, User.objects.get(username=person["username"]))
    with _notices_to_files() as mail_folder, _quiet("thuvien.notices", "thuvien.circulation"):
        with transaction.atomic():
            configure(root, staff["admin"])
            readers = register_readers(people, root, staff["admin"], now.date(), seed)
            log(f"thuvien demo: {len(readers)} readers; replaying {HISTORY_DAYS} days at the desks…")
            desk = _Desk(now, seed, root, readers, staff)
            shown = desk.plan_scenes(readers[me["card"]])
            desk.plan_history()
            desk.run()
        daily = run_daily(now, force=True) or {}
    kiosk = create_kiosk(root, staff["admin"])
    summary = circulation_summary(now)
    summary.update(stats=dict(desk.stats), daily=daily, shown=shown, kiosk=kiosk,
                   mail=str(mail_folder) if mail_folder else "")  # fmt: skip
    return summary


def circulation_summary(now: dt.datetime) -> dict:
    open_loans = Loan.objects.filter(returned_at__isnull=True)
    holds = Counter(Hold.objects.values_list("status", flat=True))
    return {
        "readers": Reader.objects.count(),
        "pending": Reader.objects.filter(status=ReaderStatus.PENDING).count(),
        "loans": Loan.objects.count(),
        "open_loans": open_loans.count(),
        "overdue": open_loans.filter(due_at__lt=now).count(),
        "holds": {status: holds.get(status, 0) for status in HoldStatus.values},
        "transits": Transit.objects.filter(received_at__isnull=True).count(),
        "deliveries": dict(Counter(Delivery.objects.values_list("status", flat=True))),
        "payments": Payment.objects.count(),
        "owed": sum((f.outstanding for f in Fee.objects.filter(~Q(amount=0))), Decimal(0)),
    }
