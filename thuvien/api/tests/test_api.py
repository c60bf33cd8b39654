import json

import pytest
from django.core.management import call_command

from thuvien.catalog.models import Item, Record
from thuvien.catalog.tests.factories import import_records, marc_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(network):
    import_records(
        [
            marc_record(
                "Truyện Kiều", "Nguyễn Du", holdings=[("VN-TST", "B001", "895"), ("VN-TST-XA", "B002", "895")]
            ),
            marc_record("Bản ẩn", "Ai đó"),
        ]
    )
    hidden = Record.objects.get(title="Bản ẩn")
    from thuvien.catalog.actions import set_suppressed
    from thuvien.search.indexer import apply_outbox

    set_suppressed(hidden, True)
    apply_outbox()
    return Record.objects.get(title="Truyện Kiều"), hidden


def test_api_search_answers_the_same_json_as_the_cli(client, catalogue, capsys):
    response = client.get("/api/v1/search", {"q": "truyen kieu"})
    assert response.status_code == 200
    api = response.json()
    call_command("search", "truyen kieu", "--json", "--limit", "20")
    cli = json.loads(capsys.readouterr().out)
    assert api == cli
    assert api["total"] == 1
    hit = api["hits"][0]
    assert set(hit) == {"id", "title", "author", "year", "score", "items", "snippets"}
    assert {i["library"] for i in hit["items"]} == {"VN-TST", "VN-TST-XA"}
    assert {"barcode", "library", "status"} == set(hit["items"][0])


def test_api_library_scope_and_paging(client, catalogue):
    scoped = client.get("/api/v1/search", {"q": "kieu", "library": "VN-TST-XA"}).json()
    assert [i["library"] for i in scoped["hits"][0]["items"]] == ["VN-TST-XA"]
    assert client.get("/api/v1/search", {"q": "kieu", "page": 2}).json()["hits"] == []


def test_suppressed_records_are_invisible(client, catalogue):
    _visible, hidden = catalogue
    assert client.get("/api/v1/search", {"q": "ban an"}).json()["total"] == 0
    assert client.get(f"/api/v1/records/{hidden.pk}").status_code == 404
    assert client.get(f"/record/{hidden.pk}/").status_code == 404


def test_record_and_items_with_live_availability(client, catalogue):
    record, _hidden = catalogue
    data = client.get(f"/api/v1/records/{record.pk}").json()
    assert data["title"] == "Truyện Kiều" and data["marc"]["fields"]
    Item.objects.filter(barcode="B001").update(status="checked_out")  # no reindex: availability is live
    items = {i["barcode"]: i for i in client.get(f"/api/v1/records/{record.pk}/items").json()}
    assert items["B001"]["available"] is False and items["B002"]["available"] is True


def test_libraries_and_openapi(client, catalogue):
    libraries = client.get("/api/v1/libraries").json()
    assert {"VN-TST", "VN-TST-XA"} <= {lib["code"] for lib in libraries}
    assert client.get("/api/v1/openapi.json").status_code == 200
    assert client.get("/api/v1/docs").status_code == 200
    assert client.get("/api/docs")["Location"] == "/api/v1/docs"
