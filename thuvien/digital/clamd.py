"""A client of the ClamAV daemon (clamd) over its socket: PING, VERSION and INSTREAM scans of files.

The protocol (clamd(8)): a command prefixed with ``z`` ends with NUL and so does its reply. INSTREAM sends
the data as chunks, each preceded by its length as a 4-byte big-endian integer, and ends with a zero
length; clamd answers ``stream: OK``, ``stream: <signature> FOUND``, or ``... ERROR`` (for instance
``INSTREAM size limit exceeded. ERROR`` past its StreamMaxLength, after which it closes the connection).
"""

from __future__ import annotations

import socket
import struct
from pathlib import Path

from django.conf import settings

CHUNK = 64 * 1024
MAX_REPLY = 4096


class ClamdError(Exception):
    """clamd could not give a verdict (unreachable, refused the stream, answered an error)."""


class ClamdUnavailable(ClamdError):
    """clamd could not be reached at its address."""


class ClamdSizeLimit(ClamdError):
    """The stream was longer than clamd's StreamMaxLength."""


def address() -> str:
    """The configured clamd address (settings.DIGITAL_CLAMD): a unix socket path or tcp://host:port; '' for none."""
    return (getattr(settings, "DIGITAL_CLAMD", "") or "").strip()


def _connect(addr: str, timeout: float) -> socket.socket:
    try:
        if addr.startswith("tcp://"):
            host, _, port = addr[len("tcp://") :].rstrip("/").rpartition(":")
            return socket.create_connection((host.strip("[]") or "127.0.0.1", int(port)), timeout=timeout)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(addr)
        except BaseException:
            sock.close()
            raise
        return sock
    except (OSError, ValueError) as exc:
        raise ClamdUnavailable(f"clamd at {addr}: {exc}") from exc


def _read_reply(sock: socket.socket) -> str:
    data = b""
    while b"\0" not in data and len(data) < MAX_REPLY:
        try:
            chunk = sock.recv(MAX_REPLY)
        except OSError as exc:
            raise ClamdError(f"clamd reply: {exc}") from exc
        if not chunk:
            break
        data += chunk
    reply = data.split(b"\0", 1)[0].decode("utf-8", "replace").strip()
    if not reply:
        raise ClamdError("clamd closed the connection without a reply")
    return reply


def _command(command: str, addr: str | None = None, timeout: float = 10) -> str:
    addr = addr or address()
    with _connect(addr, timeout) as sock:
        try:
            sock.sendall(b"z" + command.encode("ascii") + b"\0")
        except OSError as exc:
            raise ClamdError(f"clamd {command}: {exc}") from exc
        return _read_reply(sock)


def ping(addr: str | None = None, timeout: float = 5) -> bool:
    """Return True if clamd at ADDR answers PONG; raise ClamdUnavailable when it cannot be reached."""
    return _command("PING", addr, timeout) == "PONG"


def version(addr: str | None = None, timeout: float = 5) -> str:
    """Return clamd's version line (engine and signature database)."""
    return _command("VERSION", addr, timeout)


def parse_reply(reply: str) -> str | None:
    """The signature name of an INSTREAM reply, None when clean; raise ClamdError for anything else."""
    if reply.endswith("ERROR"):
        if "size limit" in reply.lower():
            raise ClamdSizeLimit(reply)
        raise ClamdError(reply)
    body = reply.split(":", 1)[1].strip() if reply.startswith("stream:") else reply
    if body == "OK":
        return None
    if body.endswith(" FOUND"):
        return body[: -len(" FOUND")].strip() or "unknown"
    raise ClamdError(f"unexpected clamd reply: {reply[:200]}")


def scan_stream(stream, addr: str | None = None, timeout: float = 120) -> str | None:
    """Send the binary file object STREAM to clamd with INSTREAM; return the signature found, None if clean."""
    addr = addr or address()
    with _connect(addr, timeout) as sock:
        try:
            sock.sendall(b"zINSTREAM\0")
            while chunk := stream.read(CHUNK):
                sock.sendall(struct.pack("!L", len(chunk)) + chunk)
            sock.sendall(struct.pack("!L", 0))
        except (BrokenPipeError, ConnectionResetError):
            # clamd stops reading and closes past StreamMaxLength: its reply may still be waiting.
            pass
        except OSError as exc:
            raise ClamdError(f"clamd INSTREAM: {exc}") from exc
        return parse_reply(_read_reply(sock))


def scan_file(path: Path, addr: str | None = None, timeout: float = 120) -> str | None:
    """Scan the file at PATH (streamed, so clamd needs no access to it); return the signature found or None."""
    with open(path, "rb") as stream:
        return scan_stream(stream, addr, timeout)
