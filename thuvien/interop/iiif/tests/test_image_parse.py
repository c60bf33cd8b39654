"""IIIF Image API 3.0 requests parsed and planned (image.py): valid forms, invalid forms and their status."""

import pytest

from thuvien.interop.iiif import image as iiif
from thuvien.interop.iiif.image import IIIFError, Limits

W, H = 2000, 3000


def planned(
    region="full", size="max", rotation="0", quality="default", fmt="jpg", *, width=W, height=H, limits=None
):
    parsed = iiif.parse(region, size, rotation, quality, fmt)
    return iiif.plan(parsed, width, height, limits or Limits())


def refused(*args, **kwargs) -> IIIFError:
    with pytest.raises(IIIFError) as info:
        planned(*args, **kwargs)
    assert info.value.reason
    return info.value


def test_urls_for_other_modules():
    assert iiif.image_service_id("https://thuvien.example/", 12, 3) == "https://thuvien.example/iiif/3/12-3"
    assert (
        iiif.thumbnail_url("https://thuvien.example", 12, 3)
        == "https://thuvien.example/iiif/3/12-3/full/!200,200/0/default.jpg"
    )
    assert iiif.thumbnail_url("http://h", 1, 1, size=96).endswith("/full/!96,96/0/default.jpg")


def test_urls_from_a_request(rf):
    request = rf.get("/", secure=True)
    assert iiif.image_service_id(request, 5, 1) == "https://testserver/iiif/3/5-1"


@pytest.mark.parametrize(
    "region, expected",
    [
        ("full", (0, 0, W, H)),
        ("square", (0, 500, 2000, 2000)),
        ("10,20,300,400", (10, 20, 300, 400)),
        ("1900,2900,500,500", (1900, 2900, 100, 100)),  # cut at the edges
        ("pct:10,10,50,50", (200, 300, 1000, 1500)),
        ("pct:0.5,.5,99.5,100", (10, 15, 1990, 2985)),
        ("pct:90,90,20,20", (1800, 2700, 200, 300)),
    ],
)
def test_regions(region, expected):
    plan = planned(region)
    assert plan.region == expected
    assert plan.full == (expected == (0, 0, W, H))


def test_square_of_a_wide_image_is_centred():
    assert planned("square", width=3000, height=2000).region == (500, 0, 2000, 2000)


@pytest.mark.parametrize(
    "region",
    ["", "all", "0,0,0,10", "0,0,10,0", "10,10,10", "-1,0,10,10", "a,b,c,d", "pct:0,0,0,10", "pct:100,0,10,10",
     "pct:1e2,0,1,1", "2000,0,10,10", "0,3000,10,10", "pct:a", "0,0,10,10,10", "full "],
)  # fmt: skip
def test_bad_regions(region):
    assert refused(region).status == 400


@pytest.mark.parametrize(
    "size, expected",
    [
        ("max", (2000, 3000)),
        ("^max", (2000, 3000)),
        ("1000,", (1000, 1500)),
        (",600", (400, 600)),
        ("pct:50", (1000, 1500)),
        ("pct:12.5", (250, 375)),
        ("300,300", (300, 300)),
        ("!500,500", (333, 500)),
        ("!1000,200", (133, 200)),
        ("^4000,", (4000, 6000)),
        ("^,6000", (4000, 6000)),
        ("^pct:150", (3000, 4500)),
        ("^3000,3000", (3000, 3000)),
        ("^!4000,4000", (2667, 4000)),
        ("^!100,100", (67, 100)),
        ("^200,", (200, 300)),  # ^ allows upscaling, it does not require it
    ],
)
def test_sizes(size, expected):
    plan = planned("full", size)
    assert plan.size == expected
    assert plan.upscaled == (expected[0] > W or expected[1] > H)


@pytest.mark.parametrize(
    "size",
    ["full", "", ",", "0,", ",0", "0,0", "pct:0", "!100,", "!,100", "w,h", "100,100,", "^", "^^max", "pct:-5",
     "!0,10", "max ", "2001,", ",3001", "2001,10", "pct:100.5", "!4000,5000", "^0,"],
)  # fmt: skip
def test_bad_sizes(size):
    assert refused("full", size).status == 400


def test_upscaling_only_with_a_caret():
    assert "^" in refused("full", "3000,").reason
    assert planned("full", "^3000,").size == (3000, 4500)
    # !w,h bigger than the region needs ^ too (the validator's reading of the specification).
    assert refused("full", "!4000,5000").status == 400


def test_sizes_are_relative_to_the_region():
    plan = planned("0,0,100,100", "50,")
    assert plan.size == (50, 50)
    assert refused("0,0,100,100", "200,").status == 400
    assert planned("0,0,100,100", "^200,").size == (200, 200)


def test_limits():
    limits = Limits(max_width=1000, max_height=1000, max_area=500_000)
    # max and the confined forms shrink to fit; explicit sizes beyond the limits are refused.
    assert planned("full", "max", limits=limits).size == (577, 866)
    assert planned("full", "max", limits=limits).is_max
    assert planned("full", "!800,800", limits=limits).size == (533, 800)
    assert planned("full", "!2000,2000", limits=limits).size == (577, 866)
    error = refused("full", "1000,", limits=limits)
    assert error.status == 400 and error.limit
    assert refused("full", "pct:50", limits=limits).limit
    assert planned("0,0,256,256", "256,256", limits=limits).size == (256, 256)
    assert refused("full", "^1001,10", limits=Limits(1000, 1000, 10**9)).limit
    area = Limits(max_area=2_000_000)
    w, h = planned("full", "max", limits=area).size
    assert w * h <= 2_000_000 and w * h > 1_990_000


@pytest.mark.parametrize(
    "rotation, mirror, degrees",
    [("0", False, 0), ("90", False, 90), ("!0", True, 0), ("!180", True, 180), ("22.5", False, 22.5),
     ("360", False, 0), ("0.0", False, 0), (".5", False, 0.5), ("359.999", False, 359.999)],
)  # fmt: skip
def test_rotations(rotation, mirror, degrees):
    plan = planned(rotation=rotation)
    assert (plan.mirror, plan.rotation) == (mirror, pytest.approx(degrees))


@pytest.mark.parametrize("rotation", ["", "-90", "361", "!", "!!90", "90deg", "1e2", "ninety", "9 0"])
def test_bad_rotations(rotation):
    assert refused(rotation=rotation).status == 400


@pytest.mark.parametrize("quality", ["default", "color", "gray", "bitonal"])
@pytest.mark.parametrize("fmt", ["jpg", "png", "webp", "gif", "tif"])
def test_qualities_and_formats(quality, fmt):
    plan = planned(quality=quality, fmt=fmt)
    assert plan.key.endswith(f"/{quality}.{fmt}")
    assert plan.media_type.startswith("image/")


def test_bad_qualities_and_formats():
    assert refused(quality="grey").status == 400
    assert refused(quality="native").status == 400
    assert refused(fmt="jpeg").status == 400
    assert refused(fmt="xyz").status == 400
    assert refused(fmt="JPG").status == 400
    # Formats of the specification this build cannot write: "not implemented", not "bad request".
    assert refused(fmt="jp2").status == 501
    assert refused(fmt="pdf").status == 501


def test_split_filename():
    assert iiif.split_filename("default.jpg") == ("default", "jpg")
    assert iiif.split_filename("a.b.png") == ("a.b", "png")
    for bad in ("default", ".jpg", ""):
        with pytest.raises(IIIFError):
            iiif.split_filename(bad)


def test_canonical_forms_and_cache_keys():
    plan = planned("full", "max")
    assert plan.canonical == "full/max/0/default.jpg"
    assert plan.key == f"0,0,{W},{H}/{W},{H}/0/default.jpg"
    # Different spellings of one image share one cache key.
    same = {
        planned(r, s).key
        for r, s in [("full", "max"), ("0,0,2000,3000", "2000,"), ("pct:0,0,100,100", ",3000")]
    }
    assert len(same) == 1
    tile = planned("512,512,1024,1024", "256,256", "!90", "gray", "png")
    assert tile.canonical == "512,512,1024,1024/256,256/!90/gray.png"
    assert planned("full", "^4000,").canonical == "full/^4000,6000/0/default.jpg"
    assert planned(rotation="22.50").canonical.split("/")[2] == "22.5"


def test_pyramid_levels_match_what_libvips_writes():
    assert iiif.pyramid_levels(1000, 1000) == [(1000, 1000), (500, 500), (250, 250)]
    assert iiif.pyramid_levels(2501, 3507) == [(2501, 3507), (1250, 1753), (625, 876), (312, 438), (156, 219)]
    assert iiif.pyramid_levels(256, 256) == [(256, 256)]
    assert iiif.pyramid_levels(513, 100) == [(513, 100), (256, 50)]
