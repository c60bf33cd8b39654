"""A reader never sees or changes another reader's loans, holds or deliveries: every such URL is a 404.

Objects are looked up through the signed-in reader, so the answer for someone else's id is the same as
for an id that does not exist, and nothing changes.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from thuvien.circulation import actions
from thuvien.circulation.models import Delivery, Hold, HoldStatus, Loan
from thuvien.circulation.tests import conftest as circulation_cast

pytestmark = pytest.mark.django_db

# The circulation tests' cast: readers of the test province, copies at its libraries.
make_item = circulation_cast.make_item
other_reader = circulation_cast.other_reader
reader = circulation_cast.reader


@pytest.fixture
def theirs(other_reader, make_item, network):
    """Another reader's loan, waiting hold, and postal delivery."""
    lent, held, posted = make_item(), make_item(), make_item()
    loan = actions.checkout(item=lent, reader=other_reader, library=network["prov"])
    actions.checkout(item=held, reader=_first_borrower(network), library=network["prov"])
    hold = actions.place_hold(reader=other_reader, record=held.record, pickup_library=network["commune"])
    delivery = actions.request_delivery(reader=other_reader, record=posted.record, address="Số 9, xã Hòa Bình",
                                        phone="0911000222")  # fmt: skip
    return {
        "loan": loan,
        "hold": hold,
        "delivery": delivery,
        "titles": [i.record.title for i in (lent, held, posted)],
    }


def _first_borrower(network):
    from thuvien.patrons.actions import register_reader

    return register_reader(card="TST0077", full_name="Người Mượn Trước", home_library=network["prov"],
                           category="adult", pin="7777")  # fmt: skip


@pytest.fixture
def signed_in(client, reader):
    assert client.post("/ban-doc/dang-nhap/", {"card": reader.card, "pin": "1234"}).status_code == 302
    return client


def test_another_readers_loan_cannot_be_renewed(signed_in, theirs):
    loan = theirs["loan"]
    assert signed_in.post(f"/ban-doc/muon/{loan.pk}/gia-han/").status_code == 404
    assert Loan.objects.get(pk=loan.pk).renewals == 0
    assert signed_in.post("/ban-doc/muon/999999/gia-han/").status_code == 404
    # "Renew all" renews only his own loans.
    signed_in.post("/ban-doc/muon/gia-han-tat-ca/")
    assert Loan.objects.get(pk=loan.pk).renewals == 0


def test_another_readers_hold_cannot_be_cancelled_paused_or_resumed(signed_in, theirs):
    hold = theirs["hold"]
    until = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    for action, data in (("huy", {}), ("tam-dung", {"until": until}), ("tiep-tuc", {})):
        assert signed_in.post(f"/ban-doc/yeu-cau-giu/{hold.pk}/{action}/", data).status_code == 404
    hold = Hold.objects.get(pk=hold.pk)
    assert hold.status == HoldStatus.WAITING and hold.suspended_until is None


def test_another_readers_delivery_cannot_be_seen(signed_in, theirs, client):
    delivery = theirs["delivery"]
    response = signed_in.get(f"/ban-doc/buu-dien/{delivery.pk}/")
    assert response.status_code == 404
    assert "Số 9, xã Hòa Bình" not in response.content.decode()
    assert Delivery.objects.get(pk=delivery.pk).status == "requested"


def test_the_account_page_shows_only_his_own(signed_in, reader, theirs, make_item, network):
    mine = make_item()
    actions.checkout(item=mine, reader=reader, library=network["prov"])
    page = signed_in.get("/ban-doc/").content.decode()
    assert mine.record.title in page
    for title in theirs["titles"]:
        assert title not in page
    assert "Trần Văn Bình" not in page and "TST0002" not in page and "0911000222" not in page


def test_the_owner_does_reach_them(client, other_reader, theirs):
    """The same URLs work for their owner: the 404s above come from ownership, not from broken routes."""
    assert client.post("/ban-doc/dang-nhap/", {"card": other_reader.card, "pin": "5678"}).status_code == 302
    assert client.get(f"/ban-doc/buu-dien/{theirs['delivery'].pk}/").status_code == 200
    assert client.post(f"/ban-doc/muon/{theirs['loan'].pk}/gia-han/").status_code == 302
    assert Loan.objects.get(pk=theirs["loan"].pk).renewals == 1
    assert client.post(f"/ban-doc/yeu-cau-giu/{theirs['hold'].pk}/huy/").status_code == 302
    assert Hold.objects.get(pk=theirs["hold"].pk).status == HoldStatus.CANCELLED
