from django.db import migrations


def seed(apps, schema_editor):
    from wenming.open311.seed import seed_attributes

    seed_attributes(apps.get_model("open311", "ServiceAttribute"), apps.get_model("cases", "Category"))


class Migration(migrations.Migration):
    dependencies = [("open311", "0001_initial"), ("cases", "0003_seed_categories")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
