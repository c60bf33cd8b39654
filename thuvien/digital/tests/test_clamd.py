"""ClamAV: the clamd client against a clamd-protocol peer (and a real clamd when one runs); ingest fails closed."""

from __future__ import annotations

import io
import shutil
import socket
import subprocess
import tempfile
import time
import zipfile
from pathlib import Path

import pytest

from thuvien.audit.models import AuditEntry
from thuvien.digital import clamd, storage
from thuvien.digital.exceptions import IngestError
from thuvien.digital.ingest import ingest_paths
from thuvien.digital.models import DigitalObject, Page
from thuvien.digital.render import render_page
from thuvien.digital.tests.clamd_peer import EICAR, SIGNATURE, ClamdPeer, closed_address

REAL_CLAMD = Path("/run/clamav/clamd.ctl")
CLAMD = shutil.which("clamd") or next((p for p in ("/usr/sbin/clamd",) if Path(p).exists()), None)


@pytest.fixture
def peer():
    with ClamdPeer() as running:
        yield running


@pytest.fixture
def scanning(peer, settings):
    settings.DIGITAL_CLAMD = peer.address
    return peer


def _raw(address: str, payload: bytes) -> bytes:
    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect(address)
        sock.sendall(payload)
        return sock.recv(1024)


# The client -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("tcp", [False, True])
def test_ping_version_and_scans(tcp):
    with ClamdPeer(tcp=tcp) as peer:
        assert clamd.ping(peer.address)
        assert clamd.version(peer.address).startswith("ClamAV ")
        assert clamd.scan_stream(io.BytesIO(b"trang sach" * 1000), peer.address) is None
        assert clamd.scan_stream(io.BytesIO(EICAR), peer.address) == SIGNATURE
        # The test string straddles two INSTREAM chunks.
        padded = b"x" * (clamd.CHUNK - 20) + EICAR + b"y" * 100
        assert clamd.scan_stream(io.BytesIO(padded), peer.address) == SIGNATURE
        assert peer.scanned == 3


def test_the_peer_speaks_the_other_command_forms(peer):
    assert _raw(peer.address, b"nPING\n") == b"PONG\n"
    assert _raw(peer.address, b"zPING\0") == b"PONG\0"
    assert _raw(peer.address, b"zNOSUCH\0") == b"UNKNOWN COMMAND\0"


def test_stream_longer_than_stream_max_length():
    with ClamdPeer(stream_max_length=100_000) as peer:
        with pytest.raises(clamd.ClamdSizeLimit):
            clamd.scan_stream(io.BytesIO(b"\0" * 1_000_000), peer.address)


def test_unreachable_clamd():
    with pytest.raises(clamd.ClamdUnavailable):
        clamd.ping(closed_address())
    with pytest.raises(clamd.ClamdUnavailable):
        clamd.scan_stream(io.BytesIO(b"x"), "/nonexistent/clamd.ctl")


@pytest.mark.parametrize(
    ("reply", "result"),
    [("stream: OK", None), ("stream: Win.Test.EICAR_HDB-1 FOUND", "Win.Test.EICAR_HDB-1"), ("OK", None)],
)
def test_parse_reply(reply, result):
    assert clamd.parse_reply(reply) == result


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        ("INSTREAM size limit exceeded. ERROR", clamd.ClamdSizeLimit),
        ("stream: Can't allocate memory ERROR", clamd.ClamdError),
        ("COMMAND READ TIMED OUT", clamd.ClamdError),
    ],
)
def test_parse_reply_errors(reply, error):
    with pytest.raises(error):
        clamd.parse_reply(reply)


@pytest.mark.skipif(
    not REAL_CLAMD.exists(), reason=f"no system clamd running here ({REAL_CLAMD} does not exist)"
)
def test_the_system_clamd_finds_eicar():
    address = str(REAL_CLAMD)
    assert clamd.ping(address)
    assert clamd.scan_stream(io.BytesIO(b"trang sach"), address) is None
    assert "EICAR" in clamd.scan_stream(io.BytesIO(EICAR), address).upper()


@pytest.fixture
def own_clamd():
    """A real clamd of this test's own, with a one-signature database (EICAR): no download needed."""
    if CLAMD is None:
        pytest.skip("clamd is not installed (Debian: apt-get install clamav-daemon)")
    # A short folder: unix socket paths are limited to about 100 bytes.
    folder = Path(tempfile.mkdtemp(prefix="clamd-"))
    (folder / "db").mkdir()
    (folder / "db" / "thuvien.ndb").write_text(f"Thuvien.Test.EICAR:0:*:{EICAR.hex()}\n")
    socket_path = folder / "clamd.sock"
    (folder / "clamd.conf").write_text(
        f"Foreground yes\nLocalSocket {socket_path}\nDatabaseDirectory {folder / 'db'}\n"
        f"LogFile {folder / 'clamd.log'}\nStreamMaxLength 2M\n"
    )
    process = subprocess.Popen(
        [CLAMD, "-c", str(folder / "clamd.conf")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        while not socket_path.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                log = (folder / "clamd.log").read_text() if (folder / "clamd.log").exists() else ""
                pytest.fail(f"clamd did not start: {log[-2000:]}")
            time.sleep(0.1)
        yield str(socket_path)
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


def test_a_real_clamd(own_clamd, settings, network, provincial_librarian, tmp_path):
    assert clamd.ping(own_clamd)
    assert clamd.version(own_clamd).startswith("ClamAV ")
    assert clamd.scan_stream(io.BytesIO(b"trang sach" * 10_000), own_clamd) is None
    padded = b"x" * (clamd.CHUNK - 20) + EICAR + b"y" * 100
    assert clamd.scan_stream(io.BytesIO(padded), own_clamd).startswith("Thuvien.Test.EICAR")
    with pytest.raises(clamd.ClamdSizeLimit):
        clamd.scan_stream(io.BytesIO(b"\0" * (3 * 1024 * 1024)), own_clamd)
    settings.DIGITAL_CLAMD = own_clamd
    archive = tmp_path / "trang.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("0001.png", render_page("Một", dpi=72).write_to_buffer(".png"))
        z.writestr("0002.png", EICAR)
    with pytest.raises(IngestError, match=r"«trang\.zip»: phát hiện mã độc \(Thuvien\.Test\.EICAR"):
        ingest_paths([archive], library=network["prov"], actor=provincial_librarian, title="Nhiễm")
    nothing_ingested()


# Ingest with clamd ----------------------------------------------------------------------------------------


def nothing_ingested():
    assert DigitalObject.objects.count() == 0
    assert Page.objects.count() == 0
    leftovers = [p for p in storage.root().rglob("*") if p.is_file() and "quarantine" not in p.parts]
    assert leftovers == []


@pytest.fixture
def page_png(tmp_path):
    path = tmp_path / "trang.png"
    path.write_bytes(render_page("Trang sạch", dpi=72).write_to_buffer(".png"))
    return path


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_eicar_is_refused_quarantined_and_audited(
    scanning, network, provincial_librarian, tmp_path, page_png
):
    eicar = tmp_path / "eicar.pdf"
    eicar.write_bytes(EICAR)
    with pytest.raises(IngestError, match=rf"«eicar\.pdf»: phát hiện mã độc \({SIGNATURE}\).*cách ly"):
        ingest_paths([page_png, eicar], library=network["prov"], actor=provincial_librarian, title="Nhiễm")
    nothing_ingested()
    quarantined = list(storage.quarantine_dir().iterdir())
    assert len(quarantined) == 1 and quarantined[0].read_bytes() == EICAR
    # The refusal rolled nothing of the audit back (its own transaction, committed).
    entry = AuditEntry.objects.get(type="digital.upload.infected")
    assert entry.data["virus"] == SIGNATURE and entry.data["name"] == "eicar.pdf"
    assert entry.actor == provincial_librarian and entry.library == network["prov"]
    assert eicar.read_bytes() == EICAR  # the operator's own file is left where it was


def test_eicar_inside_a_compressed_zip_is_found(scanning, network, provincial_librarian, tmp_path):
    archive = tmp_path / "trang.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("0001.png", render_page("Một", dpi=72).write_to_buffer(".png"))
        z.writestr("0002.png", EICAR)
    with pytest.raises(IngestError, match=r"«trang\.zip/0002\.png»: phát hiện mã độc"):
        ingest_paths([archive], library=network["prov"], actor=provincial_librarian, title="Nhiễm")
    nothing_ingested()
    assert scanning.scanned == 3  # the ZIP, then each member
    assert AuditEntry.objects.filter(type="digital.upload.infected").count() == 1


def test_clean_files_are_each_scanned(scanning, network, provincial_librarian, tmp_path, page_png):
    archive = tmp_path / "trang.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(page_png, "a.png")
        z.write(page_png, "b.png")
    result = ingest_paths(
        [page_png, archive], library=network["prov"], actor=provincial_librarian, title="Sạch"
    )
    assert result.pages_added == 3
    assert scanning.scanned == 4


def test_unreachable_clamd_fails_closed(settings, network, provincial_librarian, page_png):
    settings.DIGITAL_CLAMD = closed_address()
    with pytest.raises(IngestError, match="Không kết nối được trình quét virus ClamAV"):
        ingest_paths([page_png], library=network["prov"], actor=provincial_librarian, title="Không quét")
    nothing_ingested()


def test_file_over_clamd_stream_limit_is_refused(settings, network, provincial_librarian, page_png):
    with ClamdPeer(stream_max_length=1000) as small:
        settings.DIGITAL_CLAMD = small.address
        with pytest.raises(IngestError, match="giới hạn kích thước quét của ClamAV"):
            ingest_paths([page_png], library=network["prov"], actor=provincial_librarian, title="Quá lớn")
    nothing_ingested()
