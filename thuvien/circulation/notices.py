"""E-mails to readers, in Vietnamese, from templates in templates/notices/: each sent once."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_tasks import task

from thuvien.circulation.models import Delivery, Hold, Loan, Notice

logger = logging.getLogger("thuvien.notices")

HOLD_READY = Notice.Kind.HOLD_READY
DUE_SOON = Notice.Kind.DUE_SOON
OVERDUE = Notice.Kind.OVERDUE
DELIVERY_SHIPPED = Notice.Kind.DELIVERY_SHIPPED


def on_commit_send(kind: str, reader_id: int, key: str, **ids) -> None:
    """Queue notice KIND about KEY for READER_ID once the current transaction commits."""
    transaction.on_commit(lambda: send_notice_task.enqueue(kind, reader_id, key, **ids))


@task()
def send_notice_task(kind: str, reader_id: int, key: str, **ids) -> bool:
    return send_notice(kind, reader_id, key, **ids)


def loan_key(loan: Loan) -> str:
    """What a loan notice is about: the loan and its due date (renewed, it may be told again)."""
    return f"loan:{loan.pk}:{timezone.localtime(loan.due_at):%Y-%m-%d}"


def send_notice(kind: str, reader_id: int, key: str, **ids) -> bool:
    """Send notice KIND to the reader unless sent already, he has no e-mail or he turned notices off.

    A notice listing loans (LOAN_IDS) is recorded once per loan and due date instead of under KEY: it
    lists only the open loans not yet told about, and is not sent when there are none.
    """
    from thuvien.patrons.models import Consent, Reader

    reader = Reader.objects.filter(pk=reader_id).select_related("home_library").first()
    if reader is None or not reader.email or reader.status == "erased":
        return False
    # Notices are on until the reader turns them off (his last word on e-mail notices counts).
    last = reader.consents.filter(kind=Consent.Kind.EMAIL_NOTICES).order_by("-at", "-pk").first()
    if last is not None and not last.given:
        return False
    context = {"reader": reader, "site_url": settings.SITE_URL, "library": reader.home_library}
    if "hold_id" in ids:
        context["hold"] = (
            Hold.objects.select_related("record", "pickup_library").filter(pk=ids["hold_id"]).first()
        )
    if "delivery_id" in ids:
        context["delivery"] = Delivery.objects.select_related("record").filter(pk=ids["delivery_id"]).first()
    keys = [key]
    if "loan_ids" in ids:
        loans = list(
            Loan.objects.filter(pk__in=ids["loan_ids"], reader=reader, returned_at__isnull=True)
            .select_related("item__record")
            .order_by("due_at", "pk")
        )
        told = set(
            Notice.objects.filter(reader=reader, kind=kind, key__in=[loan_key(loan) for loan in loans])
            .values_list("key", flat=True)
        )  # fmt: skip
        context["loans"] = [loan for loan in loans if loan_key(loan) not in told]
        if not context["loans"]:
            return False
        keys = [loan_key(loan) for loan in context["loans"]]
    try:
        with transaction.atomic():
            for one in keys:
                Notice.objects.create(reader=reader, kind=kind, key=one, email=reader.email)
            with translation.override("vi"):
                subject = render_to_string(f"notices/{kind}_subject.txt", context).strip()
                body = render_to_string(f"notices/{kind}.txt", context)
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [reader.email])
    except IntegrityError:
        return False  # sent before
    except OSError:  # the mail server refused or is down: nothing recorded, so it is tried again
        logger.exception("notice %s to reader %s could not be sent", kind, reader.pk)
        return False
    logger.info("notice %s sent to reader %s (%s)", kind, reader.pk, key)
    return True
