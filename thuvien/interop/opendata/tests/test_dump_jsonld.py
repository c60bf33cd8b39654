"""JSON-LD dumps: one schema.org document, a @graph of works with authors, publisher, language and holders."""

import json

import pytest

from thuvien.catalog.tests.factories import import_records, marc_record
from thuvien.interop.opendata.dumps import Scope, write_to
from thuvien.interop.opendata.tests.conftest import gunzip

pytestmark = pytest.mark.django_db


def _graph(directory, scope):
    (written,) = write_to(scope, ["jsonld"], directory)
    document = json.loads(gunzip(written.path))
    assert document["@context"] == "https://schema.org"
    assert written.records == len(document["@graph"])
    return document["@graph"]


def test_works_have_the_schema_org_shape(catalogue, dump_dir):
    nodes = {n["name"]: n for n in _graph(dump_dir, Scope.network())}
    kieu = nodes["Truyện Kiều"]
    url = f"https://thuvien.example.vn/record/{catalogue.prov.pk}/"
    assert kieu["@type"] == "Book" and kieu["@id"] == url and kieu["url"] == url
    assert kieu["author"] == [{"@type": "Person", "name": "Nguyễn Du"}]
    assert kieu["publisher"] == {"@type": "Organization", "name": "Nxb. Văn học", "location": "Hà Nội"}
    assert kieu["datePublished"] == "2015"
    assert kieu["isbn"] == ["9786041000017"]
    assert kieu["inLanguage"] == "vi"
    assert kieu["about"] == [
        {"@type": "Thing", "name": "Văn học Việt Nam"},
        {"@type": "Thing", "name": "Thơ lục bát"},
    ]
    holders = {o["offeredBy"]["identifier"]: o for o in kieu["offers"]}
    assert set(holders) == {"VN-TST", "VN-TST-XA"}
    assert holders["VN-TST-XA"]["inventoryLevel"]["value"] == 2  # K2 and K3 (moved by the merge)
    assert holders["VN-TST"]["offeredBy"] == {
        "@type": "Library",
        "@id": "https://thuvien.example.vn/libraries/VN-TST/",
        "name": "Thư viện tỉnh Thử Nghiệm",
        "identifier": "VN-TST",
    }
    assert nodes["Pride and prejudice"]["inLanguage"] == "en"
    assert "offers" not in nodes["Sổ tay hoá học THPT"]


def test_hidden_records_and_withdrawn_copies_never_appear(catalogue, dump_dir, network):
    graph = _graph(dump_dir, Scope.network())
    assert not {n["identifier"] for n in graph} & {str(r.pk) for r in catalogue.hidden}
    dat = next(n for n in graph if n["name"] == "Đất rừng phương Nam")
    assert [o["offeredBy"]["identifier"] for o in dat["offers"]] == ["VN-TST-XA"]
    assert [n["name"] for n in _graph(dump_dir, Scope.of(network["school"]))] == ["Sổ tay hoá học THPT"]


def test_corporate_names_are_organizations_and_translators_are_not_authors(network, dump_dir):
    import pymarc

    record = marc_record("Những người khốn khổ", "Victor Hugo", language="vie")
    record.add_field(
        pymarc.Field(tag="700", indicators=["0", " "],
                     subfields=[pymarc.Subfield("a", "Huỳnh Lý,"), pymarc.Subfield("e", "dịch")]),
        pymarc.Field(tag="710", indicators=["2", " "], subfields=[pymarc.Subfield("a", "Hội Nhà văn Việt Nam.")]),
    )  # fmt: skip
    import_records([record], library=network["prov"], index=False)
    (node,) = _graph(dump_dir, Scope.network())
    assert node["author"] == [
        {"@type": "Person", "name": "Victor Hugo"},
        {"@type": "Organization", "name": "Hội Nhà văn Việt Nam"},
    ]
    assert node["translator"] == [{"@type": "Person", "name": "Huỳnh Lý"}]


def test_an_empty_catalogue_is_an_empty_graph(network, dump_dir):
    assert _graph(dump_dir, Scope.network()) == []
