"""Who is calling the API: staff by personal API token or signed-in session, readers by a signed token.

Staff tokens are 32 random bytes shown once; only their SHA-256 hash is stored, with a short prefix to
name them in lists. Reader tokens are signed (not stored): the reader's id and a fingerprint of his PIN
hash, so changing the PIN ends every token issued before; they expire after READER_TOKEN_HOURS.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets

from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from ninja import Schema, Status
from ninja.errors import HttpError
from ninja.security import HttpBearer, SessionAuth

from thuvien.accounts.models import ApiToken
from thuvien.audit.actions import record as audit
from thuvien.circulation.exceptions import CirculationError
from thuvien.patrons.models import Reader, ReaderStatus

TOKEN_PREFIX = "thv_"  # noqa: S105 (a marker, not a secret)
PREFIX_LENGTH = 12  # "thv_" and 8 characters of the secret: enough to tell tokens apart in a list
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)  # write last_used_at at most this often per token
READER_TOKEN_HOURS = 12
READER_TOKEN_SALT = "thuvien.api.reader-token"  # noqa: S105 (a salt, not a secret)


# --- errors -------------------------------------------------------------------------------------


class ErrorOut(Schema):
    """A refusal: CODE is stable for programs, MESSAGE is for people (Vietnamese by default)."""

    code: str
    message: str


class DetailOut(Schema):
    """Authentication failures and malformed requests, in django-ninja's own shape."""

    detail: str | list


class Refused(Exception):
    """Answer the request with STATUS and an ErrorOut body."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


# Refusals naming something that does not exist are 422; every other refusal is a conflict (409) with
# the state of the loan, copy, hold or reader account.
UNPROCESSABLE = {"item_unknown", "reader_unknown", "record_unknown", "library_unknown", "amount"}


def answers(statuses: dict[str, int] | None = None):
    """Answer Refused and CirculationError raised by a view with an ErrorOut; STATUSES overrides by code."""
    statuses = statuses or {}

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            try:
                return view(*args, **kwargs)
            except Refused as refused:
                return Status(refused.status, {"code": refused.code, "message": str(refused.message)})
            except CirculationError as error:
                status = statuses.get(error.code, 422 if error.code in UNPROCESSABLE else 409)
                return Status(status, {"code": error.code, "message": str(error.message)})

        return wrapper

    return decorate


def errors(*statuses: int) -> dict:
    """The error part of a route's response schemas."""
    schemas = {401: DetailOut, 422: ErrorOut | DetailOut}
    return {status: schemas.get(status, ErrorOut) for status in statuses}


# --- staff tokens -------------------------------------------------------------------------------


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(user, *, name: str = "", actor=None) -> tuple[ApiToken, str]:
    """Create an API token for USER; return it and its secret, which is shown once and never stored."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name.strip()[:100], prefix=secret[:PREFIX_LENGTH], token_hash=hash_token(secret)
        )
        audit("accounts.api_token.created", actor=actor, obj=token, user=user.username, prefix=token.prefix,
              name=token.name)  # fmt: skip
    return token, secret


def revoke_token(token: ApiToken, *, actor=None) -> ApiToken:
    """Revoke TOKEN at once: the next request carrying it is refused."""
    with transaction.atomic():
        updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        token.refresh_from_db()
        if updated:
            audit("accounts.api_token.revoked", actor=actor, obj=token, user=token.user.username,
                  prefix=token.prefix)  # fmt: skip
    return token


def user_for_token(secret: str):
    """Return the active user holding the unrevoked token SECRET, or None."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=hash_token(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


class StaffToken(HttpBearer):
    """Authorization: Bearer thv_… — a staff member's API token (created with `thuvien token create`)."""

    def authenticate(self, request, token: str):
        user = user_for_token(token.strip())
        if user is None:
            raise HttpError(401, _("Mã API không hợp lệ hoặc đã bị thu hồi."))
        return user


class StaffSession(SessionAuth):
    """A signed-in staff session (the staff pages' cookie); unsafe methods need the CSRF token."""

    def __call__(self, request):
        if not request.user.is_authenticated:
            # Last in the list: say what is missing rather than ninja's bare "Unauthorized".
            raise HttpError(401, _("Cần đăng nhập: gửi «Authorization: Bearer <mã API>» hoặc đăng nhập."))
        return super().__call__(request)


staff_auth = [StaffToken(), StaffSession()]


# --- reader tokens ------------------------------------------------------------------------------


def _pin_fingerprint(reader: Reader) -> str:
    return salted_hmac(READER_TOKEN_SALT, reader.pin_hash).hexdigest()[:16]


def reader_token(reader: Reader) -> tuple[str, dt.datetime]:
    """A bearer token for READER and when it expires."""
    signer = signing.TimestampSigner(salt=READER_TOKEN_SALT)
    token = signer.sign(f"{reader.pk}.{_pin_fingerprint(reader)}")
    return token, timezone.now() + dt.timedelta(hours=READER_TOKEN_HOURS)


def reader_for_token(token: str) -> Reader | None:
    """Return the reader TOKEN was issued to while it is unexpired and his PIN unchanged, or None."""
    signer = signing.TimestampSigner(salt=READER_TOKEN_SALT)
    try:
        value = signer.unsign(token, max_age=dt.timedelta(hours=READER_TOKEN_HOURS))
    except signing.BadSignature:  # SignatureExpired is a BadSignature
        return None
    reader_id, _sep, fingerprint = value.partition(".")
    if not reader_id.isdigit():
        return None
    reader = Reader.objects.select_related("home_library", "category").filter(pk=int(reader_id)).first()
    if reader is None or reader.status == ReaderStatus.ERASED:
        return None
    if not constant_time_compare(fingerprint, _pin_fingerprint(reader)):
        return None
    return reader


class ReaderToken(HttpBearer):
    """Authorization: Bearer <token from POST /api/v1/reader/token>, valid 12 hours."""

    def authenticate(self, request, token: str):
        reader = reader_for_token(token.strip())
        if reader is None:
            raise HttpError(401, _("Phiên đăng nhập đã hết hạn hoặc không hợp lệ; hãy đăng nhập lại."))
        return reader

    def __call__(self, request):
        reader = super().__call__(request)
        if reader is None:
            raise HttpError(401, _("Cần đăng nhập bằng số thẻ và mã PIN (POST /api/v1/reader/token)."))
        return reader


reader_auth = ReaderToken()
