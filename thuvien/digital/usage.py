"""Daily counts of digital reading and downloads: the inputs of "Lượt đọc tài liệu số" and "Lượt tải tài liệu số".

One ``UsageDay`` row per object per local day holds two counters. Nothing about the requester is stored (no
reader, no user, no address): a count is all the indicators need, and a reading history would be personal data.
So there is no audit entry per count either (it would be that history).

The OPAC views call ``count_view`` / ``count_download`` on their way out with the response they are about to
return; those apply the rules of what counts (docs/digital/usage.md) and never raise. ``record_view`` and
``record_download`` are the bare increments.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from thuvien.digital import policies
from thuvien.digital.models import CopyRequest, DigitalObject, UsageDay

logger = logging.getLogger(__name__)

# Crawlers and link checkers name themselves so; a browser never does. Small on purpose: counts are
# indicators, not billing, and a long list of guesses would also catch people.
BOT_USER_AGENT = re.compile(r"bot|crawl|spider|slurp", re.IGNORECASE)
VIEWS = "views"
DOWNLOADS = "downloads"


def _bump(object_id: int, library_id: int, field: str, day: dt.date) -> None:
    """Add one to FIELD of the object's counter row for DAY, creating the row on first use."""
    counter = UsageDay.objects.filter(object_id=object_id, day=day)
    increment = {field: F(field) + 1}
    with transaction.atomic():
        if counter.update(**increment):
            return
        try:
            # A savepoint: on PostgreSQL a failed INSERT would otherwise spoil the enclosing transaction.
            with transaction.atomic():
                UsageDay.objects.create(object_id=object_id, library_id=library_id, day=day, **{field: 1})
            return
        except IntegrityError:
            pass  # someone else created today's row between our UPDATE and INSERT: it exists now
        counter.update(**increment)


def record_view(obj: DigitalObject, *, day: dt.date | None = None) -> None:
    """Count one reading of OBJ on DAY (default: today's local date)."""
    _bump(obj.pk, obj.library_id, VIEWS, day or timezone.localdate())


def record_download(obj: DigitalObject, *, day: dt.date | None = None) -> None:
    """Count one download of OBJ on DAY (default: today's local date)."""
    _bump(obj.pk, obj.library_id, DOWNLOADS, day or timezone.localdate())


def is_bot(request) -> bool:
    """Does the request say it comes from a crawler (User-Agent matching BOT_USER_AGENT)?"""
    return bool(BOT_USER_AGENT.search(request.META.get("HTTP_USER_AGENT", "")))


def _countable(request, response) -> bool:
    """Is this a reader's successful GET outside the staff pages, by no declared crawler?"""
    return (
        request.method == "GET"
        and 200 <= response.status_code < 300
        and not request.path.startswith("/staff/")
        and not is_bot(request)
    )


def _public(obj: DigitalObject) -> bool:
    # Staff previewing unpublished, embargoed or secret material are checking their work, not reading.
    return bool(policies.public_level(obj.access, obj.stage, obj.embargo_until, timezone.localdate()))


def _continues_reading(request, obj: DigitalObject) -> bool:
    """Did the reader come here from OBJ's own reading page or another of its pages (same site)?"""
    referer = urlsplit(request.META.get("HTTP_REFERER", ""))
    if referer.netloc and referer.netloc != request.get_host():
        return False
    return referer.path.startswith(f"/so-hoa/{obj.pk}/")


def _never_fails(count):
    """Make COUNT(request, response, ...) log its failures instead of raising, and return RESPONSE."""

    @functools.wraps(count)
    def counted(request, response, *args):
        # Counting must never cost the reader his page: a locked SQLite file or any other failure is logged.
        try:
            count(request, response, *args)
        except Exception:
            logger.exception("digital usage: %s failed", count.__name__)
        return response

    return counted


@_never_fails
def count_view(request, response, obj: DigitalObject):
    """Count RESPONSE as one reading of OBJ when it is a reader's successful page (see module doc); return it."""
    if _countable(request, response) and _public(obj):
        record_view(obj)


@_never_fails
def count_page_view(request, response, obj: DigitalObject):
    """Count a page's text view as a reading of OBJ unless the reader came from OBJ's own pages; return RESPONSE.

    Reading page after page of text is one reading, as turning the pages in the viewer is.
    """
    if _countable(request, response) and _public(obj) and not _continues_reading(request, obj):
        record_view(obj)


@_never_fails
def count_download(request, response, obj: DigitalObject):
    """Count RESPONSE as one download of OBJ when it is a reader's successful download; return it."""
    if _countable(request, response) and _public(obj):
        record_download(obj)


@_never_fails
def count_copy_download(request, response, request_id: int):
    """Count RESPONSE, a reader's ready copy of copy request REQUEST_ID, as a download of its object; return it.

    The copy was made for him from material he could read: it counts whatever the object's level is today.
    """
    if _countable(request, response):
        row = CopyRequest.objects.filter(pk=request_id).values("object_id", "object__library_id").first()
        if row is not None:
            _bump(row["object_id"], row["object__library_id"], DOWNLOADS, timezone.localdate())


@dataclass(frozen=True)
class Usage:
    views: int
    downloads: int


def usage_for(library=None, *, start: dt.date, end: dt.date) -> Usage:
    """Return the readings and downloads counted from START to END inclusive, of LIBRARY's objects or of all.

    Not permission-checked: the callers (indicators, reports) decide who sees the figures.
    """
    rows = UsageDay.objects.filter(day__gte=start, day__lte=end)
    if library is not None:
        rows = rows.filter(library=library)
    totals = rows.aggregate(views=Coalesce(Sum(VIEWS), 0), downloads=Coalesce(Sum(DOWNLOADS), 0))
    return Usage(views=totals["views"], downloads=totals["downloads"])
