from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkdaysConfig(AppConfig):
    name = "wenming.workdays"
    label = "workdays"
    verbose_name = _("Working calendar")
    # What the campaign office maintains in the admin (org.services.reference_editors).
    reference_models = ["holiday", "calendaryear"]

    def ready(self):
        from wenming.workdays import signals  # noqa: F401
