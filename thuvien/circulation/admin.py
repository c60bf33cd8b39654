from django.contrib import admin

from thuvien.circulation.models import CirculationRule, Closure


@admin.register(CirculationRule)
class CirculationRuleAdmin(admin.ModelAdmin):
    list_display = [
        "library",
        "category",
        "item_type",
        "loan_days",
        "renewals",
        "max_loans_total",
        "fine_per_day",
    ]
    list_filter = ["library", "category"]


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    list_display = ["library", "date", "weekday", "reason"]
    list_filter = ["library"]
