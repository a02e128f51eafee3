from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoverageConfig(AppConfig):
    name = "wenming.coverage"
    label = "coverage"
    verbose_name = _("Service coverage")
    # What the campaign office maintains in the admin (org.services.reference_editors).
    reference_models = ["coveragerule", "dataset", "run"]
