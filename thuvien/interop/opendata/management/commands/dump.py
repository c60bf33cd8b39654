from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from thuvien.interop.opendata.dumps import FORMATS, DumpBusy, Scope, run_dumps, scopes, write_to
from thuvien.network.queries import library_by_code


class Command(BaseCommand):
    help = (
        "Write the open-data dumps (MARCXML, CSV, JSON-LD; gzip) of the network and of every library, "
        "or of one library, and publish them at /du-lieu-mo/ — or, with --out, only write them to a directory."
    )

    def add_arguments(self, parser):
        parser.add_argument("--library", help="only this library (and its subtree)")
        parser.add_argument("--format", default="all", choices=[*FORMATS, "all"])
        parser.add_argument(
            "--out",
            help="write the files to this directory under their public names instead of publishing them",
        )

    def handle(self, *args, **options):
        library = None
        if options["library"]:
            library = library_by_code(options["library"])
            if library is None:
                raise CommandError(f"no active library with code {options['library']}")
        formats = list(FORMATS) if options["format"] == "all" else [options["format"]]
        if options["out"]:
            directory = Path(options["out"])
            if directory.exists() and not directory.is_dir():
                raise CommandError(f"{directory} is not a directory")
            targets = [Scope.of(library)] if library is not None else scopes()
            for scope in targets:
                for w in write_to(scope, formats, directory):
                    self._line(scope.key, w.format, w.records, w.size, w.sha256, w.path.name)
            return
        try:
            dumps = run_dumps(library, formats)
        except DumpBusy as exc:
            raise CommandError(f"another dump is being written into {exc}") from None
        for dump in dumps:
            self._line(dump.dataset.key, dump.format, dump.records, dump.size, dump.sha256, dump.file_name)

    def _line(self, key, fmt, records, size, sha256, name):
        self.stdout.write(f"{key}\t{fmt}\trecords={records}\tbytes={size}\tsha256={sha256}\t{name}")
