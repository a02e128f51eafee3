"""A notification may be about anything (a case, a suggestion …), not only a case: the case it
was about becomes its subject. The tables take this app's names."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import F

from wenming.core.moving import content_types_moved


def subjects_from_cases(apps, schema_editor):
    notifications = apps.get_model("notifications", "Notification").objects.filter(case__isnull=False)
    if notifications.exists():
        content_type = apps.get_model("contenttypes", "ContentType")
        case_type, _ = content_type.objects.get_or_create(app_label="cases", model="case")
        notifications.update(subject_type=case_type, subject_id=F("case_id"))


def cases_from_subjects(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    case_type = content_type.objects.filter(app_label="cases", model="case").first()
    if case_type is not None:
        notifications = apps.get_model("notifications", "Notification").objects
        notifications.filter(subject_type=case_type).update(case_id=F("subject_id"))


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("cases", "0007_notifications_moved"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelTable(name="notification", table=None),
        migrations.AlterModelTable(name="delivery", table=None),
        content_types_moved("cases", "notifications", ["notification", "delivery"]),
        migrations.AddField(
            model_name="notification",
            name="subject_type",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="contenttypes.contenttype",
            ),
        ),
        migrations.AddField(
            model_name="notification", name="subject_id", field=models.PositiveBigIntegerField(blank=True, null=True)
        ),
        migrations.RunPython(subjects_from_cases, cases_from_subjects),
        migrations.RemoveField(model_name="notification", name="case"),
        migrations.RenameIndex(
            model_name="notification", new_name="notifications_inbox", old_name="cases_notif_user_id_3ec744_idx"
        ),
        migrations.RenameIndex(
            model_name="delivery", new_name="deliveries_due", old_name="cases_deliv_status_5fe736_idx"
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(fields=["subject_type", "subject_id"], name="notifications_subject"),
        ),
    ]
