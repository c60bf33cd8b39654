"""MARC language codes become BCP 47 tags."""

import pytest

from thuvien.interop.opendata.languages import bcp47


@pytest.mark.parametrize(
    ("marc", "tag"),
    [("vie", "vi"), ("eng", "en"), ("fre", "fr"), ("ger", "de"), ("chi", "zh"), ("cze", "cs"), ("scc", "sr"),
     ("VIE", "vi"), (" vie ", "vi"), ("khm", "km"), ("cam", "km"), ("haw", "haw"), ("mul", "mul")],
)  # fmt: skip
def test_codes(marc, tag):
    assert bcp47(marc) == tag


@pytest.mark.parametrize("marc", [None, "", "   ", "|||", "und", "zxx", "vi", "v1e", "viet"])
def test_no_language(marc):
    assert bcp47(marc) is None
