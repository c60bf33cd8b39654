"""A bare SIP2 client over a socket, for what the PyPI client cannot send (garbage, TLS, pipelining)."""

from __future__ import annotations

import socket
import ssl

from thuvien.interop.sip2 import messages as m

D = "20261116    100000"


def with_error_detection(text: str, seq: int) -> bytes:
    body = f"{text}AY{seq}AZ".encode()
    return body + m.checksum(body).encode() + b"\r"


class RawClient:
    def __init__(self, port: int, *, timeout: float = 10.0, tls: ssl.SSLContext | None = None) -> None:
        sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock = tls.wrap_socket(sock, server_hostname="localhost") if tls else sock
        self.buf = b""
        self.seq = 0

    def close(self) -> None:
        self.sock.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def read_frame(self) -> bytes:
        while b"\r" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed by the server")
            self.buf += chunk
        frame, _, self.buf = self.buf.partition(b"\r")
        return frame

    def request(self, text: str, *, checked: bool = True, encoding: str = "utf-8") -> m.Message:
        """Send TEXT (with AY/AZ when CHECKED) and return the parsed answer."""
        if checked:
            self.seq = (self.seq + 1) % 10
            self.send(with_error_detection(text, self.seq))
        else:
            self.send(text.encode() + b"\r")
        answer = m.parse(self.read_frame(), encoding)
        if checked and answer.code != "96":
            assert answer.sequence == self.seq and answer.checksummed
        return answer

    def login(self, login: str, password: str) -> bool:
        return self.request(f"9300CN{login}|CO{password}|CPsảnh|").fixed["ok"] == "1"
