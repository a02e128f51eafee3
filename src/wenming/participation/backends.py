"""Citizens log in with the phone number or e-mail address they registered; staff keep their user names
(Django's ModelBackend, listed before this one in AUTHENTICATION_BACKENDS)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from wenming.participation.models import Citizen


def _login_key(text: str) -> tuple[str, str] | None:
    """("phone", digits) or ("email", address) when the text reads as one, else None."""
    from wenming.participation.services.accounts import Invalid, normalise_address

    try:
        return normalise_address(text)
    except Invalid:
        return None


class PhoneOrEmailBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        key = _login_key(username)
        citizen = None
        if key is not None:
            kind, address = key
            citizen = Citizen.objects.select_related("user").filter(**{kind: address}).first()
        if citizen is None:
            # Spend the time a real check takes, so that unknown addresses cannot be told apart by timing.
            get_user_model()().set_password(password)
            return None
        user = citizen.user
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
