import getpass
import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from thuvien.interop.sip2.actions import KioskAccountError, add_account, set_active, set_password
from thuvien.interop.sip2.models import KioskAccount


def _password(options) -> str:
    if options.get("password_file"):
        return Path(options["password_file"]).read_text(encoding="utf-8").strip()
    if options.get("password"):
        return options["password"]
    if sys.stdin.isatty():
        first = getpass.getpass("Mật khẩu máy: ")
        if getpass.getpass("Nhập lại: ") != first:
            raise CommandError("the two passwords differ")
        return first
    raise CommandError("give --password or --password-file")


class Command(BaseCommand):
    help = "Manage the SIP2 kiosk accounts: thuvien sip2 account add|list|disable|enable|password."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="noun", required=True)
        account = sub.add_parser("account", help="kiosk accounts")
        verbs = account.add_subparsers(dest="verb", required=True)
        add = verbs.add_parser("add", help="create a kiosk account acting for one library")
        add.add_argument("login")
        add.add_argument("--password", help="the kiosk's password (or --password-file, or asked)")
        add.add_argument("--password-file")
        add.add_argument("--library", required=True, help="library code, e.g. VN-TST")
        add.add_argument("--encoding", default="utf-8", help="the kiosk's character set (default utf-8)")
        add.add_argument(
            "--no-patron-pin",
            action="store_true",
            help="do not require the patron's PIN (staff-operated terminals, sorters)",
        )
        add.add_argument("--description", default="")
        lst = verbs.add_parser("list", help="list kiosk accounts")
        lst.add_argument("--json", action="store_true")
        for verb in ("disable", "enable"):
            p = verbs.add_parser(verb, help=f"{verb} a kiosk account")
            p.add_argument("login")
        pw = verbs.add_parser("password", help="set a kiosk account's password")
        pw.add_argument("login")
        pw.add_argument("--password")
        pw.add_argument("--password-file")

    def handle(self, *args, **options):
        verb = options["verb"]
        try:
            if verb == "add":
                account = add_account(
                    options["login"],
                    _password(options),
                    options["library"],
                    encoding=options["encoding"],
                    patron_pin_required=not options["no_patron_pin"],
                    description=options["description"],
                )
                self.stdout.write(f"added {account.login} for {account.library.code}")
            elif verb in ("disable", "enable"):
                account = set_active(options["login"], verb == "enable")
                self.stdout.write(f"{verb}d {account.login}")
            elif verb == "password":
                account = set_password(options["login"], _password(options))
                self.stdout.write(f"password changed for {account.login}")
            elif verb == "list":
                self._list(options["json"])
        except (KioskAccountError, OSError) as exc:
            raise CommandError(str(exc)) from exc

    def _list(self, as_json: bool) -> None:
        rows = [
            {
                "login": a.login,
                "library": a.library.code,
                "active": a.is_active,
                "encoding": a.encoding,
                "patron_pin_required": a.patron_pin_required,
                "created_at": a.created_at.isoformat(),
                "last_login_at": a.last_login_at.isoformat() if a.last_login_at else None,
                "description": a.description,
            }
            for a in KioskAccount.objects.select_related("library").order_by("login")
        ]
        if as_json:
            self.stdout.write(json.dumps(rows, ensure_ascii=False))
            return
        for row in rows:
            state = "active" if row["active"] else "disabled"
            last = row["last_login_at"] or "never"
            self.stdout.write(
                f"{row['login']:<24} {row['library']:<16} {state:<9} {row['encoding']:<8} last login {last}"
            )
