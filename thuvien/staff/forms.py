from django import forms
from django.utils.translation import gettext_lazy as _

from thuvien.catalog.models import Item
from thuvien.interop.marc import ENCODINGS


class ItemForm(forms.ModelForm):
    class Meta:
        model = Item
        fields = ["barcode", "library", "current_library", "location", "call_number", "item_type", "status",
                  "price", "acquired_on"]  # fmt: skip
        widgets = {"acquired_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, libraries=None, **kwargs):
        super().__init__(*args, **kwargs)
        if libraries is not None:
            self.fields["library"].queryset = libraries
            self.fields["current_library"].queryset = libraries.model.objects.filter(active=True)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Tệp MARC (ISO 2709 hoặc MARCXML)"))
    library = forms.ModelChoiceField(queryset=None, label=_("Thư viện"))
    encoding = forms.ChoiceField(
        choices=[(c, c) for c in ENCODINGS],
        initial="auto",
        label=_("Bảng mã"),
        help_text=_("«auto» nhận biết UTF-8, MARC-8 và các bảng mã cũ (TCVN3, VNI…) kèm báo cáo thay đổi."),
    )

    def __init__(self, *args, libraries=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["library"].queryset = libraries
