"""A small catalogue with every kind of record a dump must show or hide, and a dump directory per test."""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree

from thuvien.catalog.actions import delete_record, merge_records, set_suppressed
from thuvien.catalog.models import Item, ItemStatus, Record
from thuvien.catalog.tests.factories import import_records, marc_record

REPO = Path(__file__).resolve().parents[4]
SPECS = Path(os.environ.get("THUVIEN_SPECS") or REPO.parent / "shared" / "specs")


@pytest.fixture
def dump_dir(settings, tmp_path):
    settings.OPEN_DATA_DIR = str(tmp_path / "opendata")
    settings.SITE_URL = "https://thuvien.example.vn"
    return tmp_path / "opendata"


@pytest.fixture(scope="session")
def marc_schema():
    xsd = SPECS / "marc" / "MARC21slim.xsd"
    if not xsd.exists():
        pytest.skip("MARC21slim.xsd not found: set THUVIEN_SPECS to ../shared/specs")
    return etree.XMLSchema(etree.parse(str(xsd)))


@dataclass
class Catalogue:
    prov: Record  # a copy at the provincial library, another at the commune (Vietnamese title, two authors)
    commune: Record  # a copy at the commune library, a withdrawn copy at the school
    school: Record  # contributed by the school library, no copy
    other: Record  # a copy in the other province only
    suppressed: Record  # held by the provincial library, hidden from the OPAC
    deleted: Record
    merged: Record  # the commune's record merged into PROV (its copy moved there)

    @property
    def hidden(self) -> list[Record]:
        return [self.suppressed, self.deleted, self.merged]


def _one(report) -> Record:
    (line,) = [line for line in report.lines if line.record_id]
    return Record.objects.get(pk=line.record_id)


@pytest.fixture
def catalogue(network) -> Catalogue:
    prov = _one(
        import_records(
            [
                marc_record(
                    "Truyện Kiều",
                    "Nguyễn Du",
                    isbn="978-604-1-00001-7",
                    subjects=["Văn học Việt Nam", "Thơ lục bát"],
                    year=2015,
                    publisher="Nxb. Văn học",
                    holdings=[("VN-TST", "K1", "895.9221 NG-D"), ("VN-TST-XA", "K2", "895.9221")],
                )
            ],
            library=network["prov"],
            index=False,
        )
    )
    commune = _one(
        import_records(
            [
                marc_record(
                    "Đất rừng phương Nam",
                    "Đoàn Giỏi",
                    year=2019,
                    holdings=[("VN-TST-XA", "D1", "895.9223"), ("VN-TST-THPT", "D2", "895.9223")],
                )
            ],
            library=network["commune"],
            index=False,
        )
    )
    Item.objects.filter(barcode="D2").update(status=ItemStatus.WITHDRAWN)
    school = _one(
        import_records(
            [marc_record("Sổ tay hoá học THPT", "Lê Văn Bình", language="vie")],
            library=network["school"],
            index=False,
        )
    )
    other = _one(
        import_records(
            [
                marc_record(
                    "Pride and prejudice", "Jane Austen", language="eng", holdings=[("VN-KHAC", "O1", "823")]
                )
            ],
            library=network["other_prov"],
            index=False,
        )
    )
    suppressed = _one(
        import_records(
            [marc_record("Tài liệu mật", "Ẩn Danh", holdings=[("VN-TST", "S1", "000")])],
            library=network["prov"],
            index=False,
        )
    )
    set_suppressed(suppressed, True)
    deleted = _one(
        import_records([marc_record("Biểu ghi đã xoá", "Ai Đó")], library=network["prov"], index=False)
    )
    delete_record(deleted)
    merged = _one(
        import_records(
            [
                marc_record(
                    "Đoạn trường tân thanh", "Tố Như", year=1902, holdings=[("VN-TST-XA", "K3", "895.92")]
                )
            ],
            library=network["commune"],
            index=False,
        )
    )
    merge_records(prov, merged)
    return Catalogue(
        prov=prov,
        commune=commune,
        school=school,
        other=other,
        suppressed=suppressed,
        deleted=deleted,
        merged=merged,
    )


def gunzip(path: Path) -> bytes:
    with gzip.open(path, "rb") as handle:
        return handle.read()
