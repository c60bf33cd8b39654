"""The background task that makes a reader's watermarked copy (queued when staff approve or retry)."""

from __future__ import annotations

from django_tasks import task

from thuvien.digital import copies


@task()
def make_copy_pdf_task(request_id: int) -> str:
    return copies.make_copy_pdf(request_id)
