"""The digital objects API: what each caller may read, 404 for the rest, IIIF addresses, search snippets."""

import datetime as dt

import pytest
from django.utils import timezone

from thuvien.api.auth import issue_token, reader_token
from thuvien.catalog.actions import save_record
from thuvien.catalog.models import Collection
from thuvien.catalog.tests.factories import marc_record
from thuvien.digital.models import AccessLevel, Page, Stage
from thuvien.digital.testing import make_object
from thuvien.search.indexer import apply_outbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(network):
    from thuvien.patrons.actions import register_reader

    return register_reader(card="TST0201", full_name="Phạm Thị Đọc", home_library=network["prov"],
                           category="adult", pin="1234")  # fmt: skip


def bearer(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def objects(network):
    local = Collection.objects.create(code="dia-chi", name="Tài liệu địa chí", kind="local_history")
    record = save_record(None, marc_record("Địa chí Thử Nghiệm", "Ban biên soạn"), library=network["prov"])
    made = {
        "open": make_object(network["prov"], record=record, title="Địa chí (bản số)", collections=[local],
                            texts=["Trang một Mởmột.", "Trang hai Mởhai.", "Trang ba Mởba."]),
        "restricted": make_object(network["prov"], title="Gia phả", access=AccessLevel.RESTRICTED,
                                  texts=["Gia phả Hạnchế."]),
        "secret": make_object(network["commune"], title="Hồ sơ xã", access=AccessLevel.SECRET,
                              texts=["Hồ sơ Mậtxã."], collections=[local]),
        "draft": make_object(network["prov"], title="Bản nháp", stage=Stage.OCR, texts=["Nháp."]),
        "embargoed": make_object(network["prov"], title="Luận văn",
                                 embargo_until=timezone.localdate() + dt.timedelta(days=10), texts=["Cấm."]),
    }  # fmt: skip
    Page.objects.filter(object=made["open"], seq=3).update(access_override=AccessLevel.SECRET)
    apply_outbox()
    return made


def listed(client, **extra):
    response = client.get("/api/v1/digital/objects", {"limit": 100}, **extra)
    assert response.status_code == 200, response.content
    return {o["id"] for o in response.json()["objects"]}


def test_the_public_lists_and_reads_open_objects_only(client, objects):
    assert listed(client) == {objects["open"].pk}
    for name in ("restricted", "secret", "draft", "embargoed"):
        assert client.get(f"/api/v1/digital/objects/{objects[name].pk}").status_code == 404, name
    assert client.get("/api/v1/digital/objects/999999").status_code == 404


def test_object_detail_names_its_iiif_services_and_visible_pages(client, objects):
    obj = objects["open"]
    data = client.get(f"/api/v1/digital/objects/{obj.pk}").json()
    base = "http://testserver"
    assert data["manifest"] == f"{base}/iiif/presentation/{obj.pk}/manifest"
    assert data["search_service"] == f"{base}/iiif/search/2/{obj.pk}"
    assert data["url"] == f"{base}/so-hoa/{obj.pk}/"
    assert data["record"] == obj.record_id and data["standalone"] is False
    assert data["access"] == "open" and data["downloadable"] is True
    assert data["collections"] == ["dia-chi"]
    # Page 3 is overridden to secret: it is not listed.
    assert [(p["seq"], p["image_service"]) for p in data["pages"]] == [
        (1, f"{base}/iiif/3/{obj.pk}-1"),
        (2, f"{base}/iiif/3/{obj.pk}-2"),
    ]
    assert data["thumbnail"] == f"{base}/iiif/3/{obj.pk}-1/full/!200,200/0/default.jpg"


def test_a_reader_reads_restricted_objects_but_may_not_download_them(client, objects, reader):
    token, _expires = reader_token(reader)
    assert listed(client, **bearer(token)) == {objects["open"].pk, objects["restricted"].pk}
    data = client.get(f"/api/v1/digital/objects/{objects['restricted'].pk}", **bearer(token)).json()
    assert data["access"] == "restricted" and data["downloadable"] is False
    assert data["standalone"] is True and data["dc"]["title"] == "Gia phả"
    assert client.get(f"/api/v1/digital/objects/{objects['secret'].pk}", **bearer(token)).status_code == 404


def test_a_suspended_or_expired_card_reads_as_the_public(client, objects, reader):
    token, _expires = reader_token(reader)
    reader.expires_on = timezone.localdate() - dt.timedelta(days=1)
    reader.save(update_fields=["expires_on"])
    assert listed(client, **bearer(token)) == {objects["open"].pk}
    reader.expires_on = None
    reader.status = "suspended"
    reader.save(update_fields=["expires_on", "status"])
    assert listed(client, **bearer(token)) == {objects["open"].pk}


def test_staff_see_their_libraries_secret_and_unpublished_objects(client, objects, provincial_librarian):
    _token, secret = issue_token(provincial_librarian)
    assert listed(client, **bearer(secret)) == {o.pk for o in objects.values()}
    data = client.get(f"/api/v1/digital/objects/{objects['secret'].pk}", **bearer(secret)).json()
    assert data["access"] == "secret" and data["library"] == "VN-TST-XA"
    # The owning library's staff see every page, the secret one too.
    detail = client.get(f"/api/v1/digital/objects/{objects['open'].pk}", **bearer(secret)).json()
    assert [p["seq"] for p in detail["pages"]] == [1, 2, 3]


def test_staff_of_another_library_see_no_secret_or_unpublished_object(client, objects, other_library_staff):
    _token, secret = issue_token(other_library_staff)
    # Staff of the network read restricted material online, as readers do; nothing secret or unpublished.
    assert listed(client, **bearer(secret)) == {objects["open"].pk, objects["restricted"].pk}
    for name in ("secret", "draft", "embargoed"):
        assert client.get(f"/api/v1/digital/objects/{objects[name].pk}", **bearer(secret)).status_code == 404
    detail = client.get(f"/api/v1/digital/objects/{objects['open'].pk}", **bearer(secret)).json()
    assert [p["seq"] for p in detail["pages"]] == [1, 2]
    client.force_login(other_library_staff)  # the staff pages' session: the same answer
    assert client.get(f"/api/v1/digital/objects/{objects['secret'].pk}").status_code == 404


def test_filters_and_paging(client, objects, provincial_librarian):
    _token, secret = issue_token(provincial_librarian)
    by_collection = client.get("/api/v1/digital/objects", {"collection": "dia-chi"}, **bearer(secret)).json()
    assert {o["id"] for o in by_collection["objects"]} == {objects["open"].pk, objects["secret"].pk}
    public = client.get("/api/v1/digital/objects", {"collection": "dia-chi"}).json()
    assert public["total"] == 1
    by_record = client.get("/api/v1/digital/objects", {"record": objects["open"].record_id}).json()
    assert [o["id"] for o in by_record["objects"]] == [objects["open"].pk]
    first = client.get("/api/v1/digital/objects", {"limit": 2, "page": 1}, **bearer(secret)).json()
    second = client.get("/api/v1/digital/objects", {"limit": 2, "page": 2}, **bearer(secret)).json()
    assert first["total"] == second["total"] == 5 and len(first["objects"]) == 2
    assert not {o["id"] for o in first["objects"]} & {o["id"] for o in second["objects"]}
    assert client.get("/api/v1/digital/objects", {"limit": 10**6}).json()["limit"] == 100


def test_a_bad_token_is_refused_not_taken_as_the_public(client, objects):
    assert client.get("/api/v1/digital/objects", **bearer("thv_khongcodau")).status_code == 401
    assert client.get("/api/v1/digital/objects", **bearer("rac")).status_code == 401
    assert client.get("/api/v1/digital/objects", HTTP_AUTHORIZATION="Basic abc").status_code == 401


def test_api_search_has_snippets_at_the_callers_tier(client, objects, reader):
    hits = client.get("/api/v1/search", {"q": "mohai"}).json()["hits"]
    assert [h["id"] for h in hits] == [objects["open"].record_id]
    (snippet,) = hits[0]["snippets"]
    assert snippet["page"] == 2 and snippet["object"] == objects["open"].pk
    assert snippet["html"] == "Trang hai <mark>Mởhai</mark>."
    assert snippet["text_url"] == f"/so-hoa/{objects['open'].pk}/trang/2/"
    # The secret page's words are not found, nor shown when the record is found otherwise.
    assert client.get("/api/v1/search", {"q": "moba"}).json()["total"] == 0
    assert all(
        s["page"] != 3 for s in client.get("/api/v1/search", {"q": "trang"}).json()["hits"][0]["snippets"]
    )
    # A restricted standalone object's surrogate record is suppressed: not found, even by a reader.
    token, _expires = reader_token(reader)
    assert client.get("/api/v1/search", {"q": "hanche"}, **bearer(token)).json()["total"] == 0


def test_the_openapi_document_describes_the_digital_routes(client, network):
    schema = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/digital/objects", "/api/v1/digital/objects/{object_id}"} <= set(schema["paths"])
