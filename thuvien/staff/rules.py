"""Staff pages for a library's circulation rules (the matrix, inherited down the tree) and calendar."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from thuvien.accounts.policies import CAN_MANAGE_NETWORK, CAN_VIEW_STAFF
from thuvien.accounts.queries import libraries_for
from thuvien.catalog.models import Item
from thuvien.circulation import configuration, policies
from thuvien.circulation.exceptions import CirculationError
from thuvien.circulation.models import CirculationRule, Closure
from thuvien.circulation.queries import path_codes
from thuvien.network.models import Library
from thuvien.patrons.models import ReaderCategory
from thuvien.staff.views import staff_required

WEEKDAYS = [
    (0, gettext_lazy("Thứ Hai")),
    (1, gettext_lazy("Thứ Ba")),
    (2, gettext_lazy("Thứ Tư")),
    (3, gettext_lazy("Thứ Năm")),
    (4, gettext_lazy("Thứ Sáu")),
    (5, gettext_lazy("Thứ Bảy")),
    (6, gettext_lazy("Chủ nhật")),
]


class RuleForm(forms.ModelForm):
    class Meta:
        model = CirculationRule
        fields = ["category", "item_type", *policies.Rule.FIELDS]


class ClosureForm(forms.Form):
    date = forms.DateField(
        label=gettext_lazy("Ngày"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    weekday = forms.TypedChoiceField(
        label=gettext_lazy("hoặc hằng tuần vào"), choices=[("", "—"), *WEEKDAYS], coerce=int, empty_value=None,
        required=False,
    )  # fmt: skip
    reason = forms.CharField(label=gettext_lazy("Lý do"), max_length=200, required=False)


def _library(request, code: str | None, roles) -> Library:
    allowed = libraries_for(request.user, roles)
    if code:
        library = allowed.filter(code=code).first()
        if library is None:
            raise PermissionDenied
        return library
    library = allowed.order_by("path").first()
    if library is None:
        raise PermissionDenied
    return library


def _matrix(library: Library):
    """Effective rules for every reader category × item type used in the network, with their source."""
    codes = path_codes(library)
    cells = list(
        CirculationRule.objects.filter(library__code__in=codes).select_related("library", "category")
    )
    for cell in cells:
        cell.library_code = cell.library.code
        cell.category_code = cell.category.code if cell.category_id else None
    root = Library.objects.get(code=codes[0])
    types = sorted(
        set(
            Item.objects.filter(library__path__startswith=root.path)
            .exclude(item_type="")
            .values_list("item_type", flat=True)
            .distinct()[:12]
        )
        | {c.item_type for c in cells if c.item_type}
    )
    categories = list(ReaderCategory.objects.all())
    rows = []
    for category in categories:
        row = []
        for item_type in ["", *types]:
            rule = policies.choose_rule(cells, codes, category.pk, item_type)
            row.append({"rule": rule, "inherited": not rule.source.startswith(f"{library.code} /")})
        rows.append((category, row))
    return ["", *types], rows, cells


@staff_required
def rules_view(request):
    library = _library(request, request.GET.get("library"), CAN_VIEW_STAFF)
    can_edit = libraries_for(request.user, CAN_MANAGE_NETWORK).filter(pk=library.pk).exists()
    types, rows, cells = _matrix(library)
    own = [c for c in cells if c.library_id == library.pk]
    inherited = [c for c in cells if c.library_id != library.pk]
    closures = list(
        Closure.objects.filter(library__code__in=path_codes(library))
        .select_related("library")
        .order_by("weekday", "date")
    )
    for closure in closures:
        closure.weekday_name = dict(WEEKDAYS).get(closure.weekday, "")
    return render(
        request,
        "staff/rules/rules.html",
        {
            "library": library,
            "libraries": libraries_for(request.user, CAN_VIEW_STAFF).order_by("path")[:500],
            "can_edit": can_edit,
            "types": types,
            "rows": rows,
            "own": own,
            "inherited": inherited,
            "closures": closures,
            "rule_form": RuleForm() if can_edit else None,
            "closure_form": ClosureForm() if can_edit else None,
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def rule_edit(request, code: str, rule_id: int | None = None):
    library = _library(request, code, CAN_MANAGE_NETWORK)
    rule = get_object_or_404(CirculationRule, pk=rule_id, library=library) if rule_id else None
    form = RuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        cell = form.save(commit=False)
        cell.library = library
        try:
            configuration.save_rule(cell, actor=request.user)
        except CirculationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Đã lưu quy định."))
            return redirect(f"{_rules_url()}?library={library.code}")
    return render(request, "staff/rules/rule_edit.html", {"library": library, "form": form, "rule": rule})


@staff_required
@require_POST
def rule_delete(request, code: str, rule_id: int):
    library = _library(request, code, CAN_MANAGE_NETWORK)
    configuration.delete_rule(
        get_object_or_404(CirculationRule, pk=rule_id, library=library), actor=request.user
    )
    messages.success(request, _("Đã xóa quy định; thư viện dùng lại quy định của cấp trên."))
    return redirect(f"{_rules_url()}?library={library.code}")


@staff_required
@require_POST
def closure_add(request, code: str):
    library = _library(request, code, CAN_MANAGE_NETWORK)
    form = ClosureForm(request.POST)
    if form.is_valid():
        try:
            configuration.add_closure(
                library=library, actor=request.user, date=form.cleaned_data["date"],
                weekday=form.cleaned_data["weekday"], reason=form.cleaned_data["reason"],
            )  # fmt: skip
            messages.success(request, _("Đã thêm ngày đóng cửa."))
        except CirculationError as error:
            messages.error(request, error.message)
    else:
        messages.error(request, _("Ngày không hợp lệ."))
    return redirect(f"{_rules_url()}?library={library.code}")


@staff_required
@require_POST
def closure_delete(request, code: str, closure_id: int):
    library = _library(request, code, CAN_MANAGE_NETWORK)
    configuration.delete_closure(
        get_object_or_404(Closure, pk=closure_id, library=library), actor=request.user
    )
    messages.success(request, _("Đã xóa ngày đóng cửa."))
    return redirect(f"{_rules_url()}?library={library.code}")


def _rules_url() -> str:
    from django.urls import reverse

    return reverse("staff_rules:rules")
