"""The portal's reference data, kept by the campaign office: points rules, portal settings, suggestion topics.
Citizens' content changes only through the portal's own pages and services."""

from django.contrib import admin

from wenming.participation.models import PointEntry, PointRule, PortalSettings, SuggestionTopic


@admin.register(PointRule)
class PointRuleAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "points", "daily_limit", "is_active"]
    list_editable = ["points", "daily_limit", "is_active"]

    def get_readonly_fields(self, request, obj=None):
        # The services award points by code: a new rule needs code, an existing one keeps it.
        return ["code"] if obj is not None else []


@admin.register(PortalSettings)
class PortalSettingsAdmin(admin.ModelAdmin):
    list_display = [
        "premoderate_suggestions",
        "support_threshold",
        "reply_working_days",
        "suggestion_reply_days_limit",
        "flags_to_hide",
    ]

    def has_add_permission(self, request):
        return not PortalSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SuggestionTopic)
class SuggestionTopicAdmin(admin.ModelAdmin):
    list_display = ["name", "responsible_unit", "order", "is_active"]
    list_editable = ["order", "is_active"]
    autocomplete_fields = ["responsible_unit"]


@admin.register(PointEntry)
class PointEntryAdmin(admin.ModelAdmin):
    """The ledger, to look up; entries are written only by the points service."""

    list_display = ["created_at", "citizen", "rule", "points", "balance", "reason", "ref"]
    list_filter = ["rule"]
    search_fields = ["citizen__nickname", "citizen__phone", "ref"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
