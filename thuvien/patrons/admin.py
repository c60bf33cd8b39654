from django.contrib import admin

from thuvien.patrons.models import ReaderCategory


@admin.register(ReaderCategory)
class ReaderCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "card_months", "self_registration"]
