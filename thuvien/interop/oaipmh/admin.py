from django.contrib import admin

from thuvien.interop.oaipmh.models import HarvestedRecord, HarvestRun, HarvestSource


@admin.register(HarvestSource)
class HarvestSourceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "library", "metadata_prefix", "interval_hours", "active", "allow_private"]
    list_filter = ["active", "metadata_prefix", "allow_private"]
    search_fields = ["code", "name", "base_url"]
    raw_id_fields = ["library"]
    readonly_fields = ["last_response_date", "created_at", "updated_at"]


@admin.register(HarvestRun)
class HarvestRunAdmin(admin.ModelAdmin):
    list_display = ["source", "started_at", "mode", "status", "pages", "received", "imported", "rejected"]
    list_filter = ["status", "mode"]
    raw_id_fields = ["source", "actor"]
    # The report of what happened: not edited by hand.
    readonly_fields = [f.name for f in HarvestRun._meta.fields]


@admin.register(HarvestedRecord)
class HarvestedRecordAdmin(admin.ModelAdmin):
    list_display = ["identifier", "source", "datestamp", "record", "deleted"]
    list_filter = ["deleted", "source"]
    search_fields = ["identifier"]
    raw_id_fields = ["source", "record", "run"]
