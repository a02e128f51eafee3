from django.contrib import admin

from wenming.cases.models import Case, Category, RoutingRule


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = [
        "kind",
        "code",
        "name",
        "parent",
        "time_limit",
        "time_unit",
        "responsible_unit_type",
        "citizen_reportable",
        "is_active",
    ]
    list_filter = ["kind", "time_unit", "citizen_reportable", "is_active"]
    search_fields = ["code", "name", "plain_name"]
    list_select_related = ["parent"]
    ordering = ["kind", "code"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["category", "area", "unit", "auto_dispatch", "is_active", "note"]
    list_filter = ["auto_dispatch", "is_active", "category__kind"]
    search_fields = ["category__name", "area__name", "unit__name", "note"]
    autocomplete_fields = ["area", "unit"]
    list_select_related = ["category", "area", "unit"]


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Read-only: cases change only through their actions in the back office."""

    list_display = ["number", "category", "status", "district", "assigned_unit", "created_at", "deadline"]
    list_filter = ["status", "source", "kind"]
    search_fields = ["number"]
    list_select_related = ["category", "district", "assigned_unit"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
