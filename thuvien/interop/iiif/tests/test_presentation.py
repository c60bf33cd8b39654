"""IIIF Presentation 3.0: manifests and collections, valid against the official schema, showing only what
the requester may see, and 404 for everything else."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from thuvien import testing
from thuvien.catalog.actions import save_record
from thuvien.catalog.models import Collection
from thuvien.catalog.tests.factories import marc_record
from thuvien.circulation.tests import conftest as circulation_cast
from thuvien.digital.models import AccessLevel, Page, Stage
from thuvien.digital.testing import make_object
from thuvien.interop.iiif import ids

pytestmark = pytest.mark.django_db

reader = circulation_cast.reader
BASE = "http://testserver"
TEXTS = [
    "Lời nói đầu. Địa chí Ninh Bình ghi chép đất và người.",
    "Chương một. Núi sông Hoa Lư, kinh đô nhà Đinh.",
    "Chương một (tiếp). Đền vua Đinh, đền vua Lê.",
    "Chương hai. Làng nghề thêu ren Văn Lâm.",
]
TOC = [
    {"label": "Lời nói đầu", "page": 1},
    {"label": "Chương một", "page": 2},
    {"label": "Chương hai", "page": 4},
]


# --- the schema --------------------------------------------------------------------------------------

_validator = None


@pytest.fixture
def valid():
    """Return a function asserting that a document is valid IIIF Presentation 3.0 (the official JSON Schema)."""
    global _validator
    specs = testing.specs_dir("iiif/presentation-3/iiif_3_0.json")
    if specs is None:
        pytest.skip("IIIF Presentation 3.0 schema not found: set THUVIEN_SPECS to ../shared/specs")
    if _validator is None:
        import jsonschema

        schema = json.loads((specs / "iiif/presentation-3/iiif_3_0.json").read_text())
        cls = jsonschema.validators.validator_for(schema)
        _validator = cls(schema, format_checker=cls.FORMAT_CHECKER)

    def check(doc: dict) -> dict:
        errors = sorted(_validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
        assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message[:300]}" for e in errors[:10])
        return doc

    return check


# --- the cast --------------------------------------------------------------------------------------------


@pytest.fixture
def local_history(network):
    return Collection.objects.create(code="dia-chi", name="Tài liệu địa chí", kind="local_history",
                                     library=network["prov"], description="Tài liệu về đất và người Ninh Bình")  # fmt: skip


@pytest.fixture
def rare(network):
    return Collection.objects.create(
        code="quy-hiem", name="Sách cổ quý hiếm", kind="rare", library=network["prov"]
    )


@pytest.fixture
def book(network, local_history):
    """An open book linked to a catalogue record, with a table of contents."""
    record = save_record(
        None,
        marc_record(
            "Địa chí Ninh Bình", "Nguyễn Văn Trình", subjects=["Địa chí"], year=2001, publisher="Nxb. Văn hóa"
        ),
        library=network["prov"],
    )
    obj = make_object(network["prov"], record=record, title="Địa chí Ninh Bình", texts=TEXTS,
                      collections=[local_history])  # fmt: skip
    obj.toc = TOC
    obj.save(update_fields=["toc"])
    return obj


@pytest.fixture
def restricted(network, local_history):
    return make_object(network["prov"], title="Hương ước làng Yên Mô", texts=TEXTS[:2], access=AccessLevel.RESTRICTED,
                       collections=[local_history])  # fmt: skip


@pytest.fixture
def hidden(network, rare):
    """Objects nobody outside the provincial library's staff may see: secret, unpublished, under embargo."""
    prov = network["prov"]
    return {
        "secret": make_object(prov, title="Gia phả họ Đinh", texts=TEXTS[:1], access=AccessLevel.SECRET,
                              collections=[rare]),
        "unpublished": make_object(prov, title="Sắc phong chưa duyệt", texts=TEXTS[:1], stage=Stage.REVIEWED,
                                   collections=[rare]),
        "embargoed": make_object(prov, title="Luận văn còn hạn chế", texts=TEXTS[:1], collections=[rare],
                                 embargo_until=timezone.localdate() + dt.timedelta(days=30)),
    }  # fmt: skip


def sign_in(client, reader):
    assert client.post("/ban-doc/dang-nhap/", {"card": reader.card, "pin": "1234"}).status_code == 302
    return client


def manifest_url(obj) -> str:
    return f"/iiif/presentation/{obj.pk}/manifest"


def get_json(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/ld+json")
    return response, response.json()


# --- manifests ------------------------------------------------------------------------------------------


def test_the_manifest_of_an_open_book(client, book, valid):
    response, doc = get_json(client, manifest_url(book))
    valid(doc)
    oid = book.pk
    assert doc["@context"] == "http://iiif.io/api/presentation/3/context.json"
    assert (doc["id"], doc["type"]) == (ids.manifest_id(BASE, oid), "Manifest")
    assert doc["label"] == {"vi": ["Địa chí Ninh Bình"]}
    metadata = {m["label"]["vi"][0]: m["value"] for m in doc["metadata"]}
    assert metadata["Tác giả"] == {"none": ["Nguyễn Văn Trình"]}
    assert metadata["Năm xuất bản"] == {"none": ["2001"]}
    assert "Nxb. Văn hóa" in metadata["Nhà xuất bản"]["none"][0]
    assert metadata["Chủ đề"] == {"vi": ["Địa chí"]}
    assert metadata["Bộ sưu tập"] == {"vi": ["Tài liệu địa chí"]}
    assert metadata["Thư viện"] == {"vi": ["Thư viện tỉnh Thử Nghiệm"]}
    assert set(doc["metadata"][0]["label"]) == {"vi", "en"}
    assert doc["requiredStatement"]["value"] == {"vi": ["Thư viện tỉnh Thử Nghiệm"]}
    assert doc["rights"] == book.rights and doc["rights"].startswith("http://rightsstatements.org/vocab/")
    assert doc["provider"][0]["type"] == "Agent" and doc["provider"][0]["id"] == f"{BASE}/libraries/VN-TST/"
    assert doc["homepage"][0]["id"] == f"{BASE}/so-hoa/{oid}/"
    assert doc["thumbnail"][0]["id"] == f"{BASE}/iiif/3/{oid}-1/full/!200,200/0/default.jpg"
    assert {s["id"] for s in doc["seeAlso"]} == {
        f"{BASE}/so-hoa/{oid}/mets.xml",
        f"{BASE}/so-hoa/{oid}/dc.xml",
    }
    assert doc["rendering"][0] == {
        "id": f"{BASE}/so-hoa/{oid}/tai-ve.pdf", "type": "Text", "label": doc["rendering"][0]["label"],
        "format": "application/pdf",
    }  # fmt: skip
    search1 = next(s for s in doc["service"] if s.get("profile") == "http://iiif.io/api/search/1/search")
    assert search1["@id"] == ids.search_service_id(BASE, oid, 1)
    assert any(s.get("type") == "SearchService2" and s["id"] == ids.search_service_id(BASE, oid, 2)
               for s in doc["service"])  # fmt: skip
    assert doc["behavior"] == ["paged"]

    assert len(doc["items"]) == 4
    canvas = doc["items"][1]
    assert canvas["id"] == ids.canvas_id(BASE, oid, 2) and canvas["type"] == "Canvas"
    page = Page.objects.get(object=book, seq=2)
    assert (canvas["width"], canvas["height"]) == (page.width, page.height)
    annotation = canvas["items"][0]["items"][0]
    assert canvas["items"][0]["id"] == ids.annotation_page_id(BASE, oid, 2)
    assert annotation["motivation"] == "painting" and annotation["target"] == canvas["id"]
    body = annotation["body"]
    assert (body["type"], body["format"]) == ("Image", "image/jpeg")
    assert body["service"] == [{"id": f"{BASE}/iiif/3/{oid}-2", "type": "ImageService3", "profile": "level2"}]
    assert body["id"] == f"{BASE}/iiif/3/{oid}-2/full/max/0/default.jpg"
    assert canvas["rendering"][0]["id"] == f"{BASE}/so-hoa/{oid}/trang/2/"
    assert canvas["rendering"][0]["format"] == "text/html"

    # Open to anyone: cacheable by anyone, and other sites' viewers may load it.
    assert "public" in response["Cache-Control"] and response["Access-Control-Allow-Origin"] == "*"


def test_ranges_follow_the_table_of_contents(client, book, valid):
    _, doc = get_json(client, manifest_url(book))
    ranges = [
        (r["label"]["vi"][0], [c["id"].rsplit("/", 1)[1] for c in r["items"]]) for r in doc["structures"]
    ]
    assert ranges == [("Lời nói đầu", ["1"]), ("Chương một", ["2", "3"]), ("Chương hai", ["4"])]
    assert all(r["type"] == "Range" and r["items"][0]["type"] == "Canvas" for r in doc["structures"])


def test_a_page_override_hides_its_canvas_and_its_range(client, book, reader, valid):
    Page.objects.filter(object=book, seq=4).update(access_override=AccessLevel.RESTRICTED)
    Page.objects.filter(object=book, seq=1).update(access_override=AccessLevel.SECRET)
    _, doc = get_json(client, manifest_url(book))
    valid(doc)
    assert [c["id"].rsplit("/", 1)[1] for c in doc["items"]] == ["2", "3"]
    assert [r["label"]["vi"][0] for r in doc["structures"]] == ["Chương một"]
    assert doc["thumbnail"][0]["id"].startswith(f"{BASE}/iiif/3/{book.pk}-2/")

    response, doc = get_json(sign_in(client, reader), manifest_url(book))
    assert [c["id"].rsplit("/", 1)[1] for c in doc["items"]] == ["2", "3", "4"]
    # What this reader got is not what everyone gets: no shared cache may keep it.
    assert "private" in response["Cache-Control"] and "Access-Control-Allow-Origin" not in response


def test_a_restricted_manifest_is_for_signed_in_readers_only(client, restricted, reader, valid):
    assert client.get(manifest_url(restricted)).status_code == 404
    response, doc = get_json(sign_in(client, reader), manifest_url(restricted))
    valid(doc)
    assert len(doc["items"]) == 2
    assert "rendering" not in doc  # read online only: no PDF offered
    assert "width" not in doc["items"][0]["items"][0]["items"][0]["body"]  # full size is not for him
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert "Access-Control-Allow-Origin" not in response


def test_from_a_library_network_a_restricted_manifest_is_readable(client, restricted, settings):
    settings.DIGITAL_LIBRARY_NETWORKS = ["10.20.0.0/16"]
    assert client.get(manifest_url(restricted), REMOTE_ADDR="10.20.3.4").status_code == 200
    assert client.get(manifest_url(restricted), REMOTE_ADDR="10.21.3.4").status_code == 404


@pytest.mark.parametrize("kind", ["secret", "unpublished", "embargoed"])
def test_hidden_manifests_are_404_for_everyone_outside(client, hidden, kind, reader, other_library_staff,
                                                       commune_librarian):  # fmt: skip
    url = manifest_url(hidden[kind])
    assert client.get(url).status_code == 404
    sign_in(client, reader)
    assert client.get(url).status_code == 404
    client.logout()
    for user in (other_library_staff, commune_librarian):
        client.force_login(user)
        assert client.get(url).status_code == 404


@pytest.mark.parametrize("kind", ["secret", "unpublished", "embargoed"])
def test_staff_of_the_owning_library_see_its_hidden_objects(
    client, hidden, kind, provincial_librarian, valid
):
    client.force_login(provincial_librarian)
    response, doc = get_json(client, manifest_url(hidden[kind]))
    valid(doc)
    assert "private" in response["Cache-Control"] and "Access-Control-Allow-Origin" not in response


def test_an_embargo_lifts_on_its_date(client, network):
    obj = make_object(network["prov"], title="Luận văn", texts=TEXTS[:1], embargo_until=timezone.localdate())
    assert client.get(manifest_url(obj)).status_code == 200


def test_unknown_objects_and_objects_without_visible_pages_are_404(client, book):
    assert client.get("/iiif/presentation/999999/manifest").status_code == 404
    Page.objects.filter(object=book).update(access_override=AccessLevel.RESTRICTED)
    assert client.get(manifest_url(book)).status_code == 404


def test_only_get_is_answered(client, book):
    assert client.post(manifest_url(book)).status_code == 405


# --- collections ----------------------------------------------------------------------------------------


def test_the_top_collection_lists_collections_with_visible_objects(client, book, restricted, hidden, valid):
    response, doc = get_json(client, "/iiif/presentation/collection/top")
    valid(doc)
    assert (doc["id"], doc["type"]) == (f"{BASE}/iiif/presentation/collection/top", "Collection")
    assert [(c["id"], c["type"], c["label"]) for c in doc["items"]] == [
        (f"{BASE}/iiif/presentation/collection/dia-chi", "Collection", {"vi": ["Tài liệu địa chí"]})
    ]  # the rare books collection holds only hidden objects
    assert "public" in response["Cache-Control"]


def test_staff_see_the_collections_of_their_hidden_objects(client, book, hidden, provincial_librarian, valid):
    client.force_login(provincial_librarian)
    response, doc = get_json(client, "/iiif/presentation/collection/top")
    assert [c["label"]["vi"][0] for c in doc["items"]] == ["Sách cổ quý hiếm", "Tài liệu địa chí"]
    assert "private" in response["Cache-Control"]


def test_a_collection_lists_the_manifests_the_requester_may_see(
    client, book, restricted, hidden, reader, valid
):
    _, doc = get_json(client, "/iiif/presentation/collection/dia-chi")
    valid(doc)
    assert doc["label"] == {"vi": ["Tài liệu địa chí"]}
    assert doc["summary"] == {"vi": ["Tài liệu về đất và người Ninh Bình"]}
    assert [(m["id"], m["type"]) for m in doc["items"]] == [(ids.manifest_id(BASE, book.pk), "Manifest")]
    assert doc["items"][0]["thumbnail"][0]["id"] == f"{BASE}/iiif/3/{book.pk}-1/full/!200,200/0/default.jpg"
    assert doc["items"][0]["thumbnail"][0]["service"][0]["type"] == "ImageService3"

    _, doc = get_json(sign_in(client, reader), "/iiif/presentation/collection/dia-chi")
    assert {m["id"] for m in doc["items"]} == {ids.manifest_id(BASE, o.pk) for o in (book, restricted)}

    client.logout()
    _, doc = get_json(client, "/iiif/presentation/collection/quy-hiem")
    assert doc["items"] == []


def test_a_collection_to_other_staff_holds_none_of_the_hidden(client, hidden, other_library_staff):
    client.force_login(other_library_staff)
    _, doc = get_json(client, "/iiif/presentation/collection/quy-hiem")
    assert doc["items"] == []
    _, doc = get_json(client, "/iiif/presentation/collection/top")
    assert doc["items"] == []


def test_an_unknown_collection_is_404(client, network):
    assert client.get("/iiif/presentation/collection/khong-co").status_code == 404
