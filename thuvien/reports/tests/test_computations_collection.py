"""collection_items and acquisitions: a library's own copies, counted by hand, by material type."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from thuvien.catalog.actions import save_item, save_record
from thuvien.catalog.models import Item, ItemStatus, Record
from thuvien.catalog.tests.factories import marc_record
from thuvien.reports import computations, indicators
from thuvien.reports.models import Indicator
from thuvien.reports.periods import Period

pytestmark = pytest.mark.django_db

Y = 2025
D = dt.date


def copies(library, title, barcodes, *, material_type="book", acquired_on=None, created=None, **fields):
    record = save_record(None, marc_record(title), library=library)
    if material_type != "book":
        Record.objects.filter(pk=record.pk).update(material_type=material_type)
    made = []
    for barcode in barcodes:
        item = save_item(Item(record=record, library=library, current_library=library, barcode=barcode,
                              acquired_on=acquired_on, **fields))  # fmt: skip
        if created is not None:
            Item.objects.filter(pk=item.pk).update(created_at=created)
        made.append(item)
    return made


@pytest.fixture
def holdings(network):
    """The commune's copies: 3 books of 2024, 2 maps of March 2025, 1 serial dated by its creation (Nov 2025)."""
    commune = network["commune"]
    books = copies(commune, "Truyện Kiều", ["XA-1", "XA-2", "XA-3"], acquired_on=D(2024, 5, 2))
    maps = copies(commune, "Bản đồ tỉnh", ["XA-4", "XA-5"], material_type="map", acquired_on=D(Y, 3, 31))
    serial = copies(commune, "Báo Nhân Dân", ["XA-6"], material_type="serial",
                    created=timezone.make_aware(dt.datetime(Y, 11, 20, 8)))  # fmt: skip
    copies(network["prov"], "Sách của tỉnh", ["T-1"], acquired_on=D(Y, 1, 1))  # another library's
    return {"books": books, "maps": maps, "serial": serial}


def test_collection_size_at_the_end_of_each_period(network, holdings):
    commune = network["commune"]
    measure = computations.collection_items(commune, Period(Y))
    assert measure.value == 6
    assert measure.breakdown == {"book": 3, "map": 2, "serial": 1}
    assert computations.collection_items(commune, Period(2024)).breakdown == {"book": 3}
    assert computations.collection_items(commune, Period(Y, 1)).value == 5  # maps on 31 March, no serial yet
    assert computations.collection_items(commune, Period(2023)).value == 0

    Item.objects.filter(barcode="XA-2").update(status=ItemStatus.WITHDRAWN)
    Item.objects.filter(barcode="XA-3").update(
        status=ItemStatus.LOST
    )  # lost stays on the books until withdrawn
    measure = computations.collection_items(commune, Period(Y))
    assert measure.value == 5 and measure.breakdown["book"] == 2

    trace = computations.trace_collection_items(commune, Period(Y))
    assert [row[0] for row in trace.rows] == ["XA-1", "XA-3", "XA-4", "XA-5", "XA-6"]
    assert trace.rows[2] == ["XA-4", "Bản đồ tỉnh", "Bản đồ", f"{Y}-03-31", "Có sẵn"]
    assert trace.rows[4][3] == f"{Y}-11-20"  # the creation date stands for a missing acquisition date
    assert trace.counted is None


def test_acquisitions_of_each_period(network, holdings):
    commune = network["commune"]
    measure = computations.acquisitions(commune, Period(Y))
    assert (measure.value, measure.breakdown) == (3, {"map": 2, "serial": 1})
    assert computations.acquisitions(commune, Period(Y, 1)).breakdown == {"map": 2}
    assert computations.acquisitions(commune, Period(Y, 2)).value == 0
    assert computations.acquisitions(commune, Period(Y, 4)).breakdown == {"serial": 1}
    assert computations.acquisitions(commune, Period(2024)).value == 3
    # Acquired in the year and withdrawn since: still acquired in the year.
    Item.objects.filter(barcode="XA-4").update(status=ItemStatus.WITHDRAWN)
    assert computations.acquisitions(commune, Period(Y)).value == 3
    # A new copy acquired in the year adds one.
    copies(commune, "Địa chí Hòa Bình", ["XA-7"], acquired_on=D(Y, 12, 31))
    assert computations.acquisitions(commune, Period(Y)).breakdown == {"map": 2, "serial": 1, "book": 1}
    trace = computations.trace_acquisitions(commune, Period(Y))
    assert sorted(row[0] for row in trace.rows) == ["XA-4", "XA-5", "XA-6", "XA-7"]


def test_through_the_engine_and_over_the_province(network, holdings):
    copies(network["school"], "Sách giáo khoa", ["TH-1", "TH-2"], acquired_on=D(Y, 9, 5))
    copies(network["other_prov"], "Sách tỉnh khác", ["K-1"], acquired_on=D(Y, 9, 5))
    size = Indicator.objects.get(code="collection-items")
    assert indicators.measure(size, network["commune"], Period(Y)).value == 6
    figures = {
        f.indicator.code: f
        for f in indicators.live_figures(
            network["prov"],
            Period(Y),
            Indicator.objects.filter(code__in=["collection-items", "acquisitions"]),
        )
    }
    # province 1 + commune 6 + school 2; the other province's copy is not in the subtree.
    assert figures["collection-items"].value == 9 and figures["collection-items"].libraries == 3
    assert figures["acquisitions"].value == 1 + 3 + 2
