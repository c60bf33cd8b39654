from django.core.management.base import BaseCommand, CommandError

from thuvien.interop.z3950.server import Config, run
from thuvien.ops.daemons import supervise


class Command(BaseCommand):
    help = (
        "Run the Z39.50 server (search and copy cataloguing for other libraries); stops cleanly on SIGTERM."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", help="address to listen on (default: THUVIEN_Z3950_HOST, 127.0.0.1)")
        parser.add_argument("--port", type=int, help="TCP port (default: THUVIEN_Z3950_PORT, 2100)")
        parser.add_argument(
            "--auth",
            choices=["none", "optional", "required"],
            help="authentication (default: THUVIEN_Z3950_AUTH)",
        )
        parser.add_argument(
            "--threads", type=int, default=8, help="search worker threads per process (default 8)"
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="processes sharing the port (SO_REUSEPORT); one Python process uses one CPU core",
        )
        parser.add_argument(
            "--reuse-port", action="store_true", help="bind with SO_REUSEPORT (set by --workers)"
        )
        parser.add_argument("--quiet", action="store_true", help="print nothing on start and stop")

    def handle(self, *args, **options):
        if options["workers"] > 1:
            return self._supervise(options)
        try:
            config = Config.from_settings(
                host=options["host"],
                port=options["port"],
                auth_mode=options["auth"],
                threads=max(1, options["threads"]),
                reuse_port=options["reuse_port"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc

        def ready(server):
            if not options["quiet"]:
                self.stdout.write(
                    f"thuvien z3950d: listening on {config.host}:{server.port} "
                    f"(database Default, authentication {config.auth_mode}); SIGTERM stops"
                )
                self.stdout.flush()

        try:
            run(config, ready=ready)
        except OSError as exc:
            raise CommandError(f"cannot listen on {config.host}:{config.port}: {exc}") from exc
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if not options["quiet"]:
            self.stdout.write("thuvien z3950d: stopped")

    def _supervise(self, options) -> None:
        config = Config.from_settings(host=options["host"], port=options["port"], auth_mode=options["auth"])
        child = ["--threads", str(max(1, options["threads"])), "--auth", config.auth_mode]

        def ready(port):
            if not options["quiet"]:
                self.stdout.write(
                    f"thuvien z3950d: listening on {config.host}:{port} (database Default, authentication "
                    f"{config.auth_mode}, {options['workers']} workers); SIGTERM stops"
                )
                self.stdout.flush()

        code = supervise("z3950d", child, options["workers"], config.host, config.port, ready=ready)
        if not options["quiet"]:
            self.stdout.write("thuvien z3950d: stopped")
        if code:
            raise CommandError(f"a worker exited with status {code}")
