"""Harvest staff pages: sources listed with freshness, created and edited by catalogers, run now, the report."""

from __future__ import annotations

import pytest

from thuvien.accounts.models import StaffRole, User
from thuvien.audit.models import AuditEntry
from thuvien.interop.oaipmh.models import HarvestRun, HarvestSource
from thuvien.interop.oaipmh.tests.servers import IDENTIFY, LocalServer, OAIRepository, fixture, make_source

pytestmark = pytest.mark.django_db

CALTECH = "idzebra/examples/oai-pmh/data/oai-caltech.xml"


def form(library, **changes):
    data = {
        "code": "xa-hoa-binh", "name": "Thư viện xã Hòa Bình", "base_url": "https://thuvien.example.vn/oai",
        "metadata_prefix": "marc21", "set_spec": "", "library": library.pk, "interval_hours": 24, "active": "on",
        "max_response_bytes": 10_000_000, "timeout_seconds": 30,
    }  # fmt: skip
    data.update(changes)
    return data


@pytest.fixture
def source(network):
    return make_source(network["commune"], "https://thuvien.example.vn/oai", code="xa", allow_private=False)


def test_list_shows_sources_with_last_run_and_freshness(client, commune_librarian, source, network):
    make_source(network["other_prov"], "https://khac.example.vn/oai", code="khac")
    HarvestRun.objects.create(source=source, status=HarvestRun.Status.FAILED, error="hỏng")
    client.force_login(commune_librarian)
    page = client.get("/staff/harvest/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "/staff/harvest/xa/" in text and "Thất bại" in text and "chưa có lần thành công" in text
    assert "khac" not in text  # another province's source


def test_cataloger_creates_and_edits_a_source(client, commune_librarian, network):
    client.force_login(commune_librarian)
    response = client.post("/staff/harvest/new/", form(network["commune"], allow_private="on"))
    assert response.status_code == 302, response.content.decode()
    created = HarvestSource.objects.get(code="xa-hoa-binh")
    assert created.library == network["commune"]
    assert not created.allow_private  # only a superuser may allow private addresses
    assert AuditEntry.objects.filter(type="oaipmh.source.created", actor=commune_librarian).exists()
    response = client.post("/staff/harvest/xa-hoa-binh/edit/", form(network["commune"], interval_hours=6))
    assert response.status_code == 302
    created.refresh_from_db()
    assert created.interval_hours == 6


def test_form_refuses_bad_input(client, commune_librarian, network):
    client.force_login(commune_librarian)
    for bad in (
        form(network["commune"], base_url="file:///etc/passwd"),
        form(network["commune"], base_url="không phải địa chỉ"),
        form(network["commune"], code="Mã có dấu cách"),
        form(network["prov"]),  # a library outside the cataloger's scope
        form(network["commune"], metadata_prefix="mods"),
    ):
        response = client.post("/staff/harvest/new/", bad)
        assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not HarvestSource.objects.exists()


def test_superuser_may_allow_private_addresses(client, network):
    admin = User.objects.create_superuser("root", password="mat-khau-thu-nghiem-1")  # noqa: S106
    client.force_login(admin)
    assert "allow_private" in client.get("/staff/harvest/new/").content.decode()
    client.post("/staff/harvest/new/", form(network["commune"], allow_private="on"))
    assert HarvestSource.objects.get(code="xa-hoa-binh").allow_private


def test_editing_keeps_an_allowance_the_cataloger_cannot_see(client, commune_librarian, network):
    source = make_source(network["commune"], "http://10.0.0.5/oai", code="noibo", allow_private=True)
    client.force_login(commune_librarian)
    assert "allow_private" not in client.get(f"/staff/harvest/{source.code}/edit/").content.decode()
    client.post(
        f"/staff/harvest/{source.code}/edit/",
        form(network["commune"], code="noibo", base_url=source.base_url),
    )
    source.refresh_from_db()
    assert source.allow_private


def test_run_now_and_the_report(client, corpus, commune_librarian, network):
    repo = OAIRepository(fixture(corpus, IDENTIFY), [fixture(corpus, CALTECH)])
    with LocalServer(repo) as server:
        source = make_source(
            network["commune"], f"{server.base}/oai", metadata_prefix="oai_dc", code="caltech"
        )
        client.force_login(commune_librarian)
        assert "Thu thập ngay" in client.get("/staff/harvest/caltech/").content.decode()
        response = client.post("/staff/harvest/caltech/run/", {"full": "1"})
    run = HarvestRun.objects.get(source=source)
    assert response.status_code == 302 and response.url == f"/staff/harvest/runs/{run.pk}/"
    assert run.status == HarvestRun.Status.SUCCEEDED and run.actor == commune_librarian
    report = client.get(response.url).content.decode()
    assert "Thành công" in report and ">100<" in report
    listing = client.get("/staff/harvest/").content.decode()
    assert "cập nhật" in listing and "Thành công" in listing


def test_run_report_lists_problems(client, commune_librarian, source):
    run = HarvestRun.objects.create(
        source=source, status=HarvestRun.Status.PARTIAL, error="Trang 2: kho OAI-PMH báo lỗi badResumptionToken",
        problems=[{"identifier": "oai:x:1", "status": "rejected", "message": "Biểu ghi MARCXML hỏng"}],
    )  # fmt: skip
    client.force_login(commune_librarian)
    text = client.get(f"/staff/harvest/runs/{run.pk}/").content.decode()
    assert "badResumptionToken" in text and "oai:x:1" in text and "Từ chối" in text and "Dở dang" in text


def test_a_running_source_is_not_started_twice(client, commune_librarian, source):
    HarvestRun.objects.create(source=source, status=HarvestRun.Status.RUNNING)
    client.force_login(commune_librarian)
    response = client.post(f"/staff/harvest/{source.code}/run/", follow=True)
    assert "đang được thu thập" in response.content.decode()
    assert HarvestRun.objects.filter(source=source).count() == 1


def test_other_library_staff_refused_everywhere(client, other_library_staff, source):
    run = HarvestRun.objects.create(source=source, status=HarvestRun.Status.SUCCEEDED)
    client.force_login(other_library_staff)
    assert "/staff/harvest/xa/" not in client.get("/staff/harvest/").content.decode()
    assert client.get(f"/staff/harvest/{source.code}/").status_code == 403
    assert client.get(f"/staff/harvest/{source.code}/edit/").status_code == 403
    assert (
        client.post(f"/staff/harvest/{source.code}/edit/", form(source.library, code="xa")).status_code == 403
    )
    assert client.post(f"/staff/harvest/{source.code}/run/").status_code == 403
    assert client.get(f"/staff/harvest/runs/{run.pk}/").status_code == 403
    assert HarvestRun.objects.filter(source=source).count() == 1
    source.refresh_from_db()
    assert source.name == "Nguồn thử"


def test_staff_without_cataloguing_refused(client, network, source):
    clerk = User.objects.create_user("quay", password="mat-khau-thu-nghiem-1")  # noqa: S106
    StaffRole.objects.create(user=clerk, library=network["commune"], role="circulation")
    client.force_login(clerk)
    assert client.get("/staff/harvest/").status_code == 403
    assert client.get("/staff/harvest/new/").status_code == 403
    assert client.get(f"/staff/harvest/{source.code}/").status_code == 403


def test_commune_cataloger_cannot_reach_the_province_source(client, commune_librarian, network):
    province = make_source(network["prov"], "https://tinh.example.vn/oai", code="tinh")
    client.force_login(commune_librarian)
    assert client.get(f"/staff/harvest/{province.code}/").status_code == 403
    assert client.post(f"/staff/harvest/{province.code}/run/").status_code == 403


def test_anonymous_sent_to_login(client, source):
    assert client.get("/staff/harvest/").status_code == 302
    assert client.post(f"/staff/harvest/{source.code}/run/").status_code == 302
    assert not HarvestRun.objects.exists()
