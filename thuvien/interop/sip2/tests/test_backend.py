"""What a kiosk may do, and for whom: PINs, rate limits, its own library only, routing at checkin."""

from __future__ import annotations

import pytest

from thuvien.interop.sip2 import messages as m

from .conftest import KIOSK_PASSWORD
from .helpers import D, RawClient

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
NO_DATE = " " * 18


def logged_in(server, login="kiosk-tinh") -> RawClient:
    client = RawClient(server.port)
    assert client.login(login, KIOSK_PASSWORD)
    return client


def info(client, card, pin=None, summary=" " * 10, ao="VN-TST") -> m.Message:
    pin_field = f"AD{pin}|" if pin is not None else ""
    return client.request(f"63000{D}{summary}AO{ao}|AA{card}|AC|{pin_field}")


def checkout(client, card, barcode, pin=None, ao="VN-TST") -> m.Message:
    pin_field = f"AD{pin}|" if pin is not None else ""
    return client.request(f"11NN{D}{NO_DATE}AO{ao}|AA{card}|AB{barcode}|AC|{pin_field}")


def checkin(client, barcode, ao="") -> m.Message:
    return client.request(f"09N{D}{D}APkiosk|AO{ao}|AB{barcode}|AC|")


# --- patrons and PINs -----------------------------------------------------------------------------


def test_patron_information_needs_the_pin_for_personal_data(kiosk, reader, sip2d):
    client = logged_in(sip2d)
    anonymous = info(client, "TST0001")
    assert anonymous.get("BL") == "Y" and not anonymous.has("CQ")
    assert anonymous.get("AE") == "" and "PIN" in anonymous.get("AF")
    wrong = info(client, "TST0001", "9999")
    assert wrong.get("BL") == "Y" and wrong.get("CQ") == "N" and wrong.get("AE") == ""
    assert wrong.get("AF") == "Mã PIN không đúng."
    right = info(client, "tst0001", "1234")  # card numbers are not case-sensitive
    assert right.get("CQ") == "Y" and right.get("AE") == "Nguyễn Thị Hoà"
    assert right.get("BH") == "VND" and right.get("BV") == "0" and right.get("CC") == "50000"
    unknown = info(client, "NOBODY", "1234")
    assert unknown.get("BL") == "N"


def test_checkout_needs_a_pin_once_per_patron_session(kiosk, reader, make_item, sip2d):
    client = logged_in(sip2d)
    a, b, c = make_item(), make_item(), make_item()
    refused = checkout(client, "TST0001", a.barcode)
    assert refused.fixed["ok"] == "0" and refused.get("AF") == "Vui lòng nhập mã PIN."
    assert checkout(client, "TST0001", a.barcode, pin="1234").fixed["ok"] == "1"
    assert checkout(client, "TST0001", b.barcode).fixed["ok"] == "1"  # same patron session
    assert client.request(f"35{D}AOVN-TST|AATST0001|").fixed["end_session"] == "Y"
    assert checkout(client, "TST0001", c.barcode).fixed["ok"] == "0"
    # Another connection (another kiosk session) does not inherit the proof either.
    assert checkout(logged_in(sip2d), "TST0001", c.barcode).fixed["ok"] == "0"


def test_an_account_without_pin_requirement_serves_on_the_card_alone(network, reader, make_item, sip2d):
    from thuvien.interop.sip2.actions import add_account

    add_account("may-quay", KIOSK_PASSWORD, "VN-TST", patron_pin_required=False)
    client = logged_in(sip2d, "may-quay")
    assert checkout(client, "TST0001", make_item().barcode).fixed["ok"] == "1"
    # A wrong PIN, when one is sent, is still refused.
    assert checkout(client, "TST0001", make_item().barcode, pin="0000").fixed["ok"] == "0"


def test_wrong_pins_are_rate_limited_per_card(kiosk, reader, sip2d):
    client = logged_in(sip2d)
    for _ in range(5):
        assert info(client, "TST0001", "0000").get("CQ") == "N"
    locked = info(client, "TST0001", "1234")
    assert locked.get("CQ") == "N" and "quá nhiều lần" in locked.get("AF")
    # Also from a fresh connection: the lock is on the card.
    assert info(logged_in(sip2d), "TST0001", "1234").get("CQ") == "N"


def test_guessing_across_cards_is_stopped_per_connection(kiosk, reader, sip2d):
    client = logged_in(sip2d)
    for n in range(10):
        info(client, f"GUESS{n:03d}", "0000")
    blocked = info(client, "TST0001", "1234")
    assert blocked.get("CQ") == "N" and "quá nhiều lần" in blocked.get("AF")
    assert info(logged_in(sip2d), "TST0001", "1234").get("CQ") == "Y"


def test_patron_status_reports_blocks_as_flags(kiosk, reader, make_item, sip2d):
    import datetime as dt

    from django.utils import timezone

    from thuvien.circulation import actions

    late = make_item()
    actions.checkout(
        item=late, reader=reader, library=kiosk.library, now=timezone.now() - dt.timedelta(days=30)
    )
    client = logged_in(sip2d)
    status = client.request(f"23000{D}AOVN-TST|AATST0001|AC|AD1234|")
    flags = status.fixed["patron_status"]
    assert flags[0] == "Y" and flags[3] == "Y" and flags[6] == "Y"  # charge, hold denied; too many overdue
    assert flags[1] == " "  # renewing is how an overdue loan gets back in order
    assert "quá hạn" in status.get("AF")
    overdue = info(client, "TST0001", summary=" Y        ")
    assert overdue.fixed["overdue_items_count"] == "0001" and overdue.getall("AT") == [late.barcode]
    refused = checkout(client, "TST0001", make_item().barcode)
    assert refused.fixed["ok"] == "0" and "quá hạn" in refused.get("AF")


def test_item_lists_honour_start_and_end_item(kiosk, reader, make_item, sip2d):
    from thuvien.circulation import actions

    items = [make_item() for _ in range(4)]
    for item in items:
        actions.checkout(item=item, reader=reader, library=kiosk.library)
    client = logged_in(sip2d)
    window = client.request(f"63000{D}  Y       AOVN-TST|AATST0001|AD1234|BP2|BQ3|")
    assert window.fixed["charged_items_count"] == "0004"
    assert len(window.getall("AU")) == 2


# --- one library only ------------------------------------------------------------------------------


def test_a_kiosk_lends_only_copies_at_its_library(commune_kiosk, reader, make_item, sip2d):
    client = logged_in(sip2d, "kiosk-xa")
    at_province = make_item("prov")
    refused = checkout(client, "TST0001", at_province.barcode, pin="1234", ao="")
    assert refused.fixed["ok"] == "0"
    assert refused.get("AF") == "Bản này không thuộc thư viện này; mời bạn đến quầy thủ thư."
    here = make_item("commune")
    done = checkout(client, "TST0001", here.barcode, ao="")
    assert done.fixed["ok"] == "1" and done.get("AO") == "VN-TST-XA"


def test_a_kiosk_cannot_act_in_the_name_of_another_library(kiosk, commune_kiosk, reader, make_item, sip2d):
    client = logged_in(sip2d, "kiosk-xa")
    item = make_item("prov")
    refused = checkout(client, "TST0001", item.barcode, pin="1234", ao="VN-TST")
    assert refused.fixed["ok"] == "0" and "không làm việc cho thư viện khác" in refused.get("AF")
    assert client.request(f"17{D}AOVN-TST|AB{item.barcode}|").fixed["circulation_status"] == "01"
    # Free text in AO (a kiosk's factory default) is tolerated.
    assert client.request(f"17{D}AOMy Test Institute|AB{item.barcode}|").fixed["circulation_status"] == "03"


def test_a_kiosk_of_another_network_cannot_serve_this_networks_readers(
    other_network_kiosk, reader, make_item, sip2d
):
    client = logged_in(sip2d, "kiosk-khac")
    there = make_item("other_prov")
    refused = checkout(client, "TST0001", there.barcode, pin="1234", ao="VN-KHAC")
    assert refused.fixed["ok"] == "0" and "mạng lưới thư viện khác" in refused.get("AF")
    ours = make_item("prov")
    assert checkin(client, ours.barcode).fixed["ok"] == "0"


def test_refusals_speak_vietnamese(kiosk, reader, other_reader, make_item, sip2d):
    from thuvien.circulation import actions

    item = make_item()
    actions.checkout(item=item, reader=other_reader, library=kiosk.library)
    client = logged_in(sip2d)
    refused = checkout(client, "TST0001", item.barcode, pin="1234")
    assert refused.fixed["ok"] == "0" and refused.fixed["desensitize"] == "N"
    assert refused.get("AF") == "Bản này đang được bạn đọc khác mượn."
    assert checkout(client, "TST0001", "NO-SUCH").get("AF") == "Không có bản sách mang mã vạch này."


def test_checkout_of_own_copy_renews_when_the_kiosk_allows(kiosk, reader, make_item, sip2d):
    client = logged_in(sip2d)
    item = make_item()
    assert checkout(client, "TST0001", item.barcode, pin="1234").fixed["ok"] == "1"
    again = checkout(client, "TST0001", item.barcode)
    assert again.fixed["ok"] == "0" and "gia hạn" in again.get("AF")
    renewed = client.request(f"11YN{D}{NO_DATE}AOVN-TST|AATST0001|AB{item.barcode}|AC|")
    assert renewed.fixed["ok"] == "1" and renewed.fixed["renewal_ok"] == "Y"


def test_renew_refused_for_someone_elses_copy(kiosk, reader, other_reader, make_item, sip2d):
    from thuvien.circulation import actions

    item = make_item()
    actions.checkout(item=item, reader=other_reader, library=kiosk.library)
    client = logged_in(sip2d)
    refused = client.request(f"29NN{D}{NO_DATE}AOVN-TST|AATST0001|AD1234|AB{item.barcode}|")
    assert refused.fixed["ok"] == "0" and refused.get("AF") == "Bạn không mượn bản này."


# --- checkin routing ------------------------------------------------------------------------------


def test_checkin_of_a_copy_from_another_library_sends_it_home(kiosk, commune_kiosk, reader, make_item, sip2d):
    from thuvien.circulation import actions

    item = make_item("prov")
    actions.checkout(item=item, reader=reader, library=kiosk.library)
    answer = checkin(logged_in(sip2d, "kiosk-xa"), item.barcode)
    assert answer.fixed["ok"] == "1" and answer.fixed["alert"] == "Y"
    assert answer.get("CV") == m.AlertType.TRANSFER and answer.get("CT") == "VN-TST"
    assert answer.get("AQ") == "VN-TST" and answer.get("AA") == "TST0001"


def test_checkin_traps_a_hold_for_this_library_and_for_another(
    network, kiosk, reader, other_reader, make_item, sip2d
):
    from thuvien.circulation import actions
    from thuvien.patrons.actions import register_reader

    first, second = make_item(), None
    second = make_item(record=first.record)
    actions.checkout(item=first, reader=reader, library=kiosk.library)
    actions.checkout(item=second, reader=reader, library=kiosk.library)
    client = logged_in(sip2d)
    # The other reader asks for the title through the kiosk, to pick up here.
    hold = client.request(f"15+{D}BSVN-TST|AOVN-TST|AATST0002|AD5678|AB{first.barcode}|")
    assert hold.fixed["ok"] == "1" and hold.get("BR") == "1" and hold.get("BS") == "VN-TST"
    local = checkin(client, first.barcode)
    assert local.get("CV") == m.AlertType.LOCAL_HOLD and local.get("CT") == "VN-TST"
    assert local.get("CY") == "TST0002" and "Trần" not in local.get("AF")
    # A third reader's hold, to be picked up at the commune: the next copy goes there.
    third = register_reader(card="TST0003", full_name="Lê Văn Cường", home_library=network["commune"],
                            category="adult", pin="4321")  # fmt: skip
    actions.place_hold(reader=third, record=first.record, pickup_library=network["commune"])
    remote = checkin(client, second.barcode)
    assert remote.get("CV") == m.AlertType.REMOTE_HOLD and remote.get("CT") == "VN-TST-XA"
    item_info = client.request(f"17{D}AOVN-TST|AB{second.barcode}|")
    assert item_info.fixed["circulation_status"] == m.CirculationStatus.IN_TRANSIT


def test_item_information(kiosk, reader, make_item, sip2d):
    from thuvien.circulation import actions

    item = make_item()
    loan = actions.checkout(item=item, reader=reader, library=kiosk.library)
    answer = logged_in(sip2d).request(f"17{D}AOVN-TST|AB{item.barcode}|")
    assert answer.fixed["circulation_status"] == "04"
    assert m.parse_date(answer.get("AH")) == loan.due_at
    assert answer.get("CF") == "0" and answer.get("BG") == "VN-TST" and answer.get("AP") == "VN-TST"
    assert answer.get("AJ") == item.record.title
    unknown = logged_in(sip2d).request(f"17{D}AOVN-TST|ABNOPE|")
    assert unknown.fixed["circulation_status"] == "01"


# --- fees ---------------------------------------------------------------------------------------------


@pytest.fixture
def fine(reader, kiosk):
    from thuvien.circulation.models import Fee

    return Fee.objects.create(
        reader=reader, library=kiosk.library, kind="other", amount=20000, note="thẻ mới"
    )


def fee_paid(client, amount, *, currency="VND", tx="", fee_id="", pin="1234"):
    extra = (f"BK{tx}|" if tx else "") + (f"CG{fee_id}|" if fee_id else "")
    return client.request(f"37{D}0100{currency}BV{amount}|AOVN-TST|AATST0001|AC|AD{pin}|{extra}")


def test_fee_paid_in_part_then_in_full(fine, sip2d):
    from thuvien.circulation.models import Payment

    client = logged_in(sip2d)
    assert fee_paid(client, "5000", fee_id=str(fine.pk)).fixed["payment_accepted"] == "Y"
    rest = fee_paid(client, "15000.00")
    assert rest.fixed["payment_accepted"] == "Y" and "Biên lai" in rest.get("AF")
    fine.refresh_from_db()
    assert fine.outstanding == 0 and Payment.objects.filter(channel="sip2").count() == 2


def test_fee_paid_refusals(fine, sip2d):
    client = logged_in(sip2d)
    assert fee_paid(client, "30000").fixed["payment_accepted"] == "N"  # more than owed
    assert fee_paid(client, "5", currency="USD").get("AF") == "Chỉ nhận thanh toán bằng đồng Việt Nam (VND)."
    assert fee_paid(client, "abc").fixed["payment_accepted"] == "N"
    assert fee_paid(client, "-5").fixed["payment_accepted"] == "N"
    assert fee_paid(client, "5", fee_id="999999").get("AF") == "Không tìm thấy khoản phí này."
    assert fee_paid(client, "5", pin="0000").fixed["payment_accepted"] == "N"


def test_a_payment_sent_twice_is_taken_once(fine, sip2d):
    from thuvien.circulation.models import Payment

    client = logged_in(sip2d)
    first = fee_paid(client, "5000", tx="TX-1")
    again = fee_paid(client, "5000", tx="TX-1")
    assert first.fixed["payment_accepted"] == again.fixed["payment_accepted"] == "Y"
    assert Payment.objects.count() == 1


# --- holds ------------------------------------------------------------------------------------------


def test_hold_by_record_number_and_refusals(kiosk, reader, make_item, sip2d):
    item = make_item()
    client = logged_in(sip2d)
    placed = client.request(f"15+{D}AOVN-TST|AATST0001|AD1234|AJ{item.record_id}|")
    assert placed.fixed["ok"] == "1" and placed.fixed["available"] == "Y"
    twice = client.request(f"15+{D}AOVN-TST|AATST0001|AJ{item.record_id}|")
    assert twice.fixed["ok"] == "0" and "rồi" in twice.get("AF")
    assert client.request(f"15*{D}AOVN-TST|AATST0001|AJ{item.record_id}|").fixed["ok"] == "0"
    assert client.request(f"15+{D}AOVN-TST|AATST0001|AJTruyện Kiều|").fixed["ok"] == "0"
    assert client.request(f"15+{D}BSVN-NOPE|AOVN-TST|AATST0001|AB{item.barcode}|").fixed["ok"] == "0"
    assert client.request(f"15-{D}AOVN-TST|AATST0001|AJ{item.record_id}|").fixed["ok"] == "1"
    assert client.request(f"15-{D}AOVN-TST|AATST0001|AJ{item.record_id}|").fixed["ok"] == "0"


def test_messages_thuvien_does_not_do_from_a_kiosk(kiosk, reader, sip2d):
    client = logged_in(sip2d)
    assert client.request(f"01N{D}AOVN-TST|ALcard left|AATST0001|AC|").code == "24"
    assert client.request(f"19{D}AOVN-TST|ABX|AC|CHx|").fixed["item_properties_ok"] == "0"
    assert client.request(f"25{D}AOVN-TST|AATST0001|AC|").code == "26"
