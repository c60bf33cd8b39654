"""Who may open a Z39.50 session: a staff account or a reader's card and PIN; refusals are audited."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.contrib.auth import authenticate as django_authenticate
from django.db import transaction

from thuvien.audit import actions as audit

logger = logging.getLogger("thuvien.z3950")

MAX_CREDENTIAL = 150


@dataclass(frozen=True)
class Login:
    ok: bool
    who: str = ""  # "staff:<username>", "reader:<card>" or "" (anonymous)
    reason: str = ""  # why it was refused: "credentials", "required", "locked"


def authenticate(user: str, password: str, *, mode: str, peer: str) -> Login:
    """Decide whether USER/PASSWORD may open a session under MODE (none | optional | required)."""
    user = (user or "").strip()[:MAX_CREDENTIAL]
    password = (password or "")[:MAX_CREDENTIAL]
    if mode == "none":
        return Login(True)
    if not user:
        if mode == "required":
            return Login(False, reason="required")
        return Login(True)
    staff = django_authenticate(username=user, password=password)
    if staff is not None and staff.is_active:
        return Login(True, f"staff:{staff.get_username()}")
    from thuvien.patrons.actions import authenticate_reader
    from thuvien.patrons.exceptions import PinLocked

    reason = "credentials"
    try:
        reader = authenticate_reader(user, password, channel="z3950")
    except PinLocked:
        reader, reason = None, "locked"
    if reader is not None:
        return Login(True, f"reader:{reader.card}")
    refused(user, peer, reason)
    return Login(False, reason=reason)


def refused(user: str, peer: str, reason: str) -> None:
    """Audit a refused Z39.50 login (the user name as given, never the password)."""
    with transaction.atomic():
        audit.record("z3950.login.refused", user=user[:MAX_CREDENTIAL], peer=peer, reason=reason)
    logger.warning("z3950: login %r refused from %s (%s)", user, peer, reason)
