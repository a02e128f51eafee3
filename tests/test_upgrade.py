"""An installation made before the house was rebuilt upgrades with `wenming migrate` and keeps
every row: the code of that time (from the repository's history) sets up the demo city, adds
notifications with deliveries, then today's code migrates the same database, on SQLite and on
PostgreSQL alike (whichever the suite runs on)."""

import json
import os
import subprocess
import sys
import tarfile
import uuid
from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
# The last commit before the domains were moved onto the shared floor (core, geo, cases as they were).
BEFORE = "6d55adb"

# Tables whose models moved to another app: old name → new name. Every other table keeps its name.
MOVED = {
    "cases_holiday": "workdays_holiday",
    "cases_calendaryear": "workdays_calendaryear",
    "cases_notification": "notifications_notification",
    "cases_delivery": "notifications_delivery",
    "cases_casesequence": "core_sequence",
    **{f"geo_{t}": f"coverage_{t}" for t in ("coveragerule", "dataset", "run", "run_datasets", "feature")},
}
# Content types (and so permissions and admin history) that moved with them.
MOVED_TYPES = {
    ("cases", "holiday"): ("workdays", "holiday"),
    ("cases", "calendaryear"): ("workdays", "calendaryear"),
    ("cases", "notification"): ("notifications", "notification"),
    ("cases", "delivery"): ("notifications", "delivery"),
    ("cases", "casesequence"): ("core", "sequence"),
    **{("geo", m): ("coverage", m) for m in ("coveragerule", "dataset", "run", "feature")},
}
# Columns that changed meaning on the way: a notification's case became its subject.
CHANGED_COLUMNS = {"cases_notification": {"case_id"}}
# Tables an upgrade may add rows to (the permissions of new models); none may lose one. Permissions
# given on moved models stay, because their content types move with them.
GROWING = {"auth_permission", "auth_group_permissions"}

# What the code of that time adds to its demo, so that the moved tables hold rows of every kind.
OLD_EXTRAS = """
import django, os
django.setup()
from django.contrib.auth import get_user_model
from django.utils import timezone
from wenming.cases import notify
from wenming.cases.models import Case, CalendarYear, Holiday
User = get_user_model()
handler = User.objects.get(username="chengguan")
handler.email = "chengguan@example.org"
handler.save()
for case in Case.objects.order_by("id")[:40]:
    notify.send([handler], "assigned", case, "新案件 %s" % case.number)
notify.send([handler], "progress", None, "没有对应案件的通知", body="正文")
notify.deliver_pending()
notify.mark_read(handler, list(handler.notifications.values_list("id", flat=True)[:10]))
Holiday.objects.create(date="2031-10-01", is_workday=False, name="国庆节")
CalendarYear.objects.create(year=2031, source="upgrade test")
"""

# What today's code must manage on the upgraded database, as a person would use it.
NEW_CHECKS = """
import django, json
django.setup()
from django.test.utils import setup_test_environment
setup_test_environment()  # the test client's host, mail kept in memory
from django.test import Client
from django.contrib.auth import get_user_model
from wenming.notifications.models import Notification
from wenming.cases.models import Case
client = Client()
admin = get_user_model().objects.get(username="chuangcheng")
client.force_login(admin)
statuses = {url: client.get(url).status_code for url in [
    "/office/", "/office/cases/", "/office/cases/notifications/", "/office/coverage/",
    "/admin/workdays/holiday/", "/admin/workdays/calendaryear/",
    "/admin/coverage/run/", "/admin/coverage/coveragerule/",
]}
handler = get_user_model().objects.get(username="chengguan")
client.force_login(handler)
inbox = client.get("/office/cases/notifications/").content.decode()
first = Case.objects.order_by("id").first()
print(json.dumps({
    "statuses": statuses,
    "subjects": sorted(str(n.subject) for n in Notification.objects.filter(user=handler, case__isnull=False)),
    "linked": f'href="/office/cases/{first.number}/"' in inbox,
    "admin_may_edit_holidays": get_user_model().objects.get(pk=admin.pk).has_perm("workdays.change_holiday"),
    "admin_may_edit_rules": get_user_model().objects.get(pk=admin.pk).has_perm("coverage.change_coveragerule"),
}))
"""


def _history_source(target: Path) -> Path:
    """The product's code at BEFORE, unpacked under ``target``."""
    try:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", "--format=tar", BEFORE, "src"], capture_output=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        message = f"the upgrade test needs the repository's history (git and commit {BEFORE}): {exc}"
        if os.environ.get("WENMING_REQUIRE_HISTORY"):
            pytest.fail(message)
        pytest.skip(message)
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target / "src"


class Database:
    """A database of its own for the upgrade, of the kind the suite runs on."""

    def __init__(self, tmp_path: Path):
        engine = settings.DATABASES["default"]["ENGINE"]
        self.postgres = engine.endswith("postgresql")
        if self.postgres:
            db = settings.DATABASES["default"]
            self.params = {
                k: v
                for k, v in {
                    "host": db.get("HOST"),
                    "port": db.get("PORT"),
                    "user": db.get("USER"),
                    "password": db.get("PASSWORD"),
                }.items()
                if v
            }
            self.name = f"wenming_upgrade_{uuid.uuid4().hex[:10]}"
            self._admin(f'CREATE DATABASE "{self.name}"')
            auth = f"{db.get('USER', '')}{':' + db['PASSWORD'] if db.get('PASSWORD') else ''}@"
            self.url = f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{self.name}"
        else:
            self.path = tmp_path / "upgrade.sqlite3"
            self.url = f"sqlite:///{self.path}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(dbname="postgres", autocommit=True, **self.params) as conn:
            conn.execute(sql)

    def connect(self):
        if self.postgres:
            import psycopg

            return psycopg.connect(dbname=self.name, **self.params)
        import sqlite3

        return sqlite3.connect(self.path)

    def drop(self) -> None:
        if self.postgres:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def snapshot(self) -> dict:
        """Every table's rows, by table, as sorted JSON lines (the same rows compare equal)."""
        with self.connect() as conn:
            cursor = conn.cursor()
            if self.postgres:
                cursor.execute("select tablename from pg_tables where schemaname = 'public'")
            else:
                cursor.execute("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'")
            tables = sorted(row[0] for row in cursor.fetchall())
            result = {}
            for table in tables:
                cursor.execute(f'select * from "{table}"')
                columns = [d[0] for d in cursor.description]
                result[table] = (columns, [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()])
            return result


def _run(code_path: Path | None, database: Database, data_dir: Path, *args, script: str | None = None):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DJANGO_SETTINGS_MODULE")}
    env.update(
        WENMING_DATABASE_URL=database.url, WENMING_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="wenming.settings"
    )
    if code_path is not None:
        env["PYTHONPATH"] = str(code_path)
    command = [sys.executable, "-c", script] if script else [sys.executable, "-m", "wenming", *args]
    done = subprocess.run(command, env=env, cwd=data_dir, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def _rows(rows: list[dict], columns: list[str]) -> list[str]:
    """The rows' values in ``columns``, comparable across databases and sorted."""
    return sorted(json.dumps([row[c] for c in columns], default=str, ensure_ascii=False) for row in rows)


@pytest.fixture
def database(tmp_path):
    db = Database(tmp_path)
    yield db
    db.drop()


def test_an_installation_of_before_the_move_upgrades_keeping_every_row(tmp_path, database):
    old_code = _history_source(tmp_path / "before")
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    # The code of that time is the one that runs: its own package, not today's.
    where = _run(old_code, database, data_dir, script="import wenming; print(wenming.__file__)")
    assert where.strip().startswith(str(old_code))
    _run(old_code, database, data_dir, "demo", "--no-serve")
    _run(old_code, database, data_dir, script=OLD_EXTRAS)
    before = database.snapshot()
    assert len(before["cases_notification"][1]) >= 45 and before["cases_delivery"][1]

    _run(None, database, data_dir, "migrate")
    after = database.snapshot()

    # Every table keeps its rows, the moved ones under their new names; a few only grow.
    for old_table, (columns, rows) in before.items():
        if old_table in ("django_migrations", "django_content_type"):
            continue  # the upgrade records itself; content types are compared below
        new_table = MOVED.get(old_table, old_table)
        assert new_table in after, f"{old_table} is gone"
        kept = [c for c in columns if c not in CHANGED_COLUMNS.get(old_table, ())]
        old_rows, new_rows = _rows(rows, kept), _rows(after[new_table][1], kept)
        if old_table in GROWING:
            assert set(old_rows) <= set(new_rows), f"rows of {old_table} were lost"
        else:
            assert new_rows == old_rows, f"{old_table}: {len(old_rows)} rows before, {len(new_rows)} after, or changed"

    # A notification about a case is now about it as its subject; the others are about nothing.
    types = {(r["app_label"], r["model"]): r["id"] for r in after["django_content_type"][1]}
    old_types = {(r["app_label"], r["model"]): r["id"] for r in before["django_content_type"][1]}
    for old, new in MOVED_TYPES.items():
        assert types[new] == old_types[old], f"the content type of {old} was not carried to {new}"
    new_notifications = {r["id"]: r for r in after["notifications_notification"][1]}
    for row in before["cases_notification"][1]:
        moved = new_notifications[row["id"]]
        if row["case_id"] is None:
            assert moved["subject_type_id"] is None and moved["subject_id"] is None
        else:
            assert (moved["subject_type_id"], moved["subject_id"]) == (types[("cases", "case")], row["case_id"])

    checks = json.loads(_run(None, database, data_dir, script=NEW_CHECKS).strip().splitlines()[-1])
    assert checks["statuses"] == dict.fromkeys(checks["statuses"], 200), checks["statuses"]
    assert len(checks["subjects"]) >= 40 and checks["linked"]
    assert checks["admin_may_edit_holidays"] and checks["admin_may_edit_rules"]
    # Nothing is left to migrate, and the models match their migrations.
    _run(None, database, data_dir, "manage", "migrate", "--check")
