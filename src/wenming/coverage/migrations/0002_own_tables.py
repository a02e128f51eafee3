"""The coverage tables take this app's names; their content types (and so the permissions
given on them) move from "geo" with them."""

from django.db import migrations

from wenming.core.moving import content_types_moved


class Migration(migrations.Migration):
    dependencies = [("coverage", "0001_initial"), ("contenttypes", "0002_remove_content_type_name")]

    operations = [
        migrations.AlterModelTable(name="coveragerule", table=None),
        migrations.AlterModelTable(name="dataset", table=None),
        migrations.AlterModelTable(name="run", table=None),
        migrations.AlterModelTable(name="feature", table=None),
        migrations.RenameIndex(
            model_name="feature", new_name="coverage_feature_kinds", old_name="geo_feature_dataset_7c18dd_idx"
        ),
        content_types_moved("geo", "coverage", ["coveragerule", "dataset", "run", "feature"]),
    ]
