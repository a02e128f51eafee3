from django.db import migrations


def seed(apps, schema_editor):
    from wenming.participation.services.points import seed_rules

    seed_rules(apps.get_model("participation", "PointRule"))


class Migration(migrations.Migration):
    dependencies = [("participation", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
