import json

from django.core.management.base import BaseCommand

from thuvien.search.service import SearchRequest, search


class Command(BaseCommand):
    help = "Search the catalogue as an anonymous OPAC visitor would."

    def add_arguments(self, parser):
        parser.add_argument("query")
        parser.add_argument("--library", default="", help="limit to this library and its subtree")
        parser.add_argument("--limit", type=int, default=10)
        parser.add_argument("--page", type=int, default=1)
        parser.add_argument("--sort", default="relevance")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        result = search(
            SearchRequest(
                q=options["query"],
                library=options["library"],
                per_page=options["limit"],
                page=options["page"],
                sort=options["sort"],
                facets=False,
            )
        )
        if options["json"]:
            payload = result.as_json()
            if result.error:
                payload["error"] = result.error
            self.stdout.write(json.dumps(payload, ensure_ascii=False))
            return
        if result.error:
            self.stderr.write(result.error)
        self.stdout.write(f"{result.total} kết quả")
        for n, hit in enumerate(result.hits, start=(result.request.page - 1) * result.request.per_page + 1):
            rec = hit.record
            self.stdout.write(
                f"{n:>4}. {rec.title} — {rec.author or '?'} ({rec.year or 's.d.'})  [#{rec.pk}]"
            )
            for item in hit.items:
                self.stdout.write(
                    f"        {item.library.code:<16} {item.barcode:<16} {item.get_status_display()}"
                )
