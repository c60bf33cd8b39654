"""The plain-text view of a page: its paragraphs, neighbours, a .txt variant, and 404 for whoever may not read it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from thuvien.circulation.tests import conftest as circulation_cast
from thuvien.digital.models import AccessLevel, Page, Stage
from thuvien.digital.testing import make_object
from thuvien.opac.digital_text import paragraphs

pytestmark = pytest.mark.django_db

reader = circulation_cast.reader
TEXT = "Làng Đông Hồ\nbên sông Đuống.\n\nNghề làm tranh <b>dân gian</b>."


@pytest.fixture
def open_object(network):
    obj = make_object(network["prov"], title="Tranh Đông Hồ", texts=["một", "hai", "ba"])
    Page.objects.filter(object=obj, seq=2).update(text=TEXT, label="ii")
    return obj


def sign_in(client, reader):
    assert client.post("/ban-doc/dang-nhap/", {"card": reader.card, "pin": "1234"}).status_code == 302


def test_the_page_text_in_paragraphs_with_its_neighbours(client, open_object):
    response = client.get(f"/so-hoa/{open_object.pk}/trang/2/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<div class="page-text" lang="vi">' in html
    assert "<p>Làng Đông Hồ<br>bên sông Đuống.</p>" in html
    assert "<p>Nghề làm tranh &lt;b&gt;dân gian&lt;/b&gt;.</p>" in html  # text, never markup
    assert "Trang ii" in html and "Tranh Đông Hồ" in html
    assert f'href="/so-hoa/{open_object.pk}/trang/1/" rel="prev"' in html
    assert f'href="/so-hoa/{open_object.pk}/trang/3/" rel="next"' in html
    assert f'href="/so-hoa/{open_object.pk}/"' in html
    assert "nhận dạng tự động" in html and "noindex" not in html
    assert "public" in response["Cache-Control"]
    first = client.get(f"/so-hoa/{open_object.pk}/trang/1/").content.decode()
    assert 'rel="prev"' not in first.split("<main")[1]


def test_prose_is_reflowed_and_verse_keeps_its_lines():
    prose = ("Đình làng được dựng lại vào năm Tự Đức thứ mười hai,\n"
             "gồm ba gian hai chái, mái lợp ngói mũi hài. Các đầu\n"
             "bẩy chạm rồng mây.")  # fmt: skip
    verse = "Ai về bến nước Phú Lộc\nNhớ mua chiếc chiếu hoa về cho em"
    assert paragraphs(f"{prose}\n\n\n{verse}\n") == [
        ["Đình làng được dựng lại vào năm Tự Đức thứ mười hai, gồm ba gian hai chái, mái lợp ngói mũi hài. "
         "Các đầu bẩy chạm rồng mây."],
        ["Ai về bến nước Phú Lộc", "Nhớ mua chiếc chiếu hoa về cho em"],
    ]  # fmt: skip
    assert paragraphs("") == [] and paragraphs("một dòng") == [["một dòng"]]


def test_the_txt_variant(client, open_object):
    response = client.get(f"/so-hoa/{open_object.pk}/trang/2/", {"format": "txt"})
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == TEXT + "\n"
    assert response["Content-Language"] == "vi"


def test_a_page_without_text_says_so(client, network):
    obj = make_object(network["prov"], texts=["x"], with_text=False)
    html = client.get(f"/so-hoa/{obj.pk}/trang/1/").content.decode()
    assert "chưa có văn bản" in html
    assert client.get(f"/so-hoa/{obj.pk}/trang/1/", {"format": "txt"}).content == b""


def test_a_corrected_page_says_so(client, open_object, provincial_librarian):
    Page.objects.filter(object=open_object, seq=2).update(corrected_at=timezone.now())
    assert "đã được thư viện hiệu đính" in client.get(f"/so-hoa/{open_object.pk}/trang/2/").content.decode()


def test_unknown_pages_and_objects_are_404(client, open_object):
    assert client.get(f"/so-hoa/{open_object.pk}/trang/9/").status_code == 404
    assert client.get(f"/so-hoa/{open_object.pk}/trang/0/").status_code == 404
    assert client.get("/so-hoa/999999/trang/1/").status_code == 404
    assert client.post(f"/so-hoa/{open_object.pk}/trang/2/").status_code == 405


def test_a_restricted_object_is_for_signed_in_readers(client, network, reader, other_library_staff):
    obj = make_object(network["prov"], texts=["Hương ước làng"], access=AccessLevel.RESTRICTED)
    url = f"/so-hoa/{obj.pk}/trang/1/"
    assert client.get(url).status_code == 404
    assert client.get(url, {"format": "txt"}).status_code == 404
    sign_in(client, reader)
    response = client.get(url)
    assert response.status_code == 200 and "Hương ước làng" in response.content.decode()
    assert "no-store" in response["Cache-Control"] and "noindex" in response.content.decode()
    assert client.get(url, {"format": "txt"}).content.decode() == "Hương ước làng\n"
    client.logout()
    # Cataloguing staff anywhere in the network read restricted material online (DESIGN.md §7).
    client.force_login(other_library_staff)
    assert client.get(url).status_code == 200


def test_a_secret_object_is_only_for_its_staff(
    client, network, reader, other_library_staff, commune_librarian
):
    obj = make_object(network["commune"], texts=["Gia phả họ Nguyễn"], access=AccessLevel.SECRET)
    url = f"/so-hoa/{obj.pk}/trang/1/"
    assert client.get(url).status_code == 404
    sign_in(client, reader)
    assert client.get(url).status_code == 404
    client.force_login(other_library_staff)
    assert client.get(url).status_code == 404
    assert client.get(url, {"format": "txt"}).status_code == 404
    client.force_login(commune_librarian)
    assert "Gia phả họ Nguyễn" in client.get(url).content.decode()


def test_unpublished_embargoed_and_stricter_pages_are_hidden(client, network, reader):
    draft = make_object(network["prov"], texts=["một"], stage=Stage.REVIEWED)
    later = make_object(
        network["prov"], texts=["một"], embargo_until=timezone.localdate() + dt.timedelta(days=3)
    )
    for obj in (draft, later):
        assert client.get(f"/so-hoa/{obj.pk}/trang/1/").status_code == 404
    obj = make_object(network["prov"], texts=["một", "hai", "ba"])
    Page.objects.filter(object=obj, seq=2).update(access_override=AccessLevel.RESTRICTED)
    assert client.get(f"/so-hoa/{obj.pk}/trang/2/").status_code == 404
    # The neighbours skip the page the visitor may not see.
    html = client.get(f"/so-hoa/{obj.pk}/trang/1/").content.decode()
    assert f'href="/so-hoa/{obj.pk}/trang/3/" rel="next"' in html
    sign_in(client, reader)
    response = client.get(f"/so-hoa/{obj.pk}/trang/2/")
    assert response.status_code == 200 and "private" in response["Cache-Control"]
