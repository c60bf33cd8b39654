"""Copy cataloguing writes: targets, the records a search brought back, and importing one of them."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from thuvien.audit import actions as audit
from thuvien.catalog.importer import import_marc
from thuvien.catalog.models import DuplicateCandidate
from thuvien.interop.copycat.holdings import strip_holdings
from thuvien.interop.copycat.models import FETCHED_LIFETIME_HOURS, CopyTarget, FetchedRecord
from thuvien.interop.copycat.search import TargetResult
from thuvien.interop.marc import ParsedRecord, extract, read_marc

__all__ = ["ImportOutcome", "import_copy", "import_fetched", "remember_hits", "save_target", "sweep_fetched"]

# The most hits one search keeps for import (targets × hits per target).
MAX_REMEMBERED = 500


@transaction.atomic
def save_target(target: CopyTarget, *, actor=None) -> CopyTarget:
    """Create or change a copy-cataloguing target (validated), with an audit entry."""
    created = target.pk is None
    target.full_clean()
    target.save()
    audit.record(
        "copycat.target.created" if created else "copycat.target.updated",
        actor=actor,
        library=target.library,
        obj=target,
        code=target.code,
        protocol=target.protocol,
        address=target.address,
        enabled=target.enabled,
        allow_private=target.allow_private,
        # Whether a password is kept, never the password.
        has_password=bool(target.password),
    )
    return target


def sweep_fetched() -> int:
    """Delete fetched records older than their lifetime; return how many."""
    cutoff = timezone.now() - timedelta(hours=FETCHED_LIFETIME_HOURS)
    return FetchedRecord.objects.filter(created_at__lt=cutoff).delete()[0]


@transaction.atomic
def remember_hits(results: list[TargetResult], *, user) -> None:
    """Keep the readable hits of a search for USER's preview and import; give each its token."""
    sweep_fetched()
    rows = []
    for result in results:
        for hit in result.hits:
            if hit.error or len(rows) >= MAX_REMEMBERED:
                continue
            hit.token = secrets.token_urlsafe(32)
            rows.append(
                FetchedRecord(
                    token=hit.token,
                    user=user,
                    target_id=result.spec.pk,
                    target_code=result.spec.code,
                    position=hit.position,
                    syntax=hit.syntax,
                    encoding=hit.encoding,
                    raw=hit.raw,
                )
            )
    FetchedRecord.objects.bulk_create(rows)


@dataclass
class ImportOutcome:
    """What became of a copied record: its status here and the record to add copies to."""

    # imported (a new record) | updated (the one copied before) | attached (to a record already in
    # the catalogue) | review (new, and waiting in the duplicates queue) | rejected
    status: str
    record_id: int | None = None
    # The record the cataloguer works on: the new or updated one, or the one it was attached to.
    target_record_id: int | None = None
    duplicate_of: int | None = None
    title: str = ""
    control_number: str = ""
    message: str = ""
    removed_holdings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return dict(self.__dict__)

    @property
    def ok(self) -> bool:
        return self.status != "rejected"


def _identifiers(raw: bytes, encoding: str) -> dict:
    entry = next(iter(read_marc(raw, encoding=encoding)), None)
    if not isinstance(entry, ParsedRecord):
        return {}
    x = extract(entry.record)
    return {
        "control_number": x.control_number or "",
        "control_source": x.control_source or "",
        "isbns": x.isbns,
    }


def import_copy(
    raw: bytes,
    *,
    target_code: str,
    library,
    actor=None,
    encoding: str = "auto",
    fetched: FetchedRecord | None = None,
) -> ImportOutcome:
    """Import RAW, copied from TARGET_CODE, for LIBRARY through the catalogue's import, without its holdings.

    Matching, deduplication and the import's audit come with ``import_marc``; this adds the
    ``catalog.copycat.imported`` entry naming the target and the record's identifiers.
    """
    stripped, removed = strip_holdings(raw)
    with transaction.atomic():
        report = import_marc(
            stripped, library=library, actor=actor, encoding=encoding, filename=f"copycat:{target_code}"
        )
        line = report.lines[0] if report.lines else None
        if line is None or line.status == "rejected" or line.record_id is None:
            outcome = ImportOutcome(
                status="rejected",
                message=(line.message if line else "") or _("Không đọc được biểu ghi."),
                removed_holdings=removed,
            )
        else:
            outcome = ImportOutcome(
                status=line.status,
                record_id=line.record_id,
                target_record_id=line.attached_to or line.record_id,
                title=line.title,
                control_number=line.control_number,
                message=line.message,
                removed_holdings=removed,
            )
            if line.attached_to and line.status == "imported":
                outcome.status = "attached"
            elif report.review:
                outcome.status = "review"
                outcome.duplicate_of = (
                    DuplicateCandidate.objects.filter(record_id=line.record_id)
                    .values_list("other_id", flat=True)
                    .first()
                )
            audit.record(
                "catalog.copycat.imported",
                actor=actor,
                library=library,
                target=target_code,
                status=outcome.status,
                record_id=outcome.record_id,
                attached_to=line.attached_to,
                removed_holdings=removed,
                **_identifiers(stripped, encoding),
            )
        if fetched is not None:
            fetched.record_id = outcome.target_record_id
            fetched.outcome = outcome.as_dict()
            fetched.save(update_fields=["record", "outcome"])
    return outcome


def import_fetched(fetched: FetchedRecord, *, library, actor) -> ImportOutcome:
    """Import a record a search kept (see remember_hits) and note the outcome on it."""
    return import_copy(
        bytes(fetched.raw),
        target_code=fetched.target_code,
        library=library,
        actor=actor,
        encoding=fetched.encoding,
        fetched=fetched,
    )
