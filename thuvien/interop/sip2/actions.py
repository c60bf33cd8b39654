"""Kiosk accounts: create, disable, enable, change password, authenticate (each change audited)."""

from __future__ import annotations

import codecs

from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from thuvien.audit import actions as audit
from thuvien.interop.sip2.models import LOGIN_VALIDATOR, KioskAccount
from thuvien.network.models import Library

MIN_PASSWORD_LENGTH = 8


class KioskAccountError(Exception):
    """A change to a kiosk account that cannot be made; the message is for the user."""


def _check_password_strength(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise KioskAccountError(
            _("Mật khẩu máy SIP2 phải dài ít nhất %(n)d ký tự.") % {"n": MIN_PASSWORD_LENGTH}
        )
    if "|" in password or "\r" in password or "\n" in password:
        raise KioskAccountError(_("Mật khẩu máy SIP2 không được chứa ký tự | hoặc xuống dòng."))


def _check_encoding(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise KioskAccountError(_("Bảng mã không hợp lệ: %(enc)s.") % {"enc": encoding}) from None


def _get(login: str) -> KioskAccount:
    try:
        return KioskAccount.objects.select_related("library").get(login=login)
    except KioskAccount.DoesNotExist:
        raise KioskAccountError(_("Không có tài khoản máy SIP2 %(login)s.") % {"login": login}) from None


@transaction.atomic
def add_account(
    login: str,
    password: str,
    library_code: str,
    *,
    actor=None,
    encoding: str = "utf-8",
    patron_pin_required: bool = True,
    description: str = "",
) -> KioskAccount:
    """Create kiosk account LOGIN acting for library LIBRARY_CODE, and audit it."""
    login = (login or "").strip()
    try:
        LOGIN_VALIDATOR(login)
    except ValidationError as exc:
        raise KioskAccountError(" ".join(exc.messages)) from None
    _check_password_strength(password)
    encoding = _check_encoding(encoding)
    library = Library.objects.filter(code=(library_code or "").strip().upper()).first()
    if library is None:
        raise KioskAccountError(_("Không có thư viện mã %(code)s.") % {"code": library_code})
    if KioskAccount.objects.filter(login=login).exists():
        raise KioskAccountError(_("Tài khoản máy SIP2 %(login)s đã tồn tại.") % {"login": login})
    account = KioskAccount.objects.create(
        login=login,
        password=make_password(password),
        library=library,
        encoding=encoding,
        patron_pin_required=patron_pin_required,
        description=description,
    )
    audit.record(
        "sip2.account.created",
        actor=actor,
        library=library,
        obj=account,
        login=login,
        encoding=encoding,
        patron_pin_required=patron_pin_required,
    )
    return account


@transaction.atomic
def set_active(login: str, active: bool, *, actor=None) -> KioskAccount:
    """Disable (or enable again) kiosk account LOGIN; a disabled kiosk can no longer log in."""
    account = _get(login)
    if account.is_active != active:
        account.is_active = active
        account.save(update_fields=["is_active"])
        audit.record(
            "sip2.account.enabled" if active else "sip2.account.disabled",
            actor=actor,
            library=account.library,
            obj=account,
            login=login,
        )
    return account


@transaction.atomic
def set_password(login: str, password: str, *, actor=None) -> KioskAccount:
    """Give kiosk account LOGIN a new password."""
    _check_password_strength(password)
    account = _get(login)
    account.password = make_password(password)
    account.save(update_fields=["password"])
    audit.record(
        "sip2.account.password_changed", actor=actor, library=account.library, obj=account, login=login
    )
    return account


def authenticate(login: str, password: str) -> KioskAccount | None:
    """Return the active account LOGIN if PASSWORD is its password, else None (in constant-ish time)."""
    account = KioskAccount.objects.select_related("library").filter(login=login or "").first()
    if account is None:
        # Hash anyway so that a wrong login takes as long as a wrong password.
        make_password(password or "")
        return None
    if not check_password(password or "", account.password) or not account.is_active:
        return None
    KioskAccount.objects.filter(pk=account.pk).update(last_login_at=timezone.now())
    return account
