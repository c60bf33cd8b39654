"""A guarded HTTP GET for URLs staff type in (harvest sources): no private addresses, bounded size and time.

The host is resolved once and every address it resolves to is vetted; the connection then goes to
a vetted address while the Host header, TLS SNI and certificate check use the name, so a DNS answer
that changes between the check and the connection (rebinding) cannot lead the request elsewhere.
Redirects are followed a few times, each hop vetted the same way. No proxy from the environment is
used (it would connect on our behalf to whatever it is asked).
"""

from __future__ import annotations

import email.utils
import http.client
import ipaddress
import socket
import ssl
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

from django.utils.translation import gettext as _

__all__ = [
    "FetchError",
    "HTTPStatusError",
    "NetworkError",
    "RefusedAddress",
    "Response",
    "TooLarge",
    "TooSlow",
    "fetch",
    "vet_host",
]

USER_AGENT = "thuvien-harvester/1.0 (OAI-PMH)"
CHUNK = 64 * 1024
MAX_REDIRECTS = 5
REDIRECTS = {301, 302, 303, 307, 308}
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class FetchError(Exception):
    """The request could not be made or answered; the message says why, for staff."""

    retryable = False

    def __init__(self, message: str, url: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.url = url


class RefusedAddress(FetchError):
    """The URL is not http(s) or leads to an address the source may not reach."""


class TooLarge(FetchError):
    """The response is bigger than the limit."""


class TooSlow(FetchError):
    """Connecting or reading took longer than the timeout or the total deadline."""

    retryable = True


class NetworkError(FetchError):
    """The connection failed or broke (refused, reset, DNS failure, malformed HTTP)."""

    retryable = True


class HTTPStatusError(FetchError):
    """The server answered with an HTTP error status."""

    def __init__(
        self, message: str, url: str, status: int, retry_after: float | None = None, body: bytes = b""
    ):
        super().__init__(message, url)
        self.status = status
        self.retry_after = retry_after
        self.body = body
        self.retryable = status >= 500 or status == 429


@dataclass
class Response:
    url: str
    status: int
    headers: dict[str, str]
    body: bytes


def _refusal(ip: IPAddress) -> str | None:
    """Why IP may not be reached without explicit permission, or None if it is a public address."""
    mapped = getattr(ip, "ipv4_mapped", None) or getattr(ip, "sixtofour", None)
    if mapped is not None:
        return _refusal(mapped)
    checks = (
        ("is_loopback", _("địa chỉ loopback")),
        ("is_link_local", _("địa chỉ link-local")),
        ("is_private", _("địa chỉ mạng nội bộ")),
        ("is_multicast", _("địa chỉ multicast")),
        ("is_reserved", _("địa chỉ dành riêng")),
        ("is_unspecified", _("địa chỉ không xác định")),
    )
    for attribute, label in checks:
        if getattr(ip, attribute):
            return label
    if not ip.is_global:  # shared address space (100.64/10) and the other special ranges
        return _("địa chỉ không công khai")
    return None


def _permitted(ip: IPAddress, allow: bool | tuple[Network, ...]) -> bool:
    if allow is True:
        return True
    if allow:
        plain = getattr(ip, "ipv4_mapped", None) or ip
        return any(plain in network for network in allow)
    return False


def vet_host(host: str, port: int, allow_private: bool | Iterable[Network] = False) -> list[str]:
    """Resolve HOST once; return its addresses, or raise RefusedAddress if any may not be reached.

    ALLOW_PRIVATE True permits every address; a list of networks permits those networks only.
    """
    allow = allow_private if isinstance(allow_private, bool) else tuple(allow_private)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise NetworkError(
            _("Không phân giải được tên máy «%(host)s»: %(error)s") % {"host": host, "error": exc}
        ) from exc
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise NetworkError(_("Tên máy «%(host)s» không có địa chỉ nào.") % {"host": host})
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        reason = _refusal(ip)
        if reason is not None and not _permitted(ip, allow):
            raise RefusedAddress(
                _(
                    "Từ chối kết nối tới «%(host)s»: %(address)s là %(reason)s. Chỉ quản trị hệ thống mới "
                    "có thể cho phép nguồn này dùng địa chỉ nội bộ."
                )
                % {"host": host, "address": address, "reason": reason}
            )
    return addresses


def _connection(
    scheme: str, host: str, port: int, address: str, timeout: float
) -> http.client.HTTPConnection:
    """A connection that talks to HOST (Host header, SNI, certificate) but connects to ADDRESS."""
    if scheme == "https":
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            host, port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        conn = http.client.HTTPConnection(host, port, timeout=timeout)

    def connect(_where, timeout, source_address=None):
        return socket.create_connection((address, port), timeout, source_address)

    conn._create_connection = connect  # the one place http.client opens its socket
    return conn


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def fetch(
    url: str,
    *,
    allow_private: bool | Iterable[Network] = False,
    max_bytes: int = 64 * 1024 * 1024,
    timeout: float = 60.0,
    deadline: float | None = None,
    max_redirects: int = MAX_REDIRECTS,
) -> Response:
    """GET URL safely (see the module docstring); raise a FetchError subclass when it cannot be done.

    TIMEOUT bounds connecting and each read; DEADLINE (seconds, default 4 × TIMEOUT) the whole
    exchange including redirects; MAX_BYTES the body.
    """
    if not isinstance(allow_private, bool):
        allow_private = tuple(allow_private)
    ends_at = time.monotonic() + (deadline if deadline is not None else 4 * timeout)
    for _hop in range(max_redirects + 1):
        response = _get_once(url, allow_private, max_bytes, timeout, ends_at)
        if response.status in REDIRECTS and response.headers.get("location"):
            url = urljoin(url, response.headers["location"])
            continue
        if response.status >= 400 or response.status in REDIRECTS:
            raise HTTPStatusError(
                _("Máy chủ trả lời mã lỗi HTTP %(status)s.") % {"status": response.status},
                url,
                response.status,
                _retry_after(response.headers.get("retry-after")),
                response.body[:2000],
            )
        return response
    raise NetworkError(_("Quá nhiều lần chuyển hướng (hơn %(n)s).") % {"n": max_redirects}, url)


def _get_once(url: str, allow, max_bytes: int, timeout: float, ends_at: float) -> Response:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise RefusedAddress(_("Địa chỉ không hợp lệ: %(error)s") % {"error": exc}, url) from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise RefusedAddress(_("Chỉ chấp nhận địa chỉ http:// hoặc https://."), url)
    host = parts.hostname
    if not host:
        raise RefusedAddress(_("Địa chỉ không có tên máy."), url)
    if parts.username or parts.password:
        raise RefusedAddress(_("Địa chỉ không được chứa tên đăng nhập hay mật khẩu."), url)
    port = port or (443 if scheme == "https" else 80)
    addresses = vet_host(host, port, allow)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    last_error: Exception | None = None
    for address in addresses:
        remaining = ends_at - time.monotonic()
        if remaining <= 0:
            raise TooSlow(_("Quá thời hạn chờ máy chủ trả lời."), url)
        conn = _connection(scheme, host, port, address, min(timeout, remaining))
        try:
            try:
                conn.connect()
            except (ConnectionError, TimeoutError, OSError) as exc:
                if isinstance(exc, ssl.SSLError):
                    raise
                last_error = exc
                continue
            return _exchange(conn, conn.sock, url, target, max_bytes, timeout, ends_at)
        except ssl.SSLError as exc:
            raise NetworkError(_("Lỗi kết nối bảo mật (TLS): %(error)s") % {"error": exc}, url) from exc
        finally:
            conn.close()
    if isinstance(last_error, TimeoutError):
        raise TooSlow(_("Kết nối tới máy chủ quá thời gian chờ."), url)
    raise NetworkError(_("Không kết nối được tới máy chủ: %(error)s") % {"error": last_error}, url)


def _exchange(conn, sock, url: str, target: str, max_bytes: int, timeout: float, ends_at: float) -> Response:
    try:
        conn.putrequest("GET", target, skip_accept_encoding=True)
        conn.putheader("User-Agent", USER_AGENT)
        conn.putheader("Accept", "text/xml, application/xml;q=0.9, */*;q=0.1")
        conn.putheader("Accept-Encoding", "identity")
        conn.endheaders()
        _bound(sock, timeout, ends_at, url)
        resp = conn.getresponse()
        headers = {k.lower(): v for k, v in resp.getheaders()}
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > max_bytes:
            raise TooLarge(_too_large(max_bytes), url)
        chunks = []
        size = 0
        while True:
            _bound(sock, timeout, ends_at, url)
            chunk = resp.read1(CHUNK) if hasattr(resp, "read1") else resp.read(CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                raise TooLarge(_too_large(max_bytes), url)
            chunks.append(chunk)
        return Response(url, resp.status, headers, b"".join(chunks))
    except TimeoutError as exc:
        raise TooSlow(
            _("Máy chủ trả lời quá chậm (quá %(seconds)s giây).") % {"seconds": timeout}, url
        ) from exc
    except ssl.SSLError:
        raise
    except (http.client.HTTPException, ConnectionError, OSError) as exc:
        raise NetworkError(
            _("Kết nối bị ngắt hoặc trả lời sai giao thức HTTP: %(error)s") % {"error": exc}, url
        ) from exc


def _bound(sock, timeout: float, ends_at: float, url: str) -> None:
    """Give the next socket operation the smaller of TIMEOUT and what is left of the deadline."""
    remaining = ends_at - time.monotonic()
    if remaining <= 0:
        raise TooSlow(_("Quá thời hạn tổng cho một lần tải (máy chủ gửi quá chậm)."), url)
    # The connection hands its socket to the response (and forgets it) when the server closes
    # after answering: keep our own reference so every read stays bounded.
    sock.settimeout(min(timeout, remaining))


def _too_large(max_bytes: int) -> str:
    return _("Trả lời của máy chủ lớn hơn giới hạn %(size)s byte.") % {"size": f"{max_bytes:,}"}
