"""The register's staff side (/staff/register/): libraries in scope with their profile's completeness, and
the profile page of each library (services, premises, contact, hours, coordinates).

Writes go through ``thuvien.reports.register.update_profile``, which validates every field.
"""

from __future__ import annotations

import re

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from thuvien.network.models import LibraryKind
from thuvien.reports import register
from thuvien.reports.models import Service
from thuvien.reports.queries import readable_libraries
from thuvien.reports.register import RegisterError
from thuvien.reports.training import can_keep_records
from thuvien.staff.views import reports_required

PAGE_SIZE = 50
# "21.0285, 105.8542" as a map copies it, pasted whole into the latitude box.
_PAIR = re.compile(r"^\s*([+-]?\d{1,3}\.\d+)\s*[,;]\s*([+-]?\d{1,3}\.\d+)\s*$")


class ProfileForm(forms.Form):
    address = forms.CharField(label=gettext_lazy("Địa chỉ"), required=False, max_length=400)
    phone = forms.CharField(label=gettext_lazy("Điện thoại"), required=False, max_length=60)
    email = forms.CharField(label=gettext_lazy("Thư điện tử"), required=False, max_length=254)
    website = forms.CharField(
        label=gettext_lazy("Trang web"), required=False, max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "https://", "inputmode": "url"}),
    )  # fmt: skip
    opening_hours = forms.CharField(
        label=gettext_lazy("Giờ mở cửa"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Ví dụ: Thứ Hai – Thứ Sáu 7:30–11:30, 13:30–17:00; Thứ Bảy 7:30–11:30."),
    )  # fmt: skip
    latitude = forms.CharField(
        label=gettext_lazy("Vĩ độ"), required=False, max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "21.0285"}),
        help_text=gettext_lazy("Có thể dán cả cặp «vĩ độ, kinh độ» chép từ bản đồ vào ô này."),
    )  # fmt: skip
    longitude = forms.CharField(
        label=gettext_lazy("Kinh độ"), required=False, max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "105.8542"}),
    )  # fmt: skip
    services = forms.MultipleChoiceField(
        label=gettext_lazy("Dịch vụ"), required=False, choices=Service.choices, widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "Năm dịch vụ đầu là dịch vụ trực tuyến: thư viện có trang web và ít nhất một dịch vụ trực tuyến được "
            "tính vào chỉ tiêu «thư viện có trang thông tin điện tử cung cấp dịch vụ trực tuyến»."
        ),
    )  # fmt: skip
    description = forms.CharField(
        label=gettext_lazy("Giới thiệu"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    founded_year = forms.IntegerField(label=gettext_lazy("Năm thành lập"), required=False)
    floor_area_m2 = forms.IntegerField(label=gettext_lazy("Diện tích (m²)"), required=False)
    seats = forms.IntegerField(label=gettext_lazy("Số chỗ ngồi"), required=False)
    governing_body = forms.CharField(label=gettext_lazy("Cơ quan chủ quản"), required=False, max_length=300)

    def clean(self):
        data = super().clean()
        pair = _PAIR.match(data.get("latitude") or "")
        if pair and not (data.get("longitude") or "").strip():
            data["latitude"], data["longitude"] = pair.group(1), pair.group(2)
        return data


def _initial(library, profile) -> dict:
    initial = {key: getattr(library, key) for key in register.CONTACT_FIELDS}
    initial.update({key: getattr(profile, key) for key in register.PROFILE_FIELDS})
    for key in ("latitude", "longitude"):
        initial[key] = "" if initial[key] is None else repr(initial[key])
    return initial


@reports_required
def register_list(request):
    code = request.GET.get("library", "").strip()
    library = None
    if code:
        library = readable_libraries(request.user).filter(code=code).first()
        if library is None:
            raise Http404
    kind = request.GET.get("kind", "")
    if kind not in LibraryKind.values:
        kind = ""
    incomplete = request.GET.get("incomplete") == "1"
    rows = register.register_rows(request.user, library=library, kind=kind, incomplete=incomplete)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "staff/register/list.html",
        {
            "page": page,
            "library": library,
            "kind": kind,
            "kinds": LibraryKind.choices,
            "incomplete": incomplete,
            "query": query.urlencode(),
            "total": len(rows),
            "complete": sum(1 for r in rows if not r.missing),
            "online": sum(1 for r in rows if r.online),
            "libraries": readable_libraries(request.user)
            .filter(children__isnull=False)
            .distinct()
            .order_by("path"),
        },
    )


@reports_required
@require_http_methods(["GET", "POST"])
def profile_page(request, code: str):
    library = register.register_library_for(request.user, code)
    if library is None:
        raise Http404
    can_edit = can_keep_records(request.user, library)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied
    profile = register.profile_of(library)
    form = ProfileForm(request.POST or None, initial=_initial(library, profile))
    if request.method == "POST" and form.is_valid():
        try:
            register.update_profile(library, request.user, **form.cleaned_data)
        except RegisterError as exc:
            for field, message in exc.errors.items():
                form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("Đã lưu hồ sơ của %(library)s.") % {"library": library.name})
            return redirect("staff_register:profile", code=library.code)
    row = register.RegisterRow(library, profile, register.missing_fields(library, profile))
    return render(
        request,
        "staff/register/profile.html",
        {
            "library": library,
            "profile": profile,
            "row": row,
            "form": form if can_edit else None,
            "services": [label for value, label in Service.choices if value in (profile.services or [])],
        },
    )
