"""No double loan, ever: real threads, each on its own database connection, racing for one copy.

The acceptance runs on PostgreSQL (row locks, SELECT … FOR UPDATE, the partial unique index on open
loans); on SQLite the same tests pass because IMMEDIATE transactions serialise the writers.
"""

import sqlite3
import threading

import pytest
from django.db import connection, connections

from thuvien.catalog.models import Item, ItemStatus
from thuvien.circulation import actions
from thuvien.circulation.exceptions import CirculationError
from thuvien.circulation.models import Hold, HoldStatus, Loan
from thuvien.lib.vn_text import fold
from thuvien.patrons.models import Reader, ReaderCategory

# Transactions must really commit for other connections to see them (and to race them).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

RACERS = 50


@pytest.fixture(autouse=True)
def database_file(transactional_db, tmp_path):
    """On SQLite, race on a database file with its production settings (WAL, busy_timeout, IMMEDIATE).

    The default SQLite test database lives in memory with a shared cache, where a second writer gets
    "database table is locked" at once instead of waiting its turn as it does on a file: so the test
    database is copied to a file and every connection of this test, in every thread, opens that file.
    """
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        yield
        return
    path = tmp_path / "race.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(path) as target:
        connection.connection.backup(target)
    original_settings, original = connections.settings["default"], connections["default"]
    file_settings = {**original_settings, "NAME": str(path)}
    connections.settings["default"] = file_settings
    connections["default"] = original.__class__(file_settings, "default")
    try:
        yield
    finally:
        connections["default"].close()
        connections.settings["default"] = original_settings
        connections["default"] = original


def make_readers(library, count: int, prefix: str = "RACE") -> list[Reader]:
    category, _created = ReaderCategory.objects.get_or_create(code="adult", defaults={"name": "Người lớn"})
    readers = [
        Reader(
            card=f"{prefix}{n:04d}",
            home_library=library,
            category=category,
            full_name=f"Bạn đọc {n}",
            name_key=fold(f"Bạn đọc {n}"),
            status="active",
        )  # fmt: skip
        for n in range(count)
    ]
    Reader.objects.bulk_create(readers)
    return list(Reader.objects.filter(card__startswith=prefix).order_by("card"))


def race(count: int, action) -> list[tuple[str, object]]:
    """Run ACTION(i) for i in 0..COUNT-1 in COUNT threads released together; return what each got."""
    start = threading.Barrier(count)
    results: list[tuple[str, object]] = [("not run", None)] * count

    def run(i: int) -> None:
        try:
            start.wait(timeout=30)
            results[i] = ("ok", action(i))
        except CirculationError as refused:
            results[i] = ("refused", refused)
        except Exception as error:  # noqa: BLE001 - anything else is what the test is looking for
            results[i] = ("error", repr(error))
        finally:
            connections.close_all()  # each thread opened its own connection

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_fifty_simultaneous_checkouts_of_one_copy_make_one_loan(network, make_item):
    item = make_item()
    readers = make_readers(network["prov"], RACERS)
    results = race(RACERS, lambda i: actions.checkout(item=item.barcode, reader=readers[i].card,
                                                      library=network["prov"]))  # fmt: skip
    outcomes = [kind for kind, _value in results]
    assert outcomes.count("ok") == 1, [r for r in results if r[0] != "refused"]
    assert outcomes.count("refused") == RACERS - 1, [r for r in results if r[0] == "error"]
    # The losers are told, in words, that the copy is on loan.
    for _kind, refused in (r for r in results if r[0] == "refused"):
        assert refused.code == "on_loan" and refused.message.startswith("Bản này")
    winner = next(value for kind, value in results if kind == "ok")
    assert list(Loan.objects.filter(item=item).values_list("pk", flat=True)) == [winner.pk]
    assert Item.objects.get(pk=item.pk).status == ItemStatus.CHECKED_OUT


def test_two_readers_racing_for_the_last_copy_for_their_holds(network, make_item):
    rounds = 8
    readers = make_readers(network["prov"], 2 * rounds, prefix="HOLD")
    for n in range(rounds):
        first, second = readers[2 * n], readers[2 * n + 1]
        item = make_item()  # the only copy of its title
        holds = [
            actions.place_hold(reader=r, record=item.record, pickup_library=network["prov"])
            for r in (first, second)
        ]
        results = race(2, lambda i, pair=(first, second): actions.checkout(item=item, reader=pair[i],
                                                                            library=network["prov"]))  # fmt: skip
        assert sorted(kind for kind, _v in results) == ["ok", "refused"], results
        winner = 0 if results[0][0] == "ok" else 1
        loser = 1 - winner
        assert results[loser][1].code == "on_loan"
        assert Loan.objects.filter(item=item).count() == 1
        assert Loan.objects.get(item=item).reader_id == (first, second)[winner].pk
        # The winner's request is filled; the loser keeps his place in the queue for the next copy.
        assert Hold.objects.get(pk=holds[winner].pk).status == HoldStatus.FILLED
        assert Hold.objects.get(pk=holds[loser].pk).status == HoldStatus.WAITING


def test_fifty_simultaneous_http_checkouts_of_one_copy(network, make_item):
    """The same race through the API: 50 requests from 50 threads against a running server."""
    import http.client
    import json

    from django.core.servers.basehttp import ThreadedWSGIServer
    from django.test.testcases import LiveServerThread, _StaticFilesHandler

    from thuvien.accounts.models import StaffRole, User
    from thuvien.api.auth import issue_token

    staff = User.objects.create_user("luuthong-dua")
    StaffRole.objects.create(user=staff, library=network["prov"], role="circulation")
    _token, secret = issue_token(staff)
    item = make_item()
    readers = make_readers(network["prov"], RACERS)

    # A threaded server whose request threads each open their own connection (pytest-django's
    # live_server would share the in-memory SQLite connection between them), with a listen backlog
    # that takes 50 connections at once.
    class Backlog(ThreadedWSGIServer):
        request_queue_size = 128

    class Server(LiveServerThread):
        server_class = Backlog

    server = Server("127.0.0.1", _StaticFilesHandler, connections_override={}, port=0)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error

    def checkout(i: int):
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        body = json.dumps({"item_barcode": item.barcode, "card": readers[i].card, "library": "VN-TST"})
        conn.request("POST", "/api/v1/circulation/checkout", body,
                     {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"})  # fmt: skip
        response = conn.getresponse()
        answer = (response.status, json.loads(response.read()))
        conn.close()
        return answer

    try:
        results = race(RACERS, checkout)
    finally:
        server.terminate()
        server.join()
    assert all(kind == "ok" for kind, _v in results), results
    statuses = [value[0] for _kind, value in results]
    assert statuses.count(200) == 1 and statuses.count(409) == RACERS - 1, statuses
    assert {value[1]["code"] for _k, value in results if value[0] == 409} == {"on_loan"}
    assert Loan.objects.filter(item=item).count() == 1
