"""A clamd-protocol peer for tests: speaks what clamd speaks on its socket, and finds the EICAR test string.

There is no ClamAV signature database on a machine without internet, so the tests start this instead of
clamd: PING, VERSION, INSTREAM with the ``z`` (NUL-terminated) and ``n`` (newline-terminated) command
forms, the chunk framing, and StreamMaxLength (the reply and the closed connection clamd gives).
"""

from __future__ import annotations

import os
import socket
import socketserver
import struct
import tempfile
import threading
from pathlib import Path

# The EICAR anti-virus test file (https://www.eicar.org): harmless, reported by every scanner.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
SIGNATURE = "Eicar-Test-Signature"


class _Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        peer: ClamdPeer = self.server.peer  # type: ignore[attr-defined]
        first = self.rfile.read(1)
        if not first:
            return
        if first in (b"z", b"n"):
            end = b"\0" if first == b"z" else b"\n"
            command = self._read_until(end)
        else:
            end = b"\n"
            command = first + self._read_until(b"\n")
        command = command.strip()
        if command == b"PING":
            self._reply("PONG", end)
        elif command == b"VERSION":
            self._reply("ClamAV 1.4.3/27000/thuvien-test-peer", end)
        elif command == b"INSTREAM":
            self._instream(peer, end)
        else:
            self._reply("UNKNOWN COMMAND", end)

    def _read_until(self, end: bytes) -> bytes:
        data = b""
        while len(data) < 1024:
            ch = self.rfile.read(1)
            if not ch or ch == end:
                break
            data += ch
        return data

    def _reply(self, text: str, end: bytes) -> None:
        self.wfile.write(text.encode() + end)
        self.wfile.flush()

    def _instream(self, peer: ClamdPeer, end: bytes) -> None:
        total = 0
        # Keep the end of the previous chunk: the test string may straddle two chunks.
        tail = b""
        found = False
        while True:
            size_bytes = self.rfile.read(4)
            if len(size_bytes) < 4:
                return  # the client went away
            (size,) = struct.unpack("!L", size_bytes)
            if size == 0:
                break
            total += size
            if total > peer.stream_max_length:
                # What clamd does: answer, then stop reading and close.
                self._reply("INSTREAM size limit exceeded. ERROR", end)
                return
            data = self.rfile.read(size)
            if len(data) < size:
                return
            window = tail + data
            found = found or EICAR in window
            tail = window[-len(EICAR) :]
        with peer.lock:
            peer.scanned += 1
            peer.bytes_scanned += total
        self._reply(f"stream: {SIGNATURE} FOUND" if found else "stream: OK", end)


class _UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


class _TcpServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


class ClamdPeer:
    """Serve the clamd protocol on a unix socket (default) or on 127.0.0.1 (tcp=True) until stopped.

    ``address`` is what settings.DIGITAL_CLAMD takes; ``scanned`` counts the streams answered.
    """

    def __init__(self, *, tcp: bool = False, stream_max_length: int = 25 * 1024 * 1024):
        self.stream_max_length = stream_max_length
        self.scanned = 0
        self.bytes_scanned = 0
        self.lock = threading.Lock()
        self._dir = None
        if tcp:
            self.server = _TcpServer(("127.0.0.1", 0), _Handler)
            self.address = f"tcp://127.0.0.1:{self.server.server_address[1]}"
        else:
            # A short path: unix socket paths are limited to about 100 bytes.
            self._dir = tempfile.mkdtemp(prefix="clamd-")
            path = str(Path(self._dir) / "clamd.sock")
            self.server = _UnixServer(path, _Handler)
            self.address = path
        self.server.peer = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self.server.serve_forever, name="clamd-peer", daemon=True)

    def start(self) -> ClamdPeer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self._dir:
            for name in os.listdir(self._dir):
                os.unlink(os.path.join(self._dir, name))
            os.rmdir(self._dir)

    def __enter__(self) -> ClamdPeer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def closed_address() -> str:
    """A tcp:// address where nothing listens (for the fail-closed tests)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"tcp://127.0.0.1:{port}"
