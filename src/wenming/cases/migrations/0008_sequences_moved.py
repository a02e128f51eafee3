from django.db import migrations

from wenming.core.moving import released


class Migration(migrations.Migration):
    dependencies = [("cases", "0007_notifications_moved"), ("core", "0002_sequence")]

    operations = [released("CaseSequence")]
