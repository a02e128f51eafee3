from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GeoConfig(AppConfig):
    name = "wenming.geo"
    label = "geo"
    verbose_name = _("Geography")
    # What the campaign office maintains in the admin (org.services.reference_editors).
    reference_models = ["coveragerule", "dataset", "run"]
