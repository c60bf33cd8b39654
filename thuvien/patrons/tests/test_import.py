"""Bulk import of readers: a school enrols a class from a spreadsheet; bad rows reported, good rows kept.

Who may do what (the permission model, written down): the command line acts for the whole database;
a staff member (ACTOR) imports only into libraries where he runs circulation (`circulation_libraries`,
his subtree) and updates only readers whose home library is there; staff of another network can import
nothing here.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import CommandError, call_command

from thuvien.audit.models import AuditEntry
from thuvien.lib import vn_legacy
from thuvien.patrons.actions import authenticate_reader
from thuvien.patrons.importer import ReaderImportError, import_readers, parse_date
from thuvien.patrons.models import Consent, Reader

pytestmark = pytest.mark.django_db

HEADER = ["card", "pin", "name", "category", "library", "email", "birth_date", "phone", "address", "cccd"]
# Lớp 10A1, Trường THPT Lê Quý Đôn (the test network's school library).
PUPILS = [
    ("Nguyễn Minh Anh", "2009-03-14", "nữ"),
    ("Trần Quốc Bảo", "2009-07-02", "nam"),
    ("Lê Thị Ngọc Châu", "2009-11-23", "nữ"),
    ("Phạm Đức Duy", "2009-01-30", "nam"),
    ("Hoàng Thu Giang", "2009-05-17", "nữ"),
    ("Vũ Minh Hiếu", "2009-09-09", "nam"),
    ("Đặng Thị Hồng Hạnh", "2009-02-11", "nữ"),
    ("Bùi Gia Huy", "2009-12-01", "nam"),
    ("Đỗ Khánh Linh", "2009-04-25", "nữ"),
    ("Hồ Đăng Khoa", "2009-08-19", "nam"),
    ("Ngô Thị Mai", "2009-06-06", "nữ"),
    ("Dương Nhật Minh", "2009-10-10", "nam"),
    ("Lý Bảo Ngọc", "2009-03-03", "nữ"),
    ("Đinh Công Phúc", "2009-07-27", "nam"),
    ("Trịnh Thảo Quyên", "2009-01-15", "nữ"),
    ("Mai Xuân Sơn", "2009-09-28", "nam"),
    ("Tạ Thị Thu Trang", "2009-11-11", "nữ"),
    ("Phan Anh Tuấn", "2009-05-05", "nam"),
    ("Cao Ngọc Uyên", "2009-02-20", "nữ"),
    ("Lương Quang Vinh", "2009-12-24", "nam"),
]


def cccd_for(birth: str, sex: str, n: int) -> str:
    """A valid CCCD: Ninh Bình (037), century/sex digit, two year digits, six serial digits."""
    year = int(birth[:4])
    digit = (0 if year < 2000 else 2) + (1 if sex == "nữ" else 0)
    return f"037{digit}{year % 100:02d}{n:06d}"


def pupil_rows(library="VN-TST-THPT"):
    rows = []
    for n, (name, birth, sex) in enumerate(PUPILS, start=1):
        rows.append([
            f"LQD10A1{n:02d}", f"{2000 + n}", name, "pupil", library, f"hs{n:02d}.10a1@lqd.edu.vn", birth,
            f"09{n:08d}", f"Số {n} đường Lê Hồng Phong, phường Hoa Lư, Ninh Bình", cccd_for(birth, sex, n),
        ])  # fmt: skip
    return rows


def to_csv(rows, header=HEADER, delimiter=",", bom=False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" if bom else "").encode("utf-8") + out.getvalue().encode("utf-8")


def test_a_class_of_twenty_with_three_bad_rows_keeps_the_seventeen(network):
    rows = pupil_rows()
    rows[4][3] = "phụ huynh"  # line 6: no such category
    rows[9][9] = "037209123"  # line 11: CCCD too short
    rows[15][6] = "31/02/2009"  # line 17: no such day
    report = import_readers(to_csv(rows))
    assert report.summary() == "imported=17 updated=0 rejected=3"
    rejected = {line.line: line.message for line in report.lines if line.status == "rejected"}
    assert set(rejected) == {6, 11, 17}
    assert "Không có đối tượng bạn đọc «phụ huynh»" in rejected[6]
    assert "12 chữ số" in rejected[11]
    assert "Ngày sinh «31/02/2009» không hợp lệ" in rejected[17]
    assert Reader.objects.filter(home_library=network["school"]).count() == 17
    assert not Reader.objects.filter(card__in=["LQD10A105", "LQD10A110", "LQD10A116"]).exists()
    anh = Reader.objects.get(card="LQD10A101")
    assert anh.full_name == "Nguyễn Minh Anh" and anh.category.code == "pupil"
    assert anh.birth_date == dt.date(2009, 3, 14) and anh.email == "hs01.10a1@lqd.edu.vn"
    assert anh.cccd_last == "0001" and "037209000001" not in anh.cccd_encrypted
    assert authenticate_reader("LQD10A101", "2001", channel="test") == anh
    assert Consent.objects.filter(reader=anh, kind=Consent.Kind.TERMS, channel="import").exists()
    assert AuditEntry.objects.filter(type="patrons.reader.created", object_id=str(anh.pk)).exists()


def test_every_kind_of_bad_row_is_named_in_vietnamese(network):
    good = pupil_rows()[0]
    cases = {
        "category": (3, "giáo viên", "Không có đối tượng bạn đọc"),
        "library": (4, "VN-TST-KHONG", "Không có thư viện mã «VN-TST-KHONG»"),
        "card": (0, "SỐ THẺ 1", "Số thẻ gồm 4–32 chữ cái"),
        "cccd": (9, "999209000001", "Mã tỉnh 999"),
        "cccd_year": (9, "037208000001", "khác ngày sinh"),
        "date": (6, "2009-13-01", "Ngày sinh «2009-13-01» không hợp lệ"),
        "future": (6, "2099-01-01", "Ngày sinh không thể ở tương lai"),
        "pin": (1, "12", "Mã PIN phải gồm 4 đến 8 chữ số"),
        "name": (2, "  ", "Thiếu họ và tên"),
        "email": (5, "hs01@", "Địa chỉ thư điện tử «hs01@» không hợp lệ"),
        "phone": (7, "0912 345 678 / 0987 654 321 (bố)", "Điện thoại dài quá 30 ký tự"),
    }
    rows = []
    for n, (column, value, _message) in enumerate(cases.values()):
        row = list(good)
        row[0] = f"BAD{n:04d}"
        row[9] = ""
        row[column] = value
        rows.append(row)
    rows.append(list(good))
    rows.append(list(good))  # the same card twice in one file
    report = import_readers(to_csv(rows))
    assert report.summary() == f"imported=1 updated=0 rejected={len(cases) + 1}"
    messages = [line.message for line in report.lines]
    for (_column, _value, expected), message in zip(cases.values(), messages, strict=False):
        assert expected in message, (expected, message)
    assert messages[-1] == f"Số thẻ LQD10A101 trùng với dòng {len(cases) + 2}."
    assert [line.line for line in report.lines] == list(range(2, len(cases) + 4))
    assert Reader.objects.count() == 1


def test_nfd_vietnamese_headers_semicolons_bom_and_day_first_dates(network):
    header = ["Số thẻ", "Mã PIN", "HỌ TÊN", "Đối tượng", "Thư viện", "Thư điện tử", "Ngày sinh", "Điện thoại",
              "Địa chỉ", "Hết hạn", "Lưu lịch sử"]  # fmt: skip
    header = [unicodedata.normalize("NFD", h) for h in header]
    name = unicodedata.normalize("NFD", "Nguyễn Thị Thuỳ Dương")
    address = unicodedata.normalize("NFD", "Thôn Văn Lâm, xã Ninh Hải, Ninh Bình")
    rows = [
        ["nb0100", "0420", name, "Người lớn", "vn-tst", "", "07/05/1985", "0912 345 678", address, "31/12/2027", "có"],
        ["NB0101", "5555", "Trần Văn Hùng", "ADULT", "VN-TST-XA", "hung@example.vn", "1960-01-02", "", "", "", "0"],
    ]  # fmt: skip
    report = import_readers(to_csv(rows, header=header, delimiter=";", bom=True))
    assert report.summary() == "imported=2 updated=0 rejected=0", report.lines
    duong = Reader.objects.get(card="NB0100")
    assert duong.full_name == "Nguyễn Thị Thuỳ Dương"
    assert unicodedata.is_normalized("NFC", duong.full_name) and unicodedata.is_normalized(
        "NFC", duong.address
    )
    assert duong.address == "Thôn Văn Lâm, xã Ninh Hải, Ninh Bình"
    assert duong.birth_date == dt.date(1985, 5, 7) and duong.expires_on == dt.date(2027, 12, 31)
    assert duong.keep_history is True and duong.email == ""
    assert Reader.objects.get(card="NB0101").home_library == network["commune"]
    assert Reader.objects.get(card="NB0101").keep_history is False


def test_a_tcvn3_file_is_converted_and_the_conversion_reported(network):
    rows = [
        ["TV0001", "1234", "Lê Minh Khôi", "adult", "VN-TST", "khoi@example.vn", "1998-04-12",
         "Xóm Trại, xã Gia Sinh, huyện Gia Viễn"],
        ["TV0002", "2345", "Nguyễn Thị Hương", "senior", "VN-TST-XA", "", "12/08/1950",
         "Phố Đinh Tiên Hoàng, Hoa Lư"],
        ["TV0003", "3456", "Phạm Văn Đồng", "khách", "VN-TST", "", "1970-01-01", ""],
    ]  # fmt: skip
    header = ["so_the", "ma_pin", "ho_ten", "doi_tuong", "thu_vien", "thu_dien_tu", "ngay_sinh", "dia_chi"]
    text = to_csv(rows, header=header).decode("utf-8")
    data = vn_legacy.encode(text, "tcvn3")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    report = import_readers(data)
    assert report.encoding == "tcvn3"
    assert "TCVN3" in report.conversion
    assert report.summary() == "imported=2 updated=0 rejected=1"
    assert Reader.objects.get(card="TV0001").full_name == "Lê Minh Khôi"
    huong = Reader.objects.get(card="TV0002")
    assert huong.full_name == "Nguyễn Thị Hương" and huong.address == "Phố Đinh Tiên Hoàng, Hoa Lư"
    converted = report.lines[0].message
    assert "Đã chuyển bảng mã" in converted and "→ «Lê Minh Khôi»" in converted
    # The rejected row's reason shows the converted text, not the legacy bytes.
    assert report.lines[2].message == "Không có đối tượng bạn đọc «khách»."


@pytest.mark.parametrize(
    ("encoding", "name"), [("vni", "VNI"), ("cp1258", "Windows-1258"), ("viscii", "VISCII")]
)
def test_vni_cp1258_and_viscii_files_are_recognised_too(network, encoding, name):
    rows = [
        ["TV0001", "1234", "Lê Minh Khôi", "adult", "VN-TST", "", "1998-04-12", "Xóm Trại, xã Gia Sinh"],
        [
            "TV0002",
            "2345",
            "Nguyễn Thị Hương",
            "senior",
            "VN-TST-XA",
            "",
            "12/08/1950",
            "Phố Đinh Tiên Hoàng",
        ],
    ]
    header = [*HEADER[:7], "address"]
    data = vn_legacy.encode(to_csv(rows, header=header).decode("utf-8"), encoding)
    report = import_readers(data)
    assert (report.encoding, report.summary()) == (encoding, "imported=2 updated=0 rejected=0")
    assert name in report.conversion
    assert Reader.objects.get(card="TV0002").full_name == "Nguyễn Thị Hương"
    assert Reader.objects.get(card="TV0002").address == "Phố Đinh Tiên Hoàng"


def test_a_utf8_file_decoded_twice_is_repaired(network):
    rows = [["TV0010", "1234", "Đặng Thuỳ Trâm", "adult", "VN-TST", "", "1942-11-26", "Hà Nội"]]
    text = to_csv(rows, header=[*HEADER[:7], "address"]).decode("utf-8")
    mojibake = text.encode("utf-8").decode("latin-1").encode("utf-8")
    report = import_readers(mojibake)
    assert report.encoding == "mojibake"
    assert Reader.objects.get(card="TV0010").full_name == "Đặng Thuỳ Trâm"
    assert Reader.objects.get(card="TV0010").address == "Hà Nội"


def test_ascii_without_diacritics_is_not_taken_for_viqr(network):
    rows = [["TV0020", "1234", "Nguyen Van A?", "adult", "VN-TST", "", "", "So 1 ngo 2, Ninh Binh."]]
    report = import_readers(to_csv(rows, header=[*HEADER[:7], "address"]))
    assert report.encoding == "utf-8" and report.conversion == ""
    assert Reader.objects.get(card="TV0020").full_name == "Nguyen Van A?"
    assert Reader.objects.get(card="TV0020").address == "So 1 ngo 2, Ninh Binh."


def test_reimport_updates_existing_cards_and_keeps_their_pin(network):
    import_readers(to_csv(pupil_rows()))
    anh = Reader.objects.get(card="LQD10A101")
    rows = pupil_rows()[:3]
    rows[0][2] = "Nguyễn Minh Ánh"  # the school corrected the name
    rows[0][1] = "9999"  # a PIN in the file does not reset the one the pupil chose
    rows[1][7] = "0987 654 321"
    rows[2][5] = ""  # a blank cell keeps what is stored
    new = pupil_rows()[0]
    new[0], new[9] = "LQD10A199", ""
    report = import_readers(to_csv(rows + [new]))
    assert report.summary() == "imported=1 updated=2 rejected=0"
    assert report.unchanged == 1
    assert [line.status for line in report.lines] == ["updated", "updated", "unchanged", "imported"]
    assert report.lines[0].message == "Đã cập nhật: họ tên."
    anh.refresh_from_db()
    assert anh.full_name == "Nguyễn Minh Ánh" and check_password("2001", anh.pin_hash)
    assert Reader.objects.get(card="LQD10A102").phone == "0987 654 321"
    assert Reader.objects.get(card="LQD10A103").email == "hs03.10a1@lqd.edu.vn"
    assert AuditEntry.objects.filter(type="patrons.reader.updated", object_id=str(anh.pk)).count() == 1


def test_reimport_refuses_a_cccd_already_on_another_card(network):
    import_readers(to_csv(pupil_rows()[:2]))
    rows = pupil_rows()[:2]
    rows[1][9] = rows[0][9]
    rows[1][6] = rows[0][6]
    report = import_readers(to_csv(rows))
    assert report.lines[1].status == "rejected"
    assert "đã được đăng ký cho một thẻ khác" in report.lines[1].message


def test_dry_run_reports_and_saves_nothing(network):
    rows = pupil_rows()
    rows[0][1] = "abc"
    report = import_readers(to_csv(rows), dry_run=True)
    assert report.summary() == "imported=19 updated=0 rejected=1"
    assert Reader.objects.count() == 0 and not AuditEntry.objects.filter(type__startswith="patrons.").exists()


def test_missing_columns_and_unreadable_files_are_refused_whole(network):
    with pytest.raises(ReaderImportError) as error:
        import_readers(to_csv([["X0001", "1234", "A"]], header=["card", "pin", "name"]))
    assert "thiếu cột: category, library, email, birth_date" in error.value.message
    with pytest.raises(ReaderImportError):
        import_readers(to_csv([["X0001"]], header=["card", "pin", "SỐ THẺ", "name", "category"]))
    with pytest.raises(ReaderImportError) as error:
        import_readers(b"card,pin,name\r\n\xff\xfe\x00\x81,1234,\x9d\x8f\r\n")
    assert "Không nhận ra bảng mã" in error.value.message
    with pytest.raises(ReaderImportError):
        import_readers(b"\r\n\r\n")


def test_library_option_fills_rows_without_a_library(network):
    rows = [r[:4] + r[5:] for r in pupil_rows()[:2]]
    header = [h for h in HEADER if h != "library"]
    with pytest.raises(ReaderImportError):
        import_readers(to_csv(rows, header=header))
    report = import_readers(to_csv(rows, header=header), library=network["school"])
    assert report.imported == 2
    assert set(Reader.objects.values_list("home_library__code", flat=True)) == {"VN-TST-THPT"}


def test_staff_import_only_into_their_own_subtree(network, provincial_librarian, other_library_staff):
    from thuvien.accounts.models import StaffRole, User

    school_staff = User.objects.create_user("thuvien.thpt", password="mat-khau-thu-nghiem-1")  # noqa: S106
    StaffRole.objects.create(user=school_staff, library=network["school"], role="circulation")
    rows = pupil_rows()[:2]
    rows[1][4] = "VN-TST"  # a provincial reader: not the school librarian's to create
    report = import_readers(to_csv(rows), actor=school_staff)
    assert [line.status for line in report.lines] == ["imported", "rejected"]
    assert "Bạn không quản lý bạn đọc của Thư viện tỉnh Thử Nghiệm" in report.lines[1].message
    created = AuditEntry.objects.get(type="patrons.reader.created")
    assert created.actor == school_staff and created.data["channel"] == "import"

    # A reader of the province already holds this card: the school librarian may not rewrite him.
    report = import_readers(to_csv(rows), actor=provincial_librarian)
    assert [line.status for line in report.lines] == ["unchanged", "imported"]
    rows[1][2] = "Tên Bị Sửa"
    rows[1][4] = "VN-TST-THPT"
    report = import_readers(to_csv(rows), actor=school_staff)
    assert report.lines[1].status == "rejected"
    assert Reader.objects.get(card="LQD10A102").full_name == "Trần Quốc Bảo"

    report = import_readers(to_csv(pupil_rows()[2:5]), actor=other_library_staff)
    assert report.summary() == "imported=0 updated=0 rejected=3"


def test_the_command_prints_counts_and_writes_the_report(network, tmp_path, capsys):
    rows = pupil_rows()
    rows[2][0] = "LQD 10A1 03"
    path = tmp_path / "lop10a1.csv"
    path.write_bytes(to_csv(rows))
    report_path = tmp_path / "bao-cao.csv"
    out, err = io.StringIO(), io.StringIO()
    call_command("readers", "import", str(path), "--report", str(report_path), stdout=out, stderr=err)
    assert out.getvalue().strip() == "imported=19 updated=0 rejected=1"
    assert "dòng 4 (LQD 10A1 03): Số thẻ gồm" in err.getvalue()
    lines = list(csv.reader(report_path.read_text(encoding="utf-8-sig").splitlines()))
    assert lines[0] == ["line", "card", "name", "status", "message"]
    assert lines[1][:4] == ["4", "LQD 10A1 03", "Lê Thị Ngọc Châu", "rejected"]
    assert len(lines) == 2

    rows[0][2] = "Nguyễn Minh Ánh"
    path.write_bytes(to_csv(rows[:1]))
    out = io.StringIO()
    call_command(
        "readers", "import", str(path), "--report", str(report_path), stdout=out, stderr=io.StringIO()
    )
    assert out.getvalue().strip() == "imported=0 updated=1 rejected=0"
    assert "updated" in report_path.read_text(encoding="utf-8-sig")

    out = io.StringIO()
    call_command("readers", "list", "--library", "VN-TST-THPT", "--json", stdout=out)
    assert '"card": "LQD10A101"' in out.getvalue() and "cccd" not in out.getvalue()
    with pytest.raises(CommandError):
        call_command("readers", "import", str(path), "--library", "VN-KHONG-CO")
    path.write_bytes(
        to_csv([[f"X{n:04d}", "1", "Tên", "adult", "VN-TST", "", ""] for n in range(2)], header=HEADER[:7])
    )
    with pytest.raises(CommandError, match="every row was rejected"):
        call_command("readers", "import", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    bad = tmp_path / "thieu-cot.csv"
    bad.write_text("card,pin\nX0001,1234\n", encoding="utf-8")
    with pytest.raises(CommandError, match="thiếu cột"):
        call_command("readers", "import", str(bad))


def test_import_runs_in_a_bounded_number_of_queries_per_row(network, django_assert_max_num_queries):
    # Categories, libraries and existing cards are read once, not per row: at most 9 statements a row
    # (two savepoints and their releases, the reader, two consents, the audit entry, the CCCD check).
    rows = pupil_rows()
    rows += [[f"LQD11B{n:03d}", *r[1:9], ""] for n, r in enumerate(pupil_rows() * 2)]
    with django_assert_max_num_queries(10 + 9 * len(rows)):
        report = import_readers(to_csv(rows))
    assert report.imported == 60


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2009-03-14", dt.date(2009, 3, 14)), ("14/03/2009", dt.date(2009, 3, 14)), ("4/3/2009", dt.date(2009, 3, 4)),
     ("", None)],
)  # fmt: skip
def test_dates_in_both_forms(value, expected):
    assert parse_date(value, "Ngày sinh") == expected
