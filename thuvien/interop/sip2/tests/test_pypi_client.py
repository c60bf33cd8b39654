"""Acceptance 4: an independent SIP2 client from PyPI (``sip2`` 1.1) completes a kiosk session over TCP.

Login, SC status, patron information, checkout, renew, checkin (of an overdue copy, which leaves a
fine), fee paid, renew all, item information, hold, patron status and end session: every request is
built and every answer parsed by that library, not by thuvien's codec.
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.utils import timezone

from .conftest import KIOSK_PASSWORD

Sip2 = pytest.importorskip("Sip2.sip2").Sip2

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def client(sip2d, tmp_path):
    sip = Sip2()
    sip.hostName, sip.hostPort = "127.0.0.1", sip2d.port
    sip.tlsEnable = False  # the library tries TLS first by default; sip2d here is plain TCP
    sip.socketTimeout = 10
    sip.logfile_path = str(tmp_path)
    sip.institutionId = "VN-TST"
    sip.scLocation = "Sảnh tầng 1"
    sip.connect()
    yield sip
    sip.disconnect()
    for handler in list(sip.log.handlers):
        sip.log.removeHandler(handler)
        handler.close()
    logging.getLogger("Sip2").handlers.clear()


def ask(sip, request, parse):
    return parse(sip.get_response(request))


def test_a_kiosk_session_with_the_pypi_client(client, kiosk, reader, make_item):
    from thuvien.audit.models import AuditEntry
    from thuvien.circulation import actions
    from thuvien.circulation.models import Fee, Loan, Payment

    book, late_book = make_item(), make_item()
    # A loan made at the desk 40 days ago: it is overdue, and returning it at the kiosk costs a fine.
    actions.checkout(
        item=late_book, reader=reader, library=kiosk.library, now=timezone.now() - dt.timedelta(days=40)
    )

    sip = client
    login = ask(sip, sip.sip_login_request("kiosk-tinh", KIOSK_PASSWORD), sip.sip_login_response)
    assert login["fixed"]["Ok"] == "1"
    status = ask(sip, sip.sip_sc_status_request(), sip.sip_sc_status_response)
    assert status["fixed"]["OnlineStatus"] == "Y" and status["fixed"]["CheckoutOk"] == "Y"
    assert status["variable"]["AO"] == ["VN-TST"]

    sip.patron, sip.patronpwd = "TST0001", "1234"
    info = ask(sip, sip.sip_patron_information_request("overdue"), sip.sip_patron_information_response)
    assert info["variable"]["BL"] == ["Y"] and info["variable"]["CQ"] == ["Y"]
    assert info["variable"]["AE"] == ["Nguyễn Thị Hoà"]
    assert info["fixed"]["ChargedItemsCount"] == "0001" and info["fixed"]["OverdueItemsCount"] == "0001"
    assert info["variable"]["AT"] == [late_book.barcode]
    assert info["fixed"]["PatronStatus"][0] == "Y"  # an overdue copy: charge privileges denied
    assert "quá hạn" in info["variable"]["AF"][0]

    # The overdue copy comes back first (the fine stays owed), then borrowing is open again.
    checkin = ask(sip, sip.sip_checkin_request(late_book.barcode), sip.sip_checkin_response)
    assert checkin["fixed"]["Ok"] == "1"
    assert "phí phạt" in checkin["variable"]["AF"][0]
    fine = Fee.objects.get(reader=reader)
    assert fine.outstanding > 0

    checkout = ask(sip, sip.sip_checkout_request(book.barcode), sip.sip_checkout_response)
    assert checkout["fixed"]["Ok"] == "1", checkout["variable"].get("AF")
    assert checkout["variable"]["AB"] == [book.barcode]
    assert checkout["variable"]["AJ"] == [book.record.title]
    loan = Loan.objects.get(item=book, returned_at__isnull=True)
    assert loan.channel == "sip2" and loan.library == kiosk.library
    assert checkout["variable"]["AH"][0].replace(" ", "") == timezone.localtime(loan.due_at).strftime(
        "%Y%m%d%H%M%S"
    )

    renew = ask(sip, sip.sip_renew_request(itemIdentifier=book.barcode), sip.sip_renew_response)
    assert renew["fixed"]["Ok"] == "1" and renew["fixed"]["RenewalOk"] == "Y"
    loan.refresh_from_db()
    assert loan.renewals == 1

    charged = ask(sip, sip.sip_patron_information_request("charged"), sip.sip_patron_information_response)
    assert charged["variable"]["AU"] == [book.barcode]
    fines = ask(sip, sip.sip_patron_information_request("fine"), sip.sip_patron_information_response)
    assert fines["variable"]["BV"] == [str(int(fine.outstanding))]
    assert fines["variable"]["AV"][0].startswith(f"{fine.pk} {int(fine.outstanding)} ")

    paid = ask(
        sip,
        sip.sip_fee_paid_request(
            4, 0, str(int(fine.outstanding)), transactionId="K1-0001", currencyType="VND"
        ),
        sip.sip_fee_paid_response,
    )
    assert paid["fixed"]["PaymentAccepted"] == "Y", paid["variable"].get("AF")
    assert paid["variable"]["BK"] == ["K1-0001"]
    fine.refresh_from_db()
    assert fine.outstanding == 0
    payment = Payment.objects.get(reader=reader)
    assert payment.channel == "sip2" and payment.library == kiosk.library and payment.method == "cash"

    renew_all = ask(sip, sip.sip_renew_all_request(), sip.sip_renew_all_response)
    assert renew_all["fixed"]["Ok"] == "1"
    assert renew_all["fixed"]["RenewedItems"] == "0001" and renew_all["variable"]["BM"] == [book.barcode]

    item_info = ask(sip, sip.sip_item_information_request(book.barcode), sip.sip_item_information_response)
    assert item_info["fixed"]["CirculationStatus"] == "04"  # charged
    assert item_info["variable"]["AJ"] == [book.record.title]

    checkin = ask(sip, sip.sip_checkin_request(book.barcode), sip.sip_checkin_response)
    assert checkin["fixed"]["Ok"] == "1" and checkin["fixed"]["Resensitize"] == "Y"
    assert checkin["fixed"]["Alert"] == "N"  # back on the shelf where it belongs
    assert not Loan.objects.filter(item=book, returned_at__isnull=True).exists()

    hold = ask(sip, sip.sip_hold_request("+", itemIdentifier=book.barcode), sip.sip_hold_response)
    assert hold["fixed"]["Ok"] == "1"
    cancel = ask(sip, sip.sip_hold_request("-", itemIdentifier=book.barcode), sip.sip_hold_response)
    assert cancel["fixed"]["Ok"] == "1"

    patron_status = ask(sip, sip.sip_patron_status_request(), sip.sip_patron_status_response)
    assert patron_status["fixed"]["PatronStatus"] == " " * 14
    end = ask(sip, sip.sip_end_patron_session_request(), sip.sip_end_patron_session_response)
    assert end["fixed"]["EndSession"] == "Y"

    types = set(AuditEntry.objects.values_list("type", flat=True))
    assert {"circulation.loan.created", "circulation.loan.renewed", "circulation.loan.returned",
            "circulation.payment.created", "circulation.hold.placed", "circulation.hold.cancelled"} <= types  # fmt: skip
