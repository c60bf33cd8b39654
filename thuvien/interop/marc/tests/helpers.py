"""Build ISO 2709 bytes by hand, to test the reader on exactly the bytes we want."""

from __future__ import annotations


def field(ind: str, *subfields: tuple[str, bytes | str]) -> bytes:
    """Data field bytes (without the terminator) from indicators and (code, value) pairs."""
    out = ind.encode("ascii")
    for code, value in subfields:
        out += b"\x1f" + code.encode("ascii") + (value.encode("utf-8") if isinstance(value, str) else value)
    return out


def iso(fields: list[tuple[str, bytes | str]], ld9: str = "a", leader: str | None = None) -> bytes:
    """A well-formed ISO 2709 record from (tag, field bytes) pairs; leader/09 as given."""
    directory = b""
    data = b""
    for tag, body in fields:
        body = (body.encode("utf-8") if isinstance(body, str) else body) + b"\x1e"
        directory += f"{tag}{len(body):04d}{len(data):05d}".encode("ascii")
        data += body
    base = 24 + len(directory) + 1
    total = base + len(data) + 1
    template = leader or "00000nam a2200000 a 4500"
    head = f"{total:05d}{template[5:9]}{ld9}22{base:05d}{template[17:20]}4500"
    return head.encode("ascii") + directory + b"\x1e" + data + b"\x1d"


def simple(title: bytes | str = "Title", ld9: str = "a", extra: list | None = None) -> bytes:
    return iso([("001", "id1"), ("245", field("10", ("a", title))), *(extra or [])], ld9)
