from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Open311Config(AppConfig):
    name = "wenming.open311"
    label = "open311"
    verbose_name = _("Open311 interface")
    # What the campaign office maintains in the admin (org.services.reference_editors).
    reference_models = ["clientapp", "serviceattribute"]
