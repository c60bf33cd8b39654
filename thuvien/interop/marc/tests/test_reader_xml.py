import pytest

from thuvien.interop.marc import ParsedRecord, RecordError, detect_format, read_marc

from .conftest import CORPUS, corpus_path, time_limit

NS = 'xmlns="http://www.loc.gov/MARC21/slim"'
RECORD = (
    "<record>"
    "<leader>00000nam a2200000 a 4500</leader>"
    '<controlfield tag="001">r{n}</controlfield>'
    '<datafield tag="245" ind1="1" ind2="0"><subfield code="a">Title {n}</subfield></datafield>'
    "</record>"
)


def read(data, **kw):
    return list(read_marc(data, **kw))


def collection(*records: str, ns: str = NS) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<collection {ns}>{"".join(records)}</collection>'.encode()
    )


def titles(items):
    return [i.record["245"]["a"] for i in items if i.ok]


@pytest.mark.parametrize(
    ("head", "fmt"),
    [
        (b"<collection/>", "marcxml"),
        (b"\xef\xbb\xbf  \n<?xml version='1.0'?>", "marcxml"),
        (b"\n\n<record>", "marcxml"),
        (b"00714cam a2200205 a 4500", "iso2709"),
        (b'{"leader": ""}', "json"),
        (b"", "iso2709"),
    ],
)
def test_detect_format(head, fmt):
    assert detect_format(head) == fmt


def test_collection_bare_record_and_namespaces():
    assert titles(read(collection(RECORD.format(n=1), RECORD.format(n=2)))) == ["Title 1", "Title 2"]
    assert titles(read(RECORD.format(n=1).replace("<record>", f"<record {NS}>", 1).encode())) == ["Title 1"]
    assert titles(read(collection(RECORD.format(n=1), ns=""))) == ["Title 1"]
    prefixed = collection(RECORD.format(n=1), ns='xmlns:marc="http://www.loc.gov/MARC21/slim"')
    prefixed = prefixed.replace(b"<collection", b"<marc:collection").replace(
        b"</collection", b"</marc:collection"
    )
    for tag in (b"record", b"leader", b"controlfield", b"datafield", b"subfield"):
        prefixed = prefixed.replace(b"<" + tag, b"<marc:" + tag).replace(b"</" + tag, b"</marc:" + tag)
    assert titles(read(prefixed)) == ["Title 1"]
    bom = b"\xef\xbb\xbf" + collection(RECORD.format(n=3))
    assert titles(read(bom)) == ["Title 3"]


def test_xml_records_are_unicode_nfc_with_leader_09_a():
    text = "Truye\u0302\u0323n Kie\u0302\u0300u"  # NFD
    data = collection(RECORD.format(n=1).replace("Title 1", text))
    [item] = read(data)
    assert item.record["245"]["a"] == "Truyện Kiều"
    assert str(item.record.leader)[9] == "a" and item.offset == -1 and item.position == 1


def test_solrmarc_variants_bom_and_no_prolog():
    plain = [i.record.as_marc() for i in read(corpus_path("solrmarc/test/data/records/specTestRecs.xml"))]
    assert plain
    for name in ("specTestRecs_withBOM.xml", "specTestRecs_no_Prolog.xml"):
        assert [i.record.as_marc() for i in read(corpus_path("solrmarc/test/data/records/" + name))] == plain


def test_oai_pmh_response_with_marcxml():
    path = CORPUS / "oai/vufindharvest/tests/fixtures/marc.xml"
    if not path.exists():
        pytest.skip("OAI corpus not available")
    items = read(path)
    assert len(items) == 100 and all(i.ok for i in items)  # 100 OAI records, one MARC record each


def test_broken_record_elements_are_errors_and_the_rest_imports():
    bad_tag = RECORD.format(n=2).replace('tag="245"', 'tag="24"')
    no_leader = RECORD.format(n=3).replace("<leader>00000nam a2200000 a 4500</leader>", "")
    no_code = RECORD.format(n=4).replace(' code="a"', "")
    items = read(collection(RECORD.format(n=1), bad_tag, no_leader, no_code, RECORD.format(n=5)))
    assert [type(i) for i in items] == [ParsedRecord, RecordError, RecordError, RecordError, ParsedRecord]
    assert "'24'" in items[1].reason and "no leader" in items[2].reason and "no code" in items[3].reason
    assert items[1].raw.startswith(b"<record")
    assert titles(items) == ["Title 1", "Title 5"]


def test_missing_indicators_are_blank_with_a_warning():
    data = collection(RECORD.format(n=1).replace(' ind1="1" ind2="0"', ""))
    [item] = read(data)
    assert item.record["245"].indicators == (" ", " ")
    assert any("ind1" in w for w in item.warnings)


def test_not_well_formed_document():
    data = collection(RECORD.format(n=1), RECORD.format(n=2).replace("</subfield>", "</subfeld>"))
    items = read(data)
    assert titles(items[:1]) == ["Title 1"]
    assert not items[1].ok and items[1].reason.startswith("XML not well-formed at line ")
    assert "mismatched tag" in items[1].reason


def test_malformed_fixture_reason():
    [item] = read(corpus_path("mrrc-error-fixtures/tests/data/error_fixtures/e401_malformed_marcxml.xml"))
    assert item.reason.startswith("XML not well-formed at line 5: mismatched tag")


def test_records_after_the_error_are_salvaged_with_a_warning():
    items = read(corpus_path("ruby-marc/test/three-records-second-bad.xml"))
    assert [i.ok for i in items] == [True, False, True]
    assert "recovered" in items[2].warnings[-1]


def test_records_glued_without_a_collection():
    data = ('<?xml version="1.0"?>\n' + RECORD.format(n=1).replace("<record>", f"<record {NS}>")).encode()
    data += ("\n" + RECORD.format(n=2).replace("<record>", f"<record {NS}>")).encode()
    items = read(data)
    assert titles(items) == ["Title 1", "Title 2"] and all(i.ok for i in items)


def test_document_without_records_is_reported():
    [item] = read(b"<modsCollection/>")
    assert not item.ok and "holds no MARC record" in item.reason


def test_xxe_is_not_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    data = f"""<?xml version="1.0"?>
<!DOCTYPE collection [<!ENTITY xxe SYSTEM "file://{secret}">]>
<collection {NS}><record><leader>00000nam a2200000 a 4500</leader>
<datafield tag="245" ind1="0" ind2="0"><subfield code="a">&xxe;</subfield></datafield></record></collection>""".encode()
    with time_limit(10):
        items = read(data)
    assert all("TOP-SECRET" not in repr(getattr(i, "record", "")) for i in items)
    assert all("TOP-SECRET" not in getattr(i, "reason", "") for i in items)


def test_external_dtd_is_not_fetched():
    data = f"""<?xml version="1.0"?>
<!DOCTYPE collection SYSTEM "http://127.0.0.1:9/none.dtd">
<collection {NS}>{RECORD.format(n=1)}</collection>""".encode()
    with time_limit(10):
        assert titles(read(data)) == ["Title 1"]


def test_entity_bomb_fails_safely():
    entities = ['<!ENTITY lol0 "lol">']
    for i in range(1, 10):
        entities.append(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">')  # 10**9 "lol" when expanded
    data = f"""<?xml version="1.0"?>
<!DOCTYPE collection [{"".join(entities)}]>
<collection {NS}><record><leader>00000nam a2200000 a 4500</leader>
<datafield tag="245" ind1="0" ind2="0"><subfield code="a">&lol9;</subfield></datafield></record></collection>""".encode()
    with time_limit(10):
        items = read(data)
    assert len(items) == 1
    if items[0].ok:
        assert len(items[0].record["245"]["a"] or "") < 1000
