from django.core.management.base import BaseCommand

from wenming.core.progress import progress_bar
from wenming.org.management.commands._importing import rejected, rows_from
from wenming.org.services import ImportRejected, import_users


class Command(BaseCommand):
    help = "Import people from CSV or Excel (username, real_name, phone, unit_code, role, …), all or nothing."

    def add_arguments(self, parser):
        parser.add_argument(
            "file",
            help=".csv or .xlsx with the columns username, real_name, role, and optionally "
            "phone, email, unit_code, position, area_code (a grid worker's grid), password",
        )

    def handle(self, *args, file, **options):
        rows = rows_from(file)
        try:
            with progress_bar(len(rows), "import users") as advance:
                summary, generated = import_users(rows, progress=advance)
        except ImportRejected as exc:
            raise rejected(exc) from None
        self.stdout.write(self.style.SUCCESS(f"Imported {summary.created} people."))
        if generated:
            self.stdout.write("Initial passwords (hand them over privately):")
            for username, password in generated:
                self.stdout.write(f"  {username}\t{password}")
