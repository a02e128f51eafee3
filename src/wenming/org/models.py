"""The city's organisation: areas, units, people, their roles and liaison duties."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class TreeNode(models.Model):
    """A node of a tree addressed by a materialised path of codes.

    The path is the codes from the root down, "/"-separated and "/"-terminated,
    so a subtree is a prefix match that an index answers on SQLite and PostgreSQL.
    """

    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    path = models.CharField(_("path"), max_length=400, db_index=True, editable=False)

    class Meta:
        abstract = True
        ordering = ["path"]

    def save(self, *args, **kwargs):
        old_path = self.path
        self.path = self.compute_path()
        super().save(*args, **kwargs)
        if old_path and old_path != self.path:
            # The code or parent changed: rewrite the paths below.
            moved = list(type(self).objects.filter(path__startswith=old_path).exclude(pk=self.pk))
            for node in moved:
                node.path = self.path + node.path[len(old_path) :]
            type(self).objects.bulk_update(moved, ["path"], batch_size=500)

    def compute_path(self) -> str:
        return (self.parent.path if self.parent_id else "") + self.code + "/"

    def descendants(self):
        return type(self).objects.filter(path__startswith=self.path).exclude(pk=self.pk)


class AreaLevel(models.TextChoices):
    CITY = "city", _("City")
    DISTRICT = "district", _("District / county")
    STREET = "street", _("Street / town")
    COMMUNITY = "community", _("Community / village")
    GRID = "grid", _("Grid")


# Depth in the tree and the length of the official code at each level:
# GB/T 2260 (6 digits) for city and district, the statistical division code
# for streets (9) and communities (12), and community code + 3 digits for grids.
LEVEL_ORDER = [AreaLevel.CITY, AreaLevel.DISTRICT, AreaLevel.STREET, AreaLevel.COMMUNITY, AreaLevel.GRID]
CODE_LENGTH = {
    AreaLevel.CITY: 6,
    AreaLevel.DISTRICT: 6,
    AreaLevel.STREET: 9,
    AreaLevel.COMMUNITY: 12,
    AreaLevel.GRID: 15,
}


def parent_level(level: str) -> str | None:
    index = LEVEL_ORDER.index(AreaLevel(level))
    return LEVEL_ORDER[index - 1] if index else None


class Area(TreeNode):
    """A node of the administrative tree with its official code and boundary (WGS-84)."""

    code = models.CharField(_("code"), max_length=15, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=16, choices=AreaLevel.choices)
    boundary = models.JSONField(_("boundary (GeoJSON, WGS-84)"), null=True, blank=True)
    label_lon = models.FloatField(_("label longitude"), null=True, blank=True, editable=False)
    label_lat = models.FloatField(_("label latitude"), null=True, blank=True, editable=False)
    area_km2 = models.FloatField(_("area (km²)"), null=True, blank=True, editable=False)
    is_generated = models.BooleanField(
        _("generated boundary"),
        default=False,
        help_text=_("The boundary was generated for demonstration; it is not an official boundary."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta(TreeNode.Meta):
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        indexes = [models.Index(fields=["level", "path"])]

    scope_area = "path"
    scope_unit = None

    def __str__(self):
        return self.name

    @property
    def depth(self) -> int:
        return LEVEL_ORDER.index(AreaLevel(self.level))

    def ancestors(self) -> list["Area"]:
        """From the root down to the parent, in one query."""
        codes = self.path.strip("/").split("/")[:-1]
        by_code = {a.code: a for a in Area.objects.filter(code__in=codes)}
        return [by_code[c] for c in codes if c in by_code]


class UnitKind(models.TextChoices):
    LEADING_GROUP = "leading_group", _("Leading group")
    CAMPAIGN_OFFICE = "campaign_office", _("Campaign office")
    SPECIAL_GROUP = "special_group", _("Special working group")
    DEPARTMENT = "department", _("Functional department")
    DISTRICT_GOVERNMENT = "district_government", _("District / county government")
    STREET_OFFICE = "street_office", _("Street office / town government")
    COMMUNITY = "community", _("Community / village committee")


# Units whose duty is a territory see what happens in it; functional units
# (departments, special groups) see what is assigned to them.
TERRITORIAL_KINDS = {
    UnitKind.LEADING_GROUP,
    UnitKind.CAMPAIGN_OFFICE,
    UnitKind.DISTRICT_GOVERNMENT,
    UnitKind.STREET_OFFICE,
    UnitKind.COMMUNITY,
}


class Unit(TreeNode):
    """A responsible unit (责任单位)."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=32, choices=UnitKind.choices)
    area = models.ForeignKey(Area, verbose_name=_("jurisdiction"), on_delete=models.PROTECT, related_name="units")
    member_units = models.ManyToManyField(
        "self",
        verbose_name=_("member units"),
        symmetrical=False,
        blank=True,
        related_name="special_groups",
        help_text=_("For a special working group: the units it supervises."),
    )
    phone = models.CharField(_("office phone"), max_length=32, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta(TreeNode.Meta):
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    scope_area = "area__path"
    scope_unit = "path"

    def __str__(self):
        return self.name

    @property
    def is_territorial(self) -> bool:
        return self.kind in TERRITORIAL_KINDS


class Role(models.TextChoices):
    CAMPAIGN_ADMIN = "campaign_admin", _("Campaign office admin")
    GROUP_LEAD = "group_lead", _("Special group lead")
    UNIT_LEADER = "unit_leader", _("Unit leader")
    HANDLER = "handler", _("Unit handler")
    INSPECTOR = "inspector", _("Inspector")
    GRID_WORKER = "grid_worker", _("Grid worker")
    VOLUNTEER = "volunteer", _("Volunteer")
    CITIZEN = "citizen", _("Citizen")


# Roles that work in the back office, always for a unit.
STAFF_ROLES = {
    Role.CAMPAIGN_ADMIN,
    Role.GROUP_LEAD,
    Role.UNIT_LEADER,
    Role.HANDLER,
    Role.INSPECTOR,
    Role.GRID_WORKER,
}


class Profile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    real_name = models.CharField(_("real name"), max_length=50)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    acting = models.ForeignKey(
        "Membership",
        verbose_name=_("acting for"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self):
        return self.real_name


class Membership(models.Model):
    """A person's role in a unit. A person may hold several and acts for one at a time."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    # A grid worker patrols one grid; other roles leave it empty.
    area = models.ForeignKey(
        Area,
        verbose_name=_("assigned area"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    position = models.CharField(_("position"), max_length=50, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="org_membership_unique"),
            models.CheckConstraint(
                condition=Q(unit__isnull=False) | Q(role__in=["volunteer", "citizen"]),
                name="org_membership_staff_has_unit",
            ),
        ]

    scope_area = "unit__area__path"
    scope_unit = "unit__path"

    def __str__(self):
        unit = self.unit.name if self.unit_id else ""
        return f"{unit} · {self.get_role_display()}".strip(" ·")


class Liaison(models.Model):
    """包联: a leader answers for an area or a unit."""

    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("leader"),
        on_delete=models.CASCADE,
        related_name="liaisons",
    )
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.CASCADE, null=True, blank=True)
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, null=True, blank=True)
    duty = models.CharField(_("duty"), max_length=200, blank=True)
    starts_on = models.DateField(_("from"), null=True, blank=True)
    ends_on = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("liaison assignment")
        verbose_name_plural = _("liaison assignments")
        constraints = [
            models.CheckConstraint(
                condition=(Q(area__isnull=False) & Q(unit__isnull=True))
                | (Q(area__isnull=True) & Q(unit__isnull=False)),
                name="org_liaison_area_xor_unit",
            )
        ]

    def __str__(self):
        return f"{self.leader} → {self.area or self.unit}"


class ApiToken(models.Model):
    """A token for apps using the JSON API. Only its hash is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=80)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"
