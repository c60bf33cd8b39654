"""The SIP2 cast: kiosks of the test province and of another, readers, copies, a running sip2d."""

from __future__ import annotations

import pytest

KIOSK_PASSWORD = "mat-khau-kiosk-1"  # noqa: S105


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # Kiosk passwords use the default (slow) hasher; tests log in often.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *settings.PASSWORD_HASHERS]


@pytest.fixture
def kiosk(network):
    """A kiosk of the provincial library."""
    from thuvien.interop.sip2.actions import add_account

    return add_account("kiosk-tinh", KIOSK_PASSWORD, "VN-TST", description="Sảnh tầng 1")


@pytest.fixture
def commune_kiosk(network):
    from thuvien.interop.sip2.actions import add_account

    return add_account("kiosk-xa", KIOSK_PASSWORD, "VN-TST-XA")


@pytest.fixture
def other_network_kiosk(network):
    """A kiosk of a library in another province: it must not serve this province's readers."""
    from thuvien.interop.sip2.actions import add_account

    return add_account("kiosk-khac", KIOSK_PASSWORD, "VN-KHAC")


def _reader(network, card, name, library, category, pin):
    from thuvien.patrons.actions import register_reader

    return register_reader(
        card=card, full_name=name, home_library=network[library], category=category, pin=pin
    )


@pytest.fixture
def reader(network):
    return _reader(network, "TST0001", "Nguyễn Thị Hoà", "prov", "adult", "1234")


@pytest.fixture
def other_reader(network):
    return _reader(network, "TST0002", "Trần Văn Bình", "commune", "student", "5678")


@pytest.fixture
def make_item(network):
    """make_item(library="prov", record=None, barcode=None) → an available copy (a new title by default)."""
    from thuvien.catalog.actions import save_item, save_record
    from thuvien.catalog.models import Item
    from thuvien.catalog.tests.factories import marc_record

    counter = {"n": 0}

    def make(library="prov", record=None, barcode=None, **fields):
        counter["n"] += 1
        if record is None:
            record = save_record(
                None, marc_record(f"Truyện Kiều tập {counter['n']}"), library=network[library]
            )
        item = Item(record=record, library=network[library], current_library=network[library],
                    barcode=barcode or f"SIP{counter['n']:05d}", **fields)  # fmt: skip
        save_item(item)
        return Item.objects.get(pk=item.pk)

    return make


@pytest.fixture
def sip2d():
    """A running sip2d on a free port, with the real circulation backend (needs transaction=True)."""
    from thuvien.interop.sip2.backend import CirculationBackend
    from thuvien.interop.sip2.server import Config, ServerThread

    server = ServerThread(CirculationBackend(), Config(port=0, idle_timeout=30, threads=4)).start()
    yield server
    server.stop()
