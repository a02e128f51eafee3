from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from wenming.open311 import keys
from wenming.open311.models import ClientApp, Open311Request, ServiceAttribute


@admin.register(ClientApp)
class ClientAppAdmin(admin.ModelAdmin):
    """The campaign office registers client applications here; the key is shown once, on creation."""

    list_display = ["name", "prefix", "contact", "per_minute", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "prefix", "contact"]
    fields = ["name", "contact", "per_minute", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def save_model(self, request, obj, form, change):
        key = None
        if not change:
            key = keys.issue(obj)
        super().save_model(request, obj, form, change)
        if key:
            messages.warning(
                request,
                _(
                    "The API key of “%(name)s” is %(key)s — copy it now: it is shown only this once. "
                    "Only its hash is kept; a lost key can only be revoked and replaced."
                )
                % {"name": obj.name, "key": key},
            )

    @admin.action(description=_("Revoke the keys of the selected applications"))
    def revoke(self, request, queryset):
        count = 0
        for app in queryset.filter(revoked_at__isnull=True):
            keys.revoke(app)
            count += 1
        messages.success(request, _("%d keys revoked.") % count)


class ServiceAttributeForm(forms.ModelForm):
    class Meta:
        model = ServiceAttribute
        fields = [
            "category",
            "code",
            "variable",
            "datatype",
            "required",
            "datatype_description",
            "order",
            "description",
            "values",
        ]
        widgets = {"values": forms.Textarea(attrs={"rows": 4, "cols": 60})}


@admin.register(ServiceAttribute)
class ServiceAttributeAdmin(admin.ModelAdmin):
    form = ServiceAttributeForm
    list_display = ["category", "code", "description", "datatype", "required", "order", "variable"]
    list_filter = ["datatype", "required"]
    search_fields = ["code", "description", "category__name"]
    list_select_related = ["category"]
    ordering = ["category__kind", "category__code", "order"]


@admin.register(Open311Request)
class Open311RequestAdmin(admin.ModelAdmin):
    """Read only: who reported a case through which application, to call them back."""

    list_display = ["token", "case", "client", "created_at"]
    search_fields = ["token", "case__number", "account_id", "device_id"]
    list_select_related = ["case", "client"]
    readonly_fields = [f.name for f in Open311Request._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
