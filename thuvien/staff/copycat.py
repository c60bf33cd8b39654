"""Staff pages for copy cataloguing: search other libraries' Z39.50/SRU servers, preview, import, targets."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from thuvien.interop.copycat import actions, queries
from thuvien.interop.copycat.models import CopyTarget
from thuvien.interop.copycat.search import TargetSpec, check_target, decode, search_many, target_errors
from thuvien.interop.copycat.translate import KINDS, QueryError, cql, pqf
from thuvien.staff.views import staff_required

# Hits asked of each target for one search.
HITS_PER_TARGET = 10

OUTCOME_LABELS = {
    "imported": gettext_lazy("Đã tạo biểu ghi mới"),
    "updated": gettext_lazy("Đã cập nhật biểu ghi đã sao chép trước đây"),
    "attached": gettext_lazy("Đã gộp vào biểu ghi có sẵn trong mục lục liên hợp"),
    "review": gettext_lazy("Đã tạo biểu ghi mới, nghi trùng: chờ xem xét trong hàng biểu ghi trùng"),
    "rejected": gettext_lazy("Không nhập được"),
}


class TargetChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class SearchForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Tìm theo"), choices=list(KINDS.items()), initial="isbn")
    q = forms.CharField(label=gettext_lazy("Nội dung tìm"), max_length=300)
    targets = TargetChoice(
        label=gettext_lazy("Máy chủ"),
        queryset=CopyTarget.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Để trống để tìm ở mọi máy chủ đang dùng."),
    )

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["targets"].queryset = targets

    def clean(self):
        data = super().clean()
        kind, text = data.get("kind"), data.get("q")
        if kind and text:
            try:
                pqf(kind, text)
                cql(kind, text)
            except QueryError as exc:
                self.add_error("q", exc.message)
        return data


class TargetForm(forms.ModelForm):
    new_password = forms.CharField(
        label=gettext_lazy("Mật khẩu"),
        required=False,
        max_length=100,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy("Để trống để giữ mật khẩu đã lưu."),
    )
    clear_password = forms.BooleanField(label=gettext_lazy("Xoá mật khẩu đã lưu"), required=False)

    class Meta:
        model = CopyTarget
        fields = [
            "code", "name", "protocol", "host", "port", "database", "syntax", "charset", "sru_url", "sru_version",
            "sru_schema", "user", "enabled", "library", "allow_private",
        ]  # fmt: skip
        widgets = {"sru_url": forms.URLInput(attrs={"placeholder": "https://thuvien.example.vn/sru"})}
        help_texts = {
            "code": gettext_lazy("Chữ thường, số và gạch ngang, ví dụ: tv-tinh-z3950."),
            "host": gettext_lazy("Z39.50: tên máy hoặc địa chỉ IP, ví dụ z3950.loc.gov."),
            "port": gettext_lazy("Z39.50: thường là 210."),
            "database": gettext_lazy("Z39.50: tên cơ sở dữ liệu, ví dụ Default hoặc biblios."),
            "charset": gettext_lazy("Bảng mã của biểu ghi máy chủ gửi; «tự nhận biết» phân biệt MARC-8, UTF-8 và bảng mã tiếng Việt cũ."),
            "sru_schema": gettext_lazy("Tên lược đồ MARCXML của máy chủ: marcxml (thuvien, Koha, LoC), F (Zebra)."),
            "allow_private": gettext_lazy(
                "Chỉ bật cho máy chủ trong mạng nội bộ của hệ thống thư viện; mặc định các địa chỉ nội bộ bị từ chối."
            ),
        }  # fmt: skip

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["library"].queryset = queries.catalogue_libraries(user)
        if not user.is_superuser:
            # A target of the whole network, and reaching the network's own machines (SSRF), are
            # the system administrator's decisions.
            self.fields["library"].required = True
            self.fields["library"].empty_label = None
            del self.fields["allow_private"]
        if self.instance.pk and self.instance.password:
            self.fields["new_password"].help_text = _("Đã lưu một mật khẩu; để trống để giữ nguyên.")

    def save(self, commit: bool = True):
        target = super().save(commit=False)
        if self.cleaned_data.get("clear_password"):
            target.password = ""
        elif self.cleaned_data.get("new_password"):
            target.password = self.cleaned_data["new_password"]
        return target


def _can_catalogue(request):
    libraries = queries.catalogue_libraries(request.user)
    if not libraries.exists():
        raise PermissionDenied
    return libraries


def _managed_target(request, code: str) -> CopyTarget:
    target = get_object_or_404(CopyTarget.objects.select_related("library"), code=code)
    if not queries.manageable_targets(request.user).filter(pk=target.pk).exists():
        raise PermissionDenied
    return target


def _fetched(request, token: str):
    fetched = queries.fetched_for(request.user, token)
    if fetched is None:
        # Expired, or someone else's: either way nothing to show this user.
        raise Http404(_("Biểu ghi này không còn; hãy tìm lại."))
    return fetched


@staff_required
@require_GET
def search(request):
    libraries = _can_catalogue(request)
    usable = queries.usable_targets(request.user).filter(enabled=True).order_by("name", "code")
    form = SearchForm(request.GET if "q" in request.GET else None, targets=usable)
    results = []
    if form.is_bound and form.is_valid():
        chosen = list(form.cleaned_data["targets"] or usable)
        if not chosen:
            messages.error(request, _("Chưa có máy chủ nào để tìm; hãy thêm một máy chủ."))
        else:
            results = search_many(
                [TargetSpec.from_target(t) for t in chosen],
                form.cleaned_data["kind"],
                form.cleaned_data["q"],
                maximum=HITS_PER_TARGET,
            )
            actions.remember_hits(results, user=request.user)
            matches = queries.local_matches([i for r in results for h in r.hits for i in h.isbns])
            for result in results:
                for hit in result.hits:
                    hit.local = next((matches[i] for i in hit.isbns if i in matches), None)
    return render(
        request,
        "staff/copycat/search.html",
        {
            "form": form,
            "results": results,
            "has_targets": usable.exists(),
            "libraries": list(libraries[:200]),
        },
    )


@staff_required
@require_GET
def hit(request, token: str):
    libraries = _can_catalogue(request)
    fetched = _fetched(request, token)
    shown = decode(
        bytes(fetched.raw), position=fetched.position, syntax=fetched.syntax, encoding=fetched.encoding
    )
    outcome = fetched.outcome or None
    if outcome:
        outcome = {**outcome, "label": OUTCOME_LABELS.get(outcome.get("status"), outcome.get("status"))}
    return render(
        request,
        "staff/copycat/hit.html",
        {"fetched": fetched, "hit": shown, "outcome": outcome, "libraries": list(libraries[:200])},
    )


@staff_required
@require_POST
def import_hit(request, token: str):
    libraries = _can_catalogue(request)
    fetched = _fetched(request, token)
    library_id = request.POST.get("library") or ""
    library = libraries.filter(pk=library_id).first() if library_id.isdigit() else libraries.first()
    if library is None:
        raise PermissionDenied
    outcome = actions.import_fetched(fetched, library=library, actor=request.user)
    label = OUTCOME_LABELS.get(outcome.status, outcome.status)
    if outcome.ok:
        messages.success(request, _("%(label)s: «%(title)s».") % {"label": label, "title": outcome.title})
    else:
        messages.error(request, _("%(label)s: %(reason)s") % {"label": label, "reason": outcome.message})
    return redirect("staff_copycat:hit", token=fetched.token)


@staff_required
@require_GET
def targets(request):
    _can_catalogue(request)
    manageable = set(queries.manageable_targets(request.user).values_list("pk", flat=True))
    rows = list(queries.usable_targets(request.user).order_by("name", "code"))
    for target in rows:
        target.manageable = target.pk in manageable
    return render(request, "staff/copycat/targets.html", {"targets": rows})


@staff_required
@require_http_methods(["GET", "POST"])
def target_new(request):
    _can_catalogue(request)
    form = TargetForm(request.POST or None, user=request.user, initial={"port": 210, "database": "Default"})
    if request.method == "POST" and form.is_valid():
        target = actions.save_target(form.save(commit=False), actor=request.user)
        messages.success(request, _("Đã thêm máy chủ «%(code)s».") % {"code": target.code})
        return redirect("staff_copycat:targets")
    return render(request, "staff/copycat/target_form.html", {"form": form, "target": None})


@staff_required
@require_http_methods(["GET", "POST"])
def target_edit(request, code: str):
    target = _managed_target(request, code)
    form = TargetForm(request.POST or None, instance=target, user=request.user)
    if request.method == "POST" and form.is_valid():
        target = actions.save_target(form.save(commit=False), actor=request.user)
        messages.success(request, _("Đã lưu máy chủ «%(code)s».") % {"code": target.code})
        return redirect("staff_copycat:targets")
    return render(request, "staff/copycat/target_form.html", {"form": form, "target": target})


@staff_required
@require_POST
def target_test(request, code: str):
    _can_catalogue(request)
    target = get_object_or_404(CopyTarget, code=code)
    if not queries.usable_targets(request.user).filter(pk=target.pk).exists():
        raise PermissionDenied
    try:
        said = check_target(TargetSpec.from_target(target))
    except target_errors() as exc:
        messages.error(
            request,
            _("Không kết nối được «%(code)s»: %(error)s")
            % {"code": target.code, "error": getattr(exc, "message", None) or exc},
        )
    else:
        messages.success(request, f"{target.code}: {said}")
    return redirect("staff_copycat:targets")
