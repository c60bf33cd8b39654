"""Finding a reader at the desk and what his page shows: blocks, loans, holds, fees, deliveries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from thuvien.catalog.models import Item, ItemStatus, Record
from thuvien.circulation import actions
from thuvien.circulation.models import Fee, FeeKind, Loan
from thuvien.circulation.tests import conftest as circulation_cast
from thuvien.patrons.actions import register_reader, update_reader

pytestmark = pytest.mark.django_db

# The circulation tests' cast: readers of the test province, copies at its libraries, a librarian.
circulation_librarian = circulation_cast.circulation_librarian
make_item = circulation_cast.make_item
other_reader = circulation_cast.other_reader
reader = circulation_cast.reader


@pytest.fixture
def desk(client, circulation_librarian):
    client.force_login(circulation_librarian)
    return client


def test_scanning_a_card_opens_the_reader(desk, reader):
    response = desk.get("/staff/desk/", {"q": " tst0001 "})
    assert response.status_code == 302
    assert response["Location"] == f"/staff/desk/readers/{reader.pk}/"


def test_a_name_typed_without_diacritics_lists_readers(desk, reader, other_reader, network):
    register_reader(card="TST0003", full_name="Nguyễn Văn Hòa", home_library=network["school"], category="pupil",
                    pin="1111")  # fmt: skip
    response = desk.get("/staff/desk/", {"q": "hoa"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "Nguyễn Thị Hoà" in text and "Nguyễn Văn Hòa" in text and "Trần Văn Bình" not in text
    assert f'href="/staff/desk/readers/{reader.pk}/"' in text
    response = desk.get("/staff/desk/", {"q": "Hòa"})  # written with the other placement of the tone mark
    assert "Nguyễn Thị Hoà" in response.content.decode()
    nothing = desk.get("/staff/desk/", {"q": "không có ai"})
    assert nothing.status_code == 404 and "Không tìm thấy bạn đọc" in nothing.content.decode()


def test_the_scan_box_is_ready_for_a_scanner(desk, reader):
    home = desk.get("/staff/desk/").content.decode()
    assert '<input id="q" name="q"' in home and "autofocus" in home.split('id="q"')[1].split(">")[0]
    page = desk.get(f"/staff/desk/readers/{reader.pk}/").content.decode()
    box = page.split('id="barcode"')[1].split(">")[0]
    assert "autofocus" in box and "required" in box
    assert page.count("<h1") == 1
    assert 'href="/static/css/desk.css"' in page


def test_the_desk_library_is_remembered_in_the_session(client, network, reader):
    from thuvien.accounts.models import StaffRole, User

    user = User.objects.create_user("hai-noi", password="mat-khau-thu-nghiem-1")  # noqa: S106
    StaffRole.objects.create(user=user, library=network["commune"], role="circulation")
    StaffRole.objects.create(user=user, library=network["school"], role="circulation")
    client.force_login(user)
    assert client.get("/staff/desk/").context["desk_library"] == network["school"]  # the first by path
    response = client.post(
        "/staff/desk/library/", {"library": network["commune"].pk, "next": "/staff/desk/checkin/"}
    )
    assert response["Location"] == "/staff/desk/checkin/"
    assert client.get("/staff/desk/").context["desk_library"] == network["commune"]
    # Every action passes that library: a checkout now happens at the commune.
    item = make_school_item(network)
    client.post(f"/staff/desk/readers/{reader.pk}/checkout/", {"barcode": item.barcode})
    assert Loan.objects.get(item=item).library == network["commune"]
    # An outside address in next is not followed.
    response = client.post(
        "/staff/desk/library/", {"library": network["school"].pk, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/staff/desk/"


def make_school_item(network):
    from thuvien.catalog.actions import save_item, save_record
    from thuvien.catalog.tests.factories import marc_record

    record = save_record(None, marc_record("Sách của trường"), library=network["school"])
    item = Item(
        record=record, library=network["school"], current_library=network["school"], barcode="TRUONG-1"
    )
    save_item(item)
    return item


def test_reader_page_shows_account_and_blocks(desk, reader, make_item, network):
    now = timezone.now()
    late = make_item(barcode="LATE-1")
    actions.checkout(item=late, reader=reader, library=network["prov"], now=now - dt.timedelta(days=20))
    fresh = make_item(barcode="FRESH-1")
    actions.checkout(item=fresh, reader=reader, library=network["prov"], override=True)
    Fee.objects.create(reader=reader, library=network["prov"], kind=FeeKind.OTHER, amount=Decimal(65000),
                       note="mất thẻ")  # fmt: skip
    update_reader(reader=reader, actor=None, expires_on=timezone.localdate() - dt.timedelta(days=1))
    page = desk.get(f"/staff/desk/readers/{reader.pk}/")
    text = page.content.decode()
    blocks = text.split('class="blocks" role="alert"')[1].split("</div>")[0]
    assert "Thẻ đã hết hạn" in blocks
    assert "vượt mức 50.000 đ" in blocks and "65.000" in blocks
    assert "1 tài liệu quá hạn" in blocks
    assert "Đã hết hạn" in text
    # The overdue loan is highlighted in words, not colour alone; the fresh one is not.
    late_row = text.split("LATE-1")[0].rsplit("<tr", 1)[1]
    fresh_row = text.split("FRESH-1")[0].rsplit("<tr", 1)[1]
    assert 'class="overdue"' in late_row and 'class="overdue"' not in fresh_row
    assert "Quá hạn" in text.split("LATE-1")[1].split("</tr>")[0]
    assert "Phí còn nợ: 65.000 đ" in text
    assert "Đang mượn: 2 bản" in text


def test_personal_data_only_for_staff_who_manage_the_reader(desk, reader):
    update_reader(reader=reader, actor=None, phone="0987654321", address="7 Hàng Bài", cccd="001090012345",
                  birth_date=dt.date(1990, 3, 4))  # fmt: skip
    text = desk.get(f"/staff/desk/readers/{reader.pk}/").content.decode()
    assert "0987654321" in text and "7 Hàng Bài" in text and "04/03/1990" in text
    assert "••••••••2345" in text
    assert "001090012345" not in text  # never in clear


def test_holds_fees_and_deliveries_are_listed(desk, reader, other_reader, make_item, network):
    wanted = make_item(barcode="W-1")
    actions.checkout(item=wanted, reader=other_reader, library=network["prov"])
    actions.place_hold(reader=reader, record=wanted.record, pickup_library=network["commune"])
    posted = make_item(barcode="P-1")
    actions.request_delivery(reader=reader, record=posted.record, address="9 Nguyễn Huệ", phone="0911111111")
    text = desk.get(f"/staff/desk/readers/{reader.pk}/").content.decode()
    holds = text.split('id="holds"')[1].split("</section>")[0]
    assert wanted.record.title in holds and "thứ tự 1" in holds and "Thư viện xã Hòa Bình" in holds
    fees = text.split('id="fees"')[1].split("</section>")[0]
    assert "Phí gửi bưu điện" in fees and "30.000" in fees
    deliveries = text.split('id="deliveries"')[1].split("</section>")[0]
    assert posted.record.title in deliveries and "Đã yêu cầu" in deliveries and "9 Nguyễn Huệ" in deliveries


def lend_many(reader, library, count: int, start: int = 0) -> None:
    """Give READER COUNT open loans (a third overdue) straight in the database: a big account, fast."""
    now = timezone.now()
    records = Record.objects.bulk_create(
        [Record(marc="{}", title=f"Tài liệu số {start + n}", author="Tác giả") for n in range(count)]
    )
    items = Item.objects.bulk_create([
        Item(record=record, library=library, current_library=library, barcode=f"BULK{start + n:05d}",
             status=ItemStatus.CHECKED_OUT)
        for n, record in enumerate(records)
    ])  # fmt: skip
    Loan.objects.bulk_create([
        Loan(item=item, reader=reader, library=library, checked_out_at=now - dt.timedelta(days=20),
             due_at=now + dt.timedelta(days=(-3 if n % 3 == 0 else 10)), reader_category="adult")
        for n, item in enumerate(items)
    ])  # fmt: skip
    for loan in Loan.objects.filter(reader=reader, due_at__lt=now)[:5]:
        Fee.objects.create(reader=reader, library=library, loan=loan, kind=FeeKind.OVERDUE, amount=6000,
                           accruing=True)  # fmt: skip


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_a_reader_with_300_loans_opens_in_a_constant_number_of_queries(
    desk,
    reader,
    other_reader,
    network,
    django_assert_max_num_queries,
):
    lend_many(other_reader, network["prov"], 3)
    lend_many(reader, network["prov"], 300, start=1000)
    desk.get("/staff/desk/")  # the first request of a session stores the desk library
    small = _queries(desk, f"/staff/desk/readers/{other_reader.pk}/")
    large = _queries(desk, f"/staff/desk/readers/{reader.pk}/")
    assert large == small
    with django_assert_max_num_queries(small):
        page = desk.get(f"/staff/desk/readers/{reader.pk}/")
    text = page.content.decode()
    assert "Đang mượn: 300 bản" in text and "100 quá hạn" in text
    assert text.count('name="loan"') == 300


def test_loan_and_fee_rows_escape_what_they_show(desk, reader, network):
    """The loans and fees rows are built in Python: nothing from a record or a note may become markup."""
    lend_many(reader, network["prov"], 2)
    Record.objects.filter(title="Tài liệu số 0").update(title='<script>alert("x")</script> & Co')
    Item.objects.filter(barcode="BULK00001").update(barcode='B"><img src=x>')
    Fee.objects.create(
        reader=reader, library=network["prov"], kind=FeeKind.OTHER, amount=1000, note="<i>ghi chú</i>"
    )
    text = desk.get(f"/staff/desk/readers/{reader.pk}/").content.decode()
    assert (
        "<script>alert" not in text and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in text
    )
    assert "<img src=x>" not in text and "B&quot;&gt;&lt;img src=x&gt;" in text
    assert "<i>ghi chú</i>" not in text and "&lt;i&gt;ghi chú&lt;/i&gt;" in text
