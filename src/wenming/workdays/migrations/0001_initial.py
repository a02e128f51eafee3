"""The official calendar moves here from cases: its tables and rows stay (see core.moving)."""

from django.db import migrations, models

from wenming.core.moving import adopted


class Migration(migrations.Migration):
    initial = True

    dependencies = [("cases", "0005_event_labels")]

    operations = [
        adopted(
            migrations.CreateModel(
                name="CalendarYear",
                fields=[
                    (
                        "id",
                        models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"),
                    ),
                    ("year", models.PositiveSmallIntegerField(unique=True, verbose_name="year")),
                    ("source", models.CharField(blank=True, max_length=200, verbose_name="source")),
                    ("entered_at", models.DateTimeField(auto_now_add=True)),
                ],
                options={
                    "verbose_name": "official calendar year",
                    "verbose_name_plural": "official calendar years",
                    "ordering": ["year"],
                    "db_table": "cases_calendaryear",
                },
            ),
            migrations.CreateModel(
                name="Holiday",
                fields=[
                    (
                        "id",
                        models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"),
                    ),
                    ("date", models.DateField(unique=True, verbose_name="date")),
                    (
                        "is_workday",
                        models.BooleanField(
                            help_text="A make-up working day on a weekend.", verbose_name="working day"
                        ),
                    ),
                    ("name", models.CharField(blank=True, max_length=40, verbose_name="name")),
                ],
                options={
                    "verbose_name": "holiday or make-up day",
                    "verbose_name_plural": "official calendar",
                    "ordering": ["date"],
                    "db_table": "cases_holiday",
                },
            ),
        ),
    ]
