"""Reads about readers, scoped to who is asking."""

from __future__ import annotations

from django.db.models import Q

from thuvien.accounts.queries import libraries_for
from thuvien.circulation.queries import CAN_CIRCULATE
from thuvien.lib.vn_text import fold
from thuvien.patrons import identity
from thuvien.patrons.models import Reader


def readers_for_staff(user):
    """Readers whose home library is in USER's circulation subtree."""
    return Reader.objects.filter(home_library__in=libraries_for(user, CAN_CIRCULATE)).select_related(
        "category", "home_library"
    )


def find_readers(user, text: str, limit: int = 50):
    """Readers of USER's libraries matching a card number or a name typed with or without diacritics."""
    text = (text or "").strip()
    if not text:
        return Reader.objects.none()
    key = fold(text)
    return (
        readers_for_staff(user)
        .filter(Q(card__iexact=text) | Q(name_key__contains=key))
        .order_by("full_name")[:limit]
    )


def cccd_clear(reader: Reader) -> str:
    """The citizen ID in clear: for the reader himself and his data export only."""
    return identity.decrypt(reader.cccd_encrypted)


def personal_data(reader: Reader) -> dict:
    """Everything held about READER, for him to download (personal data protection law)."""
    from thuvien.circulation.models import Delivery, Fee, Hold, Loan, Notice, Payment

    def iso(value):
        return value.isoformat() if value else None

    return {
        "reader": {
            "card": reader.card,
            "full_name": reader.full_name,
            "birth_date": iso(reader.birth_date),
            "email": reader.email,
            "phone": reader.phone,
            "address": reader.address,
            "citizen_id": cccd_clear(reader),
            "home_library": reader.home_library.code,
            "category": reader.category.code,
            "status": reader.status,
            "expires_on": iso(reader.expires_on),
            "keep_history": reader.keep_history,
            "created_at": iso(reader.created_at),
            "erasure_requested_at": iso(reader.erasure_requested_at),
        },
        "consents": [
            {"kind": c.kind, "given": c.given, "channel": c.channel, "at": iso(c.at)}
            for c in reader.consents.all()
        ],
        "loans": [
            {
                "barcode": loan.item.barcode,
                "title": loan.item.record.title,
                "library": loan.library.code,
                "checked_out_at": iso(loan.checked_out_at),
                "due_at": iso(loan.due_at),
                "returned_at": iso(loan.returned_at),
                "renewals": loan.renewals,
            }
            for loan in Loan.objects.filter(reader=reader).select_related("item__record", "library")
        ],
        "holds": [
            {
                "title": h.record.title,
                "pickup_library": h.pickup_library.code,
                "status": h.status,
                "placed_at": iso(h.placed_at),
            }
            for h in Hold.objects.filter(reader=reader).select_related("record", "pickup_library")
        ],  # fmt: skip
        "fees": [
            {
                "kind": f.kind,
                "amount": str(f.amount),
                "paid": str(f.paid),
                "waived": str(f.waived),
                "created_at": iso(f.created_at),
            }
            for f in Fee.objects.filter(reader=reader)
        ],  # fmt: skip
        "payments": [
            {"receipt": p.receipt, "amount": str(p.amount), "at": iso(p.at)}
            for p in Payment.objects.filter(reader=reader)
        ],
        "deliveries": [
            {
                "title": d.record.title,
                "address": d.address,
                "phone": d.phone,
                "status": d.status,
                "tracking_number": d.tracking_number,
                "requested_at": iso(d.requested_at),
            }
            for d in Delivery.objects.filter(reader=reader).select_related("record")
        ],  # fmt: skip
        "notices": [
            {"kind": n.kind, "sent_at": iso(n.sent_at)} for n in Notice.objects.filter(reader=reader)
        ],
    }
