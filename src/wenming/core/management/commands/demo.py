import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from wenming.core.progress import progress_bar
from wenming.cases import demo as cases_demo
from wenming.cases.simulation import simulate
from wenming.coverage import demo as geo_demo
from wenming.org import demo as org_demo
from wenming.org.models import Area
from wenming.participation import demo as participation_demo


class Command(BaseCommand):
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
            with progress_bar(None, "demo") as advance:
                counts = org_demo.load(progress=advance)
                counts["routing rule"] = cases_demo.load_routing()
                # Two months of cases at every stage, written through the same rules.
                counts["case"] = simulate(days=60, cases_per_day=50, seed=20261129, progress=advance)["cases"]
                counts.update(participation_demo.load())
                # A generated street network with parks, toilets and bins, and its coverage computed.
                counts.update(geo_demo.load(progress=advance))
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
        self.stdout.write(f"Back office: http://127.0.0.1:{port}/office/   password for every login: {org_demo.DEMO_PASSWORD}")
        for phone, name in participation_demo.logins():
            self.stdout.write(f"Citizen portal: http://127.0.0.1:{port}/   log in as {name} with the phone number {phone}")
        self.stdout.write(f"{'login':<14} {'role':<16} unit")
        from wenming.org.models import Unit

        units = {u.code: u.name for u in Unit.objects.all().only("code", "name")}
        for person in org_demo.demo_people():
            self.stdout.write(f"{person['username']:<14} {str(person['role'].label):<16} {units.get(person['unit'], '-')}")
        self.stdout.write("")
