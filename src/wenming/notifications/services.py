"""Notifications: the in-app notification centre, and outbound channels behind one interface.

A notification is written in the same transaction as the change it reports, and may be
about something (its subject: a case, a suggestion …). Each outbound channel (e-mail
through Django's mail backend; an HTTP webhook for the city's SMS gateway) gets a
Delivery row that `deliver_pending` sends, retrying with growing pauses, so a channel
that is down loses nothing.
"""

import json
import logging
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db.models import Q
from django.utils import timezone

from wenming.notifications.models import Delivery, Notification
from wenming.org.models import Membership, Role

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 6


def unit_staff(unit, *, leaders_only: bool = False) -> list:
    """The people working for ``unit``: its handlers and leaders, or its leaders only."""
    if unit is None:
        return []
    roles = {Role.UNIT_LEADER} if leaders_only else {Role.HANDLER, Role.CAMPAIGN_ADMIN, Role.UNIT_LEADER}
    users = get_user_model().objects.filter(
        id__in=Membership.objects.filter(unit=unit, is_active=True, role__in=roles).values("user_id"), is_active=True
    )
    return list(users)


def _channels(user) -> list[tuple[str, str]]:
    channels = []
    if user.email and getattr(settings, "WENMING_NOTIFY_EMAIL", True):
        channels.append(("email", user.email))
    phone = getattr(getattr(user, "profile", None), "phone", "")
    if phone and settings.WENMING_SMS_WEBHOOK_URL:
        channels.append(("webhook", phone))
    return channels


def send(
    users, kind: str, title: str, *, about=None, body: str = "", outbound: bool = True, now=None
) -> list[Notification]:
    """Tell each of ``users`` once, in the centre and (``outbound``) by e-mail and SMS; ``about``
    is the record the notification is about, if any."""
    now = now or timezone.now()
    created = []
    for user in {u.pk: u for u in users if u is not None}.values():
        notification = Notification.objects.create(
            user=user, subject=about, kind=kind, title=title[:200], body=body, created_at=now
        )
        if outbound:
            Delivery.objects.bulk_create(
                [
                    Delivery(notification=notification, channel=c, address=a, next_attempt_at=now)
                    for c, a in _channels(user)
                ]
            )
        created.append(notification)
    return created


def inbox(user):
    """The person's notifications, newest first, with what each is about."""
    return Notification.objects.filter(user=user).prefetch_related("subject")


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def mark_read(user, ids=None) -> int:
    queryset = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        queryset = queryset.filter(id__in=ids)
    return queryset.update(read_at=timezone.now())


def _send_email(delivery: Delivery) -> None:
    n = delivery.notification
    send_mail(n.title, n.body or n.title, settings.DEFAULT_FROM_EMAIL, [delivery.address])


def _send_webhook(delivery: Delivery) -> None:
    n = delivery.notification
    # "case" names what the notification is about (a case number, a suggestion number …).
    payload = json.dumps(
        {"phone": delivery.address, "text": n.title, "case": str(n.subject) if n.subject else None, "kind": n.kind}
    ).encode()
    request = urllib.request.Request(
        settings.WENMING_SMS_WEBHOOK_URL, data=payload, headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        if response.status >= 300:
            raise OSError(f"HTTP {response.status}")


SENDERS = {"email": _send_email, "webhook": _send_webhook}


def deliver_pending(now=None, limit: int = 500) -> dict:
    """Send what is due; failures are retried after 1, 2, 4 … minutes, MAX_ATTEMPTS times."""
    now = now or timezone.now()
    due = (
        Delivery.objects.filter(status=Delivery.Status.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .select_related("notification")
        .prefetch_related("notification__subject")
        .order_by("next_attempt_at", "id")[:limit]
    )
    counts = {"sent": 0, "retry": 0, "failed": 0}
    for delivery in due:
        delivery.attempts += 1
        try:
            SENDERS[delivery.channel](delivery)
        except Exception as exc:  # any failure of an outside channel is retried, never raised
            delivery.last_error = f"{type(exc).__name__}: {exc}"[:1000]
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = Delivery.Status.FAILED
                counts["failed"] += 1
            else:
                delivery.next_attempt_at = now + timedelta(minutes=2 ** (delivery.attempts - 1))
                counts["retry"] += 1
            log.warning("delivery %s via %s failed: %s", delivery.pk, delivery.channel, delivery.last_error)
        else:
            delivery.status = Delivery.Status.SENT
            delivery.sent_at = now
            counts["sent"] += 1
        delivery.save()
    return counts
