"""Daily reading and download counts: what counts (a reader's successful page or file) and what never does."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.db.models.query import QuerySet
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from thuvien.circulation.tests import conftest as circulation_cast
from thuvien.digital import copies, usage
from thuvien.digital.models import AccessLevel, Stage, UsageDay
from thuvien.digital.testing import make_object

pytestmark = pytest.mark.django_db

reader = circulation_cast.reader
other_reader = circulation_cast.other_reader
TEXTS = ["Trang một của địa chí.", "Trang hai của địa chí.", "Trang ba của địa chí."]
BROWSER = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36"


@pytest.fixture
def open_object(network):
    return make_object(network["prov"], title="Địa chí Yên Mô", texts=TEXTS)


@pytest.fixture
def restricted(network):
    return make_object(network["prov"], title="Hương ước", texts=TEXTS[:2], access=AccessLevel.RESTRICTED)


def counts(obj) -> tuple[int, int]:
    """(views, downloads) of OBJ today, (0, 0) when no row was made."""
    row = UsageDay.objects.filter(object=obj, day=timezone.localdate()).first()
    return (row.views, row.downloads) if row else (0, 0)


def sign_in(client, reader, pin="1234"):
    assert client.post("/ban-doc/dang-nhap/", {"card": reader.card, "pin": pin}).status_code == 302
    return client


# The reading page


def test_each_opening_of_the_reading_page_is_one_view(client, open_object, network):
    for expected in (1, 2):
        assert client.get(f"/so-hoa/{open_object.pk}/", HTTP_USER_AGENT=BROWSER).status_code == 200
        assert counts(open_object) == (expected, 0)
    row = UsageDay.objects.get()
    assert (row.library, row.day) == (network["prov"], timezone.localdate())


def test_nothing_about_the_reader_is_stored(client, reader, restricted):
    sign_in(client, reader)
    assert client.get(f"/so-hoa/{restricted.pk}/").status_code == 200
    assert counts(restricted) == (1, 0)
    columns = {f.attname for f in UsageDay._meta.concrete_fields}
    assert columns == {"id", "object_id", "library_id", "day", "views", "downloads"}


def test_a_hidden_objects_404_counts_nothing(client, network, other_library_staff, restricted):
    secret = make_object(network["prov"], texts=TEXTS[:1], access=AccessLevel.SECRET)
    draft = make_object(network["prov"], texts=TEXTS[:1], stage=Stage.REVIEWED)
    for obj in (secret, draft, restricted):  # restricted: anonymous visitors may not read it
        assert client.get(f"/so-hoa/{obj.pk}/").status_code == 404
        assert client.get(f"/so-hoa/{obj.pk}/trang/1/").status_code == 404
    client.force_login(other_library_staff)
    assert client.get(f"/so-hoa/{secret.pk}/").status_code == 404
    assert not UsageDay.objects.exists()


def test_staff_previewing_their_unpublished_or_secret_material_is_not_reading(
    client, network, provincial_librarian
):
    secret = make_object(network["prov"], texts=TEXTS[:1], access=AccessLevel.SECRET)
    draft = make_object(network["prov"], texts=TEXTS[:1], stage=Stage.REVIEWED)
    client.force_login(provincial_librarian)
    for obj in (secret, draft):
        assert client.get(f"/so-hoa/{obj.pk}/").status_code == 200
    assert not UsageDay.objects.exists()


def test_a_declared_crawler_is_not_counted(client, open_object):
    for agent in ("Googlebot/2.1 (+http://www.google.com/bot.html)", "Mozilla/5.0 (compatible; Yahoo! Slurp)",
                  "coccoc-CRAWLER", "Baiduspider"):  # fmt: skip
        assert client.get(f"/so-hoa/{open_object.pk}/", HTTP_USER_AGENT=agent).status_code == 200
        assert client.get(f"/so-hoa/{open_object.pk}/tai-ve.pdf", HTTP_USER_AGENT=agent).status_code == 200
    assert not UsageDay.objects.exists()


def test_a_failure_to_count_never_breaks_the_page(client, open_object, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("database is locked")

    monkeypatch.setattr(usage, "_bump", broken)
    with caplog.at_level(logging.ERROR, logger="thuvien.digital.usage"):
        response = client.get(f"/so-hoa/{open_object.pk}/")
    assert response.status_code == 200 and "Địa chí Yên Mô" in response.content.decode()
    assert "digital usage" in caplog.text and not UsageDay.objects.exists()


def test_an_error_response_or_a_staff_page_is_not_counted(open_object):
    factory = RequestFactory()
    for status in (403, 404, 500):
        response = HttpResponse(status=status)
        assert usage.count_view(factory.get(f"/so-hoa/{open_object.pk}/"), response, open_object) is response
    usage.count_view(factory.get(f"/staff/digital/{open_object.pk}/"), HttpResponse(), open_object)
    usage.count_download(factory.head(f"/so-hoa/{open_object.pk}/tai-ve.pdf"), HttpResponse(), open_object)
    assert not UsageDay.objects.exists()
    usage.count_view(factory.get(f"/so-hoa/{open_object.pk}/"), HttpResponse(), open_object)
    assert counts(open_object) == (1, 0)


# The text pages


def test_entering_the_text_pages_is_one_view_turning_them_is_not(client, open_object):
    base = f"/so-hoa/{open_object.pk}/"
    assert client.get(f"{base}trang/2/").status_code == 200  # straight from a search engine, say
    assert counts(open_object) == (1, 0)
    client.get(f"{base}trang/3/", HTTP_REFERER=f"http://testserver{base}trang/2/")
    client.get(
        f"{base}trang/1/", HTTP_REFERER=f"http://testserver{base}"
    )  # from the reading page (counted there)
    assert counts(open_object) == (1, 0)
    client.get(f"{base}trang/1/", HTTP_REFERER=f"https://elsewhere.example{base}")  # another site's link
    client.get(f"{base}trang/1/", HTTP_REFERER="http://testserver/so-hoa/")  # from the digital library's list
    assert counts(open_object) == (3, 0)
    assert client.get(f"{base}trang/1/?format=txt").status_code == 200  # the .txt rendition is not a reading
    assert counts(open_object) == (3, 0)


def test_a_missing_page_of_a_readable_object_counts_nothing(client, open_object):
    assert client.get(f"/so-hoa/{open_object.pk}/trang/9/").status_code == 404
    assert not UsageDay.objects.exists()


# Downloads


def test_downloading_the_whole_pdf_is_one_download(client, open_object):
    response = client.get(f"/so-hoa/{open_object.pk}/tai-ve.pdf")
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    assert counts(open_object) == (0, 1)


def test_a_refused_pdf_is_not_a_download(client, reader, restricted):
    assert client.get(f"/so-hoa/{restricted.pk}/tai-ve.pdf").status_code == 404  # anonymous: not even seen
    sign_in(client, reader)
    assert client.get(f"/so-hoa/{restricted.pk}/tai-ve.pdf").status_code == 403  # read online only
    assert counts(restricted) == (0, 0)


def test_a_readers_finished_copy_is_one_download(
    client, reader, other_reader, restricted, provincial_librarian, django_capture_on_commit_callbacks
):
    req = copies.request_copy(reader=reader, obj=restricted, pages_text="1")
    with django_capture_on_commit_callbacks(execute=True):
        copies.approve_copy(req, actor=provincial_librarian)
    url = f"/so-hoa/sao-chup/{req.pk}/tai-ve/"

    response = client.get(url)
    assert response.status_code == 302 and "/ban-doc/dang-nhap/" in response["Location"]
    sign_in(client, other_reader, pin="5678")
    assert client.get(url).status_code == 404
    assert counts(restricted) == (0, 0)

    client.logout()
    sign_in(client, reader)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    assert counts(restricted) == (0, 1)


def test_a_copy_not_ready_yet_is_not_a_download(client, reader, restricted):
    req = copies.request_copy(reader=reader, obj=restricted, pages_text="1")
    sign_in(client, reader)
    assert (
        client.get(f"/so-hoa/sao-chup/{req.pk}/tai-ve/").status_code == 302
    )  # back to the list, with a message
    assert counts(restricted) == (0, 0)


# The counters


def test_the_first_two_counts_of_a_day_make_one_row(open_object):
    usage.record_view(open_object)
    usage.record_view(open_object)
    usage.record_download(open_object)
    assert UsageDay.objects.count() == 1 and counts(open_object) == (2, 1)


def test_a_row_made_by_someone_else_meanwhile_is_counted_into(open_object, monkeypatch):
    """The race: our UPDATE found no row, another request inserted it, our INSERT fails: we update it."""
    UsageDay.objects.create(
        object=open_object, library=open_object.library, day=timezone.localdate(), views=1
    )
    real_update = QuerySet.update
    missed = []

    def update(self, **kwargs):
        if self.model is UsageDay and not missed:
            missed.append(True)
            return 0  # as if the row were not there yet when we looked
        return real_update(self, **kwargs)

    monkeypatch.setattr(QuerySet, "update", update)
    usage.record_view(open_object)
    assert missed and counts(open_object) == (2, 0)
    usage.record_view(open_object)  # and the transaction is still usable afterwards (PostgreSQL)
    assert counts(open_object) == (3, 0)


def test_days_are_kept_apart(open_object):
    usage.record_view(open_object, day=dt.date(2025, 6, 30))
    usage.record_view(open_object, day=dt.date(2025, 7, 1))
    assert sorted(UsageDay.objects.values_list("day", "views")) == [
        (dt.date(2025, 6, 30), 1),
        (dt.date(2025, 7, 1), 1),
    ]


def test_usage_for_sums_a_library_or_everything_over_a_period(network, open_object):
    commune = make_object(network["commune"], texts=TEXTS[:1])
    june, july = dt.date(2025, 6, 30), dt.date(2025, 7, 1)
    for _ in range(3):
        usage.record_view(open_object, day=june)
    usage.record_download(open_object, day=july)
    usage.record_view(commune, day=july)
    assert usage.usage_for(start=june, end=july) == usage.Usage(views=4, downloads=1)
    assert usage.usage_for(network["prov"], start=june, end=july) == usage.Usage(views=3, downloads=1)
    assert usage.usage_for(network["prov"], start=july, end=july) == usage.Usage(views=0, downloads=1)
    assert usage.usage_for(network["other_prov"], start=june, end=july) == usage.Usage(views=0, downloads=0)
