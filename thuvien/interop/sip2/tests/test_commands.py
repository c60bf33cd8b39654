"""thuvien sip2 account add|list|disable|enable|password, and the account actions behind them."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import CommandError, call_command

from thuvien.audit.models import AuditEntry
from thuvien.interop.sip2.actions import KioskAccountError, add_account, authenticate
from thuvien.interop.sip2.models import KioskAccount

PASSWORD = "mat-khau-kiosk-1"  # noqa: S105


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("sip2", *args, stdout=out)
    return out.getvalue()


def test_add_list_disable_enable_password(network):
    assert (
        run("account", "add", "kiosk-1", "--password", PASSWORD, "--library", "vn-tst")
        == "added kiosk-1 for VN-TST\n"
    )
    account = KioskAccount.objects.get(login="kiosk-1")
    assert account.library == network["prov"] and account.is_active and account.patron_pin_required
    assert account.password != PASSWORD and check_password(PASSWORD, account.password)
    entry = AuditEntry.objects.get(type="sip2.account.created")
    assert entry.library == network["prov"] and entry.object_id == str(account.pk)
    assert "mat-khau" not in json.dumps(entry.data)

    rows = json.loads(run("account", "list", "--json"))
    assert (
        rows[0]["login"] == "kiosk-1" and rows[0]["library"] == "VN-TST" and rows[0]["last_login_at"] is None
    )
    assert "kiosk-1" in run("account", "list")

    assert run("account", "disable", "kiosk-1") == "disabled kiosk-1\n"
    assert authenticate("kiosk-1", PASSWORD) is None
    assert AuditEntry.objects.filter(type="sip2.account.disabled").count() == 1
    run("account", "enable", "kiosk-1")
    assert authenticate("kiosk-1", PASSWORD) == account

    run("account", "password", "kiosk-1", "--password", "mot-mat-khau-moi")
    assert authenticate("kiosk-1", PASSWORD) is None
    assert authenticate("kiosk-1", "mot-mat-khau-moi") is not None
    assert AuditEntry.objects.filter(type="sip2.account.password_changed").count() == 1


def test_password_from_a_file_and_options(network, tmp_path):
    secret = tmp_path / "pw"
    secret.write_text(PASSWORD + "\n")
    run("account", "add", "sorter", "--password-file", str(secret), "--library", "VN-TST-XA", "--encoding", "latin1",
        "--no-patron-pin", "--description", "Máy phân loại")  # fmt: skip
    account = KioskAccount.objects.get(login="sorter")
    assert account.encoding == "iso8859-1" and not account.patron_pin_required
    assert authenticate("sorter", PASSWORD) == account


@pytest.mark.parametrize(
    "args, message",
    [
        (["bad login!", "--password", PASSWORD, "--library", "VN-TST"], "Tên đăng nhập"),
        (["k", "--password", "short", "--library", "VN-TST"], "ít nhất 8"),
        (["k", "--password", "pipe|in|it", "--library", "VN-TST"], "|"),
        (["k", "--password", PASSWORD, "--library", "VN-NOPE"], "Không có thư viện"),
        (["k", "--password", PASSWORD, "--library", "VN-TST", "--encoding", "klingon"], "Bảng mã"),
    ],
)
def test_bad_accounts_are_refused(network, args, message):
    with pytest.raises(CommandError, match=message.replace("|", r"\|")):
        run("account", "add", *args)
    assert not KioskAccount.objects.exists()


def test_duplicate_and_unknown_logins(network):
    add_account("kiosk-1", PASSWORD, "VN-TST")
    with pytest.raises(KioskAccountError):
        add_account("kiosk-1", PASSWORD, "VN-TST-XA")
    with pytest.raises(CommandError, match="Không có tài khoản"):
        run("account", "disable", "ghost")


def test_sip2d_refuses_half_a_tls_configuration(db):
    with pytest.raises(CommandError, match="go together"):
        call_command("sip2d", "--tls-cert", "x.pem")
    with pytest.raises(CommandError, match="cannot load"):
        call_command("sip2d", "--tls-cert", "/nonexistent.pem", "--tls-key", "/nonexistent.key")
