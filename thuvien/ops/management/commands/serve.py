import os
import signal
import socket
import subprocess
import sys

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Serve the web site and API, with the background worker alongside in its own process."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1, help="web worker processes")
        parser.add_argument("--threads", type=int, default=8, help="threads per web worker")
        parser.add_argument("--no-worker", action="store_true", help="do not start the background worker")

    def handle(self, *args, **options):
        # Granian binds with SO_REUSEPORT, so a second server would silently share the port.
        with socket.socket(socket.AF_INET6 if ":" in options["host"] else socket.AF_INET) as probe:
            try:
                probe.bind((options["host"], options["port"]))
            except OSError as exc:
                raise CommandError(
                    f"cannot listen on {options['host']}:{options['port']}: {exc.strerror}"
                ) from exc
        from granian import Granian
        from granian.constants import Interfaces

        # The worker runs in a separate process, never as a thread here: Granian forks its web workers
        # from this process, and a fork must not inherit a thread that holds index or database locks.
        worker = None
        if not options["no_worker"]:
            worker = subprocess.Popen(
                [sys.executable, "-c", "from thuvien.cli import main; main()", "worker", "--quiet"],
                env={**os.environ, "THUVIEN_WORKER_PARENT": str(os.getpid())},
            )
        self.stdout.write(f"thuvien: serving on http://{options['host']}:{options['port']}/")
        self.stdout.flush()
        try:
            Granian(
                "thuvien.wsgi:application",
                address=options["host"],
                port=options["port"],
                interface=Interfaces.WSGI,
                workers=options["workers"],
                blocking_threads=options["threads"],
                log_level="warning",
            ).serve()
        finally:
            if worker is not None and worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    worker.kill()
