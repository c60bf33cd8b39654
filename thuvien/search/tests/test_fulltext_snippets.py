"""Snippets of digital objects' pages in the OPAC's hits: from the database, only pages the viewer may see."""

import pytest
from django.urls import reverse

from thuvien.catalog.actions import save_record
from thuvien.catalog.tests.factories import marc_record
from thuvien.digital.models import AccessLevel, Page
from thuvien.digital.policies import ANONYMOUS
from thuvien.digital.queries import viewer_for_user
from thuvien.digital.testing import make_object
from thuvien.search.fulltext import SNIPPET_WORDS, passage, snippets_for_records
from thuvien.search.indexer import apply_outbox
from thuvien.search.query import fulltext_words

pytestmark = pytest.mark.django_db

SEARCH = reverse("opac:search")


@pytest.fixture
def reader(network):
    from thuvien.patrons.actions import register_reader

    return register_reader(card="TST0101", full_name="Lê Văn Đọc", home_library=network["prov"],
                           category="adult", pin="1234")  # fmt: skip


def sign_in(client, reader):
    assert client.post(reverse("opac:account_login"), {"card": reader.card, "pin": "1234"}).status_code == 302
    return client


@pytest.fixture
def river(network):
    """A public record "Sông Đáy" with one open object: page 1 open, 2 restricted, 3 secret (overrides)."""
    record = save_record(None, marc_record("Sông Đáy quê tôi", "Nguyễn Văn Sông"), library=network["prov"])
    obj = make_object(
        network["prov"],
        record=record,
        title="Sông Đáy quê tôi (bản số)",
        texts=[
            "Trang đầu kể về dòng sông Đáy chảy qua làng Vânđình.",
            "Trang hai chép bí ẩn Đáy sông Hạnchếbạnđọc.",
            "Trang ba là hồ sơ Đáy sông Mậtnhânviên.",
        ],
    )
    Page.objects.filter(object=obj, seq=2).update(access_override=AccessLevel.RESTRICTED)
    Page.objects.filter(object=obj, seq=3).update(access_override=AccessLevel.SECRET)
    apply_outbox()
    return record, obj


def test_passage_marks_the_words_and_escapes_the_rest():
    html, text, found = passage("Trước <b>đó</b>, làng Hòa Bình & xóm Đông.", fulltext_words("hoa binh"))
    assert str(html) == "Trước &lt;b&gt;đó&lt;/b&gt;, làng <mark>Hòa</mark> <mark>Bình</mark> &amp; xóm Đông."
    assert text == "Trước <b>đó</b>, làng Hòa Bình & xóm Đông."
    assert found == 2


def test_passage_is_a_window_of_words_around_the_first_match():
    words = [f"từ{n}" for n in range(100)]
    html, text, _found = passage(" ".join(words[:60]) + " Đích " + " ".join(words[60:]), [("dich", False)])
    assert text.startswith("… ") and text.endswith(" …")
    assert len(text.strip("… ").split()) == SNIPPET_WORDS
    assert "<mark>Đích</mark>" in str(html)
    assert passage("không có gì", [("dich", False)]) is None
    # A word inside a longer word is no match; a truncated query word is.
    assert passage("Đíchthực", [("dich", False)]) is None
    assert passage("Đíchthực", [("dich", True)]) is not None


def test_query_words_for_snippets_leave_out_fields_and_negations():
    assert fulltext_words('sông "Hòa Bình" title:kieu -xa nam*') == [
        ("song", False), ("hoa", False), ("binh", False), ("nam", True),
    ]  # fmt: skip


def test_opac_hit_shows_the_matching_page_with_links(client, river):
    record, obj = river
    page = client.get(SEARCH, {"q": "vandinh"}).content.decode()
    assert f'href="/record/{record.pk}/"' in page
    assert "<mark>Vânđình</mark>" in page
    assert f'href="/so-hoa/{obj.pk}/"' in page and f'href="/so-hoa/{obj.pk}/trang/1/"' in page
    assert "Trang 1" in page


def test_snippets_never_come_from_pages_the_viewer_may_not_see(client, river, reader, provincial_librarian):
    record, obj = river
    # "day song" matches the record by its title, and pages 1, 2 and 3 by their text.
    anonymous = client.get(SEARCH, {"q": "day song"}).content.decode()
    assert f"/so-hoa/{obj.pk}/trang/1/" in anonymous
    assert "Hạnchếbạnđọc" not in anonymous and "Mậtnhânviên" not in anonymous
    assert f"/so-hoa/{obj.pk}/trang/2/" not in anonymous and f"/so-hoa/{obj.pk}/trang/3/" not in anonymous

    as_reader = sign_in(client, reader).get(SEARCH, {"q": "hanchebandoc"}).content.decode()
    assert "<mark>Hạnchếbạnđọc</mark>" in as_reader
    assert "Mậtnhânviên" not in sign_in(client, reader).get(SEARCH, {"q": "day song"}).content.decode()

    staff = viewer_for_user(provincial_librarian)
    seqs = {s.seq for s in snippets_for_records([record.pk], staff, "day song", per_record=5)[record.pk]}
    assert seqs == {1, 2, 3}
    assert {
        s.seq for s in snippets_for_records([record.pk], ANONYMOUS, "day song", per_record=5)[record.pk]
    } == {1}


def test_restricted_text_is_searched_for_readers_and_library_networks_only(client, network, reader, settings):
    record = save_record(None, marc_record("Gia phả họ Trần", "Khuyết danh"), library=network["prov"])
    make_object(network["prov"], record=record, texts=["Cụ tổ Trầnquýcông dựng làng."], access="restricted")
    apply_outbox()
    anonymous = client.get(SEARCH, {"q": "tranquycong"})
    assert f"/record/{record.pk}/" not in anonymous.content.decode()
    assert "private" not in anonymous.get("Cache-Control", "")

    settings.DIGITAL_LIBRARY_NETWORKS = ["127.0.0.0/8"]  # the test client asks from 127.0.0.1
    on_site = client.get(SEARCH, {"q": "tranquycong"})
    assert "<mark>Trầnquýcông</mark>" in on_site.content.decode()
    assert "private" in on_site["Cache-Control"]

    settings.DIGITAL_LIBRARY_NETWORKS = []
    assert (
        "<mark>Trầnquýcông</mark>"
        in sign_in(client, reader).get(SEARCH, {"q": "tranquycong"}).content.decode()
    )


def test_secret_objects_give_snippets_to_their_staff_only(
    client, network, provincial_librarian, other_library_staff
):
    record = save_record(None, marc_record("Biên bản họp làng", "Hội đồng"), library=network["prov"])
    obj = make_object(network["prov"], record=record, texts=["Biên bản ghi Bímậtlàng."], access="secret")
    apply_outbox()
    # The record is public and is found by its title; the object's page is the staff's only.
    client.force_login(other_library_staff)
    page = client.get(SEARCH, {"q": "bien ban"}).content.decode()
    assert f"/record/{record.pk}/" in page and "Bímậtlàng" not in page and f"/so-hoa/{obj.pk}/" not in page
    client.force_login(provincial_librarian)
    assert (
        "<mark>Biên</mark> <mark>bản</mark> ghi Bímậtlàng."
        in client.get(SEARCH, {"q": "bien ban"}).content.decode()
    )
    # Its text is not in the index, for anyone.
    assert f"/record/{record.pk}/" not in client.get(SEARCH, {"q": "bimatlang"}).content.decode()
