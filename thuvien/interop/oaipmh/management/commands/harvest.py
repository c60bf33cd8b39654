import sys

from django.core.management.base import BaseCommand, CommandError

from thuvien.interop.oaipmh.harvester import HarvestBusy, due_sources, harvest
from thuvien.interop.oaipmh.models import HarvestRun, HarvestSource
from thuvien.search.index import IndexBusy
from thuvien.search.indexer import apply_outbox


def report(run: HarvestRun) -> str:
    """The run's report as lines of text: counts, then the error and the problems."""
    lines = [
        f"{run.source.code}: {run.status} ({run.mode}) pages={run.pages} received={run.received} "
        f"imported={run.imported} updated={run.updated} attached={run.attached} deleted={run.deleted} "
        f"rejected={run.rejected}" + (f" from={run.from_date}" if run.from_date else "")
    ]
    if run.error:
        lines.append(f"  error: {run.error}")
    for problem in run.problems or []:
        who = problem.get("identifier") or "-"
        lines.append(f"  {problem.get('status', '')} {who}: {problem.get('message', '')}")
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Harvest an OAI-PMH source now (by its code), or every source whose scheduled harvest is due."

    def add_arguments(self, parser):
        parser.add_argument("source", nargs="?", help="code of the source; without it, every due source")
        parser.add_argument("--full", action="store_true", help="harvest everything, not only what changed")
        parser.add_argument("--no-index", action="store_true", help="leave indexing to the running worker")

    def handle(self, *args, **options):
        if options["source"]:
            source = HarvestSource.objects.filter(code=options["source"]).select_related("library").first()
            if source is None:
                raise CommandError(f"no harvest source with code {options['source']}")
            sources = [source]
        else:
            sources = due_sources()
            if not sources:
                self.stdout.write("no harvest is due")
                return
        failed = []
        for source in sources:
            try:
                run = harvest(source, full=options["full"])
            except HarvestBusy as exc:
                self.stderr.write(exc.message)
                failed.append(source.code)
                continue
            self.stdout.write(report(run))
            sys.stdout.flush()
            if run.status in (HarvestRun.Status.FAILED, HarvestRun.Status.PARTIAL):
                failed.append(source.code)
        if not options["no_index"]:
            try:
                apply_outbox()
            except IndexBusy:
                self.stderr.write("the index is busy (a worker is running): it will index the records")
        if failed:
            raise CommandError("harvest did not succeed for: " + ", ".join(failed))
