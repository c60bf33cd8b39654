"""Digitisation counts: the workflow board's figures and the inputs of the programme's indicators (issue 7).

The indicator asks what share of a library's old, rare, local-history (địa chí), special and endogenous
documents is digitised and readable online. A document counts when it is a live catalogue record in a
collection of that kind, or the record of a digital object put in such a collection; it is digitised
when at least one of its digital objects is published (whoever digitised it, whatever its access level:
a secret published object is digitised too, only not shown).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from thuvien.catalog.models import CollectionKind, Item, Record
from thuvien.digital.models import AccessLevel, DigitalObject, Page, Stage

INDICATOR_KINDS = (
    CollectionKind.RARE,
    CollectionKind.LOCAL_HISTORY,
    CollectionKind.SPECIAL,
    CollectionKind.ENDOGENOUS,
)
# The programme's first target: old and rare plus local-history documents, counted once each.
PROGRAMME_KINDS = (CollectionKind.RARE, CollectionKind.LOCAL_HISTORY)


@dataclass(frozen=True)
class Share:
    """How many documents of some kind there are, and how many of them are digitised."""

    records: int
    digitised: int

    @property
    def share(self) -> float | None:
        return self.digitised / self.records if self.records else None

    def as_dict(self) -> dict:
        return {"records": self.records, "digitised": self.digitised, "share": self.share}


@dataclass(frozen=True)
class DigitisationCounts:
    stages: dict[str, int]  # every Stage, in workflow order
    objects: int
    published_objects: int
    published_pages: int
    published_by_access: dict[str, int]
    kinds: dict[str, Share]  # INDICATOR_KINDS
    programme: Share  # PROGRAMME_KINDS together
    year: int | None = None
    published_in_year: int | None = None  # objects first published during YEAR
    pages_published_in_year: int | None = None

    def as_dict(self) -> dict:
        return {
            "stages": dict(self.stages),
            "objects": self.objects,
            "published_objects": self.published_objects,
            "published_pages": self.published_pages,
            "published_by_access": dict(self.published_by_access),
            "kinds": {kind: share.as_dict() for kind, share in self.kinds.items()},
            "programme": self.programme.as_dict(),
            "year": self.year,
            "published_in_year": self.published_in_year,
            "pages_published_in_year": self.pages_published_in_year,
        }


def _year_end(year: int):
    return timezone.make_aware(dt.datetime(year + 1, 1, 1))


def _documents(kinds, library):
    """The live records that are documents of KINDS for LIBRARY's subtree (everywhere when None)."""
    in_collections = Record.objects.filter(collections__kind__in=kinds)
    of_objects = DigitalObject.objects.filter(collections__kind__in=kinds)
    if library is not None:
        path = library.path
        held = Item.objects.filter(library__path__startswith=path).values("record_id")
        in_collections = in_collections.filter(
            Q(collections__library__path__startswith=path)
            | Q(source_library__path__startswith=path)
            | Q(pk__in=held)
        )
        of_objects = of_objects.filter(library__path__startswith=path)
    return Record.objects.filter(deleted_at__isnull=True).filter(
        Q(pk__in=in_collections.values("pk")) | Q(pk__in=of_objects.values("record_id"))
    )


def _share(kinds, library, year: int | None) -> Share:
    documents = _documents(kinds, library)
    published = DigitalObject.objects.filter(record=OuterRef("pk"), stage=Stage.PUBLISHED)
    if year is not None:
        published = published.filter(published_at__lt=_year_end(year))
    return Share(documents.count(), documents.filter(Exists(published)).count())


def digitisation_counts(library=None, *, year: int | None = None) -> DigitisationCounts:
    """Count the digitisation of LIBRARY's subtree (the whole network when None).

    Stage counts are today's. With YEAR, the indicator's numerator counts objects published by the end of
    YEAR (and still published), and the objects and pages first published during YEAR are counted too.
    """
    objects = DigitalObject.objects.all()
    if library is not None:
        objects = objects.filter(library__path__startswith=library.path)
    by_stage = dict(objects.values_list("stage").annotate(n=Count("id")).order_by())
    stages = {stage: by_stage.get(stage, 0) for stage in Stage.values}
    published = objects.filter(stage=Stage.PUBLISHED)
    by_access = dict(published.values_list("access").annotate(n=Count("id")).order_by())
    pages = Page.objects.filter(object__in=published).count()

    kinds = {kind: _share([kind], library, year) for kind in INDICATOR_KINDS}
    programme = _share(PROGRAMME_KINDS, library, year)

    in_year = pages_in_year = None
    if year is not None:
        first = published.filter(published_at__gte=_year_end(year - 1), published_at__lt=_year_end(year))
        in_year = first.count()
        pages_in_year = Page.objects.filter(object__in=first).count()
    return DigitisationCounts(
        stages=stages,
        objects=sum(stages.values()),
        published_objects=stages[Stage.PUBLISHED],
        published_pages=pages,
        published_by_access={level: by_access.get(level, 0) for level in AccessLevel.values},
        kinds=kinds,
        programme=programme,
        year=year,
        published_in_year=in_year,
        pages_published_in_year=pages_in_year,
    )
