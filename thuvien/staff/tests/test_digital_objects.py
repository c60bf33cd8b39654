"""Staff pages of the digital library: who may open each of them, and what each one does."""

from __future__ import annotations

import pytest

from thuvien.catalog.actions import save_item, save_record
from thuvien.catalog.models import Collection, Item, Record
from thuvien.catalog.tests.factories import marc_record
from thuvien.digital import actions
from thuvien.digital.models import AccessLevel, DigitalObject, Page, Rights, Stage
from thuvien.digital.testing import make_object

pytestmark = pytest.mark.django_db


@pytest.fixture
def obj(network):
    return make_object(network["commune"], title="Địa chí xã Hòa Bình", texts=["Trang một.", "Trang hai."],
                       access=AccessLevel.SECRET, stage=Stage.REVIEWED)  # fmt: skip


@pytest.fixture
def circulation_only(network):
    from thuvien.accounts.models import StaffRole, User

    user = User.objects.create_user("luuthong", password="mat-khau-thu-nghiem-1")  # noqa: S106
    StaffRole.objects.create(user=user, library=network["prov"], role="circulation")
    return user


def _routes(obj):
    """Every route: (method, path, data, what a manager gets)."""
    base = f"/staff/digital/{obj.pk}"
    return [
        ("get", f"{base}/", None, 200),
        ("get", f"{base}/edit/", None, 200),
        ("post", f"{base}/edit/", {"action": "dc", "title": "Địa chí xã Hòa Bình (bản sửa)"}, 302),
        ("get", f"{base}/delete/", None, 200),
        ("post", f"{base}/access/", {"access": "restricted", "rights": Rights.CNE.value}, 302),
        ("post", f"{base}/stage/", {"to": "ocr", "note": ""}, 302),
        ("post", f"{base}/pages/", {"seq": ["1"], "label-1": "Bìa", "override-1": ""}, 302),
        ("post", f"{base}/toc/", {"toc": "Mở đầu | 1"}, 302),
        ("post", f"{base}/collections/", {}, 302),
        ("post", f"{base}/delete/", {"confirm": "yes"}, 302),  # last: it deletes
    ]


@pytest.mark.parametrize("who", ["commune_librarian", "provincial_librarian"])
def test_the_cataloguers_of_the_library_and_above_may_use_every_route(request, client, obj, who):
    client.force_login(request.getfixturevalue(who))
    for method, path, data, expected in _routes(obj):
        response = getattr(client, method)(path, data or {})
        assert response.status_code == expected, (path, response.status_code)
    assert not DigitalObject.objects.filter(pk=obj.pk).exists()
    for path in ("/staff/digital/", "/staff/digital/new/", "/staff/digital/stats/"):
        assert client.get(path).status_code == 200


def test_staff_of_another_library_get_404_for_our_objects(client, obj, other_library_staff):
    client.force_login(other_library_staff)
    for method, path, data, _expected in _routes(obj):
        assert getattr(client, method)(path, data or {}).status_code == 404, path
    fresh = DigitalObject.objects.get(pk=obj.pk)
    assert (fresh.access, fresh.stage, fresh.toc) == ("secret", "reviewed", [])
    page = client.get("/staff/digital/").content.decode()
    assert "Hòa Bình" not in page
    assert "Hòa Bình" not in client.get("/staff/digital/?q=hoa+binh").content.decode()


def test_staff_without_a_cataloguing_role_are_refused(client, obj, circulation_only):
    client.force_login(circulation_only)
    for method, path, data, _expected in _routes(obj):
        assert getattr(client, method)(path, data or {}).status_code == 403, path
    for path in ("/staff/digital/", "/staff/digital/new/", "/staff/digital/stats/"):
        assert client.get(path).status_code == 403
    assert DigitalObject.objects.filter(pk=obj.pk).exists()


def test_anonymous_visitors_are_sent_to_the_login(client, obj):
    for method, path, data, _expected in _routes(obj):
        response = getattr(client, method)(path, data or {})
        assert response.status_code == 302 and "/login/" in response["Location"], path
    assert client.get("/staff/digital/").status_code == 302
    assert DigitalObject.objects.get(pk=obj.pk).access == "secret"


# --- the list -------------------------------------------------------------------------------------


def test_the_list_filters_searches_without_diacritics_and_counts_stages(
    client, network, commune_librarian, provincial_librarian, obj
):
    local = Collection.objects.create(code="dia-chi", name="Địa chí", kind="local_history")
    other = actions.create_object(library=network["prov"], actor=None, dc={"title": "Gia phả họ Đinh"},
                                  access=AccessLevel.OPEN, collections=[local])  # fmt: skip
    client.force_login(provincial_librarian)
    page = client.get("/staff/digital/").content.decode()
    assert "Địa chí xã Hòa Bình" in page and "Gia phả họ Đinh" in page
    assert "/staff/digital/ingest/" in page and "/staff/digital/new/" in page

    def titles(query):
        body = client.get("/staff/digital/?" + query).content.decode()
        return {t for t in ("Địa chí xã Hòa Bình", "Gia phả họ Đinh") if t in body}

    assert titles("q=dia+chi+xa+hoa") == {"Địa chí xã Hòa Bình"}
    assert titles("q=ĐINH") == {"Gia phả họ Đinh"}
    assert titles(f"q={other.pk}") == {"Gia phả họ Đinh"}
    assert titles("stage=reviewed") == {"Địa chí xã Hòa Bình"}
    assert titles("access=open") == {"Gia phả họ Đinh"}
    assert titles(f"collection={local.pk}") == {"Gia phả họ Đinh"}
    assert titles(f"library={network['commune'].pk}") == {"Địa chí xã Hòa Bình"}
    board = client.get("/staff/digital/?access=secret").context["board"]
    assert dict((value, n) for value, _label, n in board) == {"selected": 0, "scanned": 0, "ocr": 0, "reviewed": 1,
                                                             "published": 0}  # fmt: skip
    # The commune's cataloguer sees his library's objects only.
    client.force_login(commune_librarian)
    assert titles("") == {"Địa chí xã Hòa Bình"}


def test_the_list_pages(client, network, commune_librarian):
    for n in range(30):
        DigitalObject.objects.create(library=network["commune"], title=f"Tài liệu {n:02d}")
    client.force_login(commune_librarian)
    first = client.get("/staff/digital/?stage=selected")
    assert len(first.context["page"]) == 25 and "page=2" in first.content.decode()
    assert len(client.get("/staff/digital/?stage=selected&page=2").context["page"]) == 5


# --- creating ------------------------------------------------------------------------------------


def _new(library, **extra):
    data = {"kind": "standalone", "library": library.pk, "title": "Hương ước làng Đông Ngạc",
            "creator": "Nguyễn Văn An\nLê Thị Bình", "subject": "Hương ước\nLàng xã", "date": "1925",
            "language": "vie", "type": "Text", "access": "restricted", "rights": Rights.NOC_US.value}  # fmt: skip
    return data | extra


def test_create_a_standalone_object(client, network, commune_librarian):
    local = Collection.objects.create(code="dia-chi", name="Địa chí", kind="local_history")
    client.force_login(commune_librarian)
    response = client.post("/staff/digital/new/", _new(network["commune"], collections=[local.pk]))
    obj = DigitalObject.objects.get(title="Hương ước làng Đông Ngạc")
    assert response.status_code == 302 and response["Location"] == f"/staff/digital/{obj.pk}/"
    assert obj.owns_record and obj.access == "restricted" and obj.stage == "selected"
    assert obj.dc["creator"] == ["Nguyễn Văn An", "Lê Thị Bình"] and list(obj.collections.all()) == [local]
    assert Record.objects.get(pk=obj.record_id).suppressed
    detail = client.get(response["Location"]).content.decode()
    assert (
        "Bước tiếp theo: tải các trang lên" in detail and f"/staff/digital/ingest/?object={obj.pk}" in detail
    )


def test_create_refuses_what_is_not_mine(client, network, commune_librarian):
    foreign = Collection.objects.create(
        code="khac", name="Tỉnh khác", kind="rare", library=network["other_prov"]
    )
    client.force_login(commune_librarian)
    assert client.post("/staff/digital/new/", _new(network["other_prov"])).status_code == 200
    assert (
        client.post("/staff/digital/new/", _new(network["commune"], collections=[foreign.pk])).status_code
        == 200
    )
    assert client.post("/staff/digital/new/", _new(network["commune"], title="")).status_code == 200
    assert not DigitalObject.objects.exists()


def test_create_linked_to_a_record_found_by_title_or_isbn(client, network, commune_librarian):
    record = save_record(
        None, marc_record("Truyện Kiều", "Nguyễn Du", isbn="9786049693340"), library=network["commune"]
    )
    foreign = save_record(None, marc_record("Truyện Kiều", "Nguyễn Du"), library=network["other_prov"])
    client.force_login(commune_librarian)
    for query in ("Kiều", "978-604-969-334-0", str(record.pk)):
        hits = client.get("/staff/digital/new/", {"rq": query}).context["hits"]
        assert hits == [record], query
    form = client.get(f"/staff/digital/new/?record={record.pk}").context["form"]
    assert form.initial["kind"] == "linked" and form.initial["record"] == record.pk
    linked = {
        "kind": "linked",
        "library": network["commune"].pk,
        "access": "open",
        "rights": Rights.CNE.value,
    }
    assert client.post("/staff/digital/new/", linked | {"record": foreign.pk}).status_code == 200
    response = client.post("/staff/digital/new/", linked | {"record": record.pk})
    obj = DigitalObject.objects.get()
    assert response.status_code == 302 and obj.record_id == record.pk and not obj.owns_record
    assert obj.title == "Truyện Kiều"


# --- the object's page and its forms -----------------------------------------------------------------


def test_the_detail_page_shows_pages_workflow_and_links(client, commune_librarian, obj):
    client.force_login(commune_librarian)
    body = client.get(f"/staff/digital/{obj.pk}/").content.decode()
    assert f"/iiif/3/{obj.pk}-1/full/!150,150/0/default.jpg" in body and f"/iiif/3/{obj.pk}-2/" in body
    page = obj.pages.get(seq=1)
    assert f"/staff/digital/ocr/{page.pk}/" in body and f"/staff/digital/ocr/object/{obj.pk}/run/" in body
    assert f"/so-hoa/{obj.pk}/" in body and f"/iiif/presentation/{obj.pk}/manifest" in body
    assert 'value="published"' in body and 'value="ocr"' in body and 'value="selected"' not in body


def test_moving_along_the_workflow(client, commune_librarian, obj):
    client.force_login(commune_librarian)
    response = client.post(
        f"/staff/digital/{obj.pk}/stage/", {"to": "published", "note": "Đã kiểm tra"}, follow=True
    )
    assert "Đã chuyển sang giai đoạn" in response.content.decode()
    assert DigitalObject.objects.get(pk=obj.pk).stage == "published"
    assert "Đã kiểm tra" in response.content.decode()  # the history
    response = client.post(f"/staff/digital/{obj.pk}/stage/", {"to": "selected"}, follow=True)
    assert "Không thể chuyển" in response.content.decode()
    assert DigitalObject.objects.get(pk=obj.pk).stage == "published"


def test_setting_access_shows_or_hides_the_surrogate(client, commune_librarian, obj):
    client.force_login(commune_librarian)
    actions.move_stage(obj, Stage.PUBLISHED, actor=commune_librarian)
    assert Record.objects.get(pk=obj.record_id).suppressed
    client.post(f"/staff/digital/{obj.pk}/access/", {"access": "open", "rights": Rights.NOC_US.value,
                                                     "rights_note": "Hết hạn bảo hộ"})  # fmt: skip
    fresh = DigitalObject.objects.get(pk=obj.pk)
    assert (fresh.access, fresh.rights, fresh.rights_note) == ("open", Rights.NOC_US.value, "Hết hạn bảo hộ")
    assert not Record.objects.get(pk=obj.record_id).suppressed
    client.post(f"/staff/digital/{obj.pk}/access/", {"access": "open", "rights": Rights.NOC_US.value,
                                                     "embargo_until": "2999-01-01"})  # fmt: skip
    assert Record.objects.get(pk=obj.record_id).suppressed
    response = client.post(
        f"/staff/digital/{obj.pk}/access/", {"access": "public", "rights": "x"}, follow=True
    )
    assert response.status_code == 200 and DigitalObject.objects.get(pk=obj.pk).access == "open"


def test_page_labels_and_overrides(client, commune_librarian, obj):
    client.force_login(commune_librarian)
    data = {
        "seq": ["1", "2"],
        "label-1": "Bìa",
        "label-2": "1",
        "override-1": "",
        "override-2": "secret",
        "p": "1",
    }
    response = client.post(f"/staff/digital/{obj.pk}/pages/", data)
    assert response.status_code == 302 and response["Location"].endswith("?p=1#pages")
    assert list(Page.objects.filter(object=obj).values_list("label", "access_override")) == [
        ("Bìa", ""), ("1", "secret")
    ]  # fmt: skip
    # Never more open than the object.
    response = client.post(
        f"/staff/digital/{obj.pk}/pages/", {"seq": ["2"], "override-2": "open"}, follow=True
    )
    assert "chặt hơn" in response.content.decode()
    assert Page.objects.get(object=obj, seq=2).access_override == "secret"


def test_table_of_contents_and_collections(client, network, commune_librarian, obj):
    ours = Collection.objects.create(
        code="xa", name="Địa chí xã", kind="local_history", library=network["commune"]
    )
    school = Collection.objects.create(
        code="truong", name="Nội sinh", kind="endogenous", library=network["school"]
    )
    client.force_login(commune_librarian)
    client.post(f"/staff/digital/{obj.pk}/toc/", {"toc": "Lời nói đầu | 1\nChương 1 | 2"})
    assert DigitalObject.objects.get(pk=obj.pk).toc == [{"label": "Lời nói đầu", "page": 1},
                                                        {"label": "Chương 1", "page": 2}]  # fmt: skip
    response = client.post(f"/staff/digital/{obj.pk}/toc/", {"toc": "Chương 9 | 9"}, follow=True)
    assert "tài liệu có 2 trang" in response.content.decode()
    client.post(f"/staff/digital/{obj.pk}/collections/", {"collections": [ours.pk]})
    assert list(obj.collections.all()) == [ours]
    client.post(f"/staff/digital/{obj.pk}/collections/", {"collections": [school.pk]})  # not offered
    assert list(obj.collections.all()) == [ours]
    body = client.get(f"/staff/digital/{obj.pk}/").content.decode()
    assert "Địa chí xã" in body and "Nội sinh" not in body and "Chương 1 | 2" in body


def test_edit_description_link_and_unlink(client, network, commune_librarian, obj):
    record = save_record(None, marc_record("Hoa Lư xưa", "Đinh Văn Nhật"), library=network["commune"])
    save_item(
        Item(record=record, library=network["commune"], current_library=network["commune"], barcode="X-1")
    )
    client.force_login(commune_librarian)
    DigitalObject.objects.filter(pk=obj.pk).update(
        dc={"title": "x", "source": "Bản gốc ở đình làng", "date": "1890"}
    )
    client.post(
        f"/staff/digital/{obj.pk}/edit/", {"action": "dc", "title": "Địa chí Hòa Bình", "creator": "Trần An"}
    )
    fresh = DigitalObject.objects.get(pk=obj.pk)
    assert fresh.title == "Địa chí Hòa Bình" and Record.objects.get(pk=fresh.record_id).author == "Trần An"
    assert fresh.dc["source"] == "Bản gốc ở đình làng" and "date" not in fresh.dc  # emptied in the form
    surrogate = fresh.record_id
    client.post(f"/staff/digital/{obj.pk}/edit/", {"action": "link", "record": record.pk})
    fresh = DigitalObject.objects.get(pk=obj.pk)
    assert fresh.record_id == record.pk and not fresh.owns_record
    assert Record.objects.get(pk=surrogate).deleted_at is not None
    body = client.get(f"/staff/digital/{obj.pk}/edit/").content.decode()
    assert "Bỏ liên kết" in body
    client.post(f"/staff/digital/{obj.pk}/edit/", {"action": "title", "title": "Hoa Lư xưa (bản chụp)"})
    assert DigitalObject.objects.get(pk=obj.pk).title == "Hoa Lư xưa (bản chụp)"
    client.post(f"/staff/digital/{obj.pk}/edit/", {"action": "unlink"})
    fresh = DigitalObject.objects.get(pk=obj.pk)
    assert fresh.owns_record and fresh.dc["creator"] == ["Đinh Văn Nhật"]
    foreign = save_record(None, marc_record("Khác"), library=network["other_prov"])
    response = client.post(f"/staff/digital/{obj.pk}/edit/", {"action": "link", "record": foreign.pk})
    assert response.status_code == 200 and DigitalObject.objects.get(pk=obj.pk).owns_record


def test_delete_needs_a_confirmation(client, commune_librarian, obj):
    client.force_login(commune_librarian)
    assert "Xoá vĩnh viễn" in client.get(f"/staff/digital/{obj.pk}/delete/").content.decode()
    client.post(f"/staff/digital/{obj.pk}/delete/", {})
    assert DigitalObject.objects.filter(pk=obj.pk).exists()
    response = client.post(f"/staff/digital/{obj.pk}/delete/", {"confirm": "yes"}, follow=True)
    assert not DigitalObject.objects.filter(pk=obj.pk).exists()
    assert "Đã xoá tài liệu số" in response.content.decode()


def test_stats_page(client, network, provincial_librarian, obj):
    rare = Collection.objects.create(code="co", name="Sách cổ", kind="rare")
    records = [save_record(None, marc_record(f"Sách cổ {n}"), library=network["prov"]) for n in range(4)]
    rare.records.add(*records)
    for record in records[:3]:
        actions.create_object(library=network["prov"], actor=None, record=record, stage=Stage.PUBLISHED)
    client.force_login(provincial_librarian)
    response = client.get("/staff/digital/stats/")
    assert response.context["counts"].kinds["rare"].share == 0.75
    assert "75%" in response.content.decode()
    assert client.get(f"/staff/digital/stats/?library={network['commune'].pk}&year=2026").status_code == 200


def test_the_admin_shows_objects_read_only_and_deletes_through_the_action(client, obj, commune_librarian):
    from thuvien.accounts.models import User

    root = User.objects.create_superuser("root", password="mat-khau-thu-nghiem-1")  # noqa: S106
    client.force_login(root)
    assert "Địa chí xã Hòa Bình" in client.get("/admin/digital/digitalobject/").content.decode()
    change = client.get(f"/admin/digital/digitalobject/{obj.pk}/change/")
    assert change.status_code == 200 and 'name="access"' not in change.content.decode()
    assert (
        client.post(f"/admin/digital/digitalobject/{obj.pk}/change/", {"access": "open"}).status_code == 403
    )
    assert client.get("/admin/digital/digitalobject/add/").status_code == 403
    assert client.get(f"/admin/digital/page/{obj.pages.first().pk}/change/").status_code == 200
    client.post("/admin/digital/digitalobject/", {"action": "delete_through_the_digital_library",
                                                  "_selected_action": [obj.pk]})  # fmt: skip
    assert not DigitalObject.objects.filter(pk=obj.pk).exists()
    # Staff who are not superusers do not get in.
    client.force_login(commune_librarian)
    assert client.get("/admin/digital/digitalobject/").status_code == 302


# --- on a phone -------------------------------------------------------------------------------------

PHONE_CHECK = r"""
(() => {
  const viewport = document.documentElement.clientWidth;
  const shown = el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const describe = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.name ? `[name=${el.name}]` : '');
  const scrolls = el => { for (let p = el.parentElement; p; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible') return true; } return false; };
  const named = el => (el.getAttribute('aria-label') || '').trim() || (el.labels && [...el.labels].some(l => l.textContent.trim()));
  return {
    wide: [...document.body.querySelectorAll('*')].filter(el => shown(el) && !scrolls(el) &&
      el.getBoundingClientRect().right > viewport + 0.5).map(describe).slice(0, 10),
    scrollWidth: document.documentElement.scrollWidth, viewport,
    // A tick box or a radio button may be hit through its label: the taller of the two is the target.
    small: [...document.querySelectorAll('main button, main input:not([type=hidden]), main select, main .button')]
      .filter(el => shown(el) && Math.max(el.getBoundingClientRect().height,
        ...[...(el.labels || [])].map(l => l.getBoundingClientRect().height)) < 44).map(describe).slice(0, 10),
    unlabelled: [...document.querySelectorAll('main input:not([type=hidden]), main select, main textarea')]
      .filter(el => !named(el)).map(describe),
    h1: document.querySelectorAll('h1').length,
  };
})()
"""


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_page_fits_a_phone(live_server, client, network, commune_librarian, tmp_path):
    import shutil

    from tests.browser.cdp import Chromium

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.skip("headless Chromium not installed (Debian package `chromium`)")
    obj = make_object(network["commune"], title="Địa chí xã Hòa Bình — bản chép tay thế kỷ XIX", texts=["Một.", "Hai."],
                      access=AccessLevel.SECRET, stage=Stage.REVIEWED)  # fmt: skip
    Collection.objects.create(code="xa", name="Địa chí xã", kind="local_history", library=network["commune"])
    actions.set_toc(obj, "Lời nói đầu | 1", actor=None)
    client.force_login(commune_librarian)
    browser = Chromium(executable, tmp_path / "profile")
    try:
        browser.call("Network.setCookie", name="sessionid", value=client.cookies["sessionid"].value,
                     url=live_server.url)  # fmt: skip
        browser.viewport(360, 740, mobile=True)
        for path in ("", "new/", "stats/", f"{obj.pk}/", f"{obj.pk}/edit/", f"{obj.pk}/delete/"):
            assert browser.goto(f"{live_server.url}/staff/digital/{path}") == 200, path
            found = browser.evaluate(PHONE_CHECK)
            browser.screenshot(tmp_path / f"digital-{path.replace('/', '-') or 'list'}360.png")
            assert found["scrollWidth"] <= found["viewport"] and not found["wide"], (path, found)
            assert not found["small"] and not found["unlabelled"] and found["h1"] == 1, (path, found)
    finally:
        browser.close()
