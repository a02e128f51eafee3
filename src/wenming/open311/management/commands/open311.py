from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from wenming.open311 import keys
from wenming.open311.models import ClientApp


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "-"


class Command(BaseCommand):
    help = "Manage Open311 client applications (API keys)."

    def add_arguments(self, parser):
        groups = parser.add_subparsers(dest="group", required=True, metavar="{key}")
        key = groups.add_parser("key", help="create, list and revoke the API keys of client applications")
        actions = key.add_subparsers(dest="action", required=True, metavar="{create,list,revoke}")
        create = actions.add_parser("create", help="register an application and print its key (shown only once)")
        create.add_argument("name", help="the application's name, e.g. 市民随手拍小程序")
        create.add_argument("--contact", default="", help="who runs it and how to reach them")
        create.add_argument("--per-minute", type=int, default=60, help="requests allowed per minute (0: no limit)")
        actions.add_parser("list", help="list the applications and their keys' prefixes")
        revoke = actions.add_parser("revoke", help="revoke an application's key at once")
        revoke.add_argument("prefix", help="the key's prefix as listed (o311_ and seven characters) or the id")

    def handle(self, *args, group, action, **options):
        getattr(self, f"handle_{action}")(**options)

    def handle_create(self, *, name, contact, per_minute, **options):
        try:
            app, key = keys.create(name, contact=contact, per_minute=per_minute)
        except keys.KeyProblem as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(key)
        self.stderr.write(
            self.style.WARNING(
                f"This is the only time the key of “{app.name}” ({app.prefix}) is shown: copy it now. "
                "Only its hash is kept; a lost key cannot be recovered, only revoked and replaced."
            )
        )

    def handle_list(self, **options):
        rows = [
            (
                str(a.pk),
                a.prefix,
                a.name,
                str(a.per_minute or "-"),
                _when(a.created_at),
                _when(a.last_used_at),
                _when(a.revoked_at),
            )
            for a in ClientApp.objects.order_by("created_at", "id")
        ]
        if not rows:
            self.stdout.write("No Open311 client applications.")
            return
        header = ("id", "prefix", "name", "per minute", "created", "last used", "revoked")
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        for row in [header, *rows]:
            self.stdout.write("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())

    def handle_revoke(self, *, prefix, **options):
        try:
            app = keys.revoke(prefix)
        except keys.KeyProblem as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"Revoked {app.prefix} ({app.name}) at {_when(app.revoked_at)}."))
