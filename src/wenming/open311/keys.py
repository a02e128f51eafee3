"""API keys of Open311 client applications.

A key looks like ``o311_`` followed by 43 URL-safe characters. It is shown once,
when the application is registered; only its SHA-256 is stored, with the first
twelve characters (the prefix) in clear so that people can tell keys apart and
revoke one by naming it.
"""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core.errors import Invalid
from wenming.core.keys import hash_key, new_key
from wenming.open311.models import ClientApp

KEY_PREFIX = "o311_"
PREFIX_LENGTH = 12
KEY_MAX = 200
# last_used_at is written at most this often.
TOUCH_INTERVAL = timedelta(minutes=1)


class KeyProblem(Invalid):
    """A key operation that cannot be done; the message is shown to the person."""


def issue(app: ClientApp) -> str:
    """Give ``app`` (saved or not) a new key and return it; the caller saves the app."""
    key = new_key(KEY_PREFIX)
    app.key_hash = hash_key(key)
    app.prefix = key[:PREFIX_LENGTH]
    return key


def create(name: str, *, contact: str = "", per_minute: int = 60) -> tuple[ClientApp, str]:
    """Register a client application; returns it and its key (which cannot be shown again)."""
    name = (name or "").strip()[:100]
    if not name:
        raise KeyProblem(_("Give the application a name."))
    if per_minute < 0:
        raise KeyProblem(_("The limit per minute cannot be negative."))
    app = ClientApp(name=name, contact=(contact or "").strip()[:200], per_minute=per_minute)
    key = issue(app)
    app.save()
    return app, key


def authenticate(key: str, now=None) -> ClientApp | None:
    """The active, unrevoked application whose key this is, or None."""
    if not isinstance(key, str) or not key.startswith(KEY_PREFIX) or len(key) > KEY_MAX:
        return None
    app = ClientApp.objects.filter(key_hash=hash_key(key), is_active=True, revoked_at__isnull=True).first()
    if app is None:
        return None
    now = now or timezone.now()
    if app.last_used_at is None or now - app.last_used_at >= TOUCH_INTERVAL:
        ClientApp.objects.filter(pk=app.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - TOUCH_INTERVAL)
        ).update(last_used_at=now)
    return app


def find(prefix_or_id) -> ClientApp:
    """One application by its id, its key prefix, or its whole key."""
    value = str(prefix_or_id).strip()
    if value.isdigit():
        matches = list(ClientApp.objects.filter(pk=int(value)))
    elif value.startswith(KEY_PREFIX) and len(value) >= PREFIX_LENGTH:
        matches = list(ClientApp.objects.filter(prefix=value[:PREFIX_LENGTH]))
        active = [a for a in matches if a.revoked_at is None]
        matches = active or matches
    else:
        matches = []
    if not matches:
        raise KeyProblem(_("No Open311 client application “%s”.") % value)
    if len(matches) > 1:
        raise KeyProblem(_("Several client applications have keys starting with “%s”; name one by its id.") % value)
    return matches[0]


def revoke(app_or_prefix, now=None) -> ClientApp:
    """Revoke a key at once. Revoking a revoked key changes nothing."""
    app = app_or_prefix if isinstance(app_or_prefix, ClientApp) else find(app_or_prefix)
    if app.revoked_at is None:
        app.revoked_at = now or timezone.now()
        app.is_active = False
        app.save(update_fields=["revoked_at", "is_active"])
    return app
