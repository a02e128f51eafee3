"""Service coverage data: imported networks and features, the rules, the runs."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class FeatureKind(models.TextChoices):
    PARK = "park", _("park")
    GARDEN = "garden", _("garden")
    PLAYGROUND = "playground", _("playground")
    GREEN = "green", _("green space or pocket park")
    TOILET = "toilet", _("public toilet")
    BIN = "bin", _("litter bin")
    RESIDENTIAL = "residential", _("residential land")
    BUSY = "busy", _("commercial land")
    BUILDING = "building", _("residential building")
    ENTRANCE = "entrance", _("park entrance")
    CANDIDATE = "candidate", _("candidate site")


#: Park green space in the sense of GB/T 51346-2019; which of it serves which
#: radius is decided by the park rules (CoverageRule).
GREEN_KINDS = (FeatureKind.PARK, FeatureKind.GARDEN, FeatureKind.PLAYGROUND, FeatureKind.GREEN)

#: A city list that provides one kind of a group replaces the whole group from
#: OpenStreetMap: the city's own park register is complete, OSM's tags are not.
PRECEDENCE_GROUPS = (
    GREEN_KINDS,
    (FeatureKind.ENTRANCE,),
    (FeatureKind.TOILET,),
    (FeatureKind.BIN,),
    (FeatureKind.RESIDENTIAL,),
    (FeatureKind.BUSY,),
    (FeatureKind.BUILDING,),
    (FeatureKind.CANDIDATE,),
)


class DataSource(models.TextChoices):
    OSM = "osm", _("OpenStreetMap extract")
    GENERATED = "generated", _("generated for the demo")
    CITY = "city", _("city's own list")


class Dataset(models.Model):
    """One import: a street network with its features, or a city's own list."""

    source = models.CharField(_("source"), max_length=16, choices=DataSource.choices)
    file_name = models.CharField(_("file"), max_length=255)
    checksum = models.CharField(_("checksum (SHA-256)"), max_length=64)
    imported_at = models.DateTimeField(_("imported"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("imported by"),
    )
    is_current = models.BooleanField(_("in use"), default=True)
    converted_from_gcj02 = models.BooleanField(_("converted from GCJ-02"), default=False)
    network = models.BinaryField(_("walking network"), null=True, editable=False)
    node_count = models.PositiveIntegerField(_("nodes"), default=0)
    edge_count = models.PositiveIntegerField(_("segments"), default=0)
    boundary = models.JSONField(_("clipped to (GeoJSON)"), null=True, blank=True)
    counts = models.JSONField(_("features by kind"), default=dict)

    class Meta:
        verbose_name = _("coverage dataset")
        verbose_name_plural = _("coverage datasets")
        ordering = ["-imported_at", "-id"]

    def __str__(self):
        return f"{self.get_source_display()} · {self.file_name} · {self.imported_at:%Y-%m-%d %H:%M}"

    @property
    def has_network(self) -> bool:
        return self.source in (DataSource.OSM, DataSource.GENERATED)


class Feature(models.Model):
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="features")
    kind = models.CharField(_("kind"), max_length=16, choices=FeatureKind.choices)
    ref = models.CharField(
        _("reference"), max_length=64, blank=True, help_text=_("OpenStreetMap id or the city's own id")
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    geometry = models.JSONField(_("geometry (GeoJSON, WGS-84)"))
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    area_m2 = models.FloatField(_("area (m²)"), default=0)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)

    class Meta:
        verbose_name = _("coverage feature")
        verbose_name_plural = _("coverage features")
        indexes = [models.Index(fields=["dataset", "kind"], name="coverage_feature_kinds")]

    def __str__(self):
        return self.name or f"{self.get_kind_display()} {self.ref}"


class RuleTarget(models.TextChoices):
    PARK = "park", _("park service radius")
    TOILET = "toilet", _("toilet service radius")
    TOILET_SPACING = "toilet_spacing", _("toilet spacing along streets")
    BIN_SPACING = "bin_spacing", _("litter bin spacing along streets")


class CoverageRule(models.Model):
    """A radius or spacing the city measures against, kept as data.

    Park rules are tiers: green space of at least ``min_area_m2`` serves
    ``distance_m``. Toilet radii apply to a kind of land; spacings to a street class.
    """

    target = models.CharField(_("what"), max_length=16, choices=RuleTarget.choices)
    name = models.CharField(_("name"), max_length=100)
    min_area_m2 = models.FloatField(_("minimum area (m²)"), default=0)
    applies_to = models.CharField(
        _("applies to"),
        max_length=16,
        blank=True,
        help_text=_(
            "land kind for toilet radii (residential, busy); street class for spacings "
            "(main, branch, local, commercial, path)"
        ),
    )
    distance_m = models.FloatField(_("distance (m)"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("coverage rule")
        verbose_name_plural = _("coverage rules")
        ordering = ["target", "order", "id"]

    def __str__(self):
        return f"{self.get_target_display()}: {self.name} {self.distance_m:g} m"

    def clean(self):
        from wenming.coverage.network import STREET_CLASSES

        if self.distance_m is None or self.distance_m <= 0 or self.distance_m > 5000:
            raise ValidationError({"distance_m": _("Give a distance between 1 and 5,000 metres.")})
        if self.min_area_m2 is not None and self.min_area_m2 < 0:
            raise ValidationError({"min_area_m2": _("The minimum area cannot be negative.")})
        if self.target == RuleTarget.TOILET and self.applies_to not in (FeatureKind.RESIDENTIAL, FeatureKind.BUSY):
            raise ValidationError({"applies_to": _("A toilet radius applies to residential or busy land.")})
        if self.target in (RuleTarget.TOILET_SPACING, RuleTarget.BIN_SPACING) and self.applies_to not in STREET_CLASSES:
            raise ValidationError(
                {"applies_to": _("A spacing applies to a street class: %s.") % ", ".join(STREET_CLASSES)}
            )


class Method(models.TextChoices):
    NETWORK = "network", _("walking distance on the street network")
    BUFFER = "buffer", _("straight-line buffer")


class Run(models.Model):
    """One computation, with everything needed to reproduce its figures."""

    created_at = models.DateTimeField(_("computed"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("computed by"),
    )
    methods = models.JSONField(_("methods"), default=list)
    parameters = models.JSONField(_("parameters"), default=dict)
    data_version = models.CharField(_("data version"), max_length=64)
    datasets = models.ManyToManyField(Dataset, related_name="runs", verbose_name=_("datasets"))
    is_generated = models.BooleanField(_("on generated data"), default=False)
    duration_s = models.FloatField(_("duration (s)"), default=0)
    areas = models.JSONField(_("results by area"), default=list)
    parcels = models.JSONField(_("results by parcel"), default=dict)
    gaps = models.JSONField(_("gaps along streets"), default=list)
    candidates = models.JSONField(_("candidate sites"), default=dict)

    class Meta:
        verbose_name = _("coverage run")
        verbose_name_plural = _("coverage runs")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} · {self.data_version[:8]}"
