"""Snippets: passages of the pages of digital objects that match a search, for the OPAC's and the API's hits.

Built from the database at render time, through ``digital.queries`` and never from the index, so a snippet
only ever shows a page the viewer may read now (DESIGN.md §7): the index says which records match, the
database says what of them this viewer may see.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from thuvien.digital import queries
from thuvien.digital.policies import Viewer
from thuvien.lib.vn_text import _TOKEN_RE, fold, nfc
from thuvien.search.query import fulltext_words

SNIPPET_WORDS = 30
WORDS_BEFORE = 10
PAGES_PER_HIT = 2
# Pages read per object to choose the best ones from: a word common in a long book matches hundreds.
CANDIDATE_PAGES = 20
_SPACES = re.compile(r"\s+")


@dataclass
class Snippet:
    object_id: int
    object_title: str
    seq: int
    label: str
    html: SafeString  # the page's words around the first match, matches in <mark>, the rest escaped
    text: str  # the same words without markup

    @property
    def viewer_url(self) -> str:
        # The paths of the public digital library (thuvien/urls.py mounts its modules at /so-hoa/).
        return f"/so-hoa/{self.object_id}/"

    @property
    def text_url(self) -> str:
        return f"/so-hoa/{self.object_id}/trang/{self.seq}/"

    def as_json(self) -> dict:
        return {
            "object": self.object_id,
            "object_title": self.object_title,
            "page": self.seq,
            "label": self.label,
            "html": str(self.html),
            "text": self.text,
            "viewer_url": self.viewer_url,
            "text_url": self.text_url,
        }


def _matches(token: str, words: list[tuple[str, bool]]) -> str | None:
    """Return the query word folded TOKEN matches (whole, or as a prefix for a truncated word), or None."""
    for word, prefix in words:
        if token == word or (prefix and token.startswith(word)):
            return word
    return None


def passage(text: str, words: list[tuple[str, bool]]) -> tuple[SafeString, str, int] | None:
    """Return (HTML, plain text, number of distinct WORDS found) of TEXT around its first match, or None."""
    text = nfc(text)
    spans = list(_TOKEN_RE.finditer(text))
    marked: set[int] = set()
    found: set[str] = set()
    for i, m in enumerate(spans):
        word = _matches(fold(m.group()), words)
        if word is not None:
            marked.add(i)
            found.add(word)
    if not marked:
        return None
    first = min(marked)
    end = min(len(spans), max(0, first - WORDS_BEFORE) + SNIPPET_WORDS)
    start = max(0, end - SNIPPET_WORDS)
    html: list[str] = ["… "] if start > 0 else []
    plain: list[str] = ["… "] if start > 0 else []
    pos = spans[start].start()
    # Page text keeps its line breaks; a snippet is one line.
    for i in range(start, end):
        m = spans[i]
        gap = _SPACES.sub(" ", text[pos : m.start()])
        html.append(escape(gap))
        plain.append(gap)
        html.append(f"<mark>{escape(m.group())}</mark>" if i in marked else escape(m.group()))
        plain.append(m.group())
        pos = m.end()
    # The punctuation that closes the last word ("…ven sông."), then an ellipsis if text goes on.
    tail = _SPACES.sub(" ", text[pos : spans[end].start() if end < len(spans) else len(text)]).strip()
    html.append(escape(tail))
    plain.append(tail)
    if end < len(spans):
        html.append(" …")
        plain.append(" …")
    return mark_safe("".join(html)), "".join(plain), len(found)  # noqa: S308 - every piece is escaped


def snippets_for_records(
    record_ids: Iterable[int], viewer: Viewer, q: str, per_record: int = PAGES_PER_HIT
) -> dict[int, list[Snippet]]:
    """Return record id → up to PER_RECORD snippets of the pages VIEWER may read whose text matches Q."""
    words = fulltext_words(q)
    record_ids = list(record_ids)
    if not words or not record_ids:
        return {}
    matching = Q()
    for word, _prefix in words:
        matching |= Q(text_folded__contains=word)
    objects = queries.visible_objects(viewer).filter(record_id__in=record_ids).order_by("record_id", "id")
    found: dict[int, list[tuple[int, int, int, Snippet]]] = {}
    for order, obj in enumerate(objects):
        pages = (
            queries.visible_pages(viewer, obj)
            .filter(matching)
            .order_by("seq")
            .only("seq", "label", "text")[:CANDIDATE_PAGES]
        )
        for page in pages:
            built = passage(page.text, words)
            if built is None:  # the words were inside longer words only
                continue
            html, plain, score = built
            snippet = Snippet(obj.pk, obj.title, page.seq, page.label or str(page.seq), html, plain)
            found.setdefault(obj.record_id, []).append((-score, order, page.seq, snippet))
    return {
        record_id: [entry[3] for entry in sorted(entries, key=lambda e: e[:3])[:per_record]]
        for record_id, entries in found.items()
    }


def attach_snippets(hits, viewer: Viewer, q: str) -> None:
    """Give each of HITS (search.service.Hit) the snippets of its record that VIEWER may read, for Q."""
    by_record = snippets_for_records([h.record.pk for h in hits], viewer, q)
    for hit in hits:
        hit.snippets = by_record.get(hit.record.pk, [])
