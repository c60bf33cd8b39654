"""Holds at the desk: placing one for a reader, cancelling, the pull list, the hold shelf, transits."""

from __future__ import annotations

import pytest
from django.utils import timezone

from thuvien.circulation import actions
from thuvien.circulation.models import Hold, HoldStatus
from thuvien.circulation.tests import conftest as circulation_cast

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


def test_place_a_hold_by_record_number(desk, reader, other_reader, make_item, network):
    item = make_item("school", barcode="H-1")
    actions.checkout(item=item, reader=other_reader, library=network["school"])
    url = f"/staff/desk/readers/{reader.pk}/holds/new/"
    page = desk.get(url, {"q": str(item.record_id)}).content.decode()
    assert item.record.title in page and "1 bản trong mạng lưới, 0 bản đang có trên giá" in page
    assert "Thư viện xã Hòa Bình" in page and "Thư viện tỉnh Khác" not in page  # pickups of this network only
    response = desk.post(url, {"record": item.record_id, "pickup": network["commune"].pk})
    assert response.status_code == 302 and response["Location"].endswith("#holds")
    hold = Hold.objects.get(reader=reader)
    assert (
        hold.pickup_library == network["commune"]
        and hold.status == HoldStatus.WAITING
        and hold.channel == "desk"
    )
    again = desk.post(url, {"record": item.record_id, "pickup": network["commune"].pk}, follow=True)
    assert "Bạn đọc đã yêu cầu giữ tài liệu này rồi." in again.content.decode()
    other_network = desk.post(
        url, {"record": item.record_id, "pickup": network["other_prov"].pk}, follow=True
    )
    assert "Hãy chọn tài liệu và thư viện nhận." in other_network.content.decode()


def test_place_a_hold_found_by_title_without_diacritics(desk, reader, make_item, network):
    from thuvien.catalog.actions import save_record
    from thuvien.catalog.tests.factories import marc_record
    from thuvien.search.indexer import apply_outbox

    record = save_record(None, marc_record("Đất rừng phương Nam", "Đoàn Giỏi"), library=network["prov"])
    make_item("prov", record=record, barcode="DRPN-1")
    apply_outbox()
    page = desk.get(
        f"/staff/desk/readers/{reader.pk}/holds/new/", {"q": "dat rung phuong nam"}
    ).content.decode()
    assert "Đất rừng phương Nam" in page and f'name="record" value="{record.pk}"' in page
    assert "1 bản đang có trên giá" in page


def test_cancel_a_hold(desk, reader, other_reader, make_item, network):
    item = make_item(barcode="C-1")
    actions.checkout(item=item, reader=other_reader, library=network["prov"])
    hold = actions.place_hold(reader=reader, record=item.record, pickup_library=network["prov"])
    page = desk.get(f"/staff/desk/readers/{reader.pk}/").content.decode()
    assert f"/staff/desk/readers/{reader.pk}/holds/{hold.pk}/cancel/" in page
    # Through another reader's page the hold is not found.
    assert desk.post(f"/staff/desk/readers/{other_reader.pk}/holds/{hold.pk}/cancel/").status_code == 404
    response = desk.post(f"/staff/desk/readers/{reader.pk}/holds/{hold.pk}/cancel/", follow=True)
    assert "Đã hủy yêu cầu giữ." in response.content.decode()
    assert Hold.objects.get(pk=hold.pk).status == HoldStatus.CANCELLED


def test_pull_list_hold_shelf_and_transits(desk, reader, other_reader, make_item, network):
    # A copy on the shelf here that a waiting hold (pickup at the commune) could take.
    on_shelf = make_item("prov", barcode="PULL-1", call_number="895.922 T")
    actions.place_hold(reader=reader, record=on_shelf.record, pickup_library=network["commune"])
    # A copy waiting on this library's hold shelf.
    ready_item = make_item("prov", barcode="READY-1")
    actions.checkout(item=ready_item, reader=reader, library=network["prov"])
    ready = actions.place_hold(reader=other_reader, record=ready_item.record, pickup_library=network["prov"])
    actions.checkin(item=ready_item, library=network["prov"])
    # A copy on its way here.
    moving = make_item("prov", barcode="MOVE-1")
    actions.checkout(item=moving, reader=reader, library=network["prov"])
    actions.checkin(item=moving, library=network["commune"])
    page = desk.get("/staff/desk/holds/").content.decode()
    pull = page.split('id="pull-h"')[1].split("</section>")[0]
    assert "PULL-1" in pull and "895.922 T" in pull and "Thư viện xã Hòa Bình" in pull
    shelf = page.split('id="shelf-h"')[1].split("</section>")[0]
    ready.refresh_from_db()
    assert "READY-1" in shelf and "Trần Văn Bình" in shelf
    assert f"{timezone.localtime(ready.expires_at):%d/%m/%Y}" in shelf
    assert f"/staff/desk/slips/{ready_item.pk}/" in shelf
    incoming = page.split('id="incoming-h"')[1].split("</section>")[0]
    assert "MOVE-1" in incoming and "Thư viện xã Hòa Bình" in incoming
    # At the commune desk the same lists read differently.
    session = desk.session
    session["desk_library"] = network["commune"].pk
    session.save()
    commune = desk.get("/staff/desk/holds/").content.decode()
    assert "PULL-1" not in commune and "READY-1" not in commune and "MOVE-1" not in commune
