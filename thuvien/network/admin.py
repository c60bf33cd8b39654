from django.contrib import admin

from thuvien.network.models import AdminUnit, Library


@admin.register(Library)
class LibraryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "name", "address"]
    autocomplete_fields = ["parent", "admin_unit", "admin_unit_previous"]


@admin.register(AdminUnit)
class AdminUnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "scheme", "valid_from", "valid_to"]
    list_filter = ["scheme", "level"]
    search_fields = ["code", "name"]
