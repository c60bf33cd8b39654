from django.contrib import admin

from thuvien.interop.copycat.models import CopyTarget, FetchedRecord


@admin.register(CopyTarget)
class CopyTargetAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "protocol", "address", "charset", "library", "enabled", "allow_private"]
    list_filter = ["protocol", "enabled", "charset", "allow_private"]
    search_fields = ["code", "name", "host", "sru_url"]
    raw_id_fields = ["library"]
    readonly_fields = ["created_at", "updated_at"]
    # The password is never shown back: it is set on the staff page (Biên mục sao chép › Máy chủ).
    exclude = ["password"]


@admin.register(FetchedRecord)
class FetchedRecordAdmin(admin.ModelAdmin):
    list_display = ["target_code", "position", "user", "created_at", "record"]
    raw_id_fields = ["user", "target", "record"]
    # What a search brought back: looked at, never edited.
    readonly_fields = [f.name for f in FetchedRecord._meta.fields]
