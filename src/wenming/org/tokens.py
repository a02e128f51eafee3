"""API tokens for apps: the key is shown once when created; only its SHA-256 is stored.

A key looks like ``wm_`` followed by 43 URL-safe characters. Its first eight
characters (the prefix) are kept in clear so people can tell their tokens apart
and revoke one by naming it.
"""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core.errors import Forbidden, NotFound, ServiceError
from wenming.core.keys import hash_key, new_key
from wenming.org import rules
from wenming.org.models import ApiToken

KEY_PREFIX = "wm_"
PREFIX_LENGTH = 8
# last_used_at is written at most this often, so busy apps do not write on every request.
TOUCH_INTERVAL = timedelta(minutes=1)


class TokenError(ServiceError):
    """A token operation that cannot be done; the message is shown to the person."""


class UnknownToken(TokenError, NotFound):
    pass


class NotAllowed(TokenError, Forbidden):
    pass


# Passed as ``by_user`` by the command line, whose operator administers the server.
COMMAND_LINE = object()


def create_token(user, name: str) -> str:
    """Make a token for ``user`` and return its key. The key cannot be shown again."""
    if not user.is_active:
        raise NotAllowed(_("%s is not active; an inactive account cannot have API tokens.") % user.get_username())
    name = (name or "").strip()[:80] or "api"
    key = new_key(KEY_PREFIX)
    ApiToken.objects.create(user=user, name=name, key_hash=hash_key(key), prefix=key[:PREFIX_LENGTH])
    return key


def authenticate_token(key: str, now=None):
    """The active user whose unrevoked token this is, or None."""
    if not isinstance(key, str) or not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_key(key), revoked_at__isnull=True).first()
    if token is None or not token.user.is_active:
        return None
    now = now or timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_INTERVAL:
        # Conditional, so that simultaneous requests write once.
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - TOUCH_INTERVAL)
        ).update(last_used_at=now)
    return token.user


def tokens_of(user):
    """The tokens of ``user``, newest first, revoked ones included."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def _may_revoke(by_user, token: ApiToken) -> bool:
    return by_user is COMMAND_LINE or rules.may_revoke_token.test(by_user, token)


def find(token_id_or_prefix) -> ApiToken:
    """One token by its id or its prefix (``wm_`` and five characters)."""
    value = str(token_id_or_prefix).strip()
    if value.isdigit():
        matches = list(ApiToken.objects.select_related("user").filter(pk=int(value)))
    elif value.startswith(KEY_PREFIX) and len(value) >= PREFIX_LENGTH:
        # A whole key works too: only its first eight characters are compared.
        matches = list(ApiToken.objects.select_related("user").filter(prefix=value[:PREFIX_LENGTH]))
        active = [t for t in matches if t.revoked_at is None]
        matches = active or matches
    else:
        matches = []
    if not matches:
        raise UnknownToken(_("No API token “%s”.") % value)
    if len(matches) > 1:
        raise UnknownToken(_("Several API tokens start with “%s”; name the token by its id.") % value)
    return matches[0]


def revoke(token_id_or_prefix, by_user, now=None) -> ApiToken:
    """Revoke a token; its owner, a superuser or an admin of the city's campaign office may.
    Revoking a revoked token changes nothing."""
    token = find(token_id_or_prefix)
    if not _may_revoke(by_user, token):
        raise NotAllowed(_("You may not revoke this API token."))
    if token.revoked_at is None:
        token.revoked_at = now or timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
