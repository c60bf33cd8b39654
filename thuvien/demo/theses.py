"""The demo university's endogenous documents (tài liệu nội sinh): theses catalogued, some digitised.

They make the programme's "share of endogenous documents digitised" a real figure: the university's own
theses and research reports in its endogenous collection, a copy of each in its stacks, a few scanned
(title page only: the demo renders it from text) and published for the network's readers.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pymarc
from django.db import transaction

from thuvien.accounts.models import User
from thuvien.catalog.actions import save_item, save_record
from thuvien.catalog.models import Collection, Item, Record
from thuvien.demo.reports_data import THESES
from thuvien.network.models import Library


def _thesis_marc(university: Library, title: str, author: str, work: str, year: int, subject: str):
    marc = pymarc.Record(leader="00000nam a2200000 i 4500", force_utf8=True)
    marc.add_field(pymarc.Field(tag="003", data=university.code))
    # 008 of a book: entered, date, place (vm), nature of contents m (theses), language.
    marc.add_field(pymarc.Field(tag="008", data=f"{year % 100:02d}1215s{year}    vm       m    000 0 vie d"))
    marc.add_field(pymarc.Field(tag="100", indicators=["0", " "], subfields=[pymarc.Subfield("a", author)]))
    marc.add_field(pymarc.Field(tag="245", indicators=["1", "0"], subfields=[
        pymarc.Subfield("a", title + " /"), pymarc.Subfield("c", author)]))  # fmt: skip
    marc.add_field(pymarc.Field(tag="264", indicators=[" ", "1"], subfields=[
        pymarc.Subfield("a", "Ninh Bình :"), pymarc.Subfield("b", "Trường Đại học Hoa Lư,"),
        pymarc.Subfield("c", str(year))]))  # fmt: skip
    marc.add_field(pymarc.Field(tag="502", indicators=[" ", " "], subfields=[
        pymarc.Subfield("a", f"{work} -- Trường Đại học Hoa Lư, {year}")]))  # fmt: skip
    marc.add_field(pymarc.Field(tag="650", indicators=[" ", "7"], subfields=[
        pymarc.Subfield("a", subject), pymarc.Subfield("2", "Bộ TK TVQG")]))  # fmt: skip
    return marc


def _digitise_thesis(
    record: Record, collection: Collection, work: str, year: int, actor, folder: Path
) -> None:
    """Scan the thesis's title page into a published digital object (read online by the network's readers)."""
    from thuvien.digital import actions as digital
    from thuvien.digital.ingest import ingest_paths
    from thuvien.digital.models import AccessLevel, Rights, Stage
    from thuvien.digital.render import render_page

    text = "\n\n".join(["TRƯỜNG ĐẠI HỌC HOA LƯ", record.title.upper(), work.upper(), f"Ninh Bình – {year}"])
    path = folder / f"{record.pk}.png"
    render_page(text, dpi=150, heading="").pngsave(str(path), compression=1)
    result = ingest_paths(
        [path], library=collection.library, actor=actor, record=record, title=record.title,
        access=AccessLevel.RESTRICTED, rights=Rights.INC_EDU, collections=[collection], ocr=False,
        source_names=[f"luan-van-{record.pk}.png"],
    )  # fmt: skip
    obj = result.object
    for stage in (Stage.REVIEWED, Stage.PUBLISHED):
        obj = digital.move_stage(obj, stage, actor=actor, note="Số hóa tài liệu nội sinh")


def create_endogenous_collection(root: Library, users: dict[str, User]) -> Collection | None:
    """Catalogue the university's theses and research reports as its endogenous (nội sinh) collection, and
    digitise some of them: the programme's share of endogenous documents digitised."""
    university = (
        Library.objects.filter(path__startswith=root.path, kind="university").order_by("path").first()
    )
    if university is None or Collection.objects.filter(code="noi-sinh").exists():
        return None
    actor = users.get(university.code)
    collection = Collection.objects.create(
        code="noi-sinh", name="Tài liệu nội sinh Trường Đại học Hoa Lư", kind="endogenous", library=university
    )
    with tempfile.TemporaryDirectory(prefix="thuvien-demo-theses-") as tmp:
        for n, (title, author, work, year, subject, digitised) in enumerate(THESES, start=1):
            with transaction.atomic():
                record = save_record(
                    None, _thesis_marc(university, title, author, work, year, subject), actor=actor,
                    library=university,
                )  # fmt: skip
                save_item(
                    Item(record=record, barcode=f"DHHL-NS-{n:04d}", library=university, current_library=university,
                         location="Kho tài liệu nội sinh", acquired_on=dt.date(year, 12, 15)),
                    actor=actor,
                )  # fmt: skip
                collection.records.add(record)
            if digitised:
                _digitise_thesis(record, collection, work, year, actor, Path(tmp))
    return collection
