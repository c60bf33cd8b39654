"""Forms of the circulation desk: readers, PINs, payments, waivers, deliveries."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from thuvien.circulation.models import Payment
from thuvien.patrons.models import ReaderCategory

# Which form field shows a PatronError of each code (the rest go to the top of the form).
PATRON_ERROR_FIELDS = {
    "card": "card",
    "card_taken": "card",
    "pin": "pin",
    "name": "full_name",
    "birth_date": "birth_date",
    "cccd": "cccd",
    "cccd_taken": "cccd",
    "category": "category",
}

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PIN = forms.PasswordInput(
    attrs={"inputmode": "numeric", "autocomplete": "new-password", "pattern": r"\d{4,8}"}
)


class ReaderFieldsForm(forms.Form):
    full_name = forms.CharField(label=_("Họ và tên"), max_length=200)
    birth_date = forms.DateField(label=_("Ngày sinh"), required=False, widget=DATE)
    category = forms.ModelChoiceField(label=_("Đối tượng"), queryset=ReaderCategory.objects.all())
    home_library = forms.ModelChoiceField(label=_("Thư viện đăng ký"), queryset=None)
    email = forms.EmailField(label=_("Thư điện tử"), required=False)
    phone = forms.CharField(label=_("Điện thoại"), max_length=30, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))  # fmt: skip
    address = forms.CharField(label=_("Địa chỉ"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    cccd = forms.CharField(
        label=_("Số CCCD"), max_length=20, required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("12 chữ số; được mã hóa khi lưu và chỉ hiện 4 số cuối."),
    )  # fmt: skip
    note = forms.CharField(label=_("Ghi chú của thư viện"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip
    keep_history = forms.BooleanField(label=_("Đồng ý lưu lịch sử mượn"), required=False)
    email_notices = forms.BooleanField(label=_("Đồng ý nhận thông báo qua thư điện tử"), required=False)

    def __init__(self, *args, libraries=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["home_library"].queryset = libraries

    def add_patron_error(self, error) -> None:
        self.add_error(PATRON_ERROR_FIELDS.get(error.code), error.message)


class ReaderCreateForm(ReaderFieldsForm):
    card = forms.CharField(
        label=_("Số thẻ"), max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "autofocus": True}),
        help_text=_("Quét hoặc gõ số thẻ: 4–32 chữ cái không dấu, chữ số hoặc dấu gạch ngang."),
    )  # fmt: skip
    pin = forms.CharField(label=_("Mã PIN"), min_length=4, max_length=8, widget=PIN,
                          help_text=_("4 đến 8 chữ số, bạn đọc dùng để đăng nhập và mượn ở máy tự mượn."))  # fmt: skip
    terms = forms.BooleanField(label=_("Bạn đọc đồng ý nội quy và việc xử lý dữ liệu cá nhân"))

    field_order = ["card", "pin", "full_name", "birth_date", "category", "home_library", "email", "phone",
                   "address", "cccd", "note", "terms", "keep_history", "email_notices"]  # fmt: skip


class ReaderEditForm(ReaderFieldsForm):
    expires_on = forms.DateField(label=_("Ngày hết hạn thẻ"), required=False, widget=DATE)
    clear_cccd = forms.BooleanField(label=_("Xóa số CCCD đã lưu"), required=False)

    field_order = ["full_name", "birth_date", "category", "home_library", "expires_on", "email", "phone",
                   "address", "cccd", "clear_cccd", "note", "keep_history", "email_notices"]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cccd"].help_text = _("Để trống để giữ số đã lưu.")


class PinForm(forms.Form):
    new_pin = forms.CharField(label=_("Mã PIN mới"), min_length=4, max_length=8, widget=PIN)
    new_pin2 = forms.CharField(label=_("Nhập lại mã PIN mới"), min_length=4, max_length=8, widget=PIN)

    def clean(self):
        data = super().clean()
        if data.get("new_pin") and data.get("new_pin") != data.get("new_pin2"):
            self.add_error("new_pin2", _("Hai mã PIN không khớp."))
        return data


class PayForm(forms.Form):
    amount = forms.IntegerField(label=_("Số tiền (đ)"), min_value=1, max_value=10**11,
                                widget=forms.NumberInput(attrs={"inputmode": "numeric", "autofocus": True}))  # fmt: skip
    method = forms.ChoiceField(
        label=_("Hình thức"),
        choices=[(value, label) for value, label in Payment.Method.choices if value != Payment.Method.WAIVER],
        initial=Payment.Method.CASH,
    )


class WaiveForm(forms.Form):
    # Required, and the field strips spaces: a reason of blanks is no reason.
    reason = forms.CharField(label=_("Lý do miễn"), max_length=300, error_messages={"required": _("Hãy ghi lý do miễn.")},
                             widget=forms.TextInput(attrs={"autofocus": True}))  # fmt: skip
    amount = forms.IntegerField(label=_("Số tiền miễn (đ)"), min_value=1, max_value=10**11, required=False,
                                help_text=_("Để trống để miễn toàn bộ số còn nợ của khoản này."))  # fmt: skip
