"""oai_dc: the Dublin Core crosswalk of a catalogue record, as harvesters receive it."""

from __future__ import annotations

import pytest

from thuvien.catalog.models import Record
from thuvien.interop.dublin_core import oai_dc_xml, record_elements

from .conftest import DC, oai_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(make_record):
    return make_record(
        "Dế mèn phiêu lưu ký /",
        author="Tô Hoài",
        isbn="604-2-00000-0",
        year="2019",
        extra=[
            ("260", [("a", "Hà Nội :"), ("b", "Kim Đồng,"), ("c", "2019.")]),
            ("300", [("a", "143 tr. :"), ("b", "tranh vẽ ;"), ("c", "21 cm.")]),
            ("041", [("a", "vieeng")]),
            ("490", [("a", "Tác phẩm văn học chọn lọc")]),
            ("500", [("a", "Sách dành cho thiếu nhi.")]),
            ("520", [("a", "Cuộc phiêu lưu của chú Dế Mèn & những người bạn.")]),
            ("540", [("a", "Bản quyền thuộc Nhà xuất bản Kim Đồng.")]),
            ("650", [("a", "Văn học thiếu nhi"), ("z", "Việt Nam")]),
            ("651", [("a", "Việt Nam.")]),
            ("700", [("a", "Trần Văn A"), ("e", "minh hoạ")]),
            ("856", [("u", "https://thuvien.example.vn/so-hoa/de-men")]),
        ],
    )


def _dc(oai, record) -> dict[str, list[str]]:
    root = oai(verb="GetRecord", identifier=oai_id(record), metadataPrefix="oai_dc")
    found: dict[str, list[str]] = {}
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.startswith(DC):
            found.setdefault(element.tag[len(DC) :], []).append(element.text)
    return found


def test_the_crosswalk(oai, book):
    dc = _dc(oai, book)
    assert dc["title"] == ["Dế mèn phiêu lưu ký"]
    assert dc["creator"] == ["Tô Hoài", "Trần Văn A"]
    assert dc["subject"] == ["Văn học thiếu nhi -- Việt Nam", "Việt Nam"]
    assert dc["description"] == [
        "Sách dành cho thiếu nhi.",
        "Cuộc phiêu lưu của chú Dế Mèn & những người bạn.",
    ]
    assert dc["publisher"] == ["Kim Đồng"]
    assert dc["date"] == ["2019"]
    assert dc["type"] == ["Text"]
    assert dc["format"] == ["143 tr. : tranh vẽ ; 21 cm."]
    assert dc["identifier"] == [
        f"http://testserver/record/{book.pk}/",
        "URN:ISBN:9786042000000",
        "https://thuvien.example.vn/so-hoa/de-men",
    ]
    assert dc["language"] == ["vie", "eng"]
    assert dc["relation"] == ["Tác phẩm văn học chọn lọc"]
    assert dc["coverage"] == ["Việt Nam"]
    assert dc["rights"] == ["Bản quyền thuộc Nhà xuất bản Kim Đồng."]


def test_a_minimal_record(oai, make_record):
    dc = _dc(oai, make_record("Không tác giả", year="19uu"))
    assert dc["title"] == ["Không tác giả"]
    assert "creator" not in dc and "date" not in dc


def test_the_crosswalk_is_usable_on_its_own(book):
    """SRU and the dumps reuse it: a Record in, a self-contained oai_dc element out."""
    from lxml import etree

    record = Record.objects.get(pk=book.pk)
    elements = record_elements(record, record_url="https://opac.example.vn/record/1/")
    root = etree.fromstring(oai_dc_xml(elements))
    assert root.tag == "{http://www.openarchives.org/OAI/2.0/oai_dc/}dc"
    assert root.findtext(f"{DC}title") == "Dế mèn phiêu lưu ký"
    assert elements["identifier"][0] == "https://opac.example.vn/record/1/"


def test_characters_xml_cannot_carry_are_dropped(oai, make_record):
    record = make_record("Tên\x01 có ký tự điều khiển", extra=[("500", [("a", "Ghi chú\x1f lạ")])])
    dc = _dc(oai, record)
    assert dc["title"] == ["Tên có ký tự điều khiển"]
    assert dc["description"] == ["Ghi chú lạ"]


def test_elements_prepared_with_the_record_spare_reading_the_marc(oai, make_record):
    from thuvien.interop.dublin_core import marc_elements

    record = make_record("Chuẩn bị sẵn", extra=[("500", [("a", "Ghi chú trong MARC.")])])
    stored = Record.objects.get(pk=record.pk)
    assert marc_elements(stored.marc) == {"description": ["Ghi chú trong MARC."]}
    data = dict(stored.search_data, dc={"description": ["Ghi chú đã chuẩn bị."], "format": ["120 tr."]})
    Record.objects.filter(pk=record.pk).update(search_data=data)
    dc = _dc(oai, record)
    assert dc["description"] == ["Ghi chú đã chuẩn bị."]
    assert dc["format"] == ["120 tr."]
    assert dc["title"] == ["Chuẩn bị sẵn"]
