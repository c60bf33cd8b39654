"""A Z39.50 client for copy cataloguing: connect, search with PQF, fetch records as the target sends them.

The target's address is vetted as the OAI-PMH harvester's are (no private or loopback address unless
allowed), every read is bounded by the timeout and every message by MAX_RESPONSE, and anything the
target does wrong becomes a `Z3950Error` with a message a librarian can read. UTF-8 is proposed by
character-set negotiation; records from targets that refuse it are returned as they came (the
importer reads MARC-8 and the legacy Vietnamese encodings).

    with Z3950Client("z3950.loc.gov", 7090, "VOYAGER") as client:
        hits = client.search('@attr 1=7 "9786041234567"')
        records = client.present(1, 10)
"""

from __future__ import annotations

import socket
import time

from django.utils.translation import gettext as _

from thuvien.interop.oaipmh.fetch import FetchError, vet_host
from thuvien.lib.vn_text import fold

from . import ber, pdu, rpn
from .diagnostics import MEANINGS, Diagnostic

__all__ = ["Z3950Client", "Z3950Error"]

MAX_RESPONSE = 16 * 1024 * 1024
PREFERRED_MESSAGE = 4 * 1024 * 1024
MAX_RECORDS = 1000
SYNTAXES = {
    "usmarc": pdu.USMARC,
    "marc21": pdu.USMARC,
    "xml": pdu.XML,
    "marcxml": pdu.XML,
    "sutrs": pdu.SUTRS,
    "unimarc": pdu.UNIMARC,
}
CLOSE_REASONS = {
    0: "finished",
    1: "shutdown",
    2: "systemProblem",
    3: "costLimit",
    4: "resources",
    5: "securityViolation",
    6: "protocolError",
    7: "lackOfActivity",
    8: "peerAbort",
    9: "unspecified",
}


class Z3950Error(Exception):
    """What went wrong talking to a target, in words for a librarian; CODE/ADDINFO for a target diagnostic."""

    def __init__(self, message: str, *, code: int | None = None, addinfo: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.addinfo = addinfo

    @classmethod
    def from_diagnostic(cls, diagnostic: Diagnostic, host: str = "") -> Z3950Error:
        meaning = MEANINGS.get(diagnostic.code)
        text = _("Máy chủ Z39.50 %(host)s báo lỗi %(code)s") % {"host": host, "code": diagnostic.code}
        if meaning:
            text += f" ({meaning})"
        if diagnostic.addinfo:
            text += f": {diagnostic.addinfo[:200]}"
        return cls(text + ".", code=diagnostic.code, addinfo=diagnostic.addinfo)


class Z3950Client:
    """One session with a Z39.50 target (a context manager: Init on entry, Close on exit)."""

    def __init__(
        self,
        host: str,
        port: int,
        database: str = "Default",
        *,
        user: str | None = None,
        password: str | None = None,
        group: str | None = None,
        timeout: float = 15.0,
        charset: str = "UTF-8",
        allow_private: bool = False,
    ) -> None:
        self.host = host
        self.port = int(port)
        self.database = database
        self.user = user
        self.password = password
        self.group = group
        self.timeout = float(timeout)
        self.charset = charset
        self.allow_private = allow_private
        self.target_info: dict = {}
        self.last_diagnostics: list[Z3950Error] = []
        self._sock: socket.socket | None = None
        self._framer = ber.Framer(MAX_RESPONSE)
        self._named_sets = False
        self._hits: dict[str, int] = {}
        self._term_encoding = "utf-8"

    # --- session ---------------------------------------------------------------------------------

    def __enter__(self) -> Z3950Client:
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def open(self) -> None:
        """Connect and send Init; raise Z3950Error if the target cannot be reached or refuses."""
        if not 0 < self.port < 65536:
            raise Z3950Error(_("Cổng không hợp lệ: %(port)s.") % {"port": self.port})
        try:
            addresses = vet_host(self.host, self.port, self.allow_private)
        except FetchError as exc:
            raise Z3950Error(exc.message) from exc
        last: Exception | None = None
        for address in addresses:
            try:
                self._sock = socket.create_connection((address, self.port), timeout=self.timeout)
                break
            except OSError as exc:
                last = exc
        if self._sock is None:
            raise Z3950Error(
                _("Không kết nối được tới máy chủ Z39.50 %(host)s:%(port)s: %(error)s")
                % {"host": self.host, "port": self.port, "error": last}
            )
        auth = None
        if self.user:
            auth = pdu.Auth("idPass", self.user, self.password or "", self.group or "")
        negotiate = (self.charset or "").upper().replace("_", "-") in ("UTF-8", "UTF8")
        request = pdu.InitRequest(
            options={"search", "present", "delSet", "scan", "namedResultSets"}
            | ({"negotiationModel"} if negotiate else set()),
            preferred_message_size=PREFERRED_MESSAGE,
            exceptional_record_size=MAX_RESPONSE // 2,
            auth=auth,
            implementation_id="thuvien",
            implementation_name="thuvien Z39.50 client",
            implementation_version="1",
            charsets=["UTF-8"] if negotiate else None,
            records_in_selected_charsets=True if negotiate else None,
        )
        response = self._exchange(pdu.encode_init_request(request), pdu.InitResponse)
        self.target_info = {
            "implementation_id": response.implementation_id,
            "implementation_name": response.implementation_name,
            "implementation_version": response.implementation_version,
            "charset": response.charset,
            "options": sorted(response.options),
            "version": max(response.versions) if response.versions else 2,
        }
        if not response.result:
            self._drop()
            if response.diagnostic is not None:
                error = Z3950Error.from_diagnostic(response.diagnostic, self.host)
                error.message = _("Máy chủ Z39.50 từ chối phiên làm việc. %(reason)s") % {
                    "reason": error.message
                }
                error.args = (error.message,)
                raise error
            raise Z3950Error(
                _("Máy chủ Z39.50 %(host)s từ chối phiên làm việc (sai tên đăng nhập hoặc mật khẩu?).")
                % {"host": self.host}
            )
        self._named_sets = "namedResultSets" in response.options
        # Terms go in the character set agreed on; without one, in the one the caller named.
        if response.charset:
            self._term_encoding = _codec(response.charset)
        elif not negotiate and self.charset:
            self._term_encoding = _codec(self.charset)

    def close(self) -> None:
        """Send Close (finished) and disconnect; never raises."""
        if self._sock is None:
            return
        try:
            self._sock.settimeout(min(self.timeout, 2.0))
            self._sock.sendall(pdu.encode_close(pdu.Close(pdu.FINISHED)))
            # The target answers with a Close of its own; waiting for it is a courtesy, not a need.
            self._read_message(time.monotonic() + min(self.timeout, 2.0))
        except (OSError, Z3950Error, ber.BERError):
            pass
        finally:
            self._drop()

    def _drop(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            finally:
                self._sock = None

    # --- requests --------------------------------------------------------------------------------

    def _parse(self, pqf: str) -> rpn.RPNQuery:
        try:
            try:
                return rpn.parse_pqf(pqf, self._term_encoding)
            except UnicodeEncodeError:
                # A target that negotiated a character set without Vietnamese letters (ISO 8859-1)
                # gets the words without diacritics, as most targets index them anyway.
                return rpn.parse_pqf(fold(pqf), self._term_encoding)
        except (rpn.PQFError, UnicodeEncodeError) as exc:
            raise Z3950Error(_("Truy vấn PQF không hợp lệ: %(error)s") % {"error": exc}) from exc

    def search(self, pqf: str, result_set: str = "default") -> int:
        """Run PQF on the database; return the number of hits (raise Z3950Error on a diagnostic)."""
        query = self._parse(pqf)
        name = self._set_name(result_set)
        request = pdu.SearchRequest(
            query=rpn.encode_query(query, self._term_encoding),
            result_set_name=name,
            databases=[self.database],
        )
        response = self._exchange(pdu.encode_search_request(request), pdu.SearchResponse)
        if not response.status and response.diagnostics:
            self._hits.pop(name, None)
            raise Z3950Error.from_diagnostic(response.diagnostics[0], self.host)
        if not response.status:
            raise Z3950Error(_("Máy chủ Z39.50 %(host)s báo tìm kiếm thất bại.") % {"host": self.host})
        self._hits[name] = max(0, response.count)
        return response.count

    def present(
        self, start: int = 1, count: int = 10, syntax: str = "usmarc", result_set: str = "default"
    ) -> list[bytes]:
        """Return the records START..START+COUNT-1 of RESULT_SET as the target sent them (refused ones skipped)."""
        oid = SYNTAXES.get(syntax.lower())
        if oid is None:
            raise Z3950Error(_("Khuôn dạng biểu ghi không được hỗ trợ: %(syntax)s.") % {"syntax": syntax})
        name = self._set_name(result_set)
        self.last_diagnostics = []
        hits = self._hits.get(name)
        if start < 1:
            raise Z3950Error(_("Vị trí bắt đầu phải từ 1 trở lên."))
        wanted = min(count, MAX_RECORDS)
        if hits is not None:
            wanted = min(wanted, hits - start + 1)
        records: list[bytes] = []
        position = start
        while wanted > 0:
            request = pdu.PresentRequest(result_set=name, start=position, count=wanted, syntax=oid)
            response = self._exchange(pdu.encode_present_request(request), pdu.PresentResponse)
            if response.diagnostics:
                raise Z3950Error.from_diagnostic(response.diagnostics[0], self.host)
            got = response.records or []
            for record in got:
                if record.diagnostic is not None:
                    self.last_diagnostics.append(Z3950Error.from_diagnostic(record.diagnostic, self.host))
                elif record.data is not None:
                    records.append(record.data)
            # A target may send fewer records than asked (its message size): ask again for the rest.
            if not got or response.present_status == pdu.FAILURE:
                break
            position += len(got)
            wanted -= len(got)
        return records

    def scan(self, pqf: str, count: int = 20, position: int = 1) -> list[tuple[str, int]]:
        """Return up to COUNT (term, occurrences) of the index PQF's attributes name, around its term."""
        query = self._parse(pqf)
        if not isinstance(query.root, rpn.AttrTerm):
            raise Z3950Error(_("Duyệt chỉ mục cần đúng một thuật ngữ."))
        request = pdu.ScanRequest(
            term=rpn.encode_attributes_plus_term(query.root, self._term_encoding),
            databases=[self.database],
            attribute_set=query.attribute_set,
            count=count,
            position=position,
        )
        response = self._exchange(pdu.encode_scan_request(request), pdu.ScanResponse)
        if response.diagnostics and not response.entries:
            raise Z3950Error.from_diagnostic(response.diagnostics[0], self.host)
        return [(term.decode(self._term_encoding, errors="replace"), n) for term, n in response.entries]

    def _set_name(self, result_set: str) -> str:
        # A target that did not agree to named result sets knows only "default".
        return result_set if self._named_sets else "default"

    # --- wire ------------------------------------------------------------------------------------

    def _exchange(self, message: bytes, expected: type):
        if self._sock is None:
            raise Z3950Error(_("Chưa kết nối tới máy chủ Z39.50."))
        deadline = time.monotonic() + self.timeout
        try:
            self._sock.settimeout(self.timeout)
            self._sock.sendall(message)
            data = self._read_message(deadline)
            answer = pdu.decode_pdu(data)
        except TimeoutError as exc:
            self._drop()
            raise Z3950Error(
                _("Máy chủ Z39.50 %(host)s không trả lời trong %(seconds)s giây.")
                % {"host": self.host, "seconds": int(self.timeout)}
            ) from exc
        except OSError as exc:
            self._drop()
            raise Z3950Error(
                _("Mất kết nối với máy chủ Z39.50 %(host)s: %(error)s") % {"host": self.host, "error": exc}
            ) from exc
        except (ber.BERError, pdu.ProtocolError, Diagnostic) as exc:
            self._drop()
            raise Z3950Error(
                _("Máy chủ Z39.50 %(host)s gửi thông điệp sai dạng: %(error)s")
                % {"host": self.host, "error": exc}
            ) from exc
        if isinstance(answer, pdu.Close):
            self._drop()
            reason = CLOSE_REASONS.get(answer.reason, str(answer.reason))
            detail = f" ({answer.message})" if answer.message else ""
            raise Z3950Error(
                _("Máy chủ Z39.50 %(host)s đã đóng phiên làm việc: %(reason)s%(detail)s.")
                % {"host": self.host, "reason": reason, "detail": detail}
            )
        if not isinstance(answer, expected):
            self._drop()
            raise Z3950Error(
                _("Máy chủ Z39.50 %(host)s trả lời không đúng yêu cầu (%(got)s).")
                % {"host": self.host, "got": type(answer).__name__}
            )
        return answer

    def _read_message(self, deadline: float) -> bytes:
        """Read one complete APDU, each read bounded by what is left of the deadline."""
        assert self._sock is not None
        while True:
            message = self._framer.next()
            if message is not None:
                return message
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            self._sock.settimeout(remaining)
            chunk = self._sock.recv(65536)
            if not chunk:
                raise ConnectionError(_("máy chủ đã ngắt kết nối"))
            self._framer.feed(chunk)


def _codec(name: str) -> str:
    import codecs

    try:
        return codecs.lookup(name).name
    except LookupError:
        return "utf-8"
