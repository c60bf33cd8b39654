"""Writes to digital objects: describing, access and suppression of surrogates, pages, collections, TOC,
the workflow, deletion, and what record merges do to objects."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from thuvien.audit.models import AuditEntry
from thuvien.catalog.actions import merge_records, save_item, save_record, unmerge
from thuvien.catalog.exceptions import CatalogError
from thuvien.catalog.models import Collection, Item, Record
from thuvien.catalog.tests.factories import marc_record
from thuvien.digital import actions, policies, storage
from thuvien.digital.exceptions import DigitalError
from thuvien.digital.models import (
    AccessLevel,
    CopyRequest,
    CopyStatus,
    DigitalObject,
    Page,
    Rights,
    Stage,
    StageChange,
)
from thuvien.digital.testing import make_object

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _standalone(network, actor=None, **kw):
    kw.setdefault("dc", {"title": "Địa chí làng Hòa Bình", "creator": ["Nguyễn Văn An"], "date": "1938"})
    return actions.create_object(library=network["commune"], actor=actor, **kw)


def _record(network, title="Truyện Kiều", library="commune"):
    return save_record(None, marc_record(title, "Nguyễn Du", subjects=("Thơ",)), library=network[library])


def _surrogate(obj) -> Record:
    return Record.objects.get(pk=DigitalObject.objects.get(pk=obj.pk).record_id)


def _types(obj) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_type="digital.digitalobject", object_id=str(obj.pk))
        .order_by("pk")
        .values_list("type", flat=True)
    )


# --- description ------------------------------------------------------------------------------


def test_editing_a_standalone_objects_dublin_core_regenerates_its_surrogate_record(
    network, commune_librarian
):
    obj = _standalone(network, commune_librarian)
    first = _surrogate(obj)
    dc = {"title": "Địa chí xã Hòa Bình", "creator": "Trần Thị Bình; Lê Văn Cường", "subject": "Địa chí\nLàng xã",
          "publisher": "Nhà in Hà Nội", "coverage": "Hòa Bình"}  # fmt: skip
    obj = actions.update_description(obj, actor=commune_librarian, dc=dc)
    assert obj.title == "Địa chí xã Hòa Bình" and obj.owns_record
    assert obj.dc["creator"] == ["Trần Thị Bình", "Lê Văn Cường"] and obj.dc["subject"] == [
        "Địa chí",
        "Làng xã",
    ]
    record = _surrogate(obj)
    assert record.pk == first.pk  # regenerated in place: its identifier stays stable for harvesters
    assert record.title == "Địa chí xã Hòa Bình" and record.author == "Trần Thị Bình"
    assert record.publisher == "Nhà in Hà Nội"
    assert "digital.object.described" in _types(obj)


@pytest.mark.parametrize(
    ("dc", "language", "year", "material"),
    [
        ({"language": "chi", "date": "năm Thành Thái thứ 2 (1890)", "type": "Text"}, "chi", 1890, "book"),
        ({"date": "1925", "type": "StillImage"}, "vie", 1925, "image"),
        ({"language": "tiếng Việt"}, "", None, "book"),  # "und": undetermined
    ],
)
def test_the_surrogate_records_fixed_fields_follow_the_dublin_core(network, dc, language, year, material):
    record = _surrogate(
        actions.create_object(library=network["commune"], actor=None, dc={"title": "Gia phả"} | dc)
    )
    assert (record.language, record.year, record.material_type) == (language, year, material)
    assert len(json.loads(record.marc)["fields"][0]["008"]) == 40


def test_dublin_core_is_stored_nfc(network, commune_librarian):
    decomposed = "Hoa\u0300 Bi\u0300nh"
    obj = actions.update_description(_standalone(network), actor=commune_librarian, dc={"title": decomposed})
    assert obj.title == "Hoà Bình" and obj.dc["title"] == "Hoà Bình"


def test_a_standalone_object_needs_a_title(network, commune_librarian):
    with pytest.raises(DigitalError):
        actions.update_description(_standalone(network), actor=commune_librarian, dc={"creator": ["Ai đó"]})


def test_linking_a_standalone_object_to_a_record_drops_its_surrogate(network, commune_librarian):
    obj = _standalone(network)
    surrogate = _surrogate(obj)
    record = _record(network)
    obj = actions.update_description(obj, actor=commune_librarian, record=record)
    assert obj.record_id == record.pk and not obj.owns_record and obj.dc == {}
    assert obj.title == "Truyện Kiều"
    surrogate.refresh_from_db()
    assert surrogate.deleted_at is not None
    assert "digital.object.linked" in _types(obj)


def test_unlinking_makes_the_object_standalone_with_the_records_dublin_core(network, commune_librarian):
    record = _record(network)
    obj = actions.create_object(
        library=network["commune"], actor=None, record=record, access=AccessLevel.SECRET
    )
    obj = actions.update_description(obj, actor=commune_librarian, record=None)
    assert obj.owns_record and obj.record_id != record.pk
    assert obj.dc["title"] == "Truyện Kiều" and obj.dc["creator"] == ["Nguyễn Du"]
    assert obj.dc["subject"] == ["Thơ"] and obj.dc["date"] == "2020"
    surrogate = _surrogate(obj)
    assert surrogate.title == "Truyện Kiều" and surrogate.suppressed  # a secret object's surrogate
    record.refresh_from_db()
    assert record.deleted_at is None and not record.suppressed


def test_relinking_and_what_cannot_be_linked(network, commune_librarian):
    record, other = _record(network), _record(network, "Lục Vân Tiên")
    obj = actions.create_object(library=network["commune"], actor=None, record=record)
    obj = actions.update_description(obj, actor=commune_librarian, record=other)
    assert obj.record_id == other.pk and obj.title == "Lục Vân Tiên"
    with pytest.raises(DigitalError):  # a linked object is described by its record
        actions.update_description(obj, actor=commune_librarian, dc={"title": "Khác"})
    with pytest.raises(DigitalError):  # another object's surrogate
        actions.update_description(obj, actor=commune_librarian, record=_surrogate(_standalone(network)))
    Record.objects.filter(pk=record.pk).update(deleted_at=timezone.now())
    with pytest.raises(DigitalError):
        actions.update_description(obj, actor=commune_librarian, record=record)
    obj = actions.update_description(obj, actor=commune_librarian, title="Lục Vân Tiên (bản khắc gỗ)")
    assert obj.title == "Lục Vân Tiên (bản khắc gỗ)" and obj.record_id == other.pk


# --- access and the surrogate's suppression ---------------------------------------------------------


@pytest.mark.parametrize(
    ("access", "stage", "embargo", "suppressed"),
    [
        (AccessLevel.OPEN, Stage.PUBLISHED, None, False),
        (AccessLevel.RESTRICTED, Stage.PUBLISHED, None, True),
        (AccessLevel.SECRET, Stage.PUBLISHED, None, True),
        (AccessLevel.OPEN, Stage.REVIEWED, None, True),
        (AccessLevel.OPEN, Stage.SELECTED, None, True),
        (AccessLevel.OPEN, Stage.PUBLISHED, TODAY + dt.timedelta(days=1), True),
        (AccessLevel.OPEN, Stage.PUBLISHED, TODAY, False),
        (AccessLevel.OPEN, Stage.PUBLISHED, TODAY - dt.timedelta(days=30), False),
    ],
)
def test_a_surrogate_record_is_shown_only_when_the_object_is_open_to_all(
    network, commune_librarian, access, stage, embargo, suppressed
):
    obj = _standalone(network, stage=stage, access=AccessLevel.SECRET)
    assert _surrogate(obj).suppressed
    obj = actions.set_access(obj, actor=commune_librarian, access=access, embargo_until=embargo)
    assert _surrogate(obj).suppressed is suppressed
    assert obj.synced_level == policies.public_level(access, stage, embargo, TODAY)


def test_access_changes_are_audited_and_reversible(network, commune_librarian):
    obj = _standalone(network, stage=Stage.PUBLISHED, access=AccessLevel.OPEN)
    assert not _surrogate(obj).suppressed
    obj = actions.set_access(obj, actor=commune_librarian, access=AccessLevel.RESTRICTED, embargo_until=None)
    assert _surrogate(obj).suppressed
    obj = actions.set_access(obj, actor=commune_librarian, access=AccessLevel.OPEN, embargo_until=None)
    assert not _surrogate(obj).suppressed
    entry = AuditEntry.objects.filter(type="digital.object.access").order_by("pk").first()
    assert entry.data["access"] == "restricted" and entry.data["previous_access"] == "open"


def test_a_linked_record_is_never_suppressed_by_the_digital_library(network, commune_librarian):
    record = _record(network)
    obj = actions.create_object(library=network["commune"], actor=None, record=record, stage=Stage.PUBLISHED,
                                access=AccessLevel.OPEN)  # fmt: skip
    for access in (AccessLevel.SECRET, AccessLevel.RESTRICTED):
        actions.set_access(obj, actor=commune_librarian, access=access, embargo_until=None)
        record.refresh_from_db()
        assert not record.suppressed
    # Nor shown again: a cataloguer's suppression is his own.
    Record.objects.filter(pk=record.pk).update(suppressed=True)
    actions.set_access(obj, actor=commune_librarian, access=AccessLevel.OPEN, embargo_until=None)
    record.refresh_from_db()
    assert record.suppressed


def test_the_embargo_lifts_on_its_date(network, commune_librarian):
    tomorrow = TODAY + dt.timedelta(days=1)
    obj = _standalone(network, stage=Stage.PUBLISHED, access=AccessLevel.OPEN)
    actions.set_access(obj, actor=commune_librarian, access=AccessLevel.OPEN, embargo_until=tomorrow)
    assert _surrogate(obj).suppressed
    assert actions.sync_due_visibility(TODAY) == 0
    assert actions.sync_due_visibility(tomorrow) == 1
    assert not _surrogate(obj).suppressed


def test_rights_are_validated_and_carried_into_the_surrogate(network, commune_librarian):
    obj = _standalone(network)
    with pytest.raises(DigitalError):
        actions.set_access(obj, actor=commune_librarian, access="public", embargo_until=None)
    with pytest.raises(DigitalError):
        actions.set_access(obj, actor=commune_librarian, access=AccessLevel.OPEN, embargo_until=None,
                           rights="http://example.org/free")  # fmt: skip
    obj = actions.set_access(obj, actor=commune_librarian, access=AccessLevel.OPEN, embargo_until=None,
                             rights=Rights.NOC_US, rights_note="Hết thời hạn bảo hộ")  # fmt: skip
    marc = _surrogate(obj).marc
    assert Rights.NOC_US.value in marc and "Hết thời hạn bảo hộ" in marc


# --- pages ----------------------------------------------------------------------------------------


def test_a_page_override_is_only_ever_stricter_and_purges_that_pages_cache(
    network, commune_librarian, django_capture_on_commit_callbacks
):
    obj = make_object(network["commune"], texts=["Trang một.", "Trang hai."])
    page = obj.pages.get(seq=2)
    for seq in (1, 2):
        cached = storage.cache_dir(obj.pk, seq) / "full" / "default.jpg"
        cached.parent.mkdir(parents=True)
        cached.write_bytes(b"jpeg")
    with pytest.raises(DigitalError):
        actions.set_page_override(page, AccessLevel.OPEN, actor=commune_librarian)
    with pytest.raises(DigitalError):
        actions.set_page_override(page, "public", actor=commune_librarian)
    with django_capture_on_commit_callbacks(execute=True):
        page = actions.set_page_override(page, AccessLevel.SECRET, actor=commune_librarian)
    assert Page.objects.get(pk=page.pk).access_override == "secret"
    assert not storage.cache_dir(obj.pk, 2).exists() and storage.cache_dir(obj.pk, 1).exists()
    actions.set_page_override(page, "", actor=commune_librarian)
    assert Page.objects.get(pk=page.pk).access_override == ""
    assert AuditEntry.objects.filter(type="digital.page.override").count() == 2


def test_relabel_pages(network, commune_librarian):
    obj = make_object(network["commune"], texts=["Bìa.", "Lời nói đầu.", "Chương một."])
    assert actions.relabel_pages(obj, ["Bìa", "i", "1"], actor=commune_librarian) == 3
    assert list(obj.pages.values_list("label", flat=True)) == ["Bìa", "i", "1"]
    assert actions.relabel_pages(obj, {2: "ii", 3: "1"}, actor=commune_librarian) == 1
    with pytest.raises(DigitalError):
        actions.relabel_pages(obj, {4: "2"}, actor=commune_librarian)
    with pytest.raises(DigitalError):
        actions.relabel_pages(obj, {1: "x" * 101}, actor=commune_librarian)
    assert list(obj.pages.values_list("label", flat=True)) == ["Bìa", "ii", "1"]


def test_table_of_contents(network, commune_librarian):
    obj = make_object(network["commune"], texts=["Một.", "Hai.", "Ba."])
    obj = actions.set_toc(
        obj, "Lời nói đầu | 1\n\n  Chương 1: Hoa Lư | 2 \nChương 2 | 3", actor=commune_librarian
    )
    assert obj.toc == [{"label": "Lời nói đầu", "page": 1}, {"label": "Chương 1: Hoa Lư", "page": 2},
                       {"label": "Chương 2", "page": 3}]  # fmt: skip
    assert actions.parse_toc(actions.toc_text(obj.toc)) == obj.toc
    for bad in ("Chương 3 | 4", "Chương 0 | 0", "Không có số trang", " | 2", "Chương | hai"):
        with pytest.raises(DigitalError):
            actions.set_toc(obj, bad, actor=commune_librarian)
    with pytest.raises(DigitalError):
        actions.set_toc(obj, [{"label": "", "page": 1}], actor=commune_librarian)
    assert DigitalObject.objects.get(pk=obj.pk).toc == obj.toc
    assert actions.set_toc(obj, "", actor=commune_librarian).toc == []


# --- collections ---------------------------------------------------------------------------------


def test_collections_of_the_library_its_ancestors_or_the_network_only(network, commune_librarian):
    ours = Collection.objects.create(
        code="xa", name="Địa chí xã", kind="local_history", library=network["commune"]
    )
    province = Collection.objects.create(code="tinh", name="Hán Nôm", kind="rare", library=network["prov"])
    everyone = Collection.objects.create(code="chung", name="Báo xưa", kind="newspaper")
    sibling = Collection.objects.create(
        code="truong", name="Nội sinh", kind="endogenous", library=network["school"]
    )
    foreign = Collection.objects.create(
        code="khac", name="Tỉnh khác", kind="rare", library=network["other_prov"]
    )
    obj = _standalone(network)
    assert set(actions.allowed_collections(network["commune"])) == {ours, province, everyone}
    actions.set_collections(obj, [ours, province, everyone], actor=commune_librarian)
    assert set(obj.collections.all()) == {ours, province, everyone}
    for bad in (sibling, foreign):
        with pytest.raises(DigitalError):
            actions.set_collections(obj, [ours, bad], actor=commune_librarian)
    assert set(obj.collections.all()) == {ours, province, everyone}
    actions.set_collections(obj, [], actor=commune_librarian)
    assert not obj.collections.exists()
    entry = AuditEntry.objects.filter(type="digital.object.collections").order_by("pk").last()
    assert sorted(entry.data["removed"]) == sorted([ours.pk, province.pk, everyone.pk])


# --- workflow ------------------------------------------------------------------------------------


def test_the_workflow_moves_only_along_its_transitions(network, commune_librarian):
    obj = _standalone(network, access=AccessLevel.OPEN)
    with pytest.raises(DigitalError):
        actions.move_stage(obj, Stage.PUBLISHED, actor=commune_librarian)
    for stage in (Stage.SCANNED, Stage.OCR, Stage.REVIEWED):
        obj = actions.move_stage(obj, stage, actor=commune_librarian, note="xong")
    with pytest.raises(DigitalError):  # no pages yet
        actions.move_stage(obj, Stage.PUBLISHED, actor=commune_librarian)
    assert _surrogate(obj).suppressed


def test_publishing_shows_the_surrogate_and_going_back_hides_it(network, commune_librarian):
    obj = make_object(network["commune"], texts=["Một trang."], stage=Stage.REVIEWED)
    obj = actions.move_stage(obj, Stage.PUBLISHED, actor=commune_librarian, note="Đã kiểm tra")
    assert obj.published_at is not None and not _surrogate(obj).suppressed
    obj = actions.move_stage(obj, Stage.REVIEWED, actor=commune_librarian, note="Sửa lại trang 1")
    assert _surrogate(obj).suppressed
    history = list(StageChange.objects.filter(object=obj).values_list("to_stage", "note"))
    assert history[-2:] == [("published", "Đã kiểm tra"), ("reviewed", "Sửa lại trang 1")]


# --- deletion ------------------------------------------------------------------------------------


@pytest.fixture
def reader(network):
    from thuvien.patrons.actions import register_reader

    return register_reader(card="TST0001", full_name="Nguyễn Thị Hoà", home_library=network["prov"],
                           category="adult", pin="1234")  # fmt: skip


def test_delete_removes_the_object_its_files_and_its_surrogate(
    network, commune_librarian, django_capture_on_commit_callbacks
):
    obj = make_object(network["commune"], texts=["Một.", "Hai."])
    surrogate = _surrogate(obj)
    cached = storage.cache_dir(obj.pk, 1) / "x.jpg"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"jpeg")
    assert storage.master_path(obj.pk, 2).is_file()
    with django_capture_on_commit_callbacks(execute=True):
        actions.delete_object(obj, actor=commune_librarian)
    assert (
        not DigitalObject.objects.filter(pk=obj.pk).exists()
        and not Page.objects.filter(object_id=obj.pk).exists()
    )
    assert not storage.object_dir(obj.pk).exists() and not storage.cache_dir(obj.pk).exists()
    surrogate.refresh_from_db()
    assert surrogate.deleted_at is not None
    assert AuditEntry.objects.filter(type="digital.object.deleted", object_id=str(obj.pk)).exists()


def test_delete_keeps_a_linked_record(network, commune_librarian):
    record = _record(network)
    obj = actions.create_object(library=network["commune"], actor=None, record=record)
    actions.delete_object(obj, actor=commune_librarian)
    record.refresh_from_db()
    assert record.deleted_at is None


@pytest.mark.parametrize("status", [CopyStatus.REQUESTED, CopyStatus.APPROVED, CopyStatus.READY])
def test_delete_is_refused_while_a_reader_waits_for_a_copy(network, commune_librarian, reader, status):
    obj = make_object(network["commune"], texts=["Một."])
    CopyRequest.objects.create(reader=reader, object=obj, pages=[1], pages_text="1", status=status,
                               expires_at=timezone.now() + dt.timedelta(days=3))  # fmt: skip
    with pytest.raises(DigitalError):
        actions.delete_object(obj, actor=commune_librarian)
    assert DigitalObject.objects.filter(pk=obj.pk).exists() and storage.master_path(obj.pk, 1).is_file()


def test_finished_copy_requests_go_with_the_object(
    network, commune_librarian, reader, django_capture_on_commit_callbacks
):
    obj = make_object(network["commune"], texts=["Một."])
    done = CopyRequest.objects.create(
        reader=reader,
        object=obj,
        pages=[1],
        pages_text="1",
        status=CopyStatus.READY,
        expires_at=timezone.now() - dt.timedelta(days=1),
    )
    CopyRequest.objects.create(
        reader=reader, object=obj, pages=[1], pages_text="1 ", status=CopyStatus.REJECTED
    )
    pdf = storage.copy_path(done.pk)
    pdf.parent.mkdir(parents=True)
    pdf.write_bytes(b"%PDF-1.7")
    with django_capture_on_commit_callbacks(execute=True):
        actions.delete_object(obj, actor=commune_librarian)
    assert not CopyRequest.objects.filter(object_id=obj.pk).exists() and not pdf.exists()


# --- record merges -------------------------------------------------------------------------------


def _held(network, title, barcode):
    record = _record(network, title, library="prov")
    save_item(Item(record=record, library=network["prov"], current_library=network["prov"], barcode=barcode))
    return record


def test_merging_records_moves_their_digital_objects_and_unmerge_brings_them_back(
    network, provincial_librarian
):
    survivor, merged = _held(network, "Tắt đèn", "A-1"), _held(network, "Tat den", "B-1")
    obj = actions.create_object(library=network["commune"], actor=None, record=merged)
    merge = merge_records(survivor, merged, actor=provincial_librarian)
    assert DigitalObject.objects.get(pk=obj.pk).record_id == survivor.pk
    assert merge.moved["digital_objects"] == [obj.pk]
    unmerge(merge, actor=provincial_librarian)
    assert DigitalObject.objects.get(pk=obj.pk).record_id == merged.pk


def test_a_surrogate_merged_into_a_record_links_its_object_until_unmerged(network, provincial_librarian):
    record = _held(network, "Địa chí làng Hòa Bình", "A-1")
    obj = _standalone(network, access=AccessLevel.SECRET)
    surrogate = _surrogate(obj)
    merge = merge_records(record, surrogate, actor=provincial_librarian)
    moved = DigitalObject.objects.get(pk=obj.pk)
    assert moved.record_id == record.pk and not moved.owns_record
    record.refresh_from_db()
    assert not record.suppressed
    unmerge(merge, actor=provincial_librarian)
    back = DigitalObject.objects.get(pk=obj.pk)
    assert back.record_id == surrogate.pk and back.owns_record
    surrogate.refresh_from_db()
    assert surrogate.suppressed and surrogate.deleted_at is None


def test_a_surrogate_record_cannot_survive_a_merge(network, provincial_librarian):
    record = _held(network, "Địa chí làng Hòa Bình", "A-1")
    surrogate = _surrogate(_standalone(network))
    with pytest.raises(CatalogError):
        merge_records(surrogate, record, actor=provincial_librarian)
    assert Item.objects.get(barcode="A-1").record_id == record.pk
