"""Search-box suggestions: titles whose words start with what has been typed."""

from __future__ import annotations

import re

from tantivy import Occur, Query

from thuvien.catalog.models import Record
from thuvien.lib.vn_text import fold, tokens
from thuvien.search import index


def titles(text: str, limit: int = 8) -> list[str]:
    """Return up to LIMIT distinct public titles matching TEXT as a prefix of title words."""
    words = tokens(fold(text or ""))[:8]
    if not words or len(words[-1]) < 2 and len(words) == 1:
        return []
    if len(words) == 1:
        query = Query.regex_query(index.SCHEMA, "title", re.escape(words[0]) + ".*")
    else:
        query = Query.phrase_prefix_query(index.SCHEMA, "title", words)
    query = Query.boolean_query([(Occur.Must, query)])
    searcher = index.searcher()
    hits = searcher.search(query, limit * 3).hits
    ids = searcher.fast_field_values("id", [address for _score, address in hits]) if hits else []
    by_id = dict(
        Record.objects.filter(pk__in=ids, suppressed=False, deleted_at__isnull=True).values_list(
            "id", "title"
        )
    )
    seen: list[str] = []
    for record_id in ids:
        title = by_id.get(record_id)
        if title and title not in seen:
            seen.append(title)
        if len(seen) >= limit:
            break
    return seen
