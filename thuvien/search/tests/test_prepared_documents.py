"""Fields the import prepares for the indexer give the document the database would, items included."""

import io

import pymarc
import pytest
import tantivy

from thuvien.catalog.importer import holdings_maps, import_marc
from thuvien.catalog.models import Item, Record
from thuvien.catalog.prepare import Prepared, prepare_iso2709
from thuvien.catalog.tests.factories import marc_record
from thuvien.search import documents, index
from thuvien.search.documents import LibraryPaths, PreparedDocuments, build_documents
from thuvien.search.indexer import apply_outbox, lag
from thuvien.search.models import OutboxEntry

pytestmark = pytest.mark.django_db


def mrc(records) -> bytes:
    out = io.BytesIO()
    writer = pymarc.MARCWriter(out)
    for record in records:
        writer.write(record)
    return out.getvalue()


def with_items():
    """Records with copies in several libraries (one unknown), call numbers and acquisition dates."""
    a = marc_record(
        "Lịch sử Việt Nam",
        "Trần Trọng Kim",
        subjects=["Lịch sử -- Việt Nam", "Lịch sử"],
        holdings=[("VN-TST-XA", "B1", "959.7 T 772"), ("VN-TST-THPT", "B2", ""), ("VN-NOPE", "B3", "x")],
    )
    a["952"].add_subfield("d", "2021-03-04")
    b = marc_record("Số đỏ", "Vũ Trọng Phụng", isbn="9786041234567", holdings=[("VN-TST", "B4", "895.9223")])
    c = marc_record("Không có bản", "")
    return [a, b, c]


def prepared_fields(data: bytes) -> dict:
    results = prepare_iso2709((b"\x1d" + data, -1, "auto", holdings_maps(), True))
    return {r.control_number: r.fields for r in results if isinstance(r, Prepared)}


def count(field, term) -> int:
    index.refresh()
    return index.searcher().search(tantivy.Query.term_query(index.SCHEMA, field, term), 1, count=True).count


def assert_same_documents(fields_by_id):
    libraries = LibraryPaths()
    from_db = {rid: doc.to_dict() for rid, doc in build_documents(list(fields_by_id), libraries)}
    prepared = {
        rid: doc.to_dict() for rid, doc in build_documents(list(fields_by_id), libraries, fields_by_id)
    }
    assert prepared == from_db
    return from_db


def test_prepared_fields_give_the_database_document(corpus, network):
    data = (corpus / "marc/_derived/real_bib_5349_utf8.mrc").read_bytes()[:600_000]
    data = data[: data.rfind(b"\x1d") + 1] + mrc(with_items())
    import_marc(data, library=network["prov"])
    # Copies change after the import: availability and holdings come from the database.
    Item.objects.filter(barcode="B1").update(status="checked_out")
    Item.objects.filter(barcode="B2").update(status="reading_room", current_library=network["commune"])
    fields = prepared_fields(data)
    ids = dict(Record.objects.values_list("control_number", "id"))
    by_id = {ids[cn]: f for cn, f in fields.items()}
    assert len(by_id) > 400
    docs = assert_same_documents(by_id)
    with_copies = [d for d in docs.values() if d.get("f_library")]
    assert any(set(d["f_library"]) == {"VN-TST-XA", "VN-TST-THPT", "VN-TST"} for d in with_copies)
    assert any("*" in d.get("f_avail", []) for d in with_copies)
    assert any(d["acquired"] == [20210304] for d in with_copies)


def test_prepared_fields_follow_a_call_number_change_of_the_items(network):
    data = mrc([marc_record("Tắt đèn", "Ngô Tất Tố", holdings=[("VN-TST", "C1", "895.9 N 576")])])
    import_marc(data, library=network["prov"])
    record = Record.objects.get()
    Item.objects.filter(barcode="C1").update(call_number="VV 123")
    (fields,) = prepared_fields(data).values()
    docs = assert_same_documents({record.pk: fields})
    assert "vv123" in docs[record.pk]["callno"]


def test_the_cache_serves_only_the_newest_outbox_entry():
    cache = PreparedDocuments(limit=3)
    cache.put([(1, 10, "a"), (2, 11, "b"), (3, 12, "c")])
    # Record 1's entry is for outbox 10, but 13 is newer: dropped. Record 2's is the newest: used.
    # Record 3's entry (12) is beyond what is being applied (9): kept for later.
    assert cache.take({1: 13, 2: 11, 3: 9}) == {2: "b"}
    assert len(cache) == 1
    assert cache.take({3: 12}) == {3: "c"}
    cache.put([(4, 1, "d"), (5, 2, "e"), (6, 3, "f"), (7, 4, "g")])
    assert len(cache) == 3 and cache.take({4: 1}) == {}  # the oldest went over the limit


def test_apply_outbox_reads_the_database_when_the_record_changed_since(network):
    data = mrc([marc_record("Nhan đề cũ", "Tác giả")])
    import_marc(data, library=network["prov"])
    record = Record.objects.get()
    (fields,) = prepared_fields(data).values()
    first_entry = OutboxEntry.objects.get(record_id=record.pk).pk
    Record.objects.filter(pk=record.pk).update(title="Nhan đề mới")
    OutboxEntry.objects.create(record_id=record.pk)
    documents.prepared.put([(record.pk, first_entry, fields)])
    try:
        assert apply_outbox() == 2
    finally:
        documents.prepared.clear()
    assert count("title", "moi") == 1
    assert count("title", "cu") == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_import_indexes_as_it_stores(corpus, network):
    report = import_marc(corpus / "marc/_derived/real_bib_5349_utf8.mrc", library=network["prov"], index=True)
    assert report.imported == 5349
    assert lag()["pending"] == 0
    assert len(documents.prepared) == 0
    assert count("doctype", "record") == 5349
    assert apply_outbox() == 0
