"""Serial numbers move here from cases (CaseSequence): its table and rows stay (see core.moving)."""

from django.db import migrations, models

from wenming.core.moving import adopted


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial"), ("cases", "0007_notifications_moved")]

    operations = [
        adopted(
            migrations.CreateModel(
                name="Sequence",
                fields=[
                    (
                        "id",
                        models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"),
                    ),
                    ("prefix", models.CharField(max_length=16, unique=True)),
                    ("last", models.PositiveIntegerField(default=0)),
                ],
                options={"db_table": "cases_casesequence"},
            )
        ),
    ]
