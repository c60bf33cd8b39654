import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from thuvien.network.queries import library_by_code, subtree_codes
from thuvien.patrons.importer import ENCODINGS, ReaderImportError, import_readers, write_report
from thuvien.patrons.models import Reader, ReaderStatus


class Command(BaseCommand):
    help = (
        "Readers. `thuvien readers import FILE.csv [--library CODE] [--report FILE] [--dry-run]`: "
        "bulk import (header: card,pin,name,category,library,email,birth_date[,phone,address,cccd,"
        "expires_on,keep_history], or so_the,ma_pin,ho_ten,doi_tuong,thu_vien,thu_dien_tu,ngay_sinh,…); "
        "`thuvien readers list [--library CODE] [--status S] [--json]`."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="import readers from a CSV file")
        imp.add_argument("file")
        imp.add_argument(
            "--library", help="home library of the rows that name none (the column may then be left out)"
        )
        imp.add_argument("--encoding", default="auto", choices=ENCODINGS)
        imp.add_argument("--report", help="write the rejected, updated and converted lines here (CSV)")
        imp.add_argument("--dry-run", action="store_true", help="check every row, change nothing")
        lst = sub.add_parser("list", help="list readers")
        lst.add_argument("--library", help="readers of this library and the libraries below it")
        lst.add_argument("--status", choices=ReaderStatus.values)
        lst.add_argument("--limit", type=int, default=0, help="at most this many (0: all)")
        lst.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        if options["action"] == "import":
            self.import_file(options)
        else:
            self.list_readers(options)

    def import_file(self, options):
        library = None
        if options["library"]:
            library = library_by_code(options["library"])
            if library is None:
                raise CommandError(f"no library with code {options['library']}")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        try:
            report = import_readers(
                path.read_bytes(), library=library, encoding=options["encoding"], dry_run=options["dry_run"]
            )
        except ReaderImportError as exc:
            raise CommandError(exc.message) from exc
        if report.conversion:
            self.stderr.write(report.conversion)
        if report.ignored_columns:
            self.stderr.write(f"cột không dùng (ignored columns): {', '.join(report.ignored_columns)}")
        if options["report"]:
            with Path(options["report"]).open("w", encoding="utf-8-sig", newline="") as out:
                write_report(report, out)
        for line in report.lines:
            if line.status == "rejected":
                self.stderr.write(f"dòng {line.line} ({line.card or '—'}): {line.message}")
        if report.unchanged:
            self.stderr.write(f"không thay đổi (unchanged): {report.unchanged}")
        if report.dry_run:
            self.stderr.write("--dry-run: nothing was saved")
        self.stdout.write(report.summary())
        sys.stdout.flush()
        if report.rejected and not (report.imported or report.updated or report.unchanged):
            raise CommandError("no reader imported: every row was rejected")

    def list_readers(self, options):
        readers = Reader.objects.select_related("home_library", "category").order_by("card")
        if options["library"]:
            if library_by_code(options["library"]) is None:
                raise CommandError(f"no library with code {options['library']}")
            readers = readers.filter(home_library__code__in=subtree_codes(options["library"].upper()))
        if options["status"]:
            readers = readers.filter(status=options["status"])
        if options["limit"]:
            readers = readers[: options["limit"]]
        # Contact details and the CCCD stay out: this is a roll, not an export of personal data.
        rows = [
            {
                "card": r.card,
                "name": r.full_name,
                "category": r.category.code,
                "library": r.home_library.code,
                "status": r.status,
                "expires_on": r.expires_on.isoformat() if r.expires_on else None,
            }
            for r in readers
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False))
            return
        for row in rows:
            self.stdout.write(
                f"{row['card']:<14} {row['status']:<10} {row['category']:<12} {row['library']:<22} "
                f"{row['expires_on'] or '':<11} {row['name']}"
            )
