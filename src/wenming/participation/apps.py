from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipationConfig(AppConfig):
    name = "wenming.participation"
    verbose_name = _("Citizen participation")

    def ready(self):
        from wenming.participation import signals  # noqa: F401
