from django.core.management.base import BaseCommand

from wenming.participation.services.suggestions import REMIND_WORKING_DAYS, remind_replies


class Command(BaseCommand):
    help = "Remind units of official replies to suggestions that are due soon or overdue (each once)."

    def handle(self, *args, **options):
        counts = remind_replies()
        self.stdout.write(
            f"Reminded: {counts['due_soon']} replies due within {REMIND_WORKING_DAYS} working days, "
            f"{counts['overdue']} overdue."
        )
