from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "wenming.org"
    label = "org"
    verbose_name = _("Organisation")
    # What the campaign office maintains in the admin (org.services.reference_editors).
    reference_models = ["area", "unit", "membership", "profile", "liaison", "apitoken"]

    def ready(self):
        from wenming.org import signals  # noqa: F401
