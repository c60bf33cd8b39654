import csv
import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from thuvien.catalog.actions import ImportReport, import_marc
from thuvien.interop.marc import ENCODINGS
from thuvien.network.queries import library_by_code
from thuvien.search.index import IndexBusy
from thuvien.search.indexer import apply_outbox


def write_report(report: ImportReport, path: Path) -> None:
    """Write one line per record, in file order: CSV (default, opens in a spreadsheet) or JSON Lines for *.jsonl."""
    order = {
        name: n for n, name in enumerate(dict.fromkeys(getattr(line, "file", "") for line in report.lines))
    }
    report.lines.sort(key=lambda line: (order[getattr(line, "file", "")], line.position))
    if path.suffix.lower() in (".jsonl", ".json"):
        with path.open("w", encoding="utf-8") as out:
            for line in report.lines:
                out.write(json.dumps(line.__dict__, ensure_ascii=False) + "\n")
        return
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["file", "position", "status", "record_id", "control_number", "title", "message"])
        for line in report.lines:
            writer.writerow(
                [
                    getattr(line, "file", ""),
                    line.position,
                    line.status,
                    line.record_id or "",
                    line.control_number,
                    line.title,
                    line.message,
                ]
            )


class Command(BaseCommand):
    help = "Import ISO 2709 or MARCXML files (format detected) into the catalogue."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+")
        parser.add_argument("--library", help="code of the library the records and unplaced copies belong to")
        parser.add_argument("--encoding", default="auto", choices=ENCODINGS)
        parser.add_argument("--report", help="write a per-record report here (CSV, or JSON Lines for .jsonl)")
        parser.add_argument("--no-index", action="store_true", help="leave indexing to the running worker")

    def handle(self, *args, **options):
        library = None
        if options["library"]:
            library = library_by_code(options["library"])
            if library is None:
                raise CommandError(f"no library with code {options['library']}")
        total = ImportReport()
        for name in options["files"]:
            path = Path(name)
            if not path.is_file():
                raise CommandError(f"no such file: {name}")
            before = len(total.lines)
            import_marc(path, library=library, encoding=options["encoding"], report=total, filename=str(path))
            for line in total.lines[before:]:
                line.file = str(path)
            self.stderr.write(f"{path}: {len(total.lines) - before} records read")
        if options["report"]:
            write_report(total, Path(options["report"]))
        if not options["no_index"]:
            try:
                apply_outbox()
            except IndexBusy:
                self.stderr.write("the index is busy (a worker is running): it will index the records")
        for line in total.lines:
            if line.status == "rejected":
                self.stderr.write(f"rejected #{line.position} {getattr(line, 'file', '')}: {line.message}")
        self.stdout.write(total.summary())
        sys.stdout.flush()
