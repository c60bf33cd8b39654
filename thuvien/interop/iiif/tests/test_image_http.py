"""IIIF Image API 3.0 over HTTP: info.json, images (regions, sizes, rotations, qualities, formats), HTTP rules."""

import json

import pytest
import pyvips

from thuvien.digital import storage
from thuvien.digital.testing import make_object
from thuvien.interop.iiif import image as iiif

pytestmark = pytest.mark.django_db

TEXTS = [
    "Hoa Lư là kinh đô đầu tiên của nhà nước phong kiến trung ương tập quyền Việt Nam.",
    "Năm 968, Đinh Bộ Lĩnh dẹp loạn mười hai sứ quân, lên ngôi hoàng đế.",
]


@pytest.fixture
def book(network):
    """An open, published object of two pages rendered at 150 dpi (874 × 1240 pixels, four pyramid levels)."""
    return make_object(network["prov"], title="Cố đô Hoa Lư", texts=TEXTS, dpi=150)


def url(obj, rest="", seq=1):
    return f"/iiif/3/{obj.pk}-{seq}" + (f"/{rest}" if rest else "")


def picture(response) -> pyvips.Image:
    assert response.status_code == 200, response.content[:300]
    return pyvips.Image.new_from_buffer(response.content, "")


def master(obj, seq=1) -> pyvips.Image:
    return pyvips.Image.new_from_file(str(storage.master_path(obj.pk, seq)))


def difference(a: pyvips.Image, b: pyvips.Image) -> float:
    """The mean absolute difference of two images of one size, in grey levels."""
    assert (a.width, a.height) == (b.width, b.height)
    if a.bands != b.bands:
        a, b = a.colourspace("b-w")[0], b.colourspace("b-w")[0]
    return (a.cast("float") - b.cast("float")).abs().avg()


# --- info.json --------------------------------------------------------------------------------------------


def test_info_json(client, book):
    page = book.pages.get(seq=1)
    response = client.get(url(book, "info.json"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert 'rel="http://www.w3.org/ns/json-ld#context"' in response["Link"]
    info = json.loads(response.content)
    assert info["@context"] == "http://iiif.io/api/image/3/context.json"
    assert info["id"] == f"http://testserver/iiif/3/{book.pk}-1"
    assert (info["type"], info["protocol"], info["profile"]) == (
        "ImageService3", "http://iiif.io/api/image", "level2",
    )  # fmt: skip
    assert (
        (info["width"], info["height"])
        == (page.width, page.height)
        == (master(book).width, master(book).height)
    )
    # The tiles are the masters' own: one scale factor per level of the pyramid actually written.
    levels = master(book).get("n-pages")
    assert levels == 4
    assert info["tiles"] == [{"width": 256, "height": 256, "scaleFactors": [1, 2, 4, 8]}]
    sizes = [(s["width"], s["height"]) for s in info["sizes"]]
    actual = [(lvl.width, lvl.height) for lvl in (pyvips.Image.new_from_file(
        str(storage.master_path(book.pk, 1)), page=k) for k in range(levels))]  # fmt: skip
    assert sizes == sorted(actual)
    assert info["maxArea"] >= page.width * page.height
    assert {"webp", "gif", "tif"} <= set(info["extraFormats"])
    assert {"color", "gray", "bitonal"} <= set(info["extraQualities"])
    assert {"mirroring", "rotationArbitrary", "sizeUpscaling", "cors", "baseUriRedirect"} <= set(
        info["extraFeatures"]
    )
    assert info["rights"].startswith("http://rightsstatements.org/")
    # Open material: any site may read it, any cache may keep it.
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Cache-Control"].startswith("public, max-age=")


def test_info_json_as_json_ld_when_asked(client, book):
    response = client.get(url(book, "info.json"), HTTP_ACCEPT="application/ld+json")
    assert response["Content-Type"] == 'application/ld+json;profile="http://iiif.io/api/image/3/context.json"'
    assert "Link" not in response
    assert "Accept" in response["Vary"]
    assert json.loads(response.content)["type"] == "ImageService3"


def test_base_uri_redirects_to_info_json(client, book):
    response = client.get(url(book))
    assert response.status_code == 303
    assert response["Location"] == f"http://testserver/iiif/3/{book.pk}-1/info.json"


def test_escaped_identifier(client, book):
    assert client.get(f"/iiif/3/{book.pk}%2D1/info.json").status_code == 200


def test_conditional_requests(client, book):
    for path in (url(book, "info.json"), url(book, "full/max/0/default.jpg")):
        first = client.get(path)
        assert first["ETag"]
        again = client.get(path, HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304
        assert again["Access-Control-Allow-Origin"] == "*"
    image = client.get(url(book, "full/max/0/default.jpg"))
    assert (
        client.get(
            url(book, "full/max/0/default.jpg"), HTTP_IF_MODIFIED_SINCE=image["Last-Modified"]
        ).status_code
        == 304
    )


def test_head_options_and_other_methods(client, book):
    head = client.head(url(book, "full/!100,100/0/default.jpg"))
    assert head.status_code == 200 and head.content == b""
    assert int(head["Content-Length"]) > 0
    options = client.options(url(book, "info.json"))
    assert options.status_code == 204
    assert options["Access-Control-Allow-Origin"] == "*"
    assert "GET" in options["Access-Control-Allow-Methods"]
    assert client.post(url(book, "info.json")).status_code == 405
    assert client.delete(url(book, "full/max/0/default.jpg")).status_code == 405


# --- images -------------------------------------------------------------------------------------------------


def test_full_image(client, book):
    response = client.get(url(book, "full/max/0/default.jpg"))
    assert response["Content-Type"] == "image/jpeg"
    got = picture(response)
    assert difference(got, master(book)) < 2
    assert (
        f'<http://testserver/iiif/3/{book.pk}-1/full/max/0/default.jpg>;rel="canonical"' in response["Link"]
    )
    assert '<http://iiif.io/api/image/3/level2.json>;rel="profile"' in response["Link"]


@pytest.mark.parametrize(
    "region, size",
    [
        ("0,0,256,256", "256,256"),  # a full-resolution tile
        ("256,512,256,256", "256,"),
        ("0,512,512,512", "256,256"),  # scale factor 2: one tile of the second level
        ("0,1024,874,216", "219,54"),  # scale factor 4, at the bottom edge (OpenSeadragon rounds up)
        ("100,100,300,200", "150,100"),  # no level matches: scaled down from the full size
    ],
)
def test_tiles_show_the_right_part_of_the_page(client, book, region, size):
    got = picture(client.get(url(book, f"{region}/{size}/0/default.png")))
    x, y, w, h = (int(v) for v in region.split(","))
    expected = master(book).crop(x, y, w, h)
    expected = expected.resize(got.width / w, vscale=got.height / h)
    assert difference(got, expected) < 4


def test_sizes(client, book):
    page = book.pages.get(seq=1)
    assert picture(client.get(url(book, "full/437,/0/default.jpg"))).width == 437
    assert picture(client.get(url(book, "full/,620/0/default.jpg"))).height == 620
    got = picture(client.get(url(book, "full/pct:25/0/default.jpg")))
    assert (got.width, got.height) == (round(page.width / 4), round(page.height / 4))
    got = picture(client.get(url(book, "full/!200,200/0/default.jpg")))
    assert max(got.width, got.height) == 200
    got = picture(client.get(url(book, "square/100,100/0/default.jpg")))
    assert (got.width, got.height) == (100, 100)
    # Bigger than the page: only with ^.
    assert client.get(url(book, f"full/{page.width + 1},/0/default.jpg")).status_code == 400
    got = picture(client.get(url(book, f"full/^{page.width * 2},/0/default.jpg")))
    assert got.width == page.width * 2
    assert picture(client.get(url(book, "full/^max/0/default.jpg"))).width == page.width


def test_thumbnail_url(client, book):
    thumb = iiif.thumbnail_url("http://testserver", book.pk, 2)
    got = picture(client.get(thumb.removeprefix("http://testserver")))
    assert max(got.width, got.height) == 200


def test_rotation_and_mirroring(client, book):
    base = master(book).crop(0, 0, 300, 200)
    got = picture(client.get(url(book, "0,0,300,200/max/90/default.png")))
    assert difference(got, base.rot90()) < 1
    got = picture(client.get(url(book, "0,0,300,200/max/!0/default.png")))
    assert difference(got, base.flip("horizontal")) < 1
    got = picture(client.get(url(book, "0,0,300,200/max/!180/default.png")))
    assert difference(got, base.flip("vertical")) < 1
    # Any angle: the bounding box grows; PNG corners are transparent.
    got = picture(client.get(url(book, "0,0,300,200/max/30/default.png")))
    assert got.width > 300 and got.height > 200
    assert got.hasalpha() and got[-1].getpoint(0, 0) == [0]
    got = picture(client.get(url(book, "0,0,300,200/max/30/default.jpg")))
    assert not got.hasalpha()


def test_qualities(client, book):
    gray = picture(client.get(url(book, "full/200,/0/gray.png")))
    assert gray.bands == 1
    color = picture(client.get(url(book, "full/200,/0/color.jpg")))
    assert color.bands == 3 and color.interpretation == "srgb"
    bitonal = picture(client.get(url(book, "full/200,/0/bitonal.png")))
    values = bitonal.hist_find().cast("int")
    assert bitonal.bands == 1
    used = [v for v in range(256) if values.getpoint(v, 0)[0]]
    assert set(used) <= {0, 255} and len(used) == 2


@pytest.mark.parametrize(
    "fmt, media_type, loader",
    [("jpg", "image/jpeg", "jpeg"), ("png", "image/png", "png"), ("webp", "image/webp", "webp"),
     ("gif", "image/gif", "gif"), ("tif", "image/tiff", "tiff")],
)  # fmt: skip
def test_formats(client, book, fmt, media_type, loader):
    response = client.get(url(book, f"full/!300,300/0/default.{fmt}"))
    assert response["Content-Type"] == media_type
    assert picture(response).get("vips-loader").startswith(loader)


@pytest.mark.parametrize(
    "rest",
    ["full/full/0/default.jpg", "nowhere/max/0/default.jpg", "full/max/45deg/default.jpg", "full/max/0/grey.jpg",
     "full/max/0/default.bmp", "full/max/0/default", "9000,0,10,10/max/0/default.jpg", "full/9999,/0/default.jpg"],
)  # fmt: skip
def test_bad_requests_say_why(client, book, rest):
    response = client.get(url(book, rest))
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert len(response.content.decode()) > 10


def test_unsupported_format_is_not_implemented(client, book):
    assert client.get(url(book, "full/max/0/default.jp2")).status_code == 501


def test_unknown_pages_and_identifiers(client, book):
    assert client.get(url(book, "info.json", seq=3)).status_code == 404
    assert client.get("/iiif/3/999999-1/info.json").status_code == 404
    assert client.get("/iiif/3/abc/info.json").status_code == 404
    assert client.get("/iiif/3/a/b/info.json").status_code == 404
    assert client.get(f"/iiif/3/{book.pk}-1/extra/full/max/0/default.jpg").status_code == 404


def test_a_master_without_a_pyramid_is_still_served(client, book):
    """A master written some other way (one level, strips) is scaled from its full size, not refused."""
    path = storage.master_path(book.pk, 1)
    full = master(book).copy_memory()
    full.tiffsave(str(path), compression="deflate")
    got = picture(client.get(url(book, "0,0,800,800/200,200/0/default.png")))
    assert difference(got, full.crop(0, 0, 800, 800).resize(0.25)) < 4
