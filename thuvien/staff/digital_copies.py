"""Staff handling of readers' remote-copy requests (/staff/digital/copies/): list, approve, refuse, retry, file.

Staff see the requests for objects of the libraries where they catalogue (and below); any other request
is a 404. The decisions are thuvien.digital.copies actions.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from thuvien.accounts.policies import CAN_CATALOGUE, CAN_MANAGE_NETWORK
from thuvien.accounts.queries import libraries_for
from thuvien.circulation.policies import money
from thuvien.digital import copies
from thuvien.digital.copies import CopyError
from thuvien.digital.models import CopyFeeRule, CopyStatus
from thuvien.staff.views import staff_required

# Thumbnails shown on a request's page, so the librarian sees what leaves the library.
THUMBNAILS = 24


def _request_or_404(user, request_id: int):
    req = (
        copies.requests_for_staff(user)
        .select_related("reader__home_library", "fee")
        .filter(pk=request_id)
        .first()
    )
    if req is None:
        raise Http404
    return req


@staff_required
@require_GET
def list_view(request):
    status = request.GET.get("status") or CopyStatus.REQUESTED
    if status not in CopyStatus.values:
        status = CopyStatus.REQUESTED
    mine = copies.requests_for_staff(request.user)
    counts = dict(mine.order_by().values_list("status").annotate(n=Count("pk")))
    # Waiting requests oldest first (a queue); decided ones newest first (a history).
    order = ("created_at", "pk") if status == CopyStatus.REQUESTED else ("-created_at", "-pk")
    rows = list(mine.filter(status=status).order_by(*order)[:200])
    for row in rows:
        row.fee_text = money(row.fee_amount)
    tabs = [(value, label, counts.get(value, 0)) for value, label in CopyStatus.choices]
    return render(
        request,
        "staff/digital/copies.html",
        {"rows": rows, "status": status, "status_label": CopyStatus(status).label, "tabs": tabs},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def detail_view(request, request_id: int):
    req = _request_or_404(request.user, request_id)
    if request.method == "POST":
        action = request.POST.get("action") or ""
        note = (request.POST.get("note") or "").strip()[:500]
        try:
            if action == "approve":
                copies.approve_copy(req, actor=request.user, note=note)
                messages.success(
                    request, _("Đã duyệt. Tệp PDF đang được tạo; bạn đọc sẽ tải về khi sẵn sàng.")
                )
            elif action == "reject":
                copies.reject_copy(req, actor=request.user, note=note)
                messages.success(request, _("Đã từ chối yêu cầu."))
            elif action == "retry":
                copies.retry_copy(req, actor=request.user)
                messages.success(request, _("Đang tạo lại tệp PDF."))
            else:
                messages.error(request, _("Thao tác không hợp lệ."))
        except CopyError as exc:
            messages.error(request, exc.message)
        return redirect("staff_copies:detail", request_id=req.pk)
    now = timezone.now()
    req.fee_text = money(req.fee_amount)
    req.expired = req.expires_at is not None and req.expires_at <= now
    return render(
        request,
        "staff/digital/copies_detail.html",
        {
            "req": req,
            "thumbnails": req.pages[:THUMBNAILS],
            "more_pages": max(0, len(req.pages) - THUMBNAILS),
            "may_decide": req.status == CopyStatus.REQUESTED,
            "may_retry": req.status == CopyStatus.FAILED,
            "downloadable": req.status == CopyStatus.READY and not req.expired,
        },
    )


@staff_required
@require_GET
def file_view(request, request_id: int):
    req = _request_or_404(request.user, request_id)
    try:
        path = copies.staff_copy_file(req, actor=request.user)
    except CopyError as exc:
        if exc.code in ("not_found", "forbidden"):
            raise Http404 from None
        messages.error(request, exc.message)
        return redirect("staff_copies:detail", request_id=req.pk)
    response = FileResponse(
        path.open("rb"), as_attachment=True, filename=f"ban-sao-{req.pk}.pdf", content_type="application/pdf"
    )
    patch_cache_control(response, private=True, no_store=True)
    return response


class RuleForm(forms.ModelForm):
    class Meta:
        model = CopyFeeRule
        fields = list(copies.RULE_FIELDS)


@staff_required
@require_http_methods(["GET", "POST"])
def rule_view(request):
    """The copy fee rule of one of my libraries: the one in force (its own or inherited), editable by its admins."""
    mine = libraries_for(request.user, CAN_CATALOGUE).order_by("path")
    code = request.POST.get("library") or request.GET.get("library") or ""
    library = (mine.filter(code=code).first() if code else None) or mine.first()
    if library is None:
        raise Http404
    can_edit = libraries_for(request.user, CAN_MANAGE_NETWORK).filter(pk=library.pk).exists()
    rule = copies.fee_rule(library)
    own = rule.pk is not None and rule.library_id == library.pk
    inherit = request.method == "POST" and request.POST.get("action") == "inherit"
    initial = CopyFeeRule(**{k: getattr(rule, k) for k in copies.RULE_FIELDS})
    form = RuleForm(request.POST if request.method == "POST" and not inherit else None, instance=initial)
    if request.method == "POST":
        try:
            if inherit:
                copies.delete_fee_rule(library, actor=request.user)
                messages.success(request, _("Thư viện này nay theo quy định phí của thư viện cấp trên."))
            elif form.is_valid():
                copies.save_fee_rule(library, actor=request.user,
                                     **{k: form.cleaned_data[k] for k in copies.RULE_FIELDS})  # fmt: skip
                messages.success(request, _("Đã lưu quy định phí sao chụp."))
        except CopyError as exc:
            if exc.code == "forbidden":
                raise Http404 from None
            if form.is_bound:
                form.add_error(None, exc.message)
            else:
                messages.error(request, exc.message)
        if not form.errors:
            return redirect(reverse("staff_copies:rule") + f"?library={library.code}")
    context = {
        "library": library, "libraries": mine[:500], "rule": rule, "own": own, "form": form, "can_edit": can_edit,
        "per_page": money(rule.per_page), "restricted_per_page": money(rule.restricted_per_page),
        "minimum": money(rule.minimum),
    }  # fmt: skip
    return render(request, "staff/digital/copies_rule.html", context, status=400 if form.errors else 200)
