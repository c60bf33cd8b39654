"""z3950d on the wire, through the package's client and bare APDUs: sessions, logins, limits, concurrency."""

import socket
import threading
import time

import pymarc
import pytest

from thuvien.interop.z3950 import pdu
from thuvien.interop.z3950.client import Z3950Client, Z3950Error
from thuvien.interop.z3950.server import Config, ServerThread
from thuvien.interop.z3950.tests.conftest import PASSWORD, Raw, yaz

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def title(data: bytes) -> str:
    return pymarc.Record(data=data, to_unicode=True, force_utf8=True)["245"]["a"]


def test_search_and_present_through_the_client(catalogue, connect):
    client = connect()
    assert client.target_info["implementation_id"] == "thuvien"
    assert client.target_info["charset"] == "UTF-8"
    assert client.search('@attr 1=4 "hoa binh"') == 3
    records = client.present(1, 10)
    assert sorted(title(r) for r in records) == ["Hoa binh and war", "Hoà Bình quê tôi", "Đường về Hòa Bình"]
    assert client.search('@attr 1=7 "9786041234567"', result_set="isbn") == 1
    (xml,) = client.present(syntax="xml", result_set="isbn")
    assert xml.startswith(b"<record") and "Truyện Kiều".encode() in xml
    assert len(client.present(1, 10)) == 3  # the first set is still there
    with pytest.raises(Z3950Error) as caught:
        client.search("@attr 1=9999 x")
    assert (caught.value.code, caught.value.addinfo) == (114, "9999")
    assert "114" in caught.value.message


def test_hidden_records_stay_hidden_on_the_wire(catalogue, connect):
    from thuvien.catalog.actions import set_suppressed

    client = connect()
    assert client.search('"bi mat"') == 0
    assert client.search(f"@attr 1=12 {catalogue['GONE'].pk}") == 0
    assert client.search('@attr 1=1003 @attr 6=3 "nguyen du"') == 1  # the merged duplicate is gone
    assert client.search('@attr 1=4 "hoa binh"') == 3
    set_suppressed(catalogue["DUONG"], True)
    assert len(client.present(1, 3)) == 2
    assert [e.code for e in client.last_diagnostics] == [1028]


def test_staff_of_another_library_sees_only_what_everyone_sees(catalogue, z3950d, other_library_staff):
    # Z39.50 grants no library privileges: a signed-in account searches the public catalogue only.
    with Z3950Client("127.0.0.1", z3950d.port, user="khac", password=PASSWORD, allow_private=True) as client:
        assert client.search('"bi mat"') == 0
        assert client.search("@attr 1=1016 kho") == 0


def _login(port, **credentials):
    with Z3950Client("127.0.0.1", port, allow_private=True, timeout=10, **credentials) as client:
        return client.search("kieu")


def test_optional_authentication(catalogue, network, z3950d, provincial_librarian):
    from thuvien.audit.models import AuditEntry
    from thuvien.patrons.actions import register_reader

    register_reader(
        card="Z0001", full_name="Nguyễn Thị Hoà", home_library=network["prov"], category="adult", pin="2468"
    )
    assert _login(z3950d.port) == 1  # anonymous
    assert _login(z3950d.port, user="tinh", password=PASSWORD) == 1
    assert _login(z3950d.port, user="tinh", password=PASSWORD, group="nhom") == 1
    assert _login(z3950d.port, user="Z0001", password="2468") == 1  # a reader's card and PIN
    with pytest.raises(Z3950Error) as caught:
        _login(z3950d.port, user="tinh", password="sai")
    assert caught.value.code == 1011 and "từ chối" in caught.value.message
    refused = AuditEntry.objects.get(type="z3950.login.refused")
    assert refused.data["user"] == "tinh" and "sai" not in str(refused.data)


def test_required_and_no_authentication(catalogue, provincial_librarian):
    with ServerThread(Config(port=0, auth_mode="required")) as server:
        with pytest.raises(Z3950Error) as caught:
            _login(server.port)
        assert caught.value.code == 1011
        assert _login(server.port, user="tinh", password=PASSWORD) == 1
    with ServerThread(Config(port=0, auth_mode="none")) as server:
        assert _login(server.port, user="tinh", password="anything") == 1


def test_yaz_client_logins(catalogue, z3950d, provincial_librarian):
    refused = yaz(z3950d.port, "find kieu", "-u", "tinh/sai")
    assert "Connection rejected by v3 target" in refused and "code=1011" in refused
    accepted = yaz(z3950d.port, 'find @attr 1=4 "truyen kieu"', "-u", f"tinh/{PASSWORD}")
    assert "Connection accepted" in accepted and "Number of hits: 1" in accepted
    with ServerThread(Config(port=0, auth_mode="required")) as server:
        assert "Connection rejected" in yaz(server.port, "find kieu")


def test_yaz_style_open_authentication(catalogue, raw, provincial_librarian):
    good = raw().init(auth=pdu.Auth("open", "tinh", PASSWORD))
    assert good.result
    connection = raw()
    bad = connection.init(auth=pdu.Auth("open", "tinh", "sai"))
    assert not bad.result and bad.diagnostic.code == 1011
    assert connection.receive() is None  # and the target hangs up


def test_twenty_sessions_at_once(catalogue, z3950d):
    results, errors = [], []

    def work(i):
        try:
            with Z3950Client("127.0.0.1", z3950d.port, allow_private=True, timeout=20) as client:
                hits = client.search('@attr 1=4 "hoa binh"', result_set=f"s{i}")
                results.append((hits, len(client.present(1, 3, result_set=f"s{i}"))))
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert results == [(3, 3)] * 20


def test_requests_before_init_and_a_second_init_are_protocol_errors(catalogue, raw):
    early = raw().search("kieu")
    assert isinstance(early, pdu.Close) and early.reason == pdu.PROTOCOL_ERROR
    connection = raw()
    assert connection.init().result
    again = connection.init()
    assert isinstance(again, pdu.Close) and again.reason == pdu.PROTOCOL_ERROR


def test_close_is_answered_with_close(catalogue, raw):
    connection = raw()
    connection.init()
    answer = connection.ask(pdu.encode_close(pdu.Close(pdu.FINISHED, reference_id=b"bye")))
    assert isinstance(answer, pdu.Close) and answer.reason == pdu.FINISHED and answer.reference_id == b"bye"
    assert connection.receive() is None


def test_a_response_apdu_or_garbage_ends_the_session_with_close(catalogue, raw):
    connection = raw()
    connection.init()
    answer = connection.ask(pdu.encode_search_response(pdu.SearchResponse()))
    assert isinstance(answer, pdu.Close) and answer.reason == pdu.PROTOCOL_ERROR
    garbage = raw().ask(b"\xb4\x84\x7f\xff\xff\xff")
    assert isinstance(garbage, pdu.Close) and garbage.reason == pdu.PROTOCOL_ERROR


def test_silent_and_stalled_sessions_are_closed(catalogue):
    with ServerThread(Config(port=0, idle_timeout=0.5, partial_timeout=0.3)) as server:
        idle = Raw(server.port)
        idle.init()
        started = time.monotonic()
        answer = idle.receive()
        assert isinstance(answer, pdu.Close) and answer.reason == pdu.LACK_OF_ACTIVITY
        assert time.monotonic() - started < 5
        stalled = Raw(server.port)
        stalled.send(pdu.encode_init_request(pdu.InitRequest())[:10])
        assert isinstance(stalled.receive(), pdu.Close)
        idle.close()
        stalled.close()


def test_sessions_beyond_the_limit_are_refused(catalogue):
    with ServerThread(Config(port=0, max_sessions=2)) as server:
        first, second = Raw(server.port), Raw(server.port)
        assert first.init().result and second.init().result
        third = Raw(server.port)
        answer = third.receive()
        assert isinstance(answer, pdu.Close) and answer.reason == pdu.RESOURCES
        for connection in (first, second, third):
            connection.close()


def test_stopping_closes_sessions(catalogue):
    server = ServerThread(Config(port=0)).start()
    port = server.port
    connection = Raw(port)
    assert connection.init().result
    server.stop()
    answer = connection.receive()
    assert answer is None or (isinstance(answer, pdu.Close) and answer.reason == pdu.SHUTDOWN)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    connection.close()


def test_client_refuses_private_addresses_and_reports_what_went_wrong(z3950d):
    with pytest.raises(Z3950Error, match="loopback"):
        Z3950Client("127.0.0.1", z3950d.port).open()
    with pytest.raises(Z3950Error, match="PQF"):
        with Z3950Client("127.0.0.1", z3950d.port, allow_private=True) as client:
            client.search("@and a")
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    started = time.monotonic()
    with pytest.raises(Z3950Error, match="không trả lời"):
        Z3950Client("127.0.0.1", silent.getsockname()[1], allow_private=True, timeout=0.5).open()
    assert time.monotonic() - started < 3
    silent.close()
