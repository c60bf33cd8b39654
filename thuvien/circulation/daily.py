"""The daily circulation run: fines, hold shelf expiry, anonymisation, due-soon and overdue notices."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from thuvien.circulation import actions, notices
from thuvien.circulation.models import DailyRun, Loan

logger = logging.getLogger("thuvien.circulation")


def run_daily(now: dt.datetime | None = None, *, force: bool = False) -> dict | None:
    """Run today's jobs once (FORCE runs again); return the summary, or None if already done today."""
    now = timezone.localtime(now or timezone.now())
    day = now.date()
    if force:
        DailyRun.objects.filter(day=day).delete()
    try:
        with transaction.atomic():
            run = DailyRun.objects.create(day=day)
    except IntegrityError:
        return None
    try:
        summary = {
            "fines": actions.assess_overdue_fines(now),
            "holds_expired": actions.expire_holds(now),
            "loans_anonymised": actions.anonymise_loans(now),
            **send_loan_notices(now),
        }
    except Exception:
        DailyRun.objects.filter(pk=run.pk).delete()  # a failed run is tried again, not marked done
        raise
    run.finished_at = timezone.now()
    run.summary = summary
    run.save(update_fields=["finished_at", "summary"])
    logger.info("daily circulation run %s: %s", day, summary)
    return summary


def send_loan_notices(now: dt.datetime) -> dict:
    """One e-mail per reader listing loans due within DUE_SOON_DAYS, and one listing overdue loans.

    Each loan is told about once per due date and kind (a renewal gives it a new due date).
    """
    # Due on or before the DUE_SOON_DAYS-th day from today (a day loan falls due at the end of its day).
    soon_until = timezone.make_aware(
        dt.datetime.combine(now.date() + dt.timedelta(days=settings.DUE_SOON_DAYS + 1), dt.time.min)
    )
    groups: dict[tuple[str, int], list[int]] = defaultdict(list)
    open_loans = Loan.objects.filter(returned_at__isnull=True, reader__isnull=False, due_at__lt=soon_until)
    for loan_id, reader_id, due in open_loans.values_list("pk", "reader_id", "due_at"):
        groups[(notices.OVERDUE if due < now else notices.DUE_SOON, reader_id)].append(loan_id)
    sent = {"due_soon": 0, "overdue": 0}
    for (kind, reader_id), loan_ids in groups.items():
        if notices.send_notice(kind, reader_id, f"{now:%Y-%m-%d}", loan_ids=loan_ids):
            sent[str(kind)] += 1
    return {f"notices_{k}": v for k, v in sent.items()}
