"""Acceptance 4: nothing of a digital object a visitor may not read comes out of any public path (DESIGN.md §7).

The cast: ten objects — open, restricted, secret, embargoed (open once the embargo lifts) and unpublished
(open once published) — each once standalone (Dublin Core and a surrogate catalogue record) and once
linked to a public catalogue record. Each has a made-up word in its title (``Tiêuđề<code>``) and another in
its page text (``Nộidung<code>``); every page also holds ``Liênkếtchung`` (the word of the linked records'
titles) and ``Chữchung``, so that one search touches every object and its facet counts can be compared.

Who asks: an anonymous visitor; a signed-in reader (who reads restricted material online, so for the
restricted objects the "reader without rights" is the anonymous visitor and a reader whose card was
suspended after he signed in); a computer on a library's own network; staff of the owning library; staff
of another province.

Every check has a positive control in the same test: the open objects ARE served or found there (200, the
word present), so that a missing or broken route fails instead of passing as "no leak".

Paths: OPAC hits and snippets, facet counts, title suggestions, the REST API (search, records, digital
objects), OAI-PMH (oai_dc and marc21: ListRecords, ListIdentifiers, GetRecord), SRU (the words and
cql.anywhere), Z39.50 (the target the daemon runs), the open-data dumps (every format), IIIF image
information and images (thumbnails included), manifests and IIIF collections, IIIF Content Search 1.0 and
2.0, the OPAC's digital library (list, object page, page text, PDF, METS, Dublin Core) and the record page.
Sitemaps: the project has none (no sitemap framework in INSTALLED_APPS, no sitemap URL); a sitemap added
later brings its own leak test.
"""

from __future__ import annotations

import datetime as dt
import gzip
import html
import json
import re
from dataclasses import dataclass

import pytest
from django.utils import timezone

from thuvien.api.auth import issue_token, reader_token
from thuvien.catalog.actions import save_record
from thuvien.catalog.models import Collection, Record
from thuvien.catalog.tests.factories import marc_record
from thuvien.digital.models import AccessLevel, DigitalObject, Page, Stage
from thuvien.digital.testing import make_object
from thuvien.lib.vn_text import fold, tokens
from thuvien.search.indexer import apply_outbox

pytestmark = pytest.mark.django_db

# code → (access, stage, embargoed)
LEVELS = {
    "mo": (AccessLevel.OPEN, Stage.PUBLISHED, False),
    "hc": (AccessLevel.RESTRICTED, Stage.PUBLISHED, False),
    "mat": (AccessLevel.SECRET, Stage.PUBLISHED, False),
    "cam": (AccessLevel.OPEN, Stage.PUBLISHED, True),
    "nhap": (AccessLevel.OPEN, Stage.REVIEWED, False),
}
KINDS = ("dl", "lk")  # độc lập (standalone), liên kết (linked to a catalogue record)
CODES = [level + kind for level in LEVELS for kind in KINDS]
OPEN = {"modl", "molk"}
READABLE = {"anonymous": OPEN, "reader": OPEN | {"hcdl", "hclk"}}
SEARCH = "/search"
SHARED = "lienketchung"


def title_word(code: str) -> str:
    return f"tieude{code}"


def text_word(code: str) -> str:
    return f"noidung{code}"


def words(codes) -> list[str]:
    return [w for code in sorted(codes) for w in (title_word(code), text_word(code))]


@dataclass
class Cast:
    objects: dict[str, DigitalObject]
    collection: Collection

    def id(self, code: str) -> int:
        return self.objects[code].pk

    def record(self, code: str) -> int:
        return self.objects[code].record_id


@pytest.fixture
def cast(network) -> Cast:
    collection = Collection.objects.create(code="so-hoa-thu", name="Bộ sưu tập số thử", kind="local_history")
    objects = {}
    for n, code in enumerate(CODES, 1):
        access, stage, embargoed = LEVELS[code[:-2]]
        record = None
        if code.endswith("lk"):
            record = save_record(
                None, marc_record(f"Liênkếtchung số {n}", "Ban biên soạn"), library=network["prov"]
            )
        text = f"Liênkếtchung Chữchung Nộidung{code} ở trang một."
        obj = make_object(
            network["prov"], record=record, title=f"Tiêuđề{code}", texts=[text], access=access, stage=stage,
            embargo_until=timezone.localdate() + dt.timedelta(days=30) if embargoed else None,
            collections=[collection],
        )  # fmt: skip
        # Word boxes as the OCR would give them (content search reads them): one line across the page.
        page = Page.objects.get(object=obj, seq=1)
        page.words = [[w, 20 + 60 * i, 40, 55, 14] for i, w in enumerate(tokens(text))]
        page.save(update_fields=["words"])
        objects[code] = obj
    apply_outbox()
    return Cast(objects, collection)


@pytest.fixture
def reader(network):
    from thuvien.patrons.actions import register_reader

    return register_reader(card="TST0301", full_name="Võ Thị Đọc", home_library=network["prov"],
                           category="adult", pin="1234")  # fmt: skip


@pytest.fixture(params=["anonymous", "reader"])
def who(request, client, reader):
    """An anonymous visitor, or a reader signed in to the OPAC (the client is signed in as him)."""
    if request.param == "reader":
        assert client.post("/ban-doc/dang-nhap/", {"card": reader.card, "pin": "1234"}).status_code == 302
    return request.param


def text_of(response) -> str:
    """The body as a reader of it would see its text: JSON unescaped, XML and HTML entities resolved, folded."""
    body = response.content
    if response.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    text = body.decode("utf-8", "replace")
    if "json" in response.get("Content-Type", ""):
        text = json.dumps(json.loads(text), ensure_ascii=False)
    return fold(html.unescape(text))


def found_words(text: str, candidates) -> set[str]:
    return {w for w in candidates if w in text}


def hidden_codes(who: str) -> set[str]:
    return set(CODES) - READABLE[who]


# --- the OPAC's search: hits, snippets, facets --------------------------------------------------------


def opac_hits(client, q: str) -> list[int]:
    body = client.get(SEARCH, {"q": q}).content.decode()
    return [int(n) for n in re.findall(r'<li class="hit">\s*<h2><a href="/record/(\d+)/"', body)]


def test_opac_search_finds_only_what_the_visitor_may_read(client, cast, who):
    # Indexed: a standalone object's title through its surrogate record (only while open), the page text
    # of open objects for anyone and of restricted ones for readers. Never: secret, embargoed, unpublished.
    findable = {title_word("modl"), text_word("modl"), text_word("molk")}
    if who == "reader":
        findable.add(text_word("hclk"))
    for word in words(CODES):
        hits = opac_hits(client, word)
        if word in findable:
            assert hits, f"positive control: {word} must be found by {who}"
        else:
            assert hits == [], f"{word} leaked to {who}"


def test_opac_title_suggestions(client, cast):
    def suggested(prefix):
        return client.get("/suggest", {"q": prefix, "format": "json"}).json()["suggestions"]

    assert suggested("tieude") == ["Tiêuđềmodl"]  # the only surrogate record the public may see
    for code in CODES:
        assert fold(" ".join(suggested(title_word(code)))) == (title_word(code) if code == "modl" else ""), (
            code
        )


def test_opac_snippets_show_only_pages_the_visitor_may_read(client, cast, who):
    # The linked records are public and all found by their title word; the standalone open one by its text.
    response = client.get(SEARCH, {"q": SHARED})
    hits = opac_hits(client, SHARED)
    assert {cast.record(c) for c in CODES if c.endswith("lk")} <= set(hits)
    text = text_of(response)
    visible = {"modl", "molk"} | ({"hclk"} if who == "reader" else set())
    assert found_words(text, [text_word(c) for c in visible]) == {text_word(c) for c in visible}
    assert found_words(text, words(hidden_codes(who))) == set()
    for code in hidden_codes(who):
        assert f"/so-hoa/{cast.id(code)}/" not in response.content.decode()


def facet_total(client, q: str) -> tuple[int, int]:
    body = client.get(SEARCH, {"q": q}).content.decode()
    total = int(re.search(r'id="results-h"[^>]*>\s*(\d+)', body).group(1))
    types = body.split("<h3>Loại tài liệu</h3>", 1)[1].split("</section>", 1)[0] if total else ""
    return total, sum(int(n) for n in re.findall(r'<span class="count">(\d+)</span>', types))


def test_facet_counts_count_only_what_the_visitor_may_read(client, cast, who):
    # "Chữchung" is on every page: what it finds is exactly the full text the visitor may search.
    expected = 3 if who == "reader" else 2  # open standalone and linked; and the restricted linked one
    assert facet_total(client, "chuchung") == (expected, expected)


# --- the REST API ---------------------------------------------------------------------------------------


def api_auth(who: str, reader) -> dict:
    if who == "reader":
        token, _expires = reader_token(reader)
        return {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    return {}


def test_api_search_and_digital_objects(client, cast, who, reader):
    auth = api_auth(who, reader)
    findable = {title_word("modl"), text_word("modl"), text_word("molk")}
    if who == "reader":
        findable.add(text_word("hclk"))
    for word in words(CODES):
        total = client.get("/api/v1/search", {"q": word}, **auth).json()["total"]
        assert bool(total) == (word in findable), (word, who)
    shared = client.get("/api/v1/search", {"q": SHARED, "limit": 100}, **auth)
    assert text_word("molk") in text_of(shared)
    assert found_words(text_of(shared), words(hidden_codes(who))) == set()

    for code in CODES:
        if code.endswith("dl"):  # the surrogate record: public only while its object is open
            status = client.get(f"/api/v1/records/{cast.record(code)}", **auth).status_code
            assert status == (200 if code == "modl" else 404), (code, who)
    listing = client.get("/api/v1/digital/objects", {"limit": 100}, **auth)
    assert {o["id"] for o in listing.json()["objects"]} == {cast.id(c) for c in READABLE[who]}
    assert found_words(text_of(listing), words(hidden_codes(who))) == set()
    for code in CODES:
        response = client.get(f"/api/v1/digital/objects/{cast.id(code)}", **auth)
        if code in READABLE[who]:
            assert response.status_code == 200 and title_word(code) in text_of(response)
        else:
            assert response.status_code == 404, (code, who)


# --- protocols: OAI-PMH, SRU, Z39.50, dumps (no reader there: what they give, they give to anyone) ---


@pytest.fixture
def oai(client, settings):
    settings.OAI_REPOSITORY_IDENTIFIER = "thuvien.test"

    def get(**params):
        response = client.get("/oai", params)
        assert response.status_code == 200
        return response

    return get


@pytest.mark.parametrize("prefix", ["oai_dc", "marc21"])
def test_oai_pmh(oai, cast, prefix):
    hidden = hidden_codes("anonymous")
    listed = text_of(oai(verb="ListRecords", metadataPrefix=prefix))
    assert title_word("modl") in listed  # positive control
    assert found_words(listed, words(hidden)) == set()
    identifiers = oai(verb="ListIdentifiers", metadataPrefix=prefix).content.decode()
    assert f"oai:thuvien.test:{cast.record('modl')}<" in identifiers
    for code in CODES:
        response = oai(
            verb="GetRecord", identifier=f"oai:thuvien.test:{cast.record(code)}", metadataPrefix=prefix
        )
        body = response.content.decode()
        if code == "modl":
            assert "<metadata>" in body and title_word(code) in text_of(response)
        elif code.endswith("dl"):
            # A surrogate record the public may not see: a deleted header (harvesters drop it), nothing else.
            assert 'status="deleted"' in body and "<metadata>" not in body, code
        assert found_words(text_of(response), words(hidden)) == set(), code
        # Page text is never in a protocol's records, not even an open object's.
        assert found_words(text_of(response), [text_word(c) for c in CODES]) == set()


def sru_count(client, query: str) -> int:
    response = client.get("/sru", {"query": query, "maximumRecords": "100"})
    assert response.status_code == 200
    return int(re.search(r"numberOfRecords>(\d+)<", response.content.decode()).group(1))


def test_sru(client, cast):
    assert sru_count(client, title_word("modl")) == 1  # positive control
    assert sru_count(client, f"cql.anywhere = {title_word('modl')}") == 1
    for word in words(CODES):
        if word == title_word("modl"):
            continue
        # Protocol searches never search full text: open objects' page words are not found either.
        assert sru_count(client, word) == 0, word
        assert sru_count(client, f"cql.anywhere = {word}") == 0, word
        assert sru_count(client, f'cql.anywhere all "{word}"') == 0, word
    everything = client.get("/sru", {"query": "cql.allRecords = 1", "maximumRecords": "100"})
    assert title_word("modl") in text_of(everything)
    assert found_words(text_of(everything), words(hidden_codes("anonymous"))) == set()


def test_z3950(cast, settings):
    from thuvien.interop.z3950 import ber, pdu, rpn
    from thuvien.interop.z3950.service import Session, Target

    settings.Z3950_AUTH = "none"
    target = Target()
    session = Session(1, "192.0.2.1")
    assert target.init(session, pdu.InitRequest(options={"search", "present", "namedResultSets"})).result

    def count(pqf: str) -> int:
        query = ber.decode(rpn.encode_query(rpn.parse_pqf(pqf)))
        return target.search(session, pdu.SearchRequest(query=query, result_set_name="default")).count

    def presented(n: int) -> str:
        answer = target.present(session, pdu.PresentRequest("default", 1, n))
        return fold(" ".join(r.data.decode("utf-8", "replace") for r in answer.records))

    assert count(f"@attr 1=1016 {title_word('modl')}") == 1  # positive control
    assert title_word("modl") in presented(1)
    for word in words(CODES):
        if word != title_word("modl"):
            assert count(f"@attr 1=1016 {word}") == 0, word
            assert count(f"@attr 1=1035 {word}") == 0, word
    # The linked records are public: presented in full, they carry nothing of their hidden objects.
    assert count(f"@attr 1=4 {SHARED}") == 5
    marc = presented(5)
    assert marc.count(SHARED) == 5
    assert found_words(marc, words(hidden_codes("anonymous"))) == set()


def test_open_data_dumps(cast, settings, tmp_path):
    from thuvien.interop.opendata.dumps import FORMATS, Scope, write_to

    settings.OPEN_DATA_DIR = str(tmp_path / "opendata")
    settings.SITE_URL = "https://thuvien.example.vn"
    written = write_to(Scope.network(), FORMATS, tmp_path / "opendata")
    assert len(written) == len(FORMATS)
    for dump in written:
        with gzip.open(dump.path, "rb") as handle:
            text = fold(html.unescape(handle.read().decode("utf-8-sig")))
        assert title_word("modl") in text, dump.path.name  # positive control
        assert found_words(text, words(hidden_codes("anonymous"))) == set(), dump.path.name
        assert found_words(text, [text_word(c) for c in CODES]) == set(), dump.path.name


# --- IIIF and the OPAC's digital library: answered per object, 404 when hidden ------------------------


def object_paths(object_id: int, code: str = "") -> dict[str, str]:
    return {
        "info.json": f"/iiif/3/{object_id}-1/info.json",
        "thumbnail": f"/iiif/3/{object_id}-1/full/!200,200/0/default.jpg",
        "manifest": f"/iiif/presentation/{object_id}/manifest",
        "search 1": f"/iiif/search/1/{object_id}?q={text_word(code)}",
        "search 2": f"/iiif/search/2/{object_id}?q={text_word(code)}",
        "object page": f"/so-hoa/{object_id}/",
        "page text": f"/so-hoa/{object_id}/trang/1/",
        "METS": f"/so-hoa/{object_id}/mets.xml",
        "Dublin Core": f"/so-hoa/{object_id}/dc.xml",
        "PDF": f"/so-hoa/{object_id}/tai-ve.pdf",
    }


# Which word a path that serves an object must carry (positive control): its title or its page text.
CARRIES = {
    "manifest": "title", "search 1": "text", "search 2": "text", "object page": "title", "page text": "text",
    "METS": "title", "Dublin Core": "title",
}  # fmt: skip


@pytest.mark.parametrize("path_name", list(object_paths(0)))
def test_object_paths(client, cast, who, path_name):
    for code in CODES:
        path = object_paths(cast.id(code), code)[path_name]
        response = client.get(path)
        if path_name == "PDF" and code in READABLE[who] and code not in OPEN:
            assert response.status_code == 403, (code, who)  # restricted: read online, no download
        elif code in READABLE[who]:
            assert response.status_code == 200, (path_name, code, who, response.status_code)
            if path_name in CARRIES:
                word = title_word(code) if CARRIES[path_name] == "title" else text_word(code)
                if path_name == "Dublin Core" and code.endswith("lk"):
                    word = SHARED  # a linked object is described by its catalogue record
                assert word in text_of(response), (path_name, code)
        else:
            assert response.status_code == 404, (path_name, code, who, response.status_code)
            assert found_words(text_of(response), words([code])) == set()


def test_iiif_collections_and_the_digital_library_list(client, cast, who):
    for path in ("/iiif/presentation/collection/top", f"/iiif/presentation/collection/{cast.collection.code}",
                 "/so-hoa/", f"/so-hoa/?collection={cast.collection.code}"):  # fmt: skip
        response = client.get(path)
        assert response.status_code == 200, path
        text = text_of(response)
        if "/top" not in path:
            assert found_words(text, [title_word(c) for c in READABLE[who]]) == {
                title_word(c) for c in READABLE[who]
            }, path
        assert found_words(text, words(hidden_codes(who))) == set(), path
        for code in hidden_codes(who):
            assert f"/iiif/presentation/{cast.id(code)}/manifest" not in response.content.decode(), path


def test_record_pages_show_only_readable_objects(client, cast, who):
    for code in CODES:
        if not code.endswith("lk"):
            continue
        response = client.get(f"/record/{cast.record(code)}/")
        assert response.status_code == 200  # the catalogue record itself is public
        text = text_of(response)
        if code in READABLE[who]:
            assert f"/so-hoa/{cast.id(code)}/" in response.content.decode(), code  # positive control
        else:
            assert found_words(text, words([code])) == set(), (code, who)
            assert f"/so-hoa/{cast.id(code)}/" not in response.content.decode(), (code, who)
    # A standalone object's surrogate record is a 404 unless the object is open.
    for code in CODES:
        if code.endswith("dl"):
            status = client.get(f"/record/{cast.record(code)}/").status_code
            assert status == (200 if code == "modl" else 404), code


# --- reading restricted material: online yes, download no ---------------------------------------------


def test_a_reader_reads_a_restricted_object_online_but_cannot_download_it(client, cast, reader, settings):
    import pyvips

    settings.DIGITAL_RESTRICTED_MAX_AREA = 100_000  # a tile (256 × 256) fits; the whole page does not
    obj = cast.objects["hclk"]
    page = Page.objects.get(object=obj, seq=1)
    assert page.width * page.height > 100_000
    base = f"/iiif/3/{obj.pk}-1"
    full_size = f"{base}/full/{page.width},{page.height}/0/default.jpg"
    # Positive control: the open object downloads at full size, for anyone.
    open_page = Page.objects.get(object=cast.objects["molk"], seq=1)
    full_open = client.get(
        f"/iiif/3/{cast.id('molk')}-1/full/{open_page.width},{open_page.height}/0/default.jpg"
    )
    assert full_open.status_code == 200
    assert client.get(f"/so-hoa/{cast.id('molk')}/tai-ve.pdf").status_code == 200

    assert client.get(f"{base}/info.json").status_code == 404  # not signed in: nothing
    assert client.post("/ban-doc/dang-nhap/", {"card": reader.card, "pin": "1234"}).status_code == 302
    info = client.get(f"{base}/info.json")
    assert info.status_code == 200 and info.json()["maxArea"] <= 100_000
    assert client.get(f"/iiif/presentation/{obj.pk}/manifest").status_code == 200
    tile = client.get(f"{base}/0,0,256,256/256,/0/default.jpg")
    assert tile.status_code == 200 and tile["Content-Type"] == "image/jpeg"
    assert "no-store" in tile["Cache-Control"]  # no shared cache hands it to someone else
    # Downloading: the full-size image and the PDF are refused; "max" is the capped size.
    assert client.get(full_size).status_code == 403
    biggest = client.get(f"{base}/full/max/0/default.jpg")
    if biggest.status_code == 200:
        image = pyvips.Image.new_from_buffer(biggest.content, "")
        assert image.width * image.height <= 100_000
    else:
        assert biggest.status_code == 403
    assert client.get(f"/so-hoa/{obj.pk}/tai-ve.pdf").status_code == 403


def test_a_reader_suspended_after_signing_in_reads_nothing_restricted(client, cast, reader):
    assert client.post("/ban-doc/dang-nhap/", {"card": reader.card, "pin": "1234"}).status_code == 302
    assert client.get(f"/iiif/3/{cast.id('hclk')}-1/info.json").status_code == 200
    reader.status = "suspended"
    reader.save(update_fields=["status"])
    assert client.get(f"/iiif/3/{cast.id('hclk')}-1/info.json").status_code == 404
    assert client.get(f"/iiif/presentation/{cast.id('hclk')}/manifest").status_code == 404
    assert opac_hits(client, text_word("hclk")) == []
    assert opac_hits(client, text_word("molk"))  # positive control
    token, _expires = reader_token(reader)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert client.get(f"/api/v1/digital/objects/{cast.id('hclk')}", **auth).status_code == 404
    assert client.get(f"/api/v1/digital/objects/{cast.id('molk')}", **auth).status_code == 200


@pytest.mark.parametrize("card", ["pending", "expired"])
def test_a_reader_whose_card_is_not_in_use_reads_nothing_restricted(client, cast, reader, card):
    if card == "pending":
        reader.status = "pending"  # what the OPAC's own registration form creates
    else:
        reader.expires_on = timezone.localdate() - dt.timedelta(days=1)
    reader.save()
    assert client.post("/ban-doc/dang-nhap/", {"card": reader.card, "pin": "1234"}).status_code == 302
    assert client.get(f"/iiif/3/{cast.id('molk')}-1/info.json").status_code == 200  # positive control
    assert client.get(f"/iiif/3/{cast.id('hclk')}-1/info.json").status_code == 404
    assert opac_hits(client, text_word("hclk")) == []


def test_a_library_network_reads_restricted_material_and_nothing_secret(client, cast, settings):
    settings.DIGITAL_LIBRARY_NETWORKS = ["127.0.0.0/8"]  # the test client asks from 127.0.0.1
    assert client.get(f"/iiif/3/{cast.id('hclk')}-1/info.json").status_code == 200
    assert opac_hits(client, text_word("hclk")) == [cast.record("hclk")]
    for code in hidden_codes("reader"):
        for path in object_paths(cast.id(code), code).values():
            assert client.get(path).status_code == 404, (path, code)
        assert opac_hits(client, text_word(code)) == [], code
    settings.DIGITAL_LIBRARY_NETWORKS = ["192.0.2.0/24"]  # somewhere else
    assert client.get(f"/iiif/3/{cast.id('hclk')}-1/info.json").status_code == 404


# --- staff ----------------------------------------------------------------------------------------------


def test_staff_of_the_owning_library_see_the_secret_object_and_others_do_not(
    client, cast, provincial_librarian, other_library_staff
):
    secret = cast.id("matlk")
    paths = [f"/iiif/3/{secret}-1/info.json", f"/iiif/presentation/{secret}/manifest", f"/so-hoa/{secret}/",
             f"/so-hoa/{secret}/mets.xml", f"/so-hoa/{secret}/trang/1/"]  # fmt: skip
    client.force_login(provincial_librarian)
    for path in paths:
        assert client.get(path).status_code == 200, path
    _token, own = issue_token(provincial_librarian)
    assert (
        client.get(f"/api/v1/digital/objects/{secret}", HTTP_AUTHORIZATION=f"Bearer {own}").status_code == 200
    )
    client.logout()
    client.force_login(other_library_staff)
    for code in ("matdl", "matlk", "camlk", "nhaplk"):
        for path in object_paths(cast.id(code), code).values():
            assert client.get(path).status_code == 404, (path, code)
    assert client.get(f"/iiif/3/{cast.id('molk')}-1/info.json").status_code == 200  # positive control
    _token, theirs = issue_token(other_library_staff)
    assert (
        client.get(f"/api/v1/digital/objects/{secret}", HTTP_AUTHORIZATION=f"Bearer {theirs}").status_code
        == 404
    )
    # Staff search the OPAC at the restricted tier, never the secret one (its text is not indexed).
    assert opac_hits(client, text_word("matlk")) == []


# --- the embargo lifts on its date --------------------------------------------------------------------


def test_the_embargo_lifts_on_its_date(client, cast):
    from thuvien.digital.actions import sync_due_visibility

    code = "camdl"
    assert client.get(f"/iiif/3/{cast.id(code)}-1/info.json").status_code == 404
    assert opac_hits(client, title_word(code)) == []
    DigitalObject.objects.filter(pk=cast.id(code)).update(embargo_until=timezone.localdate())
    assert client.get(f"/iiif/3/{cast.id(code)}-1/info.json").status_code == 200
    assert sync_due_visibility() == 1
    apply_outbox()
    assert not Record.objects.get(pk=cast.record(code)).suppressed
    assert opac_hits(client, title_word(code)) == [cast.record(code)]
    assert opac_hits(client, text_word(code)) == [cast.record(code)]
