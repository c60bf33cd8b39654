"""Holds from the OPAC: placed from the record page with a pickup library, queue position, cancel, pause."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from thuvien.circulation import actions
from thuvien.circulation.models import Hold, HoldStatus
from thuvien.circulation.tests import conftest as circulation_cast
from thuvien.network.actions import add_library

pytestmark = pytest.mark.django_db

# The circulation tests' cast: readers of the test province, copies at its libraries.
make_item = circulation_cast.make_item
other_reader = circulation_cast.other_reader
reader = circulation_cast.reader

ACCOUNT = "/ban-doc/"


@pytest.fixture
def signed_in(client, reader):
    assert client.post("/ban-doc/dang-nhap/", {"card": reader.card, "pin": "1234"}).status_code == 302
    return client


def _options(page: str) -> dict[str, bool]:
    """The pickup libraries offered: name → selected."""
    return {
        name.replace("\xa0", "").strip(): bool(selected)
        for selected, name in re.findall(r'<option value="\d+"( selected)?>([^<]*)</option>', page)
    }


def test_place_hold_from_the_record_page_and_see_position_one(signed_in, reader, make_item, network):
    item = make_item("commune")
    actions.checkout(item=item, reader=_borrower(network), library=network["commune"])
    record_page = signed_in.get(f"/record/{item.record_id}/").content.decode()
    hold_url = f"/ban-doc/dat-giu/{item.record_id}/"
    assert f'href="{hold_url}"' in record_page and "Đặt giữ" in record_page
    form = signed_in.get(hold_url).content.decode()
    options = _options(form)
    # The reader's network only, his home library chosen for him.
    assert options == {"Thư viện tỉnh Thử Nghiệm": True, "Thư viện xã Hòa Bình": False,
                       "Thư viện Trường THPT Lê Quý Đôn": False}  # fmt: skip
    response = signed_in.post(hold_url, {"pickup_library": network["school"].pk}, follow=True)
    text = response.content.decode()
    assert "Bạn đứng thứ 1 trong hàng chờ" in text
    hold = Hold.objects.get(reader=reader, record=item.record)
    assert hold.pickup_library == network["school"] and hold.channel == "opac"
    assert "thứ 1 trong hàng chờ" in text and "Nhận tại Thư viện Trường THPT Lê Quý Đôn" in text


def _borrower(network):
    from thuvien.patrons.actions import register_reader

    return register_reader(card="TST0099", full_name="Người Mượn", home_library=network["prov"], category="adult",
                           pin="1111")  # fmt: skip


def test_second_in_the_queue(signed_in, reader, other_reader, make_item, network):
    item = make_item()
    actions.checkout(item=item, reader=_borrower(network), library=network["prov"])
    actions.place_hold(reader=other_reader, record=item.record, pickup_library=network["prov"])
    text = signed_in.post(f"/ban-doc/dat-giu/{item.record_id}/", {"pickup_library": network["prov"].pk},
                          follow=True).content.decode()  # fmt: skip
    assert "Bạn đứng thứ 2 trong hàng chờ" in text and "thứ 2 trong hàng chờ" in text


def test_hold_refused_with_the_circulation_message(signed_in, reader, make_item, network):
    item = make_item()
    url = f"/ban-doc/dat-giu/{item.record_id}/"
    assert signed_in.post(url, {"pickup_library": network["prov"].pk}).status_code == 302
    again = signed_in.post(url, {"pickup_library": network["prov"].pk})
    assert again.status_code == 400
    assert "Bạn đọc đã yêu cầu giữ tài liệu này rồi." in again.content.decode()
    assert Hold.objects.filter(reader=reader).count() == 1


def test_pickup_library_outside_the_network_is_not_offered_nor_accepted(
    signed_in, reader, make_item, network
):
    add_library("VN-KHAC-XA", "Thư viện xã Khác", "commune", "VN-KHAC")
    item = make_item()
    url = f"/ban-doc/dat-giu/{item.record_id}/"
    assert "Khác" not in signed_in.get(url).content.decode()
    response = signed_in.post(url, {"pickup_library": network["other_prov"].pk})
    assert response.status_code == 400 and not Hold.objects.exists()


def test_unknown_or_suppressed_record_is_404(signed_in, make_item):
    item = make_item()
    item.record.__class__.objects.filter(pk=item.record_id).update(suppressed=True)
    assert signed_in.get(f"/ban-doc/dat-giu/{item.record_id}/").status_code == 404
    assert signed_in.get("/ban-doc/dat-giu/999999/").status_code == 404


def test_cancel_a_hold(signed_in, reader, make_item, network):
    item = make_item()
    hold = actions.place_hold(reader=reader, record=item.record, pickup_library=network["prov"])
    text = signed_in.post(f"/ban-doc/yeu-cau-giu/{hold.pk}/huy/", follow=True).content.decode()
    assert f"Đã hủy yêu cầu giữ «{item.record.title}»." in text
    assert Hold.objects.get(pk=hold.pk).status == HoldStatus.CANCELLED
    assert "Yêu cầu giữ tài liệu (0)" in text
    again = signed_in.post(f"/ban-doc/yeu-cau-giu/{hold.pk}/huy/", follow=True).content.decode()
    assert "Yêu cầu này đã kết thúc." in again


def test_suspend_and_resume_a_hold(signed_in, reader, make_item, network):
    item = make_item()
    actions.checkout(item=item, reader=_borrower(network), library=network["prov"])
    hold = actions.place_hold(reader=reader, record=item.record, pickup_library=network["prov"])
    until = timezone.localdate() + dt.timedelta(days=20)
    text = signed_in.post(f"/ban-doc/yeu-cau-giu/{hold.pk}/tam-dung/", {"until": until.isoformat()},
                          follow=True).content.decode()  # fmt: skip
    assert Hold.objects.get(pk=hold.pk).suspended_until == until
    assert f"Tạm dừng đến {until:%d/%m/%Y}" in text and "Tiếp tục</button>" in text
    past = signed_in.post(f"/ban-doc/yeu-cau-giu/{hold.pk}/tam-dung/", {"until": "2001-01-01"}, follow=True)
    assert "Hãy chọn một ngày sau hôm nay." in past.content.decode()
    assert Hold.objects.get(pk=hold.pk).suspended_until == until
    signed_in.post(f"/ban-doc/yeu-cau-giu/{hold.pk}/tiep-tuc/")
    assert Hold.objects.get(pk=hold.pk).suspended_until is None


def test_ready_hold_shows_until_when_it_is_kept(signed_in, reader, make_item, network):
    item = make_item()
    hold = actions.place_hold(reader=reader, record=item.record, pickup_library=network["prov"])
    actions.checkin(item=item, library=network["prov"])
    hold.refresh_from_db()
    assert hold.status == HoldStatus.READY
    text = signed_in.get(ACCOUNT).content.decode()
    assert "Sẵn sàng để nhận" in text
    assert f"{timezone.localtime(hold.expires_at):%d/%m/%Y}</time>" in text and "giữ cho bạn đến" in text
    assert "Tạm dừng</button>" not in text  # only a waiting hold can pause
