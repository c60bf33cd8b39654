from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from thuvien.accounts.models import StaffRole, User


class StaffRoleInline(admin.TabularInline):
    model = StaffRole
    extra = 1
    autocomplete_fields = ["library"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [StaffRoleInline]
