"""Forms of the staff pages of the digital library: they parse input; the actions decide and write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from thuvien.digital.actions import allowed_collections, toc_text
from thuvien.digital.models import AccessLevel, Rights, Stage

# DCMI Type Vocabulary terms a library digitises.
DC_TYPES = [
    ("", "—"),
    ("Text", _("Văn bản (sách, báo, tài liệu)")),
    ("StillImage", _("Ảnh")),
    ("Image", _("Hình ảnh, bản đồ")),
    ("Collection", _("Sưu tập")),
    ("Sound", _("Âm thanh")),
    ("MovingImage", _("Phim, video")),
    ("PhysicalObject", _("Hiện vật")),
]
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _lines(value: str) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


class DublinCoreForm(forms.Form):
    """The Dublin Core of a standalone object (creators and subjects one per line)."""

    title = forms.CharField(label=_("Nhan đề"), max_length=500, required=False)
    creator = forms.CharField(
        label=_("Tác giả"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Mỗi dòng một người hoặc cơ quan, viết theo thứ tự thuận: Nguyễn Văn An."),
    )  # fmt: skip
    subject = forms.CharField(
        label=_("Chủ đề"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Mỗi dòng một chủ đề."),
    )  # fmt: skip
    date = forms.CharField(label=_("Thời gian"), max_length=100, required=False,
                           help_text=_("Năm hoặc ngày tháng, ví dụ 1938 hay năm Bảo Đại thứ 13."))  # fmt: skip
    publisher = forms.CharField(label=_("Nơi xuất bản, lưu hành"), max_length=500, required=False)
    description = forms.CharField(
        label=_("Tóm tắt, mô tả"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    language = forms.CharField(label=_("Ngôn ngữ"), max_length=3, required=False, initial="vie",
                               help_text=_("Mã ISO 639-2: vie (tiếng Việt), chi (chữ Hán), fre (tiếng Pháp)."))  # fmt: skip
    type = forms.ChoiceField(label=_("Loại hình"), choices=DC_TYPES, required=False)
    coverage = forms.CharField(label=_("Địa danh, thời kỳ"), max_length=500, required=False)

    def dc(self) -> dict:
        """The cleaned data as Dublin Core (actions.clean_dc keeps the shape)."""
        data = self.cleaned_data
        dc = {
            k: data.get(k, "")
            for k in ("title", "date", "publisher", "description", "language", "type", "coverage")
        }
        dc["creator"] = _lines(data.get("creator", ""))
        dc["subject"] = _lines(data.get("subject", ""))
        return dc

    @staticmethod
    def initial_from(dc: dict) -> dict:
        initial = {k: v for k, v in (dc or {}).items() if isinstance(v, str)}
        for key in ("creator", "subject"):
            initial[key] = "\n".join((dc or {}).get(key) or [])
        return initial


class AccessForm(forms.Form):
    access = forms.ChoiceField(label=_("Mức truy cập"), choices=AccessLevel.choices, widget=forms.RadioSelect)
    embargo_until = forms.DateField(
        label=_("Hạn chế đến ngày"), required=False, widget=DATE_INPUT,
        help_text=_("Trước ngày này, tài liệu bị ẩn với công chúng như tài liệu mật; đến ngày này tự động mở."),
    )  # fmt: skip
    rights = forms.ChoiceField(label=_("Tình trạng bản quyền"), choices=Rights.choices)
    rights_note = forms.CharField(label=_("Ghi chú bản quyền"), max_length=500, required=False)


class ObjectForm(DublinCoreForm, AccessForm):
    """A new object: standalone (Dublin Core) or linked to a catalogue record; where, access, collections."""

    KIND_CHOICES = [
        ("standalone", _("Tài liệu độc lập (mô tả bằng Dublin Core)")),
        ("linked", _("Liên kết với một biểu ghi thư mục có sẵn")),
    ]
    kind = forms.ChoiceField(label=_("Cách mô tả"), choices=KIND_CHOICES, initial="standalone",
                             widget=forms.RadioSelect)  # fmt: skip
    record = forms.IntegerField(label=_("Số biểu ghi"), min_value=1, required=False)
    library = forms.ModelChoiceField(label=_("Thư viện"), queryset=None, empty_label=None)
    collections = forms.ModelMultipleChoiceField(
        label=_("Bộ sưu tập"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    field_order = ["kind", "record", "library", "title", "creator", "subject", "date", "publisher", "description",
                   "language", "type", "coverage", "access", "embargo_until", "rights", "rights_note", "collections"]  # fmt: skip

    def __init__(self, *args, libraries, collections, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["library"].queryset = libraries
        self.fields["collections"].queryset = collections
        self.fields["access"].initial = AccessLevel.SECRET
        self.fields["rights"].initial = Rights.CNE

    def clean(self):
        data = super().clean()
        if data.get("kind") == "linked" and not data.get("record"):
            self.add_error("record", _("Hãy nhập số biểu ghi (hoặc tìm biểu ghi bên dưới)."))
        if data.get("kind") == "standalone" and not (data.get("title") or "").strip():
            self.add_error("title", _("Tài liệu số độc lập cần có nhan đề."))
        return data


class RecordLinkForm(forms.Form):
    record = forms.IntegerField(label=_("Số biểu ghi"), min_value=1)


class TitleForm(forms.Form):
    title = forms.CharField(
        label=_("Nhan đề hiển thị"), max_length=500, required=False,
        help_text=_("Để trống để dùng nhan đề của biểu ghi."),
    )  # fmt: skip


class CollectionsForm(forms.Form):
    collections = forms.ModelMultipleChoiceField(
        label=_("Bộ sưu tập"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, obj, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["collections"].queryset = allowed_collections(obj.library).order_by("name")
        if not self.is_bound:
            self.initial["collections"] = list(obj.collections.values_list("pk", flat=True))


class TocForm(forms.Form):
    toc = forms.CharField(
        label=_("Mục lục"), required=False, widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Mỗi dòng một mục: tên mục, dấu |, rồi số thứ tự trang. Ví dụ: Chương 1. Hoa Lư | 5"),
    )  # fmt: skip

    @staticmethod
    def initial_from(toc) -> dict:
        return {"toc": toc_text(toc)}


class StageForm(forms.Form):
    to = forms.ChoiceField(choices=Stage.choices)
    note = forms.CharField(label=_("Ghi chú"), max_length=500, required=False)


class ListFilterForm(forms.Form):
    q = forms.CharField(label=_("Nhan đề hoặc số"), max_length=200, required=False)
    stage = forms.ChoiceField(
        label=_("Giai đoạn"), choices=[("", _("Tất cả"))] + Stage.choices, required=False
    )
    access = forms.ChoiceField(label=_("Mức truy cập"), choices=[("", _("Tất cả"))] + AccessLevel.choices,
                               required=False)  # fmt: skip
    library = forms.ModelChoiceField(
        label=_("Thư viện"), queryset=None, required=False, empty_label=_("Tất cả")
    )
    collection = forms.ModelChoiceField(label=_("Bộ sưu tập"), queryset=None, required=False,
                                        empty_label=_("Tất cả"))  # fmt: skip

    def __init__(self, *args, libraries, collections, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["library"].queryset = libraries
        self.fields["collection"].queryset = collections


class StatsForm(forms.Form):
    library = forms.ModelChoiceField(label=_("Thư viện"), queryset=None, required=False, empty_label=None)
    year = forms.IntegerField(label=_("Năm"), min_value=1900, max_value=2200, required=False)

    def __init__(self, *args, libraries, network_wide: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["library"].queryset = libraries
        if network_wide:  # a superuser may count the whole network at once
            self.fields["library"].empty_label = _("Toàn mạng lưới")
