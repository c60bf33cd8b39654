"""The SIP2 codec: every message parses and formats, checksums, dates, charsets, framing."""

from datetime import UTC, date, datetime

import pytest

from thuvien.interop.sip2 import messages as m

D = "20250301    101500"


def fixed_for(code, **values):
    out = {}
    for name, length in m.SPECS[code].fixed:
        out[name] = values.get(name, ("0" * length) if name.endswith("_count") else " " * length)
    return out


# --- checksums ----------------------------------------------------------------------------------


def test_checksum_of_the_spec_example():
    msg = b"09N20160419    12200820160419    122008APReading Room 1|AO830|AB830$28170815|AC|AY2AZ"
    assert m.checksum(msg) == "EB80"
    parsed = m.parse(msg + b"EB80\r")
    assert parsed.checksummed and parsed.sequence == 2
    assert parsed.get("AB") == "830$28170815"


def test_a_bad_checksum_is_refused_but_may_be_skipped():
    msg = b"9900802.00AY1AZFCA1"
    with pytest.raises(m.ChecksumError):
        m.parse(msg)
    assert m.parse(msg, verify=False).fixed["protocol_version"] == "2.00"


def test_checksum_without_zero_padding_is_accepted():
    # A widely used Python client writes the checksum with format(x, "X"): no leading zeros.
    for n in range(2000):
        body = f"17{D}AOVN-X|AB{'A' * n}|AY1AZ".encode()
        value = -sum(body) & 0xFFFF
        if value < 0x1000:
            break
    assert value < 0x1000
    assert m.parse(body + format(value, "X").encode()).checksummed


def test_checksum_over_characters_is_accepted_too():
    # Some clients sum code points instead of UTF-8 bytes.
    body = "23000" + D + "AOVN-X|AAthẻ|AY0AZ"
    value = -sum(map(ord, body)) & 0xFFFF
    parsed = m.parse((body + f"{value:04X}").encode("utf-8"))
    assert parsed.get("AA") == "thẻ"


def test_formatted_messages_verify():
    data = m.format_message("94", {"ok": "1"}, sequence=7, error_detection=True)
    assert data.endswith(b"\r")
    assert data.startswith(b"941AY7AZ")
    assert (sum(data[:-5]) + int(data[-5:-1], 16)) & 0xFFFF == 0
    assert m.format_message("96", error_detection=True) == m.request_resend()
    assert m.request_resend().startswith(b"96AZ")


def test_sequence_without_error_detection_is_left_out():
    assert m.format_message("94", {"ok": "0"}) == b"940\r"


def test_az_inside_a_value_is_not_a_checksum():
    parsed = m.parse(b"23000" + D.encode() + b"AOVN-X|AAMAZ12")
    assert not parsed.checksummed
    assert parsed.get("AA") == "MAZ12"


# --- parsing every request ------------------------------------------------------------------------

REQUESTS = {
    "93": "9300CNkiosk1|COsecret|CPQuầy 1|",
    "99": "9900802.00",
    "63": f"63000{D}  Y       AOVN-X|AA0001|AC|AD1234|BP1|BQ5|",
    "23": f"23000{D}AOVN-X|AA0001|AC|AD1234|",
    "11": f"11YN{D}                  AOVN-X|AA0001|AB3900001|AC|AD1234|BON|BIN|",
    "09": f"09N{D}{D}APQuầy|AOVN-X|AB3900001|AC|BIN|",
    "29": f"29NN{D}                  AOVN-X|AA0001|AD1234|AB3900001|AC|BON|",
    "65": f"65{D}AOVN-X|AA0001|AD1234|AC|BON|",
    "17": f"17{D}AOVN-X|AB3900001|AC|",
    "37": f"37{D}0100VNDBV15000|AOVN-X|AA0001|AC|AD1234|CGphi-1|BKtx-9|",
    "15": f"15+{D}BW20250401    000000|BSVN-X|BY2|AOVN-X|AA0001|AD1234|AJ12|AC|BON|",
    "35": f"35{D}AOVN-X|AA0001|AC|AD1234|",
    "97": "97",
    "01": f"01N{D}AOVN-X|ALthẻ bị giữ|AA0001|AC|",
    "19": f"19{D}AOVN-X|AB3900001|AC|CHx|",
    "25": f"25{D}AOVN-X|AA0001|AC|AD1234|",
}


@pytest.mark.parametrize("code", sorted(REQUESTS))
@pytest.mark.parametrize("ending", ["\r", "\n", "\r\n", ""])
def test_every_request_parses(code, ending):
    text = REQUESTS[code]
    parsed = m.parse((text + ending).encode())
    assert parsed.code == code
    assert set(parsed.fixed) == {name for name, _ in m.SPECS[code].fixed}
    assert parsed.sequence is None and not parsed.checksummed
    with_ed = text + "AY4AZ"
    with_ed += m.checksum(with_ed.encode())
    again = m.parse(with_ed.encode() + ending.encode())
    assert again.sequence == 4 and again.checksummed
    assert again.fixed == parsed.fixed and again.fields == parsed.fields


def test_request_fields_are_read():
    login = m.parse(REQUESTS["93"].encode())
    assert (login.get("CN"), login.get("CO"), login.get("CP")) == ("kiosk1", "secret", "Quầy 1")
    info = m.parse(REQUESTS["63"].encode())
    assert m.summary_category(info.fixed["summary"]) == ("charged", "AU")
    assert info.get("BP") == "1" and info.get("BQ") == "5"
    fee = m.parse(REQUESTS["37"].encode())
    assert fee.fixed["fee_type"] == "01" and fee.fixed["currency_type"] == "VND"
    assert fee.get("BV") == "15000" and fee.get("CG") == "phi-1"
    hold = m.parse(REQUESTS["15"].encode())
    assert hold.fixed["hold_mode"] == "+"
    assert m.parse_date(hold.get("BW")) == datetime(2025, 4, 1, tzinfo=m.LOCAL_TZ)
    assert m.parse(REQUESTS["11"].encode()).fixed["nb_due_date"] == m.BLANK_DATE


def test_repeated_fields_keep_every_value():
    parsed = m.parse(f"63000{D}          AOVN-X|AA1|AFone|AFtwo|".encode())
    assert parsed.getall("AF") == ["one", "two"]
    assert parsed.get("AF") == "one"
    assert parsed.get("ZZ", "none") == "none"


def test_renew_all_without_its_transaction_date():
    # A PyPI client leaves the date out of 65.
    parsed = m.parse(
        b"65AOVN-X|AA0001|AD1234|AC|BON|AY3AZ" + m.checksum(b"65AOVN-X|AA0001|AD1234|AC|BON|AY3AZ").encode()
    )
    assert parsed.fixed["transaction_date"] == ""
    assert parsed.get("AA") == "0001"


def test_last_field_without_its_bar():
    assert m.parse(f"17{D}AOVN-X|AB123".encode()).get("AB") == "123"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\r\n",
        b"9",
        b"XX",
        b"\xff\xfe",
        b"42foo",
        b"99",
        b"9900",
        b"63000" + D.encode(),
        b"11YN2025",
        b"17" + D.encode() + b"\x01\x02|",
    ],
)
def test_unreadable_messages_raise_parse_error(data):
    with pytest.raises(m.ParseError):
        m.parse(data)


def test_unknown_command_reports_its_code():
    with pytest.raises(m.ParseError) as info:
        m.parse(b"42hello")
    assert info.value.code == "42"


# --- formatting every response -------------------------------------------------------------------

RESPONSES = ["94", "98", "64", "24", "12", "10", "30", "66", "18", "38", "16", "36", "96", "20", "26"]


@pytest.mark.parametrize("code", RESPONSES)
def test_every_response_formats_and_parses_back(code):
    fields = [(fid, f"v{fid}") for fid in m.SPECS[code].fields]
    data = m.format_message(code, fixed_for(code), fields, sequence=5, error_detection=True)
    back = m.parse(data)
    assert back.code == code and back.sequence == 5 and back.checksummed
    assert back.fields == {fid: [f"v{fid}"] for fid in m.SPECS[code].fields}


def test_wrong_fixed_length_is_a_programming_error():
    with pytest.raises(ValueError):
        m.format_message("94", {"ok": "10"})


def test_values_cannot_inject_fields_or_messages():
    data = m.format_message("24", fixed_for("24"), [("AE", "Lê|AFfake\rxx\nyy\x00"), ("AF", None)])
    back = m.parse(data)
    assert back.get("AE") == "Lê/AFfake xx yy "
    assert not back.has("AF")
    assert data.count(b"\r") == 1


def test_long_values_are_cut_at_255_characters():
    back = m.parse(m.format_message("24", fixed_for("24"), [("AE", "á" * 400)]))
    assert back.get("AE") == "á" * 255


# --- character sets -------------------------------------------------------------------------------


def test_vietnamese_survives_utf8():
    data = m.format_message("24", fixed_for("24"), [("AE", "Nguyễn Thị Ánh Tuyết"), ("AF", "Đã mượn")])
    assert "Nguyễn Thị Ánh Tuyết".encode() in data
    assert m.parse(data).get("AF") == "Đã mượn"


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1", "ascii"])
def test_narrow_charsets_get_text_without_diacritics(encoding):
    data = m.format_message("24", fixed_for("24"), [("AE", "Trần Đức Thắng 中")], encoding=encoding)
    back = m.parse(data, encoding)
    assert back.get("AE") == "Tran Duc Thang ?"


def test_unknown_encoding_falls_back_to_utf8():
    assert m.normalise_encoding("no-such-codec") == "utf-8"
    assert m.normalise_encoding("") == "utf-8"
    assert m.normalise_encoding("latin1") == "iso8859-1"
    data = m.format_message("24", fixed_for("24"), [("AE", "Hà")], encoding="no-such-codec")
    assert "Hà".encode() in data


def test_requests_in_another_charset_are_decoded():
    raw = f"17{D}AOVN-X|ABcafé|".encode("cp1252")
    assert m.parse(raw, "cp1252").get("AB") == "café"
    # Bytes that are not valid in the configured charset fall back rather than fail.
    parsed = m.parse(raw, "utf-8")
    assert parsed.get("AB") == "café" and parsed.encoding == "cp1252"
    assert m.parse(f"17{D}AOVN-X|ABthẻ|".encode(), "cp1252").get("AB") in ("thẻ", "tháº»")


# --- dates ------------------------------------------------------------------------------------------


def test_dates_round_trip_in_local_time():
    moment = datetime(2025, 3, 1, 3, 15, 0, tzinfo=UTC)  # 10:15 in Hà Nội
    text = m.format_date(moment)
    assert text == D
    assert m.parse_date(text) == moment


def test_date_formats():
    assert m.format_date(None) == " " * 18
    assert m.format_date(date(2025, 12, 31)) == "20251231    235959"
    assert m.parse_date("20250301   Z031500") == datetime(2025, 3, 1, 3, 15, tzinfo=UTC)
    assert m.parse_date(" " * 18) is None
    assert m.parse_date("20251301    000000") is None
    assert m.parse_date("garbage") is None


# --- helpers ----------------------------------------------------------------------------------------


def test_patron_status_positions():
    status = m.patron_status(["charge_denied", "excessive_fines"])
    assert len(status) == 14
    assert status[0] == "Y" and status[10] == "Y" and status.count("Y") == 2
    with pytest.raises(ValueError):
        m.patron_status(["nonsense"])


def test_supported_messages_and_counts():
    bx = m.supported_messages(["23", "11", "65"])
    assert len(bx) == 16 and bx[0] == "Y" and bx[1] == "Y" and bx[15] == "Y" and bx.count("Y") == 3
    assert m.count4(7) == "0007" and m.count4(123456) == "9999" and m.count4(-1) == "0000"
    assert m.money("15000.00") == "15000" and m.money(None) == "0"
    assert m.summary_category(" " * 10) is None
    assert m.summary_category("     Y    ") == ("unavailable_hold", "CD")


# --- framing ----------------------------------------------------------------------------------------


def test_framer_splits_on_every_line_ending_and_across_reads():
    framer = m.Framer()
    assert framer.feed(b"9900802.00\r\n99008") == [b"9900802.00"]
    assert framer.feed(b"02.00\n9300CNa|COb|\r") == [b"9900802.00", b"9300CNa|COb|"]
    assert framer.feed(b"\r\n\n") == []


def test_framer_reports_an_overlong_message_once_and_recovers():
    framer = m.Framer(max_bytes=100)
    assert framer.feed(b"x" * 150) == [None]
    assert framer.feed(b"y" * 150) == []
    assert framer.feed(b"z\r9900802.00\r") == [b"9900802.00"]
    assert framer.feed(b"a" * 120 + b"\r") == [None]
