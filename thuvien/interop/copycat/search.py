"""Search several copy-cataloguing targets at once and read what they send back.

Each target is searched in a thread of its own with the configured timeout; a target that fails
(refused, slow, a diagnostic) gives its column an error and never stops the others. Threads touch
no database: they get plain settings (``TargetSpec``) and return records already decoded for
display (``Hit``), each keeping the octets the target sent for a later import.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from thuvien.interop.copycat import translate
from thuvien.interop.copycat.sru_client import SRUError, search_retrieve
from thuvien.interop.marc import ParsedRecord, extract, read_marc
from thuvien.interop.z3950.client import Z3950Client, Z3950Error

__all__ = [
    "Hit",
    "TargetResult",
    "TargetSpec",
    "TargetURLError",
    "search_many",
    "search_one",
    "target_errors",
    "check_target",
]

logger = logging.getLogger("thuvien.copycat")

MAX_HITS = 50
# Extra seconds a whole target may take beyond its timeout (connect, search and present each
# have the timeout; a target still busy after this is reported as too slow).
GRACE_SECONDS = 3.0
# What the reader is told the octets are in, by the target's declared character set.
ENCODING_HINTS = {"auto": "auto", "utf-8": "utf8", "marc-8": "marc8"}


class TargetURLError(ValueError):
    """An ad-hoc target address that cannot be used; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class TargetSpec:
    """How to reach a target: a plain copy of a CopyTarget, safe to hand to a thread."""

    code: str
    name: str
    protocol: str  # z3950 | sru
    host: str = ""
    port: int = 210
    database: str = "Default"
    syntax: str = "usmarc"
    charset: str = "auto"
    sru_url: str = ""
    sru_version: str = "1.2"
    sru_schema: str = "marcxml"
    user: str = ""
    password: str = ""
    allow_private: bool = False
    pk: int | None = None

    @classmethod
    def from_target(cls, target) -> TargetSpec:
        return cls(
            code=target.code,
            name=target.name,
            protocol=target.protocol,
            host=target.host,
            port=target.port or 210,
            database=target.database or "Default",
            syntax=target.syntax,
            charset=target.charset,
            sru_url=target.sru_url,
            sru_version=target.sru_version,
            sru_schema=target.sru_schema,
            user=target.user,
            password=target.password,
            allow_private=target.allow_private,
            pk=target.pk,
        )

    @classmethod
    def from_url(cls, url: str, **options) -> TargetSpec:
        """Read an ad-hoc target: ``z3950://[user:password@]host[:port]/database`` or an SRU http(s) URL."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise TargetURLError(_("Địa chỉ không hợp lệ: %(error)s") % {"error": exc}) from None
        scheme = parts.scheme.lower()
        if scheme in ("z3950", "z39.50", "tcp"):
            if not parts.hostname:
                raise TargetURLError(_("Địa chỉ Z39.50 cần tên máy: z3950://máy:cổng/cơ-sở-dữ-liệu"))
            return cls(
                code=parts.hostname,
                name=url,
                protocol="z3950",
                host=parts.hostname,
                port=port or 210,
                database=unquote(parts.path.lstrip("/")) or "Default",
                user=unquote(parts.username or ""),
                password=unquote(parts.password or ""),
                **options,
            )
        if scheme in ("http", "https"):
            if not parts.hostname:
                raise TargetURLError(_("Địa chỉ không có tên máy."))
            return cls(code=parts.hostname, name=url, protocol="sru", sru_url=url, **options)
        raise TargetURLError(
            _("Địa chỉ phải bắt đầu bằng z3950:// (Z39.50) hoặc http(s):// (SRU): «%(url)s».")
            % {"url": url[:100]}
        )

    @property
    def encoding(self) -> str:
        """The reader's encoding for this target's records (XML is Unicode whatever is declared)."""
        if self.protocol == "sru" or self.syntax == "xml":
            return "auto"
        return ENCODING_HINTS.get(self.charset, "auto")

    @property
    def record_syntax(self) -> str:
        return "xml" if self.protocol == "sru" else self.syntax


@dataclass
class Hit:
    """One record a target sent: what a cataloguer needs to choose it, and its octets."""

    position: int
    raw: bytes
    syntax: str
    encoding: str
    title: str = ""
    author: str = ""
    publisher: str = ""
    place: str = ""
    year: int | None = None
    edition: str = ""
    isbns: list[str] = field(default_factory=list)
    control_number: str = ""
    lines: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str = ""
    # Set when the hit is kept for import (see actions.remember_hits).
    token: str = ""
    # A live record of our catalogue with one of the hit's ISBNs (shown, never decided on).
    local: int | None = None


@dataclass
class TargetResult:
    spec: TargetSpec
    total: int = 0
    hits: list[Hit] = field(default_factory=list)
    error: str = ""
    # Records the target listed but did not give (its diagnostics), and other remarks.
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    query: str = ""


def marc_lines(record) -> list[str]:
    """Return the record as lines of text: leader, then "245 10 $a ... $c ..."."""
    lines = [f"LDR    {record.leader}"]
    for f in record.fields:
        if f.control_field:
            lines.append(f"{f.tag}    {f.data}")
        else:
            ind = "".join(i if i and i != " " else "_" for i in (f.indicators or (" ", " ")))
            lines.append(f"{f.tag} {ind} " + " ".join(f"${code} {value}" for code, value in f.subfields))
    return lines


def decode(raw: bytes, *, position: int, syntax: str, encoding: str) -> Hit:
    """Read RAW for display (the project's MARC reader: MARC-8 and Vietnamese legacy encodings)."""
    hit = Hit(position=position, raw=raw, syntax=syntax, encoding=encoding)
    try:
        entry = next(iter(read_marc(raw, encoding=encoding)), None)
    except (ValueError, TypeError) as exc:
        entry = None
        hit.error = str(exc)
    if not isinstance(entry, ParsedRecord):
        hit.error = hit.error or (entry.reason if entry is not None else _("không có biểu ghi"))
        return hit
    record = entry.record
    x = extract(record)
    hit.title = x.title
    hit.author = x.author or ""
    hit.publisher = x.publisher or ""
    hit.place = x.place or ""
    hit.year = x.year
    hit.edition = x.edition or ""
    hit.isbns = list(x.isbns)
    hit.control_number = x.control_number or ""
    hit.lines = marc_lines(record)
    hit.warnings = list(entry.warnings) + [
        _("%(tag)s: «%(before)s» → «%(after)s» (%(encoding)s)")
        % {"tag": c.tag + (f"${c.subfield}" if c.subfield else ""), "before": c.before, "after": c.after,
           "encoding": c.encoding}
        for c in entry.changes[:10]
    ]  # fmt: skip
    return hit


def _z3950_client(spec: TargetSpec, timeout: float) -> Z3950Client:
    return Z3950Client(
        spec.host,
        spec.port,
        spec.database,
        user=spec.user or None,
        password=spec.password or None,
        timeout=timeout,
        # UTF-8 is negotiated unless the target is known to keep MARC-8: those records are read
        # here as they are stored (the reader recomposes Vietnamese letters the way MARC-8 needs),
        # not through the target's conversion.
        charset="MARC-8" if spec.charset == "marc-8" else "UTF-8",
        allow_private=spec.allow_private,
    )


def _fetch_z3950(spec: TargetSpec, kind: str, text: str, maximum: int, timeout: float, result: TargetResult):
    result.query = translate.pqf(kind, text)
    with _z3950_client(spec, timeout) as client:
        result.total = client.search(result.query)
        records = (
            client.present(start=1, count=min(result.total, maximum), syntax=spec.syntax)
            if result.total
            else []
        )
        result.notes += [str(d) for d in client.last_diagnostics]
    return records


def _fetch_sru(spec: TargetSpec, kind: str, text: str, maximum: int, timeout: float, result: TargetResult):
    result.query = translate.cql(kind, text)
    found = search_retrieve(
        spec.sru_url,
        result.query,
        version=spec.sru_version,
        schema=spec.sru_schema,
        maximum=maximum,
        timeout=timeout,
        allow_private=spec.allow_private,
    )
    result.total = found.number_of_records
    result.notes += [str(d) for d in found.diagnostics + found.record_diagnostics]
    return found.records


def target_errors() -> tuple[type[Exception], ...]:
    """The exceptions a target's failure may raise, each with a message for staff."""
    return (SRUError, Z3950Error, translate.QueryError, OSError)


def search_one(
    spec: TargetSpec, kind: str, text: str, *, maximum: int = 10, timeout: float | None = None
) -> TargetResult:
    """Search SPEC for TEXT as KIND; return its hits, or its error in the result (never raise)."""
    timeout = float(timeout or settings.COPYCAT_TIMEOUT)
    maximum = max(1, min(maximum, MAX_HITS))
    result = TargetResult(spec)
    started = time.monotonic()
    try:
        fetcher = _fetch_sru if spec.protocol == "sru" else _fetch_z3950
        records = fetcher(spec, kind, text, maximum, timeout, result)
        for n, raw in enumerate(records[:maximum], start=1):
            result.hits.append(decode(raw, position=n, syntax=spec.record_syntax, encoding=spec.encoding))
        if result.total and not result.hits and result.notes:
            # Found, but none given (a record syntax or schema the target does not have): say why.
            result.error = _("Máy chủ tìm thấy %(total)s biểu ghi nhưng không gửi biểu ghi nào: %(why)s") % {
                "total": result.total,
                "why": "; ".join(result.notes[:3]),
            }
    except target_errors() as exc:
        result.error = getattr(exc, "message", None) or str(exc) or exc.__class__.__name__
    except Exception as exc:
        # One target's surprise must not take the page down; the log keeps the traceback.
        logger.exception("copy cataloguing search of %s failed", spec.code)
        result.error = _("Lỗi không lường trước khi tìm ở máy chủ này: %(error)s") % {"error": exc}
    result.seconds = time.monotonic() - started
    return result


def search_many(
    specs: list[TargetSpec], kind: str, text: str, *, maximum: int = 10, timeout: float | None = None
) -> list[TargetResult]:
    """Search every target in SPECS at once (a thread each); return their results in SPECS' order."""
    timeout = float(timeout or settings.COPYCAT_TIMEOUT)
    results: list[TargetResult | None] = [None] * len(specs)
    # The active language is per thread: the messages of each column in the asker's.
    language = translation.get_language()

    def run(n: int, spec: TargetSpec) -> None:
        with translation.override(language):
            results[n] = search_one(spec, kind, text, maximum=maximum, timeout=timeout)

    threads = []
    for n, spec in enumerate(specs):
        # Daemon threads: one stuck past its deadline is abandoned, never waited for at exit.
        thread = threading.Thread(target=run, args=(n, spec), name=f"copycat-{spec.code}", daemon=True)
        thread.start()
        threads.append(thread)
    deadline = time.monotonic() + timeout + GRACE_SECONDS
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    out = []
    for n, spec in enumerate(specs):
        result = results[n]
        if result is None:
            result = TargetResult(
                spec,
                error=_("Máy chủ không trả lời trong %(seconds)s giây.") % {"seconds": int(timeout)},
                seconds=timeout + GRACE_SECONDS,
            )
        out.append(result)
    return out


def check_target(spec: TargetSpec, *, timeout: float | None = None) -> str:
    """Connect to SPEC and ask it something harmless; return what it said, or raise with the reason."""
    timeout = float(timeout or settings.COPYCAT_TIMEOUT)
    if spec.protocol == "sru":
        try:
            found = search_retrieve(
                spec.sru_url, 'cql.anywhere="test"', version=spec.sru_version, schema=spec.sru_schema,
                maximum=0, timeout=timeout, allow_private=spec.allow_private,
            )  # fmt: skip
        except SRUError as exc:
            if not exc.diagnostics:
                raise
            # A diagnostic (an index it lacks) is still an SRU server answering.
            return _("Máy chủ SRU trả lời, kèm chẩn đoán: %(diagnostic)s") % {
                "diagnostic": exc.diagnostics[0]
            }
        return _("Máy chủ SRU trả lời (phiên bản %(version)s).") % {
            "version": found.version or spec.sru_version
        }
    with _z3950_client(spec, timeout) as client:
        info = client.target_info or {}
        name = " ".join(str(info.get(k) or "") for k in ("implementation_name", "implementation_version"))
        name = name.strip() or "?"
        try:
            hits = client.search(translate.pqf("any", "test"))
        except Z3950Error as exc:
            if getattr(exc, "code", None) is None:
                raise
            return _("Máy chủ Z39.50 trả lời: %(name)s, kèm chẩn đoán: %(diagnostic)s") % {
                "name": name,
                "diagnostic": exc.message if hasattr(exc, "message") else exc,
            }
    return _("Máy chủ Z39.50 trả lời: %(name)s (tìm thử: %(hits)s biểu ghi).") % {"name": name, "hits": hits}
