"""Load the official holiday schedule of the years the chinese_calendar package covers."""

from django.db import migrations


def seed(apps, schema_editor):
    from wenming.workdays.calendar import seed_official_calendar

    seed_official_calendar(
        holiday_model=apps.get_model("cases", "Holiday"),
        year_model=apps.get_model("cases", "CalendarYear"),
    )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
