"""Readers signed in to the OPAC: kept in the session apart from staff sign-in, checked on every request.

The session holds the reader's id and a keyed digest of his PIN hash (as Django does for passwords), so a
PIN change on another device, a suspension or an erasure ends every other session at its next request.
"""

from __future__ import annotations

import functools
from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.http import url_has_allowed_host_and_scheme

from thuvien.patrons.models import Reader, ReaderStatus

# No leading underscore: templates may read `request.session.thuvien_reader_id`.
SESSION_READER = "thuvien_reader_id"
SESSION_DIGEST = "thuvien_reader_digest"
# Who may be signed in: a pending reader sees that his card awaits approval; suspended and erased may not.
MAY_SIGN_IN = (ReaderStatus.ACTIVE, ReaderStatus.PENDING)


def _digest(reader: Reader) -> str:
    return salted_hmac("thuvien.opac.reader-session", reader.pin_hash or "-", algorithm="sha256").hexdigest()


def sign_in(request, reader: Reader) -> None:
    """Remember READER in this browser's session under a fresh session key (no fixation)."""
    request.session.cycle_key()
    request.session[SESSION_READER] = reader.pk
    request.session[SESSION_DIGEST] = _digest(reader)
    request.reader = reader


def refresh(request, reader: Reader) -> None:
    """Keep READER signed in here after his PIN changed (the other sessions end)."""
    reader = Reader.objects.get(pk=reader.pk)
    sign_in(request, reader)


def sign_out(request) -> None:
    """Forget the reader; a staff sign-in in the same browser, if any, stays."""
    request.session.pop(SESSION_READER, None)
    request.session.pop(SESSION_DIGEST, None)
    request.session.cycle_key()
    request.reader = None


def current_reader(request) -> Reader | None:
    """The reader signed in to this session, or None (and the session forgets a stale one)."""
    if hasattr(request, "reader"):
        return request.reader
    reader = None
    reader_id = request.session.get(SESSION_READER)
    if reader_id is not None:
        reader = (
            Reader.objects.select_related("home_library", "category")
            .filter(pk=reader_id, status__in=MAY_SIGN_IN)
            .first()
        )
        if reader is None or not constant_time_compare(
            request.session.get(SESSION_DIGEST, ""), _digest(reader)
        ):
            request.session.pop(SESSION_READER, None)
            request.session.pop(SESSION_DIGEST, None)
            reader = None
    request.reader = reader
    return reader


def sign_in_url(next_url: str = "") -> str:
    url = reverse("opac:account_login")
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def safe_next(request, default: str) -> str:
    """The `next` the request carries when it points into this site, else DEFAULT."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def reader_required(view):
    """Let only a signed-in reader through; others go to the sign-in page and come back after."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        reader = current_reader(request)
        if reader is None:
            # After signing in, a POST cannot be replayed: come back to the account instead.
            back = request.get_full_path() if request.method == "GET" else reverse("opac:account")
            response = redirect(sign_in_url(back))
        else:
            response = view(request, reader, *args, **kwargs)
        add_never_cache_headers(response)  # a reader's page is his alone: no shared or back-button cache
        return response

    return wrapper
