"""Background tasks of the digital library (django-tasks): each takes ids and may safely run twice."""

from __future__ import annotations

from django_tasks import task


@task()
def ocr_page_task(page_id: int, force: bool = False) -> str:
    """OCR one page (ocr.ocr_page); return the page's OCR status, or "gone"."""
    from thuvien.digital.ocr import ocr_page

    page = ocr_page(page_id, force=force)
    return page.ocr_status if page is not None else "gone"
