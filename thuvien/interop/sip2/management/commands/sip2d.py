from django.core.management.base import BaseCommand, CommandError

from thuvien.interop.sip2.server import Config, run, supervise, tls_context


class Command(BaseCommand):
    help = "Run the SIP2 server for self-check kiosks (stops cleanly on SIGTERM)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=6001, help="TCP port (default 6001)")
        parser.add_argument("--tls-cert", help="PEM certificate (chain): serve SIP2 over TLS")
        parser.add_argument("--tls-key", help="PEM private key of --tls-cert")
        parser.add_argument("--encoding", default="utf-8", help="character set before a kiosk logs in")
        parser.add_argument(
            "--idle-timeout", type=float, default=600.0, help="seconds before a silent connection is closed"
        )
        parser.add_argument("--threads", type=int, default=8, help="database worker threads per process")
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="processes sharing the port (SO_REUSEPORT); one per CPU core for many busy kiosks",
        )
        parser.add_argument(
            "--reuse-port", action="store_true", help="bind with SO_REUSEPORT (set by --workers)"
        )
        parser.add_argument(
            "--login-required-for-status",
            action="store_true",
            help="answer SC status (99) only after login (by default it is answered before)",
        )
        parser.add_argument("--quiet", action="store_true", help="print nothing on start and stop")

    def handle(self, *args, **options):
        if bool(options["tls_cert"]) != bool(options["tls_key"]):
            raise CommandError("--tls-cert and --tls-key go together")
        context = None
        if options["tls_cert"]:
            try:
                context = tls_context(options["tls_cert"], options["tls_key"])
            except (OSError, ValueError) as exc:
                raise CommandError(f"cannot load the TLS certificate: {exc}") from exc
        scheme = "TLS" if context else "TCP"
        if options["workers"] > 1:
            return self._supervise(options, scheme)
        config = Config(
            host=options["host"],
            port=options["port"],
            ssl_context=context,
            encoding=options["encoding"],
            idle_timeout=options["idle_timeout"],
            threads=max(1, options["threads"]),
            status_before_login=not options["login_required_for_status"],
            reuse_port=options["reuse_port"],
        )
        from thuvien.interop.sip2.backend import CirculationBackend

        def ready(server):
            if not options["quiet"]:
                self.stdout.write(
                    f"thuvien sip2d: listening on {options['host']}:{server.port} ({scheme}); SIGTERM stops"
                )
                self.stdout.flush()

        try:
            run(CirculationBackend(), config, ready=ready)
        except OSError as exc:
            raise CommandError(f"cannot listen on {options['host']}:{options['port']}: {exc}") from exc
        if not options["quiet"]:
            self.stdout.write("thuvien sip2d: stopped")

    def _supervise(self, options, scheme: str) -> None:
        child = ["--encoding", options["encoding"], "--idle-timeout", str(options["idle_timeout"]),
                 "--threads", str(max(1, options["threads"]))]  # fmt: skip
        if options["tls_cert"]:
            child += ["--tls-cert", options["tls_cert"], "--tls-key", options["tls_key"]]
        if options["login_required_for_status"]:
            child.append("--login-required-for-status")

        def ready(port):
            if not options["quiet"]:
                self.stdout.write(
                    f"thuvien sip2d: listening on {options['host']}:{port} ({scheme}, "
                    f"{options['workers']} workers); SIGTERM stops"
                )
                self.stdout.flush()

        code = supervise(child, options["workers"], options["host"], options["port"], ready=ready)
        if not options["quiet"]:
            self.stdout.write("thuvien sip2d: stopped")
        if code:
            raise CommandError(f"a worker exited with status {code}")
