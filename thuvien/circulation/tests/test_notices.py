"""E-mail notices to readers, in Vietnamese, each sent once: due soon, overdue, hold ready, shipped."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone, translation

from thuvien.circulation import actions, daily, notices
from thuvien.circulation.models import Notice

pytestmark = pytest.mark.django_db


class RefusingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("mail server down")


def at(*args):
    return timezone.make_aware(dt.datetime(*args))


def test_due_soon_once_per_due_date(reader, make_item, network, clock):
    loan = actions.checkout(item=make_item(), reader=reader, library=network["prov"], now=clock)  # due 30 Nov
    # DUE_SOON_DAYS = 2: told on the morning two days before.
    assert daily.send_loan_notices(at(2026, 11, 27, 23, 0)) == {"notices_due_soon": 0, "notices_overdue": 0}
    assert daily.send_loan_notices(at(2026, 11, 28, 6, 0))["notices_due_soon"] == 1
    assert daily.send_loan_notices(at(2026, 11, 29, 6, 0))["notices_due_soon"] == 0  # told already
    (message,) = mail.outbox
    assert message.to == [reader.email]
    assert message.subject == "Sắp đến hạn trả tài liệu"
    assert "Kính gửi Nguyễn Thị Hoà," in message.body
    assert f"- {loan.item.record.title} — hạn trả 30/11/2026" in message.body
    # Renewed, it has a new due date and is told again when that one comes near.
    actions.renew(loan=loan, now=at(2026, 11, 29, 9, 0))
    assert daily.send_loan_notices(at(2026, 12, 11, 6, 0))["notices_due_soon"] == 1
    assert "hạn trả 13/12/2026" in mail.outbox[1].body


def test_one_overdue_email_lists_the_loans_not_yet_told(reader, make_item, network, clock):
    first = actions.checkout(item=make_item(), reader=reader, library=network["prov"], now=clock)
    assert daily.send_loan_notices(at(2026, 12, 2, 6, 0))["notices_overdue"] == 1
    second = actions.checkout(item=make_item(), reader=reader, library=network["prov"],
                              now=at(2026, 11, 20, 9, 0), override=True)  # fmt: skip
    assert daily.send_loan_notices(at(2026, 12, 3, 6, 0)) == {"notices_overdue": 0, "notices_due_soon": 1}
    assert daily.send_loan_notices(at(2026, 12, 5, 6, 0))["notices_overdue"] == 1
    overdue = [m for m in mail.outbox if m.subject == "Tài liệu quá hạn trả"]
    assert len(overdue) == 2
    assert first.item.record.title in overdue[0].body
    assert second.item.record.title in overdue[1].body and first.item.record.title not in overdue[1].body
    assert "Vui lòng trả hoặc gia hạn sớm" in overdue[1].body
    assert set(Notice.objects.values_list("kind", "key")) == {
        ("overdue", notices.loan_key(first)), ("overdue", notices.loan_key(second)),
        ("due_soon", notices.loan_key(second)),
    }  # fmt: skip


def test_hold_ready(reader, make_item, network, clock, django_capture_on_commit_callbacks):
    item = make_item()
    actions.place_hold(reader=reader, record=item.record, pickup_library=network["commune"], now=clock)
    actions.checkin(item=item, library=network["prov"], now=clock)
    assert mail.outbox == []  # on its way, not ready yet
    with django_capture_on_commit_callbacks(execute=True):
        actions.checkin(item=item, library=network["commune"], now=clock + dt.timedelta(days=1))
    (message,) = mail.outbox
    assert message.subject == f"Tài liệu bạn yêu cầu đã sẵn sàng: {item.record.title}"
    assert "đang được giữ tại Thư viện xã Hòa Bình đến hết ngày 24/11/2026" in message.body
    assert "Vui lòng mang theo thẻ bạn đọc khi đến nhận." in message.body


def test_delivery_shipped(reader, make_item, network, clock, django_capture_on_commit_callbacks):
    item = make_item()
    delivery = actions.request_delivery(reader=reader, record=item.record, address="12 Lê Lợi", phone="0901",
                                        now=clock)  # fmt: skip
    actions.advance_delivery(
        delivery=delivery, status="packed", actor=None, item_barcode=item.barcode, now=clock
    )
    with django_capture_on_commit_callbacks(execute=True):
        actions.advance_delivery(
            delivery=delivery, status="shipped", actor=None, tracking_number="VN42", now=clock
        )
    (message,) = mail.outbox
    assert message.subject == "Sách của bạn đã được gửi qua bưu điện"
    assert "đã được gửi đến địa chỉ của bạn. Mã vận đơn: VN42." in message.body
    # Sent once even if the job runs twice.
    assert notices.send_notice(notices.DELIVERY_SHIPPED, reader.pk, f"delivery:{delivery.pk}",
                               delivery_id=delivery.pk) is False  # fmt: skip
    assert len(mail.outbox) == 1


def test_always_in_vietnamese(reader, make_item, network, clock):
    actions.checkout(item=make_item(), reader=reader, library=network["prov"], now=clock)
    with translation.override("en"):
        daily.send_loan_notices(at(2026, 12, 2, 6, 0))
    assert mail.outbox[0].subject == "Tài liệu quá hạn trả"


def test_nobody_to_tell(reader, other_reader, make_item, network, clock):
    from thuvien.patrons.actions import update_reader

    update_reader(reader=reader, actor=None, email="")
    actions.checkout(item=make_item(), reader=reader, library=network["prov"], now=clock)
    assert daily.send_loan_notices(at(2026, 12, 2, 6, 0))["notices_overdue"] == 0
    assert mail.outbox == [] and not Notice.objects.exists()
    assert notices.send_notice(notices.OVERDUE, 999999, "x") is False


def test_a_mail_server_failure_is_tried_again(reader, make_item, network, clock, settings):
    actions.checkout(item=make_item(), reader=reader, library=network["prov"], now=clock)
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    assert daily.send_loan_notices(at(2026, 12, 2, 6, 0))["notices_overdue"] == 0
    assert not Notice.objects.exists()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert daily.send_loan_notices(at(2026, 12, 3, 6, 0))["notices_overdue"] == 1
