"""Checkout scans on the reader page (htmx and plain POST), renewals, lost and claims-returned."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from thuvien.audit.models import AuditEntry
from thuvien.catalog.models import ItemStatus
from thuvien.circulation import actions
from thuvien.circulation.models import Fee, FeeKind, Loan
from thuvien.circulation.tests import conftest as circulation_cast
from thuvien.patrons.actions import update_reader

pytestmark = pytest.mark.django_db

# The circulation tests' cast: readers of the test province, copies at its libraries, a librarian.
circulation_librarian = circulation_cast.circulation_librarian
make_item = circulation_cast.make_item
other_reader = circulation_cast.other_reader
reader = circulation_cast.reader

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def desk(client, circulation_librarian):
    client.force_login(circulation_librarian)
    return client


def _due(item) -> str:
    return f"{timezone.localtime(Loan.objects.get(item=item, returned_at__isnull=True).due_at):%d/%m/%Y}"


def test_a_scan_with_htmx_answers_one_line_and_the_refreshed_loans(desk, reader, make_item):
    item = make_item(barcode="SCAN-1")
    response = desk.post(f"/staff/desk/readers/{reader.pk}/checkout/", {"barcode": " SCAN-1 "}, **HTMX)
    assert response.status_code == 200
    text = response.content.decode()
    line, loans = text.split('<section id="loans"')
    assert line.strip().startswith('<li class="scan-result yes"')
    assert f"Đã cho mượn, hạn trả {_due(item)}" in line and "SCAN-1" in line and item.record.title in line
    assert 'hx-swap-oob="true"' in loans and "SCAN-1" in loans and "Đang mượn: 1 bản" in loans
    assert "<html" not in text  # a fragment, not a page


def test_scans_without_javascript_post_and_come_back_to_the_page(desk, reader, make_item):
    first, second = make_item(barcode="NOJS-1"), make_item(barcode="NOJS-2")
    url = f"/staff/desk/readers/{reader.pk}/"
    for barcode in ("NOJS-1", "NOJS-2"):
        response = desk.post(url + "checkout/", {"barcode": barcode})
        assert response.status_code == 302 and response["Location"] == url
    page = desk.get(url).content.decode()
    results = page.split('id="scan-results"')[1].split("</ol>")[0]
    # Newest first, each with its due date.
    assert results.index("NOJS-2") < results.index("NOJS-1")
    assert f"hạn trả {_due(first)}" in results and f"hạn trả {_due(second)}" in results
    assert "Đang mượn: 2 bản" in page


def test_a_refused_scan_says_why_and_lends_nothing(desk, reader, make_item, other_reader, network):
    taken = make_item(barcode="TAKEN-1")
    actions.checkout(item=taken, reader=other_reader, library=network["prov"])
    url = f"/staff/desk/readers/{reader.pk}/checkout/"
    response = desk.post(url, {"barcode": "TAKEN-1"}, **HTMX)
    assert response.status_code == 200
    text = response.content.decode()
    assert 'class="scan-result no"' in text and "Không cho mượn: Bản này đang được bạn đọc khác mượn." in text
    update_reader(reader=reader, actor=None, expires_on=timezone.localdate() - dt.timedelta(days=1))
    make_item(barcode="FREE-1")
    text = desk.post(url, {"barcode": "FREE-1"}, **HTMX).content.decode()
    assert "Thẻ đã hết hạn" in text
    assert not Loan.objects.filter(reader=reader).exists()
    unknown = desk.post(url, {"barcode": "KHONG-CO"}, **HTMX)
    assert unknown.status_code == 404 and "Không có bản sách mang mã vạch này" in unknown.content.decode()
    empty = desk.post(url, {"barcode": "  "}, **HTMX)
    assert "Hãy quét mã vạch" in empty.content.decode()


def test_an_administrator_may_override_and_it_is_audited(client, provincial_librarian, reader, make_item):
    item = make_item(barcode="RR-1", status=ItemStatus.READING_ROOM)
    client.force_login(provincial_librarian)
    url = f"/staff/desk/readers/{reader.pk}/"
    assert 'name="override"' in client.get(url).content.decode()
    refused = client.post(url + "checkout/", {"barcode": "RR-1"}, **HTMX).content.decode()
    assert "chỉ đọc tại chỗ" in refused
    allowed = client.post(url + "checkout/", {"barcode": "RR-1", "override": "1"}, **HTMX).content.decode()
    assert "Đã cho mượn" in allowed and "quản trị bỏ qua quy định" in allowed
    entry = AuditEntry.objects.get(type="circulation.loan.created", data__item="RR-1")
    assert entry.actor == provincial_librarian and entry.data["override"] is True
    assert Loan.objects.get(item=item).reader == reader


def test_renew_one_loan_and_renew_all(desk, reader, other_reader, make_item, network):
    now = timezone.now()
    one, two, wanted = make_item(barcode="R-1"), make_item(barcode="R-2"), make_item(barcode="R-3")
    for item in (one, two, wanted):
        actions.checkout(item=item, reader=reader, library=network["prov"], now=now - dt.timedelta(days=10))
    actions.place_hold(reader=other_reader, record=wanted.record, pickup_library=network["prov"])
    loan = Loan.objects.get(item=one)
    url = f"/staff/desk/readers/{reader.pk}/"
    response = desk.post(url + "renew/", {"loan": loan.pk}, follow=True)
    loan.refresh_from_db()
    assert loan.renewals == 1
    assert f"Đã gia hạn R-1 đến {timezone.localtime(loan.due_at):%d/%m/%Y}" in response.content.decode()
    response = desk.post(url + "renew/", {"all": "1"}, follow=True)
    text = response.content.decode()
    assert "Đã gia hạn 2 bản." in text
    assert "R-3: Có bạn đọc khác đang chờ tài liệu này" in text
    assert Loan.objects.get(item=two).renewals == 1 and Loan.objects.get(item=wanted).renewals == 0


def test_renewing_someone_elses_loan_is_not_found(desk, reader, other_reader, make_item, network):
    item = make_item()
    loan = actions.checkout(item=item, reader=other_reader, library=network["prov"])
    assert desk.post(f"/staff/desk/readers/{reader.pk}/renew/", {"loan": loan.pk}).status_code == 404
    assert desk.get(f"/staff/desk/readers/{reader.pk}/loans/{loan.pk}/").status_code == 404
    assert desk.post(f"/staff/desk/readers/{reader.pk}/loans/{loan.pk}/lost/").status_code == 404
    loan.refresh_from_db()
    assert loan.renewals == 0 and loan.returned_at is None


def test_lost_charges_the_price(desk, reader, make_item, network):
    from decimal import Decimal

    item = make_item(barcode="LOST-1", price=Decimal("85000"))
    loan = actions.checkout(item=item, reader=reader, library=network["prov"])
    url = f"/staff/desk/readers/{reader.pk}/loans/{loan.pk}/"
    page = desk.get(url).content.decode()
    assert "85.000 đ" in page and "Xác nhận báo mất" in page and "Xác nhận bạn đọc đã trả" in page
    assert desk.get(url + "lost/").status_code == 405  # only a confirmed POST does it
    response = desk.post(url + "lost/", follow=True)
    assert "Đã ghi mất LOST-1; bạn đọc phải bồi thường 85.000 đ." in response.content.decode()
    fee = Fee.objects.get(reader=reader, kind=FeeKind.LOST)
    assert fee.amount == Decimal(85000)
    item.refresh_from_db()
    assert item.status == ItemStatus.LOST


def test_claims_returned_closes_the_loan_and_the_copy_is_missing(desk, reader, make_item, network):
    item = make_item(barcode="CLAIM-1")
    loan = actions.checkout(item=item, reader=reader, library=network["prov"])
    response = desk.post(f"/staff/desk/readers/{reader.pk}/loans/{loan.pk}/claims-returned/", follow=True)
    assert "Đã ghi nhận bạn đọc báo đã trả CLAIM-1" in response.content.decode()
    loan.refresh_from_db()
    assert loan.claims_returned and loan.returned_at is not None
    item.refresh_from_db()
    assert item.status == ItemStatus.MISSING


def test_an_hourly_loan_shows_the_time_it_falls_due(desk, reader, make_item, network):
    from thuvien.circulation.models import CirculationRule

    CirculationRule.objects.create(library=network["prov"], item_type="reserve", loan_hours=3)
    item = make_item(barcode="HOUR-1", item_type="reserve")
    text = desk.post(
        f"/staff/desk/readers/{reader.pk}/checkout/", {"barcode": "HOUR-1"}, **HTMX
    ).content.decode()
    due = timezone.localtime(Loan.objects.get(item=item).due_at)
    assert f"hạn trả {due:%d/%m/%Y %H:%M}" in text
    page = desk.get(f"/staff/desk/readers/{reader.pk}/").content.decode()
    assert f"{due:%d/%m/%Y %H:%M}" in page.split('id="loans"')[1]
