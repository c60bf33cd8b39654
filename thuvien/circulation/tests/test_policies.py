"""The pure rules: which cell of the matrix applies, due dates over calendars, fines, blocks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from thuvien.circulation import policies
from thuvien.circulation.policies import Rule

PATH = ["VN-NB", "VN-NB-XA"]  # a province and one of its communes: the path from the root
ADULT, CHILD = 1, 2


def cell(library, category=None, item_type="", **fields):
    values = {name: getattr(policies.DEFAULT_RULE, name) for name in Rule.FIELDS} | fields
    return SimpleNamespace(
        library_code=library, category_id=category, category_code={ADULT: "adult", CHILD: "child"}.get(category),
        item_type=item_type, **values,
    )  # fmt: skip


def local(*args):
    return timezone.make_aware(dt.datetime(*args))


def never_closed(day):
    return False


# --- choose_rule -------------------------------------------------------------------------------------


def test_no_cell_gives_the_default_rule():
    assert policies.choose_rule([], PATH, ADULT, "book") == policies.DEFAULT_RULE
    assert policies.choose_rule([], PATH, ADULT, "book").source == "default"


def test_a_province_rule_is_inherited_by_its_communes():
    rule = policies.choose_rule([cell("VN-NB", loan_days=21)], PATH, ADULT, "book")
    assert rule.loan_days == 21
    assert rule.source == "VN-NB / * / *"


def test_a_commune_overrides_its_province():
    cells = [cell("VN-NB", loan_days=21), cell("VN-NB-XA", loan_days=7)]
    assert policies.choose_rule(cells, PATH, ADULT, "book").loan_days == 7
    # ... but only for itself: the province (and its other members) keep theirs.
    assert policies.choose_rule(cells, ["VN-NB"], ADULT, "book").loan_days == 21


def test_the_nearest_library_wins_over_a_more_specific_cell_above():
    cells = [cell("VN-NB", ADULT, "book", loan_days=30), cell("VN-NB-XA", loan_days=10)]
    assert policies.choose_rule(cells, PATH, ADULT, "book").loan_days == 10


def test_cells_of_libraries_outside_the_path_are_ignored():
    cells = [cell("VN-KHAC", loan_days=99), cell("VN-NB-THPT", loan_days=98)]
    assert policies.choose_rule(cells, PATH, ADULT, "book") == policies.DEFAULT_RULE


def test_specificity_inside_one_library_category_and_type_first():
    cells = [
        cell("VN-NB", loan_days=1),
        cell("VN-NB", item_type="book", loan_days=2),
        cell("VN-NB", ADULT, loan_days=3),
        cell("VN-NB", ADULT, "book", loan_days=4),
    ]
    assert policies.choose_rule(cells, PATH, ADULT, "book").loan_days == 4
    assert policies.choose_rule(cells, PATH, ADULT, "dvd").loan_days == 3  # category beats type
    assert policies.choose_rule(cells, PATH, CHILD, "book").loan_days == 2
    assert policies.choose_rule(cells, PATH, CHILD, "dvd").loan_days == 1
    assert policies.choose_rule(cells, PATH, CHILD, None).loan_days == 1
    assert policies.choose_rule(cells, PATH, ADULT, "book").source == "VN-NB / adult / book"


def test_a_typed_cell_never_matches_a_copy_without_a_type():
    cells = [cell("VN-NB", item_type="book", loan_days=2)]
    assert policies.choose_rule(cells, PATH, ADULT, "").loan_days == policies.DEFAULT_RULE.loan_days


def test_every_field_of_the_cell_is_carried():
    chosen = policies.choose_rule(
        [cell("VN-NB", loan_hours=4, renewals=0, max_loans_type=2, fine_cap=Decimal(9000), grace_days=1)],
        PATH, ADULT, "book",
    )  # fmt: skip
    assert (chosen.loan_hours, chosen.renewals, chosen.max_loans_type, chosen.fine_cap, chosen.grace_days) == (
        4, 0, 2, Decimal(9000), 1,
    )  # fmt: skip


# --- due_at --------------------------------------------------------------------------------------


def test_due_at_end_of_the_day_loan_days_on():
    due = policies.due_at(local(2026, 11, 16, 10, 0), Rule(loan_days=14), never_closed)
    assert due == local(2026, 11, 30, 23, 59, 59)


def test_due_at_moves_off_a_closed_weekday_and_holidays():
    closed = {dt.date(2026, 12, 1)}  # a holiday on the Tuesday after a closed Monday

    def is_closed(day):
        return day.weekday() == 0 or day in closed

    # 16 Nov + 14 days = Monday 30 Nov (closed) → Tuesday 1 Dec (holiday) → Wednesday 2 Dec.
    assert policies.due_at(local(2026, 11, 16, 10, 0), Rule(loan_days=14), is_closed) == local(
        2026, 12, 2, 23, 59, 59
    )


def test_due_at_renewal_and_pickup_days_count_from_start():
    due = policies.due_at(local(2026, 11, 16, 10, 0), Rule(loan_days=14), never_closed, days=3)
    assert due == local(2026, 11, 19, 23, 59, 59)


def test_due_at_given_in_utc_counts_the_library_day():
    # 20:00 UTC on the 16th is already the 17th in Hà Nội time.
    start = dt.datetime(2026, 11, 16, 20, 0, tzinfo=dt.UTC)
    assert policies.due_at(start, Rule(loan_days=1), never_closed) == local(2026, 11, 18, 23, 59, 59)


def test_hourly_loans_are_due_hours_on():
    rule = Rule(loan_hours=3, loan_days=14)
    assert policies.due_at(local(2026, 11, 16, 10, 0), rule, never_closed) == local(2026, 11, 16, 13, 0)
    # Renewing an hourly loan with explicit days is a day loan again.
    assert policies.due_at(local(2026, 11, 16, 10, 0), rule, never_closed, days=1) == local(
        2026, 11, 17, 23, 59, 59
    )


def test_an_hourly_loan_due_on_a_closed_day_moves_to_the_next_open_day():
    def sunday(day):
        return day.weekday() == 6

    # Saturday 21 Nov 22:00 + 4 h = Sunday 02:00 (closed) → Monday 02:00.
    due = policies.due_at(local(2026, 11, 21, 22, 0), Rule(loan_hours=4), sunday)
    assert due == local(2026, 11, 23, 2, 0)


def test_a_library_closed_all_year_keeps_a_date_rather_than_looping():
    due = policies.due_at(local(2026, 11, 16, 10, 0), Rule(loan_days=1), lambda day: True)
    assert due.date() > dt.date(2027, 11, 1)


def test_holidays_of_the_province_apply_to_its_communes(network, reader, make_item, clock):
    from thuvien.circulation import actions
    from thuvien.circulation.models import Closure
    from thuvien.circulation.queries import closed_checker

    Closure.objects.create(library=network["prov"], date=dt.date(2026, 11, 30), reason="Nghỉ lễ tỉnh")
    Closure.objects.create(library=network["commune"], weekday=1, reason="Thứ Ba")  # the commune only
    commune, school = closed_checker(network["commune"]), closed_checker(network["school"])
    assert commune(dt.date(2026, 11, 30)) and school(dt.date(2026, 11, 30))
    assert commune(dt.date(2026, 12, 1)) and not school(dt.date(2026, 12, 1))
    assert not closed_checker(network["prov"])(dt.date(2026, 12, 1))  # a member's closure stays below
    loan = actions.checkout(item=make_item("commune"), reader=reader, library=network["commune"], now=clock)
    assert timezone.localtime(loan.due_at).date() == dt.date(2026, 12, 2)  # Mon holiday, Tue closed


# --- fines ---------------------------------------------------------------------------------------


def test_overdue_days_for_day_and_hourly_loans():
    due = local(2026, 11, 30, 23, 59, 59)
    assert policies.overdue_days(due, local(2026, 11, 30, 23, 0)) == 0
    assert policies.overdue_days(due, local(2026, 12, 1, 0, 5)) == 1
    assert policies.overdue_days(due, local(2026, 12, 3, 18, 0)) == 3
    hourly = local(2026, 11, 16, 13, 0)
    assert policies.overdue_days(hourly, local(2026, 11, 16, 13, 30)) == 1  # a started day counts
    assert policies.overdue_days(hourly, local(2026, 11, 17, 13, 0)) == 1
    assert policies.overdue_days(hourly, local(2026, 11, 17, 13, 1)) == 2


def test_overdue_fine_grace_then_per_day_then_cap():
    rule = Rule(fine_per_day=Decimal(2000), fine_cap=Decimal(9000), grace_days=2)
    due = local(2026, 11, 30, 23, 59, 59)
    fines = [policies.overdue_fine(due, due + dt.timedelta(days=late), rule) for late in range(7)]
    # On time, then 1 and 2 days late are within the grace; from the 3rd day every late day counts.
    assert fines == [0, 0, 0, 6000, 8000, 9000, 9000]
    assert all(isinstance(f, Decimal) for f in fines)


def test_overdue_fine_without_grace_or_cap_reached():
    rule = Rule(fine_per_day=Decimal(1500), fine_cap=Decimal(50000))
    due = local(2026, 11, 30, 23, 59, 59)
    assert policies.overdue_fine(due, due, rule) == 0
    assert policies.overdue_fine(due, due + dt.timedelta(days=1), rule) == 1500
    assert policies.overdue_fine(due, due + dt.timedelta(days=365), rule) == 50000


# --- blocks --------------------------------------------------------------------------------------

TODAY = dt.date(2026, 11, 16)


def blocks(**overrides):
    values = {"status": "active", "expires_on": dt.date(2027, 1, 1), "today": TODAY, "owed": Decimal(0),
              "threshold": Decimal(50000), "overdue": 0} | overrides  # fmt: skip
    return policies.blocks(**values)


def test_a_reader_in_good_standing_has_no_block():
    assert blocks() == []
    assert blocks(expires_on=None) == []
    assert blocks(expires_on=TODAY) == []  # valid through its last day
    assert blocks(owed=Decimal(50000)) == []  # at the threshold, not over it


@pytest.mark.parametrize(
    ("overrides", "code", "message"),
    [
        ({"status": "pending"}, "status", "Thẻ đang chờ thư viện duyệt."),
        ({"status": "suspended"}, "status", "Thẻ đang bị khóa. Vui lòng liên hệ thủ thư."),
        ({"expires_on": dt.date(2026, 11, 15)}, "expired", "Thẻ đã hết hạn ngày 15/11/2026. Vui lòng gia hạn thẻ."),
        ({"owed": Decimal(50001)}, "fines",
         "Bạn đọc còn nợ 50.001 đ, vượt mức 50.000 đ. Vui lòng thanh toán trước khi mượn."),
        ({"overdue": 2}, "overdue", "Bạn đọc có 2 tài liệu quá hạn chưa trả."),
    ],
)  # fmt: skip
def test_each_block_with_its_message(overrides, code, message):
    assert blocks(**overrides) == [policies.Block(code, message)]


def test_blocks_add_up_in_a_fixed_order():
    found = blocks(status="suspended", expires_on=dt.date(2026, 1, 1), owed=Decimal(10**6), overdue=1)
    assert [b.code for b in found] == ["status", "expired", "fines", "overdue"]


def test_money_in_the_vietnamese_way():
    assert policies.money(Decimal(1234567)) == "1.234.567"
    assert policies.money(0) == "0"


def test_delivery_transitions():
    assert policies.can_advance_delivery("requested", "packed")
    assert policies.can_advance_delivery("packed", "cancelled")
    assert not policies.can_advance_delivery("shipped", "cancelled")
    assert not policies.can_advance_delivery("returned", "requested")
    assert not policies.can_advance_delivery("nonsense", "packed")
