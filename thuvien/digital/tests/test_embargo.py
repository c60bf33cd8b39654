"""An embargo lifts on its date: at once where requests check the date, within minutes in the index and records.

The calendar is not faked: an object embargoed until tomorrow is hidden today; "the date arrives" is the
embargo date becoming today's (as it will at midnight), which is what the requests and the job compare.
"""

import datetime as dt

import pytest
from django.utils import timezone

from thuvien.catalog.actions import save_record
from thuvien.catalog.models import Record
from thuvien.catalog.tests.factories import marc_record
from thuvien.digital import actions, queries
from thuvien.digital.actions import sync_due_visibility
from thuvien.digital.models import AccessLevel, DigitalObject, Stage
from thuvien.digital.policies import ANONYMOUS
from thuvien.digital.testing import make_object
from thuvien.ops.worker import Worker
from thuvien.search.indexer import apply_outbox
from thuvien.search.service import SearchRequest, search

pytestmark = pytest.mark.django_db


def found(q, fulltext="restricted"):
    return {h.record.pk for h in search(SearchRequest(q=q, fulltext=fulltext, facets=False)).hits}


def tomorrow():
    return timezone.localdate() + dt.timedelta(days=1)


def the_date_arrives(obj):
    DigitalObject.objects.filter(pk=obj.pk).update(embargo_until=timezone.localdate())
    obj.refresh_from_db()


@pytest.fixture
def standalone(network):
    obj = make_object(network["prov"], title="Luận án Cấmđếnmai", texts=["Kết luận Chữcấmđếnmai."],
                      embargo_until=tomorrow())  # fmt: skip
    apply_outbox()
    return obj


@pytest.fixture
def linked(network):
    record = save_record(None, marc_record("Kỷ yếu hội thảo", "Ban tổ chức"), library=network["prov"])
    obj = make_object(network["prov"], record=record, texts=["Tham luận Chữkỷyếu."], embargo_until=tomorrow())
    apply_outbox()
    return obj


def test_before_the_date_the_object_is_hidden_everywhere(client, standalone, linked):
    for obj in (standalone, linked):
        assert queries.visible_object(ANONYMOUS, obj.pk) is None
        assert client.get(f"/api/v1/digital/objects/{obj.pk}").status_code == 404
        assert obj.synced_level == ""
    assert Record.objects.get(pk=standalone.record_id).suppressed
    assert found("camdenmai") == set() and found("chucamdenmai") == set()
    # The linked record is public; its embargoed text is not in the index.
    assert found("ky yeu hoi thao") == {linked.record_id}
    assert found("chukyyeu") == set()
    # The job on any day before the date changes nothing.
    assert sync_due_visibility(timezone.localdate()) == 0
    assert sync_due_visibility(timezone.localdate() + dt.timedelta(days=-30)) == 0


def test_on_the_date_requests_show_it_at_once_and_the_job_lifts_the_rest(client, standalone, linked):
    for obj in (standalone, linked):
        the_date_arrives(obj)
        # Requests compare with today's date themselves: no job needed.
        assert queries.visible_object(ANONYMOUS, obj.pk) is not None
        assert client.get(f"/api/v1/digital/objects/{obj.pk}").status_code == 200
    # The index and the surrogate record follow the job (the worker runs it every few minutes).
    assert Record.objects.get(pk=standalone.record_id).suppressed
    assert sync_due_visibility() == 2
    apply_outbox()
    assert not Record.objects.get(pk=standalone.record_id).suppressed
    assert found("camdenmai", fulltext="open") == {standalone.record_id}
    assert found("chucamdenmai", fulltext="open") == {standalone.record_id}
    assert found("chukyyeu", fulltext="open") == {linked.record_id}
    assert {DigitalObject.objects.get(pk=o.pk).synced_level for o in (standalone, linked)} == {"open"}
    # Done once: the next runs find nothing to do.
    assert sync_due_visibility() == 0


def test_the_job_lifts_on_the_date_it_is_given(standalone):
    date = standalone.embargo_until
    assert sync_due_visibility(date - dt.timedelta(days=1)) == 0
    assert sync_due_visibility(date) == 1
    assert DigitalObject.objects.get(pk=standalone.pk).synced_level == "open"
    assert not Record.objects.get(pk=standalone.record_id).suppressed


def test_an_embargo_set_again_hides_the_object_again(standalone):
    the_date_arrives(standalone)
    sync_due_visibility()
    apply_outbox()
    assert found("camdenmai", fulltext="open") == {standalone.record_id}
    standalone.embargo_until = tomorrow() + dt.timedelta(days=365)
    standalone.save(update_fields=["embargo_until"])
    actions.sync_visibility(standalone)
    apply_outbox()
    assert Record.objects.get(pk=standalone.record_id).suppressed
    assert found("camdenmai") == set()


def test_restricted_embargoed_objects_reach_the_restricted_tier_only(network):
    record = save_record(None, marc_record("Gia phả dòng họ", "Khuyết danh"), library=network["prov"])
    obj = make_object(network["prov"], record=record, texts=["Tộc ước Chữgiaphả."],
                      access=AccessLevel.RESTRICTED, embargo_until=tomorrow())  # fmt: skip
    the_date_arrives(obj)
    assert sync_due_visibility() == 1
    apply_outbox()
    assert found("chugiapha", fulltext="open") == set()
    assert found("chugiapha", fulltext="restricted") == {record.pk}


def test_unpublished_and_secret_objects_stay_hidden_when_their_embargo_ends(network):
    draft = make_object(network["prov"], title="Nháp Chữnháp", stage=Stage.REVIEWED, embargo_until=tomorrow())
    secret = make_object(
        network["prov"], title="Mật Chữmật", access=AccessLevel.SECRET, embargo_until=tomorrow()
    )
    for obj in (draft, secret):
        the_date_arrives(obj)
    assert sync_due_visibility() == 0
    apply_outbox()
    assert found("chunhap") == set() and found("chumat") == set()
    assert (
        Record.objects.get(pk=draft.record_id).suppressed
        and Record.objects.get(pk=secret.record_id).suppressed
    )


def test_the_worker_runs_the_job_every_few_minutes(monkeypatch):
    worker = Worker(tasks=False)
    scheduled = []
    monkeypatch.setattr(worker, "_every", lambda seconds, job, name: scheduled.append((seconds, job, name)))
    worker.embargo_loop()
    assert scheduled == [(300, sync_due_visibility, "embargo")]
