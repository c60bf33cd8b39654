"""thuvien token create USERNAME [--name N] | list [USERNAME] | revoke PREFIX — staff API tokens."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from thuvien.accounts.models import ApiToken
from thuvien.api.auth import PREFIX_LENGTH, hash_token, issue_token, revoke_token


class Command(BaseCommand):
    help = "Create, list or revoke the API tokens staff use with «Authorization: Bearer <token>»."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a token for USERNAME and print it (shown only once)")
        create.add_argument("username")
        create.add_argument("--name", default="", help="what the token is for, e.g. the program using it")
        listing = sub.add_parser("list", help="list tokens (of USERNAME, or of everyone)")
        listing.add_argument("username", nargs="?")
        listing.add_argument("--all", action="store_true", help="include revoked tokens")
        revoke = sub.add_parser(
            "revoke", help="revoke the token starting with PREFIX (as shown by list), or the whole token"
        )
        revoke.add_argument("prefix")

    def handle(self, *args, **options):
        action = options["action"]
        if action == "create":
            user = get_user_model().objects.filter(username=options["username"]).first()
            if user is None:
                raise CommandError(f"no user {options['username']!r}")
            if not user.is_active:
                raise CommandError(f"user {user.username!r} is not active")
            token, secret = issue_token(user, name=options["name"])
            self.stderr.write(
                f"token {token.prefix}… for {user.username}: copy it now, it is not shown again"
            )
            self.stdout.write(secret)
        elif action == "list":
            tokens = ApiToken.objects.select_related("user").order_by("user__username", "created_at")
            if options["username"]:
                tokens = tokens.filter(user__username=options["username"])
            if not options["all"]:
                tokens = tokens.filter(revoked_at__isnull=True)
            for token in tokens:
                used = token.last_used_at.isoformat(timespec="seconds") if token.last_used_at else "never"
                state = (
                    f"revoked {token.revoked_at.isoformat(timespec='seconds')}"
                    if token.revoked_at
                    else "active"
                )
                self.stdout.write(
                    f"{token.prefix}\t{token.user.username}\t{token.name or '-'}\t"
                    f"created {token.created_at.isoformat(timespec='seconds')}\tlast used {used}\t{state}"
                )
        elif action == "revoke":
            given = options["prefix"].rstrip("…").strip()
            tokens = ApiToken.objects.select_related("user").filter(revoked_at__isnull=True)
            if len(given) > PREFIX_LENGTH:  # the whole token was pasted
                matches = list(tokens.filter(token_hash=hash_token(given)))
            else:
                matches = list(tokens.filter(prefix__startswith=given)) if given else []
            if not matches:
                raise CommandError(f"no active token with prefix {given!r}")
            if len(matches) > 1:
                raise CommandError(f"{len(matches)} active tokens start with {given!r}: give more of it")
            token = revoke_token(matches[0])
            self.stdout.write(f"revoked {token.prefix} of {token.user.username}")
