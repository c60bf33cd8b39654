"""Self-registration in the OPAC (/ban-doc/dang-ky/): a pending card that a librarian approves.

The card number is the home library's code without dashes and a six-digit sequence (VNTSTXA000042).
Registrations are rate-limited per address so that a bot cannot fill the reader table (or use the
"CCCD already registered" answer to test citizen IDs in bulk).
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from thuvien.opac.forms_account import RegistrationForm
from thuvien.patrons.actions import register_reader
from thuvien.patrons.exceptions import PatronError
from thuvien.patrons.models import Reader, ReaderStatus

CHANNEL = "opac"
SESSION_REGISTERED = "thuvien_registered_card"
SEQUENCE_DIGITS = 6
CARD_MAX = 32
CARD_ATTEMPTS = 20
WINDOW_SECONDS = 3600
# Which form field shows each refusal of register_reader.
ERROR_FIELDS = {"cccd": "cccd", "cccd_taken": "cccd", "pin": "pin", "name": "full_name", "birth_date": "birth_date",
                "category": "category"}  # fmt: skip


def card_prefix(library) -> str:
    return re.sub(r"[^A-Z0-9]", "", library.code.upper())[: CARD_MAX - SEQUENCE_DIGITS]


def next_card_number(library) -> str:
    """The next free card of LIBRARY's sequence (the caller still retries if someone takes it first)."""
    prefix = card_prefix(library)
    last = (
        Reader.objects.filter(card__regex=rf"^{re.escape(prefix)}[0-9]{{{SEQUENCE_DIGITS}}}$")
        .order_by("-card")
        .values_list("card", flat=True)
        .first()
    )
    number = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{number:0{SEQUENCE_DIGITS}d}"


def client_address(request) -> str:
    """The visitor's IP: the proxy's last X-Forwarded-For hop when behind our own proxy, else the peer."""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if hops:
            return hops[-1][:64]
    return request.META.get("REMOTE_ADDR", "")[:64]


def _limits() -> tuple[int, int]:
    return (
        getattr(settings, "READER_REGISTRATIONS_PER_HOUR", 5),
        getattr(settings, "READER_REGISTRATION_ATTEMPTS_PER_HOUR", 20),
    )


def _count(key: str) -> int:
    return cache.get(key, 0)


def _bump(key: str) -> None:
    # add() starts the window only if the counter is absent; incr() then counts within it.
    cache.add(key, 0, timeout=WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.set(key, 1, timeout=WINDOW_SECONDS)


@never_cache
@require_http_methods(["GET", "POST"])
def register_view(request):
    form = RegistrationForm(request.POST or None)
    limited = False
    if request.method == "POST":
        address = client_address(request)
        done_key, tries_key = f"thuvien:register:done:{address}", f"thuvien:register:tries:{address}"
        most, most_tries = _limits()
        if _count(done_key) >= most or _count(tries_key) >= most_tries:
            limited = True
        else:
            _bump(tries_key)
            if form.is_valid():
                reader = _register(form)
                if reader is not None:
                    _bump(done_key)
                    request.session[SESSION_REGISTERED] = reader.card
                    return redirect("opac:account_registered")
    return render(
        request,
        "opac/account/register.html",
        {"form": form, "limited": limited},
        status=429 if limited else (400 if request.method == "POST" else 200),
    )


def _register(form: RegistrationForm) -> Reader | None:
    """Create the pending reader from FORM, or put the refusal next to its field and return None."""
    data = form.cleaned_data
    library = data["home_library"]
    for _attempt in range(CARD_ATTEMPTS):
        try:
            return register_reader(
                card=next_card_number(library),
                full_name=data["full_name"],
                home_library=library,
                category=data["category"],
                pin=data["pin"],
                channel=CHANNEL,
                status=ReaderStatus.PENDING,
                cccd=data["cccd"],
                keep_history=data["keep_history"],
                terms=data["terms"],
                birth_date=data["birth_date"],
                email=data["email"],
                phone=data["phone"].strip(),
                address=data["address"],
            )
        except PatronError as exc:
            if exc.code == "card_taken":
                continue  # someone registered at the same library at the same moment: take the next number
            form.add_error(ERROR_FIELDS.get(exc.code), exc.message)
            return None
    form.add_error(None, _("Không cấp được số thẻ lúc này. Vui lòng thử lại sau ít phút."))
    return None


@never_cache
@require_http_methods(["GET"])
def registered_view(request):
    card = request.session.get(SESSION_REGISTERED)
    if not card:
        return redirect("opac:account_register")
    return render(request, "opac/account/registered.html", {"card": card})
