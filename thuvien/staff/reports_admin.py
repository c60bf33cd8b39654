"""Targets and indicator settings (/staff/reports/targets/, /staff/reports/settings/): read by every
reports user, written by managers (targets, descriptions) and superusers (how an indicator is computed)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from thuvien.accounts.policies import CAN_READ_REPORTS
from thuvien.network.models import Library, LibraryKind
from thuvien.reports import dashboard as data
from thuvien.reports import indicators as engine
from thuvien.reports.indicator_admin import (
    IndicatorError,
    can_edit_indicators,
    can_edit_sources,
    create_indicator,
    known_sources,
    update_indicator,
)
from thuvien.reports.models import Aggregation, Indicator, IndicatorTarget, Unit
from thuvien.reports.queries import can_set_targets, default_scope, readable_libraries
from thuvien.reports.targets import TargetError, clear_target, parse_typed, set_target
from thuvien.staff.views import reports_required

# The programme runs to 2030; its targets are set from its first year.
TARGET_YEARS = range(2021, 2031)


def _provinces(user) -> list[Library]:
    """Return the provinces (network roots) in which USER reads some library."""
    roots = Library.objects.filter(parent__isnull=True).order_by("name")
    if user.is_superuser:
        return list(roots)
    paths = user.staff_roles.filter(role__in=list(CAN_READ_REPORTS)).values_list("library__path", flat=True)
    codes = {path.strip("/").split("/")[0] for path in paths}
    return list(roots.filter(code__in=codes))


def _province(request) -> Library:
    code = (request.GET.get("province") or request.POST.get("province") or "").strip().upper()[:40]
    if not code:
        scope = default_scope(request.user)
        if scope is None:
            raise Http404
        return engine.province_of(scope)
    province = Library.objects.filter(code=code, parent__isnull=True).first()
    # Whoever reads a library of the province reads its targets: they are what his figures are held to.
    if (
        province is None
        or not readable_libraries(request.user).filter(path__startswith=province.path).exists()
    ):
        raise Http404
    return province


def typed(indicator: Indicator, value: float | None) -> str:
    """Write a stored target the way a manager types it back: a share in percent, without the sign."""
    if value is None:
        return ""
    return data.format_value(indicator, value, unit=False).removesuffix(" %")


@reports_required
@require_http_methods(["GET", "POST"])
def targets(request):
    province = _province(request)
    editable = can_set_targets(request.user, province)
    if request.method == "POST" and not editable:
        raise PermissionDenied
    indicators = data.dashboard_indicators()
    existing = {
        (t.indicator_id, t.year): t
        for t in IndicatorTarget.objects.filter(province=province, indicator__in=indicators)
    }
    years = sorted(set(TARGET_YEARS) | {year for _, year in existing})
    errors: dict[str, str] = {}
    submitted: dict[str, str] = {}
    if request.method == "POST":
        note = (request.POST.get("note") or "").strip()[:300]
        changes = []
        for indicator in indicators:
            for year in years:
                name = f"t-{indicator.pk}-{year}"
                if name not in request.POST:
                    continue  # a cell the form did not send is left as it is
                text = request.POST[name].strip()[:40]
                submitted[name] = text
                old = existing.get((indicator.pk, year))
                if text == typed(indicator, old.value if old else None):
                    continue
                try:
                    value = parse_typed(indicator, text)
                except TargetError as error:
                    errors[name] = str(error)
                    continue
                if value is None and old is None:
                    continue
                changes.append((indicator, year, value))
        if not errors:
            try:
                with transaction.atomic():
                    for indicator, year, value in changes:
                        if value is None:
                            clear_target(indicator, province, year, actor=request.user, note=note)
                        else:
                            set_target(indicator, province, year, value, actor=request.user, note=note)
            except TargetError as error:
                messages.error(request, str(error))
            else:
                if changes:
                    messages.success(request, _("Đã lưu %(n)d thay đổi mục tiêu.") % {"n": len(changes)})
                else:
                    messages.info(request, _("Không có mục tiêu nào thay đổi."))
                return redirect(
                    reverse("staff_reports:targets") + "?" + urlencode({"province": province.code})
                )
    grid = []
    for indicator in indicators:
        cells = []
        for year in years:
            name = f"t-{indicator.pk}-{year}"
            target = existing.get((indicator.pk, year))
            cells.append(
                {
                    "name": name,
                    "year": year,
                    "value": submitted.get(name, typed(indicator, target.value if target else None)),
                    "shown": data.format_value(indicator, target.value) if target else "",
                    "note": target.note if target else "",
                    "error": errors.get(name, ""),
                }
            )
        grid.append({"indicator": indicator, "name": _(indicator.name), "cells": cells})
    status = 400 if errors else 200
    if errors:
        messages.error(request, _("Có %(n)d ô chưa đúng; chưa lưu thay đổi nào. Sửa các ô được đánh dấu.")
                       % {"n": len(errors)})  # fmt: skip
    return render(
        request,
        "staff/reports/targets.html",
        {
            "province": province,
            "provinces": _provinces(request.user),
            "years": years,
            "grid": grid,
            "editable": editable,
            "errors": errors,
            "note": request.POST.get("note", "") if errors else "",
            "dashboard_url": reverse("staff_reports:dashboard") + "?" + urlencode({"scope": province.code})
            if readable_libraries(request.user).filter(pk=province.pk).exists()
            else reverse("staff_reports:dashboard"),
        },
        status=status,
    )


# ---------------------------------------------------------------------------------------------------
# Indicator settings


class IndicatorForm(forms.Form):
    code = forms.SlugField(label=gettext_lazy("Mã"), max_length=60,
                           help_text=gettext_lazy("Chữ thường không dấu, số và dấu gạch ngang; không đổi được sau khi tạo."))  # fmt: skip
    name = forms.CharField(label=gettext_lazy("Tên chỉ tiêu"), max_length=300)
    description = forms.CharField(
        label=gettext_lazy("Cách tính"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    unit = forms.ChoiceField(label=gettext_lazy("Đơn vị"), choices=Unit.choices)
    library_kinds = forms.MultipleChoiceField(
        label=gettext_lazy("Loại thư viện áp dụng"), choices=LibraryKind.choices, required=False,
        widget=forms.CheckboxSelectMultiple, help_text=gettext_lazy("Không chọn loại nào: mọi loại thư viện."),
    )  # fmt: skip
    active = forms.BooleanField(
        label=gettext_lazy("Đang theo dõi (hiện trên bảng điều khiển)"), required=False
    )
    position = forms.IntegerField(label=gettext_lazy("Thứ tự"), min_value=0, max_value=100000)
    higher_is_better = forms.BooleanField(label=gettext_lazy("Càng cao càng tốt"), required=False,
                                          help_text=gettext_lazy("Bỏ chọn khi giá trị thấp là tốt (ví dụ số ngày chưa thu thập)."))  # fmt: skip
    # How it is computed: superusers only.
    source = forms.CharField(
        label=gettext_lazy("Nguồn số liệu"), max_length=80,
        help_text=gettext_lazy("Một phép tính đã đăng ký, hoặc report:<mã trường> để cộng trường đó của các báo cáo thống kê đã duyệt."),
    )  # fmt: skip
    params = forms.CharField(label=gettext_lazy("Tham số (JSON)"), required=False,
                             widget=forms.Textarea(attrs={"rows": 2, "class": "mono"}))  # fmt: skip
    aggregation = forms.ChoiceField(label=gettext_lazy("Cách cộng dồn"), choices=Aggregation.choices)
    programme = forms.BooleanField(
        label=gettext_lazy("Chỉ tiêu của Chương trình chuyển đổi số"), required=False
    )

    def __init__(self, *args, creating: bool, full: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not creating:
            del self.fields["code"]
        if not full:
            for name in ("source", "params", "aggregation", "programme"):
                del self.fields[name]
        else:
            self.fields["source"].widget.attrs["list"] = "indicator-sources"

    def clean_params(self):
        text = (self.cleaned_data.get("params") or "").strip()
        if not text:
            return {}
        try:
            value = json.loads(text)
        except ValueError:
            raise ValidationError(_("Không đọc được JSON.")) from None
        if not isinstance(value, dict):
            raise ValidationError(_('Tham số phải là một đối tượng JSON, ví dụ {"kinds": ["rare"]}.'))
        return value


def _initial(indicator: Indicator) -> dict:
    initial = {name: getattr(indicator, name) for name in ("name", "description", "unit", "library_kinds", "active",
                                                          "position", "higher_is_better", "source", "aggregation",
                                                          "programme")}  # fmt: skip
    initial["params"] = json.dumps(indicator.params, ensure_ascii=False) if indicator.params else ""
    return initial


@reports_required
def indicator_list(request):
    indicators = list(Indicator.objects.order_by("-programme", "position", "code"))
    kinds = dict(LibraryKind.choices)
    rows = [
        {
            "indicator": i,
            "name": _(i.name),
            "kinds": ", ".join(str(kinds.get(k, k)) for k in i.library_kinds) if i.library_kinds else "",
        }
        for i in indicators
    ]
    return render(
        request,
        "staff/reports/settings.html",
        {
            "rows": rows,
            "can_edit": can_edit_indicators(request.user),
            "can_create": can_edit_sources(request.user),
        },
    )


@reports_required
@require_http_methods(["GET", "POST"])
def indicator_edit(request, code: str | None = None):
    indicator = None if code is None else get_object_or_404(Indicator, code=code)
    full = can_edit_sources(request.user)
    if not can_edit_indicators(request.user) or (indicator is None and not full):
        raise PermissionDenied
    creating = indicator is None
    initial = (
        _initial(indicator)
        if indicator
        else {"active": True, "higher_is_better": True, "unit": Unit.COUNT, "aggregation": Aggregation.SUM,
              "position": (Indicator.objects.order_by("-position").values_list("position", flat=True).first() or 0) + 10}
    )  # fmt: skip
    form = IndicatorForm(request.POST or None, initial=initial, creating=creating, full=full)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        try:
            if creating:
                indicator = create_indicator(request.user, **fields)
                messages.success(request, _("Đã tạo chỉ tiêu %(code)s.") % {"code": indicator.code})
            else:
                changes = update_indicator(indicator, request.user, **fields)
                if changes:
                    messages.success(request, _("Đã lưu chỉ tiêu %(code)s.") % {"code": indicator.code})
                else:
                    messages.info(request, _("Không có gì thay đổi."))
        except (IndicatorError, ValidationError) as error:
            for message in getattr(error, "messages", None) or [str(error)]:
                form.add_error(None, message)
        else:
            return redirect("staff_reports:settings")
    return render(
        request,
        "staff/reports/indicator_edit.html",
        {
            "indicator": indicator,
            "name": _(indicator.name) if indicator else "",
            "form": form,
            "creating": creating,
            "full": full,
            "sources": known_sources() if full else [],
        },
        status=400 if request.method == "POST" else 200,
    )
