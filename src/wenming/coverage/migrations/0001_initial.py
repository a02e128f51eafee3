"""Service coverage, as it was built under the app label "geo": the same tables, and the
default rules (300米见绿、500米入园 after GB/T 51346-2019, toilet radii and spacings after
CJJ 14-2016, litter bin spacing by street class). An installation that applied geo's two
migrations has applied this one; 0002 gives the tables their own names."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

DEFAULT_RULES = [
    # target, name, min_area_m2, applies_to, distance_m, order
    ("park", "绿地与口袋公园（≥400 m²）", 400, "", 300, 1),
    ("park", "公园（≥1 ha）", 10000, "", 500, 2),
    ("toilet", "繁华地区", 0, "busy", 300, 1),
    ("toilet", "居住区", 0, "residential", 500, 2),
    ("toilet_spacing", "商业街", 0, "commercial", 400, 1),
    ("toilet_spacing", "主干道", 0, "main", 600, 2),
    ("bin_spacing", "商业街", 0, "commercial", 50, 1),
    ("bin_spacing", "主干道", 0, "main", 100, 2),
]


def seed(apps, schema_editor):
    CoverageRule = apps.get_model("coverage", "CoverageRule")
    for target, name, min_area, applies_to, distance, order in DEFAULT_RULES:
        CoverageRule.objects.get_or_create(
            target=target,
            name=name,
            defaults={"min_area_m2": min_area, "applies_to": applies_to, "distance_m": distance, "order": order},
        )


class Migration(migrations.Migration):
    initial = True
    replaces = [("geo", "0001_coverage"), ("geo", "0002_default_rules")]

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CoverageRule",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "target",
                    models.CharField(
                        choices=[
                            ("park", "park service radius"),
                            ("toilet", "toilet service radius"),
                            ("toilet_spacing", "toilet spacing along streets"),
                            ("bin_spacing", "litter bin spacing along streets"),
                        ],
                        max_length=16,
                        verbose_name="what",
                    ),
                ),
                ("name", models.CharField(max_length=100, verbose_name="name")),
                ("min_area_m2", models.FloatField(default=0, verbose_name="minimum area (m²)")),
                (
                    "applies_to",
                    models.CharField(
                        blank=True,
                        help_text="land kind for toilet radii (residential, busy); street class for spacings (main, branch, local, commercial, path)",
                        max_length=16,
                        verbose_name="applies to",
                    ),
                ),
                ("distance_m", models.FloatField(verbose_name="distance (m)")),
                ("order", models.PositiveSmallIntegerField(default=0, verbose_name="order")),
                ("is_active", models.BooleanField(default=True, verbose_name="active")),
            ],
            options={
                "db_table": "geo_coveragerule",
                "verbose_name": "coverage rule",
                "verbose_name_plural": "coverage rules",
                "ordering": ["target", "order", "id"],
            },
        ),
        migrations.CreateModel(
            name="Dataset",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "source",
                    models.CharField(
                        choices=[
                            ("osm", "OpenStreetMap extract"),
                            ("generated", "generated for the demo"),
                            ("city", "city's own list"),
                        ],
                        max_length=16,
                        verbose_name="source",
                    ),
                ),
                ("file_name", models.CharField(max_length=255, verbose_name="file")),
                ("checksum", models.CharField(max_length=64, verbose_name="checksum (SHA-256)")),
                ("imported_at", models.DateTimeField(auto_now_add=True, verbose_name="imported")),
                ("is_current", models.BooleanField(default=True, verbose_name="in use")),
                ("converted_from_gcj02", models.BooleanField(default=False, verbose_name="converted from GCJ-02")),
                ("network", models.BinaryField(null=True, verbose_name="walking network")),
                ("node_count", models.PositiveIntegerField(default=0, verbose_name="nodes")),
                ("edge_count", models.PositiveIntegerField(default=0, verbose_name="segments")),
                ("boundary", models.JSONField(blank=True, null=True, verbose_name="clipped to (GeoJSON)")),
                ("counts", models.JSONField(default=dict, verbose_name="features by kind")),
                (
                    "imported_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="imported by",
                    ),
                ),
            ],
            options={
                "db_table": "geo_dataset",
                "verbose_name": "coverage dataset",
                "verbose_name_plural": "coverage datasets",
                "ordering": ["-imported_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="Run",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="computed")),
                ("methods", models.JSONField(default=list, verbose_name="methods")),
                ("parameters", models.JSONField(default=dict, verbose_name="parameters")),
                ("data_version", models.CharField(max_length=64, verbose_name="data version")),
                ("is_generated", models.BooleanField(default=False, verbose_name="on generated data")),
                ("duration_s", models.FloatField(default=0, verbose_name="duration (s)")),
                ("areas", models.JSONField(default=list, verbose_name="results by area")),
                ("parcels", models.JSONField(default=dict, verbose_name="results by parcel")),
                ("gaps", models.JSONField(default=list, verbose_name="gaps along streets")),
                ("candidates", models.JSONField(default=dict, verbose_name="candidate sites")),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="computed by",
                    ),
                ),
                (
                    "datasets",
                    models.ManyToManyField(related_name="runs", to="coverage.dataset", verbose_name="datasets"),
                ),
            ],
            options={
                "db_table": "geo_run",
                "verbose_name": "coverage run",
                "verbose_name_plural": "coverage runs",
                "ordering": ["-created_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="Feature",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("park", "park"),
                            ("garden", "garden"),
                            ("playground", "playground"),
                            ("green", "green space or pocket park"),
                            ("toilet", "public toilet"),
                            ("bin", "litter bin"),
                            ("residential", "residential land"),
                            ("busy", "commercial land"),
                            ("building", "residential building"),
                            ("entrance", "park entrance"),
                            ("candidate", "candidate site"),
                        ],
                        max_length=16,
                        verbose_name="kind",
                    ),
                ),
                (
                    "ref",
                    models.CharField(
                        blank=True,
                        help_text="OpenStreetMap id or the city's own id",
                        max_length=64,
                        verbose_name="reference",
                    ),
                ),
                ("name", models.CharField(blank=True, max_length=200, verbose_name="name")),
                ("geometry", models.JSONField(verbose_name="geometry (GeoJSON, WGS-84)")),
                ("lon", models.FloatField(verbose_name="longitude")),
                ("lat", models.FloatField(verbose_name="latitude")),
                ("area_m2", models.FloatField(default=0, verbose_name="area (m²)")),
                ("population", models.PositiveIntegerField(blank=True, null=True, verbose_name="population")),
                (
                    "dataset",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="features", to="coverage.dataset"
                    ),
                ),
            ],
            options={
                "db_table": "geo_feature",
                "verbose_name": "coverage feature",
                "verbose_name_plural": "coverage features",
                "indexes": [models.Index(fields=["dataset", "kind"], name="geo_feature_dataset_7c18dd_idx")],
            },
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
