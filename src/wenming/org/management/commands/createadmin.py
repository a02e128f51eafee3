import getpass

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from wenming.org.models import Profile


class Command(BaseCommand):
    help = "Create a superuser who can administer everything."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--real-name", default="", help="shown instead of the user name")
        parser.add_argument("--email", default="")
        parser.add_argument("--password", help="otherwise asked for (or taken from WENMING_ADMIN_PASSWORD)")

    def handle(self, *args, username, real_name, email, password, **options):
        import os

        User = get_user_model()
        if User.objects.filter(username=username).exists():
            raise CommandError(f"User {username!r} already exists.")
        password = password or os.environ.get("WENMING_ADMIN_PASSWORD")
        if not password:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords differ.")
        user = User(username=username, email=email)
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        user = User.objects.create_superuser(username=username, email=email, password=password)
        Profile.objects.create(user=user, real_name=real_name or username)
        self.stdout.write(self.style.SUCCESS(f"Created administrator {username}."))
