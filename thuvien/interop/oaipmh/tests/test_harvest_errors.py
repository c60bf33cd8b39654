"""What goes wrong: OAI errors, broken XML, retries with Retry-After, limits, SSRF, two runs at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from thuvien.catalog.models import Record
from thuvien.interop.oaipmh import harvester
from thuvien.interop.oaipmh.harvester import HarvestBusy, harvest, start_run
from thuvien.interop.oaipmh.models import HarvestRun
from thuvien.interop.oaipmh.tests.servers import (
    IDENTIFY,
    LocalServer,
    OAIRepository,
    fixture,
    make_source,
    split,
)

pytestmark = pytest.mark.django_db

VUFIND = "vufindharvest/tests/fixtures"
PYOAI = "pyoai/src/oaipmh/tests"


@pytest.fixture
def quick_retries(monkeypatch):
    monkeypatch.setattr(harvester, "RETRY_BASE_SECONDS", 0.01)


def test_an_oai_error_fails_the_run(corpus, network):
    repo = OAIRepository(
        fixture(corpus, IDENTIFY), [fixture(corpus, f"{VUFIND}/arbitrary_error_response.xml")]
    )
    with LocalServer(repo) as server:
        source = make_source(network["commune"], f"{server.base}/oai")
        run = harvest(source)
    assert run.status == HarvestRun.Status.FAILED
    assert "foo" in run.error and "bar" in run.error
    source.refresh_from_db()
    assert source.last_response_date is None


def test_bad_token_midway_leaves_a_partial_run_that_can_be_retried(corpus, network):
    pages = split(fixture(corpus, f"{VUFIND}/marc.xml"), 50)
    repo = OAIRepository(
        fixture(corpus, IDENTIFY), [pages[0], fixture(corpus, f"{VUFIND}/token_error_response.xml")]
    )
    with LocalServer(repo) as server:
        source = make_source(network["commune"], f"{server.base}/oai")
        broken = harvest(source)
        assert broken.status == HarvestRun.Status.PARTIAL
        assert "badResumptionToken" in broken.error and broken.imported == 50
        repo.pages = pages
        retried = harvest(source)
    assert retried.mode == "full"  # no successful harvest yet: nothing to be incremental from
    assert retried.status == HarvestRun.Status.SUCCEEDED
    assert (retried.imported, retried.updated) == (50, 50)
    assert Record.objects.filter(source_library=network["commune"], deleted_at__isnull=True).count() == 100


def test_503_with_retry_after_and_a_502_are_retried(corpus, network, quick_retries):
    repo = OAIRepository(fixture(corpus, IDENTIFY), split(fixture(corpus, f"{VUFIND}/marc.xml"), 50))
    repo.failures.append((503, {"Retry-After": "1"}, b"busy"))
    repo.failures.append((502, {}, b"bad gateway"))
    with LocalServer(repo) as server:
        source = make_source(network["commune"], f"{server.base}/oai")
        run = harvest(source)
    assert run.status == HarvestRun.Status.SUCCEEDED, run.error
    assert run.imported == 100
    assert [q.get("verb") for q in repo.requests] == ["Identify"] * 3 + ["ListRecords"] * 2
    retries = [p["message"] for p in run.problems if p["status"] == "retry"]
    assert len(retries) == 2 and "503" in retries[0] and "1 giây" in retries[0] and "502" in retries[1]


def test_a_server_that_keeps_failing(corpus, network, quick_retries):
    repo = OAIRepository(fixture(corpus, IDENTIFY))
    repo.failures.extend([(500, {}, b"down")] * harvester.MAX_ATTEMPTS)
    with LocalServer(repo) as server:
        source = make_source(network["commune"], f"{server.base}/oai")
        run = harvest(source)
    assert run.status == HarvestRun.Status.FAILED
    assert "500" in run.error and f"{harvester.MAX_ATTEMPTS} lần" in run.error
    assert len(repo.requests) == harvester.MAX_ATTEMPTS


@pytest.mark.parametrize(
    ("identify", "expected"),
    [
        (f"{PYOAI}/fake4/00001.xml", "không phải XML hợp lệ"),  # an undefined entity
        (f"{PYOAI}/fake3/00001.xml", "không phải XML hợp lệ"),  # an unclosed wrapper element
        (f"{PYOAI}/fake1/00002.xml", "không có phần Identify"),  # the answer to another verb
    ],
)
def test_broken_identify(corpus, network, identify, expected):
    repo = OAIRepository(fixture(corpus, identify))
    with LocalServer(repo) as server:
        run = harvest(make_source(network["commune"], f"{server.base}/oai"))
    assert run.status == HarvestRun.Status.FAILED and expected in run.error


def test_not_oai_at_all(network):
    repo = OAIRepository("<!DOCTYPE html><html><body>Trang chủ</body></html>".encode())
    with LocalServer(repo) as server:
        run = harvest(make_source(network["commune"], f"{server.base}/oai"))
    assert run.status == HarvestRun.Status.FAILED
    assert "XML" in run.error or "OAI-PMH" in run.error


def test_external_entities_are_not_read(corpus, network, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("BI-MAT-KHONG-DUOC-DOC")
    page = (
        f'<?xml version="1.0"?><!DOCTYPE OAI-PMH [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2026-01-01T00:00:00Z</responseDate>'
        "<request>x</request><ListRecords><record><header><identifier>oai:x:1</identifier>"
        "<datestamp>2026-01-01</datestamp></header><metadata>"
        '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Sách &xxe; thử</dc:title></oai_dc:dc>'
        "</metadata></record></ListRecords></OAI-PMH>"
    ).encode()
    repo = OAIRepository(fixture(corpus, IDENTIFY), [page])
    with LocalServer(repo) as server:
        run = harvest(make_source(network["commune"], f"{server.base}/oai", metadata_prefix="oai_dc"))
    assert run.status == HarvestRun.Status.SUCCEEDED, run.error
    assert not Record.objects.filter(marc__contains="BI-MAT").exists()
    assert Record.objects.filter(title__startswith="Sách").exists()


def test_a_page_over_the_size_limit(corpus, network):
    repo = OAIRepository(fixture(corpus, IDENTIFY), [fixture(corpus, f"{VUFIND}/marc.xml")])
    with LocalServer(repo) as server:
        run = harvest(make_source(network["commune"], f"{server.base}/oai", max_response_bytes=100_000))
    assert run.status == HarvestRun.Status.FAILED and "100,000" in run.error


def test_loopback_refused_without_permission_and_nothing_fetched(corpus, network):
    repo = OAIRepository(fixture(corpus, IDENTIFY), [fixture(corpus, f"{VUFIND}/marc.xml")])
    with LocalServer(repo) as server:
        source = make_source(network["commune"], f"{server.base}/oai", allow_private=False)
        run = harvest(source)
    assert run.status == HarvestRun.Status.FAILED
    assert "Từ chối kết nối" in run.error and "127.0.0.1" in run.error
    assert server.requests == [] and repo.requests == []
    assert not Record.objects.exists()


def test_one_run_at_a_time_and_stale_runs_expire(network):
    source = make_source(network["commune"], "http://127.0.0.1:9/oai")
    first = start_run(source)
    with pytest.raises(HarvestBusy):
        start_run(source)
    # A run whose process died: its heartbeat stopped long ago.
    HarvestRun.objects.filter(pk=first.pk).update(updated_at=timezone.now() - timedelta(hours=3))
    second = start_run(source)
    first.refresh_from_db()
    assert first.status == HarvestRun.Status.FAILED and "gián đoạn" in first.error
    assert second.status == HarvestRun.Status.QUEUED
