"""The public digital library: its home (collections, recent objects, title search), the reading page, the PDF
download, and the record page's "Bản số" block — each showing only what the visitor may see."""

from __future__ import annotations

import datetime as dt
import html
import json
import re

import pytest
from django.utils import timezone

from thuvien.catalog.actions import save_record
from thuvien.catalog.models import Collection
from thuvien.catalog.tests.factories import marc_record
from thuvien.circulation.tests import conftest as circulation_cast
from thuvien.digital.models import AccessLevel, Page, Stage
from thuvien.digital.testing import make_object
from thuvien.opac import digital

pytestmark = pytest.mark.django_db

reader = circulation_cast.reader
TEXTS = ["Trang một: Hoa Lư.", "Trang hai: chùa Bái Đính.", "Trang ba: làng Văn Lâm."]


@pytest.fixture
def local_history(network):
    return Collection.objects.create(code="dia-chi", name="Tài liệu địa chí", kind="local_history")


@pytest.fixture
def record(network):
    return save_record(None, marc_record("Địa chí Ninh Bình", "Nguyễn Văn Trình"), library=network["prov"])


@pytest.fixture
def cast(network, local_history, record):
    """One object of each kind at the provincial library, all in the local-history collection."""
    prov = network["prov"]
    make = make_object
    return {
        "open": make(prov, record=record, title="Địa chí Ninh Bình", texts=TEXTS, collections=[local_history]),
        "restricted": make(prov, title="Hương ước làng Yên Mô", texts=TEXTS[:2], access=AccessLevel.RESTRICTED,
                           collections=[local_history]),
        "secret": make(prov, title="Gia phả họ Đinh", texts=TEXTS[:1], access=AccessLevel.SECRET,
                       collections=[local_history]),
        "unpublished": make(prov, title="Sắc phong chưa duyệt", texts=TEXTS[:1], stage=Stage.SCANNED),
        "embargoed": make(prov, title="Luận văn còn hạn chế", texts=TEXTS[:1],
                          embargo_until=timezone.localdate() + dt.timedelta(days=10)),
    }  # fmt: skip


def sign_in(client, reader):
    assert client.post("/ban-doc/dang-nhap/", {"card": reader.card, "pin": "1234"}).status_code == 302
    return client


def page(client, url, status=200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return response.content.decode()


def titles(body: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r'<span class="title">([^<]*)</span>', body)]


# --- the home of the digital library --------------------------------------------------------------------


def test_the_home_shows_what_an_anonymous_visitor_may_read(client, cast):
    body = page(client, "/so-hoa/")
    assert titles(body) == ["Địa chí Ninh Bình"]
    assert 'Tài liệu địa chí <span class="count">(1)</span>' in body  # counts only what he may see
    assert f'src="/iiif/3/{cast["open"].pk}-1/full/!200,200/0/default.jpg"' in body
    for hidden in ("Hương ước", "Gia phả", "Sắc phong", "Luận văn"):
        assert hidden not in body


def test_a_reader_also_sees_restricted_objects_and_staff_their_own_hidden_ones(
    client, cast, reader, provincial_librarian, other_library_staff
):
    body = page(sign_in(client, reader), "/so-hoa/")
    assert set(titles(body)) == {"Địa chí Ninh Bình", "Hương ước làng Yên Mô"}
    assert "Hạn chế: chỉ đọc trực tuyến" in body
    assert "(2)" in body
    client.logout()

    client.force_login(other_library_staff)
    assert set(titles(page(client, "/so-hoa/"))) == {"Địa chí Ninh Bình", "Hương ước làng Yên Mô"}

    client.force_login(provincial_librarian)
    body = page(client, "/so-hoa/")
    assert len(titles(body)) == 5 and "Chỉ nhân viên thấy" in body


def test_filter_by_collection_and_search_titles_without_diacritics(
    client, cast, reader, network, local_history
):
    make_object(network["prov"], title="Thơ văn Lý Trần", texts=TEXTS[:1])
    body = page(client, "/so-hoa/?collection=dia-chi")
    assert titles(body) == ["Địa chí Ninh Bình"] and "<h1>Tài liệu địa chí</h1>" in body
    assert titles(page(client, "/so-hoa/?q=dia+chi")) == ["Địa chí Ninh Bình"]
    assert titles(page(client, "/so-hoa/?q=THO+VAN")) == ["Thơ văn Lý Trần"]
    assert titles(page(client, "/so-hoa/?q=Thơ+văn&collection=dia-chi")) == []
    assert titles(page(client, "/so-hoa/?q=huong+uoc")) == []  # restricted: not for him
    assert titles(page(sign_in(client, reader), "/so-hoa/?q=huong+uoc")) == ["Hương ước làng Yên Mô"]
    assert titles(page(client, "/so-hoa/?q=gia+pha")) == []
    page(client, "/so-hoa/?collection=khong-co", status=404)


def test_pages_of_recent_objects(client, network, monkeypatch):
    monkeypatch.setattr(digital, "PER_PAGE", 2)
    for n in range(5):
        make_object(network["prov"], title=f"Báo Ninh Bình số {n + 1}", texts=TEXTS[:1])
    first = page(client, "/so-hoa/")
    assert titles(first) == ["Báo Ninh Bình số 5", "Báo Ninh Bình số 4"] and 'rel="next"' in first
    assert titles(page(client, "/so-hoa/?page=3")) == ["Báo Ninh Bình số 1"]
    assert titles(page(client, "/so-hoa/?page=99")) == ["Báo Ninh Bình số 1"]
    assert 'href="?q=so&amp;page=2"' in page(client, "/so-hoa/?q=so")


# --- the reading page -----------------------------------------------------------------------------------


def mirador_config(body: str) -> dict:
    return json.loads(
        re.search(r'<script id="mirador-config" type="application/json">(.*?)</script>', body).group(1)
    )


def test_the_reading_page_of_an_open_object(client, cast, record):
    obj = cast["open"]
    body = page(client, f"/so-hoa/{obj.pk}/")
    assert "/static/vendor/mirador/mirador.min.js" in body and "/static/digital/viewer.js" in body
    config = mirador_config(body)
    assert config["manifest"] == f"http://testserver/iiif/presentation/{obj.pk}/manifest"
    assert config["language"] == "vi" and config["id"] == "mirador" and 'id="mirador"' in body
    assert "Nguyễn Văn Trình" in body and "Tài liệu địa chí" in body and "Thư viện tỉnh Thử Nghiệm" in body
    assert obj.rights in body
    for seq in (1, 2, 3):
        assert f'href="/so-hoa/{obj.pk}/trang/{seq}/"' in body
        assert f'href="/iiif/3/{obj.pk}-{seq}/full/max/0/default.jpg" download' in body
    assert f'href="/so-hoa/{obj.pk}/tai-ve.pdf"' in body
    assert f'href="/so-hoa/sao-chup/yeu-cau/{obj.pk}/"' in body
    assert f'href="/record/{record.pk}/"' in body
    assert f'href="/so-hoa/{obj.pk}/mets.xml"' in body and f'href="/so-hoa/{obj.pk}/dc.xml"' in body
    assert "chỉ đọc trực tuyến" not in body.split("<dl")[0]


def test_a_search_hit_opens_the_viewer_at_its_page_with_the_query(client, cast):
    obj = cast["open"]
    config = mirador_config(page(client, f"/so-hoa/{obj.pk}/?trang=2&q=Bái+Đính"))
    assert config["canvas"] == f"http://testserver/iiif/presentation/{obj.pk}/canvas/2"
    assert config["query"] == "Bái Đính"
    assert mirador_config(page(client, f"/so-hoa/{obj.pk}/?trang=9"))["canvas"] == ""


def test_a_restricted_object_is_read_online_by_readers_only(client, cast, reader):
    obj = cast["restricted"]
    page(client, f"/so-hoa/{obj.pk}/", status=404)
    body = page(sign_in(client, reader), f"/so-hoa/{obj.pk}/")
    assert "Tài liệu hạn chế: chỉ đọc trực tuyến" in body
    assert "tai-ve.pdf" not in body and "full/max" not in body and " download" not in body
    assert f'href="/so-hoa/sao-chup/yeu-cau/{obj.pk}/"' in body
    assert f'href="/so-hoa/{obj.pk}/trang/1/"' in body
    assert "private" in client.get(f"/so-hoa/{obj.pk}/")["Cache-Control"]


def test_staff_of_the_owning_library_download_restricted_material(client, cast, provincial_librarian,
                                                                  other_library_staff):  # fmt: skip
    obj = cast["restricted"]
    client.force_login(provincial_librarian)
    body = page(client, f"/so-hoa/{obj.pk}/")
    assert f'href="/so-hoa/{obj.pk}/tai-ve.pdf"' in body and "access-notice" not in body
    assert "Tài liệu hạn chế: chỉ đọc trực tuyến" in body  # its level, in the description
    assert client.get(f"/so-hoa/{obj.pk}/tai-ve.pdf").status_code == 200
    # Staff of another library read it like a reader: online only.
    client.force_login(other_library_staff)
    body = page(client, f"/so-hoa/{obj.pk}/")
    assert "tai-ve.pdf" not in body and "access-notice" in body
    page(client, f"/so-hoa/{obj.pk}/tai-ve.pdf", status=403)


def test_a_page_override_keeps_its_page_from_the_list(client, cast, reader):
    obj = cast["open"]
    Page.objects.filter(object=obj, seq=2).update(access_override=AccessLevel.RESTRICTED)
    body = page(client, f"/so-hoa/{obj.pk}/")
    assert f"/so-hoa/{obj.pk}/trang/2/" not in body and f"/so-hoa/{obj.pk}/trang/3/" in body
    body = page(sign_in(client, reader), f"/so-hoa/{obj.pk}/")
    # He reads page 2 online, but may not download it (its own level is restricted).
    assert f"/so-hoa/{obj.pk}/trang/2/" in body and f"/iiif/3/{obj.pk}-2/full/max" not in body
    assert f"/iiif/3/{obj.pk}-3/full/max" in body


@pytest.mark.parametrize("kind", ["secret", "unpublished", "embargoed"])
def test_hidden_objects_are_404_outside_their_library(client, cast, kind, reader, other_library_staff,
                                                      provincial_librarian):  # fmt: skip
    obj = cast[kind]
    for url in (f"/so-hoa/{obj.pk}/", f"/so-hoa/{obj.pk}/tai-ve.pdf"):
        page(client, url, status=404)
        page(sign_in(client, reader), url, status=404)
        client.logout()
        client.force_login(other_library_staff)
        page(client, url, status=404)
        client.logout()
    client.force_login(provincial_librarian)
    body = page(client, f"/so-hoa/{obj.pk}/")
    assert "Chỉ nhân viên thư viện thấy tài liệu này" in body
    assert "sao-chup/yeu-cau" not in body  # nobody outside may ask for copies of it
    assert f'href="/so-hoa/{obj.pk}/tai-ve.pdf"' in body


def test_an_unknown_object_is_404(client, network):
    page(client, "/so-hoa/987654/", status=404)
    page(client, "/so-hoa/987654/tai-ve.pdf", status=404)


# --- downloading the PDF --------------------------------------------------------------------------------


def test_the_pdf_of_an_open_object(client, cast):
    response = client.get(f"/so-hoa/{cast['open'].pk}/tai-ve.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF-") and body.count(b"/Type /Page\n") + body.count(b"/Type /Page ") >= 1


def test_the_pdf_of_a_restricted_object_is_refused(client, cast, reader):
    url = f"/so-hoa/{cast['restricted'].pk}/tai-ve.pdf"
    page(client, url, status=404)
    body = page(sign_in(client, reader), url, status=403)
    assert "Tài liệu hạn chế: chỉ đọc trực tuyến" in body


def test_the_pdf_leaves_out_pages_the_visitor_may_not_download(client, cast):
    import pypdfium2

    obj = cast["open"]
    Page.objects.filter(object=obj, seq=1).update(access_override=AccessLevel.RESTRICTED)
    response = client.get(f"/so-hoa/{obj.pk}/tai-ve.pdf")
    pdf = pypdfium2.PdfDocument(b"".join(response.streaming_content))
    try:
        assert len(pdf) == 2
    finally:
        pdf.close()


# --- the record page's block ----------------------------------------------------------------------------


@pytest.fixture
def linked(network, record):
    """Return a function making an object of RECORD at the given access level and stage."""

    def make(access=AccessLevel.OPEN, **kwargs):
        return make_object(network["prov"], record=record, title="Bản chụp", texts=TEXTS[:1], access=access,
                           **kwargs)  # fmt: skip

    return make


def test_record_page_offers_an_open_object(client, record, linked):
    obj = linked()
    body = page(client, f"/record/{record.pk}/")
    assert "Bản số" in body and "Đọc trực tuyến" in body
    assert (
        f'href="/so-hoa/{obj.pk}/"' in body
        and f'src="/iiif/3/{obj.pk}-1/full/!200,200/0/default.jpg"' in body
    )


def test_record_page_of_a_restricted_object_prompts_to_sign_in(client, record, linked, reader):
    obj = linked(AccessLevel.RESTRICTED)
    body = page(client, f"/record/{record.pk}/")
    assert "Có bản số hạn chế — đăng nhập để đọc" in body
    assert f"/ban-doc/dang-nhap/?next=/record/{record.pk}/" in html.unescape(body).replace("%2F", "/")
    assert "/iiif/3/" not in body and f"/so-hoa/{obj.pk}/" not in body
    body = page(sign_in(client, reader), f"/record/{record.pk}/")
    assert "đăng nhập để đọc" not in body
    assert f'href="/so-hoa/{obj.pk}/"' in body and f"/iiif/3/{obj.pk}-1/" in body


@pytest.mark.parametrize("hidden", [dict(access=AccessLevel.SECRET), dict(stage=Stage.SELECTED),
                                    dict(embargo_until=dt.date(2999, 1, 1))])  # fmt: skip
def test_record_page_shows_nothing_of_hidden_objects(client, record, linked, hidden, reader, other_library_staff,
                                                     provincial_librarian):  # fmt: skip
    obj = linked(**hidden)
    for who in ("anonymous", "reader", "other staff"):
        if who == "reader":
            sign_in(client, reader)
        elif who == "other staff":
            client.logout()
            client.force_login(other_library_staff)
        body = page(client, f"/record/{record.pk}/")
        assert 'id="digital-h"' not in body and f"/so-hoa/{obj.pk}/" not in body, who
    client.force_login(provincial_librarian)
    assert f'href="/so-hoa/{obj.pk}/"' in page(client, f"/record/{record.pk}/")


def test_record_page_without_objects_has_no_block(client, record):
    assert 'id="digital-h"' not in page(client, f"/record/{record.pk}/")
