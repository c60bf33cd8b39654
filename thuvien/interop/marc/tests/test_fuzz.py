"""Mutated records never make the reader raise: each is a record or a RecordError."""

import random

from thuvien.interop.marc import ParsedRecord, RecordError, read_marc

from .conftest import corpus_path, time_limit

SPECIALS = [0x1D, 0x1E, 0x1F, 0x1B, 0x00, 0xFF, 0xE2, 0x80, 0x20, 0x30]


def mutate(rnd: random.Random, data: bytes) -> bytes:
    r = bytearray(data)
    for _ in range(rnd.randint(1, 6)):
        if not r:
            break
        op = rnd.random()
        p = rnd.randrange(len(r))
        if op < 0.4:
            r[p] = rnd.choice(SPECIALS) if rnd.random() < 0.5 else rnd.randrange(256)
        elif op < 0.6:
            del r[p : p + rnd.randint(1, 50)]
        elif op < 0.8:
            r[p:p] = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 10)))
        else:
            del r[p:]
    return bytes(r)


def check(data: bytes) -> None:
    for item in read_marc(data):
        assert isinstance(item, ParsedRecord | RecordError)


def test_mutated_iso2709_records():
    utf8 = corpus_path("_derived/real_bib_5349_utf8.mrc").read_bytes().split(b"\x1d")[:100]
    marc8 = corpus_path("solrmarc/test/data/records/uva_001_2000.mrc").read_bytes().split(b"\x1d")[:100]
    rnd = random.Random(20240601)
    with time_limit(60):
        for _ in range(2000):
            check(mutate(rnd, rnd.choice(utf8 + marc8) + b"\x1d"))


def test_mutated_marcxml():
    xml = corpus_path("synthetic-vietnamese/vi_synthetic_utf8_nfc.xml").read_bytes()
    rnd = random.Random(7)
    with time_limit(60):
        for _ in range(300):
            check(mutate(rnd, xml))
