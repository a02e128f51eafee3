"""The notification centre moves here from cases: its tables and rows stay (see core.moving)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from wenming.core.moving import adopted

KINDS = [
    ("assigned", "New assignment"),
    ("due_soon", "Deadline approaching"),
    ("overdue", "Overdue"),
    ("returned", "Returned"),
    ("rework", "Rework"),
    ("request", "Request to decide"),
    ("decided", "Request decided"),
    ("red_flag", "Red-flagged"),
    ("progress", "Progress"),
]


class Migration(migrations.Migration):
    initial = True

    dependencies = [("cases", "0005_event_labels"), migrations.swappable_dependency(settings.AUTH_USER_MODEL)]

    operations = [
        adopted(
            migrations.CreateModel(
                name="Notification",
                fields=[
                    (
                        "id",
                        models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"),
                    ),
                    ("kind", models.CharField(choices=KINDS, max_length=16)),
                    ("title", models.CharField(max_length=200)),
                    ("body", models.TextField(blank=True)),
                    ("created_at", models.DateTimeField()),
                    ("read_at", models.DateTimeField(blank=True, null=True)),
                    (
                        "case",
                        models.ForeignKey(
                            blank=True,
                            null=True,
                            on_delete=django.db.models.deletion.CASCADE,
                            related_name="+",
                            to="cases.case",
                        ),
                    ),
                    (
                        "user",
                        models.ForeignKey(
                            on_delete=django.db.models.deletion.CASCADE,
                            related_name="notifications",
                            to=settings.AUTH_USER_MODEL,
                        ),
                    ),
                ],
                options={
                    "ordering": ["-created_at", "-id"],
                    "db_table": "cases_notification",
                    "indexes": [
                        models.Index(fields=["user", "read_at", "-created_at"], name="cases_notif_user_id_3ec744_idx")
                    ],
                },
            ),
            migrations.CreateModel(
                name="Delivery",
                fields=[
                    (
                        "id",
                        models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"),
                    ),
                    ("channel", models.CharField(max_length=16)),
                    ("address", models.CharField(max_length=200)),
                    (
                        "status",
                        models.CharField(
                            choices=[("pending", "Pending"), ("sent", "Sent"), ("failed", "Failed")],
                            default="pending",
                            max_length=8,
                        ),
                    ),
                    ("attempts", models.PositiveSmallIntegerField(default=0)),
                    ("next_attempt_at", models.DateTimeField(blank=True, null=True)),
                    ("last_error", models.TextField(blank=True)),
                    ("sent_at", models.DateTimeField(blank=True, null=True)),
                    (
                        "notification",
                        models.ForeignKey(
                            on_delete=django.db.models.deletion.CASCADE,
                            related_name="deliveries",
                            to="notifications.notification",
                        ),
                    ),
                ],
                options={
                    "db_table": "cases_delivery",
                    "indexes": [
                        models.Index(fields=["status", "next_attempt_at"], name="cases_deliv_status_5fe736_idx")
                    ],
                },
            ),
        ),
    ]
