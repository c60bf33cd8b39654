"""``thuvien copycat TARGET QUERY``: search a copy-cataloguing target from the console, and import the hits."""

import sys

from django.core.management.base import BaseCommand, CommandError

from thuvien.interop.copycat.actions import import_copy
from thuvien.interop.copycat.models import CopyTarget
from thuvien.interop.copycat.search import TargetSpec, TargetURLError, search_one
from thuvien.interop.copycat.translate import QueryError, cql, pqf
from thuvien.network.queries import library_by_code
from thuvien.search.index import IndexBusy
from thuvien.search.indexer import apply_outbox


def hit_line(n: int, hit) -> str:
    """One hit as one line: number, title, author, publisher, year, ISBNs."""
    if hit.error:
        return f"{n:3d}. [unreadable] {hit.error}"
    parts = [hit.title]
    parts += [p for p in (hit.author, hit.edition, hit.publisher, str(hit.year or "")) if p]
    if hit.isbns:
        parts.append("ISBN " + ", ".join(hit.isbns))
    return f"{n:3d}. " + " | ".join(parts)


class Command(BaseCommand):
    help = (
        "Search a copy-cataloguing target (a configured target's code, z3950://host:port/database or an SRU "
        "http(s) URL) and print one line per hit; with --import, import the hits without their holdings."
    )

    def add_arguments(self, parser):
        parser.add_argument("target", help="target code, z3950://host:port/database or http(s)://…/sru")
        parser.add_argument("query", nargs="+", help="what to search for")
        kinds = parser.add_mutually_exclusive_group()
        for kind in ("isbn", "title", "author", "any"):
            kinds.add_argument(f"--{kind}", dest="kind", action="store_const", const=kind)
        parser.add_argument("--import", dest="do_import", action="store_true", help="import the hits shown")
        parser.add_argument("--library", help="code of the library the imported records belong to")
        parser.add_argument("--max", type=int, default=10, help="hits to fetch (at most 50; default 10)")
        parser.add_argument("--timeout", type=float, help="seconds to wait for the target")
        ad_hoc = parser.add_argument_group("ad-hoc targets (URLs)")
        ad_hoc.add_argument(
            "--syntax", choices=["usmarc", "xml"], default="usmarc", help="Z39.50 record syntax"
        )
        ad_hoc.add_argument("--charset", choices=["auto", "utf-8", "marc-8"], default="auto")
        ad_hoc.add_argument("--sru-version", choices=["1.1", "1.2", "2.0"], default="1.2")
        ad_hoc.add_argument("--sru-schema", default="marcxml", help="SRU recordSchema giving MARCXML")
        parser.add_argument("--no-index", action="store_true", help="leave indexing to the running worker")

    def _spec(self, options) -> TargetSpec:
        name = options["target"]
        if "://" not in name:
            target = CopyTarget.objects.filter(code=name).first()
            if target is None:
                raise CommandError(f"no copy-cataloguing target with code {name}")
            return TargetSpec.from_target(target)
        try:
            # Whoever runs the command is on the server already: an address of the local network
            # is theirs to reach (the staff pages keep that to targets a superuser allowed).
            return TargetSpec.from_url(
                name, syntax=options["syntax"], charset=options["charset"], sru_version=options["sru_version"],
                sru_schema=options["sru_schema"], allow_private=True,
            )  # fmt: skip
        except TargetURLError as exc:
            raise CommandError(exc.message) from None

    def handle(self, *args, **options):
        spec = self._spec(options)
        kind = options["kind"] or "any"
        text = " ".join(options["query"])
        try:
            shown = cql(kind, text) if spec.protocol == "sru" else pqf(kind, text)
        except QueryError as exc:
            raise CommandError(exc.message) from None
        library = None
        if options["library"]:
            library = library_by_code(options["library"])
            if library is None:
                raise CommandError(f"no library with code {options['library']}")
        result = search_one(spec, kind, text, maximum=options["max"], timeout=options["timeout"])
        if result.error:
            raise CommandError(f"{spec.code}: {result.error}")
        self.stdout.write(f"{spec.code}: {result.total} hits for {shown} ({len(result.hits)} fetched)")
        for note in result.notes[:10]:
            self.stderr.write(f"  note: {note}")
        for n, hit in enumerate(result.hits, start=1):
            self.stdout.write(hit_line(n, hit))
        if not options["do_import"]:
            return
        failed = 0
        for n, hit in enumerate(result.hits, start=1):
            outcome = import_copy(
                hit.raw, target_code=spec.code, library=library, encoding=hit.encoding,
            )  # fmt: skip
            where = f" record={outcome.target_record_id}" if outcome.target_record_id else ""
            message = f" ({outcome.message})" if outcome.message else ""
            self.stdout.write(f"{n:3d}. {outcome.status}{where}{message}")
            failed += not outcome.ok
        if not options["no_index"]:
            try:
                apply_outbox()
            except IndexBusy:
                self.stderr.write("the index is busy (a worker is running): it will index the records")
        sys.stdout.flush()
        if failed:
            raise CommandError(f"{failed} of {len(result.hits)} records could not be imported")
