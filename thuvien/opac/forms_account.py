"""Forms of the reader's account in the OPAC: sign-in, holds, postal delivery, PIN, self-registration."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from thuvien.lib import cccd as cccd_rules
from thuvien.network.models import Library
from thuvien.patrons.models import ReaderCategory

PIN_RE = re.compile(r"\d{4,8}")
PIN_HELP = _("4 đến 8 chữ số.")


class LibraryChoiceField(forms.ModelChoiceField):
    """Libraries as an indented tree, so a commune library shows under its province."""

    def label_from_instance(self, obj: Library) -> str:
        return "\u00a0\u00a0" * max(0, obj.depth) + obj.name


def _pin_widget(autocomplete: str) -> forms.PasswordInput:
    return forms.PasswordInput(
        attrs={"inputmode": "numeric", "autocomplete": autocomplete, "pattern": r"\d{4,8}", "maxlength": 8}
    )


def _check_pin(value: str) -> str:
    value = (value or "").strip()
    if not PIN_RE.fullmatch(value):
        raise forms.ValidationError(_("Mã PIN phải gồm 4 đến 8 chữ số."))
    return value


class SignInForm(forms.Form):
    card = forms.CharField(
        label=_("Số thẻ bạn đọc"),
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "username",
                "autocapitalize": "characters",
                "spellcheck": "false",
            }
        ),  # fmt: skip
    )
    pin = forms.CharField(label=_("Mã PIN"), max_length=8, strip=True, widget=_pin_widget("current-password"))


class HoldForm(forms.Form):
    pickup_library = LibraryChoiceField(
        label=_("Nhận sách tại"), queryset=Library.objects.none(), empty_label=None
    )

    def __init__(self, *args, libraries, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pickup_library"].queryset = libraries


class SuspendForm(forms.Form):
    until = forms.DateField(label=_("Tạm dừng đến ngày"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean_until(self):
        until = self.cleaned_data["until"]
        today = timezone.localdate()
        if until <= today:
            raise forms.ValidationError(_("Hãy chọn một ngày sau hôm nay."))
        if until > today + dt.timedelta(days=365):
            raise forms.ValidationError(_("Chỉ tạm dừng được tối đa một năm."))
        return until


class DeliveryForm(forms.Form):
    address = forms.CharField(
        label=_("Địa chỉ nhận sách"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
    )
    phone = forms.CharField(
        label=_("Số điện thoại"),
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    accept_fee = forms.BooleanField(label=_("Tôi đồng ý trả phí gửi sách qua bưu điện nêu trên."))


class ChangePinForm(forms.Form):
    old_pin = forms.CharField(
        label=_("Mã PIN hiện tại"), max_length=8, widget=_pin_widget("current-password")
    )
    new_pin = forms.CharField(
        label=_("Mã PIN mới"), max_length=8, help_text=PIN_HELP, widget=_pin_widget("new-password")
    )
    new_pin2 = forms.CharField(
        label=_("Nhập lại mã PIN mới"), max_length=8, widget=_pin_widget("new-password")
    )

    def clean_new_pin(self):
        return _check_pin(self.cleaned_data["new_pin"])

    def clean(self):
        data = super().clean()
        if data.get("new_pin") and data.get("new_pin2") and data["new_pin"] != data["new_pin2"]:
            self.add_error("new_pin2", _("Hai lần nhập mã PIN mới không giống nhau."))
        return data


class RegistrationForm(forms.Form):
    full_name = forms.CharField(
        label=_("Họ và tên"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name", "autofocus": True}),
    )
    birth_date = forms.DateField(
        label=_("Ngày sinh"), widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"})
    )
    category = forms.ModelChoiceField(
        label=_("Đối tượng bạn đọc"),
        queryset=ReaderCategory.objects.none(),
        empty_label=_("— Chọn —"),
        help_text=_("Trẻ em và học sinh do phụ huynh hoặc nhà trường đăng ký tại thư viện."),
    )
    home_library = LibraryChoiceField(
        label=_("Thư viện đăng ký thẻ"),
        queryset=Library.objects.none(),
        empty_label=_("— Chọn —"),
        help_text=_("Nơi bạn nhận thẻ. Thẻ dùng được ở mọi thư viện trong mạng lưới."),
    )
    email = forms.EmailField(
        label=_("Thư điện tử"),
        required=False,
        help_text=_("Để nhận thông báo sách sắp đến hạn, sách đã sẵn sàng."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Số điện thoại"),
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    address = forms.CharField(
        label=_("Địa chỉ"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
    )
    cccd = forms.CharField(
        label=_("Số căn cước công dân (CCCD)"),
        max_length=20,
        help_text=_("12 chữ số. Được mã hóa khi lưu; thủ thư chỉ thấy 4 số cuối."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    pin = forms.CharField(
        label=_("Chọn mã PIN"), max_length=8, help_text=PIN_HELP, widget=_pin_widget("new-password")
    )
    pin2 = forms.CharField(label=_("Nhập lại mã PIN"), max_length=8, widget=_pin_widget("new-password"))
    terms = forms.BooleanField(
        label=_("Tôi đồng ý với nội quy thư viện và việc thư viện xử lý dữ liệu cá nhân của tôi để cấp thẻ và cho mượn."),
        error_messages={"required": _("Cần đồng ý với nội quy để đăng ký thẻ.")},
    )  # fmt: skip
    keep_history = forms.BooleanField(
        label=_("Lưu lịch sử mượn của tôi (có thể tắt bất cứ lúc nào)."), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = ReaderCategory.objects.filter(self_registration=True).order_by(
            "name"
        )
        self.fields["home_library"].queryset = Library.objects.filter(active=True).order_by("path")

    def clean_birth_date(self):
        born = self.cleaned_data["birth_date"]
        if born > timezone.localdate():
            raise forms.ValidationError(_("Ngày sinh không thể ở tương lai."))
        if born.year < 1900:
            raise forms.ValidationError(_("Hãy kiểm tra lại năm sinh."))
        return born

    def clean_pin(self):
        return _check_pin(self.cleaned_data["pin"])

    def clean(self):
        data = super().clean()
        if data.get("pin") and data.get("pin2") and data["pin"] != data["pin2"]:
            self.add_error("pin2", _("Hai lần nhập mã PIN không giống nhau."))
        number = data.get("cccd")
        if number:
            try:
                data["cccd"] = cccd_rules.validate(number, data.get("birth_date"))
            except cccd_rules.InvalidCCCD as exc:
                self.add_error("cccd", str(exc))
        return data
