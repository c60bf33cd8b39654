"""The guarded fetch: private addresses refused before any connection, redirects vetted, size and time bounded."""

from __future__ import annotations

import ipaddress
import shutil
import ssl
import time

import pytest

from thuvien.interop.oaipmh.fetch import (
    HTTPStatusError,
    NetworkError,
    RefusedAddress,
    TooLarge,
    TooSlow,
    fetch,
)
from thuvien.interop.oaipmh.tests.servers import LocalServer, make_certificates, send

LOOPBACK_ONLY = [ipaddress.ip_network("127.0.0.1/32")]


def app(handler):
    path = handler.path
    if path == "/ok":
        send(handler, 200, b"<ok/>")
    elif path.startswith("/redirect-to?"):
        send(handler, 302, headers={"Location": path.partition("?")[2]})
    elif path == "/hop1":
        send(handler, 301, headers={"Location": "/hop2"})
    elif path == "/hop2":
        send(handler, 307, headers={"Location": "/ok"})
    elif path == "/loop":
        send(handler, 302, headers={"Location": "/loop"})
    elif path == "/big":
        send(handler, 200, b"x" * 200_000)
    elif path == "/big-undeclared":
        # No Content-Length: the body ends when the connection closes.
        handler.send_response(200)
        handler.send_header("Connection", "close")
        handler.end_headers()
        for _n in range(50):
            handler.wfile.write(b"y" * 10_000)
        handler.close_connection = True
    elif path == "/slow":
        time.sleep(1.5)
        send(handler, 200, b"late")
    elif path == "/drip":
        handler.send_response(200)
        handler.send_header("Content-Length", "100")
        handler.end_headers()
        try:
            for _n in range(100):
                handler.wfile.write(b"z")
                handler.wfile.flush()
                time.sleep(0.05)
        except OSError:
            pass
    elif path == "/missing":
        send(handler, 404, b"not here")
    elif path == "/busy":
        send(handler, 503, b"busy", {"Retry-After": "7"})
    else:
        send(handler, 500, b"?")


@pytest.fixture
def server():
    with LocalServer(app) as s:
        yield s


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "[::1]", "localhost", "[::ffff:127.0.0.1]", "0.0.0.0"],  # noqa: S104 - refused, never bound
)
def test_loopback_refused_before_connecting(server, host):
    with pytest.raises(RefusedAddress) as refused:
        fetch(f"http://{host}:{server.port}/ok")
    assert "Từ chối kết nối" in refused.value.message
    assert server.requests == []


@pytest.mark.parametrize(
    "url",
    [
        "http://10.1.2.3/oai",
        "http://169.254.169.254/latest/meta-data/",
        "http://192.168.1.10/oai",
        "http://172.16.0.5/oai",
        "http://100.64.0.1/oai",
        "http://[fe80::1]/oai",
        "http://[fd00::1]/oai",
        "http://224.0.0.1/oai",
    ],
)
def test_private_and_special_addresses_refused(url):
    with pytest.raises(RefusedAddress):
        fetch(url, timeout=1)


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://example.org/x", "gopher://example.org/", "http:///nohost", "javascript:1"],
)
def test_only_http_and_https(url):
    with pytest.raises(RefusedAddress):
        fetch(url)


def test_credentials_in_the_url_refused(server):
    with pytest.raises(RefusedAddress):
        fetch(f"http://user:secret@127.0.0.1:{server.port}/ok", allow_private=True)
    assert server.requests == []


def test_allowed_private_source_is_fetched(server):
    response = fetch(f"{server.base}/ok", allow_private=True)
    assert response.status == 200 and response.body == b"<ok/>"
    assert server.requests == ["/ok"]


def test_a_list_of_networks_allows_only_those(server):
    assert fetch(f"{server.base}/ok", allow_private=LOOPBACK_ONLY).body == b"<ok/>"
    with pytest.raises(RefusedAddress):
        fetch("http://10.0.0.1/ok", allow_private=LOOPBACK_ONLY)


def test_redirects_followed(server):
    response = fetch(f"{server.base}/hop1", allow_private=True)
    assert response.body == b"<ok/>" and response.url.endswith("/ok")
    assert server.requests == ["/hop1", "/hop2", "/ok"]


@pytest.mark.parametrize(
    "target", ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "file:///etc/passwd"]
)
def test_redirect_to_a_private_address_refused(server, target):
    with pytest.raises(RefusedAddress):
        fetch(f"{server.base}/redirect-to?{target}", allow_private=LOOPBACK_ONLY)
    assert server.requests == [f"/redirect-to?{target}"]


def test_redirect_loop_stops(server):
    with pytest.raises(NetworkError):
        fetch(f"{server.base}/loop", allow_private=True, max_redirects=3)
    assert len(server.requests) == 4


def test_declared_size_over_the_limit(server):
    with pytest.raises(TooLarge):
        fetch(f"{server.base}/big", allow_private=True, max_bytes=100_000)
    assert fetch(f"{server.base}/big", allow_private=True, max_bytes=300_000).body == b"x" * 200_000


def test_undeclared_size_over_the_limit(server):
    with pytest.raises(TooLarge):
        fetch(f"{server.base}/big-undeclared", allow_private=True, max_bytes=100_000)


def test_slow_answer(server):
    with pytest.raises(TooSlow):
        fetch(f"{server.base}/slow", allow_private=True, timeout=0.3)


def test_trickle_stopped_by_the_total_deadline(server):
    # Each byte comes well within the read timeout; the whole answer does not come within the deadline.
    with pytest.raises(TooSlow):
        fetch(f"{server.base}/drip", allow_private=True, timeout=2, deadline=0.5)


def test_http_errors(server):
    with pytest.raises(HTTPStatusError) as missing:
        fetch(f"{server.base}/missing", allow_private=True)
    assert missing.value.status == 404 and not missing.value.retryable
    with pytest.raises(HTTPStatusError) as busy:
        fetch(f"{server.base}/busy", allow_private=True)
    assert busy.value.status == 503 and busy.value.retryable and busy.value.retry_after == 7


def test_unknown_host_and_closed_port():
    with pytest.raises(NetworkError):
        fetch("http://no-such-host.invalid/oai", timeout=2)
    with LocalServer(app) as s:
        port = s.port
    with pytest.raises(NetworkError):
        fetch(f"http://127.0.0.1:{port}/ok", allow_private=True, timeout=2)


@pytest.fixture
def tls_server(tmp_path):
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make test certificates")
    ca, cert, key = make_certificates(tmp_path, "localhost")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with LocalServer(app, tls=context) as s:
        yield s, ca


def test_https_checks_the_certificate_against_the_name(tls_server, monkeypatch):
    server, ca = tls_server
    # An unknown authority: refused.
    with pytest.raises(NetworkError) as unknown:
        fetch(f"https://localhost:{server.port}/ok", allow_private=True)
    assert "TLS" in unknown.value.message
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))
    # The name in the URL is the one checked (and sent as SNI), while the vetted address is dialled.
    assert fetch(f"https://localhost:{server.port}/ok", allow_private=True).body == b"<ok/>"
    with pytest.raises(NetworkError):
        fetch(
            f"https://127.0.0.1:{server.port}/ok", allow_private=True
        )  # the certificate names localhost only
