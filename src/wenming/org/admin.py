from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wenming.org.models import ApiToken, Area, Liaison, Membership, Profile, Unit

admin.site.site_header = _("Civilized City Platform · reference data")
admin.site.site_title = _("Civilized City Platform")
admin.site.index_title = _("Reference data")


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "area_km2", "is_generated"]
    list_filter = ["level", "is_generated"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["path", "label_lon", "label_lat", "area_km2", "updated_at"]
    list_per_page = 50

    def get_queryset(self, request):
        return super().get_queryset(request).defer("boundary")


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["unit", "area"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "area", "parent", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name", "short_name"]
    list_select_related = ["area", "parent"]
    autocomplete_fields = ["area", "parent"]
    filter_horizontal = ["member_units"]
    readonly_fields = ["path"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "unit", "role", "area", "position", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__username", "user__profile__real_name", "unit__name"]
    list_select_related = ["user", "unit", "area"]
    autocomplete_fields = ["user", "unit", "area"]


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["real_name", "user", "acting"]
    search_fields = ["real_name", "user__username"]
    autocomplete_fields = ["user"]
    raw_id_fields = ["acting"]


@admin.register(Liaison)
class LiaisonAdmin(admin.ModelAdmin):
    list_display = ["leader", "area", "unit", "duty", "starts_on", "ends_on"]
    search_fields = ["leader__username", "leader__profile__real_name", "duty"]
    autocomplete_fields = ["leader", "area", "unit"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created with `wenming token create`; here they are listed and revoked."""

    list_display = ["prefix", "name", "user", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["prefix", "name", "user__username"]
    readonly_fields = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    exclude = ["key_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        messages.success(request, _("%d tokens revoked.") % count)
