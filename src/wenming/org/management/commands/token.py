from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from wenming.org import tokens
from wenming.org.models import ApiToken


def _user(username: str):
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"No user “{username}”.")
    return user


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "-"


class Command(BaseCommand):
    help = "Create, list and revoke API tokens for apps."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{create,list,revoke}")
        create = actions.add_parser("create", help="make a token for a user and print its key (shown only once)")
        create.add_argument("username")
        create.add_argument("--name", default="", help="what the token is for, e.g. the app's name")
        listing = actions.add_parser("list", help="list the tokens, of one user or of everyone")
        listing.add_argument("username", nargs="?")
        revoke = actions.add_parser("revoke", help="revoke a token at once")
        revoke.add_argument("prefix", help="the token's prefix as listed (wm_ and five characters) or its id")

    def handle(self, *args, action, **options):
        getattr(self, f"handle_{action}")(**options)

    def handle_create(self, *, username, name, **options):
        user = _user(username)
        try:
            key = tokens.create_token(user, name or "cli")
        except tokens.TokenError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(key)
        self.stderr.write(
            self.style.WARNING(
                f"This is the only time the key of {username}'s token “{key[: tokens.PREFIX_LENGTH]}” is shown: "
                "copy it now. Only its hash is kept; a lost key cannot be recovered, only revoked and replaced."
            )
        )

    def handle_list(self, *, username=None, **options):
        queryset = tokens.tokens_of(_user(username)) if username else ApiToken.objects.order_by("-created_at", "-id")
        rows = [
            (t.prefix, t.name, t.user.get_username(), _when(t.created_at), _when(t.last_used_at), _when(t.revoked_at))
            for t in queryset.select_related("user")
        ]
        if not rows:
            self.stdout.write("No API tokens.")
            return
        header = ("prefix", "name", "user", "created", "last used", "revoked")
        widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
        for row in [header, *rows]:
            self.stdout.write("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())

    def handle_revoke(self, *, prefix, **options):
        try:
            token = tokens.revoke(prefix, tokens.COMMAND_LINE)
        except tokens.TokenError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Revoked {token.prefix} ({token.name}) of {token.user.get_username()} at {_when(token.revoked_at)}."
            )
        )
