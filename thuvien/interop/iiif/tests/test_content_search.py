"""IIIF Content Search 1.0 and 2.0: matching without diacritics, phrases, paging, shapes, and who gets what."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.utils import timezone

from thuvien.circulation.tests import conftest as circulation_cast
from thuvien.digital.models import AccessLevel, Page, Stage
from thuvien.digital.testing import make_object
from thuvien.interop.iiif import ids
from thuvien.interop.iiif.search import HITS_PER_PAGE

pytestmark = pytest.mark.django_db

reader = circulation_cast.reader
SPECS = Path(__file__).resolve().parents[5] / "shared" / "specs" / "iiif"
BASE = "http://testserver"

# Page 1: two lines of words with boxes, as OCR leaves them.
LINE_1 = ["Hoa", "Lư", "là", "kinh", "đô", "đầu", "tiên"]
LINE_2 = ["của", "nước", "Đại", "Cồ", "Việt,", "năm", "968."]


def boxed(lines: list[list[str]], *, top: int = 100) -> list:
    words = []
    for row, line in enumerate(lines):
        x = 50
        for word in line:
            words.append([word, x, top + row * 60, 20 * len(word), 40])
            x += 20 * len(word) + 15
    return words


def with_words(obj, seq: int, lines: list[list[str]]) -> Page:
    from thuvien.lib.vn_text import fold

    page = obj.pages.get(seq=seq)
    page.words = boxed(lines)
    page.text = "\n".join(" ".join(line) for line in lines)
    page.text_folded = fold(page.text)
    page.save()
    return page


@pytest.fixture
def open_object(network):
    obj = make_object(network["prov"], title="Hoa Lư xưa", texts=["một", "hai", "ba"])
    with_words(obj, 1, [LINE_1, LINE_2])
    with_words(obj, 2, [["Hòa", "bình", "và", "hóa", "học"], ["Hoà", "giải"]])
    with_words(obj, 3, [["Sông", "Hoàng", "Long", "chảy", "qua", "Hoa"], ["Lư"]])
    return obj


def get(client, obj, q, version=1, **params):
    response = client.get(f"/iiif/search/{version}/{obj.pk}", {"q": q, **params})
    assert response.status_code == 200, response.content
    return response.json()


def test_words_typed_without_diacritics_find_words_with_them(client, open_object):
    doc = get(client, open_object, "kinh do")
    assert [h["match"] for h in doc["hits"]] == ["kinh đô"]
    hit = doc["hits"][0]
    assert hit["before"] == "Hoa Lư là " and hit["after"] == " đầu tiên của nước Đại Cồ"
    # Adjacent words on one line: one hit, one box around both words.
    (name,) = hit["annotations"]
    (anno,) = [r for r in doc["resources"] if r["@id"] == name]
    kinh, do = open_object.pages.get(seq=1).words[3:5]
    canvas = ids.canvas_id(BASE, open_object.pk, 1)
    assert anno["on"] == f"{canvas}#xywh={kinh[1]},{kinh[2]},{do[1] + do[3] - kinh[1]},40"
    assert anno["resource"] == {"@type": "cnt:ContentAsText", "chars": "kinh đô"}


def test_a_phrase_over_two_lines_is_one_hit_with_a_box_per_line(client, open_object):
    doc = get(client, open_object, "dau tien cua nuoc")
    (hit,) = doc["hits"]
    assert hit["match"] == "đầu tiên của nước"
    assert len(hit["annotations"]) == 2
    boxes = [r["on"].split("#xywh=")[1] for r in doc["resources"]]
    assert [int(b.split(",")[1]) for b in boxes] == [100, 160]
    # On page 3 the phrase "Hoa Lư" runs over a line break too.
    hits = get(client, open_object, "HOA LU")["hits"]
    assert [len(h["annotations"]) for h in hits] == [1, 2]


def test_case_punctuation_and_diacritics(client, open_object):
    assert [h["match"] for h in get(client, open_object, "viet")["hits"]] == ["Việt,"]
    assert [h["match"] for h in get(client, open_object, "968")["hits"]] == ["968."]
    # Without diacritics: every "hoa"; with them, only those diacritics (the tone's place does not matter).
    assert [h["match"] for h in get(client, open_object, "hoa")["hits"]] == [
        "Hoa",
        "Hòa",
        "hóa",
        "Hoà",
        "Hoa",
    ]
    assert [h["match"] for h in get(client, open_object, "hòa")["hits"]] == ["Hòa", "Hoà"]
    assert [h["match"] for h in get(client, open_object, "Đại")["hits"]] == ["Đại"]
    assert get(client, open_object, "dai")["hits"][0]["match"] == "Đại"
    assert get(client, open_object, "đai")["hits"] == []


def test_all_words_must_be_on_the_page(client, open_object):
    # Not adjacent, but both on page 2: each is a hit of its own.
    assert [h["match"] for h in get(client, open_object, "giai binh")["hits"]] == ["bình", "giải"]
    # Adjacent somewhere on the page: only there.
    assert [h["match"] for h in get(client, open_object, "hoa giai")["hits"]] == ["Hoà giải"]
    assert get(client, open_object, "kinh giai")["hits"] == []
    assert get(client, open_object, "")["hits"] == []
    assert get(client, open_object, "   ,.; ")["within"]["total"] == 0


def test_version_2_highlights_canvas_regions_with_text_in_context(client, open_object):
    doc = get(client, open_object, "kinh do", version=2)
    assert doc["@context"] == "http://iiif.io/api/search/2/context.json"
    assert doc["type"] == "AnnotationPage"
    assert doc["partOf"]["total"] == 1 and doc["startIndex"] == 0
    (item,) = doc["items"]
    assert item["motivation"] == "highlighting"
    assert item["body"]["value"] == "kinh đô"
    source = item["target"]["source"]
    assert source["id"] == ids.canvas_id(BASE, open_object.pk, 1)
    assert source["partOf"] == [{"id": ids.manifest_id(BASE, open_object.pk), "type": "Manifest"}]
    assert item["target"]["selector"][0]["value"].startswith("xywh=")
    (context,) = doc["annotations"][0]["items"]
    assert context["motivation"] == "contextualizing"
    assert context["target"]["source"] == item["id"]
    assert context["target"]["selector"] == [
        {"type": "TextQuoteSelector", "exact": "kinh đô", "prefix": "Hoa Lư là ",
         "suffix": " đầu tiên của nước Đại Cồ"}
    ]  # fmt: skip
    two_lines = get(client, open_object, "dau tien cua", version=2)
    assert len(two_lines["items"]) == 2
    assert [t["source"] for t in two_lines["annotations"][0]["items"][0]["target"]] == [
        i["id"] for i in two_lines["items"]
    ]


def test_many_hits_are_paged(client, network):
    obj = make_object(network["prov"], texts=["một", "hai"])
    with_words(obj, 1, [["đình", "làng"] * 10] * 10)  # 100 on page 1
    with_words(obj, 2, [["làng", "đình"] * 10] * 8)  # 80 on page 2
    first = get(client, obj, "dinh")
    assert first["within"]["total"] == 180 and len(first["hits"]) == HITS_PER_PAGE
    assert first["startIndex"] == 0 and "prev" not in first
    assert first["next"] == f"{BASE}/iiif/search/1/{obj.pk}?q=dinh&page=2"
    assert first["within"]["last"] == first["next"]
    second = get(client, obj, "dinh", page=2)
    assert second["startIndex"] == HITS_PER_PAGE and len(second["hits"]) == 80 and "next" not in second
    assert second["prev"] == f"{BASE}/iiif/search/1/{obj.pk}?q=dinh&page=1"
    assert second["@id"] == first["next"]
    assert {r["on"].split("#")[0] for r in second["resources"]} == {ids.canvas_id(BASE, obj.pk, 2)}
    v2 = get(client, obj, "dinh", version=2, page=2)
    assert v2["partOf"]["total"] == 180 and v2["startIndex"] == 100 and len(v2["items"]) == 80
    assert v2["prev"] == {"id": f"{BASE}/iiif/search/2/{obj.pk}?q=dinh&page=1", "type": "AnnotationPage"}
    assert "next" not in v2
    assert get(client, obj, "dinh", page="x")["startIndex"] == 0
    assert get(client, obj, "dinh", page=9)["hits"] == []


def test_unimplemented_parameters_are_reported_ignored(client, open_object):
    assert get(client, open_object, "hoa", motivation="painting", user="x")["ignored"] == [
        "motivation",
        "user",
    ]
    assert get(client, open_object, "hoa", version=2, date="2020")["ignored"] == ["date"]
    assert "ignored" not in get(client, open_object, "hoa")


# --- shapes against the specifications' contexts -----------------------------------------------------

# The Presentation 3.0 context imports the W3C Web Annotation context (http://www.w3.org/ns/anno.jsonld),
# which ../shared/specs does not hold: these are the terms of it that a Search 2.0 answer uses.
WEB_ANNOTATION_TERMS = {
    "body", "target", "source", "selector", "motivation", "items", "partOf", "first", "last", "next", "prev",
    "total", "startIndex", "value", "format", "language", "exact", "prefix", "suffix", "conformsTo",
    "TextualBody", "SpecificResource", "FragmentSelector", "TextQuoteSelector", "AnnotationPage",
    "AnnotationCollection", "Annotation", "highlighting",
}  # fmt: skip


def _context_terms(name: str) -> set[str]:
    path = SPECS / name / "context.json"
    if not path.is_file():
        pytest.skip(f"{path} not found (the shared specs)")
    ctx = json.loads(path.read_text())["@context"]
    terms: set[str] = set()
    for part in ctx if isinstance(ctx, list) else [ctx]:
        if isinstance(part, dict):
            terms |= set(part)
    return terms


def _keys_and_types(doc, keys: set, types: set) -> None:
    if isinstance(doc, dict):
        for key, value in doc.items():
            keys.add(key)
            if key in ("@type", "type", "motivation"):
                types.add(value)
            _keys_and_types(value, keys, types)
    elif isinstance(doc, list):
        for value in doc:
            _keys_and_types(value, keys, types)


def test_version_1_uses_only_terms_of_its_contexts(client, open_object):
    doc = get(client, open_object, "dau tien cua", motivation="painting")
    assert doc["@context"] == ["http://iiif.io/api/presentation/2/context.json",
                               "http://iiif.io/api/search/1/context.json"]  # fmt: skip
    terms = _context_terms("presentation-2") | _context_terms("search-1")
    keys: set = set()
    types: set = set()
    _keys_and_types(doc, keys, types)
    assert keys - {"@context", "@id", "@type"} <= terms, keys - terms
    # Class and motivation names are compact IRIs whose prefixes the contexts define.
    assert {t.split(":")[0] for t in types} <= terms
    assert types == {"sc:AnnotationList", "sc:Layer", "oa:Annotation", "sc:painting", "cnt:ContentAsText",
                     "search:Hit"}  # fmt: skip


def test_version_2_uses_only_terms_of_its_contexts(client, open_object):
    doc = get(client, open_object, "dau tien cua", version=2, user="x")
    terms = _context_terms("presentation-3") | _context_terms("search-2") | WEB_ANNOTATION_TERMS
    keys: set = set()
    types: set = set()
    _keys_and_types(doc, keys, types)
    assert keys - {"@context"} <= terms, keys - terms
    assert types <= terms, types - terms
    assert {"contextualizing", "highlighting", "Canvas", "Manifest"} <= types


# --- who gets what -----------------------------------------------------------------------------------


def sign_in(client, reader):
    assert client.post("/ban-doc/dang-nhap/", {"card": reader.card, "pin": "1234"}).status_code == 302


@pytest.mark.parametrize("version", [1, 2])
def test_an_open_object_is_searchable_by_anyone_and_from_other_sites(client, open_object, version):
    response = client.get(f"/iiif/search/{version}/{open_object.pk}", {"q": "hoa"})
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "public" in response["Cache-Control"]
    assert response["Content-Type"] == "application/json"
    ld = client.get(
        f"/iiif/search/{version}/{open_object.pk}", {"q": "hoa"}, HTTP_ACCEPT="application/ld+json"
    )
    assert (
        ld["Content-Type"]
        == f'application/ld+json;profile="http://iiif.io/api/search/{version}/context.json"'
    )
    assert client.post(f"/iiif/search/{version}/{open_object.pk}", {"q": "hoa"}).status_code == 405


@pytest.mark.parametrize("version", [1, 2])
def test_a_secret_object_answers_404_to_all_but_its_staff(
    client, network, reader, other_library_staff, provincial_librarian, commune_librarian, version
):
    obj = make_object(network["commune"], texts=["một"], access=AccessLevel.SECRET)
    with_words(obj, 1, [LINE_1])
    url = f"/iiif/search/{version}/{obj.pk}"
    assert client.get(url, {"q": "hoa"}).status_code == 404
    assert client.get(f"/iiif/search/{version}/999999", {"q": "hoa"}).status_code == 404
    sign_in(client, reader)
    assert client.get(url, {"q": "hoa"}).status_code == 404
    client.force_login(other_library_staff)
    assert client.get(url, {"q": "hoa"}).status_code == 404
    for staff in (commune_librarian, provincial_librarian):  # the library's own, and the province above it
        client.force_login(staff)
        response = client.get(url, {"q": "hoa"})
        assert response.status_code == 200
        assert "Access-Control-Allow-Origin" not in response and "private" in response["Cache-Control"]
        assert response.json()["within" if version == 1 else "partOf"]["total"] == 1


@pytest.mark.parametrize("version", [1, 2])
def test_a_restricted_object_is_for_signed_in_readers(client, network, reader, other_library_staff, version):
    obj = make_object(network["prov"], texts=["một"], access=AccessLevel.RESTRICTED)
    with_words(obj, 1, [LINE_1])
    url = f"/iiif/search/{version}/{obj.pk}"
    assert client.get(url, {"q": "hoa"}).status_code == 404
    sign_in(client, reader)
    response = client.get(url, {"q": "hoa"})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response and "no-store" in response["Cache-Control"]
    assert "Cookie" in response["Vary"]
    client.logout()
    # Cataloguing staff anywhere in the network read restricted material online (DESIGN.md §7).
    client.force_login(other_library_staff)
    assert client.get(url, {"q": "hoa"}).status_code == 200


def test_restricted_material_is_open_on_the_library_network(client, network, settings):
    settings.DIGITAL_LIBRARY_NETWORKS = ["10.20.0.0/16"]
    obj = make_object(network["prov"], texts=["một"], access=AccessLevel.RESTRICTED)
    with_words(obj, 1, [LINE_1])
    assert client.get(f"/iiif/search/1/{obj.pk}", {"q": "hoa"}, REMOTE_ADDR="10.20.3.4").status_code == 200
    assert client.get(f"/iiif/search/1/{obj.pk}", {"q": "hoa"}, REMOTE_ADDR="10.21.3.4").status_code == 404


def test_unpublished_and_embargoed_objects_are_hidden(client, network, provincial_librarian):
    draft = make_object(network["prov"], texts=["một"], stage=Stage.OCR)
    future = timezone.localdate() + dt.timedelta(days=30)
    embargoed = make_object(network["prov"], texts=["một"], embargo_until=future)
    for obj in (draft, embargoed):
        with_words(obj, 1, [LINE_1])
        assert client.get(f"/iiif/search/1/{obj.pk}", {"q": "hoa"}).status_code == 404
    client.force_login(provincial_librarian)
    assert client.get(f"/iiif/search/2/{draft.pk}", {"q": "hoa"}).status_code == 200


def test_a_page_kept_stricter_is_not_searched(client, open_object, reader, provincial_librarian):
    Page.objects.filter(object=open_object, seq=3).update(access_override=AccessLevel.SECRET)
    Page.objects.filter(object=open_object, seq=2).update(access_override=AccessLevel.RESTRICTED)
    response = client.get(f"/iiif/search/1/{open_object.pk}", {"q": "hoa"})
    assert [h["match"] for h in response.json()["hits"]] == ["Hoa"]  # page 1 only
    # What an anonymous visitor gets is not what another gets: no shared caching.
    assert "Access-Control-Allow-Origin" not in response and "private" in response["Cache-Control"]
    sign_in(client, reader)
    assert len(get(client, open_object, "hoa")["hits"]) == 4  # pages 1 and 2
    client.force_login(provincial_librarian)
    assert len(get(client, open_object, "hoa", version=2)["items"]) == 5  # all three pages
