from django.core.management.base import BaseCommand

from thuvien.circulation.daily import run_daily


class Command(BaseCommand):
    help = (
        "Circulation jobs. `thuvien circulation daily [--force]`: fines, hold expiry, anonymisation, notices."
    )

    def add_arguments(self, parser):
        parser.add_argument("job", choices=["daily"])
        parser.add_argument("--force", action="store_true", help="run again even if today's run is done")

    def handle(self, *args, **options):
        summary = run_daily(force=options["force"])
        if summary is None:
            self.stdout.write("already done today (use --force to run again)")
            return
        self.stdout.write(" ".join(f"{key}={value}" for key, value in summary.items()))
