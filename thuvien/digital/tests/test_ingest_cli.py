"""``thuvien ingest``: a folder, a PDF, a ZIP, with Dublin Core from a CSV; one line per object; refusals exit 1."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.management import CommandError, call_command

from thuvien.catalog.models import Collection
from thuvien.digital import storage
from thuvien.digital.models import AccessLevel, DigitalObject, Page, Rights, Stage
from thuvien.digital.render import render_page, write_pages, write_pdf


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("ingest", *[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def local_history(network):
    return Collection.objects.create(code="dia-chi", name="Tài liệu địa chí", kind="local_history")


def write_csv(path, text: str):
    path.write_text(text.strip() + "\n", encoding="utf-8")
    return path


def test_a_folder_with_one_row_of_dublin_core(network, tmp_path, local_history):
    folder = tmp_path / "gia-pha"
    write_pages(["Gia phả họ Nguyễn", "Đời thứ nhất", "Đời thứ hai"], folder, dpi=72)
    write_csv(
        folder / "metadata.csv",
        """
title,creator,subject,date,publisher,description,language,type,rights,access,collection
Gia phả họ Nguyễn làng Đông Ngạc,Nguyễn Văn A; Nguyễn Văn B,Gia phả;Hà Nội,1925,,Bản chép tay,vie,Text,NoC-NC,open,dia-chi
""",
    )
    out, _err = run(folder, "--library", "VN-TST", "--no-ocr")
    obj = DigitalObject.objects.get()
    assert obj.title == "Gia phả họ Nguyễn làng Đông Ngạc"
    assert obj.dc["creator"] == ["Nguyễn Văn A", "Nguyễn Văn B"]
    assert obj.dc["subject"] == ["Gia phả", "Hà Nội"] and obj.dc["date"] == "1925"
    assert obj.access == AccessLevel.OPEN and obj.rights == Rights.NOC_NC
    assert list(obj.collections.all()) == [local_history]
    assert obj.library == network["prov"] and obj.page_count == 3 and obj.stage == Stage.SCANNED
    assert f"#{obj.pk} «Gia phả họ Nguyễn làng Đông Ngạc»: 3 trang" in out
    assert "Đã tạo 1 tài liệu số; 0 bị từ chối." in out


def test_a_folder_of_items_with_a_path_column(network, tmp_path, local_history):
    root = tmp_path / "lo-1"
    write_pages(["Báo Tiếng Dân số 1", "Trang 2"], root / "bao-1", dpi=72)
    write_pdf(["Địa chí Ninh Bình"], root / "dia-chi.pdf", dpi=72)
    with zipfile.ZipFile(root / "anh.zip", "w") as z:
        z.writestr("1.png", render_page("Ảnh một", dpi=72).write_to_buffer(".png"))
    write_csv(
        root / "danh-sach.csv",
        """
path,title,creator,access,collection,embargo
bao-1,Báo Tiếng Dân số 1,Huỳnh Thúc Kháng,restricted,Tài liệu địa chí,
dia-chi.pdf,Địa chí Ninh Bình,,open,,2030-01-01
anh.zip,Ảnh tư liệu,,,,
""",
    )
    out, _err = run(
        root, "--metadata", root / "danh-sach.csv", "--library", "VN-TST-XA", "--collection", "dia-chi"
    )
    objects = {o.title: o for o in DigitalObject.objects.all()}
    assert set(objects) == {"Báo Tiếng Dân số 1", "Địa chí Ninh Bình", "Ảnh tư liệu"}
    assert objects["Báo Tiếng Dân số 1"].access == AccessLevel.RESTRICTED
    assert objects["Báo Tiếng Dân số 1"].page_count == 2
    assert objects["Địa chí Ninh Bình"].embargo_until.isoformat() == "2030-01-01"
    assert objects["Ảnh tư liệu"].access == AccessLevel.SECRET  # the default
    assert all(list(o.collections.all()) == [local_history] for o in objects.values())
    assert all(o.library == network["commune"] for o in objects.values())
    assert out.count(" trang, ") == 3 and "Đã tạo 3 tài liệu số" in out


def test_a_refused_row_does_not_stop_the_others_but_the_run_fails(network, tmp_path):
    root = tmp_path / "lo-2"
    root.mkdir()
    write_pdf(["Tốt"], root / "tot.pdf", dpi=72)
    (root / "hong.pdf").write_text("<html>không phải PDF</html>")
    write_csv(root / "metadata.csv", "path,title\nhong.pdf,Hỏng\ntot.pdf,Tốt\n")
    with pytest.raises(CommandError, match=r"Bị từ chối: dòng 2 \(hong\.pdf\)"):
        run(root, "--library", "VN-TST")
    assert list(DigitalObject.objects.values_list("title", flat=True)) == ["Tốt"]


def test_rows_are_checked_before_anything_is_ingested(network, tmp_path):
    root = tmp_path / "lo-3"
    root.mkdir()
    write_pdf(["Một"], root / "mot.pdf", dpi=72)
    write_csv(root / "metadata.csv", "path,title,access\nmot.pdf,Một,open\n../ngoai.pdf,Ngoài,open\n")
    with pytest.raises(CommandError, match="phải nằm trong PATH"):
        run(root, "--library", "VN-TST")
    write_csv(root / "metadata.csv", "path,title,access\nmot.pdf,Một,mo\n")
    with pytest.raises(CommandError, match="mức truy cập «mo» không hợp lệ"):
        run(root, "--library", "VN-TST")
    write_csv(root / "metadata.csv", "path,tittle\nmot.pdf,Một\n")
    with pytest.raises(CommandError, match="cột không biết: tittle"):
        run(root, "--library", "VN-TST")
    assert DigitalObject.objects.count() == 0


def test_a_pdf_linked_to_a_record_then_appended_to(network, tmp_path):
    from thuvien.catalog.actions import save_record
    from thuvien.catalog.tests.factories import marc_record

    record = save_record(None, marc_record("Truyện Kiều"), library=network["prov"])
    pdf = write_pdf(
        ["Trăm năm trong cõi người ta", "Chữ tài chữ mệnh khéo là ghét nhau"], tmp_path / "k.pdf", dpi=72
    )
    run(pdf, "--record", record.pk, "--library", "VN-TST", "--access", "open")
    obj = DigitalObject.objects.get()
    assert obj.record == record and not obj.owns_record and obj.title == record.title
    more = write_pages(["Trải qua một cuộc bể dâu"], tmp_path / "them", dpi=72)
    out, _err = run(more[0], "--object", obj.pk)
    assert f"#{obj.pk}" in out and "1 trang" in out
    assert list(obj.pages.values_list("seq", flat=True)) == [1, 2, 3]
    assert storage.master_path(obj.pk, 3).exists()


def test_ocr_is_queued_after_commit_unless_no_ocr(
    network, tmp_path, settings, django_capture_on_commit_callbacks
):
    pdf = write_pdf(["Một"], tmp_path / "mot.pdf", dpi=72)
    settings.DIGITAL_OCR_ON_INGEST = True
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run(pdf, "--library", "VN-TST", "--no-ocr")
    assert not [c for c in callbacks if "enqueue_ocr" in repr(c)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run(pdf, "--library", "VN-TST")
    assert [c for c in callbacks if "enqueue_ocr" in repr(c)]


def test_library_and_inputs_are_required(network, tmp_path, settings):
    pdf = write_pdf(["Một"], tmp_path / "mot.pdf", dpi=72)
    settings.DEFAULT_LIBRARY_CODE = ""
    with pytest.raises(CommandError, match="Chưa chọn thư viện"):
        run(pdf)
    with pytest.raises(CommandError, match="Không có thư viện mã VN-KHONG"):
        run(pdf, "--library", "VN-KHONG")
    with pytest.raises(CommandError, match="Không tìm thấy"):
        run(tmp_path / "khong-co", "--library", "VN-TST")
    with pytest.raises(CommandError, match="không có biểu ghi #999999"):
        run(pdf, "--library", "VN-TST", "--record", 999999)
    with pytest.raises(CommandError, match="Không có tài liệu số #999999"):
        run(pdf, "--object", 999999)
    settings.DEFAULT_LIBRARY_CODE = "VN-TST"
    run(pdf)
    assert Page.objects.count() == 1


def test_help_is_printable():
    from thuvien.digital.management.commands.ingest import Command

    text = Command().create_parser("thuvien", "ingest").format_help()
    assert "--metadata" in text and "thư mục" in text
