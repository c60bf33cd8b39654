"""Another library's holdings are cut out of a copied record, its text left byte for byte."""

from __future__ import annotations

import io

import pymarc
import pytest

from thuvien.interop.copycat.holdings import holdings_tags, strip_holdings
from thuvien.interop.marc import ParsedRecord, read_marc, write_marcxml

pytestmark = pytest.mark.django_db  # holdings_tags reads the settings


def book() -> pymarc.Record:
    record = pymarc.Record(leader="00000nam a2200000 a 4500")
    record.add_field(pymarc.Field(tag="001", data="VN42"))
    record.add_field(
        pymarc.Field(tag="245", indicators=["1", "0"], subfields=[pymarc.Subfield("a", "Truyện Kiều")])
    )
    for tag, code, value in (("852", "a", "Thư viện khác"), ("952", "p", "KHAC-0001"), ("876", "p", "X1")):
        record.add_field(
            pymarc.Field(tag=tag, indicators=[" ", " "], subfields=[pymarc.Subfield(code, value)])
        )
    record.add_field(
        pymarc.Field(tag="500", indicators=[" ", " "], subfields=[pymarc.Subfield("a", "Ghi chú")])
    )
    return record


def tags(raw: bytes) -> list[str]:
    entry = next(iter(read_marc(raw)))
    assert isinstance(entry, ParsedRecord), entry
    return [f.tag for f in entry.record.fields]


def test_iso2709_keeps_the_octets_of_the_other_fields(corpus):
    raw = (corpus / "marc/synthetic-vietnamese/vi_synthetic_marc8.mrc").read_bytes().split(b"\x1d")[
        0
    ] + b"\x1d"
    stripped, removed = strip_holdings(raw)
    assert removed == ["852"] and b"\x1e852" not in stripped
    assert "852" not in tags(stripped)
    # MARC-8 untouched: the 245 octets are the same, and the reader still decodes them.
    title = raw[raw.index(b"\x1faTruy") : raw.index(b"\x1e", raw.index(b"\x1faTruy"))]
    assert title in stripped
    assert stripped[9:10] == b" " and len(stripped) == int(stripped[:5])
    entry = next(iter(read_marc(stripped)))
    assert entry.record["245"]["a"].startswith("Truyện Kiều")


def test_iso2709_and_marcxml_lose_every_holdings_field():
    record = book()
    stripped, removed = strip_holdings(record.as_marc())
    assert sorted(removed) == ["852", "876", "952"]
    assert tags(stripped) == ["001", "245", "500"]

    out = io.BytesIO()
    write_marcxml([record], out)
    stripped, removed = strip_holdings(out.getvalue())
    assert sorted(removed) == ["852", "876", "952"] and tags(stripped) == ["001", "245", "500"]


def test_the_configured_holdings_tag_goes_too(settings):
    settings.MARC_HOLDINGS_TAG = "949"
    settings.MARC_HOLDINGS_MAP = "home_library=a,barcode=p"
    assert "949" in holdings_tags() and {"852", "952"} <= holdings_tags()


def test_unreadable_input_is_returned_as_is():
    for raw in (b"", "rác không phải MARC".encode(), b"<record><unclosed"):
        assert strip_holdings(raw) == (raw, [])
