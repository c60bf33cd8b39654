from datetime import date
from decimal import Decimal

import pymarc
import pytest

from thuvien.interop.marc import (
    KOHA_952,
    MARC_852,
    HoldingsMap,
    merge_holdings_fields,
    parse_date,
    parse_price,
    read_marc,
    record_to_json,
    render_holding,
    split_holdings,
)

from .conftest import corpus_path


def df(tag, ind, *pairs):
    return pymarc.Field(tag, list(ind), [pymarc.Subfield(c, v) for c, v in pairs])


def make(*fields) -> pymarc.Record:
    rec = pymarc.Record()
    rec.leader = pymarc.Leader("00000nam a2200000 a 4500")
    for f in fields:
        rec.add_field(f)
    return rec


def koha_record():
    return make(
        pymarc.Field("001", data="b1"),
        df("245", "10", ("a", "Truyện Kiều /"), ("c", "Nguyễn Du.")),
        df(
            "952",
            "  ",
            ("a", "TV01"),
            ("b", "TV02"),
            ("o", "895.9221 NG-D"),
            ("p", "VN000123"),
            ("y", "SACH"),
            ("c", "KHO-MUON"),
            ("g", "120.000đ"),
            ("d", "2019-05-02"),
            ("8", "VAN-HOC"),
            ("x", "ghi chú"),
        ),
        df("952", "  ", ("a", "TV01"), ("o", "895.9221 NG-D")),  # no barcode: stays in the record
        df("952", "  ", ("a", "TV03"), ("p", "VN000124"), ("g", "25.00"), ("d", "20200101")),
        df("999", "  ", ("c", "1")),
    )


def test_parse_map_and_presets():
    hmap = HoldingsMap.parse("home_library=a, barcode=p, call_number=h+i", tag="852")
    assert hmap.codes == {"home_library": ("a",), "barcode": ("p",), "call_number": ("h", "i")}
    assert HoldingsMap.parse(hmap.spec(), tag="852") == hmap
    assert KOHA_952.tag == "952" and KOHA_952.codes["price"] == ("g",)
    assert MARC_852.codes["call_number"] == ("h", "i") and MARC_852.codes["location"] == ("b", "c")
    for bad in ("barcode=p,colour=x", "home_library=a", "barcode=pp", "barcode=p,price=p", "barcode"):
        with pytest.raises(ValueError):
            HoldingsMap.parse(bad)


def test_split_koha_952():
    holdings, rest = split_holdings(koha_record(), [KOHA_952])
    assert [h.barcode for h in holdings] == ["VN000123", "VN000124"]
    h = holdings[0]
    assert (h.home_library, h.current_library, h.call_number, h.item_type, h.location) == (
        "TV01",
        "TV02",
        "895.9221 NG-D",
        "SACH",
        "KHO-MUON",
    )
    assert h.price == Decimal("120000") and h.acquired_on == date(2019, 5, 2)
    assert h.field[:3] == ["952", " ", " "] and h.field[3][-1] == ["x", "ghi chú"]
    assert holdings[1].price == Decimal("25.00") and holdings[1].acquired_on == date(2020, 1, 1)
    assert [f.tag for f in rest.fields] == ["001", "245", "952", "999"]
    assert rest["952"].get("p") is None  # the field without a barcode stayed
    assert len(koha_record().fields) == 6  # the input is not changed


def test_unchanged_items_round_trip_exactly():
    original = koha_record()
    holdings, rest = split_holdings(original, [KOHA_952])
    values = [{k: getattr(h, k) for k in KOHA_952.codes} for h in holdings]
    fields = [render_holding(h.field, v, KOHA_952) for h, v in zip(holdings, values, strict=True)]
    merged = merge_holdings_fields(rest, fields)
    # The barcode-less 952 now comes before the item fields (same tag, it stayed in the record).
    expected = [f for f in original.fields if not (f.tag == "952" and f.get("p"))]
    expected[3:3] = [f for f in original.fields if f.tag == "952" and f.get("p")]
    assert [str(f) for f in merged.fields] == [str(f) for f in expected]
    assert fields[0]["g"] == "120.000đ" and fields[0]["d"] == "2019-05-02"  # written as they were


def test_render_with_changed_values():
    holdings, _ = split_holdings(koha_record(), [KOHA_952])
    h = holdings[0]
    f = render_holding(
        h.field,
        {
            "current_library": "TV05",
            "price": Decimal("150000"),
            "location": None,
            "item_type": "SACH",
            "acquired_on": date(2019, 5, 2),
            "call_number": "895.9221 ND",
        },
        KOHA_952,
    )
    assert [s.code for s in f.subfields] == ["a", "b", "o", "p", "y", "g", "d", "8", "x"]  # c removed
    assert f["b"] == "TV05" and f["g"] == "150000" and f["o"] == "895.9221 ND" and f["d"] == "2019-05-02"
    added = render_holding(["952", " ", " ", [["p", "X1"]]], {"home_library": "TV09"}, KOHA_952)
    assert [(s.code, s.value) for s in added.subfields] == [("p", "X1"), ("a", "TV09")]


def test_multi_subfield_attributes_in_852():
    rec = make(
        df(
            "852",
            "  ",
            ("a", "TV"),
            ("b", "KHO"),
            ("c", "Giá 3"),
            ("h", "895.92"),
            ("i", "NGU"),
            ("p", "B1"),
            ("z", "note"),
        )
    )
    [h], rest = split_holdings(rec, [MARC_852])
    assert h.call_number == "895.92 NGU" and h.location == "KHO Giá 3" and h.price is None
    assert rest.fields == []
    same = render_holding(h.field, {"call_number": "895.92 NGU", "location": "KHO Giá 3"}, MARC_852)
    assert [tuple(s) for s in same.subfields] == [tuple(s) for s in rec["852"].subfields]
    changed = render_holding(h.field, {"call_number": "895.922 NGU"}, MARC_852)
    assert [(s.code, s.value) for s in changed.subfields if s.code in "hi"] == [("h", "895.922 NGU")]


def test_several_maps_at_once():
    rec = make(df("852", "  ", ("p", "A1")), df("952", "  ", ("p", "B1")), df("952", "  ", ("p", "")))
    holdings, rest = split_holdings(rec, [KOHA_952, MARC_852])
    assert [h.barcode for h in holdings] == ["A1", "B1"]
    assert [f.tag for f in rest.fields] == ["952"]


def test_merge_inserts_in_tag_order():
    rec = make(
        pymarc.Field("001", data="x"),
        df("245", "10", ("a", "t")),
        df("650", " 0", ("a", "s")),
        df("999", "  ", ("a", "z")),
    )
    merged = merge_holdings_fields(rec, [df("852", "  ", ("p", "1")), df("020", "  ", ("a", "i"))])
    assert [f.tag for f in merged.fields] == ["001", "020", "245", "650", "852", "999"]
    assert [f.tag for f in rec.fields] == ["001", "245", "650", "999"]


def test_synthetic_records_852_round_trip():
    for item in read_marc(corpus_path("synthetic-vietnamese/vi_synthetic_utf8_nfc.mrc")):
        holdings, rest = split_holdings(item.record, [MARC_852])
        # The synthetic 852s have no barcode ($p): they stay in the record.
        assert holdings == [] and record_to_json(rest) == record_to_json(item.record)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("120.000đ", "120000"),
        ("120000 VND", "120000"),
        ("120 000 VNĐ", "120000"),
        ("1.200.000", "1200000"),
        ("25.00", "25.00"),
        ("$12.95", "12.95"),
        ("$1,500", "1500"),
        ("12,95 €", "12.95"),
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("Giá: 45.000 đồng", "45000"),
        ("", None),
        ("miễn phí", None),
        (None, None),
    ],
)
def test_parse_price(text, value):
    assert parse_price(text) == (Decimal(value) if value is not None else None)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2019-05-02", date(2019, 5, 2)),
        ("20190502", date(2019, 5, 2)),
        ("2019/05/02", date(2019, 5, 2)),
        ("02/05/2019", date(2019, 5, 2)),
        ("2019-02-30", None),
        ("2019", None),
        ("", None),
    ],
)
def test_parse_date(text, value):
    assert parse_date(text) == value
