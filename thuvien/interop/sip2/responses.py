"""Answers the daemon builds itself: ACS status, and a refusal of the right type for any request."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .messages import (
    BLANK_DATE,
    CirculationStatus,
    Message,
    count4,
    format_date,
    format_message,
    patron_status,
    supported_messages,
)

# What thuvien answers; 01, 19 and 25 are read and answered, but refused.
SUPPORTED = ("23", "11", "09", "99", "97", "93", "63", "35", "37", "17", "15", "29", "65")
DENIED = ("charge_denied", "renewal_denied", "recall_denied", "hold_denied")


@dataclass
class Reply:
    """A response waiting to be formatted with the request's sequence number and the kiosk's charset."""

    code: str
    fixed: dict[str, str]
    fields: list[tuple[str, object]] = field(default_factory=list)

    def to_bytes(self, *, sequence: int | None, error_detection: bool, encoding: str) -> bytes:
        return format_message(
            self.code,
            self.fixed,
            self.fields,
            sequence=sequence,
            error_detection=error_detection,
            encoding=encoding,
        )

    def field(self, field_id: str) -> object | None:
        for fid, value in self.fields:
            if fid == field_id:
                return value
        return None


def acs_status(
    now: datetime,
    *,
    online: bool,
    institution: str = "",
    library_name: str = "",
    terminal_location: str = "",
    checkin: bool = True,
    checkout: bool = True,
    renewal: bool = True,
    screen_message: str | None = None,
) -> Reply:
    """The 98 answer to an SC status message."""
    yn = {True: "Y", False: "N"}
    return Reply(
        "98",
        {
            "online_status": yn[online],
            "checkin_ok": yn[online and checkin],
            "checkout_ok": yn[online and checkout],
            "acs_renewal_policy": yn[online and renewal],
            "status_update_ok": "N",
            "offline_ok": "N",
            "timeout_period": "030",
            "retries_allowed": "003",
            "date_time_sync": format_date(now),
            "protocol_version": "2.00",
        },
        [
            ("AO", institution),
            ("AM", library_name),
            ("BX", supported_messages(SUPPORTED if online else ("99", "93", "97"))),
            ("AN", terminal_location or None),
            ("AF", screen_message),
        ],
    )


def refusal(message: Message, text: str, now: datetime, institution: str = "") -> Reply:
    """A well-formed 'no' for MESSAGE, with TEXT as the screen message (AF)."""
    date = format_date(now)
    patron = message.get("AA")
    item = message.get("AB")
    code = message.code
    if code == "93":
        return Reply("94", {"ok": "0"})
    if code == "99":
        return acs_status(now, online=False, institution=institution, screen_message=text)
    if code in ("63",):
        return Reply(
            "64",
            {
                "patron_status": patron_status(DENIED),
                "language": "000",
                "transaction_date": date,
                **{
                    f"{name}_count": count4(0)
                    for name in ("hold_items", "overdue_items", "charged_items", "fine_items", "recall_items")
                },
                "unavailable_holds_count": count4(0),
            },
            [("AO", institution), ("AA", patron), ("AE", ""), ("BL", "N"), ("AF", text)],
        )
    if code in ("23", "01", "25"):
        response = "26" if code == "25" else "24"
        return Reply(
            response,
            {"patron_status": patron_status(DENIED), "language": "000", "transaction_date": date},
            [("AO", institution), ("AA", patron), ("AE", ""), ("BL", "N"), ("AF", text)],
        )
    if code in ("11", "29"):
        return Reply(
            "12" if code == "11" else "30",
            {
                "ok": "0",
                "renewal_ok": "N",
                "magnetic_media": "U",
                "desensitize": "N",
                "transaction_date": date,
            },
            [("AO", institution), ("AA", patron), ("AB", item), ("AJ", ""), ("AH", ""), ("AF", text)],
        )
    if code == "09":
        # Not checked in: keep the item desensitised (it is still on loan) and alert staff.
        return Reply(
            "10",
            {"ok": "0", "resensitize": "N", "magnetic_media": "U", "alert": "Y", "transaction_date": date},
            [("AO", institution), ("AB", item), ("AQ", ""), ("AJ", ""), ("AF", text)],
        )
    if code == "65":
        return Reply(
            "66",
            {"ok": "0", "renewed_count": count4(0), "unrenewed_count": count4(0), "transaction_date": date},
            [("AO", institution), ("AF", text)],
        )
    if code == "17":
        return Reply(
            "18",
            {
                "circulation_status": CirculationStatus.OTHER,
                "security_marker": "00",
                "fee_type": "01",
                "transaction_date": date,
            },
            [("AB", item), ("AJ", ""), ("AF", text)],
        )
    if code == "37":
        return Reply(
            "38",
            {"payment_accepted": "N", "transaction_date": date},
            [("AO", institution), ("AA", patron), ("BK", message.get("BK") or None), ("AF", text)],
        )
    if code == "15":
        return Reply(
            "16",
            {"ok": "0", "available": "N", "transaction_date": date},
            [("AO", institution), ("AA", patron), ("AB", item or None), ("AJ", message.get("AJ") or None),
             ("AF", text)],
        )  # fmt: skip
    if code == "35":
        return Reply(
            "36",
            {"end_session": "N", "transaction_date": date},
            [("AO", institution), ("AA", patron), ("AF", text)],
        )
    if code == "19":
        return Reply(
            "20", {"item_properties_ok": "0", "transaction_date": date}, [("AB", item), ("AF", text)]
        )
    raise ValueError(f"no refusal for message {code}")


__all__ = ["BLANK_DATE", "Reply", "acs_status", "refusal", "SUPPORTED"]
