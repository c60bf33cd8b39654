"""What the target does for each request of a session: Init, Search, Present, Scan, Delete.

Runs in a worker thread (the ORM and Tantivy are synchronous); the asyncio server only frames and
routes. A session's named result sets keep the query tree, its hit count and the ids fetched so far:
a Present inside them reads those ids, one beyond re-runs the query from that offset. Records are
re-read at Present through `structured.records`, which returns public records only, so a record
that became private after the search comes back as a surrogate diagnostic, never as data.
"""

from __future__ import annotations

import logging
from array import array
from collections import OrderedDict
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version

from django.conf import settings

from thuvien.interop.sip2.ratelimit import FailureLimiter
from thuvien.search import structured as sq

from . import actions, bib1, pdu, rpn
from . import diagnostics as d
from .ber import BERError
from .diagnostics import Diagnostic

logger = logging.getLogger("thuvien.z3950")

DATABASES = {"default", "thuvien"}
SUPPORTED_OPTIONS = {"search", "present", "delSet", "scan", "namedResultSets"}
MAX_RESULT_SETS = 20
MAX_CACHED_IDS = 2_000
FIRST_WINDOW = 50
MAX_PRESENT = 500
MAX_SET_NAME = 100
MIN_MESSAGE = 16 * 1024
# Bytes an APDU adds around each record (tags, lengths, OIDs, the database name).
RECORD_OVERHEAD = 64
MARC_ESNS = {None, "f", "b"}
XML_ESNS = {None, "f", "b", "marcxml", "marc21", "marc21slim"}
DC_ESNS = {"dc", "oai_dc"}
IMPLEMENTATION_ID = "thuvien"


def implementation_version() -> str:
    try:
        return version("thuvien")
    except PackageNotFoundError:  # running from a checkout that was never installed
        return "0"


@dataclass
class ResultSet:
    node: sq.Term | sq.Bool
    count: int
    # Ids of positions 1..len(ids), as 8-byte integers: 200 sessions of 20 sets stay small.
    ids: array = field(default_factory=lambda: array("q"))

    def ids_for(self, start: int, number: int) -> list[int]:
        """Return the ids at positions START.. (1-based), fetching those not yet known."""
        first = start - 1
        end = min(self.count, first + number)
        if end <= len(self.ids):
            return list(self.ids[first:end])
        known = len(self.ids)
        if first <= known:
            _count, more = sq.run(self.node, known, end - known)
            head = list(self.ids[first:])
            if known + len(more) <= MAX_CACHED_IDS:
                self.ids.extend(more)
            return head + more
        # Far beyond what is known: fetched for this Present only, the cache stays contiguous.
        _count, more = sq.run(self.node, first, end - first)
        return more


@dataclass
class Session:
    """One client connection: what Init agreed and the result sets it made."""

    id: int
    peer: str
    initialized: bool = False
    closing: bool = False
    charset: str | None = None
    who: str = ""
    preferred_message_size: int = 1024 * 1024
    exceptional_record_size: int = 1024 * 1024
    result_sets: OrderedDict[str, ResultSet] = field(default_factory=OrderedDict)


class Target:
    """The Z39.50 target's behaviour, independent of sockets: one call per request APDU."""

    def __init__(self, *, auth_mode: str | None = None, max_message: int | None = None) -> None:
        self.auth_mode = auth_mode or settings.Z3950_AUTH
        self.max_message = max_message or settings.Z3950_MAX_MESSAGE
        # Wrong passwords per peer address: 10 in 10 minutes lock that address out for 15.
        self.logins = FailureLimiter(10, 600.0, 900.0)

    # --- Init ----------------------------------------------------------------------------------

    def init(self, session: Session, request: pdu.InitRequest) -> pdu.InitResponse:
        """Answer an InitRequest; a refused Init leaves SESSION closing."""
        versions = {1, 2, 3} if 3 in request.versions else {1, 2}
        response = pdu.InitResponse(
            reference_id=request.reference_id,
            versions=versions,
            options=request.options & SUPPORTED_OPTIONS,
            preferred_message_size=self._size(request.preferred_message_size),
            exceptional_record_size=max(
                self._size(request.preferred_message_size), self._size(request.exceptional_record_size)
            ),
            implementation_id=IMPLEMENTATION_ID,
            implementation_name="thuvien Z39.50",
            implementation_version=implementation_version(),
        )
        if request.charsets is not None and any(c.upper() in ("UTF-8", "UTF8") for c in request.charsets):
            # Everything this target sends is UTF-8 anyway: agreeing says so.
            response.charset = "UTF-8"
            response.records_in_selected_charsets = True if request.records_in_selected_charsets else None
            if "negotiationModel" in request.options:
                response.options.add("negotiationModel")
        auth = request.auth
        user = auth.user if auth is not None and auth.kind in ("open", "idPass") else ""
        password = auth.password if auth is not None else ""
        if user and self.logins.blocked(session.peer):
            logger.warning(
                "z3950: session %d: login refused: too many failures from %s", session.id, session.peer
            )
            login = actions.Login(False, reason="blocked")
        else:
            login = actions.authenticate(user, password, mode=self.auth_mode, peer=session.peer)
            if not login.ok and user:
                self.logins.failure(session.peer)
        if not login.ok:
            response.result = False
            code = d.INIT_BLOCKED_ADDRESS if login.reason == "blocked" else d.INIT_BAD_USER_OR_PASSWORD
            response.diagnostic = Diagnostic(
                code, login.reason if login.reason in ("locked", "blocked") else ""
            )
            response.charset = None
            session.closing = True
            return response
        session.initialized = True
        session.charset = response.charset
        session.who = login.who
        session.preferred_message_size = response.preferred_message_size
        session.exceptional_record_size = response.exceptional_record_size
        return response

    def _size(self, asked: int) -> int:
        return max(MIN_MESSAGE, min(asked, self.max_message)) if asked > 0 else self.max_message

    # --- Search --------------------------------------------------------------------------------

    def search(self, session: Session, request: pdu.SearchRequest) -> pdu.SearchResponse:
        try:
            return _guarded(session, self._search, request)
        except Diagnostic as diagnostic:
            if request.replace:
                session.result_sets.pop(request.result_set_name, None)
            return pdu.SearchResponse(
                reference_id=request.reference_id,
                count=0,
                returned=0,
                next_position=0,
                status=False,
                result_set_status=3,  # none: no result set was made
                diagnostics=[diagnostic],
            )

    def _search(self, session: Session, request: pdu.SearchRequest) -> pdu.SearchResponse:
        self._check_databases(request.databases)
        name = request.result_set_name
        if not name or len(name) > MAX_SET_NAME:
            raise Diagnostic(d.ILLEGAL_RESULT_SET_NAME, name[:MAX_SET_NAME])
        if not request.replace and name in session.result_sets:
            raise Diagnostic(d.RESULT_SET_EXISTS, name)
        if not isinstance(request.query, rpn.ber.Element):
            raise Diagnostic(d.MALFORMED_QUERY, "")
        query = rpn.decode_query(request.query)
        node = bib1.to_node(query, lambda ref: self._set_node(session, ref))
        try:
            count, ids = sq.run(node, 0, FIRST_WINDOW)
        except sq.QueryError as error:
            raise bib1.diagnostic_for(error, node) from None
        result_set = ResultSet(node, count, array("q", ids))
        session.result_sets.pop(name, None)
        session.result_sets[name] = result_set
        while len(session.result_sets) > MAX_RESULT_SETS:
            session.result_sets.popitem(last=False)
        response = pdu.SearchResponse(reference_id=request.reference_id, count=count, next_position=1)
        # Piggybacked records: all of a small set, some of a medium one, none of a large one.
        if count <= request.small_set_upper_bound:
            wanted, esn = count, request.small_set_element_set
        elif count < request.large_set_lower_bound:
            wanted, esn = min(count, request.medium_set_present_number), request.medium_set_element_set
        else:
            wanted, esn = 0, None
        if wanted > 0:
            try:
                records, status = self._records(session, result_set, 1, wanted, request.syntax, esn)
            except Diagnostic as diagnostic:
                # The search stands; only the records that came with it could not be sent.
                response.diagnostics = [diagnostic]
                response.present_status = pdu.FAILURE
                return response
            response.records = records
            response.returned = len(records)
            response.next_position = 1 + len(records)
            response.present_status = status
        return response

    def _set_node(self, session: Session, name: str):
        found = session.result_sets.get(name)
        return found.node if found is not None else None

    def _check_databases(self, databases: list[str]) -> None:
        if not databases:
            raise Diagnostic(d.DATABASE_MISSING, "")
        for name in databases:
            if name.lower() not in DATABASES:
                raise Diagnostic(d.DATABASE_MISSING, name[:100])

    # --- Present -------------------------------------------------------------------------------

    def present(self, session: Session, request: pdu.PresentRequest) -> pdu.PresentResponse:
        try:
            return _guarded(session, self._present, request)
        except Diagnostic as diagnostic:
            return pdu.PresentResponse(
                reference_id=request.reference_id,
                returned=0,
                next_position=max(0, request.start),
                present_status=pdu.FAILURE,
                diagnostics=[diagnostic],
            )

    def _present(self, session: Session, request: pdu.PresentRequest) -> pdu.PresentResponse:
        if request.refusal is not None:
            raise request.refusal
        result_set = session.result_sets.get(request.result_set)
        if result_set is None:
            raise Diagnostic(d.RESULT_SET_MISSING, request.result_set[:MAX_SET_NAME])
        if request.count < 0 or request.start < 1 or (request.count and request.start > result_set.count):
            raise Diagnostic(d.PRESENT_OUT_OF_RANGE, f"{request.start}+{request.count}")
        records, status = self._records(
            session, result_set, request.start, request.count, request.syntax, request.element_set
        )
        return pdu.PresentResponse(
            reference_id=request.reference_id,
            returned=len(records),
            next_position=request.start + len(records),
            present_status=status,
            records=records,
        )

    def _records(
        self,
        session: Session,
        result_set: ResultSet,
        start: int,
        number: int,
        syntax: tuple[int, ...] | None,
        esn: str | None,
    ) -> tuple[list[pdu.NamePlusRecord], int]:
        render = self._renderer(syntax, esn)
        number = min(number, MAX_PRESENT, result_set.count - start + 1)
        if number <= 0:
            return [], pdu.SUCCESS
        try:
            ids = result_set.ids_for(start, number)
        except sq.QueryError as error:
            raise bib1.diagnostic_for(error, result_set.node) from None
        found = {record.pk: record for record in sq.records(ids)}
        out: list[pdu.NamePlusRecord] = []
        size = 200
        for pk in ids:
            record = found.get(pk)
            if record is None:
                # Suppressed, deleted or merged since the search: its data is no longer public.
                out.append(pdu.NamePlusRecord("Default", diagnostic=Diagnostic(d.RECORD_DELETED, "")))
                size += RECORD_OVERHEAD
                continue
            try:
                record_syntax, data = render(record)
            except Exception:
                logger.exception("z3950: session %d: record %s could not be rendered", session.id, pk)
                out.append(
                    pdu.NamePlusRecord("Default", diagnostic=Diagnostic(d.SYSTEM_ERROR_PRESENTING, ""))
                )
                continue
            if len(data) + RECORD_OVERHEAD > session.exceptional_record_size:
                out.append(
                    pdu.NamePlusRecord("Default", diagnostic=Diagnostic(d.RECORD_EXCEEDS_MESSAGE_SIZE, ""))
                )
                continue
            size += len(data) + RECORD_OVERHEAD
            if out and size > session.preferred_message_size:
                return out, pdu.PARTIAL_MESSAGE_SIZE
            out.append(pdu.NamePlusRecord("Default", record_syntax, data))
        return out, pdu.SUCCESS

    def _renderer(self, syntax: tuple[int, ...] | None, esn: str | None):
        """Return a function giving (syntax, bytes) for a record; raise Diagnostic for what is not offered."""
        syntax = syntax or pdu.USMARC
        name = esn.lower() if esn else None
        if syntax == pdu.USMARC:
            if name not in MARC_ESNS:
                raise Diagnostic(d.ELEMENT_SET_NAME_INVALID, esn or "")
            return lambda record: (pdu.USMARC, sq.iso2709(record))
        if syntax in (pdu.XML, pdu.APPLICATION_XML):
            if name in DC_ESNS:
                from thuvien.interop.dublin_core import oai_dc_xml

                return lambda record: (syntax, oai_dc_xml(sq.dc(record)).encode("utf-8"))
            if name not in XML_ESNS:
                raise Diagnostic(d.ELEMENT_SET_NAME_INVALID, esn or "")
            return lambda record: (syntax, sq.marcxml(record).encode("utf-8"))
        if syntax == pdu.SUTRS:
            if name not in MARC_ESNS:
                raise Diagnostic(d.ELEMENT_SET_NAME_INVALID, esn or "")
            return lambda record: (pdu.SUTRS, _sutrs(sq.iso2709(record)))
        raise Diagnostic(d.RECORD_SYNTAX_UNSUPPORTED, ".".join(map(str, syntax)))

    # --- Scan and Delete -----------------------------------------------------------------------

    def scan(self, session: Session, request: pdu.ScanRequest) -> pdu.ScanResponse:
        try:
            return _guarded(session, self._scan, request)
        except Diagnostic as diagnostic:
            return pdu.ScanResponse(
                reference_id=request.reference_id, status=6, returned=0, diagnostics=[diagnostic]
            )

    def _scan(self, session: Session, request: pdu.ScanRequest) -> pdu.ScanResponse:
        self._check_databases(request.databases)
        if request.step_size not in (None, 0):
            raise Diagnostic(d.ONLY_ZERO_STEP_SCAN, str(request.step_size))
        if not isinstance(request.term, rpn.ber.Element):
            raise Diagnostic(d.SCAN_MALFORMED, "")
        try:
            term = rpn.decode_attributes_plus_term(request.term)
        except BERError as exc:
            raise Diagnostic(d.SCAN_MALFORMED, str(exc)) from None
        node = bib1.term_node(term, request.attribute_set or rpn.BIB1)
        count = max(1, min(request.count, 200))
        position = request.position if request.position is not None else 1
        if not 0 <= position <= count + 1:
            raise Diagnostic(d.SCAN_POSITION_UNSUPPORTED, str(position))
        try:
            entries = sq.scan(node.index, node.text, count, max(1, position))
        except sq.QueryError as error:
            raise bib1.diagnostic_for(error, node) from None
        return pdu.ScanResponse(
            reference_id=request.reference_id,
            step_size=0,
            status=0 if len(entries) == count else 2,  # partial-2: fewer terms than asked (the list ended)
            returned=len(entries),
            position=min(max(1, position), len(entries)) if entries else None,
            entries=[(term.encode("utf-8"), hits) for term, hits in entries],
        )

    def delete(self, session: Session, request: pdu.DeleteRequest) -> pdu.DeleteResponse:
        if request.all:
            session.result_sets.clear()
            return pdu.DeleteResponse(reference_id=request.reference_id, status=0)
        statuses = []
        for name in request.names[: MAX_RESULT_SETS * 4]:
            existed = session.result_sets.pop(name, None) is not None
            statuses.append((name[:MAX_SET_NAME], 0 if existed else 1))
        status = 0 if all(s == 0 for _n, s in statuses) else 9  # notAllRequestedResultSetsDeleted
        return pdu.DeleteResponse(reference_id=request.reference_id, status=status, statuses=statuses)


def _guarded(session: Session, method, request):
    """Call METHOD(session, request); an unexpected failure becomes a temporary-system-error diagnostic."""
    try:
        return method(session, request)
    except Diagnostic:
        raise
    except Exception:
        logger.exception("z3950: session %d: %s failed", session.id, type(request).__name__)
        raise Diagnostic(d.TEMPORARY_SYSTEM_ERROR, "") from None


def _sutrs(iso: bytes) -> bytes:
    """Render an ISO 2709 record as SUTRS: one line per field, as YAZ shows MARC."""
    import pymarc

    record = pymarc.Record(data=iso, force_utf8=True, to_unicode=True)
    lines = [f"LDR {record.leader}"]
    for f in record.fields:
        if f.is_control_field():
            lines.append(f"{f.tag}    {f.data}")
        else:
            subfields = " ".join(f"${s.code} {s.value}" for s in f.subfields)
            lines.append(f"{f.tag} {''.join(f.indicators)} {subfields}")
    return ("\n".join(lines) + "\n").encode("utf-8")
