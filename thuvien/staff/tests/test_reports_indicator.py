"""An indicator's page (trend, drill-down, ranking), its map's GeoJSON and the trace of a library's figure."""

from __future__ import annotations

import json
import re

import pytest

from thuvien.network.actions import add_library
from thuvien.reports import snapshots
from thuvien.reports.indicators import Trace
from thuvien.reports.models import IndicatorValue, ValueOrigin
from thuvien.reports.tests import dashboard_cast

pytestmark = pytest.mark.django_db

manager, figures = dashboard_cast.manager, dashboard_cast.figures

UNION = "/staff/reports/indicators/prog-union-catalogue/"


def codes(html: str, table_id: str) -> list[str]:
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S)
    assert table, f"no table {table_id}"
    return re.findall(r'data-code="([^"]+)"', table.group(0))


# --- who may see ------------------------------------------------------------------------------------


def test_every_route_refuses_anonymous_and_other_provinces(client, figures, other_library_staff):
    routes = [UNION, UNION + "map.geojson", UNION + "VN-TST-XA/2024/"]
    for path in routes:
        response = client.get(path, {"scope": "VN-TST"})
        assert response.status_code == 302 and "/login/" in response["Location"], path
    client.force_login(other_library_staff)
    for path in routes:
        assert client.get(path, {"scope": "VN-TST"}).status_code == 404, path
    # His own scope works; an unknown indicator is a 404.
    assert client.get(UNION).status_code == 200
    assert client.get("/staff/reports/indicators/no-such-thing/").status_code == 404


def test_a_commune_librarian_reads_his_library_and_no_other(client, figures, commune_librarian):
    client.force_login(commune_librarian)
    assert client.get(UNION, {"scope": "VN-TST"}).status_code == 404
    assert client.get(UNION + "map.geojson", {"scope": "VN-TST"}).status_code == 404
    assert client.get(UNION + "VN-TST-THPT/2024/").status_code == 404
    assert client.get(UNION + "VN-TST/2024/").status_code == 404
    page = client.get(UNION)
    assert page.status_code == 200
    assert codes(page.content.decode(), "ranking-table") == ["VN-TST-XA"]
    assert client.get(UNION + "VN-TST-XA/2024/").status_code == 200


# --- the page -----------------------------------------------------------------------------------------


def test_trend_drill_down_and_ranking_for_the_manager(client, figures, manager, network):
    client.force_login(manager)
    page = client.get(UNION)
    assert page.status_code == 200
    html = page.content.decode()
    trend = re.search(r'<table class="mis-table" id="trend-table">.*?</table>', html, re.S).group(0)
    assert re.search(r"2023</a></th><td class=\"num\">0 %</td><td class=\"num\">20 %</td>", trend)
    assert re.search(r"2024</a></th><td class=\"num\">50 %</td><td class=\"num\">40 %</td>", trend)
    assert "Đạt" in trend and "Chưa đạt" in trend
    # Drill-down: each member library's subtree (the province's own library has no value of its own here).
    assert codes(html, "drill-table") == ["VN-TST-THPT", "VN-TST-XA"]  # by name: "Thư viện Trường…" < "xã"
    # Ranking: best first; at 100 % the commune meets the 40 % target, the school at 0 % does not.
    assert codes(html, "ranking-table") == ["VN-TST-XA", "VN-TST-THPT"]
    ranking = re.search(r'<table class="mis-table" id="ranking-table">.*?</table>', html, re.S).group(0)
    assert ranking.index("mis-badge above") < ranking.index("mis-badge below")
    assert "1 đạt mục tiêu, 1 chưa đạt." in html
    assert "/staff/reports/indicators/prog-union-catalogue/VN-TST-XA/2024/" in ranking
    # The map's data source and its legend; the tables work without it.
    assert (
        'data-geojson="/staff/reports/indicators/prog-union-catalogue/map.geojson?scope=VN-TST&amp;year=2024"'
        in html
    )
    assert "Đạt mục tiêu (40 %)" in html


def test_a_lower_is_better_indicator_ranks_the_smallest_first(client, network, manager):
    from thuvien.reports.models import Indicator, IndicatorTarget

    freshness = Indicator.objects.get(code="harvest-freshness")
    snapshots.store_imported(freshness, network["commune"], 2024, 40)
    snapshots.store_imported(freshness, network["school"], 2024, 3)
    IndicatorTarget.objects.create(indicator=freshness, province=network["prov"], year=2024, value=7)
    client.force_login(manager)
    html = client.get("/staff/reports/indicators/harvest-freshness/").content.decode()
    assert codes(html, "ranking-table") == ["VN-TST-THPT", "VN-TST-XA"]
    assert "1 đạt mục tiêu, 1 chưa đạt." in html
    # The province's figure is the stalest source: 40 days against 7, not met.
    assert 'class="mis-value">40 ngày<' in html and "mis-badge below" in html


def test_drilling_down_a_level_and_the_scope_s_own_figure(client, figures, manager, network):
    hamlet = add_library("VN-TST-XA-THON", "Tủ sách thôn Đông", "community", "VN-TST-XA")
    union = figures["union"]
    snapshots.store_imported(union, hamlet, 2024, 0, 1)
    client.force_login(manager)
    html = client.get(UNION).content.decode()
    drill = re.search(r'<table class="mis-table" id="drill-table">.*?</table>', html, re.S).group(0)
    # The commune's subtree now counts 2 libraries at 1/2 and leads further down.
    commune_row = re.search(r'<tr data-code="VN-TST-XA">.*?</tr>', drill, re.S).group(0)
    assert "50 %" in commune_row and "1/2 thư viện" in commune_row
    assert "?scope=VN-TST-XA&amp;year=2024" in commune_row
    html = client.get(UNION, {"scope": "VN-TST-XA"}).content.decode()
    assert codes(html, "drill-table") == ["VN-TST-XA", "VN-TST-XA-THON"]
    assert "(riêng thư viện)" in html
    # The same figures as the engine's drill-down.
    expected = {lib.code: s.value for lib, s in snapshots.by_child(network["commune"], union, 2024)}
    assert expected == {"VN-TST-XA": 1.0, "VN-TST-XA-THON": 0.0}


def test_the_ranking_is_paginated_by_100(client, network, manager):
    from thuvien.reports.models import Indicator

    union = Indicator.objects.get(code="prog-union-catalogue")
    for n in range(105):
        library = add_library(f"VN-TST-S{n:03d}", f"Trường số {n:03d}", "school", "VN-TST")
        snapshots.store_imported(union, library, 2024, n % 2, 1)
    client.force_login(manager)
    html = client.get(UNION).content.decode()
    assert len(codes(html, "ranking-table")) == 100
    assert "105 thư viện có số liệu." in html and "Trang 1/2" in html
    html = client.get(UNION, {"scope": "VN-TST", "year": "2024", "page": "2"}).content.decode()
    assert len(codes(html, "ranking-table")) == 5


def test_an_indicator_without_values(client, network, manager):
    client.force_login(manager)
    page = client.get(UNION)
    assert page.status_code == 200
    assert "Chưa có số liệu lưu" in page.content.decode()
    data = json.loads(client.get(UNION + "map.geojson").content)
    assert data == {"type": "FeatureCollection", "features": [], "indicator": "prog-union-catalogue",
                    "scope": "VN-TST", "year": None, "target": None}  # fmt: skip


# --- the map ----------------------------------------------------------------------------------------


def test_the_map_geojson(client, figures, manager, network):
    client.force_login(manager)
    response = client.get(UNION + "map.geojson", {"scope": "VN-TST", "year": "2024"})
    assert response.status_code == 200 and response["Content-Type"] == "application/geo+json"
    data = json.loads(response.content)
    assert data["type"] == "FeatureCollection" and data["year"] == 2024 and data["target"] == 0.4
    by_code = {f["properties"]["code"]: f for f in data["features"]}
    assert set(by_code) == {"VN-TST-XA", "VN-TST-THPT"}  # the other province's library is not there
    commune = by_code["VN-TST-XA"]
    assert commune["geometry"] == {"type": "Point", "coordinates": [105.85, 21.03]}  # longitude first
    props = commune["properties"]
    assert props["value"] == 1.0 and props["display"] == "100 %" and props["status"] == "above"
    assert props["band"] == "above" and props["color"].startswith("#")
    assert props["url"] == "/staff/reports/indicators/prog-union-catalogue/VN-TST-XA/2024/"
    assert by_code["VN-TST-THPT"]["properties"]["band"] == "below"
    # A library without coordinates is not drawn; the table still lists it.
    network["school"].latitude = None
    network["school"].save()
    data = json.loads(client.get(UNION + "map.geojson").content)
    assert [f["properties"]["code"] for f in data["features"]] == ["VN-TST-XA"]


def test_the_map_of_a_count_uses_a_scale(client, figures, manager):
    client.force_login(manager)
    data = json.loads(client.get("/staff/reports/indicators/loans/map.geojson").content)
    bands = {f["properties"]["code"]: f["properties"]["band"] for f in data["features"]}
    assert bands == {"VN-TST-XA": "q4", "VN-TST-THPT": "q3"}  # 1.234 is the top; 766 is 62 % of it
    assert all(f["properties"]["status"] is None for f in data["features"])


# --- the trace --------------------------------------------------------------------------------------


def test_the_trace_of_an_imported_value(client, figures, manager, network, monkeypatch):
    from thuvien.reports import indicators

    IndicatorValue.objects.filter(library=network["commune"], year=2024, indicator=figures["union"]).update(
        note="Báo cáo năm 2024 của Sở"
    )
    monkeypatch.setattr(
        indicators,
        "trace",
        lambda indicator, library, period: Trace(["Bản", "Thư viện"], [["B1", library.code]]),
    )
    client.force_login(manager)
    page = client.get(UNION + "VN-TST-XA/2024/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "100 %" in html and "1/1 thư viện" in html
    assert "nhập từ báo cáo trước khi dùng hệ thống" in html and "Báo cáo năm 2024 của Sở" in html
    assert "<td>B1</td><td>VN-TST-XA</td>" in html
    assert "Tính lại ngay" not in html  # an imported value cannot be recomputed
    assert client.get(UNION + "VN-TST-XA/1999/").status_code == 404


def test_the_trace_marks_counted_rows_paginates_and_compares_with_a_recomputation(
    client,
    figures,
    manager,
    network,
    monkeypatch,
):
    from thuvien.reports import indicators
    from thuvien.reports.indicators import Measure

    IndicatorValue.objects.filter(library=network["commune"], year=2024, indicator=figures["union"]).update(
        origin=ValueOrigin.COMPUTED
    )
    rows_ = [[f"Bản {n}"] for n in range(150)]
    counted = [n < 7 for n in range(150)]
    monkeypatch.setattr(indicators, "trace", lambda *a: Trace(["Bản"], rows_, counted))
    monkeypatch.setattr(indicators, "measure", lambda *a: Measure(0, 1))
    client.force_login(manager)
    html = client.get(UNION + "VN-TST-XA/2024/").content.decode()
    assert "150 dòng." in html and "Trang 1/2" in html
    assert html.count('<tr class="counted">') == 7
    assert "Tính lại ngay để so sánh" in html
    html = client.get(UNION + "VN-TST-XA/2024/", {"page": "2"}).content.decode()
    assert "<td>Bản 149</td>" in html and '<tr class="counted">' not in html
    html = client.get(UNION + "VN-TST-XA/2024/", {"recompute": "1"}).content.decode()
    assert "Tính lại ngay từ dữ liệu hiện có: 0 %" in html and "Khác số liệu đã lưu" in html
    monkeypatch.setattr(indicators, "measure", lambda *a: Measure(1, 1))
    html = client.get(UNION + "VN-TST-XA/2024/", {"recompute": "1"}).content.decode()
    assert "Khớp với số liệu đã lưu." in html


def test_the_trace_of_a_province_lists_its_subtree(client, figures, manager, monkeypatch):
    from thuvien.reports import indicators

    monkeypatch.setattr(indicators, "trace", lambda *a: Trace([], [], note="no trace"))
    client.force_login(manager)
    html = client.get("/staff/reports/indicators/prog-staff-trained/VN-TST/2024/").content.decode()
    assert "30 %" in html and "3/10 người" in html  # the provincial library's own figure
    assert "Cả hệ thống: 33,3 % từ 2 thư viện." in html
    assert "/staff/reports/indicators/prog-staff-trained/VN-TST-XA/2024/" in html


def test_a_trace_whose_computation_is_unknown_says_so(client, figures, manager, monkeypatch):
    from thuvien.reports import indicators

    def unknown(*args):
        raise KeyError("unknown indicator computation: x")

    monkeypatch.setattr(indicators, "trace", unknown)
    client.force_login(manager)
    page = client.get(UNION + "VN-TST-XA/2024/")
    assert page.status_code == 200 and "Không liệt kê được dữ liệu" in page.content.decode()
