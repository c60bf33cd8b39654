"""The public register of libraries: the list's filters and order, the GeoJSON and CSV of the same
selection, the profile page, and what stays hidden (inactive libraries, anything not published)."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from thuvien.catalog.models import Item
from thuvien.catalog.tests.factories import import_records, marc_record
from thuvien.network.actions import add_library
from thuvien.network.models import AdminUnit, Library
from thuvien.network.register import CSV_COLUMNS
from thuvien.reports.models import LibraryProfile, StaffMember

pytestmark = pytest.mark.django_db

ACTIVE = ["VN-TST", "VN-KHAC", "VN-TST-XA", "VN-TST-THPT", "VN-TST-XA-AP"]


def _units():
    def unit(scheme, code, name, level, parent=None):
        return AdminUnit.objects.create(scheme=scheme, code=code, name=name, level=level, parent=parent)

    now_prov = unit("2025", "T01", "Tỉnh Thử Nghiệm", "tỉnh")
    old_prov = unit("pre2025", "PT01", "Tỉnh Thử Nghiệm (cũ)", "tỉnh")
    old_district = unit("pre2025", "H01", "Huyện Yên Mô", "huyện", old_prov)
    return {
        "T01": now_prov,
        "X01": unit("2025", "X01", "Xã Hòa Bình", "xã", now_prov),
        "X02": unit("2025", "X02", "Phường Lê Lợi", "phường", now_prov),
        "X99": unit("2025", "X99", "Xã Không Có Thư Viện", "xã", now_prov),
        "T02": unit("2025", "T02", "Tỉnh Khác", "tỉnh"),
        "PT01": old_prov,
        "H01": old_district,
        "PX01": unit("pre2025", "PX01", "Xã Yên Hòa", "xã", old_district),
        "PX02": unit("pre2025", "PX02", "Thị trấn Yên Thịnh", "thị trấn", old_district),
        "PT02": unit("pre2025", "PT02", "Tỉnh Khác (cũ)", "tỉnh"),
    }


@pytest.fixture
def register(network):
    """The test network placed on the map: units in both schemes, positions, contacts, one profile."""
    u = _units()
    add_library("VN-TST-XA-AP", "Thư viện ấp Đông", "community", "VN-TST-XA")
    add_library("VN-TST-CU", "Thư viện xã Hòa Bình cũ", "commune", "VN-TST")
    places = {
        "VN-TST": dict(admin_unit=u["T01"], admin_unit_previous=u["PT01"], latitude=20.254, longitude=105.974,
                       phone="0229 3871 425", address="Số 27 đường Lê Hồng Phong"),
        "VN-KHAC": dict(admin_unit=u["T02"], admin_unit_previous=u["PT02"], latitude=21.03, longitude=105.85),
        "VN-TST-XA": dict(admin_unit=u["X01"], admin_unit_previous=u["PX01"], latitude=20.1, longitude=105.9,
                          phone="+84 229 3873 610", email="xa@example.vn", website="https://xa.example.vn",
                          opening_hours="Thứ Hai – Thứ Sáu: 7:30–11:30\nThứ Bảy: 8:00–11:00",
                          address="Nhà văn hóa xã Hòa Bình"),
        "VN-TST-THPT": dict(admin_unit=u["X02"], admin_unit_previous=u["PX02"]),  # no position
        "VN-TST-XA-AP": dict(admin_unit=u["X01"], admin_unit_previous=u["PX01"], latitude=20.12, longitude=105.91,
                             address="=HYPERLINK(\"http://evil.example\")"),
        "VN-TST-CU": dict(admin_unit=u["X01"], latitude=20.2, longitude=105.8, active=False),
    }  # fmt: skip
    for code, fields in places.items():
        Library.objects.filter(code=code).update(**fields)
    LibraryProfile.objects.create(
        library=Library.objects.get(code="VN-TST-XA"),
        services=["reading_room", "lending", "online_catalogue", "no_such_service"],
        founded_year=1998,
        floor_area_m2=120,
        seats=40,
        governing_body="Ủy ban nhân dân xã Hòa Bình",
    )
    return u


def _codes(response) -> list[str]:
    return re.findall(r'<tr data-code="([^"]+)"', response.content.decode())


def _csv(response) -> list[dict]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body.startswith("\ufeff".encode()), "no BOM: spreadsheets would read the file as ANSI"
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))


# --- the list --------------------------------------------------------------------------------------


def test_the_list_shows_every_active_library_in_vietnamese_order(client, register):
    response = client.get("/libraries/")
    assert response.status_code == 200
    page = response.content.decode()
    # "ấp" sorts before "tỉnh" in Vietnamese order (a code-point sort puts it last).
    assert _codes(response) == ["VN-TST-XA-AP", "VN-KHAC", "VN-TST", "VN-TST-THPT", "VN-TST-XA"]
    assert "5 thư viện" in page and "4 thư viện có vị trí trên bản đồ" in page
    assert "VN-TST-CU" not in page  # inactive
    # Current unit, the pre-2025 one in smaller text, address, phone, the profile's link.
    assert "Xã Hòa Bình" in page and "trước 1/7/2025: Xã Yên Hòa" in page
    assert "Nhà văn hóa xã Hòa Bình" in page and 'href="tel:+842293873610"' in page
    assert 'href="/libraries/VN-TST-XA/"' in page


def test_tree_order(client, register):
    response = client.get("/libraries/", {"sort": "tree"})
    assert _codes(response) == ["VN-KHAC", "VN-TST", "VN-TST-THPT", "VN-TST-XA", "VN-TST-XA-AP"]
    assert '<tr data-code="VN-TST-XA-AP" class="indent-2">' in response.content.decode()


def test_filter_by_kind(client, register):
    response = client.get("/libraries/", {"kind": "school"})
    assert _codes(response) == ["VN-TST-THPT"]
    assert "1 thư viện" in response.content.decode()


def test_filter_by_current_unit_takes_the_units_below(client, register):
    assert sorted(_codes(client.get("/libraries/", {"unit": "T01"}))) == [
        "VN-TST", "VN-TST-THPT", "VN-TST-XA", "VN-TST-XA-AP",
    ]  # fmt: skip
    assert sorted(_codes(client.get("/libraries/", {"unit": "X01"}))) == ["VN-TST-XA", "VN-TST-XA-AP"]
    assert _codes(client.get("/libraries/", {"unit": "X99"})) == []


def test_filter_by_pre2025_unit_including_a_child_unit(client, register):
    # The old district holds two old communes: its libraries are found through them.
    assert sorted(_codes(client.get("/libraries/", {"old_unit": "H01"}))) == [
        "VN-TST-THPT", "VN-TST-XA", "VN-TST-XA-AP",
    ]  # fmt: skip
    assert _codes(client.get("/libraries/", {"old_unit": "PX02"})) == ["VN-TST-THPT"]
    # The same code in the other scheme is another unit: the current-scheme filter does not know it.
    page = client.get("/libraries/", {"unit": "H01"}).content.decode()
    assert "Không có đơn vị hành chính hiện hành mã H01." in page


def test_filters_combine(client, register):
    assert _codes(client.get("/libraries/", {"unit": "T01", "kind": "community"})) == ["VN-TST-XA-AP"]
    assert _codes(client.get("/libraries/", {"old_unit": "H01", "q": "dong"})) == ["VN-TST-XA-AP"]


@pytest.mark.parametrize("q", ["hoa binh", "HÒA BÌNH", "Hoà Bình", "xa hoa"])
def test_name_search_with_or_without_diacritics(client, register, q):
    assert _codes(client.get("/libraries/", {"q": q})) == ["VN-TST-XA"]


def test_name_search_folds_d_and_matches_codes(client, register):
    assert _codes(client.get("/libraries/", {"q": "le quy don"})) == ["VN-TST-THPT"]
    assert _codes(client.get("/libraries/", {"q": "vn-khac"})) == ["VN-KHAC"]


def test_unit_selects_list_units_with_libraries_and_their_parents(client, register):
    page = client.get("/libraries/").content.decode()
    current = page[page.index('name="unit"') : page.index('name="old_unit"')]
    assert '<option value="T01">Tỉnh Thử Nghiệm</option>' in current
    assert '<option value="X01">— Xã Hòa Bình</option>' in current
    assert "X99" not in current  # no library there
    old = page[page.index('name="old_unit"') : page.index('name="sort"')]
    assert '<option value="H01">— Huyện Yên Mô</option>' in old
    assert '<option value="PX02">— — Thị trấn Yên Thịnh</option>' in old
    chosen = client.get("/libraries/", {"old_unit": "H01"}).content.decode()
    assert '<option value="H01" selected>' in chosen


def test_bad_filters_are_reported_and_ignored(client, register):
    response = client.get("/libraries/", {"kind": "nope", "old_unit": "ZZZ", "sort": "x", "q": "x" * 5000})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Không có loại thư viện “nope”." in page
    assert "Không có đơn vị hành chính trước 1/7/2025 mã ZZZ." in page
    assert "0 thư viện" in page  # the (cut) words still apply; nothing else is lost
    assert len(_codes(client.get("/libraries/", {"kind": "nope"}))) == 5


def test_the_page_links_the_same_selection_as_geojson_and_csv(client, register):
    page = client.get("/libraries/", {"kind": "commune", "q": "hòa", "sort": "tree"}).content.decode()
    assert 'href="/libraries.geojson?kind=commune&amp;q=h%C3%B2a&amp;sort=tree"' in page
    assert 'href="/libraries.csv?kind=commune&amp;q=h%C3%B2a&amp;sort=tree"' in page
    # The map reads its data from attributes, not from an inline script.
    assert 'data-geojson="/libraries.geojson?kind=commune&amp;q=h%C3%B2a&amp;sort=tree"' in page
    assert 'data-tiles="' in page and "reports/map.js" in page and "vendor/leaflet/leaflet.js" in page
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/(ld\+)?json)[^>]*>", page)
    assert "Bản đồ cần JavaScript" in page  # <noscript>


def test_no_tile_server_configured(client, register, settings):
    settings.MAP_TILE_URL = ""
    page = client.get("/libraries/").content.decode()
    assert 'data-tiles=""' in page and 'data-geojson="/libraries.geojson"' in page


def test_nothing_found_says_so(client, register):
    page = client.get("/libraries/", {"q": "không có thư viện này"}).content.decode()
    assert "0 thư viện" in page and "Không có thư viện nào khớp với điều kiện lọc." in page


# --- GeoJSON ---------------------------------------------------------------------------------------


def _check_feature_collection(data: dict) -> None:
    """Check DATA against RFC 7946 as far as points go (no geojson package: the rules by hand)."""
    assert data["type"] == "FeatureCollection" and isinstance(data["features"], list)
    for feature in data["features"]:
        assert feature["type"] == "Feature" and isinstance(feature["properties"], dict)
        geometry = feature["geometry"]
        assert geometry["type"] == "Point"
        lon, lat = geometry["coordinates"]  # exactly two positions, longitude first
        assert isinstance(lon, float) and isinstance(lat, float)
        assert -180 <= lon <= 180 and -90 <= lat <= 90


def test_geojson_points_are_longitude_then_latitude_and_only_placed_libraries(client, register):
    response = client.get("/libraries.geojson")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/geo+json")
    assert response["Access-Control-Allow-Origin"] == "*"
    data = json.loads(response.content)
    _check_feature_collection(data)
    by_code = {f["properties"]["code"]: f for f in data["features"]}
    # The school has no position; the inactive library is not in the register.
    assert sorted(by_code) == ["VN-KHAC", "VN-TST", "VN-TST-XA", "VN-TST-XA-AP"]
    commune = by_code["VN-TST-XA"]
    assert commune["geometry"]["coordinates"] == [105.9, 20.1]
    assert commune["id"] == "VN-TST-XA"
    assert commune["properties"] == {
        "code": "VN-TST-XA",
        "name": "Thư viện xã Hòa Bình",
        "kind": "commune",
        "kind_label": "Thư viện cấp xã/phường",
        "address": "Nhà văn hóa xã Hòa Bình",
        "phone": "+84 229 3873 610",
        "opening_hours": "Thứ Hai – Thứ Sáu: 7:30–11:30\nThứ Bảy: 8:00–11:00",
        "url": "http://127.0.0.1:8000/libraries/VN-TST-XA/",
    }


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"kind": "commune"}, ["VN-TST-XA"]),
        ({"unit": "X01"}, ["VN-TST-XA", "VN-TST-XA-AP"]),
        ({"old_unit": "H01"}, ["VN-TST-XA", "VN-TST-XA-AP"]),
        ({"q": "hoa binh"}, ["VN-TST-XA"]),
        ({"code": "vn-tst"}, ["VN-TST"]),
        ({"code": "VN-TST-CU"}, []),
    ],
)
def test_geojson_takes_the_lists_filters(client, register, params, expected):
    data = client.get("/libraries.geojson", params).json()
    _check_feature_collection(data)
    assert sorted(f["id"] for f in data["features"]) == expected
    page_codes = _codes(client.get("/libraries/", params)) if "code" not in params else expected
    assert sorted(c for c in page_codes if c != "VN-TST-THPT") == expected


def test_geojson_refuses_a_bad_filter_clearly(client, register):
    response = client.get("/libraries.geojson", {"unit": "NOPE"})
    assert response.status_code == 400
    assert response.json() == {"errors": ["Không có đơn vị hành chính hiện hành mã NOPE."]}


def test_geojson_of_an_empty_network(client, db):
    data = client.get("/libraries.geojson").json()
    assert data == {"type": "FeatureCollection", "features": []}


# --- CSV -------------------------------------------------------------------------------------------


def test_csv_round_trips(client, register):
    response = client.get("/libraries.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="thu-vien.csv"' in response["Content-Disposition"]
    rows = _csv(response)
    assert list(rows[0]) == CSV_COLUMNS
    assert [r["code"] for r in rows] == ["VN-TST-XA-AP", "VN-KHAC", "VN-TST", "VN-TST-THPT", "VN-TST-XA"]
    commune = next(r for r in rows if r["code"] == "VN-TST-XA")
    assert commune == {
        "code": "VN-TST-XA",
        "name": "Thư viện xã Hòa Bình",
        "kind": "commune",
        "parent": "VN-TST",
        "unit_code": "X01",
        "unit_name": "Xã Hòa Bình",
        "pre2025_unit_code": "PX01",
        "pre2025_unit_name": "Xã Yên Hòa",
        "address": "Nhà văn hóa xã Hòa Bình",
        "phone": "+84 229 3873 610",  # digits only: not taken for a formula, kept as written
        "email": "xa@example.vn",
        "website": "https://xa.example.vn",
        "latitude": "20.1",
        "longitude": "105.9",
        "opening_hours": "Thứ Hai – Thứ Sáu: 7:30–11:30\nThứ Bảy: 8:00–11:00",
        "services": "reading_room;lending;online_catalogue;no_such_service",
    }
    school = next(r for r in rows if r["code"] == "VN-TST-THPT")
    assert school["latitude"] == school["longitude"] == school["services"] == ""
    assert float(next(r for r in rows if r["code"] == "VN-TST")["longitude"]) == 105.974


def test_csv_defuses_formulas(client, register):
    rows = _csv(client.get("/libraries.csv", {"code": "VN-TST-XA-AP"}))
    assert rows[0]["address"] == '\'=HYPERLINK("http://evil.example")'


def test_csv_takes_the_lists_filters_and_refuses_bad_ones(client, register):
    assert [r["code"] for r in _csv(client.get("/libraries.csv", {"old_unit": "PX02"}))] == ["VN-TST-THPT"]
    assert [r["code"] for r in _csv(client.get("/libraries.csv", {"q": "tinh", "sort": "tree"}))] == [
        "VN-KHAC", "VN-TST",
    ]  # fmt: skip
    assert client.get("/libraries.csv", {"kind": "x"}).status_code == 400


def test_open_data_holds_nothing_personal(client, register, commune_librarian):
    StaffMember.objects.create(
        library=Library.objects.get(code="VN-TST-XA"), full_name="Nguyễn Thị Thủ Thư", user=commune_librarian
    )
    published = [
        client.get(url).content.decode("utf-8-sig")
        for url in ("/libraries.csv", "/libraries.geojson", "/libraries/", "/libraries/VN-TST-XA/")
    ]
    for text in published:
        assert "Nguyễn Thị Thủ Thư" not in text


def test_the_register_answers_only_get(client, register):
    for url in ("/libraries/", "/libraries.geojson", "/libraries.csv", "/libraries/VN-TST/"):
        assert client.post(url).status_code == 405


# --- the profile page ------------------------------------------------------------------------------


@pytest.fixture
def holdings(register):
    import_records(
        [
            marc_record("Truyện Kiều", "Nguyễn Du", holdings=[("VN-TST-XA", "X001", "895"), ("VN-TST", "T001", "895")]),
            marc_record("Lục Vân Tiên", "Nguyễn Đình Chiểu", holdings=[("VN-TST-XA", "X002", "895"),
                                                                         ("VN-TST-XA", "X003", "895")]),
        ]
    )  # fmt: skip
    Item.objects.filter(barcode="X003").update(status="withdrawn")


def test_profile_shows_contact_hours_services_and_collection(client, holdings):
    response = client.get("/libraries/VN-TST-XA/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Thư viện xã Hòa Bình</h1>" in page
    assert "Nhà văn hóa xã Hòa Bình" in page and 'href="mailto:xa@example.vn"' in page
    assert 'href="https://xa.example.vn"' in page and 'href="tel:+842293873610"' in page
    assert "Thứ Hai – Thứ Sáu: 7:30–11:30<br>Thứ Bảy: 8:00–11:00" in page
    # Services in the register's order, labelled; an unknown value is left out.
    services = re.search(r'<ul class="services">(.*?)</ul>', page, re.S).group(1)
    assert re.findall(r"<li>(.*?)</li>", services) == [
        "Tra cứu mục lục trực tuyến",
        "Phòng đọc",
        "Cho mượn về nhà",
    ]
    # Two copies held (the withdrawn third is not counted), two titles in the catalogue.
    assert '<dd class="item-count">2 bản</dd>' in page
    assert "2 nhan đề" in page
    assert "1998" in page and "120 m²" in page and "Ủy ban nhân dân xã Hòa Bình" in page
    assert "Xã Hòa Bình" in page and "Xã Yên Hòa" in page  # both administrative units
    assert 'href="/libraries/VN-TST/"' in page  # the parent
    assert 'href="/libraries/VN-TST-XA-AP/"' in page  # a child
    assert 'data-geojson="/libraries.geojson?code=VN-TST-XA"' in page and 'data-zoom="15"' in page


def test_profile_jsonld(client, register):
    page = client.get("/libraries/VN-TST-XA/").content.decode()
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    assert data["@type"] == "Library" and data["name"] == "Thư viện xã Hòa Bình"
    assert data["geo"] == {"@type": "GeoCoordinates", "latitude": 20.1, "longitude": 105.9}
    assert data["parentOrganization"]["name"] == "Thư viện tỉnh Thử Nghiệm"


def test_profile_without_register_profile_or_position(client, register):
    page = client.get("/libraries/VN-TST-THPT/").content.decode()
    assert "Dịch vụ" not in page and 'class="services"' not in page
    assert "library-map" not in page and "leaflet.js" not in page
    assert '<dd class="item-count">0 bản</dd>' in page


def test_inactive_library_is_hidden(client, register, other_library_staff):
    assert client.get("/libraries/VN-TST-CU/").status_code == 404
    assert "VN-TST-CU" not in client.get("/libraries/VN-TST/").content.decode()
    client.force_login(other_library_staff)
    assert client.get("/libraries/VN-TST-CU/").status_code == 404
    assert client.get("/libraries/NOPE/").status_code == 404


def test_staff_of_another_province_see_the_public_register_only(client, holdings, other_library_staff):
    anonymous = client.get("/libraries/VN-TST-XA/").content.decode()
    client.force_login(other_library_staff)
    signed_in = client.get("/libraries/VN-TST-XA/")
    assert signed_in.status_code == 200
    # The same public facts, nothing more: no staff link into the other province's library.
    strip = re.compile(r'<header class="site">.*?</header>|name="csrfmiddlewaretoken" value="[^"]*"', re.S)
    assert strip.sub("", signed_in.content.decode()) == strip.sub("", anonymous)
    assert _codes(client.get("/libraries/")) == [
        "VN-TST-XA-AP",
        "VN-KHAC",
        "VN-TST",
        "VN-TST-THPT",
        "VN-TST-XA",
    ]
