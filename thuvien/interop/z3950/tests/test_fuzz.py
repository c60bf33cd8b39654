"""A thousand each of malformed APDUs at a live z3950d: each gets a Close or a hang-up in bounded time, never a crash.

Categories: truncated lengths, absurd lengths, wrong tags, huge octet strings, random garbage, and
bit flips in valid APDUs. Each goes on a connection of its own (a target closes a session after a
protocol error), fifty at a time. Afterwards the same server still answers Init, Search and Present.
"""

import asyncio
import logging
import random

import pytest

from thuvien.interop.z3950 import ber, pdu, rpn
from thuvien.interop.z3950.client import Z3950Client
from thuvien.interop.z3950.server import Config, ServerThread

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

EACH = 1000
MAX_MESSAGE = 64 * 1024
ANSWER_WITHIN = 10.0


def valid_messages() -> list[bytes]:
    init = pdu.encode_init_request(pdu.InitRequest(options={"search", "present"}, implementation_name="fuzz"))
    search = pdu.encode_search_request(
        pdu.SearchRequest(query=rpn.encode_query(rpn.parse_pqf('@and @attr 1=4 "hoa binh" @attr 5=1 kie')))
    )
    present = pdu.encode_present_request(pdu.PresentRequest("default", 1, 5, syntax=pdu.XML))
    scan = pdu.encode_scan_request(
        pdu.ScanRequest(term=rpn.encode_attributes_plus_term(rpn.parse_pqf("@attr 1=4 hoa").root))
    )
    return [init, init + search, init + search + present, init + scan]


def truncated(rng: random.Random, valid: list[bytes]) -> bytes:
    message = rng.choice(valid)
    if rng.random() < 0.5:
        return message[: rng.randrange(1, len(message))]
    # Keep the bytes, claim more of them than there are.
    element = message[: len(pdu.encode_init_request(pdu.InitRequest()))]
    header = 2 if element[1] < 0x80 else 2 + (element[1] & 0x7F)
    claimed = len(element) - header + rng.randrange(1, 5000)
    return element[:1] + bytes([0x82]) + claimed.to_bytes(2, "big") + element[header:]


def absurd(rng: random.Random, valid: list[bytes]) -> bytes:
    tag = rng.choice([b"\xb4", b"\xb6", b"\xb8", b"\x30", b"\xbf\x30", bytes([rng.randrange(256)])])
    kind = rng.randrange(4)
    if kind == 0:
        length = bytes([0x84]) + rng.randrange(MAX_MESSAGE + 1, 2**32).to_bytes(4, "big")
    elif kind == 1:
        size = rng.randrange(5, 127)
        length = bytes([0x80 | size]) + rng.randbytes(size)
    elif kind == 2:
        length = b"\xff" + rng.randbytes(4)
    else:  # a nested element longer than its parent
        inner = b"\x04\x84" + rng.randrange(1000, 2**31).to_bytes(4, "big") + b"x"
        return tag + bytes([len(inner)]) + inner
    return tag + length + rng.randbytes(rng.randrange(0, 20))


def wrong_tag(rng: random.Random, valid: list[bytes]) -> bytes:
    content = ber.decode(rng.choice(valid[:1])).kids()
    body = b"".join(ber.tlv(k.cls, k.tag, k.content) if not k.constructed else _reencode(k) for k in content)
    choice = rng.randrange(4)
    if choice == 0:  # an APDU tag nobody speaks here, or a response sent to the target
        tag = rng.choice(
            [21, 23, 25, 27, 28, 29, 30, 31, 32, 33, 34, 36, 43, 44, 45, 46, 47, 49, 50, 99, 1000]
        )
        return ber.cons(ber.CONTEXT, tag, body)
    if choice == 1:  # another class
        return ber.cons(rng.choice([ber.UNIVERSAL, ber.APPLICATION, ber.PRIVATE]), 20, body)
    if choice == 2:  # the right APDU in primitive form
        return ber.tlv(ber.CONTEXT, 20, body)
    # the right APDU with a field of the wrong type
    kids = list(content)
    victim = rng.randrange(len(kids))
    kids[victim] = (
        ber.decode(ber.seq(ber.octets(b"?"))) if not kids[victim].constructed else ber.decode(ber.null())
    )
    return ber.cons(ber.CONTEXT, 20, *(_reencode(k) for k in kids))


def huge(rng: random.Random, valid: list[bytes]) -> bytes:
    size = rng.randrange(8 * 1024, 4 * MAX_MESSAGE)
    name = "x" * size
    if rng.random() < 0.5:
        return pdu.encode_init_request(pdu.InitRequest(implementation_name=name))
    return ber.cons(ber.CONTEXT, 20, ber.octets(rng.randbytes(64) * (size // 64), 111, ber.CONTEXT))


def garbage(rng: random.Random, valid: list[bytes]) -> bytes:
    return rng.randbytes(rng.randrange(1, 300))


def flipped(rng: random.Random, valid: list[bytes]) -> bytes:
    message = bytearray(rng.choice(valid))
    for _ in range(rng.randrange(1, 4)):
        message[rng.randrange(len(message))] ^= 1 << rng.randrange(8)
    return bytes(message)


def _reencode(element) -> bytes:
    if not element.constructed:
        return ber.tlv(element.cls, element.tag, element.content)
    return ber.cons(element.cls, element.tag, *(_reencode(k) for k in element.kids()))


async def probe(port: int, payload: bytes) -> tuple[str, bytes]:
    """Send PAYLOAD, say we are done, read until the target hangs up: (how it ended, what came back)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    received = b""
    try:
        try:
            writer.write(payload)
            await writer.drain()
            writer.write_eof()
        except ConnectionError:
            return "reset", received
        while True:
            chunk = await reader.read(65536)
            if not chunk:
                return "closed", received
            received += chunk
    except ConnectionError:
        return "reset", received
    finally:
        writer.close()


async def storm(port: int, payloads: list[bytes]) -> list[tuple[str, bytes]]:
    gate = asyncio.Semaphore(50)

    async def one(payload):
        async with gate:
            return await asyncio.wait_for(probe(port, payload), ANSWER_WITHIN)

    return await asyncio.gather(*(one(p) for p in payloads))


def answers(received: bytes) -> list:
    """Decode what the target sent: whole APDUs only, each one it may send."""
    framer = ber.Framer(16 * 1024 * 1024)
    framer.feed(received)
    out = []
    while (message := framer.next()) is not None:
        out.append(pdu.decode_pdu(message))
    assert not framer.pending, "the target sent half an APDU"
    return out


@pytest.mark.parametrize("make", [truncated, absurd, wrong_tag, huge, garbage, flipped])
def test_a_thousand_malformed_messages_then_a_good_session(make, catalogue, caplog):
    rng = random.Random(f"z3950-{make.__name__}")
    valid = valid_messages()
    payloads = [make(rng, valid) for _ in range(EACH)]
    config = Config(port=0, max_message=MAX_MESSAGE, partial_timeout=1.0, idle_timeout=5, max_sessions=500)
    with caplog.at_level(logging.WARNING, logger="thuvien.z3950"), ServerThread(config) as server:
        outcomes = asyncio.run(storm(server.port, payloads))
        for how, received in outcomes:
            for answer in answers(received):
                assert isinstance(
                    answer,
                    (pdu.Close, pdu.InitResponse, pdu.SearchResponse, pdu.PresentResponse, pdu.ScanResponse),
                )
            assert how in ("closed", "reset")
        with Z3950Client("127.0.0.1", server.port, allow_private=True, timeout=10) as client:
            assert client.search('@attr 1=4 "hoa binh"') == 3
            assert len(client.present(1, 3)) == 3
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text[-3000:]
