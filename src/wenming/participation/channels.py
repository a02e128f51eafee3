"""How verification codes reach people: one small interface, several channels.

``WENMING_CODE_CHANNEL`` names the channels in order of preference, by short name or
dotted path, separated by commas; each address goes to the first channel that accepts it:

- ``console`` (the default): prints the code to the server's console, for the demo and development;
- ``email``: Django's ``send_mail`` through ``EMAIL_BACKEND``, for e-mail addresses;
- ``http``: the city's SMS gateway, ``POST {"phone": …, "text": …}`` as JSON to
  ``WENMING_SMS_GATEWAY_URL`` with an optional bearer token ``WENMING_SMS_GATEWAY_TOKEN``.

A production city sets ``WENMING_CODE_CHANNEL=http,email``. A channel that cannot deliver
raises ``ChannelError`` with a message for the person; the caller then saves nothing.
"""

import json
import logging
import sys
import urllib.error
import urllib.request
from collections import deque
from contextlib import contextmanager

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)


class ChannelError(Exception):
    """The code could not be sent; ``message`` is written for the person waiting for it."""

    def __init__(self, message: str, detail: str = ""):
        super().__init__(detail or message)
        self.message = message


class Unsupported(ChannelError):
    """No configured channel takes this kind of address: the person should use the other kind."""


def code_text(code: str, purpose: str) -> str:
    if purpose == "reset":
        return _(
            "Your code to set a new password is %(code)s. It is valid for 10 minutes. Never tell it to anyone."
        ) % {"code": code}
    return _("Your registration code is %(code)s. It is valid for 10 minutes. Never tell it to anyone.") % {
        "code": code
    }


class Channel:
    """What every channel does. Subclasses say which addresses they take and send one code."""

    name = ""

    def accepts(self, address: str) -> bool:
        return True

    def send_code(self, address: str, code: str, purpose: str) -> None:
        raise NotImplementedError


# While a test (or a developer's shell) captures codes, the console channel also keeps
# them here, newest last; in a running server this stays None and nothing is kept.
_captured: deque | None = None


@contextmanager
def capture(maxlen: int = 50):
    """Keep the codes the console channel sends, as (address, code, purpose), while inside the block."""
    global _captured
    previous, _captured = _captured, deque(maxlen=maxlen)
    try:
        yield _captured
    finally:
        _captured = previous


class ConsoleChannel(Channel):
    name = "console"

    def send_code(self, address: str, code: str, purpose: str) -> None:
        # Printed, not only logged: the demo must show the code whatever the log level.
        print(f"[wenming] verification code for {address} ({purpose}): {code}", file=sys.stdout, flush=True)
        if _captured is not None:
            _captured.append((address, code, purpose))


class EmailChannel(Channel):
    name = "email"

    def accepts(self, address: str) -> bool:
        return "@" in address

    def send_code(self, address: str, code: str, purpose: str) -> None:
        subject = _("Your verification code")
        try:
            send_mail(subject, code_text(code, purpose), settings.DEFAULT_FROM_EMAIL, [address])
        except Exception as exc:  # SMTP errors, refused connections, bad configuration: all the same to the person
            log.warning("verification e-mail to %s failed: %s: %s", address, type(exc).__name__, exc)
            raise ChannelError(_("The e-mail could not be sent. Please try again later."), str(exc)) from exc


class HttpSmsChannel(Channel):
    """The city's SMS gateway over HTTP. Any answer but 2xx, or no answer in time, is a failure."""

    name = "http"

    def accepts(self, address: str) -> bool:
        return "@" not in address

    def send_code(self, address: str, code: str, purpose: str) -> None:
        url = getattr(settings, "WENMING_SMS_GATEWAY_URL", "")
        failed = _("The text message could not be sent. Please try again later.")
        if not url:
            log.error("WENMING_CODE_CHANNEL uses http but WENMING_SMS_GATEWAY_URL is empty")
            raise ChannelError(failed, "no gateway URL")
        headers = {"Content-Type": "application/json; charset=utf-8", "Accept": "application/json"}
        if token := getattr(settings, "WENMING_SMS_GATEWAY_TOKEN", ""):
            headers["Authorization"] = f"Bearer {token}"
        body = json.dumps({"phone": address, "text": code_text(code, purpose)}, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        timeout = getattr(settings, "WENMING_SMS_GATEWAY_TIMEOUT", 10)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                response.read(4096)
                if not 200 <= response.status < 300:
                    raise ChannelError(failed, f"HTTP {response.status}")
        except urllib.error.HTTPError as exc:  # 4xx / 5xx
            log.warning("SMS gateway refused the code for %s: HTTP %s", address, exc.code)
            raise ChannelError(failed, f"HTTP {exc.code}") from exc
        except (urllib.error.URLError, OSError, ValueError) as exc:  # down, unreachable, timed out, bad URL
            log.warning("SMS gateway unreachable for %s: %s", address, exc)
            raise ChannelError(failed, str(exc)) from exc


SHORT_NAMES = {"console": ConsoleChannel, "email": EmailChannel, "http": HttpSmsChannel}


def configured() -> list[Channel]:
    value = getattr(settings, "WENMING_CODE_CHANNEL", "console") or "console"
    names = value if isinstance(value, (list, tuple)) else value.split(",")
    channels = []
    for name in (n.strip() for n in names if n.strip()):
        cls = SHORT_NAMES.get(name) or import_string(name)
        channels.append(cls())
    return channels or [ConsoleChannel()]


def channel_for(address: str) -> Channel:
    for channel in configured():
        if channel.accepts(address):
            return channel
    if "@" in address:
        raise Unsupported(_("Codes cannot be sent by e-mail here. Please use a mobile number."))
    raise Unsupported(_("Codes cannot be sent by text message here. Please use an e-mail address."))


def send_code(address: str, code: str, purpose: str) -> None:
    """Send ``code`` to ``address`` through the first configured channel that takes it."""
    channel_for(address).send_code(address, code, purpose)
