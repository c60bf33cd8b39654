"""The Z39.50 cast: a small Vietnamese catalogue (with records nobody may see), a running z3950d, clients."""

from __future__ import annotations

import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from thuvien.interop.z3950 import ber, pdu, rpn

PASSWORD = "mat-khau-thu-nghiem-1"  # noqa: S105 - the cast's password (root conftest)


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # Staff passwords use the default (slow) hasher; these tests log in often.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *settings.PASSWORD_HASHERS]


@pytest.fixture
def catalogue(network):
    """Public records, and one suppressed, one deleted and one merged away: name -> Record."""
    from thuvien.catalog.actions import delete_record, merge_records, set_suppressed
    from thuvien.catalog.models import Record
    from thuvien.catalog.tests.factories import import_records, marc_record
    from thuvien.search.indexer import apply_outbox

    import_records(
        [
            marc_record("Truyện Kiều", "Nguyễn Du", subjects=["Thơ lục bát"], year=1995,
                        isbn="978-604-1-23456-7", control="KIEU", holdings=[("VN-TST", "Z001", "895.9221")]),
            marc_record("Hoà Bình quê tôi", "Trần Văn Hùng", year=2001, control="HOABINH"),
            marc_record("Đường về Hòa Bình", "Lê Thị Hoa", year=2010, control="DUONG"),
            marc_record("Lập trình Python", "Đỗ Minh", year=2020, language="vie", control="PYTHON"),
            marc_record("Hoa binh and war", "John Smith", language="eng", year=1975, control="WAR"),
            marc_record("Bí mật kho lưu trữ", "Vô Danh", year=1990, control="SECRET"),
            marc_record("Sách đã xoá khỏi kho", "Vô Danh", year=1991, control="GONE"),
            marc_record("Bản trùng lặp Truyện Kiều", "Nguyễn Du", year=1995, control="DUP"),
        ]
    )  # fmt: skip
    records = {r.control_number: r for r in Record.objects.all()}
    set_suppressed(records["SECRET"], True)
    delete_record(records["GONE"])
    merge_records(records["KIEU"], records["DUP"])
    apply_outbox()
    return {k: Record.objects.get(pk=r.pk) for k, r in records.items()}


@pytest.fixture
def z3950d():
    """A running z3950d on a free port (needs transaction=True: its threads read committed rows)."""
    from thuvien.interop.z3950.server import Config, ServerThread

    server = ServerThread(Config(port=0, idle_timeout=30, threads=4)).start()
    yield server
    server.stop()


@pytest.fixture
def connect(z3950d):
    """connect(**options) -> an open Z3950Client on the running z3950d (closed at the end)."""
    from thuvien.interop.z3950.client import Z3950Client

    opened = []

    def open_client(**options):
        client = Z3950Client("127.0.0.1", z3950d.port, allow_private=True, timeout=10, **options)
        client.open()
        opened.append(client)
        return client

    yield open_client
    for client in opened:
        client.close()


class Raw:
    """A bare socket speaking APDUs, for what the client never sends."""

    def __init__(self, port: int, timeout: float = 10) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.framer = ber.Framer(16 * 1024 * 1024)

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def receive(self):
        """The next APDU decoded, or None when the target closed the connection."""
        while (message := self.framer.next()) is None:
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.framer.feed(chunk)
        return pdu.decode_pdu(message)

    def ask(self, data: bytes):
        self.send(data)
        return self.receive()

    def init(self, **fields) -> pdu.InitResponse:
        request = pdu.InitRequest(
            options={"search", "present", "namedResultSets", "scan", "delSet"}, **fields
        )
        return self.ask(pdu.encode_init_request(request))

    def search(self, pqf: str, **fields) -> pdu.SearchResponse:
        request = pdu.SearchRequest(query=rpn.encode_query(rpn.parse_pqf(pqf)), **fields)
        return self.ask(pdu.encode_search_request(request))

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def raw(z3950d):
    opened = []

    def open_raw() -> Raw:
        connection = Raw(z3950d.port)
        opened.append(connection)
        return connection

    yield open_raw
    for connection in opened:
        connection.close()


def yaz(port: int, script: str, *options: str, cwd: Path | None = None) -> str:
    """Run yaz-client with SCRIPT on stdin (one command a line) against the target; return what it printed."""
    client = shutil.which("yaz-client")
    if client is None:
        pytest.skip("yaz-client is not installed (apt-get install yaz)")
    done = subprocess.run(
        [client, *options, f"tcp:127.0.0.1:{port}/Default"],
        input=script.strip() + "\nquit\n",
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
    )
    return done.stdout + done.stderr
