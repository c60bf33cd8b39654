"""The reader's privacy page: consents (loan history, e-mail notices), his data as JSON, erasure request.

Vietnam's personal data protection law: consent recorded with its channel, withdrawable at any time,
a copy of everything held on request, and erasure on request.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from thuvien.opac.reader_auth import reader_required, safe_next
from thuvien.patrons.actions import request_erasure, set_consent
from thuvien.patrons.models import Consent
from thuvien.patrons.queries import personal_data

CHANNEL = "opac"
TOGGLES = (Consent.Kind.LOAN_HISTORY, Consent.Kind.EMAIL_NOTICES)


def _consent_state(reader, kind: str) -> bool:
    """What READER last said about KIND; history follows the reader row, notices are on until refused."""
    if kind == Consent.Kind.LOAN_HISTORY:
        return reader.keep_history
    last = reader.consents.filter(kind=kind).order_by("-at", "-pk").first()
    return True if last is None else last.given


@reader_required
@require_http_methods(["GET"])
def privacy_view(request, reader):
    return render(
        request,
        "opac/account/privacy.html",
        {
            "section": "privacy",
            "reader": reader,
            "keep_history": _consent_state(reader, Consent.Kind.LOAN_HISTORY),
            "email_notices": _consent_state(reader, Consent.Kind.EMAIL_NOTICES),
            "consents": list(reader.consents.order_by("-at", "-pk")[:50]),
        },
    )


@reader_required
@require_POST
def consent_view(request, reader):
    kind = request.POST.get("kind", "")
    given = request.POST.get("given", "")
    if kind not in TOGGLES or given not in ("0", "1"):
        return HttpResponseBadRequest(_("Yêu cầu không hợp lệ."))
    given = given == "1"
    set_consent(reader=reader, kind=kind, given=given, channel=CHANNEL)
    if kind == Consent.Kind.LOAN_HISTORY:
        text = (
            _("Thư viện sẽ lưu lịch sử mượn của bạn từ nay.")
            if given
            else _("Đã tắt lưu lịch sử mượn. Lịch sử đã lưu đã được xóa.")
        )
    else:
        text = (
            _("Bạn sẽ nhận thông báo qua thư điện tử.")
            if given
            else _("Thư viện sẽ không gửi thông báo qua thư điện tử cho bạn nữa.")
        )
    messages.success(request, text)
    return redirect(safe_next(request, reverse("opac:account_privacy")))


@reader_required
@require_http_methods(["GET"])
def data_download_view(request, reader):
    data = personal_data(reader)
    data["exported_at"] = timezone.now().isoformat()
    body = json.dumps(data, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="thuvien-{reader.card}-{stamp}.json"'
    return response


@reader_required
@require_http_methods(["GET", "POST"])
def erasure_view(request, reader):
    error = ""
    if request.method == "POST":
        if request.POST.get("confirm") == "1":
            request_erasure(reader=reader, channel=CHANNEL)
            messages.success(
                request,
                _(
                    "Đã gửi yêu cầu xóa dữ liệu. Thư viện sẽ xóa khi bạn đã trả hết tài liệu và không còn nợ phí."
                ),
            )
            return redirect("opac:account_privacy")
        error = _("Hãy đánh dấu ô xác nhận nếu bạn muốn xóa dữ liệu.")
    return render(
        request,
        "opac/account/erasure.html",
        {"section": "privacy", "reader": reader, "error": error},
        status=400 if error else 200,
    )
