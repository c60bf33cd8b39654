import json
import re

import pytest

from thuvien.catalog.models import Item, Record
from thuvien.catalog.tests.factories import import_records, marc_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(network):
    import_records(
        [
            marc_record(
                "Truyện Kiều",
                "Nguyễn Du",
                isbn="9786041234567",
                subjects=["Thơ lục bát"],
                holdings=[("VN-TST", "B001", "895.9221 NG-D"), ("VN-TST-XA", "B002", "895.9221 NG-D")],
            ),
            marc_record(
                "Lục Vân Tiên",
                "Nguyễn Đình Chiểu",
                subjects=["Thơ lục bát"],
                holdings=[("VN-TST", "B003", "895")],
            ),
        ]
    )
    return Record.objects.get(title="Truyện Kiều")


def test_home_and_search_pages(client, catalogue):
    home = client.get("/")
    assert home.status_code == 200 and 'lang="vi"' in home.content.decode()
    page = client.get("/search", {"q": "truyen kieu"}).content.decode()
    assert "Truyện Kiều" in page and "1 kết quả" in page
    assert "Có 2 bản trên giá" in page
    assert "Thư viện xã Hòa Bình" in page  # facet and holdings name the libraries


def test_facet_links_filter(client, catalogue):
    page = client.get("/search", {"q": "tho luc bat"}).content.decode()
    assert "2 kết quả" in page
    scoped = client.get("/search", {"q": "tho luc bat", "library": "VN-TST-XA"}).content.decode()
    assert "1 kết quả" in scoped
    available = client.get("/search", {"q": "tho luc bat", "available": "1"}).content.decode()
    assert "2 kết quả" in available


def test_record_page_has_holdings_jsonld_and_canonical(client, catalogue):
    Item.objects.filter(barcode="B002").update(status="checked_out")
    page = client.get(f"/record/{catalogue.pk}/").content.decode()
    assert "Đang cho mượn" in page and "Có sẵn" in page
    assert f'<link rel="canonical" href="http://127.0.0.1:8000/record/{catalogue.pk}/">' in page
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    assert data["@type"] == "Book" and data["name"] == "Truyện Kiều"
    assert "Lục Vân Tiên" in page  # similar titles share the subject


def test_marc_view_and_citations(client, catalogue):
    marc = client.get(f"/record/{catalogue.pk}/marc").content.decode()
    assert "245" in marc and "Truyện Kiều" in marc
    ris = client.get(f"/record/{catalogue.pk}/cite.ris").content.decode()
    assert "TY  - BOOK" in ris and "TI  - Truyện Kiều" in ris and "AU  - Nguyễn Du" in ris
    bib = client.get(f"/record/{catalogue.pk}/cite.bib").content.decode()
    assert bib.startswith("@book{") and "title = {Truyện Kiều}" in bib
    assert client.get(f"/record/{catalogue.pk}/cite.xyz").status_code == 404


def test_library_pages_new_acquisitions_and_suggestions(client, catalogue):
    assert "Thư viện xã Hòa Bình" in client.get("/libraries/").content.decode()
    page = client.get("/libraries/VN-TST/").content.decode()
    assert "Thư viện tỉnh Thử Nghiệm" in page and "Thư viện xã Hòa Bình" in page
    assert client.get("/new/").status_code == 200
    suggestions = client.get("/suggest", {"q": "truy", "format": "json"}).json()
    assert suggestions["suggestions"] == ["Truyện Kiều"]


def test_english_switch(client, catalogue):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/search", {"q": "kieu"}).content.decode()
    assert 'lang="en"' in page


def test_health_endpoint_reports_index_lag(client, catalogue):
    data = client.get("/health").json()
    assert data["status"] == "ok" and data["search"]["pending"] == 0
