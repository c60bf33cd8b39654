"""Protecting a reader's identity: the citizen ID encrypted at rest, PINs hashed."""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher


class PinHasher(PBKDF2PasswordHasher):
    """PBKDF2 with fewer rounds: a kiosk checks a PIN per reader, and rate limiting does the guarding."""

    algorithm = "pin_pbkdf2_sha256"
    iterations = 20_000


@cache
def _keys(secret: str) -> tuple[bytes, bytes]:
    material = HKDF(algorithm=hashes.SHA256(), length=64, salt=b"thuvien-field-key", info=b"v1").derive(
        secret.encode("utf-8")
    )
    return base64.urlsafe_b64encode(material[:32]), material[32:]


def _secret() -> str:
    return settings.FIELD_KEY or settings.SECRET_KEY


def encrypt(value: str) -> str:
    """Encrypt VALUE for storage (Fernet: AES-128-CBC with HMAC, fresh IV each time)."""
    return Fernet(_keys(_secret())[0]).encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    """Return the clear text of TOKEN, or '' if it cannot be read with the current key."""
    if not token:
        return ""
    try:
        return Fernet(_keys(_secret())[0]).decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken:
        return ""


def blind_index(value: str) -> str:
    """A keyed hash of VALUE: finds the same citizen ID twice without storing it in clear."""
    return hmac.new(_keys(_secret())[1], value.encode("utf-8"), hashlib.sha256).hexdigest()
