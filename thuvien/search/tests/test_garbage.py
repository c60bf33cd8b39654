"""Acceptance 6: no page or API route answers 500 to garbage."""

import pytest

from thuvien.catalog.tests.factories import import_records, marc_record

pytestmark = pytest.mark.django_db

GARBAGE = [
    "",
    " ",
    "x" * 10_000,
    '"unbalanced',
    "((((",
    "))))",
    "a AND (b OR",
    '"',
    "*",
    "**",
    "-",
    "--x",
    "NOT",
    "OR OR OR",
    "title:",
    ":",
    "title:(",
    "year:abc",
    "year:1990-",
    "year:-99999999999999999999",
    "isbn:xyz",
    "'; DROP TABLE catalog_record; --",
    "<script>alert(1)</script>",
    "%00",
    "\x00",
    "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
    "a" * 300 + "*",
    "callno:",
    "callno:.*",
    "[a-z]+",
    "\\",
    "{}",
    'title:""',
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "(a) (b) (c)" * 50,
]


@pytest.fixture
def catalogue(network):
    import_records([marc_record("Truyện Kiều", "Nguyễn Du", holdings=[("VN-TST", "B001", "895")])])


@pytest.mark.parametrize("q", GARBAGE)
def test_search_pages_and_api_survive_garbage_queries(client, catalogue, q):
    for url in ("/search", "/api/v1/search", "/suggest"):
        response = client.get(url, {"q": q})
        assert response.status_code == 200, (url, q, response.status_code)


@pytest.mark.parametrize(
    "params",
    [
        {"q": "kieu", "page": "-1"},
        {"q": "kieu", "page": "999999999999999999999"},
        {"q": "kieu", "page": "abc"},
        {"q": "kieu", "type": "nonsense"},
        {"q": "kieu", "lang": "<b>"},
        {"q": "kieu", "library": "VN-NOPE"},
        {"q": "kieu", "library": "x" * 5000},
        {"q": "kieu", "year": "abc-def"},
        {"q": "kieu", "sort": "evil"},
        {"q": "kieu", "per_page": "100000"},
        {"q": "kieu", "subject": "x" * 5000},
        {"q": "kieu", "available": "yes"},
        {"q": "kieu", "year": "2000-1990"},
    ],
)
def test_search_pages_and_api_survive_garbage_parameters(client, catalogue, params):
    assert client.get("/search", params).status_code == 200
    api_params = {k: v for k, v in params.items() if k in ("q", "library", "sort")}
    assert client.get("/api/v1/search", api_params).status_code == 200
    response = client.get("/api/v1/search", {"q": "kieu", "page": params.get("page", "1")})
    assert response.status_code in (200, 422)


def test_unknown_record_and_library_pages_are_404(client, catalogue):
    assert client.get("/record/999999/").status_code == 404
    assert client.get("/record/999999/marc").status_code == 404
    assert client.get("/libraries/VN-NOPE/").status_code == 404
    assert client.get("/api/v1/records/999999").status_code == 404
