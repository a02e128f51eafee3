import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from wenming.core.progress import progress_bar
from wenming.core.shell import declared
from wenming.org.models import Area


class Command(BaseCommand):
    """Each app loads its own part of the demo city and says how to log in (its shell.DEMO)."""

    help = "Set up and serve the Hohhot demo city (SQLite in the data directory)."

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="set up the demo, print the logins and stop")
        parser.add_argument("--port", type=int, default=8000, help="port to serve on (default 8000)")
        parser.add_argument("--reset", action="store_true", help="delete the demo database and start over")

    def handle(self, *args, no_serve, port, reset, verbosity, **options):
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        if reset:
            self._reset()
        call_command("migrate", interactive=False, verbosity=0)
        if Area.objects.exists():
            self.stdout.write(f"Reusing the demo data in {settings.DATA_DIR} (--reset starts over).")
        else:
            started = time.monotonic()
            self.stdout.write("Loading the Hohhot demo city …")
            counts = {}
            with progress_bar(None, "demo") as advance:
                for part in declared("DEMO"):
                    counts.update(part.load(advance))
            summary = ", ".join(f"{n} {name}" for name, n in counts.items())
            self.stdout.write(f"Loaded {summary} in {time.monotonic() - started:.1f} s.")
        self._print_logins(port)
        if not no_serve:
            call_command("serve", port=port)

    def _reset(self):
        db = settings.DATABASES["default"]
        if db["ENGINE"].endswith("sqlite3"):
            connection.close()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db['NAME']}{suffix}").unlink(missing_ok=True)
        else:
            raise CommandError("--reset only deletes the demo's own SQLite database; use a fresh database instead.")

    def _print_logins(self, port):
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"wenming demo: http://127.0.0.1:{port}/"))
        for part in declared("DEMO"):
            for line in part.logins(port) if part.logins else []:
                self.stdout.write(line)
        self.stdout.write("")
