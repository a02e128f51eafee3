from django.db import migrations

from wenming.core.moving import released


class Migration(migrations.Migration):
    dependencies = [("cases", "0006_calendar_moved_to_workdays"), ("notifications", "0001_initial")]

    operations = [released("Delivery", "Notification")]
