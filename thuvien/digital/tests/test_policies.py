"""The pure rules of digital material: who sees and downloads what, the workflow, page ranges, copy fees —
and the database filter of queries.py agreeing with them on every combination."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from thuvien.digital import policies
from thuvien.digital.models import AccessLevel, DigitalObject, Page, Stage
from thuvien.digital.policies import ANONYMOUS, TRANSITIONS, PageRangeError, Viewer, parse_pages

TODAY = dt.date(2026, 11, 16)
OURS = "/VN-TST/VN-TST-XA/"

EMBARGOES = {
    "none": None,
    "lifted long ago": TODAY - dt.timedelta(days=400),
    "lifts today": TODAY,
    "lifts tomorrow": TODAY + dt.timedelta(days=1),
}
VIEWERS = {
    "anonymous": ANONYMOUS,
    "reader": Viewer(reader_id=7),
    "on site": Viewer(on_site=True),
    "staff here": Viewer(staff_paths=(OURS,), user_id=1),
    "staff of the province": Viewer(staff_paths=("/VN-TST/",), user_id=2),
    "staff of a sibling": Viewer(staff_paths=("/VN-TST/VN-TST-THPT/",), user_id=3),
    "staff elsewhere": Viewer(staff_paths=("/VN-KHAC/",), user_id=4),
    "superuser": Viewer(all_libraries=True, user_id=5),
}
MANAGERS = {"staff here", "staff of the province", "superuser"}
# Readers of the network, people inside a library, and any staff member may read restricted material.
MAY_READ_RESTRICTED = {"reader", "on site"} | set(VIEWERS) - {"anonymous"}


def _expected_view(viewer: str, access: str, stage: str, embargo: str, override: str = "") -> bool:
    if viewer in MANAGERS:
        return True
    if stage != Stage.PUBLISHED or embargo == "lifts tomorrow":
        return False
    level = max(access, override or access, key=["open", "restricted", "secret"].index)
    return level == "open" or (level == "restricted" and viewer in MAY_READ_RESTRICTED)


def _expected_download(viewer: str, access: str, stage: str, embargo: str, override: str = "") -> bool:
    if viewer in MANAGERS:
        return True
    visible = stage == Stage.PUBLISHED and embargo != "lifts tomorrow"
    return visible and access == "open" and override in ("", "open")


COMBINATIONS = list(itertools.product(VIEWERS, AccessLevel.values, Stage.values, EMBARGOES))


@pytest.mark.parametrize(("viewer", "access", "stage", "embargo"), COMBINATIONS)
def test_view_and_download_for_every_level_viewer_stage_and_embargo(viewer, access, stage, embargo):
    kw = {
        "library_path": OURS,
        "access": access,
        "stage": stage,
        "embargo_until": EMBARGOES[embargo],
        "today": TODAY,
    }
    assert policies.may_view(VIEWERS[viewer], **kw) is _expected_view(viewer, access, stage, embargo)
    assert policies.may_download(VIEWERS[viewer], **kw) is _expected_download(viewer, access, stage, embargo)


@pytest.mark.parametrize(
    ("viewer", "access", "override"),
    list(itertools.product(VIEWERS, AccessLevel.values, ["", "restricted", "secret"])),
)
def test_a_page_override_only_ever_makes_a_page_stricter(viewer, access, override):
    kw = {"library_path": OURS, "access": access, "stage": Stage.PUBLISHED, "embargo_until": None,
          "today": TODAY, "override": override}  # fmt: skip
    assert policies.may_view(VIEWERS[viewer], **kw) is _expected_view(
        viewer, access, "published", "none", override
    )
    assert policies.may_download(VIEWERS[viewer], **kw) is _expected_download(
        viewer, access, "published", "none", override
    )


def test_public_level():
    published = Stage.PUBLISHED
    assert policies.public_level("open", published, None, TODAY) == "open"
    assert policies.public_level("restricted", published, None, TODAY) == "restricted"
    assert policies.public_level("secret", published, None, TODAY) == ""
    for stage in set(Stage.values) - {published}:
        assert policies.public_level("open", stage, None, TODAY) == ""
    assert policies.public_level("open", published, TODAY + dt.timedelta(days=1), TODAY) == ""
    assert policies.public_level("open", published, TODAY, TODAY) == "open"
    assert policies.public_level("restricted", published, TODAY - dt.timedelta(days=1), TODAY) == "restricted"


def test_under_embargo_lifts_on_its_date():
    assert not policies.under_embargo(None, TODAY)
    assert policies.under_embargo(TODAY + dt.timedelta(days=1), TODAY)
    assert not policies.under_embargo(TODAY, TODAY)
    assert not policies.under_embargo(TODAY - dt.timedelta(days=1), TODAY)


def test_stricter_and_page_level():
    assert policies.stricter("open", "restricted") == "restricted"
    assert policies.stricter("secret", "restricted") == "secret"
    assert policies.stricter("restricted", "restricted") == "restricted"
    assert policies.stricter("", "secret") == "secret" and policies.stricter("open", "") == "open"
    assert policies.page_level("restricted", "") == "restricted"
    assert policies.page_level("secret", "open") == "secret"  # an override never opens a page up
    assert policies.page_level("open", "secret") == "secret"


def test_viewer_properties():
    assert ANONYMOUS.is_anonymous and not ANONYMOUS.is_staff and not ANONYMOUS.may_read_restricted
    assert Viewer(reader_id=1).may_read_restricted and not Viewer(reader_id=1).is_staff
    assert Viewer(on_site=True).may_read_restricted and not Viewer(on_site=True).is_anonymous
    assert Viewer(all_libraries=True).manages("/ANY/")
    staff = VIEWERS["staff of the province"]
    assert staff.manages(OURS) and staff.manages("/VN-TST/") and not staff.manages("/VN-KHAC/")
    # A path is a prefix only at a boundary: VN-TST is not VN-TSTX.
    assert not Viewer(staff_paths=("/VN-TST/",)).manages("/VN-TSTX/")


# --- the workflow ---------------------------------------------------------------------------------

EXPECTED_MOVES = {
    ("selected", "scanned"), ("scanned", "ocr"), ("scanned", "reviewed"), ("scanned", "selected"),
    ("ocr", "reviewed"), ("ocr", "scanned"), ("reviewed", "published"), ("reviewed", "ocr"),
    ("reviewed", "scanned"), ("published", "reviewed"),
}  # fmt: skip


@pytest.mark.parametrize(("a", "b"), list(itertools.product(Stage.values, Stage.values)))
def test_every_move_of_the_workflow(a, b):
    assert policies.may_move(a, b) is ((a, b) in EXPECTED_MOVES)


def test_the_transition_table_is_well_formed():
    assert set(TRANSITIONS) == set(Stage.values)
    assert all(set(targets) <= set(Stage.values) for targets in TRANSITIONS.values())
    assert not policies.may_move("lost", "published") and not policies.may_move("selected", "lost")
    # Publishing is reached by the normal path, and only from a reviewed object.
    path = ["selected", "scanned", "ocr", "reviewed", "published"]
    assert all(policies.may_move(a, b) for a, b in itertools.pairwise(path))
    assert [a for a in Stage.values if policies.may_move(a, "published")] == ["reviewed"]


# --- page ranges and fees -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "pages"),
    [
        ("1", [1]),
        ("1-3, 7", [1, 2, 3, 7]),
        (" 7 ; 1 – 3 ", [1, 2, 3, 7]),
        ("2,2,1-2", [1, 2]),
        ("10-10", [10]),
        ("1-10", list(range(1, 11))),
    ],
)
def test_parse_pages(text, pages):
    assert parse_pages(text, 10) == pages


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        (" , ;", "empty"),
        ("a", "syntax"),
        ("1-", "syntax"),
        ("1-2-3", "syntax"),
        ("-3", "syntax"),
        ("1.5", "syntax"),
        ("0", "range"),
        ("11", "range"),
        ("3-1", "range"),
        ("9-12", "range"),
        ("999999", "syntax"),
    ],
)
def test_parse_pages_refuses(text, reason):
    with pytest.raises(PageRangeError) as exc:
        parse_pages(text, 10)
    assert str(exc.value) == reason


def test_parse_pages_limit():
    assert len(parse_pages("1-50", 100, limit=50)) == 50
    with pytest.raises(PageRangeError, match="too_many"):
        parse_pages("1-50, 51", 100, limit=50)


def test_copy_fee():
    prices = {"per_page": Decimal(2000), "restricted_per_page": Decimal(5000), "minimum": Decimal(10000)}
    assert policies.copy_fee(3, "open", **prices) == Decimal(10000)  # the minimum
    assert policies.copy_fee(6, "open", **prices) == Decimal(12000)
    assert policies.copy_fee(6, "restricted", **prices) == Decimal(30000)
    assert policies.copy_fee(2, "restricted", **prices) == Decimal(10000)
    assert policies.copy_fee(0, "open", **prices) == Decimal(0)
    assert (
        policies.copy_fee(5, "open", per_page=Decimal(0), restricted_per_page=Decimal(0), minimum=Decimal(0))
        == 0
    )


# --- the database filter agrees with the rules ------------------------------------------------------


@pytest.mark.django_db
def test_visible_objects_and_pages_agree_with_may_view_on_every_combination(network, settings):
    from django.utils import timezone

    from thuvien.digital import queries

    today = timezone.localdate()
    embargoes = {name: None if d is None else today + (d - TODAY) for name, d in EMBARGOES.items()}
    objects = {}
    for access, stage, embargo in itertools.product(AccessLevel.values, Stage.values, EMBARGOES):
        obj = DigitalObject.objects.create(library=network["commune"], title=f"{access} {stage} {embargo}",
                                           access=access, stage=stage, embargo_until=embargoes[embargo])  # fmt: skip
        for seq, override in enumerate(["", "restricted", "secret"], 1):
            Page.objects.create(object=obj, seq=seq, width=1, height=1, access_override=override)
        objects[obj.pk] = (access, stage, embargo)
    foreign = DigitalObject.objects.create(
        library=network["other_prov"], title="x", access="secret", stage="selected"
    )

    for name, viewer in VIEWERS.items():
        visible = set(queries.visible_objects(viewer).values_list("pk", flat=True))
        expected = {pk for pk, combo in objects.items() if _expected_view(name, *combo)}
        assert visible - {foreign.pk} == expected, name
        assert (foreign.pk in visible) is (name in ("staff elsewhere", "superuser")), name
        for pk in expected:
            access, stage, embargo = objects[pk]
            obj = DigitalObject.objects.select_related("library").get(pk=pk)
            seen = [p.access_override for p in queries.visible_pages(viewer, obj)]
            assert seen == [
                o for o in ["", "restricted", "secret"] if _expected_view(name, access, stage, embargo, o)
            ]
            assert queries.may_download(viewer, obj) is _expected_download(name, access, stage, embargo)
