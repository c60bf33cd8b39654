"""Acceptance 3, unsupported queries: 1,000 well-formed searches the target may not support, each
answered by a hit count or a Bib-1 diagnostic in the same session, never a closed connection."""

from __future__ import annotations

import random

import pytest

from thuvien.interop.z3950.client import Z3950Client, Z3950Error
from thuvien.interop.z3950.server import Config, ServerThread

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

EACH = 1000
TYPES = [1, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 100]
VALUES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 21, 30, 31, 54, 100, 101, 102, 103, 104, 105, 107, 108, 109, 1003,
          1016, 1018, 1035, 9999, 2**31 - 1]  # fmt: skip
WORDS = ["hoa", "bình", "Truyện", "kiều", "1995", "9786041234567", "đường*", "h?a", "#", "*", "?", "x" * 600,
         "a b c", "'", "-", "2001-2010", "Ñ", "漢字", "abc\u0301"]  # fmt: skip


def random_term(rng: random.Random) -> str:
    attrs = " ".join(f"@attr {rng.choice(TYPES)}={rng.choice(VALUES)}" for _ in range(rng.randint(0, 4)))
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 3)))
    return f'{attrs} "{words}"'.strip()


def random_query(rng: random.Random, depth: int = 0) -> str:
    if depth < 4 and rng.random() < 0.35:
        op = rng.choice(["@and", "@or", "@not"])
        return f"{op} {random_query(rng, depth + 1)} {random_query(rng, depth + 1)}"
    return random_term(rng)


def test_a_thousand_unsupported_or_odd_queries_get_answers_in_the_same_session(catalogue):
    rng = random.Random("z3950-queries")
    queries = [random_query(rng) for _ in range(EACH)]
    answered, diagnostics = 0, set()
    with ServerThread(Config(port=0)) as server:
        for start in range(0, EACH, 100):
            with Z3950Client("127.0.0.1", server.port, allow_private=True, timeout=10) as client:
                for query in queries[start : start + 100]:
                    try:
                        assert client.search(query) >= 0
                    except Z3950Error as error:
                        # A diagnostic from the target, never a lost connection or a garbled answer.
                        assert error.code is not None, (query, error.message)
                        diagnostics.add(error.code)
                    answered += 1
        with Z3950Client("127.0.0.1", server.port, allow_private=True, timeout=10) as client:
            assert client.search('@attr 1=4 "hoa binh"') == 3
            assert len(client.present(1, 3)) == 3
    assert answered == EACH
    # The storm met the unsupported attribute types, uses, relations, structures and truncations.
    assert {113, 114, 117, 118, 120} <= diagnostics, diagnostics
