"""The digital library in the Django admin: for superusers to look; changes go through the staff pages.

Access, stage, record links and pages are read-only here: a change made in the admin would skip
actions.py (the audit entry, the surrogate record's suppression, the search index, the IIIF cache).
"""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from thuvien.digital import actions
from thuvien.digital.exceptions import DigitalError
from thuvien.digital.models import CopyFeeRule, CopyRequest, DigitalObject, Page, StageChange

# The OCR's raw output is long and for machines; the page text is what a person reads.
OCR_RAW = ["hocr", "alto", "words"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PageInline(admin.TabularInline):
    model = Page
    fields = ["seq", "label", "width", "height", "access_override", "ocr_status", "corrected_at"]
    readonly_fields = fields
    extra = 0
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DigitalObject)
class DigitalObjectAdmin(ReadOnlyAdmin):
    list_display = ["id", "title", "library", "stage", "access", "embargo_until", "page_count", "owns_record",
                    "staff_page"]  # fmt: skip
    list_filter = ["stage", "access", "owns_record", "library"]
    search_fields = ["title", "=id", "=record__id"]
    list_select_related = ["library"]
    readonly_fields = [f.name for f in DigitalObject._meta.fields] + ["staff_page"]
    inlines = [PageInline]
    actions = ["delete_through_the_digital_library", "resync_visibility"]

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    @admin.display(description=_("trang nghiệp vụ"))
    def staff_page(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("staff_digital:detail", args=[obj.pk]), _("Mở"))

    @admin.action(description=_("Xoá các tài liệu số đã chọn (cùng tệp và biểu ghi thay thế)"))
    def delete_through_the_digital_library(self, request, queryset):
        done = 0
        for obj in queryset:
            try:
                actions.delete_object(obj, actor=request.user)
            except DigitalError as exc:
                self.message_user(request, f"{obj.title}: {exc}", messages.ERROR)
            else:
                done += 1
        self.message_user(request, _("Đã xoá %(n)s tài liệu số.") % {"n": done})

    @admin.action(description=_("Đồng bộ lại mức hiển thị công khai"))
    def resync_visibility(self, request, queryset):
        for obj in queryset:
            actions.sync_visibility(obj)
        self.message_user(request, _("Đã đồng bộ %(n)s tài liệu số.") % {"n": queryset.count()})

    def get_actions(self, request):
        # The actions go through actions.py, so they are allowed although the rows are read-only here.
        found = super().get_actions(request)
        return found if request.user.is_superuser else {}


@admin.register(Page)
class PageAdmin(ReadOnlyAdmin):
    list_display = ["object", "seq", "label", "access_override", "ocr_status", "ocr_confidence"]
    list_filter = ["ocr_status", "access_override"]
    search_fields = ["=object__id", "object__title"]
    list_select_related = ["object"]
    exclude = OCR_RAW
    readonly_fields = [f.name for f in Page._meta.fields if f.name not in OCR_RAW]


@admin.register(StageChange)
class StageChangeAdmin(ReadOnlyAdmin):
    list_display = ["at", "object", "from_stage", "to_stage", "actor", "note"]
    list_filter = ["to_stage"]
    search_fields = ["=object__id", "object__title"]
    list_select_related = ["object", "actor"]


@admin.register(CopyRequest)
class CopyRequestAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "object", "reader", "pages_text", "status", "fee_amount", "downloads"]
    list_filter = ["status"]
    search_fields = ["=object__id", "reader__card"]
    list_select_related = ["object", "reader"]


@admin.register(CopyFeeRule)
class CopyFeeRuleAdmin(admin.ModelAdmin):
    list_display = ["library", "per_page", "restricted_per_page", "minimum", "max_pages", "days_valid"]
