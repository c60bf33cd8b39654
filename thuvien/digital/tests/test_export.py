"""Exports of a digital object: METS 1.12 with MODS 3.8, and simple Dublin Core — valid against the official
schemas, listing only the pages the requester may see — and the ALTO of each page."""

from __future__ import annotations

import pytest
from lxml import etree

from thuvien import testing
from thuvien.catalog.actions import save_record
from thuvien.catalog.tests.factories import marc_record
from thuvien.circulation.tests import conftest as circulation_cast
from thuvien.digital import export
from thuvien.digital.models import AccessLevel, Page, Rights
from thuvien.digital.testing import make_object
from thuvien.interop.dublin_core import OAI_DC_NS

pytestmark = pytest.mark.django_db

reader = circulation_cast.reader
BASE = "http://testserver"
NS = {
    "mets": export.METS_NS,
    "mods": export.MODS_NS,
    "xlink": export.XLINK_NS,
    "dc": "http://purl.org/dc/elements/1.1/",
    "oai_dc": OAI_DC_NS,
    "rts": export.RIGHTS_NS,
}
SCHEMAS = {
    export.METS_NS: "mets/mets-1-12-1.xsd",
    export.MODS_NS: "mods/mods-3-8.xsd",
    OAI_DC_NS: "oai-pmh/oai_dc.xsd",
}
TEXTS = ["Lời nói đầu.", "Chương một: Hoa Lư.", "Chương một (tiếp).", "Chương hai: Văn Lâm."]
ALTO = '<?xml version="1.0" encoding="UTF-8"?><alto xmlns="http://www.loc.gov/standards/alto/ns-v4#"/>'

_schema = None


@pytest.fixture
def valid():
    """Return a function parsing XML bytes and asserting they are valid (METS, MODS, oai_dc schemas)."""
    global _schema
    specs = testing.specs_dir("mets/mets-1-12-1.xsd")
    if specs is None or not (specs / "mods/mods-3-8.xsd").is_file():
        pytest.skip("METS/MODS schemas not found: set THUVIEN_SPECS to ../shared/specs")
    if _schema is None:
        _schema = testing.xml_schema(specs, SCHEMAS)

    def check(body: bytes):
        root = etree.fromstring(body, etree.XMLParser(no_network=True, resolve_entities=False))
        if not _schema.validate(root):
            errors = "\n".join(str(e) for e in list(_schema.error_log)[:10])
            raise AssertionError(f"invalid:\n{errors}\n{body[:3000].decode()}")
        return root

    return check


@pytest.fixture
def book(network):
    marc = marc_record("Địa chí Ninh Bình", "Nguyễn Văn Trình", subjects=["Địa chí", "Lịch sử"], year=2001)
    import pymarc

    marc.add_field(pymarc.Field(tag="700", indicators=["0", " "],
                                subfields=[pymarc.Subfield("a", "Trần Thị Hoa"), pymarc.Subfield("e", "biên tập")]))  # fmt: skip
    record = save_record(None, marc, library=network["prov"])
    obj = make_object(network["prov"], record=record, title="Địa chí Ninh Bình", texts=TEXTS)
    obj.toc = [{"label": "Lời nói đầu", "page": 1}, {"label": "Chương một", "page": 2},
               {"label": "Chương hai", "page": 4}]  # fmt: skip
    obj.rights = Rights.NOC_NC
    obj.save(update_fields=["toc", "rights"])
    Page.objects.filter(object=obj, seq=2).update(alto=ALTO)
    return obj


@pytest.fixture
def standalone(network):
    obj = make_object(
        network["prov"], title="Hương ước làng Yên Mô", texts=TEXTS[:2], access=AccessLevel.RESTRICTED
    )
    obj.dc = {"title": "Hương ước làng Yên Mô", "creator": ["Hội đồng kỳ mục làng Yên Mô"], "date": "1932",
              "subject": ["Hương ước"], "coverage": "Yên Mô, Ninh Bình", "language": "vie",
              "description": "Lệ làng chép tay."}  # fmt: skip
    obj.save(update_fields=["dc"])
    return obj


def sign_in(client, reader):
    assert client.post("/ban-doc/dang-nhap/", {"card": reader.card, "pin": "1234"}).status_code == 302
    return client


def pages_of(obj):
    return list(obj.pages.order_by("seq"))


# --- METS / MODS ----------------------------------------------------------------------------------------


def test_mets_of_a_linked_book(book, valid):
    root = valid(export.mets_xml(book, pages_of(book), base=BASE))
    oid = book.pk
    assert root.get("OBJID") == f"{BASE}/so-hoa/{oid}/" and root.get("TYPE") == "monograph"
    mods = root.find("mets:dmdSec/mets:mdWrap/mets:xmlData/mods:mods", NS)
    assert mods.findtext("mods:titleInfo/mods:title", namespaces=NS) == "Địa chí Ninh Bình"
    names = [(n.findtext("mods:namePart", namespaces=NS), [t.text for t in n.iterfind("mods:role/mods:roleTerm", NS)])
             for n in mods.iterfind("mods:name", NS)]  # fmt: skip
    assert names == [("Nguyễn Văn Trình", ["cre"]), ("Trần Thị Hoa", ["biên tập"])]
    assert mods.findtext("mods:originInfo[@eventType='publication']/mods:dateIssued", namespaces=NS) == "2001"
    assert mods.findtext("mods:originInfo/mods:place/mods:placeTerm", namespaces=NS) == "Hà Nội"
    assert mods.findtext("mods:language/mods:languageTerm", namespaces=NS) == "vie"
    assert [t.text for t in mods.iterfind("mods:subject/mods:topic", NS)] == ["Địa chí", "Lịch sử"]
    extent = mods.find("mods:physicalDescription/mods:extent", NS)
    assert (extent.text, extent.get("unit")) == ("4", "pages")
    use = mods.find("mods:accessCondition[@type='use and reproduction']", NS)
    assert use.get(f"{{{export.XLINK_NS}}}href") == Rights.NOC_NC
    assert mods.find("mods:accessCondition[@type='restriction on access']", NS).text
    urls = [u.text for u in mods.iterfind("mods:location/mods:url", NS)]
    assert urls == [f"{BASE}/so-hoa/{oid}/", f"{BASE}/iiif/presentation/{oid}/manifest"]
    rights = root.find("mets:amdSec/mets:rightsMD/mets:mdWrap/mets:xmlData/rts:RightsDeclarationMD", NS)
    assert rights.get("RIGHTSCATEGORY") == "PUBLIC DOMAIN"
    assert rights.find("rts:Context/rts:Permissions", NS).get("DISPLAY") == "true"

    href = f"{{{export.XLINK_NS}}}href"
    images = root.findall("mets:fileSec/mets:fileGrp[@USE='DEFAULT']/mets:file/mets:FLocat", NS)
    assert [f.get(href) for f in images] == [
        f"{BASE}/iiif/3/{oid}-{n}/full/max/0/default.jpg" for n in (1, 2, 3, 4)
    ]
    texts = [
        f.get(href)
        for f in root.findall("mets:fileSec/mets:fileGrp[@USE='FULLTEXT']/mets:file/mets:FLocat", NS)
    ]
    assert texts == [f"{BASE}/so-hoa/{oid}/trang/1/", f"{BASE}/so-hoa/{oid}/trang/2/alto.xml",
                     f"{BASE}/so-hoa/{oid}/trang/3/", f"{BASE}/so-hoa/{oid}/trang/4/"]  # fmt: skip

    physical = root.findall("mets:structMap[@TYPE='PHYSICAL']/mets:div/mets:div", NS)
    assert [(d.get("TYPE"), d.get("ORDER")) for d in physical] == [("page", str(n)) for n in (1, 2, 3, 4)]
    assert [f.get("FILEID") for f in physical[1]] == ["IMG00002", "THUMB00002", "ALTO00002"]
    chapters = root.findall("mets:structMap[@TYPE='LOGICAL']/mets:div/mets:div", NS)
    assert [c.get("LABEL") for c in chapters] == ["Lời nói đầu", "Chương một", "Chương hai"]
    links = [(s.get(f"{{{export.XLINK_NS}}}from"), s.get(f"{{{export.XLINK_NS}}}to"))
             for s in root.iterfind("mets:structLink/mets:smLink", NS)]  # fmt: skip
    assert links == [
        ("LOG0", "PHYS0"),
        ("LOG1", "PHYS1"),
        ("LOG2", "PHYS2"),
        ("LOG2", "PHYS3"),
        ("LOG3", "PHYS4"),
    ]


def test_mets_of_a_standalone_object_from_its_dublin_core(standalone, valid):
    root = valid(export.mets_xml(standalone, pages_of(standalone), base=BASE))
    mods = root.find(".//mods:mods", NS)
    assert mods.findtext("mods:name/mods:namePart", namespaces=NS) == "Hội đồng kỳ mục làng Yên Mô"
    assert mods.findtext("mods:originInfo/mods:dateIssued", namespaces=NS) == "1932"
    assert mods.findtext("mods:subject/mods:geographic", namespaces=NS) == "Yên Mô, Ninh Bình"
    assert mods.findtext("mods:abstract", namespaces=NS) == "Lệ làng chép tay."
    assert "chỉ đọc trực tuyến" in mods.findtext(
        "mods:accessCondition[@type='restriction on access']", namespaces=NS
    )
    rights = root.find(".//rts:RightsDeclarationMD", NS)
    contexts = {c.get("CONTEXTCLASS"): c.find("rts:Permissions", NS).get("DISPLAY")
                for c in rights.iterfind("rts:Context", NS)}  # fmt: skip
    assert contexts["GENERAL PUBLIC"] == "false" and contexts["INSTITUTIONAL AFFILIATE"] == "true"
    # No table of contents: the logical map is the whole object.
    assert root.findall("mets:structMap[@TYPE='LOGICAL']/mets:div/mets:div", NS) == []


def test_mets_lists_only_the_pages_given(book, valid):
    pages = [p for p in pages_of(book) if p.seq != 4]
    root = valid(export.mets_xml(book, pages, base=BASE))
    assert len(root.findall("mets:structMap[@TYPE='PHYSICAL']/mets:div/mets:div", NS)) == 3
    assert f"/iiif/3/{book.pk}-4/" not in etree.tostring(root).decode()
    chapters = root.findall("mets:structMap[@TYPE='LOGICAL']/mets:div/mets:div", NS)
    assert [c.get("LABEL") for c in chapters] == ["Lời nói đầu", "Chương một"]
    assert valid(export.mets_xml(book, [], base=BASE)) is not None  # no pages at all: still a valid METS


# --- Dublin Core ----------------------------------------------------------------------------------------


def test_dublin_core_of_an_object(book, standalone, valid):
    root = valid(export.dc_xml(book, base=BASE))
    assert root.tag == f"{{{OAI_DC_NS}}}dc"
    assert root.findtext("dc:title", namespaces=NS) == "Địa chí Ninh Bình"
    assert [c.text for c in root.iterfind("dc:creator", NS)] == ["Nguyễn Văn Trình", "Trần Thị Hoa"]
    assert root.findtext("dc:identifier", namespaces=NS) == f"{BASE}/so-hoa/{book.pk}/"
    assert Rights.NOC_NC in [r.text for r in root.iterfind("dc:rights", NS)]

    root = valid(export.dc_xml(standalone, base=BASE))
    assert root.findtext("dc:coverage", namespaces=NS) == "Yên Mô, Ninh Bình"
    assert root.findtext("dc:language", namespaces=NS) == "vie"


# --- over HTTP: only what the requester may see ---------------------------------------------------------


def physical_orders(root) -> list[str]:
    return [d.get("ORDER") for d in root.findall("mets:structMap[@TYPE='PHYSICAL']/mets:div/mets:div", NS)]


def test_exports_over_http_list_only_visible_pages(client, book, reader, valid):
    Page.objects.filter(object=book, seq=3).update(access_override=AccessLevel.RESTRICTED)
    response = client.get(f"/so-hoa/{book.pk}/mets.xml")
    assert response.status_code == 200 and response["Content-Type"] == "application/xml; charset=utf-8"
    assert physical_orders(valid(response.content)) == ["1", "2", "4"]
    # What anyone gets may be kept by any cache and read by other sites ...
    assert "public" in response["Cache-Control"] and response["Access-Control-Allow-Origin"] == "*"
    response = client.get(f"/so-hoa/{book.pk}/dc.xml")
    valid(response.content)
    assert "public" in response["Cache-Control"] and response["Access-Control-Allow-Origin"] == "*"
    # ... what a reader gets beyond that may not.
    response = sign_in(client, reader).get(f"/so-hoa/{book.pk}/mets.xml")
    assert physical_orders(valid(response.content)) == ["1", "2", "3", "4"]
    assert "private" in response["Cache-Control"] and "Access-Control-Allow-Origin" not in response


def test_exports_of_restricted_and_secret_objects(client, standalone, network, reader, other_library_staff,
                                                  provincial_librarian, valid):  # fmt: skip
    secret = make_object(network["prov"], title="Gia phả", texts=TEXTS[:1], access=AccessLevel.SECRET)
    for obj in (standalone, secret):
        for fmt in ("mets", "dc"):
            assert client.get(f"/so-hoa/{obj.pk}/{fmt}.xml").status_code == 404
    sign_in(client, reader)
    valid(client.get(f"/so-hoa/{standalone.pk}/mets.xml").content)
    assert client.get(f"/so-hoa/{secret.pk}/mets.xml").status_code == 404
    client.logout()
    client.force_login(other_library_staff)
    assert client.get(f"/so-hoa/{secret.pk}/mets.xml").status_code == 404
    assert client.get(f"/so-hoa/{secret.pk}/dc.xml").status_code == 404
    client.force_login(provincial_librarian)
    response = client.get(f"/so-hoa/{secret.pk}/mets.xml")
    valid(response.content)
    assert "no-store" in response["Cache-Control"]


def test_alto_of_a_page(client, book, standalone, reader):
    response = client.get(f"/so-hoa/{book.pk}/trang/2/alto.xml")
    assert response.status_code == 200 and response.content.decode() == ALTO
    assert client.get(f"/so-hoa/{book.pk}/trang/1/alto.xml").status_code == 404  # no OCR yet
    Page.objects.filter(object=book, seq=2).update(access_override=AccessLevel.SECRET)
    assert client.get(f"/so-hoa/{book.pk}/trang/2/alto.xml").status_code == 404
    Page.objects.filter(object=standalone, seq=1).update(alto=ALTO)
    assert client.get(f"/so-hoa/{standalone.pk}/trang/1/alto.xml").status_code == 404
    assert sign_in(client, reader).get(f"/so-hoa/{standalone.pk}/trang/1/alto.xml").status_code == 200


# --- PDF ------------------------------------------------------------------------------------------------


def test_the_pdf_has_one_page_per_page_given_at_the_page_size_and_is_kept(book):
    import pypdfium2

    pages = pages_of(book)[:3]
    path = export.pdf_path(book, pages)
    pdf = pypdfium2.PdfDocument(str(path))
    try:
        assert len(pdf) == 3
        width, height = pdf[0].get_size()
        # The masters are A5 at 72 dpi (make_object): 148 × 210 mm.
        assert abs(width - 148 / 25.4 * 72) < 2 and abs(height - 210 / 25.4 * 72) < 2
    finally:
        pdf.close()
    mtime = path.stat().st_mtime_ns
    assert export.pdf_path(book, pages) == path and path.stat().st_mtime_ns == mtime
    assert export.pdf_path(book, pages_of(book)) != path  # another set of pages, another file
