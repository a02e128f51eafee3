"""The default rules: 300米见绿、500米入园 (GB/T 51346-2019 tiers), toilet radii
and spacings after CJJ 14-2016, litter bin spacing by street class."""

from django.db import migrations

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
    CoverageRule = apps.get_model("geo", "CoverageRule")
    for target, name, min_area, applies_to, distance, order in DEFAULT_RULES:
        CoverageRule.objects.get_or_create(
            target=target, name=name,
            defaults={"min_area_m2": min_area, "applies_to": applies_to, "distance_m": distance, "order": order},
        )


class Migration(migrations.Migration):
    dependencies = [("geo", "0001_coverage")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
