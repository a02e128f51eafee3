"""A fresh, empty, migrated wenming for one benchmark run: its own data directory (removed at
exit) and either a SQLite file in it or a new PostgreSQL database next to the one named
(dropped at exit)."""

import atexit
import os
import shutil
import tempfile
from urllib.parse import urlsplit, urlunsplit


def fresh_postgres(url: str) -> str:
    """Create an empty database next to the one named in ``url``; drop it at exit."""
    import psycopg

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'wenming'}_bench_{os.getpid()}"
    admin = urlunsplit(parts._replace(path="/postgres", query=""))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        from django.db import connections

        connections.close_all()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    atexit.register(drop)
    return urlunsplit(parts._replace(path=f"/{name}"))


def fresh_wenming(database: str = "sqlite") -> None:
    """Set up Django on a fresh database: "sqlite" or a postgres:// URL."""
    data_dir = tempfile.mkdtemp(prefix="wenming-bench-")
    atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
    os.environ["WENMING_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "wenming.settings"
    if database == "sqlite":
        os.environ.pop("WENMING_DATABASE_URL", None)
    else:
        os.environ["WENMING_DATABASE_URL"] = fresh_postgres(database)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
