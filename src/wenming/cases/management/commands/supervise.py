from django.core.management.base import BaseCommand

from wenming.cases import services
from wenming.notifications import services as notifications


class Command(BaseCommand):
    help = (
        "Flag overdue cases, remind before deadlines, escalate, and send pending notifications (run every few minutes)."
    )

    def handle(self, *args, **options):
        counts = services.supervise()
        sent = notifications.deliver_pending()
        self.stdout.write(
            f"reminded {counts['reminded']}, newly overdue {counts['overdue']}, escalated {counts['escalated']}; "
            f"notifications sent {sent['sent']}, to retry {sent['retry']}, failed {sent['failed']}"
        )
