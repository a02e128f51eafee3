from django.core.management.base import BaseCommand

from wenming.core.progress import progress_bar
from wenming.org.management.commands._importing import rejected, rows_from
from wenming.org.services import ImportRejected, import_units


class Command(BaseCommand):
    help = "Import units from CSV or Excel (code, name, kind, area_code, parent_code, …), all or nothing."

    def add_arguments(self, parser):
        parser.add_argument(
            "file",
            help=".csv or .xlsx with the columns code, name, kind, area_code, "
            "and optionally parent_code, short_name, phone, member_of (special group codes, ';'-separated)",
        )

    def handle(self, *args, file, **options):
        rows = rows_from(file)
        try:
            with progress_bar(len(rows), "import units") as advance:
                summary = import_units(rows, progress=advance)
        except ImportRejected as exc:
            raise rejected(exc) from None
        self.stdout.write(self.style.SUCCESS(f"Imported {summary.created} units."))
