"""Open311 GeoReport v2: client applications, extra questions per service, and the
link from a request made through Open311 to its case (with the private contact data)."""

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

ATTRIBUTE_CODE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


class ClientApp(models.Model):
    """An application allowed to post requests (a city app, a WeChat mini-program …).

    Its API key is shown once when it is made; only the key's SHA-256 is kept."""

    name = models.CharField(_("name"), max_length=100)
    contact = models.CharField(
        _("contact"), max_length=200, blank=True, help_text=_("Who runs the application, and how to reach them.")
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("key prefix"), max_length=12, editable=False, db_index=True)
    per_minute = models.PositiveIntegerField(
        _("requests per minute"),
        default=60,
        help_text=_("At most this many requests per minute with this key; 0 for no limit."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("Open311 client application")
        verbose_name_plural = _("Open311 client applications")
        ordering = ["name", "id"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def usable(self) -> bool:
        return self.is_active and self.revoked_at is None


class Datatype(models.TextChoices):
    STRING = "string", _("Short text")
    NUMBER = "number", _("Number")
    DATETIME = "datetime", _("Date and time")
    TEXT = "text", _("Long text")
    SINGLE = "singlevaluelist", _("One choice from a list")
    MULTI = "multivaluelist", _("Several choices from a list")


LIST_DATATYPES = {Datatype.SINGLE, Datatype.MULTI}


class ServiceAttribute(models.Model):
    """An extra question of a service (a case subclass), answered in attribute[CODE]."""

    category = models.ForeignKey(
        "cases.Category",
        verbose_name=_("category"),
        on_delete=models.CASCADE,
        related_name="open311_attributes",
        limit_choices_to={"parent__isnull": False},
    )
    code = models.CharField(_("code"), max_length=40, help_text=_("Letters, digits, - and _; sent as attribute[CODE]."))
    variable = models.BooleanField(
        _("asks for a value"), default=True, help_text=_("Off for a note shown to the reporter that takes no answer.")
    )
    datatype = models.CharField(_("datatype"), max_length=16, choices=Datatype.choices, default=Datatype.STRING)
    required = models.BooleanField(_("required"), default=False)
    datatype_description = models.CharField(_("format hint"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    description = models.CharField(_("question"), max_length=200)
    values = models.JSONField(
        _("choices"),
        default=list,
        blank=True,
        help_text=_('For list datatypes: [{"key": "…", "name": "…"}, …].'),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("service attribute")
        verbose_name_plural = _("service attributes")
        ordering = ["category", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["category", "code"], name="open311_attribute_code")]

    def __str__(self):
        return f"{self.category.kind}{self.category.code} {self.code}"

    def keys(self) -> list[str]:
        return [str(v["key"]) for v in self.values or []]

    def clean(self):
        problems = {}
        if not ATTRIBUTE_CODE.match(self.code or ""):
            problems["code"] = _("Use 1 to 40 letters, digits, - or _.")
        if self.category_id and self.category.parent_id is None:
            problems["category"] = _("Choose a subclass.")
        values = self.values or []
        if self.datatype in LIST_DATATYPES:
            well_formed = isinstance(values, list) and all(
                isinstance(v, dict) and str(v.get("key", "")).strip() and str(v.get("name", "")).strip() for v in values
            )
            if not values or not well_formed:
                problems["values"] = _('Give the choices as [{"key": "…", "name": "…"}, …].')
            elif len({str(v["key"]) for v in values}) != len(values):
                problems["values"] = _("Each choice needs its own key.")
        elif values:
            problems["values"] = _("Only list datatypes have choices.")
        if problems:
            raise ValidationError(problems)


class Open311Request(models.Model):
    """A case reported through Open311: its token and the reporter's private data.

    Nothing here except the token is ever sent back through the interface."""

    token = models.CharField(_("token"), max_length=40, unique=True)
    case = models.OneToOneField("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="open311")
    client = models.ForeignKey(
        ClientApp, verbose_name=_("client application"), on_delete=models.SET_NULL, null=True, related_name="requests"
    )
    email = models.CharField(_("e-mail"), max_length=254, blank=True)
    device_id = models.CharField(_("device id"), max_length=100, blank=True)
    account_id = models.CharField(_("account id"), max_length=100, blank=True)
    first_name = models.CharField(_("first name"), max_length=50, blank=True)
    last_name = models.CharField(_("last name"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    media_url = models.CharField(_("media URL sent by the client"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 request")
        verbose_name_plural = _("Open311 requests")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.token
