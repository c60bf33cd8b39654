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

from thuvien.catalog.models import CollectionKind, Item, ItemStatus, Record
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


def _scope(lookup: str, library, own: bool) -> Q:
    """LOOKUP (a path to a library) is LIBRARY itself when OWN, else any library of its subtree."""
    return Q(**{lookup: library}) if own else Q(**{f"{lookup}__path__startswith": library.path})


def documents(kinds, library=None, *, own: bool = False, recorded_before: dt.datetime | None = None):
    """Return the live records that are documents of KINDS for LIBRARY's subtree, or LIBRARY alone when OWN.

    A record is a library's document when it is in a collection of KINDS that the library manages, or in
    one (of any library, or of none) while the library catalogued it (``source_library``) or holds a copy
    of it (not withdrawn); or when it is the record of a digital object of the library put in such a
    collection. Everywhere when LIBRARY is None. With RECORDED_BEFORE, only records created before it.
    """
    kinds = list(kinds)
    of_objects = DigitalObject.objects.filter(collections__kind__in=kinds)
    if library is None:
        in_collections = Record.objects.filter(collections__kind__in=kinds)
    else:
        held = (
            Item.objects.filter(_scope("library", library, own))
            .exclude(status=ItemStatus.WITHDRAWN)
            .values("record_id")
        )
        # One filter() call: the kind and the managing library are the same collection's (two calls
        # would join the collections twice, and a general collection of the library would do).
        in_collections = Record.objects.filter(
            Q(collections__kind__in=kinds)
            & (
                _scope("collections__library", library, own)
                | _scope("source_library", library, own)
                | Q(pk__in=held)
            )
        )
        of_objects = of_objects.filter(_scope("library", library, own))
    live = Record.objects.filter(deleted_at__isnull=True, merged_into__isnull=True)
    if recorded_before is not None:
        live = live.filter(created_at__lt=recorded_before)
    return live.filter(Q(pk__in=in_collections.values("pk")) | Q(pk__in=of_objects.values("record_id")))


def published_for_record(before: dt.datetime | None = None):
    """Return the published digital objects of the outer query's record, published before BEFORE if given.

    An object put straight into the published stage (an import) has no ``published_at``: its creation
    stands for it.
    """
    published = DigitalObject.objects.filter(record=OuterRef("pk"), stage=Stage.PUBLISHED)
    if before is not None:
        published = published.filter(
            Q(published_at__lt=before) | Q(published_at__isnull=True, created_at__lt=before)
        )
    return published


def share(
    kinds,
    library=None,
    *,
    own: bool = False,
    published_by: dt.datetime | None = None,
    recorded_before: dt.datetime | None = None,
) -> Share:
    """Count the documents of KINDS for LIBRARY (see ``documents``) and those digitised by PUBLISHED_BY."""
    docs = documents(kinds, library, own=own, recorded_before=recorded_before)
    return Share(docs.count(), docs.filter(Exists(published_for_record(published_by))).count())


def _share(kinds, library, year: int | None) -> Share:
    return share(kinds, library, published_by=_year_end(year) if year is not None else None)


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
