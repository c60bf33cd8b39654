from django.contrib import admin

from thuvien.reports import models


@admin.register(models.Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "source", "unit", "aggregation", "programme", "active", "position")
    list_filter = ("programme", "active", "unit")
    search_fields = ("code", "name")


@admin.register(models.IndicatorTarget)
class IndicatorTargetAdmin(admin.ModelAdmin):
    list_display = ("indicator", "province", "year", "value")
    list_filter = ("year", "province")


@admin.register(models.IndicatorValue)
class IndicatorValueAdmin(admin.ModelAdmin):
    list_display = ("indicator", "library", "year", "numerator", "denominator", "origin", "computed_at")
    list_filter = ("year", "origin", "indicator")
    search_fields = ("library__code", "library__name")
    raw_id_fields = ("library",)


@admin.register(models.StatisticsReport)
class StatisticsReportAdmin(admin.ModelAdmin):
    list_display = ("library", "period_kind", "year", "quarter", "status", "submitted_at", "decided_at")
    list_filter = ("status", "period_kind", "year")
    search_fields = ("library__code", "library__name")
    # Reports change only through their workflow (submit, return, approve) in the staff pages.
    readonly_fields = (
        "status",
        "figures",
        "prefilled",
        "submitted_by",
        "submitted_at",
        "decided_by",
        "decided_at",
    )


@admin.register(models.InspectionRound)
class InspectionRoundAdmin(admin.ModelAdmin):
    list_display = ("title", "authority", "year", "opens_on", "due_on", "status")
    list_filter = ("status", "year")


@admin.register(models.StaffMember)
class StaffMemberAdmin(admin.ModelAdmin):
    list_display = ("full_name", "library", "position", "library_trained", "employed_from", "employed_to")
    search_fields = ("full_name", "library__code")
    raw_id_fields = ("library", "user")


@admin.register(models.TrainingCourse)
class TrainingCourseAdmin(admin.ModelAdmin):
    list_display = ("title", "organiser", "kind", "starts_on", "ends_on")
    list_filter = ("kind",)


@admin.register(models.LibraryProfile)
class LibraryProfileAdmin(admin.ModelAdmin):
    list_display = ("library", "founded_year", "floor_area_m2", "seats")
    raw_id_fields = ("library",)
