"""Map each SIP2 request onto the circulation actions and queries (the circulation core is pending)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from .messages import Message, format_date
from .responses import Reply, acs_status, refusal


class CirculationBackend:
    def handle(self, session, message: Message) -> Reply:
        now = timezone.now()
        library = session.account.library
        if message.code == "99":
            return acs_status(
                now,
                online=True,
                institution=library.code,
                library_name=library.name,
                terminal_location=session.location,
            )
        if message.code == "35":
            session.verified_patrons.discard(message.get("AA"))
            return Reply(
                "36",
                {"end_session": "Y", "transaction_date": format_date(now)},
                [("AO", library.code), ("AA", message.get("AA"))],
            )
        return refusal(message, _("Chức năng này chưa sẵn sàng trên máy tự phục vụ."), now, library.code)
