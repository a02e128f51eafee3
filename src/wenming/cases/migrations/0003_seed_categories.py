from django.db import migrations


def seed(apps, schema_editor):
    from wenming.cases.categories import seed_categories

    seed_categories(apps.get_model("cases", "Category"))


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_seed_official_calendar")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
