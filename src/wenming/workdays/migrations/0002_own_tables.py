from django.db import migrations

from wenming.core.moving import content_types_moved


class Migration(migrations.Migration):
    dependencies = [
        ("workdays", "0001_initial"),
        ("cases", "0006_calendar_moved_to_workdays"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelTable(name="calendaryear", table=None),
        migrations.AlterModelTable(name="holiday", table=None),
        content_types_moved("cases", "workdays", ["calendaryear", "holiday"]),
    ]
