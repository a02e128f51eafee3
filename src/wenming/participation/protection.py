"""What guards every public write of the portal: rate limits per account and per IP,
hashed client addresses, and a simple arithmetic captcha that needs no outside service.

Limits are (count, seconds) pairs named by action, overridable in settings as
``WENMING_PORTAL_LIMITS = {"report": {"account": (10, 3600), "ip": (30, 3600)}, …}``.
"""

import hashlib
import hmac
import secrets
from functools import wraps

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _

from wenming.core import ratelimit
from wenming.core.errors import TooSoon

# action: per account, per IP; (requests, window in seconds)
DEFAULT_LIMITS = {
    "report": {"account": (10, 3600), "ip": (30, 3600)},
    "support": {"account": (60, 3600), "ip": (200, 3600)},
    "rate": {"account": (30, 3600), "ip": (100, 3600)},
    "suggest": {"account": (5, 3600), "ip": (20, 3600)},
    "flag": {"account": (20, 3600), "ip": (60, 3600)},
    "vote": {"account": (60, 3600), "ip": (300, 3600)},
    "answer": {"account": (10, 3600), "ip": (30, 3600)},
    "code": {"account": (5, 3600), "ip": (20, 3600)},  # verification codes sent (account = address)
    "login": {"account": (10, 900), "ip": (50, 900)},  # account = the phone or e-mail tried
    "register": {"account": (5, 3600), "ip": (20, 3600)},
    "account": {"account": (30, 3600), "ip": (100, 3600)},  # changes to one's own account
}


class RateLimited(TooSoon):
    """Over a limit on public writes; nothing was done."""

    def __init__(self, retry_after: int):
        minutes = max(1, (int(retry_after) + 59) // 60)
        super().__init__(
            _("Too many submissions in a short time. Please try again in %(minutes)d minutes.") % {"minutes": minutes},
            retry_after,
        )
        self.minutes = minutes


def limits(action: str) -> dict:
    configured = getattr(settings, "WENMING_PORTAL_LIMITS", {}) or {}
    return {**DEFAULT_LIMITS[action], **configured.get(action, {})}


def client_ip(request) -> str:
    # Behind the city's reverse proxy REMOTE_ADDR is set by the WSGI server from the proxy's header.
    return request.META.get("REMOTE_ADDR") or "unknown"


def ip_hash(request) -> str:
    """A keyed hash of the client address: counts repeats without storing the address."""
    return hmac.new(settings.SECRET_KEY.encode(), client_ip(request).encode(), hashlib.sha256).hexdigest()


def check(request, action: str, *, account: str | None = None) -> None:
    """Count one public write; raise RateLimited when the account or the address is over its limit.

    ``account`` defaults to the logged-in user; anonymous writes are limited per IP only."""
    rules = limits(action)
    if account is None and request.user.is_authenticated:
        account = f"user:{request.user.pk}"
    keys = [(f"portal:{action}:ip:{ip_hash(request)[:32]}", rules["ip"])]
    if account:
        keys.insert(0, (f"portal:{action}:acct:{account}", rules["account"]))
    for key, (count, window) in keys:
        result = ratelimit.hit(key, count, window)
        if not result.allowed:
            raise RateLimited(result.retry_after)


def too_many(request, exc: RateLimited, message: str = ""):
    response = render(request, "participation/too_many.html", {"message": message or exc.message}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


def rate_limited(action: str):
    """Decorate a view: POST requests count against ``action``'s limits; over them, a 429 page."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method == "POST":
                try:
                    check(request, action)
                except RateLimited as exc:
                    return too_many(request, exc)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


# ---------------------------------------------------------------------------
# Captcha: a small sum, its answer kept in the session (no image service needed).

CAPTCHA_SESSION_KEY = "wenming_captcha"


def new_captcha(request) -> str:
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    request.session[CAPTCHA_SESSION_KEY] = str(a + b)
    return _("How much is %(a)d plus %(b)d?") % {"a": a, "b": b}


def captcha_passed(request, answer) -> bool:
    """Each captcha answers once: a wrong or a right answer both use it up."""
    expected = request.session.pop(CAPTCHA_SESSION_KEY, None)
    return expected is not None and str(answer or "").strip() == expected
