"""Coverage rules are the city's to set; datasets and runs are looked up here
and changed only by the import and run commands (and the coverage page)."""

from django.contrib import admin

from wenming.coverage.models import CoverageRule, Dataset, Run


@admin.register(CoverageRule)
class CoverageRuleAdmin(admin.ModelAdmin):
    list_display = ["target", "name", "min_area_m2", "applies_to", "distance_m", "order", "is_active"]
    list_editable = ["distance_m", "is_active"]
    list_filter = ["target", "is_active"]


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = ["imported_at", "source", "file_name", "node_count", "edge_count", "is_current", "checksum"]
    list_filter = ["source", "is_current"]
    readonly_fields = [
        "source",
        "file_name",
        "checksum",
        "imported_at",
        "imported_by",
        "converted_from_gcj02",
        "node_count",
        "edge_count",
        "counts",
    ]
    exclude = ["boundary"]

    def has_add_permission(self, request):
        return False


@admin.register(Run)
class RunAdmin(admin.ModelAdmin):
    list_display = ["created_at", "created_by", "data_version", "is_generated", "duration_s"]
    readonly_fields = [
        "created_at",
        "created_by",
        "methods",
        "parameters",
        "data_version",
        "is_generated",
        "duration_s",
    ]
    exclude = ["areas", "parcels", "gaps", "candidates", "datasets"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
