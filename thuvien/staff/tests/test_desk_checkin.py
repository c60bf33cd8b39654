"""The checkin page: one clear instruction per copy, fines, the session's running list, slips."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from thuvien.catalog.models import ItemStatus
from thuvien.circulation import actions
from thuvien.circulation.models import Hold
from thuvien.circulation.tests import conftest as circulation_cast

pytestmark = pytest.mark.django_db

# The circulation tests' cast: readers of the test province, copies at its libraries, a librarian.
circulation_librarian = circulation_cast.circulation_librarian
make_item = circulation_cast.make_item
other_reader = circulation_cast.other_reader
reader = circulation_cast.reader

HTMX = {"HTTP_HX_REQUEST": "true"}
URL = "/staff/desk/checkin/"


@pytest.fixture
def desk(client, circulation_librarian):
    client.force_login(circulation_librarian)
    return client


def _instruction(html: str) -> str:
    return html.split('<p class="instruction">')[1].split("</p>")[0]


def test_a_copy_of_this_library_goes_back_on_the_shelf_with_its_fine(desk, reader, make_item, network):
    item = make_item(barcode="BACK-1")
    actions.checkout(
        item=item, reader=reader, library=network["prov"], now=timezone.now() - dt.timedelta(days=19)
    )
    response = desk.post(URL, {"barcode": "BACK-1"}, **HTMX)
    assert response.status_code == 200
    text = response.content.decode()
    assert "do-shelve" in text and "Xếp lên giá" in _instruction(text)
    assert "Phạt quá hạn 10.000 đ (5 ngày quá hạn)" in text
    assert "Nguyễn Thị Hoà (TST0001)" in text and "trả muộn" in text
    assert "In phiếu" not in text  # nothing to print for the shelf
    item.refresh_from_db()
    assert item.status == ItemStatus.AVAILABLE


def test_a_copy_of_another_library_is_sent_home_with_a_transit_slip(desk, reader, make_item, network):
    item = make_item("commune", barcode="HOME-1")
    actions.checkout(item=item, reader=reader, library=network["commune"])
    text = desk.post(URL, {"barcode": "HOME-1"}, **HTMX).content.decode()
    assert "do-transit" in text and _instruction(text).endswith("Chuyển đến Thư viện xã Hòa Bình")
    slip_url = f"/staff/desk/slips/{item.pk}/"
    assert f'href="{slip_url}"' in text and "In phiếu chuyển" in text
    slip = desk.get(slip_url).content.decode()
    assert "Phiếu luân chuyển" in slip and "Gửi đến: <strong>Thư viện xã Hòa Bình</strong>" in slip
    assert "HOME-1" in slip and "Trả về thư viện sở hữu" in slip
    assert "window.print()" in slip and "desk.css" in slip


def test_a_copy_someone_waits_for_here_goes_on_the_hold_shelf(desk, reader, other_reader, make_item, network):
    item = make_item(barcode="HOLD-1")
    actions.checkout(item=item, reader=reader, library=network["prov"])
    hold = actions.place_hold(reader=other_reader, record=item.record, pickup_library=network["prov"])
    text = desk.post(URL, {"barcode": "HOLD-1"}, **HTMX).content.decode()
    hold.refresh_from_db()
    expiry = f"{timezone.localtime(hold.expires_at):%d/%m/%Y}"
    assert "do-hold_shelf" in text
    assert f"Đặt lên kệ giữ cho Trần Văn Bình (thẻ TST0002) đến {expiry}" in _instruction(text)
    slip = desk.get(f"/staff/desk/slips/{item.pk}/").content.decode()
    assert "Phiếu giữ tài liệu" in slip and "Trần Văn Bình" in slip and "TST0002" in slip and expiry in slip


def test_a_copy_wanted_at_another_library_is_sent_there(desk, reader, other_reader, make_item, network):
    item = make_item(barcode="AWAY-1")
    actions.checkout(item=item, reader=reader, library=network["prov"])
    actions.place_hold(reader=other_reader, record=item.record, pickup_library=network["commune"])
    text = desk.post(URL, {"barcode": "AWAY-1"}, **HTMX).content.decode()
    assert _instruction(text).endswith("Chuyển đến Thư viện xã Hòa Bình")
    assert "Giữ cho Trần Văn Bình (thẻ TST0002), nhận tại Thư viện xã Hòa Bình." in text
    assert Hold.objects.get(reader=other_reader).status == "in_transit"
    slip = desk.get(f"/staff/desk/slips/{item.pk}/").content.decode()
    assert "Phiếu luân chuyển" in slip and "Trần Văn Bình" in slip


def test_the_session_keeps_a_running_list(desk, reader, make_item, network):
    for barcode in ("LIST-1", "LIST-2"):
        actions.checkout(item=make_item(barcode=barcode), reader=reader, library=network["prov"])
        assert desk.post(URL, {"barcode": barcode}).status_code == 302  # without JavaScript
    page = desk.get(URL).content.decode()
    listed = page.split('id="checkin-results"')[1].split("</ol>")[0]
    assert listed.index("LIST-2") < listed.index("LIST-1")
    assert listed.count("Xếp lên giá") == 2
    missing = desk.post(URL, {"barcode": "KHONG-CO"})
    assert missing.status_code == 404 and "Không có bản sách mang mã vạch này" in missing.content.decode()
    desk.post(URL, {"clear": "1"})
    assert "LIST-1" not in desk.get(URL).content.decode()


def test_a_copy_on_the_shelf_has_no_slip(desk, make_item):
    item = make_item(barcode="SHELF-1")
    assert desk.get(f"/staff/desk/slips/{item.pk}/").status_code == 404


def test_print_styles_hide_the_page_chrome(desk):
    from django.contrib.staticfiles import finders

    css = open(finders.find("css/desk.css"), encoding="utf-8").read()
    printing = css.split("@media print")[1]
    assert "header.site" in printing and "display: none" in printing
