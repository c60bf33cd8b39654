"""Acceptance: 1,000 garbage requests to a running /sru get diagnostics or clean HTTP errors, never a 500 or a hang.

Each request goes over one keep-alive connection to a real server (a few over raw sockets, to send
bytes a client library would refuse); every 200 answer must be valid against the SRU schemas, and
those built to be wrong must carry a diagnostic. A valid search still works afterwards.
"""

from __future__ import annotations

import http.client
import random
import socket
import string
from urllib.parse import quote, urlencode, urlsplit

from .conftest import diagnostics, titles

PARAMETERS = [
    "query", "version", "operation", "startRecord", "maximumRecords", "recordSchema", "recordPacking",
    "recordXMLEscaping", "scanClause", "responsePosition", "maximumTerms", "sortKeys", "stylesheet",
    "httpAccept", "queryType", "resultSetTTL", "recordXPath", "renderedBy",
]  # fmt: skip
NUMBERS = ["0", "-1", "-99999999999999999999", "1e9", "1.5", "0x10", "99999999999999999999999999", " 3", "",
           "٣", "+1", "2147483648", "18446744073709551617", "NaN", "1" * 500]  # fmt: skip
ALPHABET = string.ascii_letters + string.digits + string.punctuation + " \t\n" + "ăâđêôơưáàảãạỳ€𝄞\x00\x1f\x7f"
CQL_BITS = ["(", ")", '"', "\\", "=", "==", "<>", "/", "and", "or", "not", "prox", "sortBy", "*", "?", "^",
            "dc.title", "cql.allRecords", "kieu", ">dc=", "/cql.x=1", " "]  # fmt: skip
OK_STATUSES = {200, 400, 405, 413, 414, 431}


class Fuzzer:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    def text(self, low=0, high=30) -> str:
        return "".join(self.rng.choice(ALPHABET) for _ in range(self.rng.randint(low, high)))

    def junk_bytes(self, high=40) -> bytes:
        return bytes(self.rng.randrange(256) for _ in range(self.rng.randint(1, high)))

    def base(self, operation: str = "") -> list[tuple[str, str]]:
        """Return the version (and 1.x operation) parameters of a request, OPERATION or any."""
        rng = self.rng
        version = rng.choice([[], [("version", "1.2")], [("version", "1.1")], [("version", "2.0")]])
        if version and version[0][1] != "2.0":
            version.append(("operation", operation or rng.choice(["searchRetrieve", "scan", "explain"])))
        return version

    def case(self):
        """Return (raw query string or None, POST body or None, content type, must carry a diagnostic)."""
        rng = self.rng
        kind = rng.randrange(12)
        pairs = self.base("searchRetrieve" if kind in (2, 3) else "")
        if kind == 0:  # random bytes, percent-encoded, in a parameter
            name = rng.choice(PARAMETERS)
            raw = quote(self.junk_bytes(), safe="")
            return urlencode(pairs) + f"&{name}={raw}", None, "", False
        if kind == 1:  # absurd numbers
            name = rng.choice(
                ["startRecord", "maximumRecords", "maximumTerms", "responsePosition", "resultSetTTL"]
            )
            pairs += [("query", "kieu"), ("scanClause", "kieu"), (name, rng.choice(NUMBERS))]
            return urlencode(pairs), None, "", False
        if kind == 2:  # deep parentheses
            depth = rng.choice([25, 100, 5000])
            return urlencode([*pairs, ("query", "(" * depth + "kieu" + ")" * depth)]), None, "", True
        if kind == 3:  # huge queries
            size = rng.choice([4097, 20_000, 60_000])
            return urlencode([*pairs, ("query", "a" * size)]), None, "", True
        if kind == 4:  # bad versions and operations
            bad = rng.choice([("version", self.text(1, 8)), ("version", "0.9"), ("operation", self.text(1, 12)),
                              ("version", "1.2"), ("operation", "searchretrieve ")])  # fmt: skip
            return urlencode([bad, ("query", "kieu")]), None, "", bad[1] != "searchretrieve "
        if kind == 5:  # CQL made of its own special pieces
            query = "".join(rng.choice(CQL_BITS) for _ in range(rng.randint(1, 30)))
            return urlencode([*pairs, ("query", query), ("scanClause", query)]), None, "", False
        if kind == 6:  # random text anywhere
            return urlencode([*pairs, (rng.choice(PARAMETERS), self.text())]), None, "", False
        if kind == 7:  # invalid UTF-8, raw (not percent-encoded) bytes
            junk = b"\xff" + bytes(rng.randrange(128, 256) for _ in range(rng.randint(0, 20)))
            return b"query=" + junk, None, "", True
        if kind == 8:  # too many or repeated parameters
            count = rng.choice([41, 500])
            return "query=kieu" + "&x-a=1" * count, None, "", True
        if kind == 9:  # POST with junk
            how = rng.randrange(3)
            if how == 0:
                return "", self.junk_bytes(300), "application/x-www-form-urlencoded", False
            if how == 1:
                return "", b"<SOAP-ENV:Envelope/>", "text/xml", True
            return "", b"query=" + b"x" * 70_000, "application/x-www-form-urlencoded", True
        if kind == 10:  # unknown schemas, packings, sort keys, stylesheets
            name, value = rng.choice([("recordSchema", self.text(1, 20) + "x"), ("recordPacking", "zip"),
                                      ("sortKeys", self.text(1, 20) + ",,9"), ("stylesheet", '"><x>'),
                                      ("recordXMLEscaping", "yaml")])  # fmt: skip
            return (
                urlencode(
                    [("version", "1.2"), ("operation", "searchRetrieve"), ("query", "kieu"), (name, value)]
                ),
                None,
                "",
                True,
            )
        # Garbage names, control characters in values.
        return urlencode([*pairs, ("query", "ki\x01eu"), (self.text(1, 10), self.text())]), None, "", False


def _raw(base, query: bytes) -> tuple[int, bytes]:
    """Send GET /sru?QUERY with bytes as they are over a socket of its own; return (status, body)."""
    parts = urlsplit(base)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        head = f" HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n\r\n".encode()
        sock.sendall(b"GET " + parts.path.encode() + b"?" + query + head)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _sep, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    if b"chunked" in head.lower():
        out, rest = b"", body
        while rest:
            size, _crlf, rest = rest.partition(b"\r\n")
            n = int(size, 16)
            if n == 0:
                break
            out, rest = out + rest[:n], rest[n + 2 :]
        body = out
    return status, body


def test_one_thousand_garbage_requests(live_sru, validate):
    url, data = live_sru
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    fuzzer = Fuzzer(20251121)
    seen_codes = set()
    for n in range(1000):
        query, body, content_type, must_diagnose = fuzzer.case()
        if isinstance(query, bytes):
            status, answer = _raw(url, query)
        else:
            path = parts.path + ("?" + query if query else "")
            headers = {"Content-Type": content_type} if body is not None else {}
            try:
                connection.request("POST" if body is not None else "GET", path, body=body, headers=headers)
                response = connection.getresponse()
                status, answer = response.status, response.read()
            except (http.client.HTTPException, ConnectionError):
                # The server may close a connection after refusing a request it would not read.
                connection.close()
                connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
                continue
            if response.will_close:
                connection.close()
                connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        assert status in OK_STATUSES, (n, query, status, answer[:300])
        if status == 200:
            codes = diagnostics(validate(answer))
            assert codes or not must_diagnose, (n, query, answer[:500])
            seen_codes.update(codes)
    assert {5, 6, 10, 12, 13, 66} <= seen_codes, seen_codes
    # Still serving, and correctly.
    connection.request("GET", parts.path + "?" + urlencode({"query": 'dc.title = "truyen kieu"'}))
    root = validate(connection.getresponse().read())
    assert diagnostics(root) == [] and [t.rstrip(" /") for t in titles(root)] == ["Truyện Kiều"]
    assert "Traceback" not in (data / "serve.log").read_text()
