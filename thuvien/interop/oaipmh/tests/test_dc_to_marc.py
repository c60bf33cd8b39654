"""Dublin Core to MARC: the real oai_dc fixtures and a Vietnamese record become the fields a catalogue uses."""

from __future__ import annotations

import unicodedata

from lxml import etree

from thuvien.catalog.prepare import derived_columns
from thuvien.interop.oaipmh.dc_to_marc import dc_to_marc, language_code

DC = 'xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/"'


def dc_elements(path):
    tree = etree.parse(str(path))
    return [el for el in tree.iter() if isinstance(el.tag, str) and etree.QName(el).localname == "dc"]


def sub(record, tag, code):
    return [f.get_subfields(code)[0] for f in record.get_fields(tag) if f.get_subfields(code)]


def test_caltech_record(corpus):
    first = dc_elements(corpus / "oai/idzebra/examples/oai-pmh/data/oai-caltech.xml")[0]
    marc = dc_to_marc(
        first, identifier="oai:caltechcstr.library.caltech.edu:4", datestamp="2003-12-12", source="VN-TST"
    )
    assert marc["001"].data == "oai:caltechcstr.library.caltech.edu:4" and marc["003"].data == "VN-TST"
    assert marc["100"].indicators == ("1", " ") and sub(marc, "100", "a") == ["Ayres, Ronald"]
    assert sub(marc, "245", "a") == ["A Language Processor and a Sample Language"]
    assert marc["245"].indicators[0] == "1"
    assert sub(marc, "264", "b") == ["California Institute of Technology"] and sub(marc, "264", "c") == [
        "1978"
    ]
    assert (
        marc["008"].data[7:11] == "1978" and marc["008"].data[:6] == "031212" and len(marc["008"].data) == 40
    )
    assert "All Records" in sub(marc, "650", "a")
    assert sub(marc, "520", "a")[0].startswith("This thesis explores shared data")
    assert "http://resolver.caltech.edu/CaltechCSTR:1978.2276-tr-78" in sub(marc, "856", "u")
    columns, _identifiers = derived_columns(marc)
    assert columns["title"].startswith("A Language Processor") and columns["year"] == 1978
    assert "Ayres" in columns["author"]


def test_isbn_among_identifiers_and_contributor(corpus):
    records = dc_elements(corpus / "oai/pyoai/src/oaipmh/tests/fake1/00005.xml")
    first = dc_to_marc(records[0])
    assert sub(first, "020", "a") == ["9058920364"]
    assert sub(first, "700", "a") == ["Smidts, A."]
    assert sub(first, "245", "a") == ["Kijken in het brein :"] and sub(first, "245", "b") == [
        "Over de mogelijkheden van neuromarketing"
    ]
    # "90 - 5892 - 032 - 1": spaced out, still an ISBN.
    assert sub(dc_to_marc(records[1]), "020", "a") == ["9058920321"]
    _columns, identifiers = derived_columns(first)
    assert ("isbn", "9789058920362") in identifiers


def test_no_namespace_dublin_core(corpus):
    records = dc_elements(corpus / "oai/traject/test/test_support/sample-oai-no-namespace.xml")
    spice = dc_to_marc(records[1])
    assert sub(spice, "245", "a") == ["Spice Storage"]
    # A company is a body (110), not a person; a decade is not a year.
    assert sub(spice, "110", "a") == ["Norda Essential Oil and Chemical Company"]
    assert spice["008"].data[6:11] == "nuuuu" and sub(spice, "264", "c") == ["1950s"]
    assert spice.leader[6] == "k"  # an image
    assert sub(spice, "856", "q")[0] == "image/tiff"


def test_vietnamese_record_in_nfc():
    decomposed = unicodedata.normalize("NFD", "Nỗi buồn chiến tranh: tiểu thuyết")
    xml = f"""<oai_dc:dc {DC}>
      <dc:title>{decomposed}</dc:title>
      <dc:creator>Bảo Ninh</dc:creator>
      <dc:contributor>Thư viện tỉnh Ninh Bình</dc:contributor>
      <dc:subject>Văn học Việt Nam</dc:subject>
      <dc:publisher>Nhà xuất bản Trẻ</dc:publisher>
      <dc:date>2011</dc:date>
      <dc:language>vi</dc:language>
      <dc:identifier>ISBN 978-604-1-00001-8</dc:identifier>
      <dc:identifier>urn:issn:0028-0836</dc:identifier>
      <dc:identifier>https://doi.org/10.1000/xyz123</dc:identifier>
      <dc:type>Text</dc:type>
    </oai_dc:dc>"""
    marc = dc_to_marc(etree.fromstring(xml))
    assert sub(marc, "245", "a") == ["Nỗi buồn chiến tranh :"] and sub(marc, "245", "b") == ["tiểu thuyết"]
    assert unicodedata.is_normalized("NFC", sub(marc, "245", "a")[0])
    assert marc["100"].indicators == ("0", " ") and sub(marc, "100", "a") == ["Bảo Ninh"]  # direct order
    assert sub(marc, "710", "a") == ["Thư viện tỉnh Ninh Bình"]
    assert sub(marc, "041", "a") == ["vie"] and marc["008"].data[35:38] == "vie"
    assert sub(marc, "264", "b") == ["Nhà xuất bản Trẻ"] and sub(marc, "264", "c") == ["2011"]
    assert sub(marc, "020", "a") == ["9786041000018"]
    assert sub(marc, "022", "a") == ["0028-0836"]
    assert sub(marc, "024", "a") == ["10.1000/xyz123"]
    assert sub(marc, "650", "a") == ["Văn học Việt Nam"]
    assert marc.leader[6:8] == "am" and marc.leader[9] == "a"


def test_unknown_language_left_blank_and_serials():
    marc = dc_to_marc(
        etree.fromstring(
            f"<oai_dc:dc {DC}><dc:title>Báo Ninh Bình</dc:title><dc:type>Báo</dc:type></oai_dc:dc>"
        )
    )
    assert marc["008"].data[35:38] == "   "
    assert marc.leader[7] == "s"


def test_language_codes():
    assert language_code("vi") == "vie"
    assert language_code("Tiếng Việt") == "vie"
    assert language_code("en-US") == "eng"
    assert language_code("fre") == "fre"
    assert language_code("English") == "eng"
    assert language_code("Klingon!") is None
