"""Harvest OAI-PMH repositories into the union catalogue, one page at a time through the one MARC import.

A run asks Identify (for the date granularity), then ListRecords from the last successful harvest's
responseDate (incremental) or from the beginning (full), following resumption tokens. Each page's
live records become MARC (MARCXML as received, Dublin Core through ``dc_to_marc``) and go to
``import_marc`` in one call, so matching, deduplication, copies, audit and the index outbox are the
import's. Deleted headers withdraw what the source brought. Network errors, 5xx and 503 are retried
with exponential backoff (Retry-After honoured, bounded). A failed run can simply be run again:
records match again by their keys.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task
from lxml import etree

from thuvien.audit import actions as audit
from thuvien.catalog import actions as catalog
from thuvien.catalog.exceptions import CatalogError
from thuvien.catalog.importer import holdings_maps, import_marc, update_rows
from thuvien.catalog.models import Item, ItemStatus, Record, RecordMerge
from thuvien.interop.marc import record_to_xml_element, split_holdings
from thuvien.interop.marc.iso2709 import Reject
from thuvien.interop.oaipmh.dc_to_marc import dc_to_marc
from thuvien.interop.oaipmh.fetch import FetchError, HTTPStatusError, fetch
from thuvien.interop.oaipmh.models import HarvestedRecord, HarvestRun, HarvestSource

__all__ = [
    "HarvestBusy",
    "HarvestError",
    "due_sources",
    "execute_run",
    "harvest",
    "harvest_task",
    "run_due_harvests",
    "save_source",
    "start_run",
]

logger = logging.getLogger("thuvien.harvest")

MARC_NS = "http://www.loc.gov/MARC21/slim"
# Attempts per request, and the waits between them: RETRY_BASE_SECONDS × 2ⁿ, or what Retry-After
# asks, never more than RETRY_MAX_SECONDS.
MAX_ATTEMPTS = 5
RETRY_BASE_SECONDS = 2.0
RETRY_MAX_SECONDS = 120.0
# A repository that never stops giving tokens is stopped here.
MAX_PAGES = 200_000
# Problems kept in a run's report (the counts go on).
MAX_PROBLEMS = 500
# Of which notes on records stored all the same (attached to another record, text converted).
MAX_NOTES = 200
# A queued or running run whose heartbeat is older than this was interrupted (a killed process).
STALE_AFTER = timedelta(hours=2)
# A failed scheduled harvest is tried again after this, or its interval if shorter.
RETRY_FAILED_AFTER = timedelta(hours=1)
# Copy statuses in which the copy is out of the library's hands: a deletion at the source keeps it.
OUT_STATUSES = {ItemStatus.CHECKED_OUT, ItemStatus.IN_TRANSIT, ItemStatus.ON_HOLD_SHELF}


class HarvestError(Exception):
    """The harvest cannot go on; the message is for the run report."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class HarvestBusy(HarvestError):
    """The source is being harvested already."""


# --- sources -----------------------------------------------------------------------------------


@transaction.atomic
def save_source(source: HarvestSource, *, actor=None) -> HarvestSource:
    """Create or change a harvest source (validated), with an audit entry."""
    created = source.pk is None
    source.full_clean()
    source.save()
    audit.record(
        "oaipmh.source.created" if created else "oaipmh.source.updated",
        actor=actor,
        library=source.library,
        obj=source,
        code=source.code,
        base_url=source.base_url,
        allow_private=source.allow_private,
    )
    return source


# --- runs --------------------------------------------------------------------------------------


def _expire_stale(source: HarvestSource) -> None:
    cutoff = timezone.now() - STALE_AFTER
    HarvestRun.objects.filter(source=source, status__in=HarvestRun.ACTIVE, updated_at__lt=cutoff).update(
        status=HarvestRun.Status.FAILED,
        finished_at=timezone.now(),
        error=_("Lần thu thập bị gián đoạn (tiến trình dừng giữa chừng)."),
    )


def start_run(source: HarvestSource, *, full: bool = False, actor=None) -> HarvestRun:
    """Queue a harvest of SOURCE; raise HarvestBusy while another one is queued or running."""
    _expire_stale(source)
    # The mark as stored now: the caller's object may predate the last harvest.
    mark = HarvestSource.objects.filter(pk=source.pk).values_list("last_response_date", flat=True).first()
    full = full or mark is None
    try:
        with transaction.atomic():
            return HarvestRun.objects.create(
                source=source,
                mode=HarvestRun.Mode.FULL if full else HarvestRun.Mode.INCREMENTAL,
                status=HarvestRun.Status.QUEUED,
                actor=actor if getattr(actor, "is_authenticated", False) else None,
            )
    except IntegrityError:
        raise HarvestBusy(
            _("Nguồn «%(code)s» đang được thu thập; hãy đợi lần hiện tại kết thúc.") % {"code": source.code}
        ) from None


def execute_run(run_id: int) -> HarvestRun:
    """Carry out the queued run RUN_ID (once: a run already started or finished is returned as is)."""
    now = timezone.now()
    claimed = HarvestRun.objects.filter(pk=run_id, status=HarvestRun.Status.QUEUED).update(
        status=HarvestRun.Status.RUNNING, started_at=now, updated_at=now
    )
    run = HarvestRun.objects.select_related("source", "source__library", "actor").get(pk=run_id)
    if not claimed:
        return run
    harvester = _Harvester(run)
    try:
        harvester.harvest_pages()
    except HarvestError as exc:
        harvester.fail(exc.message)
    except Exception as exc:  # a bug must end in a report, not a run stuck "running"
        logger.exception("harvest of %s failed", run.source.code)
        harvester.fail(_("Lỗi không lường trước: %(error)s") % {"error": f"{type(exc).__name__}: {exc}"})
    else:
        harvester.succeed()
    return run


def harvest(source: HarvestSource, *, full: bool = False, actor=None) -> HarvestRun:
    """Harvest SOURCE now (incrementally unless FULL or never harvested) and return the run's report."""
    return execute_run(start_run(source, full=full, actor=actor).pk)


@task()
def harvest_task(run_id: int) -> str:
    return execute_run(run_id).status


def due_sources(now: datetime | None = None) -> list[HarvestSource]:
    """Return the active, scheduled sources whose next harvest is due."""
    now = now or timezone.now()
    due = []
    sources = HarvestSource.objects.filter(active=True, interval_hours__gt=0).select_related("library")
    for source in sources.order_by("code"):
        last = source.runs.order_by("-started_at", "-id").first()
        if last is None:
            due.append(source)
            continue
        if last.in_progress and last.updated_at >= now - STALE_AFTER:
            continue
        wait = timedelta(hours=source.interval_hours)
        if last.status == HarvestRun.Status.FAILED:
            wait = min(wait, RETRY_FAILED_AFTER)
        if last.started_at + wait <= now:
            due.append(source)
    return due


def run_due_harvests() -> int:
    """Harvest every source that is due (for the worker); return how many runs were made."""
    count = 0
    for source in due_sources():
        try:
            harvest(source)
        except HarvestBusy:
            continue
        count += 1
    return count


# --- reading responses -------------------------------------------------------------------------


def _local(tag) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _children(el, name: str) -> list:
    return [c for c in el if _local(c.tag) == name]


def _child(el, name: str):
    for c in el:
        if _local(c.tag) == name:
            return c
    return None


def _text(el) -> str:
    return "".join(el.itertext()).strip() if el is not None else ""


def _parse(body: bytes, what: str):
    """Parse an OAI-PMH response safely (no entities, DTD, network or huge trees); return its root."""
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_pis=True,
        remove_comments=True,
    )
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise HarvestError(
            _("%(what)s: trả lời không phải XML hợp lệ (dòng %(line)s: %(error)s).")
            % {"what": what, "line": exc.lineno, "error": exc.msg}
        ) from None
    if root is None or _local(root.tag) != "OAI-PMH":
        raise HarvestError(
            _("%(what)s: trả lời không phải OAI-PMH (phần tử gốc <%(root)s>).")
            % {"what": what, "root": _local(root.tag) if root is not None else ""}
        )
    return root


def _oai_errors(root) -> list[tuple[str, str]]:
    return [(e.get("code", ""), _text(e)) for e in _children(root, "error")]


def _datetime(text: str) -> datetime | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _from_argument(when: datetime, granularity: str) -> str:
    when = when.astimezone(UTC)
    if "hh" in granularity:
        return when.strftime("%Y-%m-%dT%H:%M:%SZ")
    return when.strftime("%Y-%m-%d")


# --- one run -------------------------------------------------------------------------------------


@dataclass
class _Live:
    identifier: str
    datestamp: str
    element: etree._Element
    barcodes: list[str] = field(default_factory=list)


class _Harvester:
    def __init__(self, run: HarvestRun) -> None:
        self.run = run
        self.source = run.source
        self.actor = run.actor
        self.maps = holdings_maps()
        self.barcode_codes = {m.tag: set(m.codes.get("barcode", ())) for m in self.maps}
        self.problems: list[dict] = list(run.problems or [])
        self.stored_pages = 0
        self.notes = 0

    # reporting

    def problem(self, identifier: str, status: str, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append({"identifier": identifier, "status": status, "message": message})
        elif len(self.problems) == MAX_PROBLEMS:
            self.problems.append(
                {
                    "identifier": "",
                    "status": "",
                    "message": _("… còn nữa; chỉ ghi %(n)s vấn đề đầu.") % {"n": MAX_PROBLEMS},
                }
            )

    def save(self, *fields: str) -> None:
        self.run.problems = self.problems
        self.run.save(
            update_fields=[
                "pages", "received", "imported", "updated", "attached", "deleted", "rejected", "problems",
                "from_date", "response_date", "updated_at", *fields,
            ]
        )  # fmt: skip

    def _finish(self, status: str, error: str = "") -> None:
        run = self.run
        run.status = status
        run.error = error
        run.finished_at = timezone.now()
        with transaction.atomic():
            self.save("status", "error", "finished_at")
            if status == HarvestRun.Status.SUCCEEDED and run.response_date is not None:
                HarvestSource.objects.filter(pk=self.source.pk).update(last_response_date=run.response_date)
                self.source.last_response_date = run.response_date
            audit.record(
                "oaipmh.harvest.finished",
                actor=self.actor,
                library=self.source.library,
                obj=run,
                source=self.source.code,
                status=status,
                mode=run.mode,
                pages=run.pages,
                received=run.received,
                imported=run.imported,
                updated=run.updated,
                attached=run.attached,
                deleted=run.deleted,
                rejected=run.rejected,
                error=error[:500],
            )

    def succeed(self) -> None:
        self._finish(HarvestRun.Status.SUCCEEDED)

    def fail(self, message: str) -> None:
        status = HarvestRun.Status.PARTIAL if self.stored_pages else HarvestRun.Status.FAILED
        self._finish(status, message)

    # talking to the repository

    def request(self, params: dict[str, str], what: str) -> bytes:
        base = self.source.base_url.strip()
        url = base + ("&" if "?" in base else "?") + urlencode(params)
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                return fetch(
                    url,
                    allow_private=self.source.allow_private,
                    max_bytes=self.source.max_response_bytes,
                    timeout=self.source.timeout_seconds,
                ).body
            except FetchError as exc:
                if not exc.retryable or attempt == MAX_ATTEMPTS:
                    message = exc.message
                    if exc.retryable:
                        message += " " + _("(đã thử %(n)s lần)") % {"n": attempt}
                    raise HarvestError(f"{what}: {message}") from None
                wait = RETRY_BASE_SECONDS * 2 ** (attempt - 1)
                if isinstance(exc, HTTPStatusError) and exc.retry_after is not None:
                    wait = exc.retry_after
                wait = max(0.0, min(wait, RETRY_MAX_SECONDS))
                self.problem(
                    "",
                    "retry",
                    _("%(what)s: %(error)s Thử lại sau %(seconds)s giây (lần %(n)s).")
                    % {"what": what, "error": exc.message, "seconds": f"{wait:g}", "n": attempt + 1},
                )
                time.sleep(wait)
        raise AssertionError("unreachable")

    def identify(self) -> tuple[str, datetime | None]:
        root = _parse(self.request({"verb": "Identify"}, "Identify"), "Identify")
        errors = _oai_errors(root)
        if errors:
            code, message = errors[0]
            raise HarvestError(
                _("Identify: kho OAI-PMH báo lỗi %(code)s: %(message)s") % {"code": code, "message": message}
            )
        identify = _child(root, "Identify")
        if identify is None:
            raise HarvestError(_("Identify: trả lời không có phần Identify."))
        granularity = _text(_child(identify, "granularity")) or "YYYY-MM-DD"
        return granularity, _datetime(_text(_child(root, "responseDate")))

    # the run

    def harvest_pages(self) -> None:
        run, source = self.run, self.source
        granularity, identify_date = self.identify()
        params = {"verb": "ListRecords", "metadataPrefix": source.metadata_prefix}
        if source.set_spec:
            params["set"] = source.set_spec
        if run.mode == HarvestRun.Mode.INCREMENTAL and source.last_response_date is not None:
            run.from_date = _from_argument(source.last_response_date, granularity)
            params["from"] = run.from_date
        tokens: set[str] = set()
        while True:
            what = _("Trang %(n)s") % {"n": run.pages + 1}
            root = _parse(self.request(params, what), what)
            errors = _oai_errors(root)
            if run.response_date is None:
                run.response_date = _datetime(_text(_child(root, "responseDate"))) or identify_date
            if errors:
                if any(code == "noRecordsMatch" for code, _m in errors):
                    break  # nothing new since the last harvest
                raise HarvestError(
                    "; ".join(
                        _("%(what)s: kho OAI-PMH báo lỗi %(code)s: %(message)s")
                        % {"what": what, "code": code, "message": message}
                        for code, message in errors
                    )
                )
            listing = _child(root, "ListRecords")
            if listing is None:
                raise HarvestError(_("%(what)s: trả lời không có phần ListRecords.") % {"what": what})
            self.store_page(_children(listing, "record"))
            run.pages += 1
            self.stored_pages += 1
            self.save()  # the counts so far, and the heartbeat
            token_el = _child(listing, "resumptionToken")
            token = _text(token_el)
            if not token:
                break
            if token in tokens:
                raise HarvestError(
                    _(
                        "Kho OAI-PMH trả lại một resumptionToken đã dùng («%(token)s»): dừng để khỏi lặp vô tận."
                    )
                    % {"token": token[:100]}
                )
            if run.pages >= MAX_PAGES:
                raise HarvestError(_("Dừng sau %(n)s trang.") % {"n": MAX_PAGES})
            tokens.add(token)
            params = {"verb": "ListRecords", "resumptionToken": token}

    # one page

    def store_page(self, records: list) -> None:
        run = self.run
        live: dict[str, _Live] = {}
        deleted: dict[str, str] = {}
        for rec in records:
            header = _child(rec, "header")
            identifier = _text(_child(header, "identifier")) if header is not None else ""
            run.received += 1
            if not identifier or len(identifier) > 500:
                run.rejected += 1
                self.problem(identifier[:100], "rejected", _("Biểu ghi không có định danh OAI hợp lệ."))
                continue
            datestamp = _text(_child(header, "datestamp"))[:40]
            if header.get("status") == "deleted":
                live.pop(identifier, None)
                deleted[identifier] = datestamp
                continue
            deleted.pop(identifier, None)
            try:
                live[identifier] = self.convert(rec, identifier, datestamp)
            except Reject as exc:
                run.rejected += 1
                self.problem(identifier, "rejected", str(exc))
        if live:
            self.import_live(list(live.values()))
        for identifier, datestamp in deleted.items():
            self.apply_deletion(identifier, datestamp)
            run.deleted += 1

    def convert(self, rec, identifier: str, datestamp: str) -> _Live:
        """The MARCXML record element to import for the OAI record REC; raise Reject if there is none."""
        metadata = _child(rec, "metadata")
        payload = (
            next((c for c in metadata if isinstance(c.tag, str)), None) if metadata is not None else None
        )
        if payload is None:
            raise Reject(_("Biểu ghi không có siêu dữ liệu."))
        if self.source.metadata_prefix == HarvestSource.Format.OAI_DC:
            if _local(payload.tag) != "dc":
                raise Reject(
                    _("Siêu dữ liệu không phải Dublin Core (oai_dc) mà là <%(name)s>.")
                    % {"name": _local(payload.tag)}
                )
            marc = dc_to_marc(
                payload, identifier=identifier, datestamp=datestamp, source=self.source.library.code
            )
        else:
            element = payload
            if _local(payload.tag) != "record":
                element = next(iter(payload.iter(f"{{{MARC_NS}}}record", "record")), None)
            if element is None:
                raise Reject(
                    _("Siêu dữ liệu không chứa biểu ghi MARCXML (phần tử <%(name)s>).")
                    % {"name": _local(payload.tag)}
                )
            return _Live(identifier, datestamp, *self.marc_element(element, identifier))
        barcodes = [h.barcode.strip()[:64] for h in split_holdings(marc, self.maps)[0] if h.barcode.strip()]
        return _Live(identifier, datestamp, record_to_xml_element(marc), list(dict.fromkeys(barcodes)))

    def marc_element(self, element, identifier: str) -> tuple[etree._Element, list[str]]:
        """ELEMENT ready for the import (MARC namespace, a control number) and the barcodes of its holdings.

        The element goes to the import as received (the import reads, checks and converts it): making
        a pymarc record here and writing it out again would cost as much as the import itself.
        """
        if sum(1 for _el in element.iter("{*}record")) > 1:
            # The import counts record elements: one inside another would shift every position after it.
            raise Reject(_("Biểu ghi MARCXML chứa một phần tử <record> khác bên trong."))
        if element.tag != f"{{{MARC_NS}}}record":
            # MARC in no namespace (or inheriting the OAI one) is read as MARC 21 slim.
            for el in element.iter():
                if isinstance(el.tag, str):
                    el.tag = f"{{{MARC_NS}}}{_local(el.tag)}"
        controls = {c.get("tag"): c for c in element if _local(c.tag) == "controlfield"}
        if not (controls.get("001") is not None and (controls["001"].text or "").strip()):
            # Without a control number a changed record could not find itself at the next harvest:
            # the OAI identifier is its number, the contributing library its source.
            at = next((n + 1 for n, c in enumerate(element) if _local(c.tag) == "leader"), 0)
            if controls.get("001") is not None:
                element.remove(controls["001"])
            added = [("001", identifier)]
            if controls.get("003") is None:
                added.append(("003", self.source.library.code))
            for offset, (tag, value) in enumerate(added):
                field = etree.Element(f"{{{MARC_NS}}}controlfield", tag=tag)
                field.text = value
                element.insert(at + offset, field)
        barcodes = []
        for field in element:
            codes = self.barcode_codes.get(field.get("tag")) if _local(field.tag) == "datafield" else None
            if not codes:
                continue
            for sub in field:
                value = (sub.text or "").strip() if sub.get("code") in codes else ""
                if value:
                    barcodes.append(value[:64])
                    break
        return element, list(dict.fromkeys(barcodes))

    def import_live(self, live: list[_Live]) -> None:
        run, source = self.run, self.source
        head = f'<?xml version="1.0" encoding="UTF-8"?>\n<collection xmlns="{MARC_NS}">\n'.encode()
        body = b"\n".join(etree.tostring(entry.element, encoding="utf-8") for entry in live)
        document = head + body + b"\n</collection>\n"
        origins = {n: entry.identifier for n, entry in enumerate(live, 1)}
        report = import_marc(
            document,
            library=source.library,
            origins=origins,
            filename=f"oai:{source.code}#{run.pages + 1}",
            actor=self.actor,
        )
        lines = {line.position: line for line in report.lines}
        record_of: dict[str, int | None] = {}
        for n, entry in enumerate(live, 1):
            line = lines.get(n)
            status = line.status if line is not None else "rejected"
            if status == "imported" and getattr(line, "attached_to", None):
                # Stored merged into another library's record of the same work: its copies are there.
                status = "attached"
                run.attached += 1
            elif status == "imported":
                run.imported += 1
            elif status == "updated":
                run.updated += 1
            else:
                run.rejected += 1
            if status == "rejected" or line is None:
                self.problem(entry.identifier, "rejected", line.message if line else _("Không nhập được."))
                continue
            if line.message and self.notes < MAX_NOTES:
                # Notes on stored records (attached to …, encoding converted): fewer, so that the
                # rejections a cataloger must act on are not crowded out of the report.
                self.notes += 1
                self.problem(entry.identifier, status, line.message)
            record_of[entry.identifier] = line.record_id
        self.remember(live, record_of)

    def remember(self, live: list[_Live], record_of: dict[str, int | None]) -> None:
        """Keep, for each received identifier, the record it became and the copies it brought."""
        source = self.source
        identifiers = [entry.identifier for entry in live]
        existing = {
            identifier: (pk, record_id, barcodes)
            for pk, identifier, record_id, barcodes in HarvestedRecord.objects.filter(
                source=source, identifier__in=identifiers
            ).values_list("pk", "identifier", "record_id", "barcodes")
        }
        self.warn_shared(record_of)
        changed, new = [], []
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        barcodes_field = HarvestedRecord._meta.get_field("barcodes")
        for entry in live:
            known = existing.get(entry.identifier)
            record_id, barcodes = known[1:] if known else (None, [])
            if entry.identifier in record_of:
                record_id, barcodes = record_of[entry.identifier], entry.barcodes
            if known:
                prepared = barcodes_field.get_db_prep_save(barcodes, connection)
                changed.append((entry.datestamp, False, self.run.pk, record_id, prepared, now, known[0]))
            else:
                new.append(
                    HarvestedRecord(
                        source=source, identifier=entry.identifier, datestamp=entry.datestamp, run=self.run,
                        record_id=record_id, barcodes=barcodes,
                    )
                )  # fmt: skip
        with transaction.atomic():
            # Plain UPDATEs: bulk_update's CASE expressions cost more than the whole import of the page.
            update_rows(
                HarvestedRecord, ("datestamp", "deleted", "run", "record", "barcodes", "updated_at"), changed
            )
            HarvestedRecord.objects.bulk_create(new, batch_size=500)

    def warn_shared(self, record_of: dict[str, int | None]) -> None:
        """Report identifiers that updated a record another identifier of this source brought.

        The import pairs records by their keys (001+003, ISBN …): two records of one repository that
        share a key end as one record, the later replacing the earlier. A cataloger should know.
        """
        by_record = {pk: identifier for identifier, pk in record_of.items() if pk}
        others = (
            HarvestedRecord.objects.filter(source=self.source, record_id__in=list(by_record), deleted=False)
            .exclude(identifier__in=list(record_of))
            .values_list("identifier", "record_id")
        )
        for other, pk in others:
            self.problem(
                by_record[pk],
                "shared",
                _(
                    "Cùng khoá với biểu ghi nguồn «%(other)s»: cả hai thành một biểu ghi (#%(id)s), "
                    "biểu ghi nhận sau thay biểu ghi nhận trước."
                )
                % {"other": other, "id": pk},
            )

    # deletions

    def apply_deletion(self, identifier: str, datestamp: str) -> None:
        """Mark IDENTIFIER deleted and withdraw what it brought: its copies, then its own record."""
        harvested, _created = HarvestedRecord.objects.get_or_create(source=self.source, identifier=identifier)
        harvested.deleted = True
        harvested.datestamp = datestamp
        harvested.run = self.run
        harvested.save(update_fields=["deleted", "datestamp", "run", "updated_at"])
        record = Record.objects.filter(pk=harvested.record_id).first() if harvested.record_id else None
        if record is None:
            return
        for item in self._copies_brought(harvested, record):
            self._withdraw_copy(identifier, item)
        own = (
            record.source_library_id == self.source.library_id
            and record.origin_identifier == identifier[:255]
            and record.deleted_at is None
            and record.merged_into_id is None
        )
        if not own:
            return
        left = record.items.count()
        if left:
            self.problem(
                identifier,
                "kept",
                _("Biểu ghi #%(id)s vẫn giữ vì còn %(n)s bản sách.") % {"id": record.pk, "n": left},
            )
            return
        try:
            catalog.delete_record(record, actor=self.actor)
        except CatalogError as exc:
            self.problem(identifier, "kept", str(exc))

    def _copies_brought(self, harvested: HarvestedRecord, record: Record) -> list[Item]:
        # The records the copies may be on now: the record, and the ones it was merged into.
        chain = [record.pk]
        current = record
        while current.merged_into_id and len(chain) < 20:
            chain.append(current.merged_into_id)
            current = Record.objects.only("id", "merged_into_id").get(pk=current.merged_into_id)
        query = Q(barcode__in=harvested.barcodes) if harvested.barcodes else Q(pk__in=[])
        if record.merged_into_id:
            merge = RecordMerge.objects.filter(merged=record, undone_at__isnull=True).order_by("-id").first()
            if merge is not None:
                query |= Q(pk__in=(merge.moved or {}).get("items", []))
        return list(Item.objects.filter(query, record_id__in=chain).order_by("barcode"))

    def _withdraw_copy(self, identifier: str, item: Item) -> None:
        from thuvien.circulation.models import Loan, Transit

        if (
            item.status in OUT_STATUSES
            or Loan.objects.filter(item=item, returned_at__isnull=True).exists()
            or Transit.objects.filter(item=item, received_at__isnull=True).exists()
        ):
            self.problem(
                identifier,
                "kept",
                _("Bản %(barcode)s đang được mượn hoặc luân chuyển: giữ lại, cần xử lý tay.")
                % {"barcode": item.barcode},
            )
            return
        if Loan.objects.filter(item=item).exists() or Transit.objects.filter(item=item).exists():
            # Loan history refers to the copy: it stays, withdrawn.
            if item.status != ItemStatus.WITHDRAWN:
                item.status = ItemStatus.WITHDRAWN
                catalog.save_item(item, actor=self.actor)
            self.problem(
                identifier,
                "withdrawn",
                _("Bản %(barcode)s có lịch sử mượn: chuyển sang «đã thanh lý» thay vì xoá.")
                % {"barcode": item.barcode},
            )
            return
        catalog.delete_item(item, actor=self.actor)
