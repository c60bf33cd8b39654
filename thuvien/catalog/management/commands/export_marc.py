import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from thuvien.catalog.export import export_marc
from thuvien.interop.marc import WriteReport
from thuvien.network.queries import library_by_code


class Command(BaseCommand):
    help = "Export the public catalogue as ISO 2709 (UTF-8 or MARC-8) or MARCXML."

    def add_arguments(self, parser):
        parser.add_argument("out", help="output file ('-' for standard output)")
        parser.add_argument("--format", default="iso2709", choices=["iso2709", "marcxml"])
        parser.add_argument("--charset", default="utf8", choices=["utf8", "marc8"])
        parser.add_argument("--library", help="only records held by this library or its subtree")

    def handle(self, *args, **options):
        library = None
        if options["library"]:
            library = library_by_code(options["library"])
            if library is None:
                raise CommandError(f"no library with code {options['library']}")
        if options["format"] == "marcxml" and options["charset"] != "utf8":
            raise CommandError("MARCXML is always UTF-8")
        report = WriteReport()
        if options["out"] == "-":
            count = export_marc(
                sys.stdout.buffer,
                fmt=options["format"],
                charset=options["charset"],
                library=library,
                report=report,
            )
        else:
            with Path(options["out"]).open("wb") as out:
                count = export_marc(
                    out, fmt=options["format"], charset=options["charset"], library=library, report=report
                )
        for index, reason in report.skipped:
            self.stderr.write(f"left out record #{index + 1}: {reason} (export it as MARCXML)")
        self.stderr.write(f"exported={count} skipped={len(report.skipped)}")
