import time

from django.core.management.base import BaseCommand, CommandError

from thuvien.search.indexer import apply_outbox, reindex, verify


class Command(BaseCommand):
    help = "Rebuild the search index from the database, or with --verify report drift between them."

    def add_arguments(self, parser):
        parser.add_argument("--verify", action="store_true", help="only compare index and database")

    def handle(self, *args, **options):
        if options["verify"]:
            drift = verify()
            self.stdout.write(
                f"indexed={drift.indexed} expected={drift.expected} missing={len(drift.missing)} "
                f"extra={len(drift.extra)} pending_outbox={drift.pending_outbox}"
            )
            if drift.missing:
                self.stdout.write("missing ids: " + " ".join(map(str, drift.missing[:50])))
            if drift.extra:
                self.stdout.write("extra ids: " + " ".join(map(str, drift.extra[:50])))
            if not drift.ok:
                raise CommandError("the index differs from the database: run `thuvien reindex`")
            return
        started = time.monotonic()
        count = reindex(progress=lambda n: self.stderr.write(f"  {n} records…"))
        apply_outbox()
        self.stdout.write(f"reindexed={count} seconds={time.monotonic() - started:.1f}")
