from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipationConfig(AppConfig):
    name = "wenming.participation"
    verbose_name = _("Citizen participation")
    # What the campaign office maintains in the admin (org.services.reference_editors).
    reference_models = ["pointrule", "portalsettings", "suggestiontopic", "pointentry"]

    def ready(self):
        from wenming.participation import signals  # noqa: F401
