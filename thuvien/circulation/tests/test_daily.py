"""The daily run: fines, hold shelf expiry, anonymisation and notices, once a day."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from thuvien.circulation import actions, daily
from thuvien.circulation.models import DailyRun, Fee, Hold, HoldStatus, Loan

pytestmark = pytest.mark.django_db


def test_running_twice_charges_once(reader, make_item, network, clock):
    actions.checkout(item=make_item(), reader=reader, library=network["prov"], now=clock)
    morning = timezone.make_aware(dt.datetime(2026, 12, 3, 6, 0))  # due 30 Nov: three days late
    summary = daily.run_daily(morning)
    assert summary["fines"] == 1 and summary["notices_overdue"] == 1
    assert daily.run_daily(morning + dt.timedelta(hours=2)) is None  # already done today
    forced = daily.run_daily(morning + dt.timedelta(hours=3), force=True)
    assert forced["fines"] == 1 and forced["notices_overdue"] == 0  # the same fine, no second e-mail
    assert [f.amount for f in Fee.objects.all()] == [6000]
    assert len(mail.outbox) == 1
    run = DailyRun.objects.get()
    assert run.finished_at is not None and run.summary == forced


def test_each_day_brings_the_fine_up_to_date(reader, make_item, network, clock):
    loan = actions.checkout(item=make_item(), reader=reader, library=network["prov"], now=clock)
    for day in (1, 2, 3, 4):  # due 30 Nov; the worker runs early each morning of December
        daily.run_daily(timezone.make_aware(dt.datetime(2026, 12, day, 0, 30)))
    assert Fee.objects.get(loan=loan).amount == 4 * 2000
    assert DailyRun.objects.count() == 4


def test_it_expires_holds_and_anonymises_old_loans(reader, other_reader, make_item, network, clock, settings):
    settings.LOAN_ANONYMISE_DAYS = 30
    returned = make_item()
    actions.checkout(item=returned, reader=reader, library=network["prov"], now=clock)
    actions.checkin(item=returned, library=network["prov"], now=clock + dt.timedelta(days=1))
    held = make_item()
    hold = actions.place_hold(
        reader=other_reader, record=held.record, pickup_library=network["prov"], now=clock
    )
    actions.checkin(item=held, library=network["prov"], now=clock)
    summary = daily.run_daily(clock + dt.timedelta(days=40))
    assert summary["holds_expired"] == 1 and summary["loans_anonymised"] == 1
    assert Hold.objects.get(pk=hold.pk).status == HoldStatus.EXPIRED
    loan = Loan.objects.get(item=returned)
    assert loan.reader is None and loan.anonymised and loan.reader_category == "adult"


def test_a_failed_run_is_tried_again(reader, make_item, network, clock, monkeypatch):
    def broken(now=None):
        raise RuntimeError("mất kết nối")

    monkeypatch.setattr(actions, "expire_holds", broken)  # a failure injected; the rest is real
    with pytest.raises(RuntimeError):
        daily.run_daily(clock)
    assert not DailyRun.objects.exists()
    monkeypatch.undo()
    assert daily.run_daily(clock) is not None


def test_the_command(reader, make_item, network, capsys):
    call_command("circulation", "daily")
    first = capsys.readouterr().out
    assert "fines=0" in first and "holds_expired=0" in first
    call_command("circulation", "daily")
    assert "already done today" in capsys.readouterr().out
    call_command("circulation", "daily", "--force")
    assert "fines=0" in capsys.readouterr().out
