from django.db import migrations

from wenming.core.moving import released


class Migration(migrations.Migration):
    dependencies = [("cases", "0005_event_labels"), ("workdays", "0001_initial")]

    operations = [released("CalendarYear", "Holiday")]
