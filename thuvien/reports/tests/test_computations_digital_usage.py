"""digital_views and digital_downloads: the daily usage counts of a library's digital objects, summed by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from thuvien.digital import actions
from thuvien.digital.models import Stage, UsageDay
from thuvien.reports import computations, indicators
from thuvien.reports.models import Indicator
from thuvien.reports.periods import Period

pytestmark = pytest.mark.django_db

Y = 2025
D = dt.date


def obj(library, title):
    return actions.create_object(library=library, actor=None, dc={"title": title}, stage=Stage.PUBLISHED)


def usage(o, day, views, downloads=0):
    UsageDay.objects.create(object=o, library=o.library, day=day, views=views, downloads=downloads)


@pytest.fixture
def objects(network):
    prov = network["prov"]
    gia_pha, huong_uoc = obj(prov, "Gia phả họ Đinh"), obj(prov, "Hương ước làng Yên")
    usage(gia_pha, D(Y, 1, 1), 10, 2)
    usage(gia_pha, D(Y, 3, 31), 5, 1)
    usage(gia_pha, D(Y, 12, 31), 7)
    usage(huong_uoc, D(Y, 6, 15), 20, 4)
    usage(huong_uoc, D(Y - 1, 12, 31), 100, 50)  # last year
    usage(obj(network["commune"], "Địa chí xã"), D(Y, 6, 15), 3, 1)  # another library's
    return {"gia_pha": gia_pha, "huong_uoc": huong_uoc}


def test_views_and_downloads_of_each_period(network, objects):
    prov = network["prov"]
    assert computations.digital_views(prov, Period(Y)).value == 10 + 5 + 7 + 20
    assert computations.digital_downloads(prov, Period(Y)).value == 2 + 1 + 4
    assert computations.digital_views(prov, Period(Y, 1)).value == 15
    assert computations.digital_views(prov, Period(Y, 3)).value == 0  # objects, no use: zero, not "n/a"
    assert computations.digital_downloads(prov, Period(Y - 1)).value == 50
    usage(objects["huong_uoc"], D(Y, 6, 16), 1, 1)
    assert computations.digital_views(prov, Period(Y)).value == 43
    assert computations.digital_downloads(prov, Period(Y)).value == 8


def test_a_library_without_digital_objects_is_not_applicable(network, objects):
    assert computations.digital_views(network["school"], Period(Y)) is None
    assert computations.digital_downloads(network["school"], Period(Y)) is None


def test_the_trace_lists_objects_by_use(network, objects):
    trace = computations.trace_digital_usage(network["prov"], Period(Y))
    assert trace.rows == [
        [objects["gia_pha"].pk, "Gia phả họ Đinh", 22, 3],
        [objects["huong_uoc"].pk, "Hương ước làng Yên", 20, 4],
    ]


def test_through_the_engine_and_over_the_province(network, objects):
    assert (
        indicators.measure(Indicator.objects.get(code="digital-views"), network["prov"], Period(Y)).value
        == 42
    )
    figures = {
        f.indicator.code: f
        for f in indicators.live_figures(
            network["prov"],
            Period(Y),
            Indicator.objects.filter(code__in=["digital-views", "digital-downloads"]),
        )
    }
    assert (figures["digital-views"].value, figures["digital-views"].libraries) == (
        45,
        2,
    )  # the school has none
    assert figures["digital-downloads"].value == 8
