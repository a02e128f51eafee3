import os

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


class Command(BaseCommand):
    help = "Serve wenming with gunicorn (static files included)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("WENMING_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("WENMING_PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WENMING_WORKERS", "2")))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("WENMING_THREADS", "4")))

    def handle(self, *args, host, port, workers, threads, **options):
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError("The database needs migrating first: run `wenming migrate`.")
        # Hashed, compressed copies of the static files, served by the app itself.
        call_command("collectstatic", interactive=False, verbosity=0)
        connection.close()

        from gunicorn.app.base import BaseApplication

        class Server(BaseApplication):
            def load_config(self):
                for key, value in {
                    "bind": f"{host}:{port}",
                    "workers": workers,
                    "threads": threads,
                    "worker_class": "gthread",
                    "timeout": 120,
                    "accesslog": "-",
                    "proc_name": "wenming",
                }.items():
                    self.cfg.set(key, value)

            def load(self):
                from wenming.wsgi import application

                return application

        self.stdout.write(f"Serving on http://{host}:{port}/ (Ctrl+C to stop)")
        self.stdout.flush()
        Server().run()
