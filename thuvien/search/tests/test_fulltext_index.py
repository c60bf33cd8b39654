"""Full text of digital objects in the OPAC index: tiers by access level, what is never indexed, who searches what."""

import datetime as dt

import pytest
from django.utils import timezone

from thuvien.catalog.actions import save_record
from thuvien.catalog.models import Record
from thuvien.catalog.tests.factories import marc_record
from thuvien.digital import actions
from thuvien.digital.models import AccessLevel, DigitalObject, Page, Stage
from thuvien.digital.testing import make_object
from thuvien.search import structured
from thuvien.search.documents import LibraryPaths, build_documents
from thuvien.search.indexer import apply_outbox
from thuvien.search.service import SearchRequest, search

pytestmark = pytest.mark.django_db


def ids(q, fulltext="open", **kwargs):
    result = search(SearchRequest(q=q, fulltext=fulltext, facets=False, **kwargs))
    return {h.record.pk for h in result.hits}


def linked(network, title, texts, **kwargs):
    """A catalogue record of the province with a digital object of TEXTS linked to it."""
    record = save_record(None, marc_record(title, "Tác giả Thử"), library=network["prov"])
    make_object(network["prov"], record=record, title=title, texts=texts, **kwargs)
    return record


@pytest.fixture
def tiers(network):
    records = {
        "open": linked(network, "Địa chí mở", ["Làng Quỳnh Lôi có nghề dệt chiếu cói."]),
        "restricted": linked(
            network, "Gia phả hạn chế", ["Dòng họ Xuyênkhung dời về ven sông."], access=AccessLevel.RESTRICTED
        ),
        "secret": linked(network, "Hồ sơ mật", ["Mật lệnh Tuyệtmật số một."], access=AccessLevel.SECRET),
        "unpublished": linked(network, "Bản chưa duyệt", ["Chữ Chưacôngbố ở đây."], stage=Stage.REVIEWED),
        "embargoed": linked(
            network,
            "Luận văn",
            ["Kết quả Cấmcông trong luận văn."],
            embargo_until=timezone.localdate() + dt.timedelta(days=30),
        ),
    }
    apply_outbox()
    return records


def test_page_words_typed_without_diacritics_find_the_record(tiers):
    assert ids("quynh loi det chieu") == {tiers["open"].pk}
    assert ids("Quỳnh Lôi") == {tiers["open"].pk}
    assert ids('"nghe det chieu"') == {tiers["open"].pk}


def test_restricted_text_only_for_searches_at_the_restricted_tier(tiers):
    assert ids("xuyenkhung") == set()
    assert ids("xuyenkhung", fulltext="restricted") == {tiers["restricted"].pk}
    # The record itself (title, author) is public: only its text is tiered.
    assert ids("gia pha han che") == {tiers["restricted"].pk}


@pytest.mark.parametrize("word", ["tuyetmat", "chuacongbo", "camcong"])
def test_secret_unpublished_and_embargoed_text_is_never_indexed(tiers, word):
    assert ids(word, fulltext="restricted") == set()


def test_no_tier_and_unknown_tiers_search_no_full_text(tiers):
    assert ids("quynh loi", fulltext="") == set()
    assert ids("quynh loi", fulltext="secret") == set()
    assert ids("quynh loi", fulltext="RESTRICTED") == set()


def test_fielded_words_do_not_search_full_text(tiers):
    for q in ("title:quynh", "author:quynh", "subject:quynh", "-quynh"):
        assert tiers["open"].pk not in ids(q, fulltext="restricted"), q
    assert ids("any:quynh") == {tiers["open"].pk}


def test_protocol_searches_never_search_full_text(tiers):
    for index in ("any", "title"):
        count, _found = structured.run(structured.Term(index, "quynh loi"))
        assert count == 0, index
    assert structured.run(structured.Term("any", "dia chi mo"))[0] == 1
    # cql.anywhere over a restricted object's words, with truncation too.
    assert structured.run(structured.Term("any", "xuyenkhung"))[0] == 0
    assert structured.run(structured.Term("any", "xuyenkh", truncation="right"))[0] == 0
    assert structured.run(structured.Term("any", "uyenkhung", truncation="left"))[0] == 0


def test_facet_counts_follow_the_tiers(tiers):
    def type_total(fulltext):
        result = search(SearchRequest(q="tac gia thu xuyenkhung", fulltext=fulltext))
        return result.total, sum(v.count for v in result.facets["type"])

    # "xuyenkhung" is only in the restricted object's text: its record is the only hit of the
    # restricted tier, and nothing at the open tier.
    assert type_total("open") == (0, 0)
    assert type_total("restricted") == (1, 1)


def test_page_overrides_make_single_pages_stricter(network):
    record = linked(
        network,
        "Tập san",
        ["Trang một Mởchung.", "Trang hai Chỉbạnđọc.", "Trang ba Chỉnhânviên."],
    )
    obj = DigitalObject.objects.get(record=record)
    Page.objects.filter(object=obj, seq=2).update(access_override=AccessLevel.RESTRICTED)
    Page.objects.filter(object=obj, seq=3).update(access_override=AccessLevel.SECRET)
    actions.sync_visibility(obj)
    apply_outbox()
    assert ids("mochung") == {record.pk}
    assert ids("chibandoc") == set()
    assert ids("chibandoc", fulltext="restricted") == {record.pk}
    assert ids("chinhanvien", fulltext="restricted") == set()


def test_access_changes_follow_in_the_index(tiers):
    obj = DigitalObject.objects.get(record=tiers["restricted"])
    obj.access = AccessLevel.OPEN
    obj.save(update_fields=["access"])
    actions.sync_visibility(obj)
    apply_outbox()
    assert ids("xuyenkhung") == {tiers["restricted"].pk}
    actions.move_stage(obj, Stage.REVIEWED)
    apply_outbox()
    assert ids("xuyenkhung", fulltext="restricted") == set()


def test_standalone_objects_are_indexed_only_while_open(network):
    opened = make_object(network["prov"], title="Tài liệu độc lập mở", texts=["Chữ Độclậpmở."])
    hidden = make_object(
        network["prov"], title="Tài liệu độc lập hạn chế", texts=["Chữ Độclậphạnchế."], access="restricted"
    )
    apply_outbox()
    assert ids("doclapmo") == {opened.record_id}
    assert ids("tai lieu doc lap", fulltext="restricted") == {opened.record_id}
    assert ids("doclaphanche", fulltext="restricted") == set()
    assert Record.objects.get(pk=hidden.record_id).suppressed


def test_records_without_objects_cost_one_query_per_batch(network, django_assert_num_queries):
    plain = [
        save_record(None, marc_record(f"Sách {n}", "Ai đó"), library=network["prov"]).pk for n in range(5)
    ]
    libraries = LibraryPaths()
    # Items, page texts, records.
    with django_assert_num_queries(3):
        docs = dict(build_documents(plain, libraries))
    assert all("ft" not in doc.to_dict() for doc in docs.values())


def test_prepared_records_skip_the_full_text_query(network, django_assert_num_queries):
    from thuvien.search.analysis import record_fields
    from thuvien.search.documents import RECORD_COLUMNS

    record = save_record(None, marc_record("Sách mới nhập", "Ai đó"), library=network["prov"])
    row = Record.objects.filter(pk=record.pk).values(*RECORD_COLUMNS).get()
    libraries = LibraryPaths()
    with django_assert_num_queries(1):  # the items only
        docs = dict(build_documents([record.pk], libraries, {record.pk: record_fields(row)}))
    assert docs[record.pk] is not None
