"""Test helpers for digital material: objects with real rendered page masters (no ingest, no OCR)."""

from __future__ import annotations

from django.db import transaction

from thuvien.digital import actions, storage
from thuvien.digital.models import AccessLevel, DigitalObject, Page, Stage
from thuvien.digital.render import render_page
from thuvien.lib.vn_text import fold

SAMPLE_TEXTS = [
    "Hoa Lư là kinh đô đầu tiên của nhà nước phong kiến trung ương tập quyền Việt Nam.",
    "Năm 968, Đinh Bộ Lĩnh dẹp loạn mười hai sứ quân, lên ngôi hoàng đế.",
    "Chùa Bái Đính nằm ở phía tây bắc cố đô, trên sườn núi đá vôi.",
]


def make_object(
    library,
    *,
    record=None,
    title: str = "Tài liệu thử nghiệm",
    texts: list[str] | None = None,
    access: str = AccessLevel.OPEN,
    stage: str = Stage.PUBLISHED,
    embargo_until=None,
    dpi: int = 72,
    with_text: bool = True,
    actor=None,
    collections=(),
) -> DigitalObject:
    """Create an object with one rendered page per text of TEXTS (masters written), at ACCESS and STAGE.

    WITH_TEXT stores each page's source text as its text (as if OCR had read it perfectly; no word boxes).
    """
    texts = SAMPLE_TEXTS if texts is None else texts
    with transaction.atomic():
        obj = actions.create_object(
            library=library, actor=actor, record=record, title=title,
            dc=None if record is not None else {"title": title}, access=access,
            embargo_until=embargo_until, collections=collections,
        )  # fmt: skip
        for seq, text in enumerate(texts, 1):
            image = render_page(text, dpi=dpi)
            storage.write_master(image, storage.master_path(obj.pk, seq))
            Page.objects.create(
                object=obj, seq=seq, label=str(seq), width=image.width, height=image.height,
                source_type="image/png", text=text if with_text else "",
                text_folded=fold(text) if with_text else "",
            )  # fmt: skip
        DigitalObject.objects.filter(pk=obj.pk).update(page_count=len(texts), stage=stage)
        obj.refresh_from_db()
        actions.sync_visibility(obj)
    return obj
