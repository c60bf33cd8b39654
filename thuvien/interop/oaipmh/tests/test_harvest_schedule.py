"""Scheduled harvests (run_due_harvests, for the worker) and `thuvien harvest [SOURCE] [--full]`."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from thuvien.interop.oaipmh.harvester import due_sources, run_due_harvests
from thuvien.interop.oaipmh.models import HarvestRun
from thuvien.interop.oaipmh.tests.servers import IDENTIFY, LocalServer, OAIRepository, fixture, make_source

pytestmark = pytest.mark.django_db

CALTECH = "idzebra/examples/oai-pmh/data/oai-caltech.xml"


def test_due_sources_follow_their_interval(corpus, network):
    repo = OAIRepository(fixture(corpus, IDENTIFY), [fixture(corpus, CALTECH)])
    with LocalServer(repo) as server:
        hourly = make_source(
            network["commune"], f"{server.base}/oai", metadata_prefix="oai_dc", interval_hours=1
        )
        make_source(network["school"], f"{server.base}/oai", code="tay", interval_hours=0)  # manual only
        make_source(network["school"], f"{server.base}/oai", code="tat", interval_hours=1, active=False)
        assert due_sources() == [hourly]
        assert run_due_harvests() == 1
        assert due_sources() == [] and run_due_harvests() == 0
        # An hour later it is due again.
        HarvestRun.objects.update(started_at=timezone.now() - timedelta(hours=1, minutes=1))
        assert due_sources() == [hourly]


def test_a_failed_harvest_is_retried_within_the_hour(network):
    daily = make_source(network["commune"], "http://127.0.0.1:9/oai", interval_hours=24)
    HarvestRun.objects.create(source=daily, status=HarvestRun.Status.FAILED)
    assert due_sources() == []
    HarvestRun.objects.update(started_at=timezone.now() - timedelta(minutes=61))
    assert due_sources() == [daily]


def test_command_harvests_one_source_and_prints_the_report(corpus, network):
    repo = OAIRepository(fixture(corpus, IDENTIFY), [fixture(corpus, CALTECH)])
    with LocalServer(repo) as server:
        make_source(network["commune"], f"{server.base}/oai", metadata_prefix="oai_dc", code="caltech")
        out = StringIO()
        call_command("harvest", "caltech", "--no-index", stdout=out)
        assert "caltech: succeeded (full) pages=1 received=100 imported=100" in out.getvalue()
        out = StringIO()
        call_command("harvest", "caltech", "--full", "--no-index", stdout=out)
        assert "succeeded (full)" in out.getvalue() and "updated=100" in out.getvalue()


def test_command_reports_failures(network):
    make_source(network["commune"], "http://127.0.0.1:9/oai", code="dong", allow_private=False)
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("harvest", "dong", "--no-index", stdout=out)
    assert "dong: failed" in out.getvalue() and "Từ chối" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("harvest", "khong-co", stdout=out)


def test_command_without_source_runs_what_is_due(network):
    out = StringIO()
    call_command("harvest", "--no-index", stdout=out)
    assert "no harvest is due" in out.getvalue()
