"""Who gets IIIF images and info.json: secret, unpublished, embargoed and restricted pages never leak."""

import datetime as dt
import json

import pytest
import pyvips
from django.urls import reverse
from django.utils import timezone

from thuvien.digital.models import AccessLevel, DigitalObject, Page, Stage
from thuvien.digital.testing import make_object

pytestmark = pytest.mark.django_db

PATHS = [
    "",
    "info.json",
    "full/max/0/default.jpg",
    "0,0,256,256/256,256/0/default.jpg",
    "full/!200,200/0/default.png",
]


@pytest.fixture
def reader(network):
    from thuvien.patrons.actions import register_reader

    return register_reader(card="TST0301", full_name="Phạm Thị Đọc", home_library=network["prov"],
                           category="adult", pin="1234")  # fmt: skip


def sign_in(client, reader):
    assert client.post(reverse("opac:account_login"), {"card": reader.card, "pin": "1234"}).status_code == 302
    return client


@pytest.fixture
def viewers(reader, other_library_staff, commune_librarian):
    """Test clients of everyone who must not see the provincial library's hidden material."""
    from django.test import Client

    anonymous, signed_in, other_staff, member_staff = Client(), Client(), Client(), Client()
    sign_in(signed_in, reader)
    other_staff.force_login(other_library_staff)
    # Cataloguer at a member library: the provincial library's hidden material is not his.
    member_staff.force_login(commune_librarian)
    return {"anonymous": anonymous, "reader": signed_in, "other_library_staff": other_staff,
            "commune_librarian": member_staff}  # fmt: skip


def url(obj, rest="", seq=1):
    return f"/iiif/3/{obj.pk}-{seq}" + (f"/{rest}" if rest else "")


def not_found_like_nothing(client, obj, rest, seq=1):
    """Assert OBJ's page answers exactly what an id that never existed answers."""
    path, unknown = url(obj, rest, seq), f"/iiif/3/987654-{seq}" + (f"/{rest}" if rest else "")
    response, nothing = client.get(path), client.get(unknown)
    assert response.status_code == nothing.status_code == 404
    # Were a 404 page ever to name the address asked for, that would be the only difference allowed.
    assert response.content.replace(path.encode(), b"") == nothing.content.replace(unknown.encode(), b"")
    assert "Access-Control-Allow-Origin" not in response


HIDDEN = {
    "secret": {"access": AccessLevel.SECRET},
    "unpublished": {"stage": Stage.REVIEWED},
    "embargoed": {"embargo_until": dt.date.today() + dt.timedelta(days=30)},
    "restricted": {"access": AccessLevel.RESTRICTED},  # hidden from anonymous and staff elsewhere only
}


@pytest.mark.parametrize("kind", list(HIDDEN))
def test_hidden_pages_answer_404_everywhere(network, viewers, kind):
    obj = make_object(network["prov"], title=f"Tài liệu {kind}", texts=["Trang một."], **HIDDEN[kind])
    for name, client in viewers.items():
        if kind == "restricted" and name != "anonymous":
            # Signed-in readers and cataloguing staff of the network read restricted material online.
            assert client.get(url(obj, "info.json")).status_code == 200
            continue
        for rest in PATHS:
            not_found_like_nothing(client, obj, rest)
        assert client.options(url(obj, "info.json")).status_code == 404, name


def test_staff_of_the_owning_library_see_secret_pages_privately(client, network, provincial_librarian):
    obj = make_object(network["prov"], access=AccessLevel.SECRET, stage=Stage.SCANNED)
    client.force_login(provincial_librarian)
    response = client.get(url(obj, "info.json"))
    assert response.status_code == 200
    info = json.loads(response.content)
    assert "cors" not in info["extraFeatures"]
    assert info["maxArea"] >= info["width"] * info["height"]  # staff may have it whole
    assert "Access-Control-Allow-Origin" not in response
    assert response["Cache-Control"] == "private, no-store"
    image = client.get(url(obj, "full/max/0/default.jpg"))
    assert image.status_code == 200
    assert image["Cache-Control"] == "private, no-store"
    assert "Access-Control-Allow-Origin" not in image


def test_a_secret_page_of_an_open_object(client, network):
    obj = make_object(network["prov"])
    Page.objects.filter(object=obj, seq=2).update(access_override=AccessLevel.SECRET)
    assert client.get(url(obj, "info.json", seq=1)).status_code == 200
    for rest in PATHS:
        not_found_like_nothing(client, obj, rest, seq=2)


@pytest.fixture
def restricted(network, settings):
    """A restricted object whose pages (420 × 595) are bigger than what a reader may have at once."""
    settings.DIGITAL_RESTRICTED_MAX_AREA = 100_000
    return make_object(network["prov"], title="Gia phả họ Đinh", access=AccessLevel.RESTRICTED)


def test_restricted_pages_are_read_online_by_signed_in_readers(client, reader, restricted):
    sign_in(client, reader)
    response = client.get(url(restricted, "info.json"))
    assert response.status_code == 200
    info = json.loads(response.content)
    assert info["maxArea"] == 100_000 < info["width"] * info["height"]
    assert all(s["width"] * s["height"] <= 100_000 for s in info["sizes"])
    assert "cors" not in info["extraFeatures"]
    assert "Access-Control-Allow-Origin" not in response
    assert response["Cache-Control"] == "private, no-store"
    # Tiles and the largest allowed size are served; the whole page at full size is not.
    tile = client.get(url(restricted, "0,0,256,256/256,256/0/default.jpg"))
    assert tile.status_code == 200 and "Access-Control-Allow-Origin" not in tile
    assert tile["Cache-Control"] == "private, no-store"
    biggest = pyvips.Image.new_from_buffer(client.get(url(restricted, "full/max/0/default.jpg")).content, "")
    assert biggest.width * biggest.height <= 100_000
    assert biggest.width < info["width"]
    for rest in ("full/420,/0/default.jpg", "full/pct:100/0/default.png", "full/^max/0/default.jpg"):
        response = client.get(url(restricted, rest))
        if rest.startswith("full/^max"):
            assert response.status_code == 200  # ^max is max: capped like it
            continue
        assert response.status_code == 403, rest
        assert "chỉ được đọc trực tuyến" in response.content.decode()
        assert "100000" in response.content.decode()


def test_restricted_pages_on_the_library_network(client, restricted, settings):
    settings.DIGITAL_LIBRARY_NETWORKS = ["10.20.0.0/16"]
    assert client.get(url(restricted, "info.json"), REMOTE_ADDR="10.20.3.4").status_code == 200
    assert client.get(url(restricted, "info.json"), REMOTE_ADDR="10.21.3.4").status_code == 404


def test_staff_of_the_library_get_restricted_pages_whole(client, restricted, provincial_librarian):
    client.force_login(provincial_librarian)
    info = json.loads(client.get(url(restricted, "info.json")).content)
    assert info["maxArea"] >= info["width"] * info["height"]
    assert client.get(url(restricted, "full/420,/0/default.jpg")).status_code == 200


# --- the cache never answers "may I?" -----------------------------------------------------------------------


def test_access_revoked_after_caching(client, network):
    obj = make_object(network["prov"])
    tile = url(obj, "0,0,256,256/256,256/0/default.jpg")
    first = client.get(tile)
    assert first.status_code == 200
    assert client.get(tile).content == first.content  # now from the cache
    DigitalObject.objects.filter(pk=obj.pk).update(access=AccessLevel.SECRET)
    not_found_like_nothing(client, obj, "0,0,256,256/256,256/0/default.jpg")
    not_found_like_nothing(client, obj, "info.json")


def test_embargo_set_after_caching(client, network):
    obj = make_object(network["prov"])
    assert client.get(url(obj, "full/!200,200/0/default.jpg")).status_code == 200
    DigitalObject.objects.filter(pk=obj.pk).update(embargo_until=timezone.localdate() + dt.timedelta(days=1))
    not_found_like_nothing(client, obj, "full/!200,200/0/default.jpg")


def test_reader_signed_out_after_caching(client, reader, restricted):
    sign_in(client, reader)
    tile = url(restricted, "0,0,256,256/256,256/0/default.jpg")
    assert client.get(tile).status_code == 200
    client.post(reverse("opac:account_logout"))
    not_found_like_nothing(client, restricted, "0,0,256,256/256,256/0/default.jpg")


def test_what_a_reader_had_is_not_served_beyond_the_limit_to_others(
    client, reader, restricted, provincial_librarian
):
    """A size cached for staff (who may have it whole) is still refused to a reader: limits come first."""
    client.force_login(provincial_librarian)
    assert client.get(url(restricted, "full/420,/0/default.jpg")).status_code == 200
    client.logout()
    sign_in(client, reader)
    assert client.get(url(restricted, "full/420,/0/default.jpg")).status_code == 403
