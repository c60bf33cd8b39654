"""Staff upload of page images, PDFs and ZIPs into a digital object (/staff/digital/ingest/).

Uploads stream to disk through Django's temporary-file handler, behind a handler that stops a file past
the size limits as it arrives; ``digital.ingest.ingest_uploads`` does the rest (checks, ClamAV, masters,
all or nothing). Only staff with a cataloguing role, and only into their own libraries.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from thuvien.accounts.policies import CAN_CATALOGUE
from thuvien.accounts.queries import libraries_for
from thuvien.catalog.models import Collection, Record
from thuvien.catalog.queries import records_for_staff
from thuvien.digital.exceptions import DigitalError
from thuvien.digital.ingest import ingest_uploads
from thuvien.digital.models import AccessLevel, Rights
from thuvien.digital.queries import objects_for_staff
from thuvien.digital.uploads import MB, LimitedUploadHandler, Limits, grouped

ACCEPT = "image/tiff,image/jpeg,image/png,image/jp2,application/pdf,application/zip,.tif,.tiff,.jpg,.jpeg,.png,.jp2,.pdf,.zip"
# Room for the form fields and multipart boundaries around the files themselves.
ENVELOPE = 1 * MB


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data] if data else single(None, initial)
        return [single(data, initial)]


class IngestForm(forms.Form):
    APPEND, RECORD, STANDALONE = "append", "record", "standalone"

    files = MultipleFileField(
        label=gettext_lazy("Tệp"),
        help_text=gettext_lazy(
            "Nhiều ảnh trang (TIFF, JPEG, PNG), hoặc một PDF, hoặc một ZIP chứa các ảnh trang."
        ),
    )
    target = forms.ChoiceField(
        label=gettext_lazy("Nhập vào"),
        widget=forms.RadioSelect,
        initial=STANDALONE,
        choices=[
            (STANDALONE, gettext_lazy("Tài liệu số mới, độc lập (mô tả bằng Dublin Core)")),
            (RECORD, gettext_lazy("Tài liệu số mới, gắn với một biểu ghi trong mục lục")),
            (APPEND, gettext_lazy("Thêm trang vào cuối một tài liệu số có sẵn")),
        ],
    )
    object_id = forms.IntegerField(label=gettext_lazy("Số tài liệu số"), required=False, min_value=1)
    record_id = forms.IntegerField(label=gettext_lazy("Số biểu ghi"), required=False, min_value=1)
    library = forms.ModelChoiceField(
        label=gettext_lazy("Thư viện"), queryset=None, required=False, empty_label=None
    )
    title = forms.CharField(label=gettext_lazy("Nhan đề"), max_length=500, required=False)
    creator = forms.CharField(
        label=gettext_lazy("Tác giả"), max_length=1000, required=False,
        help_text=gettext_lazy("Nhiều tác giả: ngăn cách bằng dấu chấm phẩy."),
    )  # fmt: skip
    date = forms.CharField(label=gettext_lazy("Năm"), max_length=100, required=False)
    # Not required: appending keeps the object's own; a new object falls back to secret, not yet assessed.
    access = forms.ChoiceField(
        label=gettext_lazy("Mức truy cập"),
        choices=AccessLevel.choices,
        initial=AccessLevel.SECRET,
        required=False,
    )
    rights = forms.ChoiceField(
        label=gettext_lazy("Tình trạng bản quyền"), choices=Rights.choices, initial=Rights.CNE, required=False
    )
    collection = forms.ModelChoiceField(
        label=gettext_lazy("Bộ sưu tập"), queryset=None, required=False, empty_label=gettext_lazy("(không)")
    )

    def __init__(self, *args, user, libraries, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["library"].queryset = libraries.order_by("path")
        self.fields["collection"].queryset = Collection.objects.filter(
            Q(library__isnull=True) | Q(library__in=libraries)
        ).order_by("name")

    def clean(self):
        data = super().clean()
        target = data.get("target")
        if target == self.APPEND:
            obj = None
            if data.get("object_id"):
                obj = objects_for_staff(self.user).filter(pk=data["object_id"]).first()
            if obj is None:
                # The same answer whether it does not exist or belongs to another library.
                self.add_error(
                    "object_id", _("Không tìm thấy tài liệu số mang số này trong các thư viện bạn biên mục.")
                )
            data["object"] = obj
            return data
        if data.get("library") is None:
            self.add_error("library", _("Hãy chọn thư viện."))
        if target == self.RECORD:
            record = None
            if data.get("record_id"):
                visible = Record.objects.filter(deleted_at__isnull=True).filter(
                    Q(suppressed=False) | Q(pk__in=records_for_staff(self.user).values("pk"))
                )
                record = visible.filter(pk=data["record_id"]).first()
            if record is None:
                self.add_error("record_id", _("Không có biểu ghi số này trong mục lục."))
            data["record"] = record
        elif target == self.STANDALONE and not (data.get("title") or "").strip():
            self.add_error("title", _("Tài liệu số độc lập cần có nhan đề."))
        return data

    def ingest_arguments(self) -> dict:
        data = self.cleaned_data
        if data["target"] == self.APPEND:
            return {"obj": data["object"]}
        common = {
            "library": data["library"], "access": data.get("access") or AccessLevel.SECRET,
            "rights": data.get("rights") or Rights.CNE,
            "collections": [data["collection"]] if data.get("collection") else [],
        }  # fmt: skip
        if data["target"] == self.RECORD:
            return {**common, "record": data["record"]}
        dc = {
            "title": data["title"].strip(),
            "creator": data.get("creator") or "",
            "date": data.get("date") or "",
        }
        return {**common, "dc": dc, "title": dc["title"]}


def _first_url(*candidates: tuple[str, list]) -> str:
    """The first of CANDIDATES (url name, args) that resolves: the object pages may not be installed."""
    for name, args in candidates:
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    return reverse("staff_ingest:upload")


def _after(obj) -> str:
    return _first_url(("staff_digital:detail", [obj.pk]), ("staff_digital:list", []))


@csrf_exempt
@login_required
@require_http_methods(["GET", "POST"])
def upload(request):
    # The upload handlers must be set before anything reads the body, so CSRF is checked just after.
    libraries = libraries_for(request.user, CAN_CATALOGUE)
    if not libraries.exists():
        raise PermissionDenied
    limits = Limits.from_settings()
    limiter = LimitedUploadHandler(request, limits)
    if request.method == "POST":
        request.upload_handlers = [limiter, TemporaryFileUploadHandler(request)]
    return _upload(request, libraries, limits, limiter)


@csrf_protect
def _upload(request, libraries, limits: Limits, limiter: LimitedUploadHandler):
    context = {
        "max_file_mb": grouped(limits.file_bytes // MB),
        "max_total_mb": grouped(limits.total_bytes // MB),
        "max_pages": grouped(limits.pages),
        "max_pixels": grouped(limits.page_pixels),
        "back_url": _first_url(("staff_digital:list", []), ("staff:home", [])),
    }  # fmt: skip
    if request.method != "POST":
        initial = {}
        if (request.GET.get("object") or "").isdigit():
            initial = {"target": IngestForm.APPEND, "object_id": int(request.GET["object"])}
        elif (request.GET.get("record") or "").isdigit():
            initial = {"target": IngestForm.RECORD, "record_id": int(request.GET["record"])}
        form = IngestForm(initial=initial, user=request.user, libraries=libraries)
        return render(request, "staff/digital/ingest.html", {**context, "form": form})
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > limits.total_bytes + ENVELOPE:
        # Refused before the body is read: nothing of it reaches the disk.
        form = IngestForm(user=request.user, libraries=libraries)
        refusal = _("Tổng dung lượng tải lên vượt giới hạn %(mb)s MB.") % {"mb": limits.total_bytes // MB}
        return render(
            request, "staff/digital/ingest.html", {**context, "form": form, "refusal": refusal}, status=413
        )
    form = IngestForm(request.POST, request.FILES, user=request.user, libraries=libraries)
    if limiter.refusal:
        form.add_error(None, limiter.refusal)
        return render(request, "staff/digital/ingest.html", {**context, "form": form}, status=413)
    if form.is_valid():
        try:
            result = ingest_uploads(form.cleaned_data["files"], actor=request.user, **form.ingest_arguments())
        except DigitalError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Đã nhập %(n)s trang vào tài liệu số #%(id)s «%(title)s».")
                % {"n": result.pages_added, "id": result.object.pk, "title": result.object.title},
            )
            for warning in result.warnings:
                messages.warning(request, warning)
            return redirect(_after(result.object))
    return render(request, "staff/digital/ingest.html", {**context, "form": form}, status=400)
