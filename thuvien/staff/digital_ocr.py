"""Staff OCR pages: the pages whose OCR failed or waits, and one page's image beside its text to correct.

Only staff with a cataloguing role see these pages (others: 403); a page of an object outside the
libraries one catalogues for answers 404, as if it did not exist.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from thuvien.accounts.policies import CAN_CATALOGUE
from thuvien.accounts.queries import libraries_for
from thuvien.digital import ocr, queries
from thuvien.digital.models import OcrStatus, Page
from thuvien.staff.views import staff_required

MAX_TEXT = 200_000  # characters of one page: a dense newspaper page has about 20,000
OBJECTS_PER_PAGE = 25


class PageTextForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Văn bản của trang"),
        required=False,
        strip=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 24, "lang": "vi", "spellcheck": "true"}),
    )
    base = forms.CharField(widget=forms.HiddenInput, required=False, max_length=32)


def _require_cataloguer(request) -> None:
    if not libraries_for(request.user, CAN_CATALOGUE).exists():
        raise PermissionDenied


def _page_for(request, page_id: int) -> Page:
    """The page PAGE_ID if the user manages its object, else 404."""
    _require_cataloguer(request)
    page = Page.objects.select_related("object__library", "corrected_by").filter(pk=page_id).first()
    if page is None or not queries.can_manage_object(request.user, page.object):
        raise Http404
    return page


def _neighbours(page: Page) -> tuple[Page | None, Page | None]:
    pages = Page.objects.filter(object_id=page.object_id).only("pk", "seq", "label")
    prev = pages.filter(seq__lt=page.seq).order_by("-seq").first()
    nxt = pages.filter(seq__gt=page.seq).order_by("seq").first()
    return prev, nxt


@staff_required
@require_http_methods(["GET", "POST"])
def page_view(request, page_id: int):
    page = _page_for(request, page_id)
    obj = page.object
    prev, nxt = _neighbours(page)
    current = None  # the page's text as it is now, when the librarian worked from an older one
    if request.method == "POST":
        form = PageTextForm(request.POST)
        if form.is_valid():
            try:
                ocr.correct_page(page, form.cleaned_data["text"], actor=request.user,
                                 base=form.cleaned_data["base"] or None)  # fmt: skip
            except ocr.StaleText as exc:
                page.refresh_from_db()
                current = page.text
                # He keeps what he typed; the fingerprint becomes today's, so saving again is deliberate.
                form = PageTextForm(
                    data={"text": form.cleaned_data["text"], "base": ocr.text_version(current)}
                )
                form.is_valid()
                form.add_error("text", str(exc))
            else:
                messages.success(request, _("Đã lưu văn bản trang %(seq)s.") % {"seq": page.seq})
                if "next" in request.POST and nxt is not None:
                    return redirect("staff_ocr:page", page_id=nxt.pk)
                return redirect("staff_ocr:page", page_id=page.pk)
        status = 400
    else:
        form = PageTextForm(initial={"text": page.text, "base": ocr.text_version(page.text)})
        status = 200
    context = {
        "page": page,
        "obj": obj,
        "form": form,
        "prev": prev,
        "next": nxt,
        "image_url": f"/iiif/3/{obj.pk}-{page.seq}/full/!1000,1000/0/default.jpg",
        "large_url": f"/iiif/3/{obj.pk}-{page.seq}/full/max/0/default.jpg",
        "word_count": len(page.words or []),
        "current": current,
    }
    return render(request, "staff/digital/ocr_page.html", context, status=status)


@staff_required
@require_POST
def rerun_view(request, page_id: int):
    page = _page_for(request, page_id)
    ocr.requeue_page(page, actor=request.user)
    page.refresh_from_db()
    if page.ocr_status == OcrStatus.QUEUED:
        messages.success(
            request, _("Đã xếp trang vào hàng đợi nhận dạng lại; văn bản sẽ được thay khi xong.")
        )
    elif page.ocr_status == OcrStatus.DONE:
        messages.success(request, _("Đã nhận dạng lại trang."))
    else:
        messages.error(request, _("Nhận dạng lại không thành công: %(error)s") % {"error": page.ocr_error})
    return redirect("staff_ocr:page", page_id=page.pk)


@staff_required
@require_POST
def run_object_view(request, object_id: int):
    _require_cataloguer(request)
    obj = queries.objects_for_staff(request.user).filter(pk=object_id).first()
    if obj is None:
        raise Http404
    count = ocr.enqueue_object(obj.pk)
    if count:
        messages.success(request, _("Đã xếp %(n)d trang vào hàng đợi nhận dạng chữ.") % {"n": count})
    else:
        messages.info(request, _("Mọi trang của tài liệu này đã có văn bản."))
    if request.POST.get("back") == "detail":
        return redirect("staff_digital:detail", obj.pk)
    return redirect("staff_ocr:queue")


@staff_required
@require_http_methods(["GET"])
def queue_view(request):
    """The objects of my libraries with pages whose OCR failed or is waiting."""
    _require_cataloguer(request)
    failed = Count("pages", filter=Q(pages__ocr_status=OcrStatus.FAILED))
    queued = Count("pages", filter=Q(pages__ocr_status=OcrStatus.QUEUED))
    none = Count("pages", filter=Q(pages__ocr_status=OcrStatus.NONE))
    objects = (
        queries.objects_for_staff(request.user)
        .annotate(failed=failed, queued=queued, none=none)
        .filter(Q(failed__gt=0) | Q(queued__gt=0) | Q(none__gt=0))
        .order_by("-failed", "-queued", "-pk")
    )
    listing = Paginator(objects, OBJECTS_PER_PAGE).get_page(request.GET.get("p"))
    first_failed = {}
    for obj_id, page_id, error in (
        Page.objects.filter(object__in=[o.pk for o in listing], ocr_status=OcrStatus.FAILED)
        .order_by("object_id", "seq")
        .values_list("object_id", "pk", "ocr_error")
    ):
        first_failed.setdefault(obj_id, (page_id, error))
    for obj in listing:
        obj.first_failed = first_failed.get(obj.pk)
    return render(request, "staff/digital/ocr_queue.html", {"objects": listing})
