"""MARCXML dumps: a collection valid against MARC21slim.xsd, one 852 per public copy, nothing hidden."""

import pytest
from lxml import etree

from thuvien.interop.opendata.dumps import Scope, write_to
from thuvien.interop.opendata.tests.conftest import gunzip

pytestmark = pytest.mark.django_db
NS = {"m": "http://www.loc.gov/MARC21/slim"}


def _collection(directory, scope):
    (written,) = write_to(scope, ["marcxml"], directory)
    assert written.path.name == f"thuvien-{'mang-luoi' if scope.library is None else scope.key}.marc.xml.gz"
    return written, etree.fromstring(gunzip(written.path))


def _titles(root):
    return sorted(root.xpath("m:record/m:datafield[@tag='245']/m:subfield[@code='a']/text()", namespaces=NS))


def test_network_dump_validates_and_reads_back(catalogue, dump_dir, marc_schema):
    written, root = _collection(dump_dir, Scope.network())
    marc_schema.assertValid(root)
    assert written.records == 4 == len(root)
    assert _titles(root) == [
        "Pride and prejudice",
        "Sổ tay hoá học THPT",
        "Truyện Kiều",
        "Đất rừng phương Nam",
    ]


def test_one_852_per_public_copy_with_library_and_call_number(catalogue, dump_dir):
    _written, root = _collection(dump_dir, Scope.network())
    by_title = {
        r.xpath("string(m:datafield[@tag='245']/m:subfield[@code='a'])", namespaces=NS): r for r in root
    }
    holdings = [
        (
            f.xpath("string(m:subfield[@code='a'])", namespaces=NS),
            f.xpath("string(m:subfield[@code='h'])", namespaces=NS),
        )
        for f in by_title["Truyện Kiều"].xpath("m:datafield[@tag='852']", namespaces=NS)
    ]
    # K1 and K2, and K3 which came with the record merged into this one.
    assert sorted(holdings) == [
        ("VN-TST", "895.9221 NG-D"),
        ("VN-TST-XA", "895.92"),
        ("VN-TST-XA", "895.9221"),
    ]
    # The withdrawn copy at the school is not there, and no Koha 952 either.
    commune = by_title["Đất rừng phương Nam"]
    assert [f.get("tag") for f in commune.xpath("m:datafield[@tag='852' or @tag='952']", namespaces=NS)] == [
        "852"
    ]
    assert (
        commune.xpath("string(m:datafield[@tag='852']/m:subfield[@code='a'])", namespaces=NS) == "VN-TST-XA"
    )


def test_hidden_records_and_withdrawn_copies_never_appear(catalogue, dump_dir, network):
    for scope in (Scope.network(), Scope.of(network["prov"]), Scope.of(network["school"])):
        _written, root = _collection(dump_dir, scope)
        text = etree.tostring(root, encoding="unicode")
        for hidden in ("Tài liệu mật", "Biểu ghi đã xoá", "Đoạn trường tân thanh"):
            assert hidden not in text
    assert "Đất rừng phương Nam" not in text  # the school's only copy of it is withdrawn


def test_library_dump_has_only_the_subtrees_copies(catalogue, dump_dir, network):
    _written, root = _collection(dump_dir, Scope.of(network["commune"]))
    assert _titles(root) == ["Truyện Kiều", "Đất rừng phương Nam"]
    codes = set(root.xpath("//m:datafield[@tag='852']/m:subfield[@code='a']/text()", namespaces=NS))
    assert codes == {"VN-TST-XA"}
