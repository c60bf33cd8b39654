"""Sets: libraries by subtree (held or contributed), catalogue collections, ListSets."""

from __future__ import annotations

import pytest

from thuvien.catalog.models import Collection

from .conftest import OAI, error_codes, identifiers, oai_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def holdings(make_record, add_copy, network):
    """Records held or contributed at different places of the network."""
    records = {
        # Contributed by the province, no copy.
        "province": make_record("Lịch sử Ninh Bình"),
        # Contributed by the province, a copy at the commune.
        "commune_copy": make_record("Văn hoá làng Việt"),
        # Contributed by the school.
        "school": make_record("Toán 10", library=network["school"]),
        # Another network entirely.
        "elsewhere": make_record("Địa chí tỉnh khác", library=network["other_prov"]),
    }
    add_copy(records["commune_copy"], network["commune"])
    # A copy held elsewhere of a record contributed here.
    add_copy(records["province"], network["other_prov"])
    local = Collection.objects.create(
        code="dia-chi", name="Tài liệu địa chí", description="Sách về Ninh Bình"
    )
    local.records.add(records["province"], records["commune_copy"])
    Collection.objects.create(code="trong", name="Bộ sưu tập trống")
    return records


def _ids(oai, **params):
    return set(identifiers(oai(verb="ListIdentifiers", metadataPrefix="oai_dc", **params)))


def test_library_sets_select_the_subtree(oai, holdings):
    everything = {oai_id(r) for r in holdings.values()}
    assert _ids(oai, set="lib") == everything
    assert _ids(oai, set="lib:VN-TST") == {
        oai_id(holdings[n]) for n in ("province", "commune_copy", "school")
    }
    assert _ids(oai, set="lib:VN-TST:VN-TST-XA") == {oai_id(holdings["commune_copy"])}
    assert _ids(oai, set="lib:VN-TST:VN-TST-THPT") == {oai_id(holdings["school"])}
    assert _ids(oai, set="lib:VN-KHAC") == {oai_id(holdings["elsewhere"]), oai_id(holdings["province"])}


def test_a_library_set_must_name_the_whole_path(oai, holdings):
    # VN-TST-XA exists, but not at the top of the tree.
    assert error_codes(oai(verb="ListIdentifiers", metadataPrefix="oai_dc", set="lib:VN-TST-XA")) == [
        "noRecordsMatch"
    ]
    assert error_codes(oai(verb="ListRecords", metadataPrefix="oai_dc", set="lib:VN-NOWHERE")) == [
        "noRecordsMatch"
    ]
    assert error_codes(oai(verb="ListRecords", metadataPrefix="oai_dc", set="other")) == ["noRecordsMatch"]


def test_collection_sets(oai, holdings):
    expected = {oai_id(holdings["province"]), oai_id(holdings["commune_copy"])}
    assert _ids(oai, set="coll:dia-chi") == expected
    assert _ids(oai, set="coll") == expected
    assert error_codes(oai(verb="ListIdentifiers", metadataPrefix="oai_dc", set="coll:trong")) == [
        "noRecordsMatch"
    ]
    assert error_codes(oai(verb="ListIdentifiers", metadataPrefix="oai_dc", set="coll:khong-co")) == [
        "noRecordsMatch"
    ]


def test_headers_carry_the_fewest_set_specs(oai, holdings):
    root = oai(verb="ListRecords", metadataPrefix="oai_dc")
    specs = {
        h.findtext(f"{OAI}identifier"): sorted(s.text for s in h.iterfind(f"{OAI}setSpec"))
        for h in root.iter(f"{OAI}header")
    }
    # Contributed by VN-TST and held at VN-TST-XA: the commune's set implies the province's.
    assert specs[oai_id(holdings["commune_copy"])] == ["coll:dia-chi", "lib:VN-TST:VN-TST-XA"]
    assert specs[oai_id(holdings["province"])] == ["coll:dia-chi", "lib:VN-KHAC", "lib:VN-TST"]
    assert specs[oai_id(holdings["school"])] == ["lib:VN-TST:VN-TST-THPT"]


def test_list_sets(oai, holdings):
    root = oai(verb="ListSets")
    sets = {s.findtext(f"{OAI}setSpec"): s.findtext(f"{OAI}setName") for s in root.iter(f"{OAI}set")}
    assert sets["lib:VN-TST"] == "Thư viện tỉnh Thử Nghiệm"
    assert sets["lib:VN-TST:VN-TST-XA"] == "Thư viện xã Hòa Bình"
    assert sets["coll:dia-chi"] == "Tài liệu địa chí"
    assert {"lib", "coll", "lib:VN-KHAC", "lib:VN-TST:VN-TST-THPT", "coll:trong"} <= set(sets)
    description = root.xpath(
        "//o:set[o:setSpec='coll:dia-chi']/o:setDescription//dc:description/text()",
        namespaces={"o": "http://www.openarchives.org/OAI/2.0/", "dc": "http://purl.org/dc/elements/1.1/"},
    )
    assert description == ["Sách về Ninh Bình"]


def test_no_set_hierarchy_without_libraries_or_collections(oai, db):
    assert error_codes(oai(verb="ListSets")) == ["noSetHierarchy"]
    assert error_codes(oai(verb="ListIdentifiers", metadataPrefix="oai_dc", set="lib")) == ["noSetHierarchy"]


def test_set_selection_survives_resumption(oai, holdings, make_record, network, settings):
    settings.OAI_PAGE_SIZE = 2
    extra = {oai_id(make_record(f"Sách xã {n}", library=network["commune"])) for n in range(5)}
    seen = []
    root = oai(verb="ListIdentifiers", metadataPrefix="oai_dc", set="lib:VN-TST:VN-TST-XA")
    while True:
        seen += identifiers(root)
        token = root.findtext(f"{OAI}ListIdentifiers/{OAI}resumptionToken")
        if not token:
            break
        root = oai(verb="ListIdentifiers", resumptionToken=token)
    assert sorted(seen) == sorted(extra | {oai_id(holdings["commune_copy"])})
