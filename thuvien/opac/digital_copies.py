"""Readers' remote copies in the OPAC (/so-hoa/sao-chup/): ask with a quoted fee, follow, download, cancel.

Everything is loaded through the signed-in reader: an object he may not read, or a request of someone
else, is a 404. The writes are thuvien.digital.copies actions.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from thuvien.circulation.policies import money
from thuvien.digital import copies, usage
from thuvien.digital.copies import CopyError
from thuvien.digital.models import AccessLevel, CopyStatus
from thuvien.opac.reader_auth import reader_required
from thuvien.patrons.models import ReaderStatus


class CopyForm(forms.Form):
    pages = forms.CharField(
        label=gettext_lazy("Các trang cần sao chụp"),
        max_length=200,
        help_text=gettext_lazy("Số trang hoặc khoảng trang, cách nhau bằng dấu phẩy. Ví dụ: 1-3, 7"),
        widget=forms.TextInput(attrs={"inputmode": "text", "autocomplete": "off", "placeholder": "1-3, 7"}),
    )
    purpose = forms.CharField(
        label=gettext_lazy("Mục đích sử dụng"),
        max_length=500,
        required=False,
        help_text=gettext_lazy("Không bắt buộc; giúp thư viện duyệt nhanh hơn (ví dụ: nghiên cứu, học tập)."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def object_url(obj) -> str:
    """Where the reader reads OBJ online ('' when no page shows it yet)."""
    try:
        return reverse("digital:object", args=[obj.pk])
    except NoReverseMatch:
        pass
    if obj.record_id and obj.access == AccessLevel.OPEN:
        return reverse("opac:record", args=[obj.record_id])
    return ""


def _rule_context(rule) -> dict:
    return {
        "per_page": money(rule.per_page),
        "restricted_per_page": money(rule.restricted_per_page),
        "minimum": money(rule.minimum),
        "max_pages": rule.max_pages,
        "days_valid": rule.days_valid,
    }


@reader_required
@require_http_methods(["GET", "POST"])
def request_view(request, reader, object_id: int):
    obj = copies.readable_object(reader, object_id)
    if obj is None:
        raise Http404
    rule = copies.fee_rule(obj.library)
    form = CopyForm(request.POST or None)
    quote = error = None
    status = 200
    if request.method == "POST" and form.is_valid():
        pages, purpose = form.cleaned_data["pages"], form.cleaned_data["purpose"]
        try:
            if request.POST.get("confirm"):
                req = copies.request_copy(reader=reader, obj=obj, pages_text=pages, purpose=purpose,
                                          expected_fee=request.POST.get("fee") or None)  # fmt: skip
            else:
                quote = copies.quote_copy(reader=reader, obj=obj, pages_text=pages)
        except CopyError as exc:
            error, status = exc.message, 400
            if exc.code == "fee_changed":
                try:
                    quote = copies.quote_copy(reader=reader, obj=obj, pages_text=pages)
                except CopyError:
                    quote = None
        else:
            if quote is None:
                messages.success(
                    request,
                    _(
                        "Đã gửi yêu cầu sao chụp trang %(pages)s của «%(title)s». Thư viện sẽ duyệt và báo phí."
                    )
                    % {"pages": req.pages_text, "title": obj.title},
                )
                return redirect("digital_copies:mine")
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "opac/digital/copy_request.html",
        {
            "reader": reader,
            "object": obj,
            "object_url": object_url(obj),
            "page_count": obj.page_count,
            "restricted": obj.access == AccessLevel.RESTRICTED,
            "rule": _rule_context(rule),
            "form": form,
            "quote": quote,
            "fee_text": money(quote.fee) if quote else "",
            "error": error,
            "pending": reader.status == ReaderStatus.PENDING,
        },
        status=status,
    )


@reader_required
@require_GET
def mine_view(request, reader):
    now = timezone.now()
    rows = list(copies.readers_requests(reader)[:200])
    for row in rows:
        row.fee_text = money(row.fee_amount)
        row.expired = row.expires_at is not None and row.expires_at <= now
        row.downloadable = row.status == CopyStatus.READY and not row.expired
        row.object_url = object_url(row.object)
    return render(
        request, "opac/digital/copy_mine.html", {"reader": reader, "rows": rows, "section": "copies"}
    )


@reader_required
@require_GET
def download_view(request, reader, request_id: int):
    try:
        path = copies.download_copy(request_id, reader=reader)
    except CopyError as exc:
        if exc.code == "not_found":
            raise Http404 from None
        messages.error(request, exc.message)
        return redirect("digital_copies:mine")
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"ban-sao-{request_id}.pdf",
        content_type="application/pdf",
    )
    # A copy made for one reader: no shared cache, no copy left behind in the browser's cache.
    patch_cache_control(response, private=True, no_store=True)
    return usage.count_copy_download(request, response, request_id)


@reader_required
@require_POST
def cancel_view(request, reader, request_id: int):
    try:
        copies.cancel_copy(request_id, reader=reader)
    except CopyError as exc:
        if exc.code == "not_found":
            raise Http404 from None
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã hủy yêu cầu sao chụp."))
    return redirect("digital_copies:mine")
