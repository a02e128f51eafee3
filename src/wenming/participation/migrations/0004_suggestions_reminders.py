from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("participation", "0003_suggestion_topics")]
    operations = [
        migrations.AddField(
            model_name="suggestion",
            name="reply_reminded_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="suggestion",
            name="overdue_reminded_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
    ]
