"""The account page: loans with due dates and renewals, fines in đồng, blocks."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from thuvien.circulation import actions
from thuvien.circulation.models import Fee, Loan
from thuvien.circulation.tests import conftest as circulation_cast

pytestmark = pytest.mark.django_db

# The circulation tests' cast: readers of the test province, copies at its libraries.
make_item = circulation_cast.make_item
other_reader = circulation_cast.other_reader
reader = circulation_cast.reader

ACCOUNT = "/ban-doc/"


@pytest.fixture
def signed_in(client, reader):
    response = client.post("/ban-doc/dang-nhap/", {"card": reader.card, "pin": "1234"})
    assert response.status_code == 302
    return client


def _loan_block(page: str, title: str) -> str:
    """The <li> of the loan titled TITLE on the account page."""
    match = re.search(
        r'<li class="[^"]*">\s*<h3 id="loan-\d+"><a [^>]*>' + re.escape(title) + r"</a>.*?</li>", page, re.S
    )
    assert match, f"no loan {title!r} on the page"
    return match.group(0)


def test_loans_show_due_dates_and_overdue_ones_stand_out(signed_in, reader, make_item, network):
    now = timezone.now()
    on_time = make_item()
    late = make_item()
    actions.checkout(item=on_time, reader=reader, library=network["prov"], now=now)
    actions.checkout(item=late, reader=reader, library=network["commune"], now=now - dt.timedelta(days=20))
    page = signed_in.get(ACCOUNT).content.decode()
    fine = _loan_block(page, on_time.record.title)
    overdue = _loan_block(page, late.record.title)
    due = timezone.localtime(Loan.objects.get(item=on_time).due_at)
    assert f"{due:%d/%m/%Y}" in fine and "Quá hạn" not in fine
    assert 'class="overdue"' in overdue and "Quá hạn" in overdue
    assert "Đang mượn (2)" in page
    assert page.count("Gia hạn</button>") == 2 and "Gia hạn tất cả" in page


def test_renew_extends_the_loan(signed_in, reader, make_item, network):
    item = make_item()
    loan = actions.checkout(item=item, reader=reader, library=network["prov"],
                            now=timezone.now() - dt.timedelta(days=10))  # fmt: skip
    response = signed_in.post(f"/ban-doc/muon/{loan.pk}/gia-han/", follow=True)
    loan.refresh_from_db()
    assert loan.renewals == 1
    text = response.content.decode()
    assert f"Đã gia hạn «{item.record.title}» đến {timezone.localtime(loan.due_at):%d/%m/%Y}" in text
    assert "đã gia hạn 1 lần" in text


def test_renew_refused_says_why(signed_in, reader, other_reader, make_item, network):
    item = make_item()
    loan = actions.checkout(item=item, reader=reader, library=network["prov"])
    actions.place_hold(reader=other_reader, record=item.record, pickup_library=network["commune"])
    response = signed_in.post(f"/ban-doc/muon/{loan.pk}/gia-han/", follow=True)
    assert "Có bạn đọc khác đang chờ tài liệu này, không gia hạn được." in response.content.decode()
    loan.refresh_from_db()
    assert loan.renewals == 0


def test_renew_all_renews_what_it_can_and_names_the_rest(signed_in, reader, other_reader, make_item, network):
    free, wanted = make_item(), make_item()
    for item in (free, wanted):
        actions.checkout(item=item, reader=reader, library=network["prov"])
    actions.place_hold(reader=other_reader, record=wanted.record, pickup_library=network["prov"])
    text = signed_in.post("/ban-doc/muon/gia-han-tat-ca/", follow=True).content.decode()
    assert "Đã gia hạn 1 tài liệu." in text
    assert f"«{wanted.record.title}»: Có bạn đọc khác đang chờ" in text
    assert Loan.objects.get(item=free).renewals == 1 and Loan.objects.get(item=wanted).renewals == 0


def test_fines_in_dong_with_total_and_the_block_they_cause(signed_in, reader, make_item, network):
    item = make_item()
    actions.checkout(
        item=item, reader=reader, library=network["prov"], now=timezone.now() - dt.timedelta(days=50)
    )
    actions.checkin(item=item, library=network["prov"])  # 36 days late: 72.000 đ, capped at 50.000 đ
    Fee.objects.create(reader=reader, library=network["prov"], kind="other", amount=Decimal(12500))
    page = signed_in.get(ACCOUNT).content.decode()
    assert "Phạt quá hạn" in page and "50.000&nbsp;đ" in page and "12.500&nbsp;đ" in page
    assert "Tổng còn nợ:" in page and "62.500&nbsp;đ" in page
    assert "Thẻ đang bị hạn chế" in page and "vượt mức 50.000 đ" in page


def test_no_loans_no_fines(signed_in):
    page = signed_in.get(ACCOUNT).content.decode()
    assert "Bạn không có tài liệu nào đang mượn." in page and "Bạn không nợ khoản phí nào." in page
    assert "Thẻ đang bị hạn chế" not in page
