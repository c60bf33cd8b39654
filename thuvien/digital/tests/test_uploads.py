"""Bad uploads are refused with a clear message and leave nothing: bombs, traversal, links, disguises, damage."""

from __future__ import annotations

import resource
import stat
import struct
import zipfile
import zlib

import pytest
import pyvips

from thuvien.digital import storage, uploads
from thuvien.digital.exceptions import IngestError
from thuvien.digital.ingest import ingest_paths
from thuvien.digital.models import DigitalObject, Page
from thuvien.digital.render import render_page, write_pdf


def png_bytes(text: str = "Trang thử") -> bytes:
    return render_page(text, dpi=72).write_to_buffer(".png")


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares WIDTH × HEIGHT grey pixels but carries a few compressed rows (a bomb's header)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\0" * (width + 1) * 4, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def tiff_ifd_first(width: int, height: int) -> bytes:
    """An uncompressed grey baseline TIFF whose directory comes before its pixels (so a cut leaves the header)."""
    pixels = bytes(range(256)) * (width * height // 256) + bytes(width * height % 256)
    entries = [(256, 3, width), (257, 3, height), (258, 3, 8), (259, 3, 1), (262, 3, 1), (273, 4, 0),
               (277, 3, 1), (278, 3, height), (279, 4, len(pixels))]  # fmt: skip
    data_offset = 8 + 2 + 12 * len(entries) + 4
    out = b"II*\0" + struct.pack("<I", 8) + struct.pack("<H", len(entries))
    for tag, kind, value in entries:
        value = data_offset if tag == 273 else value
        out += (
            struct.pack("<HHIHH", tag, kind, 1, value, 0)
            if kind == 3
            else struct.pack("<HHII", tag, kind, 1, value)
        )
    return out + struct.pack("<I", 0) + pixels


def nothing_left():
    assert DigitalObject.objects.count() == 0
    assert Page.objects.count() == 0
    root = storage.root()
    leftovers = (
        [p for p in root.rglob("*") if p.is_file() and "quarantine" not in p.parts] if root.exists() else []
    )
    assert leftovers == []


@pytest.fixture
def ingest(network, provincial_librarian):
    def run(paths, **kwargs):
        kwargs.setdefault("title", "Tài liệu tải lên")
        return ingest_paths(paths, library=network["prov"], actor=provincial_librarian, **kwargs)

    return run


@pytest.fixture
def good_png(tmp_path):
    path = tmp_path / "tot.png"
    path.write_bytes(png_bytes())
    return path


# Acceptance item 5 -----------------------------------------------------------------------------------------


def test_a_50000_by_50000_png_is_refused_from_its_header(ingest, tmp_path, good_png):
    bomb = tmp_path / "bom.png"
    bomb.write_bytes(png_header_only(50_000, 50_000))
    assert bomb.stat().st_size < 10_000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(
        IngestError, match=r"bom\.png.*50\.000 × 50\.000 điểm ảnh vượt giới hạn 200\.000\.000"
    ):
        ingest([good_png, bomb])
    # 2.5 GB of pixels were never allocated (ru_maxrss is in KiB).
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200 * 1024
    nothing_left()


def test_zip_with_dot_dot_path_is_refused(ingest, tmp_path):
    archive = tmp_path / "duongdan.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("trang1.png", png_bytes())
        z.writestr("../../etc/trang2.png", png_bytes())
    with pytest.raises(IngestError, match=r"duongdan\.zip.*đường dẫn không an toàn «../../etc/trang2.png»"):
        ingest([archive])
    nothing_left()
    assert not (tmp_path.parent / "etc").exists()


@pytest.mark.parametrize("name", ["/tmp/trang.png", "C:\\Windows\\trang.png", "a\\..\\..\\trang.png"])
def test_zip_with_absolute_or_windows_paths_is_refused(ingest, tmp_path, name):
    archive = tmp_path / "tuyetdoi.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr(zipfile.ZipInfo(name), png_bytes())
    with pytest.raises(IngestError, match="đường dẫn không an toàn"):
        ingest([archive])
    nothing_left()


def test_zip_with_a_symlink_is_refused(ingest, tmp_path):
    archive = tmp_path / "lienket.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("trang1.png", png_bytes())
        link = zipfile.ZipInfo("trang2.png")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(link, "/etc/passwd")
    with pytest.raises(IngestError, match=r"lienket\.zip.*liên kết \(symlink\) «trang2.png»"):
        ingest([archive])
    nothing_left()


def test_zip_with_a_device_entry_is_refused(ingest, tmp_path):
    archive = tmp_path / "thietbi.zip"
    with zipfile.ZipFile(archive, "w") as z:
        fifo = zipfile.ZipInfo("ong.png")
        fifo.create_system = 3
        fifo.external_attr = (stat.S_IFIFO | 0o644) << 16
        z.writestr(fifo, png_bytes())
    with pytest.raises(IngestError, match="tệp đặc biệt"):
        ingest([archive])
    nothing_left()


def test_html_named_pdf_is_refused(ingest, tmp_path, good_png):
    fake = tmp_path / "sach.pdf"
    fake.write_text("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>")
    with pytest.raises(IngestError, match=r"«sach\.pdf»: tệp không phải PDF"):
        ingest([good_png, fake])
    nothing_left()


def test_a_png_named_pdf_is_taken_for_what_it_is(ingest, tmp_path):
    disguised = tmp_path / "anh.pdf"
    disguised.write_bytes(png_bytes())
    result = ingest([disguised])
    assert result.object.pages.get().source_type == "image/png"


@pytest.mark.parametrize("cut", ["pixels", "directory"])
def test_truncated_tiff_is_refused(ingest, tmp_path, good_png, cut):
    if cut == "pixels":
        data = tiff_ifd_first(1000, 1000)
        truncated = data[: len(data) // 3]
    else:  # libvips writes the directory last: the cut takes it away
        image = pyvips.Image.gaussnoise(600, 600).cast("uchar")
        data = image.tiffsave_buffer(compression="deflate")
        truncated = data[: len(data) // 2]
    path = tmp_path / "catcut.tif"
    path.write_bytes(truncated)
    with pytest.raises(IngestError, match=r"«catcut\.tif»: ảnh hỏng hoặc không đầy đủ"):
        ingest([good_png, path])
    nothing_left()


# More refusals ---------------------------------------------------------------------------------------------


def test_nested_zip_is_refused(ingest, tmp_path):
    inner = tmp_path / "trong.zip"
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("trang.png", png_bytes())
    outer = tmp_path / "ngoai.zip"
    with zipfile.ZipFile(outer, "w") as z:
        z.write(inner, "trong.zip")
    with pytest.raises(IngestError, match="ZIP lồng trong ZIP"):
        ingest([outer])
    nothing_left()


def test_zip_ratio_bomb_is_refused_before_unpacking(ingest, tmp_path):
    archive = tmp_path / "bom.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("trang.tif", b"\0" * (40 * uploads.MB))
    assert archive.stat().st_size < uploads.MB
    with pytest.raises(IngestError, match="tỉ lệ bất thường"):
        ingest([archive])
    nothing_left()


def test_zip_over_the_unpacked_limit_is_refused(ingest, tmp_path, settings):
    settings.DIGITAL_MAX_UNPACKED_MB = 1
    archive = tmp_path / "lon.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.tif", b"\0" * (600 * 1024))
        z.writestr("b.tif", b"\0" * (600 * 1024))
    with pytest.raises(IngestError, match="sau khi giải nén vượt giới hạn 1 MB"):
        ingest([archive])
    nothing_left()


def test_zip_with_too_many_entries_is_refused(ingest, tmp_path, settings):
    settings.DIGITAL_MAX_PAGES = 3
    archive = tmp_path / "nhieu.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for n in range(4):
            z.writestr(f"{n}.png", b"x")
    with pytest.raises(IngestError, match=r"quá nhiều tệp \(tối đa 3\)"):
        ingest([archive])
    nothing_left()


def test_unknown_member_of_a_zip_is_refused(ingest, tmp_path):
    archive = tmp_path / "lan.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("trang.png", png_bytes())
        z.writestr("trang2.jpg", b"<html>not an image</html>")
    with pytest.raises(IngestError, match=r"«lan\.zip/trang2\.jpg»: không nhận ra tệp"):
        ingest([archive])
    nothing_left()


def test_damaged_zip_data_is_refused(ingest, tmp_path):
    archive = tmp_path / "hong.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("trang.png", png_bytes("Một trang khá dài " * 50))
    data = bytearray(archive.read_bytes())
    for i in range(100, 300):  # inside the compressed data of the only member
        data[i] ^= 0x55
    archive.write_bytes(bytes(data))
    with pytest.raises(IngestError, match=r"«hong\.zip»: không giải nén được «trang\.png»"):
        ingest([archive])
    nothing_left()


def test_zip_without_pages_is_refused(ingest, tmp_path):
    archive = tmp_path / "rong.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("__MACOSX/._trang.png", b"x")
        z.writestr("doc-toi.txt", "không có trang")
    with pytest.raises(IngestError, match="ZIP không chứa ảnh trang hay PDF nào"):
        ingest([archive])
    nothing_left()


def test_file_over_the_size_limit_is_refused(ingest, tmp_path, settings):
    settings.DIGITAL_MAX_UPLOAD_MB = 1
    big = tmp_path / "to.tif"
    big.write_bytes(b"II*\0" + b"\0" * (2 * uploads.MB))
    with pytest.raises(IngestError, match=r"«to\.tif»: tệp lớn hơn giới hạn 1 MB"):
        ingest([big])
    nothing_left()


def test_encrypted_pdf_is_refused(ingest, tmp_path):
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    for n, (user, owner) in enumerate([("matkhau", "chu"), ("", "chu")]):
        path = tmp_path / f"khoa{n}.pdf"
        pdf = canvas.Canvas(str(path), encrypt=pdfencrypt.StandardEncryption(user, ownerPassword=owner))
        pdf.drawString(100, 700, "Bí mật")
        pdf.save()
        with pytest.raises(IngestError, match="PDF được mã hóa hoặc có mật khẩu"):
            ingest([path])
        nothing_left()


def test_pdf_with_more_pages_than_allowed_is_refused(ingest, tmp_path, settings):
    settings.DIGITAL_MAX_PAGES = 2
    pdf = write_pdf(["một", "hai", "ba"], tmp_path / "ba.pdf", dpi=50)
    with pytest.raises(IngestError, match="PDF có 3 trang, vượt giới hạn 2"):
        ingest([pdf])
    nothing_left()


def test_object_page_limit_counts_existing_pages(ingest, tmp_path, settings, good_png):
    first = ingest([good_png, good_png])
    settings.DIGITAL_MAX_PAGES = 3
    with pytest.raises(IngestError, match="sẽ có 4 trang, vượt giới hạn 3"):
        ingest_paths([good_png, good_png], obj=first.object)
    assert first.object.pages.count() == 2


def test_huge_pdf_page_is_rendered_within_the_pixel_limit(ingest, tmp_path, settings):
    from reportlab.pdfgen import canvas

    path = tmp_path / "poster.pdf"
    pdf = canvas.Canvas(str(path), pagesize=(14_000, 14_000))  # 194 inches square: 3.4 Gpx at 300 dpi
    pdf.drawString(100, 100, "Áp phích")
    pdf.save()
    settings.DIGITAL_MAX_PAGE_PIXELS = 4_000_000
    page = ingest([path]).object.pages.get()
    assert page.width * page.height <= 4_000_000


def test_jpeg2000_is_refused_clearly_when_pyvips_cannot_read_it(ingest, tmp_path):
    if uploads.jp2_supported():
        pytest.skip("this libvips reads JPEG 2000")
    path = tmp_path / "trang.jp2"
    path.write_bytes(b"\0\0\0\x0cjP  \r\n\x87\n" + b"\0" * 100)
    with pytest.raises(IngestError, match="JPEG 2000 không được hỗ trợ trên máy chủ này"):
        ingest([path])
    nothing_left()


def test_empty_and_missing_inputs(ingest, tmp_path):
    empty = tmp_path / "rong.png"
    empty.write_bytes(b"")
    with pytest.raises(IngestError, match="tệp rỗng"):
        ingest([empty])
    with pytest.raises(IngestError, match="Không tìm thấy tệp"):
        ingest([tmp_path / "khong-co.png"])
    nothing_left()


# Sniffing and names ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"II*\0rest", uploads.TIFF),
        (b"MM\0*rest", uploads.TIFF),
        (b"\xff\xd8\xff\xe0", uploads.JPEG),
        (b"\x89PNG\r\n\x1a\n", uploads.PNG),
        (b"%PDF-1.7\n", uploads.PDF),
        (b"PK\x03\x04", uploads.ZIP),
        (b"\0\0\0\x0cjP  \r\n\x87\n", uploads.JP2),
        (b"<html>%PDF-", uploads.PDF),  # pdfium would read it: it is a PDF with junk in front
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", None),
        (b"GIF89a", None),
        (b"", None),
    ],
)
def test_sniff(head, kind):
    assert uploads.sniff_bytes(head) == kind


def test_natural_order_and_safe_names():
    names = ["trang10.png", "Trang2.png", "trang1.png", "Đầu.png"]
    assert sorted(names, key=uploads.natural_key) == ["Đầu.png", "trang1.png", "Trang2.png", "trang10.png"]
    assert uploads.safe_file_name("../../Bản đồ Hà Nội.tif") == "ban_do_ha_noi.tif"
    assert uploads.display_name("C:\\scans\\Trang\x00 1.png") == "Trang 1.png"
