"""The daemon's protocol behaviour: login first, sequence numbers, checksums, resends, limits, TLS."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import time

import pytest

from thuvien.interop.sip2 import messages as m
from thuvien.interop.sip2.backend import CirculationBackend
from thuvien.interop.sip2.server import Config, ServerThread, redact

from .conftest import KIOSK_PASSWORD
from .helpers import D, RawClient, with_error_detection

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_login_then_status(kiosk, sip2d):
    client = RawClient(sip2d.port)
    assert client.login("kiosk-tinh", KIOSK_PASSWORD)
    status = client.request("9900802.00")
    assert status.code == "98"
    assert status.fixed["online_status"] == "Y" and status.fixed["checkout_ok"] == "Y"
    assert status.get("AO") == "VN-TST"
    assert status.get("AM") == "Thư viện tỉnh Thử Nghiệm"
    assert status.get("BX")[:3] == "YYY"
    kiosk.refresh_from_db()
    assert kiosk.last_login_at is not None


def test_wrong_password_unknown_login_and_disabled_account_are_refused(kiosk, sip2d):
    from thuvien.interop.sip2.actions import set_active

    client = RawClient(sip2d.port)
    assert not client.login("kiosk-tinh", "wrong-password")
    assert not client.login("no-such-kiosk", KIOSK_PASSWORD)
    set_active("kiosk-tinh", False)
    assert not client.login("kiosk-tinh", KIOSK_PASSWORD)
    set_active("kiosk-tinh", True)
    assert client.login("kiosk-tinh", KIOSK_PASSWORD)


def test_before_login_only_status_is_answered(kiosk, sip2d):
    client = RawClient(sip2d.port)
    status = client.request("9900802.00")
    assert status.code == "98" and status.fixed["online_status"] == "Y"
    assert status.fixed["checkout_ok"] == "N" and status.get("AO") == ""
    info = client.request(f"63000{D}          AOVN-TST|AATST0001|AD1234|")
    assert info.code == "64" and info.get("BL") == "N"
    assert "chưa đăng nhập" in info.get("AF")
    checkout = client.request(f"11YN{D}{' ' * 18}AOVN-TST|AATST0001|ABX|AC|")
    assert checkout.code == "12" and checkout.fixed["ok"] == "0"


def test_status_before_login_can_be_turned_off(kiosk):
    server = ServerThread(CirculationBackend(), Config(port=0, status_before_login=False)).start()
    try:
        client = RawClient(server.port)
        assert client.request("9900802.00").fixed["online_status"] == "N"
    finally:
        server.stop()


def test_answers_mirror_error_detection(kiosk, sip2d):
    client = RawClient(sip2d.port)
    assert client.login("kiosk-tinh", KIOSK_PASSWORD)
    for seq in (3, 9, 0):
        client.send(with_error_detection("9900802.00", seq))
        raw = client.read_frame()
        answer = m.parse(raw)  # verifies the checksum
        assert answer.sequence == seq and answer.checksummed
    plain = client.request("9900802.00", checked=False)
    assert plain.sequence is None and not plain.checksummed


def test_bad_checksum_gets_96_and_97_gets_the_last_answer_again(kiosk, sip2d):
    client = RawClient(sip2d.port)
    assert client.login("kiosk-tinh", KIOSK_PASSWORD)
    client.send(b"9900802.00AY1AZ0000\r")
    assert client.read_frame().startswith(b"96")
    client.send(with_error_detection("9900802.00", 4))
    first = client.read_frame()
    client.send(with_error_detection("97", 5))
    assert client.read_frame() == first


def test_every_line_ending_is_accepted(kiosk, sip2d):
    client = RawClient(sip2d.port)
    client.send(b"9300CNkiosk-tinh|CO" + KIOSK_PASSWORD.encode() + b"|\r\n")
    assert client.read_frame() == b"941"
    client.send(b"9900802.00\n9900802.00\r\n")
    assert client.read_frame().startswith(b"98Y")
    assert client.read_frame().startswith(b"98Y")


def test_unreadable_and_overlong_messages_get_96_and_the_session_goes_on(kiosk, sip2d):
    client = RawClient(sip2d.port)
    assert client.login("kiosk-tinh", KIOSK_PASSWORD)
    for junk in (b"hello", b"42xyz", b"63000", b"\x00\xff\xfe", b"17" + D.encode() + b"\x01bad|"):
        client.send(junk + b"\r")
        assert client.read_frame().startswith(b"96"), junk
    client.send(b"17" + b"A" * 100_000 + b"\r")
    assert client.read_frame().startswith(b"96")
    assert client.request("9900802.00").code == "98"


def test_a_silent_connection_is_closed(kiosk):
    server = ServerThread(CirculationBackend(), Config(port=0, idle_timeout=0.3)).start()
    try:
        client = RawClient(server.port)
        assert client.login("kiosk-tinh", KIOSK_PASSWORD)
        time.sleep(0.8)
        with pytest.raises((ConnectionError, OSError)):
            client.request("9900802.00")
    finally:
        server.stop()


def test_wrong_kiosk_passwords_lock_the_address_out(kiosk, sip2d):
    client = RawClient(sip2d.port)
    for _ in range(10):
        assert not client.login("kiosk-tinh", "guess")
    assert not client.login("kiosk-tinh", KIOSK_PASSWORD)
    assert not RawClient(sip2d.port).login("kiosk-tinh", KIOSK_PASSWORD)


def test_an_account_disabled_during_a_session_stops_working(kiosk, sip2d, monkeypatch):
    from thuvien.interop.sip2 import server as server_module
    from thuvien.interop.sip2.actions import set_active

    monkeypatch.setattr(server_module, "ACCOUNT_RECHECK_SECONDS", 0.0)
    client = RawClient(sip2d.port)
    assert client.login("kiosk-tinh", KIOSK_PASSWORD)
    assert client.request("9900802.00").fixed["online_status"] == "Y"
    set_active("kiosk-tinh", False)
    answer = client.request("9900802.00")
    assert answer.fixed["online_status"] == "N" and "khóa" in answer.get("AF")
    # Logged out: the next message is answered as before login.
    assert client.request(f"17{D}AOVN-TST|ABX|").get("AF").startswith("Máy chưa đăng nhập")


def test_the_kiosk_charset_is_used_after_login(network, sip2d):
    from thuvien.interop.sip2.actions import add_account

    add_account("kiosk-latin", KIOSK_PASSWORD, "VN-TST", encoding="cp1252")
    client = RawClient(sip2d.port)
    assert client.login("kiosk-latin", KIOSK_PASSWORD)
    status = client.request("9900802.00", encoding="cp1252")
    assert status.get("AM") == "Thu vien tinh Thu Nghiem"


def test_passwords_and_pins_stay_out_of_the_log():
    assert redact(b"9300CNk|COsecret|CPx|") == "9300CNk|CO***|CPx|"
    assert redact(b"9300COsecret|CNk|") == "9300CO***|CNk|"
    assert "1234" not in redact(f"63000{D}          AOX|AA1|AD1234|AC9999|".encode())


def _self_signed(tmp_path):
    if shutil.which("openssl") is None:
        pytest.skip("openssl not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def test_tls(kiosk, tmp_path):
    from thuvien.interop.sip2.server import tls_context

    cert, key = _self_signed(tmp_path)
    server = ServerThread(
        CirculationBackend(), Config(port=0, ssl_context=tls_context(str(cert), str(key)))
    ).start()
    try:
        client_context = ssl.create_default_context(cafile=str(cert))
        client = RawClient(server.port, tls=client_context)
        assert client.login("kiosk-tinh", KIOSK_PASSWORD)
        assert client.request("9900802.00").get("AO") == "VN-TST"
        client.close()
        # A plain-text client gets nowhere, and the server keeps serving.
        plain = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        plain.sendall(b"9900802.00\r")
        plain.settimeout(2)
        try:
            data = plain.recv(100)
        except OSError:
            data = b""
        assert not data.startswith(b"98")
        plain.close()
        assert RawClient(server.port, tls=client_context).login("kiosk-tinh", KIOSK_PASSWORD)
    finally:
        server.stop()


@pytest.mark.slow
@pytest.mark.django_db(transaction=False)
def test_sip2d_command_serves_and_stops_on_sigterm(tmp_path):
    import os
    import signal
    import sys

    env = {**os.environ, "THUVIEN_DATA_DIR": str(tmp_path / "data"), "THUVIEN_LOG_LEVEL": "WARNING"}
    env.pop("DATABASE_URL", None)
    thuvien = [sys.executable, "-m", "thuvien.cli"]
    subprocess.run([*thuvien, "libraries", "add", "VN-SIG", "Thư viện thử", "--kind", "provincial"],
                   env=env, check=True, capture_output=True)  # fmt: skip
    subprocess.run([*thuvien, "sip2", "account", "add", "kiosk-sig", "--password", KIOSK_PASSWORD,
                    "--library", "VN-SIG"], env=env, check=True, capture_output=True)  # fmt: skip
    for workers in (1, 2):
        proc = subprocess.Popen([*thuvien, "sip2d", "--port", "0", "--workers", str(workers)], env=env,
                                stdout=subprocess.PIPE, text=True)  # fmt: skip
        try:
            line = proc.stdout.readline()
            assert "listening on 127.0.0.1:" in line, line
            port = int(line.split("127.0.0.1:")[1].split()[0])
            clients = [RawClient(port) for _ in range(workers)]  # with workers, spread over the processes
            for client in clients:
                assert client.login("kiosk-sig", KIOSK_PASSWORD)
                assert client.request("9900802.00").get("AO") == "VN-SIG"
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=20) == 0
            assert "stopped" in proc.stdout.read()
        finally:
            if proc.poll() is None:
                proc.kill()
