"""Staff API tokens: `thuvien token create|list|revoke`, stored as a hash, audited, revocable at once."""

import datetime as dt
import hashlib

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from thuvien.accounts.models import ApiToken
from thuvien.api.auth import LAST_USED_RESOLUTION
from thuvien.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def create(capsys, username, *args) -> str:
    call_command("token", "create", username, *args)
    out = capsys.readouterr()
    return out.out.strip()


def who_am_i(client, secret):
    return client.get("/api/v1/circulation/readers/KHONGCO", HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_create_prints_the_token_once_and_stores_only_its_hash(capsys, client, provincial_librarian):
    secret = create(capsys, "tinh", "--name", "máy quầy 1")
    assert secret.startswith("thv_") and len(secret) >= 4 + 43  # 32 random bytes, base64url
    token = ApiToken.objects.get()
    assert token.user == provincial_librarian and token.name == "máy quầy 1"
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.prefix == secret[:12] and token.last_used_at is None
    # The secret is nowhere in the database: only its hash and its first characters.
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apitoken")
        row = cursor.fetchone()
    assert secret not in " ".join(str(v) for v in row)
    entry = AuditEntry.objects.get(type="accounts.api_token.created")
    assert (
        entry.data["user"] == "tinh"
        and entry.data["prefix"] == token.prefix
        and secret not in str(entry.data)
    )
    # A second token is a different secret.
    assert create(capsys, "tinh") != secret
    # It works: the request is authenticated (404: no such card, rather than 401).
    assert who_am_i(client, secret).status_code == 404


def test_list_shows_prefixes_never_secrets(capsys, provincial_librarian, other_library_staff):
    secret = create(capsys, "tinh", "--name", "kiosk")
    create(capsys, "khac")
    call_command("token", "list", "tinh")
    listing = capsys.readouterr().out
    assert secret[:12] in listing and secret not in listing and "kiosk" in listing and "never" in listing
    assert "khac" not in listing
    call_command("token", "list")
    assert "khac" in capsys.readouterr().out


def test_revoke_refuses_the_token_at_once(capsys, client, provincial_librarian):
    secret = create(capsys, "tinh")
    keep = create(capsys, "tinh")
    assert who_am_i(client, secret).status_code == 404
    call_command("token", "revoke", secret[:12])
    assert "revoked" in capsys.readouterr().out
    response = who_am_i(client, secret)
    assert response.status_code == 401 and "thu hồi" in response.json()["detail"]
    assert who_am_i(client, keep).status_code == 404
    assert ApiToken.objects.get(prefix=secret[:12]).revoked_at is not None
    assert AuditEntry.objects.filter(type="accounts.api_token.revoked").count() == 1
    with pytest.raises(CommandError):
        call_command("token", "revoke", secret[:12])  # already revoked
    call_command("token", "list")
    assert secret[:12] not in capsys.readouterr().out
    call_command("token", "list", "--all")
    assert "revoked" in capsys.readouterr().out
    # The whole token may be given too.
    call_command("token", "revoke", keep)
    assert who_am_i(client, keep).status_code == 401


def test_last_used_is_recorded_without_a_write_per_request(capsys, client, provincial_librarian):
    secret = create(capsys, "tinh")
    who_am_i(client, secret)
    first = ApiToken.objects.get().last_used_at
    assert first is not None
    who_am_i(client, secret)
    assert ApiToken.objects.get().last_used_at == first
    ApiToken.objects.update(last_used_at=first - LAST_USED_RESOLUTION - dt.timedelta(seconds=1))
    who_am_i(client, secret)
    assert ApiToken.objects.get().last_used_at > first


def test_a_deactivated_users_tokens_stop_working(capsys, client, provincial_librarian):
    secret = create(capsys, "tinh")
    provincial_librarian.is_active = False
    provincial_librarian.save()
    assert who_am_i(client, secret).status_code == 401
    with pytest.raises(CommandError):
        create(capsys, "tinh")


def test_unknown_user_and_prefix(capsys, network):
    with pytest.raises(CommandError):
        create(capsys, "khong-ai")
    with pytest.raises(CommandError):
        call_command("token", "revoke", "thv_khongco")
    assert not ApiToken.objects.exists()
