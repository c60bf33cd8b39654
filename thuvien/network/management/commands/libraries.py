import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from thuvien.network.actions import add_library, import_libraries_csv
from thuvien.network.exceptions import NetworkError
from thuvien.network.models import Library, LibraryKind


class Command(BaseCommand):
    help = "List the libraries of the network, add one, or import a CSV of them."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true")
        sub = parser.add_subparsers(dest="action")
        add = sub.add_parser("add", help="add a library")
        add.add_argument("code")
        add.add_argument("name")
        add.add_argument("--kind", required=True, choices=LibraryKind.values)
        add.add_argument("--parent")
        add.add_argument("--address", default="")
        add.add_argument("--latitude", type=float)
        add.add_argument("--longitude", type=float)
        imp = sub.add_parser("import", help="import FILE.csv (header: code,name,kind,parent,…)")
        imp.add_argument("file")

    def handle(self, *args, **options):
        try:
            if options["action"] == "add":
                lib = add_library(
                    options["code"],
                    options["name"],
                    options["kind"],
                    options["parent"],
                    address=options["address"],
                    latitude=options["latitude"],
                    longitude=options["longitude"],
                )
                self.stdout.write(f"added {lib.code}")
                return
            if options["action"] == "import":
                result = import_libraries_csv(Path(options["file"]).read_text(encoding="utf-8"))
                for error in result.errors:
                    self.stderr.write(error)
                self.stdout.write(f"created={result.created} rejected={len(result.errors)}")
                if result.errors and not result.created:
                    raise CommandError("no library imported")
                return
        except (NetworkError, OSError, UnicodeDecodeError) as exc:
            raise CommandError(str(exc)) from exc
        rows = [
            {
                "code": lib.code,
                "name": lib.name,
                "kind": lib.kind,
                "parent": lib.parent.code if lib.parent else None,
            }
            for lib in Library.objects.select_related("parent").order_by("path")
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False))
            return
        for lib in Library.objects.order_by("path"):
            self.stdout.write(f"{'  ' * lib.depth}{lib.code:<20} {lib.kind:<13} {lib.name}")
