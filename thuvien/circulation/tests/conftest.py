"""The circulation cast: readers of the test province, copies at its libraries, a clock."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone


@pytest.fixture
def reader(network):
    from thuvien.patrons.actions import register_reader

    return register_reader(
        card="TST0001", full_name="Nguyễn Thị Hoà", home_library=network["prov"], category="adult", pin="1234",
        email="hoa@example.vn",
    )  # fmt: skip


@pytest.fixture
def other_reader(network):
    from thuvien.patrons.actions import register_reader

    return register_reader(
        card="TST0002", full_name="Trần Văn Bình", home_library=network["commune"], category="student", pin="5678",
        email="binh@example.vn",
    )  # fmt: skip


@pytest.fixture
def circulation_librarian(network):
    from thuvien.accounts.models import StaffRole, User

    user = User.objects.create_user("luuthong", password="mat-khau-thu-nghiem-1")  # noqa: S106
    StaffRole.objects.create(user=user, library=network["prov"], role="circulation")
    return user


@pytest.fixture
def make_item(network):
    """make_item(library_key="prov", record=None, **fields) → an available copy (a new title by default)."""
    from thuvien.catalog.actions import save_item
    from thuvien.catalog.models import Item
    from thuvien.catalog.tests.factories import marc_record

    counter = {"n": 0}

    def make(library="prov", record=None, **fields):
        counter["n"] += 1
        if record is None:
            from thuvien.catalog.actions import save_record

            record = save_record(None, marc_record(f"Sách thử {counter['n']}"), library=network[library])
        item = Item(record=record, library=network[library], current_library=network[library],
                    barcode=fields.pop("barcode", f"B{counter['n']:06d}"), **fields)  # fmt: skip
        save_item(item)
        return Item.objects.get(pk=item.pk)

    return make


@pytest.fixture
def clock():
    """A fixed 'now' at 10:00 local time on a Monday."""
    return timezone.make_aware(dt.datetime(2026, 11, 16, 10, 0))
