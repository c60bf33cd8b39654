"""Stateless OAI-PMH resumption tokens: where a list stopped, signed so that nobody can forge one.

A token carries everything the next page needs, so no harvest state is kept on the server and a token
never expires: the verb, the metadata prefix and set of the list, the upper bound of datestamps frozen
at the first request, the (datestamp, id) of the last record sent (the keyset the next page resumes
after, through the ``record_datestamp_idx`` index), the cursor and the size counted at the first page.

Form: ``<payload>.<signature>``, both base64url without padding; the payload is compact JSON, the
signature an HMAC-SHA256 (keyed with SECRET_KEY, or one of SECRET_KEY_FALLBACKS while keys rotate)
cut to 128 bits. Datestamps are integers of microseconds since 1970 (UTC).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

__all__ = ["BadToken", "Position", "issue", "read"]

_VERSION = 1
_SALT = "thuvien.interop.oaipmh.resumption-token"
_VERBS = {"ListIdentifiers": "i", "ListRecords": "r"}
_VERB_OF = {v: k for k, v in _VERBS.items()}
# Far above any token this module issues; refuses megabytes before any decoding.
MAX_LENGTH = 2048


class BadToken(ValueError):
    """The resumption token was not issued by this repository for this verb, or was altered."""


@dataclass(frozen=True, slots=True)
class Position:
    verb: str
    prefix: str
    set_spec: str | None
    upper: int  # last datestamp of the list, inclusive (µs since the epoch)
    last_stamp: int  # datestamp of the last record sent (µs)
    last_id: int
    cursor: int  # records sent before the next page
    total: int  # completeListSize, counted at the first page


def _sign(payload_text: str, secret: str) -> str:
    # The text is signed, not the bytes it decodes to: base64 has spare bits in its last character,
    # and changing one of those must break the token too.
    digest = salted_hmac(_SALT, payload_text, secret=secret, algorithm="sha256").digest()[:16]
    return _b64(digest)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue(position: Position) -> str:
    """Return the resumption token for POSITION."""
    body = [
        _VERSION,
        _VERBS[position.verb],
        position.prefix,
        position.set_spec,
        position.upper,
        position.last_stamp,
        position.last_id,
        position.cursor,
        position.total,
    ]
    payload = _b64(json.dumps(body, separators=(",", ":"), ensure_ascii=True).encode("ascii"))
    return f"{payload}.{_sign(payload, settings.SECRET_KEY)}"


def _int(value) -> int:
    if type(value) is not int or value < 0:
        raise BadToken("a number in the token is not a non-negative integer")
    return value


def read(token: str, verb: str) -> Position:
    """Return the position TOKEN resumes at (raise BadToken if it is forged, altered or for another verb)."""
    if not token or len(token) > MAX_LENGTH or not token.isascii():
        raise BadToken("not a token of this repository")
    payload_text, dot, signature = token.partition(".")
    if not dot or not payload_text or not signature:
        raise BadToken("not a token of this repository")
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", ())]
    if not any(constant_time_compare(signature, _sign(payload_text, s)) for s in secrets):
        raise BadToken("the token's signature does not match")
    try:
        body = json.loads(_unb64(payload_text))
    except (binascii.Error, ValueError) as exc:
        raise BadToken("the token cannot be read") from exc
    if not isinstance(body, list) or len(body) != 9 or body[0] != _VERSION:
        raise BadToken("the token is of another version")
    _, verb_code, prefix, set_spec, upper, last_stamp, last_id, cursor, total = body
    if _VERB_OF.get(verb_code) != verb:
        raise BadToken("the token belongs to another verb")
    if not isinstance(prefix, str) or not (set_spec is None or isinstance(set_spec, str)):
        raise BadToken("the token cannot be read")
    return Position(
        verb=verb,
        prefix=prefix,
        set_spec=set_spec,
        upper=_int(upper),
        last_stamp=_int(last_stamp),
        last_id=_int(last_id),
        cursor=_int(cursor),
        total=_int(total),
    )
