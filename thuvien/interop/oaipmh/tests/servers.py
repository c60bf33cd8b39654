"""Real HTTP servers for the harvester's tests: a small OAI-PMH repository serving the corpus fixtures.

``LocalServer`` runs a threaded ``http.server`` on 127.0.0.1 (a free port) and hands every request to
an app (a callable taking the request handler). ``OAIRepository`` is such an app: Identify from a
fixture, ListRecords as pages (fixture files, or a fixture's records cut into pages) whose
resumption tokens are rewritten to lead from one page to the next, `from` requests answered from a
second feed or with noRecordsMatch, and scripted failures (503 with Retry-After …) answered first.
"""

from __future__ import annotations

import copy
import subprocess
import threading
from collections import deque
from collections.abc import Callable
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from lxml import etree

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
FIXTURES = Path("oai")  # under the corpus
IDENTIFY = "vufindharvest/tests/fixtures/identify_response.xml"
BAD_TOKEN = "vufindharvest/tests/fixtures/token_error_response.xml"


def _local(tag) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _parse(data: bytes):
    # Fixtures are trusted test data, but parse them as carefully as anything else.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.fromstring(data, parser)


def fixture(corpus: Path, relative: str) -> bytes:
    """The bytes of the OAI fixture RELATIVE (a path under corpus/oai)."""
    return (corpus / FIXTURES / relative).read_bytes()


def _listing(root):
    return next(el for el in root.iter() if _local(el.tag) == "ListRecords")


def with_token(page: bytes, token: str | None, complete: int | None = None) -> bytes:
    """PAGE with its resumptionToken replaced by TOKEN (an empty element for "", none for None)."""
    root = _parse(page)
    listing = _listing(root)
    for old in [c for c in listing if _local(c.tag) == "resumptionToken"]:
        listing.remove(old)
    if token is not None:
        ns = listing.tag[1:].partition("}")[0] if listing.tag.startswith("{") else ""
        el = etree.SubElement(listing, f"{{{ns}}}resumptionToken" if ns else "resumptionToken")
        el.text = token or None
        if complete is not None:
            el.set("completeListSize", str(complete))
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")


def records_of(page: bytes) -> list:
    return [c for c in _listing(_parse(page)) if _local(c.tag) == "record"]


def split(page: bytes, per_page: int) -> list[bytes]:
    """Cut the records of the ListRecords PAGE into pages of PER_PAGE (tokens left to the server)."""
    root = _parse(page)
    listing = _listing(root)
    records = [c for c in listing if _local(c.tag) == "record"]
    for child in list(listing):
        listing.remove(child)
    pages = []
    for start in range(0, len(records), per_page):
        piece = copy.deepcopy(root)
        target = _listing(piece)
        for rec in records[start : start + per_page]:
            target.append(copy.deepcopy(rec))
        pages.append(etree.tostring(piece.getroottree(), xml_declaration=True, encoding="UTF-8"))
    return pages


def page_of(records: list, response_date: str = "2026-01-02T03:04:05Z") -> bytes:
    """A ListRecords page holding RECORDS (OAI record elements, or XML strings of them)."""
    root = etree.Element(f"{{{OAI_NS}}}OAI-PMH", nsmap={None: OAI_NS})
    etree.SubElement(root, f"{{{OAI_NS}}}responseDate").text = response_date
    request = etree.SubElement(root, f"{{{OAI_NS}}}request", verb="ListRecords")
    request.text = "http://127.0.0.1/oai"
    listing = etree.SubElement(root, f"{{{OAI_NS}}}ListRecords")
    for rec in records:
        if isinstance(rec, str):
            rec = rec.encode()
        listing.append(_parse(rec) if isinstance(rec, bytes) else copy.deepcopy(rec))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def deleted_record(identifier: str, datestamp: str = "2026-01-02T03:04:05Z") -> str:
    """An OAI record element (as XML) whose header says IDENTIFIER was deleted."""
    header = etree.Element(f"{{{OAI_NS}}}header", status="deleted")
    etree.SubElement(header, f"{{{OAI_NS}}}identifier").text = identifier
    etree.SubElement(header, f"{{{OAI_NS}}}datestamp").text = datestamp
    record = etree.Element(f"{{{OAI_NS}}}record", nsmap={None: OAI_NS})
    record.append(header)
    return etree.tostring(record, encoding="unicode")


def marc_record(identifier: str, marc_xml: str, datestamp: str = "2026-01-02T03:04:05Z") -> str:
    """An OAI record element (as XML) carrying the MARCXML record MARC_XML."""
    return (
        f'<record xmlns="{OAI_NS}"><header><identifier>{identifier}</identifier>'
        f"<datestamp>{datestamp}</datestamp></header><metadata>{marc_xml}</metadata></record>"
    )


def oai_error(code: str, message: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><OAI-PMH xmlns="{OAI_NS}">'
        f"<responseDate>2026-01-02T03:04:05Z</responseDate><request>http://127.0.0.1/oai</request>"
        f'<error code="{code}">{message}</error></OAI-PMH>'
    ).encode()


# --- the HTTP server ----------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802 - http.server's name
        self.server.owner.requests.append(self.path)
        self.server.owner.app(self)

    def log_message(self, *args):
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # Clients that give up (the timeouts and size limits under test) break pipes: expected.
        pass


def send(
    handler, status: int, body: bytes = b"", headers: dict | None = None, content_type: str = "text/xml"
):
    """Answer HANDLER's request with STATUS, BODY and HEADERS."""
    handler.send_response(status)
    handler.send_header("Content-Type", f"{content_type}; charset=utf-8")
    handler.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


class LocalServer:
    """A threaded HTTP server on 127.0.0.1 answering with APP(handler); a context manager.

    With TLS (an ``ssl.SSLContext`` holding the server's certificate) it speaks HTTPS.
    """

    def __init__(self, app: Callable, tls=None) -> None:
        self.app = app
        self.requests: list[str] = []
        self.httpd = _Server(("127.0.0.1", 0), _Handler)
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.httpd.owner = self
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LocalServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


class OAIRepository:
    """An OAI-PMH repository made of fixture pages (see the module docstring)."""

    def __init__(
        self, identify: bytes, pages: list[bytes] = (), incremental: list[bytes] | None = None
    ) -> None:
        self.identify = identify
        self.pages = list(pages)
        self.incremental = incremental
        self.failures: deque[tuple[int, dict, bytes]] = deque()
        self.bad_token = oai_error("badResumptionToken", "The token is not known")
        self.requests: list[dict[str, str]] = []
        self.lock = threading.Lock()

    def _feed(self, name: str) -> list[bytes] | None:
        return self.pages if name == "full" else self.incremental

    def _page(self, name: str, n: int) -> bytes:
        pages = self._feed(name)
        if b"ListRecords>" not in pages[n]:
            return pages[n]  # an error response served as the page: as it is
        token = f"{name}.{n + 1}" if n + 1 < len(pages) else ""
        return with_token(pages[n], token, complete=None)

    def __call__(self, handler) -> None:
        query = {k: v[-1] for k, v in parse_qs(urlsplit(handler.path).query, keep_blank_values=True).items()}
        with self.lock:
            self.requests.append(query)
            failure = self.failures.popleft() if self.failures else None
        if failure is not None:
            status, headers, body = failure
            send(handler, status, body, headers)
            return
        verb = query.get("verb")
        if verb == "Identify":
            send(handler, 200, self.identify)
        elif verb == "ListRecords" and "resumptionToken" in query:
            name, _sep, n = query["resumptionToken"].partition(".")
            pages = self._feed(name) if name in ("full", "incremental") else None
            if pages is None or not n.isdigit() or int(n) >= len(pages):
                send(handler, 200, self.bad_token)
            else:
                send(handler, 200, self._page(name, int(n)))
        elif verb == "ListRecords":
            name = "incremental" if "from" in query else "full"
            pages = self._feed(name)
            if not pages:
                send(handler, 200, oai_error("noRecordsMatch", "No records match"))
            else:
                send(handler, 200, self._page(name, 0))
        else:
            send(handler, 200, oai_error("badVerb", "Illegal verb"))

    @property
    def list_requests(self) -> list[dict[str, str]]:
        return [q for q in self.requests if q.get("verb") == "ListRecords"]


def make_source(library, url: str, **fields):
    """A saved HarvestSource of LIBRARY at URL (loopback allowed unless said otherwise)."""
    from thuvien.interop.oaipmh.models import HarvestSource

    values = {"code": "nguon", "name": "Nguồn thử", "metadata_prefix": "marc21", "allow_private": True}
    values.update(fields)
    return HarvestSource.objects.create(library=library, base_url=url, **values)


def make_certificates(directory: Path, name: str = "localhost") -> tuple[Path, Path, Path]:
    """A test CA and a certificate for NAME it signed, made with the openssl command: (ca, cert, key)."""
    ca_key, ca, key, csr, cert = (
        directory / n for n in ("ca.key", "ca.pem", "srv.key", "srv.csr", "srv.pem")
    )
    ext = directory / "srv.ext"
    ext.write_text(f"subjectAltName=DNS:{name}\n")
    run = partial(subprocess.run, check=True, capture_output=True)
    run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca, "-days", "2",
         "-subj", "/CN=thuvien test CA", "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign"]
    )  # fmt: skip
    run(
        [
            "openssl",
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            key,
            "-out",
            csr,
            "-subj",
            f"/CN={name}",
        ]
    )
    run(
        ["openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-out", cert,
         "-days", "2", "-extfile", ext]
    )  # fmt: skip
    return ca, cert, key
