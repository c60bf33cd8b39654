from django.core.management.base import BaseCommand

from thuvien.ops.worker import Worker


class Command(BaseCommand):
    help = "Run the background worker alone: search outbox and queued tasks (stops on SIGTERM)."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=None, help="seconds between outbox polls")
        parser.add_argument("--quiet", action="store_true", help="print nothing on start and stop")

    def handle(self, *args, **options):
        if not options["quiet"]:
            self.stdout.write("thuvien worker: running (Ctrl+C to stop)")
        Worker(interval=options["interval"]).run_forever()
        if not options["quiet"]:
            self.stdout.write("thuvien worker: stopped")
