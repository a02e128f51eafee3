from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "wenming.cases"
    label = "cases"
    verbose_name = _("Cases")
    # What the campaign office maintains in the admin; cases themselves change only through their actions.
    reference_models = ["category", "routingrule"]

    def ready(self):
        from wenming.cases import signals  # noqa: F401
